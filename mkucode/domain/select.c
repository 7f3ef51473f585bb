// SPDX-License-Identifier: GPL-2.0-or-later
/* Selection: filters, deduplication, newest per CPU. */
#include <stdlib.h>
#include <string.h>

#include "domain/select.h"
#include "util/diag.h"
#include "util/alloc.h"
#include "vendor/amd.h"
#include "vendor/intel.h"

void selection_add(struct selection *sel, const struct cpu_spec *spec,
		   bool vendor_known, enum uc_vendor vendor)
{
	size_t cap = sel->cap_specs;

	grow(&sel->specs, &sel->cap_specs, sel->n_specs + 1, sizeof(*sel->specs));
	if (cap != sel->cap_specs) {
		sel->spec_vendor_known = xrealloc(sel->spec_vendor_known,
			sel->cap_specs * sizeof(*sel->spec_vendor_known));
		sel->spec_vendor = xrealloc(sel->spec_vendor,
			sel->cap_specs * sizeof(*sel->spec_vendor));
	}
	sel->specs[sel->n_specs] = *spec;
	sel->spec_vendor_known[sel->n_specs] = vendor_known;
	sel->spec_vendor[sel->n_specs] = vendor;
	sel->n_specs++;
}

void selection_free(struct selection *sel)
{
	free(sel->specs);
	free(sel->spec_vendor_known);
	free(sel->spec_vendor);
	memset(sel, 0, sizeof(*sel));
}

bool selection_filtered(const struct selection *sel)
{
	for (size_t i = 0; i < sel->n_specs; i++)
		if (!sel->specs[i].exclude)
			return true;
	return false;
}

uint32_t bcd_date_ymd(uint32_t bcd)
{
	uint32_t year = bcd & 0xffff, month = bcd >> 24, day = (bcd >> 16) & 0xff;
	uint32_t y = 0;

	/* BCD digits read as decimal; stray nibbles just sort oddly. */
	for (int shift = 12; shift >= 0; shift -= 4)
		y = y * 10 + ((year >> shift) & 0xf);
	return y * 10000 + ((month >> 4) * 10 + (month & 0xf)) * 100 +
	       (day >> 4) * 10 + (day & 0xf);
}

/* The (signature, platform bit) pairs an Intel update covers; bit 8 stands
 * for an empty mask. */
struct cover {
	uint32_t sig;
	unsigned int bit;
};

#define MAX_COVER 512

static bool spec_applies(const struct selection *sel, size_t i, enum uc_vendor v)
{
	return !sel->spec_vendor_known[i] || sel->spec_vendor[i] == v;
}

static bool spec_takes_pair(const struct cpu_spec *s, uint32_t sig, uint32_t pf)
{
	return s->sig == sig && (!s->pf_mask || (s->pf_mask & pf) ||
				 (!pf && !s->pf_mask));
}

/* Does the selection keep this (signature, mask) pair of an Intel update? */
static bool wants_intel_pair(const struct selection *sel, uint32_t sig,
			     uint32_t pf)
{
	bool filtered = selection_filtered(sel), in = !filtered;

	for (size_t i = 0; i < sel->n_specs; i++) {
		const struct cpu_spec *s = &sel->specs[i];

		if (!spec_applies(sel, i, UC_VENDOR_INTEL) ||
		    !spec_takes_pair(s, sig, pf))
			continue;
		if (s->exclude)
			return false;
		in = true;
	}
	return in;
}

bool selection_wants_amd_cpu(const struct selection *sel, uint32_t sig)
{
	bool in = !selection_filtered(sel);

	for (size_t i = 0; i < sel->n_specs; i++) {
		const struct cpu_spec *s = &sel->specs[i];

		if (!spec_applies(sel, i, UC_VENDOR_AMD) || s->sig != sig)
			continue;
		if (s->exclude)
			return false;
		in = true;
	}
	return in;
}

static size_t intel_cover(const struct ucode_item *it,
			  const struct selection *sel, struct cover *c)
{
	size_t n = 0;

	/* Validated once when gathered; its checksums need no second pass. */
	for (uint32_t i = 0; i < uc_intel_nsigs(&it->intel); i++) {
		uint32_t sig, pf;

		uc_intel_sig(&it->intel, i, &sig, &pf);
		for (unsigned int bit = 0; bit <= 8; bit++) {
			uint32_t m = bit < 8 ? 1u << bit : 0;

			if (bit < 8 ? !(pf & m) : pf != 0)
				continue;
			/* Only what the selection asked for counts. */
			if (!wants_intel_pair(sel, sig, bit < 8 ? m : 0))
				continue;
			if (n < MAX_COVER)
				c[n++] = (struct cover){ sig, bit };
		}
	}
	return n;
}

static bool amd_wanted(const struct ucode_item *it, const struct selection *sel)
{
	uint32_t sigs[64];
	unsigned int n = ucode_amd_cpus(it, sigs, 64);

	for (unsigned int i = 0; i < n; i++)
		if (selection_wants_amd_cpu(sel, sigs[i]))
			return true;
	/* Newest Linux matches Zen patches by the CPUID in their id. */
	return it->family >= 0x17 &&
	       selection_wants_amd_cpu(sel, uc_amd_zen_sig(it->rev));
}

static bool subset(const struct cover *a, size_t na, const struct cover *b,
		   size_t nb)
{
	for (size_t i = 0; i < na; i++) {
		bool found = false;

		for (size_t j = 0; j < nb && !found; j++)
			found = a[i].sig == b[j].sig && a[i].bit == b[j].bit;
		if (!found)
			return false;
	}
	return true;
}

/* Same identity: what a loader would take as the same update. */
static bool same_identity(const struct ucode_item *a, const struct ucode_item *b)
{
	if (a->vendor != b->vendor || a->rev != b->rev)
		return false;
	return a->vendor == UC_VENDOR_INTEL ? a->sig == b->sig && a->pf == b->pf
					    : a->equiv_id == b->equiv_id;
}

/* Does b replace a: newer, or with --downgrade given later? */
static bool supersedes(const struct ucode_item *b, const struct ucode_item *a,
		       const struct selection *sel)
{
	if (sel->downgrade)
		return b->order > a->order;
	if (a->vendor == UC_VENDOR_INTEL)
		return uc_intel_rev_cmp(a->rev, b->rev, UC_LINUX_NEWEST) > 0;
	return b->rev > a->rev;
}

/* Each Intel update's wanted (signature, platform) pairs, computed once. */
struct covers {
	struct cover *pairs;
	size_t *n;      /* per item */
	size_t *first;  /* per item: index into pairs */
};

static void covers_build(struct covers *cv, const struct ucode_set *set,
			 const struct selection *sel)
{
	struct cover *tmp = xmalloc(MAX_COVER * sizeof(*tmp));
	size_t total = 0, cap = 0;

	cv->pairs = NULL;
	cv->n = xmalloc((set->n + 1) * sizeof(*cv->n));
	cv->first = xmalloc((set->n + 1) * sizeof(*cv->first));
	for (size_t i = 0; i < set->n; i++) {
		size_t k = set->items[i].vendor == UC_VENDOR_INTEL
				   ? intel_cover(&set->items[i], sel, tmp) : 0;

		grow(&cv->pairs, &cap, total + k + 1, sizeof(*cv->pairs));
		memcpy(cv->pairs + total, tmp, k * sizeof(*tmp));
		cv->first[i] = total;
		cv->n[i] = k;
		total += k;
	}
	free(tmp);
}

static void covers_free(struct covers *cv)
{
	free(cv->pairs);
	free(cv->n);
	free(cv->first);
}

long select_ucode(struct ucode_set *set, const struct selection *sel,
		  struct diags *d)
{
	struct covers cv;
	long count = 0;

	covers_build(&cv, set, sel);
	/* Filters. */
	for (size_t i = 0; i < set->n; i++) {
		struct ucode_item *it = &set->items[i];
		uint32_t ymd = bcd_date_ymd(it->date);

		it->selected = (!sel->vendor_only || it->vendor == sel->vendor) &&
			       (!sel->date_before || ymd < sel->date_before) &&
			       (!sel->date_after || ymd > sel->date_after) &&
			       (it->vendor == UC_VENDOR_INTEL ? cv.n[i] > 0
							      : amd_wanted(it, sel));
	}
	/* Identical updates once; same identity with other bytes is an error. */
	for (size_t i = 0; i < set->n; i++) {
		struct ucode_item *a = &set->items[i];

		for (size_t j = 0; j < i && a->selected; j++) {
			struct ucode_item *b = &set->items[j];

			if (!b->selected || !same_identity(a, b))
				continue;
			if (ucode_check_copy(a, b, d)) {
				covers_free(&cv);
				return -1;
			}
			a->selected = false;
		}
	}
	/* Newest per CPU: drop what another update covers and supersedes. */
	for (size_t i = 0; i < set->n; i++) {
		struct ucode_item *a = &set->items[i];

		for (size_t j = 0; j < set->n && a->selected; j++) {
			struct ucode_item *b = &set->items[j];

			if (i == j || !b->selected || b->vendor != a->vendor ||
			    !supersedes(b, a, sel))
				continue;
			if (a->vendor == UC_VENDOR_AMD
				    ? b->equiv_id == a->equiv_id
				    : subset(cv.pairs + cv.first[i], cv.n[i],
					     cv.pairs + cv.first[j], cv.n[j]))
				a->selected = false;
		}
	}
	for (size_t i = 0; i < set->n; i++)
		count += set->items[i].selected;
	covers_free(&cv);
	return count;
}

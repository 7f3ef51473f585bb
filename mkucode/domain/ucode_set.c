// SPDX-License-Identifier: GPL-2.0-or-later
/* The set of gathered updates: what it owns, and facts about its items. */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "domain/ucode.h"
#include "util/alloc.h"
#include "util/diag.h"
#include "vendor/amd.h"

void *ucode_set_own(struct ucode_set *set, void *p)
{
	grow(&set->owned, &set->cap_owned, set->n_owned + 1, sizeof(void *));
	set->owned[set->n_owned++] = p;
	return p;
}

void ucode_set_free(struct ucode_set *set)
{
	for (size_t i = 0; i < set->n_owned; i++)
		free(set->owned[i]);
	free(set->owned);
	for (size_t i = 0; i < set->n_maps; i++)
		munmap(set->maps[i].p, set->maps[i].len);
	free(set->maps);
	free(set->items);
	memset(set, 0, sizeof(*set));
}

unsigned int ucode_amd_cpus(const struct ucode_item *it, uint32_t *sigs,
			    unsigned int max)
{
	unsigned int n = 0;

	for (uint32_t off = 0; off + UC_AMD_EQUIV_ENTRY_SIZE <= it->equiv_len;
	     off += UC_AMD_EQUIV_ENTRY_SIZE) {
		uint32_t cpu = uc_le32(it->equiv + off);

		if (cpu && uc_amd_equiv_entry_id(it->equiv + off) == it->equiv_id &&
		    n < max)
			sigs[n++] = cpu;
	}
	return n;
}

int ucode_check_copy(const struct ucode_item *copy, const struct ucode_item *first,
		     struct diags *d)
{
	if (copy->size == first->size && !memcmp(copy->data, first->data, copy->size))
		return 0;
	return diag_add(d, DIAG_ERROR, copy->source, copy->offset, 0, 0,
			"revision %#x differs from the one in %s at offset %#zx "
			"but has the same signature and revision", copy->rev,
			first->source, first->offset);
}

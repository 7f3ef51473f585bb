// SPDX-License-Identifier: GPL-2.0-or-later OR BSD-2-Clause
/* The validator: what a loader would trip on, reported one by one. */
#include "check.h"
#include "vendor/amd.h"
#include "vendor/intel.h"
#include "cpio/cpio.h"

struct reporter {
	uc_issue_fn fn;
	void *ctx;
	unsigned int count;
};

static void report(struct reporter *r, int err, size_t offset,
		   enum uc_subject what, enum uc_consumer c)
{
	struct uc_issue issue = { err, offset, what, c };

	r->count++;
	if (r->fn)
		r->fn(r->ctx, &issue);
}

/*
 * The first loader that refuses an update the strict rules refused, so a
 * Xen-only rule is not reported as if Linux cared.  UC_STRICT when all do.
 */
static enum uc_consumer intel_refusers(const uint8_t *p, size_t n, bool *linux_ok,
				       uint32_t *linux_size)
{
	struct uc_intel_update u;
	enum uc_consumer first = UC_STRICT;
	bool all = true, any = false;

	*linux_ok = !uc_intel_parse(p, n, UC_LINUX_NEWEST, &u);
	*linux_size = *linux_ok ? u.total_size : 0;
	for (int c = 0; c < UC_CONSUMER_MAX; c++) {
		if (uc_intel_parse(p, n, (enum uc_consumer)c, &u)) {
			if (!any)
				first = (enum uc_consumer)c;
			any = true;
		} else {
			all = false;
		}
	}
	return all ? UC_STRICT : first;
}

static void check_intel_raw(const uint8_t *b, size_t len, size_t base,
			    struct reporter *r)
{
	struct uc_intel_update u;
	size_t pos = 0;
	int k;

	for (;;) {
		bool linux_ok;
		uint32_t size;
		enum uc_consumer who;

		k = uc_intel_next(b, len, &pos, UC_STRICT, &u);
		if (k >= 0) {
			if (!k)
				return;
			continue;
		}
		who = intel_refusers(b + pos, len - pos, &linux_ok, &size);
		report(r, k, base + pos, UC_SUBJECT_INTEL, who);
		/* An update only some Xen refuses: keep looking past it. */
		if (!linux_ok)
			return;
		pos += size;
	}
}

static unsigned int max_family_cap_below_15h(void)
{
	return 2048;    /* the largest Linux cap of families 10h-14h */
}

static void check_amd_raw(const uint8_t *b, size_t len, size_t base,
			  struct reporter *r)
{
	struct uc_amd_container ct;
	uint32_t largest = 0;    /* biggest patch in earlier containers */
	size_t pos = 0, start;
	int k;

	for (;;) {
		struct uc_amd_patch p;
		size_t ppos;
		bool small_family = false;

		start = pos;
		k = uc_amd_next_container(b, len, &pos, UC_STRICT, &ct);
		if (k <= 0)
			break;
		/* Xen reads a container with no patch up to a patch section. */
		if (ct.patches == pos - start && pos < len)
			report(r, -UC_ERR_AMD_SECTION_TYPE, base + pos, UC_SUBJECT_AMD,
			       UC_XEN_4_17);
		for (ppos = ct.patches; uc_amd_next_patch(&ct, &ppos, &p) > 0;) {
			unsigned int fam = uc_amd_patch_family(&p);

			if (fam < 0x15)
				small_family = true;
			/* Xen 4.17 skips what exceeds its caps (all of Fam1Ah). */
			if (p.size > uc_amd_max_patch_size(fam, UC_XEN_4_17))
				report(r, -UC_ERR_AMD_PATCH_TOO_BIG,
				       base + start + p.offset, UC_SUBJECT_AMD,
				       UC_XEN_4_17);
		}
		/* Linux checks sizes against the CPU's cap before the family. */
		if (small_family && largest > max_family_cap_below_15h())
			report(r, -UC_ERR_AMD_ORDER, base + start, UC_SUBJECT_AMD,
			       UC_LINUX_6_1);
		for (ppos = ct.patches; uc_amd_next_patch(&ct, &ppos, &p) > 0;)
			if (p.size > largest)
				largest = p.size;
	}
	if (k < 0)
		report(r, k, base + pos, UC_SUBJECT_AMD, UC_STRICT);
}

unsigned int uc_check_raw(const void *buf, size_t len, enum uc_vendor v,
			  size_t base, uc_issue_fn fn, void *ctx)
{
	struct reporter r = { fn, ctx, 0 };

	if (v == UC_VENDOR_INTEL)
		check_intel_raw(buf, len, base, &r);
	else
		check_amd_raw(buf, len, base, &r);
	return r.count;
}

/* Does name end with path, after something the loaders will not strip? */
static bool names_path_unreachably(const struct uc_cpio_entry *e,
				   const char *path)
{
	size_t n = uc_strlen(path), namelen;

	if (!e->name_terminated)
		return false;
	namelen = uc_strlen(e->name);
	return namelen > n && !uc_memcmp(e->name + namelen - n, path, n) &&
	       e->name[namelen - n - 1] == '/';
}

int uc_check_cpio(const void *buf, size_t len, size_t *err_off)
{
	struct uc_cpio_entry e;
	struct uc_cpio_layout l;
	size_t pos = 0;

	while (uc_cpio_next(buf, len, &pos, &e) > 0) {
		int k = uc_cpio_entry_check(&e);

		/* The loaders skip anything but a regular file: no microcode. */
		if (!k && !uc_cpio_is_regular(&e) &&
		    (uc_cpio_name_is(&e, UC_CPIO_PATH_INTEL) ||
		     uc_cpio_name_is(&e, UC_CPIO_PATH_AMD)))
			k = -UC_ERR_NOT_REGULAR;
		if (k) {
			if (err_off)
				*err_off = e.offset;
			return k;
		}
	}
	uc_cpio_layout(buf, len, &l);
	if (l.broken && err_off)
		*err_off = l.stop_offset;
	return l.broken;
}

unsigned int uc_check_image(const void *buf, size_t len, uc_issue_fn fn,
			    void *ctx)
{
	static const struct {
		enum uc_vendor vendor;
		const char *path;
	} files[] = {
		{ UC_VENDOR_INTEL, UC_CPIO_PATH_INTEL },
		{ UC_VENDOR_AMD, UC_CPIO_PATH_AMD },
	};
	const uint8_t *b = buf;
	struct reporter r = { fn, ctx, 0 };
	size_t off;
	int k;

	/* An archive cut short hides whatever should have followed. */
	k = uc_check_cpio(buf, len, &off);
	if (k)
		report(&r, k, off, UC_SUBJECT_CPIO, UC_STRICT);
	for (unsigned int i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		enum uc_vendor v = files[i].vendor;
		enum uc_subject about = uc_subject_of(v);
		struct uc_cpio_entry e, read;
		size_t pos = 0;
		bool found = !uc_cpio_find(buf, len, files[i].path, &read);

		/* (An unterminated name is uc_check_cpio's to report.) */
		if (found && read.name_terminated &&
		    !uc_cpio_name_is(&read, files[i].path))
			report(&r, -UC_ERR_SHADOWED, read.offset, about, UC_STRICT);
		while (uc_cpio_next(buf, len, &pos, &e) > 0) {
			if (!uc_cpio_is_regular(&e))
				continue;
			if (names_path_unreachably(&e, files[i].path))
				report(&r, -UC_ERR_UNREACHABLE_NAME, e.offset, about,
				       UC_STRICT);
			else if (found && e.offset != read.offset &&
				 uc_cpio_name_is(&read, files[i].path) &&
				 uc_cpio_name_is(&e, files[i].path))
				report(&r, -UC_ERR_DUPLICATE_MEMBER, e.offset, about,
				       UC_STRICT);
		}
		if (!found)
			continue;
		/* Linux and newer Xen load Intel data in place. */
		if (v == UC_VENDOR_INTEL && read.data_offset % 16)
			report(&r, -UC_ERR_MISALIGNED, read.data_offset, about,
			       UC_STRICT);
		r.count += uc_check_raw(b + read.data_offset, read.filesize, v,
					read.data_offset, fn, ctx);
	}
	return r.count;
}

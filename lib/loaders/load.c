// SPDX-License-Identifier: GPL-2.0-or-later OR BSD-2-Clause
/*
 * The loaders' choices, modelled from their sources (doc/loaders.md, and
 * doc/formats.md#how-the-loaders-find-the-file).  Each walk mirrors the loader it names, including where
 * it gives up; comments say which behaviour is being copied.
 */
#include "load.h"
#include "vendor/amd.h"
#include "vendor/intel.h"
#include "cpio/cpio.h"

const char *uc_consumer_name(enum uc_consumer c)
{
	switch (c) {
	case UC_LINUX_6_1: return "linux-6.1";
	case UC_LINUX_NEWEST: return "linux";
	case UC_XEN_4_17: return "xen-4.17";
	case UC_XEN_NEWER: return "xen";
	case UC_STRICT: return "strict";
	default: return "unknown";
	}
}

static void set_file_err(struct uc_load_result *r, int err, size_t off)
{
	r->file_err = err;
	r->file_err_offset = r->file_offset + off;
}

static void choose(struct uc_load_result *r, const uint8_t *file,
		   const uint8_t *patch, uint32_t size, uint32_t rev,
		   uint32_t date)
{
	r->patch = patch;
	r->patch_offset = r->file_offset + (size_t)(patch - file);
	r->patch_size = size;
	r->rev = rev;
	r->date = date;
}

/*
 * Intel.  Linux: any bad update rejects the whole file; the newest match
 * above the current revision wins (unsigned).  Xen: the walk stops at a bad
 * update but keeps what it chose; the newest match wins (signed), then it
 * must be newer than the current revision.
 */
static int intel_would_load(const uint8_t *f, size_t n, const struct uc_cpu *cpu,
			    enum uc_consumer c, struct uc_load_result *r)
{
	struct uc_intel_update u, best = { 0 };
	bool have = false, xen = uc_consumer_is_xen(c);
	size_t pos = 0;
	int k;

	while ((k = uc_intel_next(f, n, &pos, c, &u)) > 0) {
		if (!uc_intel_match(&u, cpu->sig, cpu->pf, c))
			continue;
		r->matches++;
		/*
		 * Linux 6.1 tests a later update against the chosen one's main
		 * signature and mask too, as if they were the CPU's.
		 */
		if (c == UC_LINUX_6_1 && have &&
		    !uc_intel_match(&u, best.sig, best.pf, c))
			continue;
		/* Xen keeps the newest match; Linux only one newer than the CPU's. */
		if (xen ? !have || uc_intel_rev_cmp(best.rev, u.rev, c) > 0
			: uc_intel_rev_cmp(have ? best.rev : cpu->rev, u.rev, c) > 0) {
			best = u;
			have = true;
		}
	}
	if (k < 0) {
		set_file_err(r, k, pos);
		if (!xen || !have)
			return -UC_ERR_FILE_REJECTED;
	}
	if (!r->matches)
		return -UC_ERR_NO_MATCH;
	if (!have || uc_intel_rev_cmp(cpu->rev, best.rev, c) <= 0)
		return -UC_ERR_NOT_NEWER;
	choose(r, f, best.hdr, best.total_size, best.rev, best.date);
	return 0;
}

/*
 * AMD, Linux (parse_container/scan_containers): the last match wins, with
 * no revision compare.  Newest Linux stops after the first container that
 * holds a match; 6.1 only returns early when such a container runs to the
 * end of the buffer, so in effect it takes the last match anywhere.  A
 * section that fails a check ends the container; the walk resumes there,
 * finds no magic, and the whole scan stops (a match already seen stays).  Size caps use the CPU's family, so a foreign oversize
 * patch in an earlier container stops the scan for small-cap families.
 * Newest Linux on family ≥ 17h checks only the container magic and matches
 * a patch by the CPUID its patch id encodes.
 */
static int amd_linux_would_load(const uint8_t *f, size_t n,
				const struct uc_cpu *cpu, enum uc_consumer c,
				struct uc_load_result *r)
{
	unsigned int fam = uc_x86_family(cpu->sig);
	bool zen_ids = c == UC_LINUX_NEWEST && fam >= 0x17;
	uint32_t cap = uc_amd_max_patch_size(fam, c);
	struct uc_amd_patch p, best = { 0 };
	bool have = false;
	size_t pos = 0;

	while (pos < n && !(have && c == UC_LINUX_NEWEST)) {
		struct uc_amd_container ct;
		uint16_t eq_id = 0;
		size_t ppos;
		int k;

		if (zen_ids) {
			/* Only the magic is checked; the table length still skips. */
			if (n - pos <= UC_AMD_CONTAINER_HDR_SIZE ||
			    uc_le32(f + pos) != UC_AMD_MAGIC) {
				k = -UC_ERR_AMD_BAD_MAGIC;
			} else if (uc_le32(f + pos + 8) >
				   n - pos - UC_AMD_CONTAINER_HDR_SIZE) {
				k = -UC_ERR_AMD_EQUIV_PAST_END;
			} else {
				ct.base = f + pos;
				ct.avail = n - pos;
				ct.equiv = ct.base + UC_AMD_CONTAINER_HDR_SIZE;
				ct.equiv_len = 0;
				ct.patches = UC_AMD_CONTAINER_HDR_SIZE +
					     (size_t)uc_le32(f + pos + 8);
				k = 0;
			}
		} else {
			k = uc_amd_open(f + pos, n - pos, c, &ct);
		}
		if (k < 0) {
			set_file_err(r, k, pos);
			break;
		}
		if (!zen_ids)
			(void)uc_amd_equiv_lookup(&ct, cpu->sig, &eq_id);

		ppos = ct.patches;
		while ((k = uc_amd_next_patch(&ct, &ppos, &p)) > 0) {
			if (p.size > cap) {
				k = -UC_ERR_AMD_PATCH_TOO_BIG;
			} else if (p.nb_dev_id || p.sb_dev_id) {
				k = -UC_ERR_AMD_CHIPSET_SPECIFIC;
			}
			if (k < 0) {
				ppos = p.offset;
				break;
			}
			if (uc_amd_patch_family(&p) != fam)
				continue;
			if (zen_ids ? uc_amd_zen_sig(p.patch_id) == cpu->sig
				    : p.equiv_id == eq_id) {
				best = p;
				have = true;
				r->matches++;
			}
		}
		if (k < 0) {
			/* The scan would resume at the bad section: no magic. */
			set_file_err(r, k, pos + ppos);
			break;
		}
		pos += ppos;
	}
	if (!have)
		return r->file_err ? -UC_ERR_FILE_REJECTED : -UC_ERR_NO_MATCH;
	/* Equal levels are re-applied, for SMT siblings. */
	if (cpu->rev > best.patch_id)
		return -UC_ERR_NOT_NEWER;
	choose(r, f, best.hdr, best.size, best.patch_id, best.date);
	return 0;
}

/*
 * AMD, Xen (4.17 cpu_request_microcode, master amd_ucode_parse): every
 * container is walked; a CPU missing from a table skips its patches; an
 * oversize patch is skipped; the highest patch id for the CPU's
 * equivalence id wins.  A structural error stops the walk, but a patch
 * already chosen is still used.
 */
static int amd_xen_would_load(const uint8_t *f, size_t n,
			      const struct uc_cpu *cpu, enum uc_consumer c,
			      struct uc_load_result *r)
{
	uint32_t cap = uc_amd_max_patch_size(uc_x86_family(cpu->sig), c);
	struct uc_amd_patch p, best = { 0 };
	bool have = false;
	size_t pos = 0;

	while (pos < n) {
		struct uc_amd_container ct;
		uint16_t eq_id;
		bool skip;
		size_t ppos;
		int k;

		if (n - pos < 4 || uc_le32(f + pos) != UC_AMD_MAGIC) {
			set_file_err(r, pos ? -UC_ERR_AMD_TRAILING
					    : -UC_ERR_AMD_BAD_MAGIC, pos);
			break;
		}
		k = uc_amd_open(f + pos, n - pos, c, &ct);
		if (k < 0) {
			set_file_err(r, k, pos);
			break;
		}
		skip = uc_amd_equiv_lookup(&ct, cpu->sig, &eq_id) < 0;
		ppos = ct.patches;
		/* Xen peeks for the next magic only after a patch. */
		if (ppos < ct.avail && ct.avail - ppos >= 4 &&
		    uc_le32(ct.base + ppos) == UC_AMD_MAGIC) {
			set_file_err(r, -UC_ERR_AMD_SECTION_TYPE, pos + ppos);
			break;
		}
		while ((k = uc_amd_next_patch(&ct, &ppos, &p)) > 0) {
			if (skip || p.size > cap || p.equiv_id != eq_id)
				continue;
			r->matches++;
			if (!have || p.patch_id > best.patch_id) {
				best = p;
				have = true;
			}
		}
		if (k < 0) {
			set_file_err(r, k, pos + ppos);
			break;
		}
		pos += ppos;
	}
	if (!have)
		return r->file_err ? -UC_ERR_FILE_REJECTED : -UC_ERR_NO_MATCH;

	/* Fam10h parts at a final patch level must not be updated. */
	if (cpu->rev == 0x01000098 || cpu->rev == 0x0100009f ||
	    cpu->rev == 0x010000af)
		return -UC_ERR_REFUSED;
	/* Newer patches carry a minimum revision when it looks like one. */
	if (best.equiv_id >= 0xa000 && best.min_rev &&
	    (best.min_rev & ~0xffu) == (best.patch_id & ~0xffu) &&
	    cpu->rev < best.min_rev)
		return -UC_ERR_REFUSED;
	/* 4.17 re-applies an equal level; newer Xen wants a newer one. */
	if (best.patch_id < cpu->rev ||
	    (c == UC_XEN_NEWER && best.patch_id == cpu->rev))
		return -UC_ERR_NOT_NEWER;
	choose(r, f, best.hdr, best.size, best.patch_id, best.date);
	return 0;
}

int uc_would_load(const void *buf, size_t len, enum uc_input in,
		  const struct uc_cpu *cpu, enum uc_consumer c,
		  struct uc_load_result *r)
{
	const uint8_t *f = buf;
	bool intel = cpu->vendor == UC_VENDOR_INTEL;
	unsigned int fam = uc_x86_family(cpu->sig);
	size_t n = len;

	uc_memset(r, 0, sizeof(*r));
	if ((unsigned int)c >= UC_CONSUMER_MAX ||     /* UC_STRICT is no loader */
	    (cpu->vendor != UC_VENDOR_INTEL && cpu->vendor != UC_VENDOR_AMD))
		return -UC_ERR_BADARG;
	if (intel ? fam < 6 : fam < 0x10)
		return -UC_ERR_UNSUPPORTED_CPU;
	/* Linux refuses AMD Fam10h parts at a final level before any scan. */
	if (!intel && !uc_consumer_is_xen(c) &&
	    (cpu->rev == 0x01000098 || cpu->rev == 0x0100009f ||
	     cpu->rev == 0x010000af))
		return -UC_ERR_REFUSED;

	if (in == UC_INPUT_CPIO) {
		struct uc_cpio_entry e;

		if (uc_cpio_find(buf, len, intel ? UC_CPIO_PATH_INTEL
						 : UC_CPIO_PATH_AMD, &e))
			return -UC_ERR_NO_FILE;
		f += e.data_offset;
		n = e.filesize;
		r->file_offset = e.data_offset;
	}
	r->file_size = n;

	if (intel)
		return intel_would_load(f, n, cpu, c, r);
	if (uc_consumer_is_xen(c))
		return amd_xen_would_load(f, n, cpu, c, r);
	return amd_linux_would_load(f, n, cpu, c, r);
}

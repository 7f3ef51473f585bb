// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Fuzz target: "what would load" (lib/loaders/load.c).  Input: a 9-byte CPU
 * description, then the buffer handed to the loader.
 *   byte 0     bit 0 vendor (0 Intel, 1 AMD); bits 1-3 platform id;
 *              bit 4 no platform flags (pf 0)
 *   bytes 1-4  signature, little-endian
 *   bytes 5-8  current revision, little-endian
 * Every consumer (and UC_STRICT, which is no loader) is asked about the
 * buffer as an initrd and as a raw vendor file.  A chosen patch lies inside
 * the vendor file, carries the revision reported, fits the CPU and is what
 * the consumer's own parser accepts; the cpio answer is the raw answer for
 * the vendor file the cpio holds; and a vendor file the validator finds
 * nothing wrong with is one no Intel loader (and no Xen, for AMD) stops in.
 */
#include "fuzz.h"
#include "cpio/cpio.h"
#include "vendor/amd.h"
#include "validate/check.h"
#include "vendor/intel.h"
#include "loaders/load.h"

#define CPU_BYTES 9

static bool load_error(int r)
{
	return r == -UC_ERR_NO_FILE || r == -UC_ERR_FILE_REJECTED ||
	       r == -UC_ERR_NO_MATCH || r == -UC_ERR_NOT_NEWER ||
	       r == -UC_ERR_UNSUPPORTED_CPU || r == -UC_ERR_REFUSED;
}

static void check_result(const uint8_t *buf, size_t len, const struct uc_cpu *cpu,
			 enum uc_consumer c, int r, const struct uc_load_result *res)
{
	if (c == UC_STRICT) {
		FUZZ_ASSERT(r == -UC_ERR_BADARG);
		return;
	}
	FUZZ_ASSERT(r == 0 || load_error(r));
	FUZZ_ASSERT(res->file_offset <= len && res->file_size <= len - res->file_offset);
	if (res->file_err) {
		FUZZ_ASSERT(fuzz_is_error(res->file_err));
		FUZZ_ASSERT(res->file_err_offset >= res->file_offset &&
			    res->file_err_offset <= res->file_offset + res->file_size);
	}
	if (r == -UC_ERR_FILE_REJECTED)
		FUZZ_ASSERT(res->file_err);
	if (r)
		return;

	FUZZ_ASSERT(res->matches > 0);
	FUZZ_ASSERT(res->patch == buf + res->patch_offset);
	FUZZ_ASSERT(res->patch_offset >= res->file_offset);
	FUZZ_ASSERT(res->patch_size <= res->file_offset + res->file_size - res->patch_offset);
	if (cpu->vendor == UC_VENDOR_INTEL) {
		struct uc_intel_update u;

		FUZZ_ASSERT(!uc_intel_parse(res->patch, res->patch_size, c, &u));
		FUZZ_ASSERT(u.total_size == res->patch_size);
		FUZZ_ASSERT(u.rev == res->rev && u.date == res->date);
		FUZZ_ASSERT(uc_intel_match(&u, cpu->sig, cpu->pf, c));
		FUZZ_ASSERT(uc_intel_rev_cmp(cpu->rev, u.rev, c) > 0);
	} else {
		FUZZ_ASSERT(res->patch_size >= UC_AMD_PATCH_HDR_SIZE);
		FUZZ_ASSERT(uc_le32(res->patch + UC_AMD_PATCH_ID_OFF) == res->rev);
		FUZZ_ASSERT(uc_le32(res->patch + UC_AMD_DATE_OFF) == res->date);
		FUZZ_ASSERT(res->rev >= cpu->rev);
	}
}

/* The cpio answer, once the vendor file is found, is the raw answer. */
static void same_answer(int rc, const struct uc_load_result *cpio, int rr,
			const struct uc_load_result *raw, size_t base)
{
	FUZZ_ASSERT(rc == rr);
	FUZZ_ASSERT(cpio->file_offset == base && cpio->file_size == raw->file_size);
	FUZZ_ASSERT(cpio->matches == raw->matches && cpio->file_err == raw->file_err);
	if (raw->file_err)
		FUZZ_ASSERT(cpio->file_err_offset == base + raw->file_err_offset);
	if (!rr)
		FUZZ_ASSERT(cpio->patch_offset == base + raw->patch_offset &&
			    cpio->patch_size == raw->patch_size && cpio->rev == raw->rev);
}

static void count_issue(void *ctx, const struct uc_issue *is)
{
	(void)is;
	++*(unsigned int *)ctx;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *buf = data + CPU_BYTES;
	struct uc_cpu cpu;
	struct uc_cpio_entry e;
	size_t len, base = 0, flen;
	bool have_file;
	unsigned int issues = 0;

	if (size < CPU_BYTES)
		return 0;
	len = size - CPU_BYTES;
	cpu.vendor = data[0] & 1 ? UC_VENDOR_AMD : UC_VENDOR_INTEL;
	cpu.pf = data[0] & 0x10 ? 0 : 1u << ((data[0] >> 1) & 7);
	cpu.sig = uc_le32(data + 1);
	cpu.rev = uc_le32(data + 5);

	have_file = !uc_cpio_find(buf, len, cpu.vendor == UC_VENDOR_INTEL
				  ? UC_CPIO_PATH_INTEL : UC_CPIO_PATH_AMD, &e);
	if (have_file)
		base = e.data_offset;
	flen = have_file ? e.filesize : 0;
	/* What the validator says of the buffer as a raw vendor file. */
	(void)uc_check_raw(buf, len, cpu.vendor, 0, count_issue, &issues);

	for (unsigned int i = 0; i < UC_RULE_SETS; i++) {
		enum uc_consumer c = uc_rule_set(i);
		struct uc_load_result rc, rr, rf;
		int kc, kr, kf;

		kc = uc_would_load(buf, len, UC_INPUT_CPIO, &cpu, c, &rc);
		kr = uc_would_load(buf, len, UC_INPUT_RAW, &cpu, c, &rr);
		check_result(buf, len, &cpu, c, kc, &rc);
		check_result(buf, len, &cpu, c, kr, &rr);
		if (c == UC_STRICT)
			continue;
		/* A clean vendor file: no structural stop for these loaders. */
		if (!issues && (cpu.vendor == UC_VENDOR_INTEL ||
				uc_consumer_is_xen(c)))
			FUZZ_ASSERT(!rr.file_err);

		/* Refused before the loader looks for its file. */
		if (kc == -UC_ERR_UNSUPPORTED_CPU || (kc == -UC_ERR_REFUSED && !rc.matches)) {
			FUZZ_ASSERT(kr == kc && !rc.file_size && !rc.file_offset);
			continue;
		}
		FUZZ_ASSERT(rr.file_offset == 0 && rr.file_size == len);
		if (!have_file) {
			FUZZ_ASSERT(kc == -UC_ERR_NO_FILE);
			continue;
		}
		kf = uc_would_load(buf + base, flen, UC_INPUT_RAW, &cpu,
				   c, &rf);
		same_answer(kc, &rc, kf, &rf, base);
	}
	return 0;
}

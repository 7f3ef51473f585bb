// SPDX-License-Identifier: GPL-2.0-or-later
/* "What would load": each loader's choice on crafted files. */
#include <string.h>

#include "unit.h"
#include "ucgen.h"
#include "cpio/cpio.h"
#include "loaders/load.h"
#include "vendor/amd.h"
#include "vendor/intel.h"

#define SIG_A 0x000906eau
#define SIG_B 0x000806ecu

struct want {
	int code[UC_CONSUMER_MAX];
	uint32_t rev[UC_CONSUMER_MAX];
};

static void intel_blob(struct ucgen_buf *b, uint32_t sig, uint32_t pf,
		       uint32_t rev, enum ucgen_intel_defect d)
{
	struct ucgen_intel s;

	memset(&s, 0, sizeof(s));
	s.sig = sig;
	s.pf = pf;
	s.rev = rev;
	s.datasize = 1000;
	s.defect = d;
	ck_assert_int_eq(ucgen_intel(&s, b), 0);
}

/* An early cpio holding path = file. */
static struct ucgen_buf early(const char *path, const struct ucgen_buf *file)
{
	const struct ucgen_cpio_entry e[] = {
		{ "kernel", 040755, NULL, 0 },
		{ "kernel/x86", 040755, NULL, 0 },
		{ "kernel/x86/microcode", 040755, NULL, 0 },
		{ path, 0100644, file->data, file->len },
	};
	struct ucgen_cpio_opts o = { .data_align = 16, .pad_to = 512 };
	struct ucgen_buf b = { 0 };

	ck_assert_int_eq(ucgen_cpio(e, 4, &o, &b), 0);
	return b;
}

static void expect(const struct ucgen_buf *b, enum uc_input in,
		   const struct uc_cpu *cpu, const struct want *w)
{
	for (int c = 0; c < UC_CONSUMER_MAX; c++) {
		struct uc_load_result r;
		int got = uc_would_load(b->data, b->len, in, cpu, c, &r);

		ck_assert_msg(got == w->code[c], "%s: got %s, want %s",
			      uc_consumer_name(c), uc_errname(got),
			      uc_errname(w->code[c]));
		if (!got) {
			ck_assert_msg(r.rev == w->rev[c], "%s: rev %#x, want %#x",
				      uc_consumer_name(c), r.rev, w->rev[c]);
			ck_assert_ptr_eq(r.patch, b->data + r.patch_offset);
		}
	}
}

static struct uc_cpu intel_cpu(uint32_t sig, uint32_t pf, uint32_t rev)
{
	return (struct uc_cpu){ UC_VENDOR_INTEL, sig, pf, rev };
}

static struct uc_cpu amd_cpu(uint32_t sig, uint32_t rev)
{
	return (struct uc_cpu){ UC_VENDOR_AMD, sig, 0, rev };
}

#define SAME(x) { x, x, x, x }

START_TEST(intel_newest_newer_match)
{
	struct ucgen_buf f = { 0 }, b;
	struct uc_cpu cpu = intel_cpu(SIG_A, 0x2, 0x5);

	intel_blob(&f, SIG_A, 0x2, 0x10, 0);
	intel_blob(&f, SIG_A, 0x2, 0x20, 0);
	intel_blob(&f, SIG_A, 0x1, 0x30, 0);    /* other platform */
	intel_blob(&f, SIG_B, 0x2, 0x40, 0);
	b = early(UC_CPIO_PATH_INTEL, &f);
	expect(&b, UC_INPUT_CPIO, &cpu, &(struct want){ SAME(0), SAME(0x20) });
	expect(&f, UC_INPUT_RAW, &cpu, &(struct want){ SAME(0), SAME(0x20) });
	cpu.rev = 0x20;
	expect(&b, UC_INPUT_CPIO, &cpu,
	       &(struct want){ SAME(-UC_ERR_NOT_NEWER), SAME(0) });
	cpu = intel_cpu(0x000a0671, 0x2, 0);
	expect(&b, UC_INPUT_CPIO, &cpu,
	       &(struct want){ SAME(-UC_ERR_NO_MATCH), SAME(0) });
	/* AMD CPU, Intel-only image. */
	cpu = amd_cpu(0x00a70f52, 0);
	expect(&b, UC_INPUT_CPIO, &cpu,
	       &(struct want){ SAME(-UC_ERR_NO_FILE), SAME(0) });
	ucgen_buf_free(&f);
	ucgen_buf_free(&b);
}
END_TEST

START_TEST(intel_bad_blob_linux_rejects_file_xen_keeps_choice)
{
	struct ucgen_buf f = { 0 }, b;
	struct uc_cpu cpu = intel_cpu(SIG_A, 0x2, 0x5);
	struct uc_load_result r;
	size_t bad;

	intel_blob(&f, SIG_A, 0x2, 0x20, 0);
	bad = f.len;
	intel_blob(&f, SIG_B, 0x2, 0x40, UCGEN_INTEL_BAD_CHECKSUM);
	b = early(UC_CPIO_PATH_INTEL, &f);
	expect(&b, UC_INPUT_CPIO, &cpu, &(struct want){
		{ -UC_ERR_FILE_REJECTED, -UC_ERR_FILE_REJECTED, 0, 0 },
		{ 0, 0, 0x20, 0x20 } });
	ck_assert_uc(uc_would_load(b.data, b.len, UC_INPUT_CPIO, &cpu,
				   UC_LINUX_6_1, &r), -UC_ERR_FILE_REJECTED);
	ck_assert_uc(r.file_err, -UC_ERR_INTEL_CHECKSUM);
	ck_assert_uint_eq(r.file_err_offset, r.file_offset + bad);
	ck_assert_uint_eq(r.file_offset % 16, 0);
	ck_assert_uc(uc_would_load(b.data, b.len, UC_INPUT_CPIO, &cpu,
				   UC_XEN_4_17, &r), 0);
	ck_assert_uc(r.file_err, -UC_ERR_INTEL_CHECKSUM);
	ucgen_buf_free(&f);
	ucgen_buf_free(&b);
}
END_TEST

START_TEST(intel_trailing_padding_rejected_by_linux)
{
	struct ucgen_buf f = { 0 };
	struct uc_cpu cpu = intel_cpu(SIG_A, 0x2, 0x5);

	intel_blob(&f, SIG_A, 0x2, 0x20, 0);
	ucgen_buf_append(&f, (uint8_t[64]){ 0 }, 64);
	expect(&f, UC_INPUT_RAW, &cpu, &(struct want){
		{ -UC_ERR_FILE_REJECTED, -UC_ERR_FILE_REJECTED, 0, 0 },
		{ 0, 0, 0x20, 0x20 } });
	ucgen_buf_free(&f);
}
END_TEST

START_TEST(intel_odd_total_size_only_xen_refuses)
{
	struct ucgen_buf f = { 0 };
	struct uc_cpu cpu = intel_cpu(SIG_A, 0x2, 0x5);

	intel_blob(&f, SIG_A, 0x2, 0x20, UCGEN_INTEL_TOTALSIZE_NOT_1K);
	expect(&f, UC_INPUT_RAW, &cpu, &(struct want){
		{ 0, 0, -UC_ERR_FILE_REJECTED, -UC_ERR_FILE_REJECTED },
		{ 0x20, 0x20, 0, 0 } });
	ucgen_buf_free(&f);
}
END_TEST

START_TEST(intel_preproduction_revisions)
{
	struct ucgen_buf f = { 0 };
	struct uc_cpu cpu = intel_cpu(SIG_A, 0x2, 0x80000005u);

	intel_blob(&f, SIG_A, 0x2, 0x80000001u, 0);
	/* Linux: unsigned, older.  Xen: negative revisions are always newer. */
	expect(&f, UC_INPUT_RAW, &cpu, &(struct want){
		{ -UC_ERR_NOT_NEWER, -UC_ERR_NOT_NEWER, 0, 0 },
		{ 0, 0, 0x80000001u, 0x80000001u } });
	ucgen_buf_free(&f);
}
END_TEST

START_TEST(intel_extended_signature_and_zero_pf)
{
	struct ucgen_buf f = { 0 };
	struct ucgen_intel s;
	struct uc_cpu cpu = intel_cpu(0x000806eb, 0x80, 0x1);

	memset(&s, 0, sizeof(s));
	s.sig = SIG_B;
	s.pf = 0xc0;
	s.rev = 0xf6;
	s.n_ext = 1;
	s.ext[0].sig = 0x000806eb;
	s.ext[0].pf = 0xc0;
	ck_assert_int_eq(ucgen_intel(&s, &f), 0);
	expect(&f, UC_INPUT_RAW, &cpu, &(struct want){ SAME(0), SAME(0xf6) });
	cpu.pf = 0;
	expect(&f, UC_INPUT_RAW, &cpu,
	       &(struct want){ SAME(-UC_ERR_NO_MATCH), SAME(0) });
	cpu = intel_cpu(0x00000f29, 0, 0x1);    /* fine: family 15 */
	expect(&f, UC_INPUT_RAW, &cpu,
	       &(struct want){ SAME(-UC_ERR_NO_MATCH), SAME(0) });
	cpu = intel_cpu(0x00000543, 0, 0x1);    /* Pentium: family 5 */
	expect(&f, UC_INPUT_RAW, &cpu,
	       &(struct want){ SAME(-UC_ERR_UNSUPPORTED_CPU), SAME(0) });
	ucgen_buf_free(&f);
}
END_TEST

/* AMD helpers: one container with the given CPUs and patches. */
static void amd_container(struct ucgen_buf *b, const uint32_t *cpus, unsigned int ncpu,
			  const uint32_t *ids, const uint16_t *eq, const uint32_t *sizes,
			  unsigned int npatch, enum ucgen_amd_defect d)
{
	struct ucgen_amd s;

	memset(&s, 0, sizeof(s));
	s.n_equiv = ncpu;
	for (unsigned int i = 0; i < ncpu; i++)
		s.equiv[i].installed_cpu = cpus[i];
	s.n_patch = npatch;
	for (unsigned int i = 0; i < npatch; i++) {
		s.patch[i].patch_id = ids[i];
		s.patch[i].equiv_id = eq[i];
		s.patch[i].size = sizes[i];
	}
	s.defect = d;
	ck_assert_int_eq(ucgen_amd(&s, b), 0);
}

#define ZEN3 0x00a70f52u
#define ZEN3_EQ 0xa752
#define FAM10 0x00100f43u
#define FAM10_EQ 0x1043

START_TEST(amd_last_match_vs_highest)
{
	struct ucgen_buf f = { 0 }, b;
	struct uc_cpu cpu = amd_cpu(ZEN3, 0x0a705200);

	/* Newer then older in one container; a newest in a later one. */
	amd_container(&f, (uint32_t[]){ ZEN3 }, 1,
		      (uint32_t[]){ 0x0a705208, 0x0a705206 },
		      (uint16_t[]){ ZEN3_EQ, ZEN3_EQ }, (uint32_t[]){ 5568, 5568 },
		      2, 0);
	amd_container(&f, (uint32_t[]){ ZEN3 }, 1, (uint32_t[]){ 0x0a70520a },
		      (uint16_t[]){ ZEN3_EQ }, (uint32_t[]){ 5568 }, 1, 0);
	b = early(UC_CPIO_PATH_AMD, &f);
	/* 6.1 takes the last match anywhere; newest stops after a container. */
	expect(&b, UC_INPUT_CPIO, &cpu, &(struct want){ SAME(0),
		{ 0x0a70520a, 0x0a705206, 0x0a70520a, 0x0a70520a } });
	ucgen_buf_free(&f);
	ucgen_buf_free(&b);
}
END_TEST

START_TEST(amd_foreign_oversize_patch_stops_linux_for_fam10h)
{
	struct ucgen_buf f = { 0 };
	struct uc_cpu cpu = amd_cpu(FAM10, 0x010000c0);

	amd_container(&f, (uint32_t[]){ ZEN3 }, 1, (uint32_t[]){ 0x0a705206 },
		      (uint16_t[]){ ZEN3_EQ }, (uint32_t[]){ 5568 }, 1, 0);
	amd_container(&f, (uint32_t[]){ FAM10 }, 1, (uint32_t[]){ 0x010000dc },
		      (uint16_t[]){ FAM10_EQ }, (uint32_t[]){ 960 }, 1, 0);
	expect(&f, UC_INPUT_RAW, &cpu, &(struct want){
		{ -UC_ERR_FILE_REJECTED, -UC_ERR_FILE_REJECTED, 0, 0 },
		{ 0, 0, 0x010000dc, 0x010000dc } });
	ucgen_buf_free(&f);

	/* The safe order (small families first) works for everyone. */
	amd_container(&f, (uint32_t[]){ FAM10 }, 1, (uint32_t[]){ 0x010000dc },
		      (uint16_t[]){ FAM10_EQ }, (uint32_t[]){ 960 }, 1, 0);
	amd_container(&f, (uint32_t[]){ ZEN3 }, 1, (uint32_t[]){ 0x0a705206 },
		      (uint16_t[]){ ZEN3_EQ }, (uint32_t[]){ 5568 }, 1, 0);
	expect(&f, UC_INPUT_RAW, &cpu, &(struct want){ SAME(0), SAME(0x010000dc) });
	ucgen_buf_free(&f);
}
END_TEST

START_TEST(amd_fam1ah_size_cap_on_xen_4_17)
{
	struct ucgen_buf f = { 0 };
	uint32_t sig = 0x00b40f40, id = 0x0b404020;
	struct uc_cpu cpu = amd_cpu(sig, 0x0b404010);

	amd_container(&f, &sig, 1, &id, (uint16_t[]){ 0xb440 },
		      (uint32_t[]){ 14336 }, 1, 0);
	expect(&f, UC_INPUT_RAW, &cpu, &(struct want){
		{ 0, 0, -UC_ERR_NO_MATCH, 0 }, { id, id, 0, id } });
	ucgen_buf_free(&f);
}
END_TEST

START_TEST(amd_newest_linux_matches_zen_by_patch_id)
{
	struct ucgen_buf f = { 0 };
	uint32_t other = 0x00a00f11;
	struct uc_cpu cpu = amd_cpu(ZEN3, 0x0a705200);

	/* The table lists another CPU only; the patch id encodes ours. */
	amd_container(&f, &other, 1, (uint32_t[]){ 0x0a705206 },
		      (uint16_t[]){ 0xa011 }, (uint32_t[]){ 5568 }, 1, 0);
	expect(&f, UC_INPUT_RAW, &cpu, &(struct want){
		{ -UC_ERR_NO_MATCH, 0, -UC_ERR_NO_MATCH, -UC_ERR_NO_MATCH },
		{ 0, 0x0a705206, 0, 0 } });
	ucgen_buf_free(&f);
}
END_TEST

START_TEST(amd_missing_terminator_only_xen_4_17_rejects)
{
	struct ucgen_buf f = { 0 };
	struct uc_cpu cpu = amd_cpu(ZEN3, 0x0a705200);

	amd_container(&f, (uint32_t[]){ ZEN3 }, 1, (uint32_t[]){ 0x0a705206 },
		      (uint16_t[]){ ZEN3_EQ }, (uint32_t[]){ 5568 }, 1,
		      UCGEN_AMD_EQUIV_NO_TERMINATOR);
	expect(&f, UC_INPUT_RAW, &cpu, &(struct want){
		{ 0, 0, -UC_ERR_FILE_REJECTED, 0 },
		{ 0x0a705206, 0x0a705206, 0, 0x0a705206 } });
	ucgen_buf_free(&f);
}
END_TEST

START_TEST(amd_equal_level_and_final_levels)
{
	struct ucgen_buf f = { 0 };
	struct uc_cpu cpu = amd_cpu(ZEN3, 0x0a705206);

	amd_container(&f, (uint32_t[]){ ZEN3 }, 1, (uint32_t[]){ 0x0a705206 },
		      (uint16_t[]){ ZEN3_EQ }, (uint32_t[]){ 5568 }, 1, 0);
	/* Equal is re-applied by Linux and Xen 4.17, not by newer Xen. */
	expect(&f, UC_INPUT_RAW, &cpu, &(struct want){
		{ 0, 0, 0, -UC_ERR_NOT_NEWER },
		{ 0x0a705206, 0x0a705206, 0x0a705206, 0 } });
	cpu.rev = 0x0a705207;
	expect(&f, UC_INPUT_RAW, &cpu,
	       &(struct want){ SAME(-UC_ERR_NOT_NEWER), SAME(0) });
	ucgen_buf_free(&f);

	cpu = amd_cpu(FAM10, 0x01000098);
	amd_container(&f, (uint32_t[]){ FAM10 }, 1, (uint32_t[]){ 0x010000dc },
		      (uint16_t[]){ FAM10_EQ }, (uint32_t[]){ 960 }, 1, 0);
	expect(&f, UC_INPUT_RAW, &cpu,
	       &(struct want){ SAME(-UC_ERR_REFUSED), SAME(0) });
	ucgen_buf_free(&f);
}
END_TEST

/*
 * UC_STRICT is no loader and no count: a loop over the loaders that runs one
 * too far meets an invalid consumer, which every entry point refuses.
 */
START_TEST(strict_is_apart_from_the_loaders)
{
	struct ucgen_buf f = { 0 }, amd = { 0 }, b;
	struct uc_cpu cpu = intel_cpu(SIG_A, 0x02, 0x10);
	struct ucgen_amd s;
	struct uc_intel_update u;
	struct uc_amd_container ct;
	struct uc_load_result r;
	size_t pos = 0;

	ck_assert_int_gt(UC_STRICT, UC_CONSUMER_MAX);
	for (unsigned int i = 0; i < UC_CONSUMER_MAX; i++) {
		ck_assert_int_eq(uc_rule_set(i), i);
		ck_assert(uc_consumer_valid(uc_rule_set(i)));
	}
	ck_assert_int_eq(uc_rule_set(UC_CONSUMER_MAX), UC_STRICT);
	ck_assert(uc_consumer_valid(UC_STRICT));
	ck_assert(!uc_consumer_valid(UC_CONSUMER_MAX));
	ck_assert(!uc_consumer_valid((enum uc_consumer)-1));
	ck_assert_str_eq(uc_consumer_name(UC_STRICT), "strict");
	ck_assert_str_eq(uc_consumer_name(UC_CONSUMER_MAX), "unknown");

	intel_blob(&f, SIG_A, 0x02, 0x20, UCGEN_INTEL_VALID);
	ck_assert_uc(uc_intel_parse(f.data, f.len, UC_STRICT, &u), 0);
	ck_assert_uc(uc_intel_parse(f.data, f.len, UC_CONSUMER_MAX, &u),
		     -UC_ERR_BADARG);
	ck_assert_uc(uc_intel_next(f.data, f.len, &pos, UC_CONSUMER_MAX, &u),
		     -UC_ERR_BADARG);
	ck_assert_uint_eq(pos, 0);
	b = early(UC_CPIO_PATH_INTEL, &f);
	ck_assert_uc(uc_would_load(b.data, b.len, UC_INPUT_CPIO, &cpu,
				   UC_XEN_NEWER, &r), 0);
	ck_assert_uc(uc_would_load(b.data, b.len, UC_INPUT_CPIO, &cpu,
				   UC_CONSUMER_MAX, &r), -UC_ERR_BADARG);
	ck_assert_uc(uc_would_load(b.data, b.len, UC_INPUT_CPIO, &cpu,
				   UC_STRICT, &r), -UC_ERR_BADARG);

	memset(&s, 0, sizeof(s));
	s.n_equiv = 1;
	s.equiv[0].installed_cpu = 0x00a70f52;
	s.n_patch = 1;
	s.patch[0].patch_id = ucgen_amd_zen_patch_id(0x00a70f52, 0x10);
	ck_assert_int_eq(ucgen_amd(&s, &amd), 0);
	ck_assert_uc(uc_amd_open(amd.data, amd.len, UC_STRICT, &ct), 0);
	ck_assert_uc(uc_amd_open(amd.data, amd.len, UC_CONSUMER_MAX, &ct),
		     -UC_ERR_BADARG);
	ck_assert_uint_eq(uc_amd_max_patch_size(0x19, UC_CONSUMER_MAX), 0);
	ck_assert_uint_eq(uc_amd_max_patch_size(0x19, UC_STRICT), 5568);
	ucgen_buf_free(&f);
	ucgen_buf_free(&amd);
	ucgen_buf_free(&b);
}
END_TEST

static Suite *load_suite(void)
{
	Suite *s = suite_create("load");
	TCase *ti = tcase_create("intel"), *ta = tcase_create("amd");

	tcase_add_test(ti, intel_newest_newer_match);
	tcase_add_test(ti, intel_bad_blob_linux_rejects_file_xen_keeps_choice);
	tcase_add_test(ti, intel_trailing_padding_rejected_by_linux);
	tcase_add_test(ti, intel_odd_total_size_only_xen_refuses);
	tcase_add_test(ti, intel_preproduction_revisions);
	tcase_add_test(ti, intel_extended_signature_and_zero_pf);
	tcase_add_test(ta, amd_last_match_vs_highest);
	tcase_add_test(ta, amd_foreign_oversize_patch_stops_linux_for_fam10h);
	tcase_add_test(ta, amd_fam1ah_size_cap_on_xen_4_17);
	tcase_add_test(ta, amd_newest_linux_matches_zen_by_patch_id);
	tcase_add_test(ta, amd_missing_terminator_only_xen_4_17_rejects);
	tcase_add_test(ta, amd_equal_level_and_final_levels);
	tcase_add_test(ta, strict_is_apart_from_the_loaders);
	suite_add_tcase(s, ti);
	suite_add_tcase(s, ta);
	return s;
}

UNIT_MAIN(load_suite)

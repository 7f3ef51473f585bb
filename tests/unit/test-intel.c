// SPDX-License-Identifier: GPL-2.0-or-later
/* Intel parse/validate/match: one test per failure mode, exact codes. */
#include <string.h>

#include "unit.h"
#include "ucgen.h"
#include "vendor/intel.h"

static struct ucgen_intel spec(uint32_t sig, uint32_t pf, uint32_t rev)
{
	struct ucgen_intel s;

	memset(&s, 0, sizeof(s));
	s.sig = sig;
	s.pf = pf;
	s.rev = rev;
	s.datasize = 3000;
	return s;
}

static struct ucgen_buf make(const struct ucgen_intel *s)
{
	struct ucgen_buf b = { 0 };

	ck_assert_int_eq(ucgen_intel(s, &b), 0);
	return b;
}

START_TEST(valid_blob_parses)
{
	struct ucgen_intel s = spec(0x906ea, 0x22, 0xf4);
	struct ucgen_buf b = make(&s);
	struct uc_intel_update u;

	for (unsigned int i = 0; i < UC_RULE_SETS; i++)
		ck_assert_uc(uc_intel_parse(b.data, b.len, uc_rule_set(i), &u), 0);
	ck_assert_uint_eq(u.sig, 0x906ea);
	ck_assert_uint_eq(u.pf, 0x22);
	ck_assert_uint_eq(u.rev, 0xf4);
	ck_assert_uint_eq(u.total_size, b.len);
	ck_assert_uint_eq(u.total_size % 1024, 0);
	ck_assert_uint_eq(u.ext_count, 0);
	ck_assert_ptr_null(u.ext);
	ck_assert_ptr_eq(u.hdr, b.data);
	ucgen_buf_free(&b);
}
END_TEST

START_TEST(old_style_header_gets_default_sizes)
{
	struct ucgen_intel s = spec(0xf29, 0x2, 0x2f);
	struct ucgen_buf b;
	struct uc_intel_update u;

	s.datasize = 0;
	b = make(&s);
	ck_assert_uint_eq(b.len, 2048);
	ck_assert_uc(uc_intel_parse(b.data, b.len, UC_STRICT, &u), 0);
	ck_assert_uint_eq(u.data_size, 2000);
	ck_assert_uint_eq(u.total_size, 2048);
	ucgen_buf_free(&b);
}
END_TEST

START_TEST(extended_table_parses_and_matches)
{
	struct ucgen_intel s = spec(0x806e9, 0xc0, 0xf4);
	struct ucgen_buf b;
	struct uc_intel_update u;
	uint32_t sig, pf;

	s.n_ext = 2;
	s.ext[0].sig = 0x806ea; s.ext[0].pf = 0xc0;
	s.ext[1].sig = 0x906e9; s.ext[1].pf = 0x2a;
	b = make(&s);
	ck_assert_uc(uc_intel_parse(b.data, b.len, UC_STRICT, &u), 0);
	ck_assert_uint_eq(u.ext_count, 2);
	ck_assert_uint_eq(uc_intel_nsigs(&u), 3);
	uc_intel_sig(&u, 2, &sig, &pf);
	ck_assert_uint_eq(sig, 0x906e9);
	ck_assert_uint_eq(pf, 0x2a);
	for (int c = 0; c < UC_CONSUMER_MAX; c++) {
		ck_assert(uc_intel_match(&u, 0x806e9, 0x80, c));
		ck_assert(uc_intel_match(&u, 0x806ea, 0x40, c));
		ck_assert(uc_intel_match(&u, 0x906e9, 0x02, c));
		ck_assert(!uc_intel_match(&u, 0x906e9, 0x01, c));  /* pf disjoint */
		ck_assert(!uc_intel_match(&u, 0x906ea, 0x02, c));  /* no such sig */
	}
	ucgen_buf_free(&b);
}
END_TEST

START_TEST(zero_platform_flags_per_consumer)
{
	struct ucgen_intel s = spec(0x6f6, 0, 0x10);
	struct ucgen_buf b = make(&s);
	struct uc_intel_update u;

	ck_assert_uc(uc_intel_parse(b.data, b.len, UC_STRICT, &u), 0);
	/* 6.1: zero with zero.  Newest: a zero-mask update fits any CPU. */
	ck_assert(uc_intel_match(&u, 0x6f6, 0, UC_LINUX_6_1));
	ck_assert(!uc_intel_match(&u, 0x6f6, 1, UC_LINUX_6_1));
	ck_assert(uc_intel_match(&u, 0x6f6, 0x4, UC_LINUX_NEWEST));
	/* Xen: masks must intersect. */
	ck_assert(!uc_intel_match(&u, 0x6f6, 0, UC_XEN_4_17));
	ck_assert(!uc_intel_match(&u, 0x6f6, 1, UC_XEN_NEWER));
	ucgen_buf_free(&b);
}
END_TEST

/*
 * Each defect, what each consumer says: Linux 6.1, Linux newest, Xen 4.17,
 * Xen newer, strict.
 */
static const struct {
	enum ucgen_intel_defect defect;
	int want[UC_RULE_SETS];
} defects[] = {
	{ UCGEN_INTEL_TRUNCATED_HEADER, { -UC_ERR_INTEL_TRUNCATED_HEADER,
		-UC_ERR_INTEL_TRUNCATED_HEADER, -UC_ERR_INTEL_TRUNCATED_HEADER,
		-UC_ERR_INTEL_TRUNCATED_HEADER, -UC_ERR_INTEL_TRUNCATED_HEADER } },
	{ UCGEN_INTEL_BAD_HEADER_VERSION, { -UC_ERR_INTEL_HEADER_VERSION,
		-UC_ERR_INTEL_HEADER_VERSION, -UC_ERR_INTEL_HEADER_VERSION,
		-UC_ERR_INTEL_HEADER_VERSION, -UC_ERR_INTEL_HEADER_VERSION } },
	{ UCGEN_INTEL_BAD_LOADER_VERSION, { -UC_ERR_INTEL_LOADER_VERSION,
		-UC_ERR_INTEL_LOADER_VERSION, -UC_ERR_INTEL_LOADER_VERSION,
		-UC_ERR_INTEL_LOADER_VERSION, -UC_ERR_INTEL_LOADER_VERSION } },
	{ UCGEN_INTEL_DATASIZE_EXCEEDS_TOTAL, { -UC_ERR_INTEL_DATASIZE_EXCEEDS_TOTAL,
		-UC_ERR_INTEL_DATASIZE_EXCEEDS_TOTAL, -UC_ERR_INTEL_DATASIZE_EXCEEDS_TOTAL,
		-UC_ERR_INTEL_DATASIZE_EXCEEDS_TOTAL, -UC_ERR_INTEL_DATASIZE_EXCEEDS_TOTAL } },
	{ UCGEN_INTEL_TRUNCATED_BODY, { -UC_ERR_INTEL_TRUNCATED,
		-UC_ERR_INTEL_TRUNCATED, -UC_ERR_INTEL_TRUNCATED,
		-UC_ERR_INTEL_TRUNCATED, -UC_ERR_INTEL_TRUNCATED } },
	/* Linux does not care about 1 KiB granularity; Xen does. */
	{ UCGEN_INTEL_TOTALSIZE_NOT_1K, { 0, 0, -UC_ERR_INTEL_TOTALSIZE_NOT_1K,
		-UC_ERR_INTEL_TOTALSIZE_NOT_1K, -UC_ERR_INTEL_TOTALSIZE_NOT_1K } },
	/* Only newer Xen names the odd data size; 4.17 trips on the total. */
	{ UCGEN_INTEL_DATASIZE_NOT_4, { 0, 0, -UC_ERR_INTEL_TOTALSIZE_NOT_1K,
		-UC_ERR_INTEL_DATASIZE_NOT_4, -UC_ERR_INTEL_DATASIZE_NOT_4 } },
	{ UCGEN_INTEL_BAD_CHECKSUM, { -UC_ERR_INTEL_CHECKSUM,
		-UC_ERR_INTEL_CHECKSUM, -UC_ERR_INTEL_CHECKSUM,
		-UC_ERR_INTEL_CHECKSUM, -UC_ERR_INTEL_CHECKSUM } },
	{ UCGEN_INTEL_EXT_TRUNCATED, { -UC_ERR_INTEL_EXT_TRUNCATED,
		-UC_ERR_INTEL_EXT_TRUNCATED, -UC_ERR_INTEL_EXT_TRUNCATED,
		-UC_ERR_INTEL_EXT_TRUNCATED, -UC_ERR_INTEL_EXT_TRUNCATED } },
	{ UCGEN_INTEL_EXT_SIZE_MISMATCH, { -UC_ERR_INTEL_EXT_SIZE,
		-UC_ERR_INTEL_EXT_SIZE, -UC_ERR_INTEL_EXT_SIZE,
		-UC_ERR_INTEL_EXT_SIZE, -UC_ERR_INTEL_EXT_SIZE } },
	{ UCGEN_INTEL_EXT_BAD_CHECKSUM, { -UC_ERR_INTEL_EXT_CHECKSUM,
		-UC_ERR_INTEL_EXT_CHECKSUM, -UC_ERR_INTEL_EXT_CHECKSUM,
		-UC_ERR_INTEL_EXT_CHECKSUM, -UC_ERR_INTEL_EXT_CHECKSUM } },
	{ UCGEN_INTEL_EXT_BAD_ENTRY_CHECKSUM, { -UC_ERR_INTEL_EXT_ENTRY_CHECKSUM,
		-UC_ERR_INTEL_EXT_ENTRY_CHECKSUM, -UC_ERR_INTEL_EXT_ENTRY_CHECKSUM,
		-UC_ERR_INTEL_EXT_ENTRY_CHECKSUM, -UC_ERR_INTEL_EXT_ENTRY_CHECKSUM } },
};

START_TEST(defect_gives_exact_error)
{
	struct ucgen_intel s = spec(0x50657, 0xbf, 0x5003604);
	struct ucgen_buf b;
	struct uc_intel_update u;

	s.defect = defects[_i].defect;
	b = make(&s);
	for (unsigned int i = 0; i < UC_RULE_SETS; i++) {
		enum uc_consumer c = uc_rule_set(i);
		int r = uc_intel_parse(b.data, b.len, c, &u);

		ck_assert_msg(r == defects[_i].want[i],
			      "%s as %s: got %s, want %s",
			      ucgen_intel_defect_name(s.defect),
			      uc_consumer_name(c), uc_errname(r),
			      uc_errname(defects[_i].want[i]));
	}
	ucgen_buf_free(&b);
}
END_TEST

START_TEST(concatenation_walks_and_rejects_trailing)
{
	struct ucgen_buf b = { 0 };
	struct uc_intel_update u;
	struct ucgen_intel s;
	size_t pos = 0;
	uint8_t tail[8] = { 1 };

	for (uint32_t i = 0; i < 3; i++) {
		s = spec(0x50650 + i, 0x1, 0x100 + i);
		ck_assert_int_eq(ucgen_intel(&s, &b), 0);
	}
	for (uint32_t i = 0; i < 3; i++) {
		ck_assert_int_eq(uc_intel_next(b.data, b.len, &pos, UC_STRICT, &u), 1);
		ck_assert_uint_eq(u.sig, 0x50650 + i);
	}
	ck_assert_int_eq(uc_intel_next(b.data, b.len, &pos, UC_STRICT, &u), 0);
	ck_assert_uint_eq(pos, b.len);

	/* Zero padding after the last update is named as such. */
	ucgen_buf_append(&b, (uint8_t[64]){ 0 }, 64);
	ck_assert_uc(uc_intel_next(b.data, b.len, &pos, UC_STRICT, &u),
		     -UC_ERR_INTEL_TRAILING);
	ck_assert_uint_eq(pos, b.len - 64);
	/* A few stray bytes are a truncated header. */
	b.len -= 64;
	ucgen_buf_append(&b, tail, sizeof(tail));
	ck_assert_uc(uc_intel_next(b.data, b.len, &pos, UC_STRICT, &u),
		     -UC_ERR_INTEL_TRUNCATED_HEADER);
	ucgen_buf_free(&b);
}
END_TEST

START_TEST(huge_sizes_do_not_overflow)
{
	struct ucgen_intel s = spec(0x906ea, 0x22, 0xf4);
	struct ucgen_buf b = make(&s);
	struct uc_intel_update u;

	/* datasize near 2^32: 48 + datasize wraps in 32 bits. */
	b.data[28] = 0xf0; b.data[29] = 0xff; b.data[30] = 0xff; b.data[31] = 0xff;
	ck_assert_uc(uc_intel_parse(b.data, b.len, UC_STRICT, &u),
		     -UC_ERR_INTEL_DATASIZE_EXCEEDS_TOTAL);
	/* totalsize near 2^32 with a small datasize: past the end. */
	b.data[28] = 0x00; b.data[29] = 0x04; b.data[30] = 0; b.data[31] = 0;
	b.data[32] = 0xff; b.data[33] = 0xff; b.data[34] = 0xff; b.data[35] = 0xff;
	ck_assert_uc(uc_intel_parse(b.data, b.len, UC_STRICT, &u),
		     -UC_ERR_INTEL_TRUNCATED);
	ucgen_buf_free(&b);
}
END_TEST

START_TEST(probe_wants_a_whole_header_of_version_1)
{
	struct ucgen_intel s = spec(0x906ea, 0x22, 0xf4);
	struct ucgen_buf b = make(&s);

	ck_assert(uc_intel_probe(b.data, b.len));
	ck_assert(uc_intel_probe(b.data, UC_INTEL_HEADER_SIZE));
	ck_assert(!uc_intel_probe(b.data, UC_INTEL_HEADER_SIZE - 1));
	b.data[UC_INTEL_LDRVER_OFF] = 2;
	ck_assert(!uc_intel_probe(b.data, b.len));
	b.data[UC_INTEL_LDRVER_OFF] = 1;
	b.data[UC_INTEL_HDRVER_OFF] = 2;
	ck_assert(!uc_intel_probe(b.data, b.len));
	b.data[UC_INTEL_HDRVER_OFF] = 1;
	ck_assert(uc_intel_probe(b.data, b.len));
	ucgen_buf_free(&b);
}
END_TEST

START_TEST(revision_order_per_consumer)
{
	/* Linux: unsigned.  Xen: signed, negative always newer. */
	ck_assert_int_gt(uc_intel_rev_cmp(0x10, 0x20, UC_LINUX_6_1), 0);
	ck_assert_int_lt(uc_intel_rev_cmp(0x20, 0x10, UC_LINUX_6_1), 0);
	ck_assert_int_eq(uc_intel_rev_cmp(0x20, 0x20, UC_XEN_4_17), 0);
	ck_assert_int_gt(uc_intel_rev_cmp(0x10, 0x80000001u, UC_LINUX_NEWEST), 0);
	ck_assert_int_gt(uc_intel_rev_cmp(0x10, 0x80000001u, UC_XEN_4_17), 0);
	ck_assert_int_gt(uc_intel_rev_cmp(0x80000005u, 0x80000001u, UC_XEN_NEWER), 0);
	ck_assert_int_lt(uc_intel_rev_cmp(0x80000005u, 0x80000001u, UC_LINUX_6_1), 0);
}
END_TEST

static Suite *intel_suite(void)
{
	Suite *s = suite_create("intel");
	TCase *tc = tcase_create("parse");

	tcase_add_test(tc, valid_blob_parses);
	tcase_add_test(tc, old_style_header_gets_default_sizes);
	tcase_add_test(tc, extended_table_parses_and_matches);
	tcase_add_test(tc, zero_platform_flags_per_consumer);
	tcase_add_loop_test(tc, defect_gives_exact_error, 0,
			    (int)(sizeof(defects) / sizeof(defects[0])));
	tcase_add_test(tc, concatenation_walks_and_rejects_trailing);
	tcase_add_test(tc, huge_sizes_do_not_overflow);
	tcase_add_test(tc, probe_wants_a_whole_header_of_version_1);
	tcase_add_test(tc, revision_order_per_consumer);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(intel_suite)

// SPDX-License-Identifier: GPL-2.0-or-later
/* The validator: each problem reported once, at its offset, for its loader. */
#include <string.h>

#include "unit.h"
#include "ucgen.h"
#include "cpio/cpio.h"
#include "validate/check.h"

#define MAX_ISSUES 16

struct seen {
	unsigned int n;
	struct uc_issue issue[MAX_ISSUES];
};

static void collect(void *ctx, const struct uc_issue *issue)
{
	struct seen *s = ctx;

	if (s->n < MAX_ISSUES)
		s->issue[s->n] = *issue;
	s->n++;
}

static void intel_blob(struct ucgen_buf *b, uint32_t rev,
		       enum ucgen_intel_defect d)
{
	struct ucgen_intel s;

	memset(&s, 0, sizeof(s));
	s.sig = 0x906ea;
	s.pf = 0x22;
	s.rev = rev;
	s.datasize = 1000;
	s.defect = d;
	ck_assert_int_eq(ucgen_intel(&s, b), 0);
}

static void amd_container(struct ucgen_buf *b, uint32_t sig, uint32_t size)
{
	struct ucgen_amd s;

	memset(&s, 0, sizeof(s));
	s.n_equiv = 1;
	s.equiv[0].installed_cpu = sig;
	s.n_patch = 1;
	s.patch[0].patch_id = sig >= 0x00800000 ? ucgen_amd_zen_patch_id(sig, 5)
						 : 0x010000dc;
	s.patch[0].size = size;
	ck_assert_int_eq(ucgen_amd(&s, b), 0);
}

static struct ucgen_buf image(const struct ucgen_cpio_entry *e, unsigned int n,
			      unsigned int align)
{
	struct ucgen_cpio_opts o = { .data_align = align, .pad_to = 512 };
	struct ucgen_buf b = { 0 };

	ck_assert_int_eq(ucgen_cpio(e, n, &o, &b), 0);
	return b;
}

static void want_issue(const struct seen *s, unsigned int i, int err,
		       enum uc_consumer c)
{
	ck_assert_uint_gt(s->n, i);
	ck_assert_msg(s->issue[i].err == err && s->issue[i].consumer == c,
		      "issue %u: got %s for %s, want %s for %s", i,
		      uc_errname(s->issue[i].err),
		      uc_consumer_name(s->issue[i].consumer), uc_errname(err),
		      uc_consumer_name(c));
}

START_TEST(clean_aligned_image_has_no_issue)
{
	struct ucgen_buf f = { 0 }, a = { 0 }, img;
	struct seen s = { 0 };

	intel_blob(&f, 0xf4, 0);
	amd_container(&a, 0x00100f43, 960);
	amd_container(&a, 0x00a70f52, 5568);
	const struct ucgen_cpio_entry e[] = {
		{ UC_CPIO_PATH_AMD, 0100644, a.data, a.len },
		{ UC_CPIO_PATH_INTEL, 0100644, f.data, f.len },
	};
	img = image(e, 2, 16);
	ck_assert_uint_eq(uc_check_image(img.data, img.len, collect, &s), 0);
	ck_assert_uint_eq(s.n, 0);
	/* err_off is written only with an error. */
	size_t off = 12345;
	ck_assert_uc(uc_check_cpio(img.data, img.len, &off), 0);
	ck_assert_uint_eq(off, 12345);
	ck_assert_uc(uc_check_cpio(img.data, img.len, NULL), 0);
	ucgen_buf_free(&f);
	ucgen_buf_free(&a);
	ucgen_buf_free(&img);
}
END_TEST

START_TEST(misaligned_intel_data)
{
	struct ucgen_buf f = { 0 }, img;
	struct seen s = { 0 };
	struct uc_cpio_entry e;

	intel_blob(&f, 0xf4, 0);
	const struct ucgen_cpio_entry ent[] = {
		{ "kernel", 040755, NULL, 0 },
		{ UC_CPIO_PATH_INTEL, 0100644, f.data, f.len },
	};
	img = image(ent, 2, 4);
	ck_assert_uc(uc_cpio_find(img.data, img.len, UC_CPIO_PATH_INTEL, &e), 0);
	ck_assert_uint_ne(e.data_offset % 16, 0);
	ck_assert_uint_eq(uc_check_image(img.data, img.len, collect, &s), 1);
	want_issue(&s, 0, -UC_ERR_MISALIGNED, UC_STRICT);
	ck_assert_uint_eq(s.issue[0].offset, e.data_offset);
	ucgen_buf_free(&f);
	ucgen_buf_free(&img);
}
END_TEST

START_TEST(shadowing_old_file_and_unreachable_names)
{
	struct ucgen_buf f = { 0 }, img;
	struct seen s = { 0 };

	intel_blob(&f, 0xf4, 0);
	const struct ucgen_cpio_entry ent[] = {
		{ "./" UC_CPIO_PATH_AMD, 0100644, f.data, 16 },
		{ UC_CPIO_PATH_INTEL ".old", 0100644, f.data, f.len },
		{ UC_CPIO_PATH_INTEL, 0100644, f.data, f.len },
	};
	img = image(ent, 3, 16);
	ck_assert_uint_eq(uc_check_image(img.data, img.len, collect, &s), 2);
	want_issue(&s, 0, -UC_ERR_SHADOWED, UC_STRICT);
	want_issue(&s, 1, -UC_ERR_UNREACHABLE_NAME, UC_STRICT);
	ck_assert_uint_eq(s.issue[0].subject, UC_SUBJECT_INTEL);
	ck_assert_uint_eq(s.issue[1].subject, UC_SUBJECT_AMD);
	ucgen_buf_free(&f);
	ucgen_buf_free(&img);
}
END_TEST

START_TEST(second_archive_duplicate)
{
	struct ucgen_buf f = { 0 }, img, second;
	struct seen s = { 0 };

	intel_blob(&f, 0xf4, 0);
	const struct ucgen_cpio_entry ent[] = {
		{ UC_CPIO_PATH_INTEL, 0100644, f.data, f.len },
	};
	img = image(ent, 1, 16);
	second = image(ent, 1, 16);
	ck_assert_int_eq(ucgen_buf_append(&img, second.data, second.len), 0);
	ck_assert_uint_eq(uc_check_image(img.data, img.len, collect, &s), 1);
	want_issue(&s, 0, -UC_ERR_DUPLICATE_MEMBER, UC_STRICT);
	ck_assert_uint_ge(s.issue[0].offset, img.len - second.len);
	ucgen_buf_free(&f);
	ucgen_buf_free(&img);
	ucgen_buf_free(&second);
}
END_TEST

START_TEST(intel_file_problems_with_their_loaders)
{
	struct ucgen_buf f = { 0 };
	struct seen s = { 0 };
	size_t second;

	intel_blob(&f, 0x10, UCGEN_INTEL_TOTALSIZE_NOT_1K);
	second = f.len;
	intel_blob(&f, 0x20, UCGEN_INTEL_BAD_CHECKSUM);
	ck_assert_uint_eq(uc_check_raw(f.data, f.len, UC_VENDOR_INTEL, 100,
				       collect, &s), 2);
	/* Only Xen minds the size; the walk goes on to the broken checksum. */
	want_issue(&s, 0, -UC_ERR_INTEL_TOTALSIZE_NOT_1K, UC_XEN_4_17);
	ck_assert_uint_eq(s.issue[0].subject, UC_SUBJECT_INTEL);
	ck_assert_uint_eq(s.issue[0].offset, 100);
	want_issue(&s, 1, -UC_ERR_INTEL_CHECKSUM, UC_STRICT);
	ck_assert_uint_eq(s.issue[1].offset, 100 + second);
	ucgen_buf_free(&f);
}
END_TEST

START_TEST(amd_order_and_xen_4_17_caps)
{
	struct ucgen_buf a = { 0 };
	struct seen s = { 0 };
	size_t second;

	amd_container(&a, 0x00a70f52, 5568);
	second = a.len;
	amd_container(&a, 0x00100f43, 960);
	ck_assert_uint_eq(uc_check_raw(a.data, a.len, UC_VENDOR_AMD, 0, collect,
				       &s), 1);
	want_issue(&s, 0, -UC_ERR_AMD_ORDER, UC_LINUX_6_1);
	ck_assert_uint_eq(s.issue[0].offset, second);
	ucgen_buf_free(&a);

	memset(&s, 0, sizeof(s));
	amd_container(&a, 0x00b40f40, 14336);
	ck_assert_uint_eq(uc_check_raw(a.data, a.len, UC_VENDOR_AMD, 0, collect,
				       &s), 1);
	want_issue(&s, 0, -UC_ERR_AMD_PATCH_TOO_BIG, UC_XEN_4_17);
	ucgen_buf_free(&a);

	/* A structural error is everyone's. */
	memset(&s, 0, sizeof(s));
	amd_container(&a, 0x00a70f52, 5568);
	ucgen_buf_append(&a, (uint8_t[8]){ 0 }, 8);
	ck_assert_uint_eq(uc_check_raw(a.data, a.len, UC_VENDOR_AMD, 0, collect,
				       &s), 1);
	want_issue(&s, 0, -UC_ERR_AMD_TRAILING, UC_STRICT);
	ucgen_buf_free(&a);
}
END_TEST

/* A broken archive is no vendor's: the issue concerns the cpio itself. */
START_TEST(structure_issues_concern_the_archive)
{
	struct ucgen_buf f = { 0 }, a = { 0 }, img = { 0 };
	struct ucgen_cpio_opts o = { .defect = UCGEN_CPIO_NAME_UNTERMINATED,
				     .defect_index = 1 };
	struct uc_cpio_entry e;
	struct seen s = { 0 };
	size_t pos = 0;

	intel_blob(&f, 0xf4, 0);
	amd_container(&a, 0x00a70f52, 5568);
	const struct ucgen_cpio_entry ent[] = {
		{ UC_CPIO_PATH_AMD, 0100644, a.data, a.len },
		{ "kernel/x86/other", 0100644, f.data, 4 },
		{ UC_CPIO_PATH_INTEL, 0100644, f.data, f.len },
	};
	ck_assert_int_eq(ucgen_cpio(ent, 3, &o, &img), 0);
	ck_assert_int_eq(uc_cpio_next(img.data, img.len, &pos, &e), 1);
	ck_assert_int_eq(uc_cpio_next(img.data, img.len, &pos, &e), 1);
	ck_assert(!e.name_terminated);
	ck_assert_uint_ge(uc_check_image(img.data, img.len, collect, &s), 1);
	want_issue(&s, 0, -UC_ERR_CPIO_NAME_UNTERMINATED, UC_STRICT);
	ck_assert_uint_eq(s.issue[0].offset, e.offset);
	ck_assert_uint_eq(s.issue[0].subject, UC_SUBJECT_CPIO);
	for (unsigned int i = 1; i < s.n && i < MAX_ISSUES; i++)
		ck_assert_uint_ne(s.issue[i].subject, UC_SUBJECT_CPIO);
	/* The same offset by err_off, which NULL may decline. */
	ck_assert_uc(uc_check_cpio(img.data, img.len, &pos),
		     -UC_ERR_CPIO_NAME_UNTERMINATED);
	ck_assert_uint_eq(pos, e.offset);
	ck_assert_uc(uc_check_cpio(img.data, img.len, NULL),
		     -UC_ERR_CPIO_NAME_UNTERMINATED);
	ucgen_buf_free(&f);
	ucgen_buf_free(&a);
	ucgen_buf_free(&img);
}
END_TEST

static Suite *check_suite(void)
{
	Suite *s = suite_create("check");
	TCase *tc = tcase_create("validator");

	tcase_add_test(tc, clean_aligned_image_has_no_issue);
	tcase_add_test(tc, misaligned_intel_data);
	tcase_add_test(tc, shadowing_old_file_and_unreachable_names);
	tcase_add_test(tc, second_archive_duplicate);
	tcase_add_test(tc, intel_file_problems_with_their_loaders);
	tcase_add_test(tc, amd_order_and_xen_4_17_caps);
	tcase_add_test(tc, structure_issues_concern_the_archive);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(check_suite)

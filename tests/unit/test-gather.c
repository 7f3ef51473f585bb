// SPDX-License-Identifier: GPL-2.0-or-later
/* gather(): what it reports, as fields: level, file, offset, core code, errno. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "unit.h"
#include "domain/ucode.h"
#include "ucgen.h"
#include "util/diag.h"

static char dir[64];

static void make_dir(void)
{
	snprintf(dir, sizeof(dir), "/tmp/test-gather.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void remove_dir(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
}

/* path holding b's bytes. */
static void write_file(const char *path, const struct ucgen_buf *b)
{
	FILE *f = fopen(path, "wb");

	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(b->data, 1, b->len, f), b->len);
	ck_assert_int_eq(fclose(f), 0);
}

/* A valid Intel update (2 KiB), then one with defect. */
static size_t two_updates(struct ucgen_buf *b, enum ucgen_intel_defect defect)
{
	struct ucgen_intel good = { .sig = 0x806c1, .pf = 0x80, .rev = 0xb4,
				    .datasize = 2000, .fill_seed = 5 };
	struct ucgen_intel bad = { .sig = 0x906ea, .pf = 0x22, .rev = 0xf0,
				   .datasize = 2000, .fill_seed = 1,
				   .defect = defect };
	size_t first;

	ck_assert_int_eq(ucgen_intel(&good, b), 0);
	first = b->len;
	ck_assert_int_eq(ucgen_intel(&bad, b), 0);
	return first;
}

static void assert_diag(const struct diag *g, enum diag_level level,
			const char *file, uint64_t offset, int code, int sys)
{
	ck_assert_int_eq(g->level, level);
	ck_assert_str_eq(g->file, file);
	ck_assert_msg(g->offset == offset, "offset %#llx, want %#llx",
		      (unsigned long long)g->offset, (unsigned long long)offset);
	ck_assert_msg(g->code == code, "code %d (%s), want %d (%s)", g->code,
		      uc_errname(g->code), code, uc_errname(code));
	ck_assert_int_eq(g->sys, sys);
}

/* A broken update: one error at its offset with the core's code; with
 * --ignore-broken a warning with the same fields, the good update kept. */
START_TEST(broken_update_names_offset_and_code)
{
	struct ucgen_buf b = { 0 };
	struct ucode_set set = { 0 };
	struct diags d = { 0 };
	struct gather_opts strict = { 0 }, lenient = { .ignore_broken = true };
	char path[128], *src[1] = { path };
	size_t first = two_updates(&b, UCGEN_INTEL_BAD_CHECKSUM);

	snprintf(path, sizeof(path), "%s/06-9e-0a", dir);
	write_file(path, &b);

	ck_assert_int_eq(gather(&set, src, 1, &strict, &d), -1);
	ck_assert_uint_eq(d.n, 1);
	ck_assert_uint_eq(d.errors, 1);
	assert_diag(&d.v[0], DIAG_ERROR, path, first, -UC_ERR_INTEL_CHECKSUM, 0);
	ck_assert_str_eq(d.v[0].text, uc_strerror(-UC_ERR_INTEL_CHECKSUM));
	diags_free(&d);
	ucode_set_free(&set);

	ck_assert_int_eq(gather(&set, src, 1, &lenient, &d), 0);
	ck_assert_uint_eq(d.n, 1);
	ck_assert_uint_eq(d.errors, 0);
	assert_diag(&d.v[0], DIAG_WARNING, path, first, -UC_ERR_INTEL_CHECKSUM, 0);
	ck_assert_uint_eq(set.n, 1);
	ck_assert_uint_eq(set.items[0].rev, 0xb4);
	diags_free(&d);
	ucode_set_free(&set);
	ucgen_buf_free(&b);
}
END_TEST

/* Compressed: the offset counts decompressed bytes and the text says so;
 * a truncated stream is the decompressor's error at the input's end. */
START_TEST(compressed_sources)
{
	struct ucgen_buf b = { 0 };
	struct ucode_set set = { 0 };
	struct diags d = { 0 };
	struct gather_opts strict = { 0 }, lenient = { .ignore_broken = true };
	char path[128], gz[160], cmd[400], *src[1] = { gz };
	size_t first = two_updates(&b, UCGEN_INTEL_BAD_CHECKSUM);

	snprintf(path, sizeof(path), "%s/bad", dir);
	write_file(path, &b);
	snprintf(gz, sizeof(gz), "%s.gz", path);
	snprintf(cmd, sizeof(cmd), "gzip -n -c '%s' > '%s'", path, gz);
	ck_assert_int_eq(system(cmd), 0);

	ck_assert_int_eq(gather(&set, src, 1, &strict, &d), -1);
	ck_assert_uint_eq(d.n, 1);
	assert_diag(&d.v[0], DIAG_ERROR, gz, first, -UC_ERR_INTEL_CHECKSUM, 0);
	ck_assert_msg(strstr(d.v[0].text, "(offset in the decompressed data)"),
		      "%s", d.v[0].text);
	diags_free(&d);
	ucode_set_free(&set);

	/* Cut to 100 bytes: gzip ends too soon, at offset 100. */
	ck_assert_int_eq(truncate(gz, 100), 0);
	ck_assert_int_eq(gather(&set, src, 1, &strict, &d), -1);
	ck_assert_uint_eq(d.n, 1);
	assert_diag(&d.v[0], DIAG_ERROR, gz, 100, 0, 0);
	ck_assert_str_eq(d.v[0].text, "gzip: unexpected end of input");
	diags_free(&d);
	ucode_set_free(&set);

	ck_assert_int_eq(gather(&set, src, 1, &lenient, &d), 0);
	ck_assert_uint_eq(d.n, 1);
	assert_diag(&d.v[0], DIAG_WARNING, gz, 100, 0, 0);
	ck_assert_str_eq(d.v[0].text, "gzip: unexpected end of input, ignoring it");
	ck_assert_uint_eq(set.n, 0);
	diags_free(&d);
	ucode_set_free(&set);
	ucgen_buf_free(&b);
}
END_TEST

/* What is not microcode is a note; what does not exist an error with errno. */
START_TEST(notes_and_system_errors)
{
	struct ucgen_buf text = { (uint8_t *)"not microcode\n", 14 };
	struct ucode_set set = { 0 };
	struct diags d = { 0 };
	struct gather_opts o = { 0 };
	char path[128], missing[128], *src[2] = { path, missing };

	snprintf(path, sizeof(path), "%s/README", dir);
	snprintf(missing, sizeof(missing), "%s/no-such-file", dir);
	write_file(path, &text);

	ck_assert_int_eq(gather(&set, src, 2, &o, &d), -1);
	ck_assert_uint_eq(d.n, 2);
	ck_assert_uint_eq(d.errors, 1);
	assert_diag(&d.v[0], DIAG_NOTE, path, DIAG_NO_OFFSET, 0, 0);
	ck_assert_str_eq(d.v[0].text, "not microcode, skipped");
	assert_diag(&d.v[1], DIAG_ERROR, missing, DIAG_NO_OFFSET, 0, ENOENT);
	ck_assert_str_eq(d.v[1].text, "cannot read");
	ck_assert_ptr_eq(diag_first_error(&d), &d.v[1]);
	diags_free(&d);
	ucode_set_free(&set);
}
END_TEST

/* What stanza and the audit keep of gather's and the verdict's diagnostics. */
START_TEST(drop_notes_keeps_the_rest_in_order)
{
	struct diags d = { 0 }, to = { 0 };

	diag_note(&d, "a", "first note");
	diag_error(&d, "b", "an error");
	diag_note(&d, "c", "second note");
	diag_warning(&d, "d", "a warning");
	diag_note(&d, NULL, "last note");
	diag_drop_notes(&d);
	ck_assert_uint_eq(d.n, 2);
	ck_assert_uint_eq(d.errors, 1);
	assert_diag(&d.v[0], DIAG_ERROR, "b", DIAG_NO_OFFSET, 0, 0);
	ck_assert_str_eq(d.v[0].text, "an error");
	assert_diag(&d.v[1], DIAG_WARNING, "d", DIAG_NO_OFFSET, 0, 0);
	diag_move(&to, &d);
	ck_assert_uint_eq(to.n, 2);
	ck_assert_uint_eq(to.errors, 1);
	diag_drop_notes(&to);
	ck_assert_uint_eq(to.n, 2);
	diags_free(&to);
	diags_free(&d);
}
END_TEST

static Suite *gather_suite(void)
{
	Suite *s = suite_create("gather");
	TCase *tc = tcase_create("diagnostics");

	tcase_add_checked_fixture(tc, make_dir, remove_dir);
	tcase_add_test(tc, broken_update_names_offset_and_code);
	tcase_add_test(tc, compressed_sources);
	tcase_add_test(tc, notes_and_system_errors);
	tcase_add_test(tc, drop_notes_keeps_the_rest_in_order);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(gather_suite)

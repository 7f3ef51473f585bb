// SPDX-License-Identifier: GPL-2.0-or-later
/* Intel .dat text decoding: synthetic updates written out the way Intel's
 * microcode.dat looks, decoded back byte for byte; then every malformed
 * case with its exact code and offset. */
#include <stdio.h>
#include <string.h>

#include "unit.h"
#include "ucgen.h"
#include "vendor/dat.h"
#include "vendor/intel.h"

struct dat_style {
	const char *eol;      /* "\n" or "\r\n" */
	const char *sep;      /* between literals on a line */
	bool upper;           /* 0X0000ABCD */
	bool last_comma;      /* comma after the very last literal */
	bool comments;        /* date header and one comment per update */
};

static const struct dat_style intel_style = { "\n", ",\t", false, true, true };

static void append_str(struct ucgen_buf *b, const char *s)
{
	ck_assert_int_eq(ucgen_buf_append(b, s, strlen(s)), 0);
}

/* Append the updates in bin as .dat text, four dwords a line. */
static void to_dat(struct ucgen_buf *txt, const struct ucgen_buf *bin,
		   const struct dat_style *st)
{
	size_t n = bin->len / 4, pos = 0;
	struct uc_intel_update u;
	char lit[16];

	ck_assert_uint_eq(bin->len % 4, 0);
	if (st->comments) {
		append_str(txt, "/*  Tue Nov 11 10:00:00 CST 2025 */");
		append_str(txt, st->eol);
	}
	for (size_t i = 0; i < n; i++) {
		size_t off = 4 * i;

		if (st->comments && off == pos &&
		    uc_intel_parse(bin->data + off, bin->len - off, UC_STRICT, &u) == 0) {
			snprintf(lit, sizeof(lit), "%08x", u.sig);
			append_str(txt, "/* ");
			append_str(txt, lit);
			append_str(txt, " */");
			append_str(txt, st->eol);
			pos += u.total_size;
		}
		snprintf(lit, sizeof(lit), st->upper ? "0X%08X" : "0x%08x",
			 uc_le32(bin->data + off));
		append_str(txt, lit);
		if (i + 1 < n)
			append_str(txt, i % 4 == 3 ? "," : st->sep);
		else if (st->last_comma)
			append_str(txt, ",");
		if (i % 4 == 3 || i + 1 == n)
			append_str(txt, st->eol);
	}
}

/* Three updates back to back: plain, extended table, old-style 2048 B. */
static struct ucgen_buf three_updates(void)
{
	struct ucgen_buf b = { 0 };
	struct ucgen_intel s;

	memset(&s, 0, sizeof(s));
	s.sig = 0x906ea; s.pf = 0x22; s.rev = 0xf4; s.datasize = 5000;
	ck_assert_int_eq(ucgen_intel(&s, &b), 0);
	s.sig = 0x806e9; s.pf = 0xc0; s.rev = 0xf6; s.datasize = 3000;
	s.n_ext = 2;
	s.ext[0].sig = 0x806ea; s.ext[0].pf = 0xc0;
	s.ext[1].sig = 0x906e9; s.ext[1].pf = 0x2a;
	ck_assert_int_eq(ucgen_intel(&s, &b), 0);
	memset(&s, 0, sizeof(s));
	s.sig = 0xf29; s.pf = 0x2; s.rev = 0x2f;
	ck_assert_int_eq(ucgen_intel(&s, &b), 0);
	return b;
}

static void check_round_trip(const struct dat_style *st)
{
	struct ucgen_buf bin = three_updates(), txt = { 0 };
	struct uc_intel_update u;
	size_t need = 1, got = 0, off = 77, pos = 0;
	uint8_t *out;
	int n = 0, r;

	to_dat(&txt, &bin, st);
	ck_assert(uc_intel_dat_probe((const char *)txt.data, txt.len));
	ck_assert_uc(uc_intel_dat_decode((const char *)txt.data, txt.len, NULL, 0,
					 &need, &off), 0);
	ck_assert_uint_eq(need, bin.len);
	out = malloc(need);
	ck_assert_ptr_nonnull(out);
	ck_assert_uc(uc_intel_dat_decode((const char *)txt.data, txt.len, out,
					 need, &got, &off), 0);
	ck_assert_uint_eq(got, bin.len);
	ck_assert_uint_eq(off, 77);                /* untouched on success */
	ck_assert_int_eq(memcmp(out, bin.data, bin.len), 0);
	while ((r = uc_intel_next(out, got, &pos, UC_STRICT, &u)) == 1)
		n++;
	ck_assert_uc(r, 0);
	ck_assert_int_eq(n, 3);
	free(out);
	ucgen_buf_free(&bin);
	ucgen_buf_free(&txt);
}

START_TEST(microcode_dat_round_trip)
{
	check_round_trip(&intel_style);
}
END_TEST

START_TEST(crlf_upper_case_spaces_no_final_comma)
{
	static const struct dat_style st = { "\r\n", ", ", true, false, true };

	check_round_trip(&st);
}
END_TEST

START_TEST(bare_data_no_comments)
{
	static const struct dat_style st = { "\n", ",", false, true, false };

	check_round_trip(&st);
}
END_TEST

/* Decode a NUL-terminated text into a small buffer. */
static int dec(const char *t, uint8_t *out, size_t cap, size_t *len, size_t *off)
{
	return uc_intel_dat_decode(t, strlen(t), out, cap, len, off);
}

START_TEST(comments_blanks_and_short_literals)
{
	static const char t[] =
		"\n\n/* header\r\n * spanning / lines * with ** stars */\n"
		"// a line comment, 0x12345678 not data\r\n"
		"\t0x1 /* inline */ , 0XaBcD,// tail\n"
		"  0x0,0xffffffff ,\t\n/**/ 0x80 ,\n/* last */";
	static const uint8_t want[] = {
		1, 0, 0, 0, 0xcd, 0xab, 0, 0, 0, 0, 0, 0,
		0xff, 0xff, 0xff, 0xff, 0x80, 0, 0, 0,
	};
	uint8_t out[32];
	size_t len = 0, off = 0;

	ck_assert_uc(dec(t, out, sizeof(out), &len, &off), 0);
	ck_assert_uint_eq(len, sizeof(want));
	ck_assert_int_eq(memcmp(out, want, sizeof(want)), 0);
	ck_assert(uc_intel_dat_probe(t, strlen(t)));
}
END_TEST

START_TEST(no_literals_is_empty)
{
	static const char *const texts[] = {
		"", "\r\n\t ", "/* only a comment */\n", "// x\n// y", "//",
	};
	uint8_t out[4];

	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		size_t len = 99;

		ck_assert_uc(dec(texts[i], out, sizeof(out), &len, NULL), 0);
		ck_assert_uint_eq(len, 0);
		ck_assert(!uc_intel_dat_probe(texts[i], strlen(texts[i])));
	}
	{
		size_t len = 5;

		ck_assert_uc(uc_intel_dat_decode(NULL, 0, NULL, 0, &len, NULL), 0);
		ck_assert_uint_eq(len, 0);
	}
}
END_TEST

static const struct bad_case {
	const char *text;
	int err;
	size_t off;
} bad_cases[] = {
	/* bytes that start no token */
	{ "0x1, 0x2;", -UC_ERR_DAT_BAD_CHAR, 8 },
	{ "{ 0x1 }", -UC_ERR_DAT_BAD_CHAR, 0 },
	{ "0x1,\n0x2,\n\f", -UC_ERR_DAT_BAD_CHAR, 10 },
	{ "\xef\xbb\xbf" "0x1,", -UC_ERR_DAT_BAD_CHAR, 0 },
	{ "0x1,\nabcd,", -UC_ERR_DAT_BAD_CHAR, 5 },
	{ "0x1, -0x2", -UC_ERR_DAT_BAD_CHAR, 5 },
	{ "0x1, / not a comment", -UC_ERR_DAT_BAD_CHAR, 5 },
	{ "0x1, /", -UC_ERR_DAT_BAD_CHAR, 5 },
	{ "0x1 */", -UC_ERR_DAT_BAD_CHAR, 4 },
	{ "0x1,\n# 0x2", -UC_ERR_DAT_BAD_CHAR, 5 },
	/* malformed literals: offset of the literal */
	{ "0x1, 12,", -UC_ERR_DAT_BAD_LITERAL, 5 },
	{ "0x1, 0,", -UC_ERR_DAT_BAD_LITERAL, 5 },
	{ "0x1, 0", -UC_ERR_DAT_BAD_LITERAL, 5 },
	{ "0x1,\n  0x,", -UC_ERR_DAT_BAD_LITERAL, 7 },
	{ "0x1, 0x", -UC_ERR_DAT_BAD_LITERAL, 5 },
	{ "0x1, 0x12g4,", -UC_ERR_DAT_BAD_LITERAL, 5 },
	{ "0x1, 0x1U,", -UC_ERR_DAT_BAD_LITERAL, 5 },
	{ "0x1, 0x1_2", -UC_ERR_DAT_BAD_LITERAL, 5 },
	{ "0x1, 0x1.5", -UC_ERR_DAT_BAD_LITERAL, 5 },
	{ "0x1, 00x1,", -UC_ERR_DAT_BAD_LITERAL, 5 },
	{ "0b1,", -UC_ERR_DAT_BAD_LITERAL, 0 },
	{ "0x1, 0x12345678Z", -UC_ERR_DAT_BAD_LITERAL, 5 },
	/* too many digits, even leading zeros */
	{ "0x1, 0x123456789,", -UC_ERR_DAT_LITERAL_TOO_LONG, 5 },
	{ "0x000000001", -UC_ERR_DAT_LITERAL_TOO_LONG, 0 },
	/* grammar */
	{ "0x1, 0x2 0x3,", -UC_ERR_DAT_MISSING_COMMA, 9 },
	{ "0x1,\t0x2\n0x3,", -UC_ERR_DAT_MISSING_COMMA, 9 },
	{ "0x1 /* c */ 0x2", -UC_ERR_DAT_MISSING_COMMA, 12 },
	{ ", 0x1", -UC_ERR_DAT_STRAY_COMMA, 0 },
	{ "/* c */\n,0x1", -UC_ERR_DAT_STRAY_COMMA, 8 },
	{ "0x1,, 0x2", -UC_ERR_DAT_STRAY_COMMA, 4 },
	{ "0x1,\n,\n", -UC_ERR_DAT_STRAY_COMMA, 5 },
	/* comments */
	{ "0x1, /* never closed\n0x2,", -UC_ERR_DAT_UNTERMINATED_COMMENT, 5 },
	{ "/*/ 0x1,", -UC_ERR_DAT_UNTERMINATED_COMMENT, 0 },
	{ "0x1, /* almost *", -UC_ERR_DAT_UNTERMINATED_COMMENT, 5 },
	{ "/*", -UC_ERR_DAT_UNTERMINATED_COMMENT, 0 },
	/* the first error wins, later text is never read */
	{ "0x1 0x2 zz /*", -UC_ERR_DAT_MISSING_COMMA, 4 },
};

START_TEST(malformed_text)
{
	const struct bad_case *c = &bad_cases[_i];
	uint8_t out[64];
	size_t len = 12345, off = 999;
	int r;

	r = dec(c->text, out, sizeof(out), &len, &off);
	ck_assert_msg(r == c->err && off == c->off,
		      "case %d \"%s\": got %s at %zu, want %s at %zu", _i,
		      c->text, uc_errname(r), off, uc_errname(c->err), c->off);
	ck_assert_uint_eq(len, 12345);             /* untouched on errors */
	/* Counting mode reports the same. */
	off = 999;
	ck_assert_uc(dec(c->text, NULL, 0, &len, &off), c->err);
	ck_assert_uint_eq(off, c->off);
}
END_TEST

START_TEST(nul_byte_is_bad)
{
	static const char t[] = "0x1,\0 0x2,";
	size_t len = 0, off = 0;

	ck_assert_uc(uc_intel_dat_decode(t, sizeof(t) - 1, NULL, 0, &len, &off),
		     -UC_ERR_DAT_BAD_CHAR);
	ck_assert_uint_eq(off, 4);
}
END_TEST

START_TEST(length_bounds_the_text)
{
	/* The decoder stops at len, not at a NUL: a literal cut by len. */
	static const char t[] = "0x12, 0x345678, 0x9";
	uint8_t out[8];
	size_t len = 0, off = 0;

	ck_assert_uc(uc_intel_dat_decode(t, 10, out, sizeof(out), &len, &off), 0);
	ck_assert_uint_eq(len, 8);
	ck_assert_uint_eq(uc_le32(out), 0x12);
	ck_assert_uint_eq(uc_le32(out + 4), 0x34);
	ck_assert_uc(uc_intel_dat_decode(t, 7, out, sizeof(out), &len, &off),
		     -UC_ERR_DAT_BAD_LITERAL);
	ck_assert_uint_eq(off, 6);
}
END_TEST

START_TEST(output_too_small)
{
	static const char t[] = "0x1, 0x2,\n0x3, 0x4 zz";
	static const char ok[] = "0x1, 0x2,\n0x3, 0x4,";
	uint8_t out[16];
	size_t len = 0, off = 0;

	/* A syntax error beats the size problem. */
	ck_assert_uc(dec(t, out, 8, &len, &off), -UC_ERR_DAT_BAD_CHAR);
	ck_assert_uint_eq(off, 19);
	/* Valid text: the size needed and the first literal that missed. */
	memset(out, 0xee, sizeof(out));
	ck_assert_uc(dec(ok, out, 9, &len, &off), -UC_ERR_NOSPACE);
	ck_assert_uint_eq(len, 16);
	ck_assert_uint_eq(off, 10);
	ck_assert_uint_eq(uc_le32(out + 4), 2);
	ck_assert_uint_eq(out[8], 0xee);           /* nothing past cap */
	ck_assert_uc(dec(ok, out, 0, &len, &off), -UC_ERR_NOSPACE);
	ck_assert_uint_eq(off, 0);
	ck_assert_uc(dec(ok, out, 16, &len, &off), 0);
	ck_assert_uint_eq(len, 16);
	ck_assert_uint_eq(uc_le32(out + 12), 4);
}
END_TEST

START_TEST(bad_arguments)
{
	size_t len = 0, off = 7;

	ck_assert_uc(uc_intel_dat_decode("0x1", 3, NULL, 0, NULL, &off),
		     -UC_ERR_BADARG);
	ck_assert_uint_eq(off, 0);
	ck_assert_uc(uc_intel_dat_decode(NULL, 3, NULL, 0, &len, NULL),
		     -UC_ERR_BADARG);
	ck_assert(!uc_intel_dat_probe(NULL, 3));
}
END_TEST

START_TEST(probe)
{
	static const struct {
		const char *t;
		size_t len;
		bool want;
	} cases[] = {
		{ "0x00000001,\t0x00000029,", 23, true },
		{ "/* hdr */\r\n0X1", 14, true },
		{ "// x\n  0xabcdef01 ,", 19, true },
		{ "0x1/**/", 7, true },
		{ "0x1 zz", 6, true },              /* only the first token */
		{ "\x01\0\0\0\xa7\x06\x02\0", 8, false }, /* binary update */
		{ "070701000000", 12, false },       /* newc cpio */
		{ "DMA\0\0\0\0\0", 8, false },       /* AMD container */
		{ "0x", 2, false },
		{ "0x123456789,", 12, false },
		{ "0x1U,", 5, false },
		{ "1234,", 5, false },
		{ "/* 0x1,", 7, false },
		{ "\xef\xbb\xbf" "0x1", 6, false },
		{ ", 0x1", 5, false },
		{ "", 0, false },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		ck_assert_msg(uc_intel_dat_probe(cases[i].t, cases[i].len) ==
				      cases[i].want,
			      "probe case %zu", i);
}
END_TEST

static Suite *dat_suite(void)
{
	Suite *s = suite_create("dat");
	TCase *tc = tcase_create("dat");

	tcase_add_test(tc, microcode_dat_round_trip);
	tcase_add_test(tc, crlf_upper_case_spaces_no_final_comma);
	tcase_add_test(tc, bare_data_no_comments);
	tcase_add_test(tc, comments_blanks_and_short_literals);
	tcase_add_test(tc, no_literals_is_empty);
	tcase_add_loop_test(tc, malformed_text, 0,
			    (int)(sizeof(bad_cases) / sizeof(bad_cases[0])));
	tcase_add_test(tc, nul_byte_is_bad);
	tcase_add_test(tc, length_bounds_the_text);
	tcase_add_test(tc, output_too_small);
	tcase_add_test(tc, bad_arguments);
	tcase_add_test(tc, probe);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(dat_suite)

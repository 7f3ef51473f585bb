// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Every UC_ERR_* is produced by the core: one producer per code, each
 * building the input that breaks the code's rule and returning what the
 * core says of it, which must be exactly that code.  A new code without a
 * producer fails here, as does a code the core can no longer produce.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ucode.h"
#include "ucgen.h"

#define INTEL_SIG 0x000906eau
#define ZEN3_SIG 0x00a70f52u

static struct ucgen_buf buf;    /* what the current producer built */

static void reset(void)
{
	ucgen_buf_free(&buf);
	memset(&buf, 0, sizeof(buf));
}

static void intel(enum ucgen_intel_defect d, uint32_t rev)
{
	struct ucgen_intel s;

	memset(&s, 0, sizeof(s));
	s.sig = INTEL_SIG;
	s.pf = 0x22;
	s.rev = rev;
	s.datasize = 1000;
	s.defect = d;
	if (ucgen_intel(&s, &buf))
		abort();
}

static void amd(enum ucgen_amd_defect d, uint32_t sig, uint32_t size)
{
	struct ucgen_amd s;

	memset(&s, 0, sizeof(s));
	s.n_equiv = 2;
	s.equiv[0].installed_cpu = sig;
	s.equiv[1].installed_cpu = 0x00800f12;
	s.n_patch = 1;
	s.patch[0].patch_id = sig >= 0x00800000 ? ucgen_amd_zen_patch_id(sig, 5)
						 : 0x010000dc;
	s.patch[0].size = size;
	s.defect = d;
	if (ucgen_amd(&s, &buf))
		abort();
}

static void cpio(const struct ucgen_cpio_entry *e, unsigned int n,
		 const struct ucgen_cpio_opts *o)
{
	if (ucgen_cpio(e, n, o, &buf))
		abort();
}

/* A two-member archive with the cpio defect d on member i. */
static void cpio_defect(enum ucgen_cpio_defect d, unsigned int i)
{
	const struct ucgen_cpio_entry e[] = {
		{ "kernel/x86/x", 0100644, "data", 4 },
		{ "kernel/x86/y", 0100644, "data", 4 },
	};
	struct ucgen_cpio_opts o = { .defect = d, .defect_index = i };

	cpio(e, 2, &o);
}

/* ----------------------------------------------------------- generic */

static int nospace(void)
{
	uint8_t out[64];
	struct uc_cpio_writer w;

	uc_cpio_writer_init_buf(&w, out, sizeof(out), 0);
	return uc_cpio_write_dir(&w, "kernel");
}

static int failing_sink(void *ctx, const void *data, size_t len)
{
	(void)ctx;
	(void)data;
	(void)len;
	return -UC_ERR_SINK;    /* what a sink says when its write failed */
}

static int sink(void)
{
	struct uc_cpio_writer w;

	uc_cpio_writer_init_sink(&w, failing_sink, NULL, 0);
	return uc_cpio_write_trailer(&w, 0);
}

static int badarg(void)
{
	uint8_t out[512];
	struct uc_cpio_writer w;

	uc_cpio_writer_init_buf(&w, out, sizeof(out), 0);
	return uc_cpio_write_trailer(&w, 6);
}

static int not_found(void)
{
	struct uc_cpio_entry e;

	cpio(NULL, 0, NULL);
	return uc_cpio_find(buf.data, buf.len, UC_CPIO_PATH_INTEL, &e);
}

/* -------------------------------------------------------------- cpio */

static int decode_first(enum ucgen_cpio_defect d)
{
	struct uc_cpio_entry e;
	int r;

	cpio_defect(d, 0);
	r = uc_cpio_decode(buf.data, buf.len, 0, &e);
	return r ? r : uc_cpio_entry_check(&e);
}

static int cpio_truncated_header(void)
{
	struct uc_cpio_layout l;

	cpio_defect(UCGEN_CPIO_TRUNCATED_HEADER, 1);     /* cut in the second */
	uc_cpio_layout(buf.data, buf.len, &l);
	return l.broken;
}

static int cpio_bad_magic(void) { return decode_first(UCGEN_CPIO_BAD_MAGIC); }
static int cpio_bad_hex(void) { return decode_first(UCGEN_CPIO_BAD_HEX); }
static int cpio_namesize_zero(void) { return decode_first(UCGEN_CPIO_NAMESIZE_ZERO); }
static int cpio_name_past_end(void) { return decode_first(UCGEN_CPIO_NAMESIZE_HUGE); }
static int cpio_name_unterminated(void) { return decode_first(UCGEN_CPIO_NAME_UNTERMINATED); }
static int cpio_data_past_end(void) { return decode_first(UCGEN_CPIO_FILESIZE_PAST_END); }

static int cpio_no_trailer(void)
{
	const struct ucgen_cpio_entry e = { "kernel", 040755, NULL, 0 };
	struct ucgen_cpio_opts o = { .no_trailer = true };
	struct uc_cpio_layout l;

	cpio(&e, 1, &o);
	uc_cpio_layout(buf.data, buf.len, &l);
	return l.broken;
}

static int cpio_field_too_big(void)
{
	uint8_t out[512];
	struct uc_cpio_writer w;

	uc_cpio_writer_init_buf(&w, out, sizeof(out), 0);
	return uc_cpio_begin_file(&w, "big", UC_CPIO_S_IFREG | 0644,
				  0x100000000ull, 4);
}

static int cpio_name_too_long(void)
{
	static uint8_t out[8192];
	static char name[UC_CPIO_NAMESIZE_MAX + 1];
	struct uc_cpio_writer w;

	memset(name, 'n', UC_CPIO_NAMESIZE_MAX);
	uc_cpio_writer_init_buf(&w, out, sizeof(out), 0);
	return uc_cpio_write_file(&w, name, NULL, 0, 4);
}

static int cpio_bad_align(void)
{
	uint8_t out[512];
	struct uc_cpio_writer w;

	uc_cpio_writer_init_buf(&w, out, sizeof(out), 0);
	return uc_cpio_write_file(&w, "odd", "x", 1, 12);
}

/* ------------------------------------------------------------- Intel */

static int intel_parse(enum ucgen_intel_defect d, enum uc_consumer c)
{
	struct uc_intel_update u;

	intel(d, 0x10);
	return uc_intel_parse(buf.data, buf.len, c, &u);
}

static int intel_truncated_header(void) { return intel_parse(UCGEN_INTEL_TRUNCATED_HEADER, UC_STRICT); }
static int intel_header_version(void) { return intel_parse(UCGEN_INTEL_BAD_HEADER_VERSION, UC_STRICT); }
static int intel_loader_version(void) { return intel_parse(UCGEN_INTEL_BAD_LOADER_VERSION, UC_STRICT); }
static int intel_datasize_exceeds_total(void) { return intel_parse(UCGEN_INTEL_DATASIZE_EXCEEDS_TOTAL, UC_STRICT); }
static int intel_truncated(void) { return intel_parse(UCGEN_INTEL_TRUNCATED_BODY, UC_STRICT); }
static int intel_totalsize_not_1k(void) { return intel_parse(UCGEN_INTEL_TOTALSIZE_NOT_1K, UC_XEN_4_17); }
static int intel_datasize_not_4(void) { return intel_parse(UCGEN_INTEL_DATASIZE_NOT_4, UC_XEN_NEWER); }
static int intel_checksum(void) { return intel_parse(UCGEN_INTEL_BAD_CHECKSUM, UC_STRICT); }
static int intel_ext_truncated(void) { return intel_parse(UCGEN_INTEL_EXT_TRUNCATED, UC_STRICT); }
static int intel_ext_size(void) { return intel_parse(UCGEN_INTEL_EXT_SIZE_MISMATCH, UC_STRICT); }
static int intel_ext_checksum(void) { return intel_parse(UCGEN_INTEL_EXT_BAD_CHECKSUM, UC_STRICT); }
static int intel_ext_entry_checksum(void) { return intel_parse(UCGEN_INTEL_EXT_BAD_ENTRY_CHECKSUM, UC_STRICT); }

static int intel_trailing(void)
{
	struct uc_intel_update u;
	size_t pos = 0;
	int r;

	intel(UCGEN_INTEL_VALID, 0x10);
	if (ucgen_buf_append(&buf, (uint8_t[16]){ 0 }, 16))
		abort();
	while ((r = uc_intel_next(buf.data, buf.len, &pos, UC_STRICT, &u)) > 0)
		;
	return r;
}

/* ---------------------------------------------------------- Intel .dat */

static int dat(const char *text)
{
	size_t need, off;

	return uc_intel_dat_decode(text, strlen(text), NULL, 0, &need, &off);
}

static int dat_bad_char(void) { return dat("0x1, ;"); }
static int dat_bad_literal(void) { return dat("0x1, 0x2U"); }
static int dat_literal_too_long(void) { return dat("0x123456789"); }
static int dat_missing_comma(void) { return dat("0x1 0x2"); }
static int dat_stray_comma(void) { return dat("0x1,, 0x2"); }
static int dat_unterminated_comment(void) { return dat("0x1, /* open"); }

/* --------------------------------------------------------------- AMD */

static int amd_walk(void)
{
	struct uc_amd_container ct;
	size_t pos = 0;
	int r;

	while ((r = uc_amd_next_container(buf.data, buf.len, &pos, UC_STRICT,
					  &ct)) > 0)
		;
	return r;
}

static int amd_defect(enum ucgen_amd_defect d)
{
	amd(d, ZEN3_SIG, 3200);
	return amd_walk();
}

static int amd_truncated_header(void) { return amd_defect(UCGEN_AMD_TRUNCATED_HEADER); }
static int amd_bad_magic(void) { return amd_defect(UCGEN_AMD_BAD_MAGIC); }
static int amd_equiv_type(void) { return amd_defect(UCGEN_AMD_EQUIV_BAD_TYPE); }
static int amd_equiv_size(void) { return amd_defect(UCGEN_AMD_EQUIV_LEN_NOT_16); }
static int amd_equiv_past_end(void) { return amd_defect(UCGEN_AMD_EQUIV_PAST_END); }
static int amd_equiv_terminator(void) { return amd_defect(UCGEN_AMD_EQUIV_NO_TERMINATOR); }
static int amd_section_type(void) { return amd_defect(UCGEN_AMD_SECTION_BAD_TYPE); }
static int amd_patch_too_small(void) { return amd_defect(UCGEN_AMD_PATCH_TOO_SMALL); }
static int amd_patch_past_end(void) { return amd_defect(UCGEN_AMD_PATCH_PAST_END); }
static int amd_chipset_specific(void) { return amd_defect(UCGEN_AMD_CHIPSET_SPECIFIC); }

static int amd_section_truncated(void)
{
	amd(UCGEN_AMD_VALID, ZEN3_SIG, 3200);
	if (ucgen_buf_append(&buf, "\1\0\0\0\100", 5))  /* a section header cut short */
		abort();
	return amd_walk();
}

static int amd_patch_too_big(void)
{
	amd(UCGEN_AMD_VALID, ZEN3_SIG, 5568 + 16);      /* over Family 19h's cap */
	return amd_walk();
}

static int amd_trailing(void)
{
	amd(UCGEN_AMD_VALID, ZEN3_SIG, 3200);
	if (ucgen_buf_append(&buf, (uint8_t[16]){ 0 }, 16))
		abort();
	amd(UCGEN_AMD_VALID, ZEN3_SIG, 3200);
	return amd_walk();
}

/* ------------------------------------------------------ what would load */

static int would_load(const struct uc_cpu *cpu, enum uc_consumer c)
{
	struct uc_load_result r;

	return uc_would_load(buf.data, buf.len, UC_INPUT_RAW, cpu, c, &r);
}

static const struct uc_cpu intel_cpu = { UC_VENDOR_INTEL, INTEL_SIG, 0x02, 0x10 };

static int no_file(void)
{
	struct uc_load_result r;

	cpio(NULL, 0, NULL);
	return uc_would_load(buf.data, buf.len, UC_INPUT_CPIO, &intel_cpu,
			     UC_LINUX_NEWEST, &r);
}

static int no_match(void)
{
	struct uc_cpu other = intel_cpu;

	other.sig = 0x000806ec;
	intel(UCGEN_INTEL_VALID, 0x20);
	return would_load(&other, UC_LINUX_NEWEST);
}

static int not_newer(void)
{
	intel(UCGEN_INTEL_VALID, 0x10);                  /* the CPU's own level */
	return would_load(&intel_cpu, UC_LINUX_NEWEST);
}

static int file_rejected(void)
{
	intel(UCGEN_INTEL_BAD_CHECKSUM, 0x20);
	return would_load(&intel_cpu, UC_LINUX_NEWEST);
}

static int unsupported_cpu(void)
{
	struct uc_cpu pentium = { UC_VENDOR_INTEL, 0x00000543, 0, 0 };

	intel(UCGEN_INTEL_VALID, 0x20);
	return would_load(&pentium, UC_LINUX_NEWEST);
}

static int refused(void)
{
	struct uc_cpu fam10h_final = { UC_VENDOR_AMD, 0x00100f43, 0, 0x01000098 };

	amd(UCGEN_AMD_VALID, 0x00100f43, 960);
	return would_load(&fam10h_final, UC_LINUX_NEWEST);
}

/* ------------------------------------------------------- image checks */

static int first_issue_err;

static void keep_first(void *ctx, const struct uc_issue *is)
{
	(void)ctx;
	if (!first_issue_err)
		first_issue_err = is->err;
}

static int image_issue(void)
{
	first_issue_err = 0;
	uc_check_image(buf.data, buf.len, keep_first, NULL);
	return first_issue_err;
}

/* An image of one member name holding a valid Intel file. */
static int intel_member(const char *name, unsigned int align)
{
	struct ucgen_buf f = { 0 };
	struct ucgen_cpio_opts o = { .data_align = align };
	int r;

	intel(UCGEN_INTEL_VALID, 0x20);
	f = buf;
	memset(&buf, 0, sizeof(buf));
	const struct ucgen_cpio_entry e = { name, 0100644, f.data, f.len };
	cpio(&e, 1, &o);
	r = image_issue();
	ucgen_buf_free(&f);
	return r;
}

static int shadowed(void) { return intel_member(UC_CPIO_PATH_INTEL ".old", 16); }
static int unreachable_name(void) { return intel_member("./" UC_CPIO_PATH_INTEL, 16); }

static int misaligned(void)
{
	struct ucgen_cpio_opts o = { .data_align = 4 };
	struct ucgen_buf f;
	int r;

	intel(UCGEN_INTEL_VALID, 0x20);
	f = buf;
	memset(&buf, 0, sizeof(buf));
	/* After "kernel", the Intel data starts 4 past a multiple of 16. */
	const struct ucgen_cpio_entry e[] = {
		{ "kernel", 040755, NULL, 0 },
		{ UC_CPIO_PATH_INTEL, 0100644, f.data, f.len },
	};
	cpio(e, 2, &o);
	r = image_issue();
	ucgen_buf_free(&f);
	return r;
}

static int duplicate_member(void)
{
	struct ucgen_buf f;
	struct ucgen_cpio_opts o = { .data_align = 16 };

	intel(UCGEN_INTEL_VALID, 0x20);
	f = buf;
	memset(&buf, 0, sizeof(buf));
	const struct ucgen_cpio_entry e = { UC_CPIO_PATH_INTEL, 0100644, f.data, f.len };
	cpio(&e, 1, &o);
	cpio(&e, 1, &o);                                /* a second archive */
	ucgen_buf_free(&f);
	return image_issue();
}

static int amd_order(void)
{
	amd(UCGEN_AMD_VALID, ZEN3_SIG, 5568);
	amd(UCGEN_AMD_VALID, 0x00100f43, 960);
	first_issue_err = 0;
	uc_check_raw(buf.data, buf.len, UC_VENDOR_AMD, 0, keep_first, NULL);
	return first_issue_err;
}

static int not_regular(void)
{
	const struct ucgen_cpio_entry e = { UC_CPIO_PATH_INTEL, 040755, NULL, 0 };

	cpio(&e, 1, NULL);
	return uc_check_cpio(buf.data, buf.len, NULL);
}

/* ------------------------------------------------------------------ */

#define P(code, fn) [code] = fn

static int (*const producer[UC_ERR_MAX])(void) = {
	P(UC_ERR_NOSPACE, nospace),
	P(UC_ERR_SINK, sink),
	P(UC_ERR_BADARG, badarg),
	P(UC_ERR_NOT_FOUND, not_found),
	P(UC_ERR_CPIO_TRUNCATED_HEADER, cpio_truncated_header),
	P(UC_ERR_CPIO_BAD_MAGIC, cpio_bad_magic),
	P(UC_ERR_CPIO_BAD_HEX, cpio_bad_hex),
	P(UC_ERR_CPIO_NAMESIZE_ZERO, cpio_namesize_zero),
	P(UC_ERR_CPIO_NAME_PAST_END, cpio_name_past_end),
	P(UC_ERR_CPIO_NAME_UNTERMINATED, cpio_name_unterminated),
	P(UC_ERR_CPIO_DATA_PAST_END, cpio_data_past_end),
	P(UC_ERR_CPIO_NO_TRAILER, cpio_no_trailer),
	P(UC_ERR_CPIO_FIELD_TOO_BIG, cpio_field_too_big),
	P(UC_ERR_CPIO_NAME_TOO_LONG, cpio_name_too_long),
	P(UC_ERR_CPIO_BAD_ALIGN, cpio_bad_align),
	P(UC_ERR_INTEL_TRUNCATED_HEADER, intel_truncated_header),
	P(UC_ERR_INTEL_HEADER_VERSION, intel_header_version),
	P(UC_ERR_INTEL_LOADER_VERSION, intel_loader_version),
	P(UC_ERR_INTEL_DATASIZE_EXCEEDS_TOTAL, intel_datasize_exceeds_total),
	P(UC_ERR_INTEL_TRUNCATED, intel_truncated),
	P(UC_ERR_INTEL_TOTALSIZE_NOT_1K, intel_totalsize_not_1k),
	P(UC_ERR_INTEL_DATASIZE_NOT_4, intel_datasize_not_4),
	P(UC_ERR_INTEL_CHECKSUM, intel_checksum),
	P(UC_ERR_INTEL_EXT_TRUNCATED, intel_ext_truncated),
	P(UC_ERR_INTEL_EXT_SIZE, intel_ext_size),
	P(UC_ERR_INTEL_EXT_CHECKSUM, intel_ext_checksum),
	P(UC_ERR_INTEL_EXT_ENTRY_CHECKSUM, intel_ext_entry_checksum),
	P(UC_ERR_INTEL_TRAILING, intel_trailing),
	P(UC_ERR_DAT_BAD_CHAR, dat_bad_char),
	P(UC_ERR_DAT_BAD_LITERAL, dat_bad_literal),
	P(UC_ERR_DAT_LITERAL_TOO_LONG, dat_literal_too_long),
	P(UC_ERR_DAT_MISSING_COMMA, dat_missing_comma),
	P(UC_ERR_DAT_STRAY_COMMA, dat_stray_comma),
	P(UC_ERR_DAT_UNTERMINATED_COMMENT, dat_unterminated_comment),
	P(UC_ERR_AMD_TRUNCATED_HEADER, amd_truncated_header),
	P(UC_ERR_AMD_BAD_MAGIC, amd_bad_magic),
	P(UC_ERR_AMD_EQUIV_TYPE, amd_equiv_type),
	P(UC_ERR_AMD_EQUIV_SIZE, amd_equiv_size),
	P(UC_ERR_AMD_EQUIV_PAST_END, amd_equiv_past_end),
	P(UC_ERR_AMD_EQUIV_TERMINATOR, amd_equiv_terminator),
	P(UC_ERR_AMD_SECTION_TRUNCATED, amd_section_truncated),
	P(UC_ERR_AMD_SECTION_TYPE, amd_section_type),
	P(UC_ERR_AMD_PATCH_TOO_SMALL, amd_patch_too_small),
	P(UC_ERR_AMD_PATCH_PAST_END, amd_patch_past_end),
	P(UC_ERR_AMD_PATCH_TOO_BIG, amd_patch_too_big),
	P(UC_ERR_AMD_CHIPSET_SPECIFIC, amd_chipset_specific),
	P(UC_ERR_AMD_TRAILING, amd_trailing),
	P(UC_ERR_NO_FILE, no_file),
	P(UC_ERR_NO_MATCH, no_match),
	P(UC_ERR_NOT_NEWER, not_newer),
	P(UC_ERR_FILE_REJECTED, file_rejected),
	P(UC_ERR_UNSUPPORTED_CPU, unsupported_cpu),
	P(UC_ERR_REFUSED, refused),
	P(UC_ERR_SHADOWED, shadowed),
	P(UC_ERR_UNREACHABLE_NAME, unreachable_name),
	P(UC_ERR_DUPLICATE_MEMBER, duplicate_member),
	P(UC_ERR_MISALIGNED, misaligned),
	P(UC_ERR_AMD_ORDER, amd_order),
	P(UC_ERR_NOT_REGULAR, not_regular),
};

int main(void)
{
	unsigned int failed = 0;

	for (int code = 1; code < UC_ERR_MAX; code++) {
		int got;

		if (!strcmp(uc_errname(code), "UC_ERR_UNKNOWN") ||
		    !strcmp(uc_strerror(code), "unknown error")) {
			printf("FAIL: code %d has no name or no text\n", code);
			failed++;
			continue;
		}
		if (!producer[code]) {
			printf("FAIL: %s: no producer; add one to %s\n",
			       uc_errname(code), __FILE__);
			failed++;
			continue;
		}
		reset();
		got = producer[code]();
		if (got != -code) {
			printf("FAIL: %s: the producer got %s\n", uc_errname(code),
			       uc_errname(got));
			failed++;
		}
	}
	reset();
	printf("%u of %d error codes produced as named\n", UC_ERR_MAX - 1 - failed,
	       UC_ERR_MAX - 1);
	return failed != 0;
}

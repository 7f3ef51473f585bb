// SPDX-License-Identifier: GPL-2.0-or-later
/* newc decode, the loaders' walk and lookup, layout, and the writer. */
#include <string.h>

#include "unit.h"
#include "ucgen.h"
#include "cpio/cpio.h"

static const uint8_t blob[37] = "thirty-seven bytes of microcode data";

static struct ucgen_buf archive(const struct ucgen_cpio_entry *e, unsigned int n,
				const struct ucgen_cpio_opts *o)
{
	struct ucgen_buf b = { 0 };

	ck_assert_int_eq(ucgen_cpio(e, n, o, &b), 0);
	return b;
}

static const struct ucgen_cpio_entry tree[] = {
	{ "kernel", 040755, NULL, 0 },
	{ "kernel/x86", 040755, NULL, 0 },
	{ "kernel/x86/microcode", 040755, NULL, 0 },
	{ UC_CPIO_PATH_INTEL, 0100644, blob, sizeof(blob) },
};

START_TEST(walk_yields_every_entry)
{
	struct ucgen_buf b = archive(tree, 4, NULL);
	struct uc_cpio_entry e;
	size_t pos = 0;
	unsigned int n = 0;
	int r;

	while ((r = uc_cpio_next(b.data, b.len, &pos, &e)) > 0) {
		if (n < 4)
			ck_assert(uc_cpio_name_is(&e, tree[n].name));
		ck_assert_uc(uc_cpio_entry_check(&e), 0);
		n++;
	}
	ck_assert_uc(r, 0);
	ck_assert_uint_eq(n, 5);
	ck_assert(uc_cpio_is_trailer(&e));
	ucgen_buf_free(&b);
}
END_TEST

START_TEST(find_returns_data)
{
	struct ucgen_buf b = archive(tree, 4, NULL);
	struct uc_cpio_entry e;

	ck_assert_uc(uc_cpio_find(b.data, b.len, UC_CPIO_PATH_INTEL, &e), 0);
	ck_assert_uint_eq(e.filesize, sizeof(blob));
	ck_assert_mem_eq(b.data + e.data_offset, blob, sizeof(blob));
	ck_assert_uc(uc_cpio_find(b.data, b.len, UC_CPIO_PATH_AMD, &e),
		     -UC_ERR_NOT_FOUND);
	/* Directories never match, even by name. */
	ck_assert_uc(uc_cpio_find(b.data, b.len, "kernel/x86", &e), 0);
	ck_assert(uc_cpio_name_is(&e, UC_CPIO_PATH_INTEL));
	ucgen_buf_free(&b);
}
END_TEST

START_TEST(prefix_match_and_first_wins)
{
	static const uint8_t old[8] = "old data";
	const struct ucgen_cpio_entry e2[] = {
		{ UC_CPIO_PATH_INTEL ".old", 0100644, old, sizeof(old) },
		{ UC_CPIO_PATH_INTEL, 0100644, blob, sizeof(blob) },
	};
	struct ucgen_buf b = archive(e2, 2, NULL);
	struct uc_cpio_entry e;

	ck_assert_uc(uc_cpio_find(b.data, b.len, UC_CPIO_PATH_INTEL, &e), 0);
	ck_assert_uint_eq(e.filesize, sizeof(old));
	ck_assert(!uc_cpio_name_is(&e, UC_CPIO_PATH_INTEL));
	ucgen_buf_free(&b);
}
END_TEST

START_TEST(dot_slash_name_does_not_match)
{
	const struct ucgen_cpio_entry e1[] = {
		{ "./" UC_CPIO_PATH_INTEL, 0100644, blob, sizeof(blob) },
	};
	struct ucgen_buf b = archive(e1, 1, NULL);
	struct uc_cpio_entry e;

	ck_assert_uc(uc_cpio_find(b.data, b.len, UC_CPIO_PATH_INTEL, &e),
		     -UC_ERR_NOT_FOUND);
	ucgen_buf_free(&b);
}
END_TEST

START_TEST(concatenated_archives_and_zero_padding)
{
	const struct ucgen_cpio_entry amd[] = {
		{ UC_CPIO_PATH_AMD, 0100644, blob, 5 },
	};
	struct ucgen_cpio_opts pad = { .pad_to = 512 };
	struct ucgen_buf b = archive(amd, 1, &pad);
	struct uc_cpio_entry e;
	struct uc_cpio_layout l;
	size_t first = b.len;

	ck_assert_int_eq(ucgen_cpio(tree, 4, &pad, &b), 0);
	/* The scan goes through the first trailer and its padding. */
	ck_assert_uc(uc_cpio_find(b.data, b.len, UC_CPIO_PATH_INTEL, &e), 0);
	ck_assert_uint_gt(e.offset, first);
	ck_assert_uc(uc_cpio_layout(b.data, b.len, &l), 0);
	ck_assert_uint_eq(l.archives, 2);
	ck_assert_uint_eq(l.end % 4, 0);
	ck_assert_uint_eq(l.tail, b.len);
	ucgen_buf_free(&b);
}
END_TEST

START_TEST(padding_not_in_4_byte_units_stops_the_scan)
{
	struct ucgen_buf b = archive(tree, 4, NULL);
	struct ucgen_buf c = { 0 };
	struct uc_cpio_entry e;

	/* 2 zero bytes then an archive: the loaders skip 4 and land in it. */
	ck_assert_int_eq(ucgen_buf_append(&c, "\0\0", 2), 0);
	ck_assert_int_eq(ucgen_buf_append(&c, b.data, b.len), 0);
	ck_assert_uc(uc_cpio_find(c.data, c.len, UC_CPIO_PATH_INTEL, &e),
		     -UC_ERR_NOT_FOUND);
	ucgen_buf_free(&b);
	ucgen_buf_free(&c);
}
END_TEST

START_TEST(compressed_tail_ends_the_walk)
{
	struct ucgen_cpio_opts pad = { .pad_to = 512 };
	struct ucgen_buf b = archive(tree, 4, &pad);
	static const uint8_t gz[200] = { 0x1f, 0x8b, 0x08, 0x00 };
	struct uc_cpio_layout l;
	size_t early = b.len;

	ck_assert_int_eq(ucgen_buf_append(&b, gz, sizeof(gz)), 0);
	ck_assert_uc(uc_cpio_layout(b.data, b.len, &l), 0);
	ck_assert_uint_eq(l.archives, 1);
	ck_assert_uint_eq(l.tail, early);
	ck_assert_uc(l.stop, -UC_ERR_CPIO_BAD_HEX);
	ck_assert_uint_eq(l.stop_offset, early);
	ck_assert_uint_le(l.end, early);
	ucgen_buf_free(&b);
}
END_TEST

static const struct {
	enum ucgen_cpio_defect defect;
	int want;
} defects[] = {
	{ UCGEN_CPIO_BAD_MAGIC, -UC_ERR_CPIO_BAD_MAGIC },
	{ UCGEN_CPIO_BAD_HEX, -UC_ERR_CPIO_BAD_HEX },
	{ UCGEN_CPIO_NAMESIZE_HUGE, -UC_ERR_CPIO_NAME_PAST_END },
	{ UCGEN_CPIO_FILESIZE_PAST_END, -UC_ERR_CPIO_DATA_PAST_END },
	{ UCGEN_CPIO_TRUNCATED_HEADER, 0 /* ≤ 110 bytes left: the walk just ends */ },
};

START_TEST(defect_stops_walk_with_exact_error)
{
	struct ucgen_cpio_opts o = { .defect = defects[_i].defect,
				     .defect_index = 3 };
	struct ucgen_buf b = archive(tree, 4, &o);
	struct uc_cpio_entry e;
	size_t pos = 0;
	unsigned int n = 0;
	int r;

	while ((r = uc_cpio_next(b.data, b.len, &pos, &e)) > 0)
		n++;
	ck_assert_uc(r, defects[_i].want);
	ck_assert_uint_eq(n, 3);
	ucgen_buf_free(&b);
}
END_TEST

START_TEST(unterminated_and_empty_names_are_flagged)
{
	struct ucgen_cpio_opts o = { .defect = UCGEN_CPIO_NAME_UNTERMINATED,
				     .defect_index = 0 };
	struct ucgen_buf b = archive(tree, 4, &o);
	struct uc_cpio_entry e;
	size_t pos = 0;

	ck_assert_int_eq(uc_cpio_next(b.data, b.len, &pos, &e), 1);
	ck_assert_uc(uc_cpio_entry_check(&e), -UC_ERR_CPIO_NAME_UNTERMINATED);
	ucgen_buf_free(&b);

	o.defect = UCGEN_CPIO_NAMESIZE_ZERO;
	b = archive(tree, 4, &o);
	pos = 0;
	ck_assert_int_eq(uc_cpio_next(b.data, b.len, &pos, &e), 1);
	ck_assert_uc(uc_cpio_entry_check(&e), -UC_ERR_CPIO_NAMESIZE_ZERO);
	ucgen_buf_free(&b);
}
END_TEST

START_TEST(unpadded_last_member_is_rejected_like_the_kernel)
{
	const struct ucgen_cpio_entry e1[] = {
		{ UC_CPIO_PATH_INTEL, 0100644, blob, 37 },
	};
	struct ucgen_cpio_opts o = { .no_trailer = true };
	struct ucgen_buf b = archive(e1, 1, &o);
	struct uc_cpio_entry e;

	/* The data's padding to 4 is cut off: find_cpio_data's nptr overruns. */
	b.len -= 3;
	ck_assert_uc(uc_cpio_decode(b.data, b.len, 0, &e),
		     -UC_ERR_CPIO_DATA_PAST_END);
	ucgen_buf_free(&b);
}
END_TEST

/* Writer: what it writes, the loaders (and an independent archive) read. */
START_TEST(probe_takes_both_newc_magics_only)
{
	struct ucgen_buf b = archive(tree, 4, NULL);

	ck_assert(uc_cpio_probe(b.data, b.len));
	ck_assert(uc_cpio_probe("070702", 6));
	ck_assert(!uc_cpio_probe("07070", 5));
	ck_assert(!uc_cpio_probe("070707", 6));    /* odc, not newc */
	ck_assert(!uc_cpio_probe("070700", 6));
	ck_assert(!uc_cpio_probe("\0\0\0\0070701", 10)); /* padding first */
	ck_assert(!uc_cpio_probe("\x1f\x8b\x08\0\0\0", 6));
	ucgen_buf_free(&b);
}
END_TEST

START_TEST(writer_aligns_and_round_trips)
{
	uint8_t out[4096];
	struct uc_cpio_writer w;
	struct uc_cpio_entry e;
	struct ucgen_buf ref;
	static const struct ucgen_cpio_opts o16 = { .data_align = 16 };

	uc_cpio_writer_init_buf(&w, out, sizeof(out), 0);
	ck_assert_uc(uc_cpio_write_dir(&w, "kernel"), 0);
	ck_assert_uc(uc_cpio_write_dir(&w, "kernel/x86"), 0);
	ck_assert_uc(uc_cpio_write_dir(&w, "kernel/x86/microcode"), 0);
	ck_assert_uc(uc_cpio_write_file(&w, UC_CPIO_PATH_INTEL, blob,
					sizeof(blob), 16), 0);
	ck_assert_uc(uc_cpio_write_trailer(&w, 1024), 0);
	ck_assert_uint_eq(w.off, 1024);

	ck_assert_uc(uc_cpio_find(out, w.off, UC_CPIO_PATH_INTEL, &e), 0);
	ck_assert_uint_eq(e.data_offset % 16, 0);
	ck_assert_uint_eq(e.filesize, sizeof(blob));
	ck_assert_mem_eq(out + e.data_offset, blob, sizeof(blob));
	ck_assert_uint_eq(e.field[UC_NEWC_UID], 0);
	ck_assert_uint_eq(e.field[UC_NEWC_INO], 4);

	/* The independent generator's aligned archive holds the same entries. */
	ref = archive(tree, 4, &o16);
	ck_assert_uc(uc_cpio_find(ref.data, ref.len, UC_CPIO_PATH_INTEL, &e), 0);
	ck_assert_uint_eq(e.data_offset % 16, 0);
	ucgen_buf_free(&ref);
}
END_TEST

START_TEST(writer_is_deterministic_and_sticky_on_nospace)
{
	uint8_t a[2048], b[2048], small[200];
	struct uc_cpio_writer w1, w2, w3;

	memset(a, 0xaa, sizeof(a));
	memset(b, 0x55, sizeof(b));
	uc_cpio_writer_init_buf(&w1, a, sizeof(a), 1700000000);
	uc_cpio_writer_init_buf(&w2, b, sizeof(b), 1700000000);
	for (int i = 0; i < 2; i++) {
		struct uc_cpio_writer *w = i ? &w2 : &w1;

		uc_cpio_write_dir(w, "kernel");
		uc_cpio_write_file(w, UC_CPIO_PATH_AMD, blob, 13, 4);
		ck_assert_uc(uc_cpio_write_trailer(w, 16), 0);
	}
	ck_assert_uint_eq(w1.off, w2.off);
	ck_assert_mem_eq(a, b, w1.off);

	uc_cpio_writer_init_buf(&w3, small, sizeof(small), 0);
	ck_assert_uc(uc_cpio_write_dir(&w3, "kernel"), 0);
	ck_assert_uc(uc_cpio_write_file(&w3, UC_CPIO_PATH_AMD, blob, 13, 4),
		     -UC_ERR_NOSPACE);
	ck_assert_uc(uc_cpio_write_trailer(&w3, 0), -UC_ERR_NOSPACE);
	ck_assert_uc(uc_cpio_write_file(&w3, "x", NULL, 0, 3), -UC_ERR_NOSPACE);
}
END_TEST

START_TEST(writer_refuses_what_does_not_fit)
{
	uint8_t out[512];
	struct uc_cpio_writer w;

	uc_cpio_writer_init_buf(&w, out, sizeof(out), 0);
	ck_assert_uc(uc_cpio_begin_file(&w, "big", UC_CPIO_S_IFREG | 0644,
					0x100000000ull, 4),
		     -UC_ERR_CPIO_FIELD_TOO_BIG);
	uc_cpio_writer_init_buf(&w, out, sizeof(out), 0);
	ck_assert_uc(uc_cpio_write_file(&w, "odd", blob, 1, 12),
		     -UC_ERR_CPIO_BAD_ALIGN);
	uc_cpio_writer_init_buf(&w, out, sizeof(out), 0);
	ck_assert_uc(uc_cpio_begin_file(&w, "f", UC_CPIO_S_IFREG | 0644, 4, 4), 0);
	ck_assert_uc(uc_cpio_write_data(&w, blob, 5), -UC_ERR_BADARG);
	uc_cpio_writer_init_buf(&w, out, sizeof(out), 0);
	ck_assert_uc(uc_cpio_write_trailer(&w, 6), -UC_ERR_BADARG);
}
END_TEST

/* The kernel's unpacker skips names over PATH_MAX: the writer refuses them. */
START_TEST(writer_refuses_names_the_unpacker_skips)
{
	static uint8_t out[16384];
	static char name[UC_CPIO_NAMESIZE_MAX + 1];
	struct uc_cpio_writer w;
	struct uc_cpio_entry e;
	size_t pos = 0;

	memset(name, 'n', UC_CPIO_NAMESIZE_MAX - 1);     /* namesize 4096 */
	uc_cpio_writer_init_buf(&w, out, sizeof(out), 0);
	ck_assert_uc(uc_cpio_write_file(&w, name, blob, 4, 4), 0);
	ck_assert_int_eq(uc_cpio_next(out, w.off, &pos, &e), 1);
	ck_assert_uint_eq(e.namesize, UC_CPIO_NAMESIZE_MAX);
	/* The same name, its data aligned to 16: two NULs more is too many. */
	uc_cpio_writer_init_buf(&w, out, sizeof(out), 0);
	ck_assert_uc(uc_cpio_write_file(&w, name, blob, 4, 16),
		     -UC_ERR_CPIO_NAME_TOO_LONG);
	ck_assert_uint_eq(w.off, 0);
	name[UC_CPIO_NAMESIZE_MAX - 1] = 'n';              /* namesize 4097 */
	uc_cpio_writer_init_buf(&w, out, sizeof(out), 0);
	ck_assert_uc(uc_cpio_write_dir(&w, name), -UC_ERR_CPIO_NAME_TOO_LONG);
	ck_assert_uint_eq(w.off, 0);
}
END_TEST

static int count_sink(void *ctx, const void *data, size_t len)
{
	(void)data;
	*(size_t *)ctx += len;
	return *(size_t *)ctx > 300 ? -UC_ERR_SINK : 0;
}

START_TEST(writer_sink_reports_its_error)
{
	struct uc_cpio_writer w;
	size_t seen = 0;

	uc_cpio_writer_init_sink(&w, count_sink, &seen, 0);
	ck_assert_uc(uc_cpio_write_dir(&w, "kernel"), 0);
	ck_assert_uc(uc_cpio_write_file(&w, UC_CPIO_PATH_AMD, blob, 37, 4),
		     -UC_ERR_SINK);
	ck_assert_uc(uc_cpio_write_trailer(&w, 0), -UC_ERR_SINK);
	ck_assert_uint_eq(uc_cpio_entry_size(0, strlen("kernel"), 0, 4), 120);
	/* A failed write is no full buffer: the sentence says what happened. */
	ck_assert_int_ne(UC_ERR_SINK, UC_ERR_NOSPACE);
	ck_assert_str_eq(uc_strerror(-UC_ERR_SINK), "the output could not be written");
	ck_assert_str_eq(uc_errname(-UC_ERR_SINK), "UC_ERR_SINK");
}
END_TEST

START_TEST(writer_inodes_taken_by_the_caller_are_not_reused)
{
	uint8_t out[1024];
	struct uc_cpio_writer w;
	struct uc_cpio_entry e, copy;
	size_t pos = 0;

	uc_cpio_writer_init_buf(&w, out, sizeof(out), 0);
	ck_assert_uc(uc_cpio_write_dir(&w, "kernel"), 0);         /* inode 1 */
	ck_assert_uint_eq(uc_cpio_writer_take_ino(&w), 2);
	ck_assert_uint_eq(uc_cpio_writer_take_ino(&w), 3);
	ck_assert_uc(uc_cpio_write_file(&w, "f", blob, 5, 4), 0);  /* inode 4 */
	ck_assert_uc(uc_cpio_write_trailer(&w, 0), 0);

	ck_assert_int_eq(uc_cpio_next(out, w.off, &pos, &e), 1);
	ck_assert_uint_eq(e.field[UC_NEWC_INO], 1);
	ck_assert_int_eq(uc_cpio_next(out, w.off, &pos, &e), 1);
	ck_assert(uc_cpio_name_is(&e, "f"));
	ck_assert_uint_eq(e.field[UC_NEWC_INO], 4);

	/* A copy carries the inode the caller took, the rest as it was. */
	uc_cpio_writer_init_buf(&w, out + 512, 512, 0);
	ck_assert_uc(uc_cpio_begin_copy(&w, &e, uc_cpio_writer_take_ino(&w)), 0);
	ck_assert_uc(uc_cpio_write_data(&w, out + e.data_offset, e.filesize), 0);
	ck_assert_uc(uc_cpio_end_file(&w), 0);
	ck_assert_uc(uc_cpio_write_file(&w, "g", NULL, 0, 4), 0);
	pos = 0;
	ck_assert_int_eq(uc_cpio_next(out + 512, w.off, &pos, &copy), 1);
	ck_assert_uint_eq(copy.field[UC_NEWC_INO], 1);
	ck_assert_uint_eq(copy.filesize, 5);
	ck_assert_int_eq(uc_cpio_next(out + 512, w.off, &pos, &copy), 1);
	ck_assert(uc_cpio_name_is(&copy, "g"));
	ck_assert_uint_eq(copy.field[UC_NEWC_INO], 2);
}
END_TEST

static Suite *cpio_suite(void)
{
	Suite *s = suite_create("cpio");
	TCase *scan = tcase_create("scan"), *write = tcase_create("write");

	tcase_add_test(scan, walk_yields_every_entry);
	tcase_add_test(scan, find_returns_data);
	tcase_add_test(scan, prefix_match_and_first_wins);
	tcase_add_test(scan, dot_slash_name_does_not_match);
	tcase_add_test(scan, concatenated_archives_and_zero_padding);
	tcase_add_test(scan, padding_not_in_4_byte_units_stops_the_scan);
	tcase_add_test(scan, compressed_tail_ends_the_walk);
	tcase_add_loop_test(scan, defect_stops_walk_with_exact_error, 0,
			    (int)(sizeof(defects) / sizeof(defects[0])));
	tcase_add_test(scan, unterminated_and_empty_names_are_flagged);
	tcase_add_test(scan, unpadded_last_member_is_rejected_like_the_kernel);
	tcase_add_test(scan, probe_takes_both_newc_magics_only);
	tcase_add_test(write, writer_aligns_and_round_trips);
	tcase_add_test(write, writer_is_deterministic_and_sticky_on_nospace);
	tcase_add_test(write, writer_refuses_what_does_not_fit);
	tcase_add_test(write, writer_refuses_names_the_unpacker_skips);
	tcase_add_test(write, writer_sink_reports_its_error);
	tcase_add_test(write, writer_inodes_taken_by_the_caller_are_not_reused);
	suite_add_tcase(s, scan);
	suite_add_tcase(s, write);
	return s;
}

UNIT_MAIN(cpio_suite)

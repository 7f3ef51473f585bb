// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The main part of an initrd against the real compressors: microcode in
 * the compressed part in every compression Linux takes (each whose tool
 * is installed), none, concatenated parts, an uncompressed cpio after a
 * compressed one, truncated and corrupt streams, and a decompression bomb.
 * Images are an early cpio made by ucgen, then what the compressor wrote.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "unit.h"
#include "ucgen.h"
#include "domain/mainpart.h"
#include "util/diag.h"

struct codec {
	enum mainpart_compression c;
	const char *tool;       /* checked with command -v */
	const char *cmd;        /* stdin to stdout, as initrd generators run it */
};

static const struct codec codecs[] = {
	{ MAINPART_GZIP, "gzip", "gzip -n -9 -c" },
	{ MAINPART_BZIP2, "bzip2", "bzip2 -c" },
	{ MAINPART_LZMA, "lzma", "lzma -c" },
	{ MAINPART_XZ, "xz", "xz -c --check=crc32" },
	{ MAINPART_LZO, "lzop", "lzop -c" },
	{ MAINPART_LZ4, "lz4", "lz4 -l -c" },
	{ MAINPART_ZSTD, "zstd", "zstd -q -c" },
};
#define NCODECS ((int)(sizeof(codecs) / sizeof(codecs[0])))

static char dir[] = "/tmp/test-mainpart.XXXXXX";

static bool have(const char *tool)
{
	char line[128];

	snprintf(line, sizeof(line), "command -v %s >/dev/null", tool);
	return system(line) == 0;
}

static void put(const char *path, const struct ucgen_buf *b)
{
	FILE *f = fopen(path, "wb");

	ck_assert_ptr_nonnull(f);
	if (b->len)
		ck_assert_uint_eq(fwrite(b->data, 1, b->len, f), b->len);
	ck_assert_int_eq(fclose(f), 0);
}

static struct ucgen_buf get(const char *path)
{
	struct ucgen_buf b = { 0 };
	char buf[65536];
	size_t got;
	FILE *f = fopen(path, "rb");

	ck_assert_ptr_nonnull(f);
	while ((got = fread(buf, 1, sizeof(buf), f)) > 0)
		ck_assert_int_eq(ucgen_buf_append(&b, buf, got), 0);
	fclose(f);
	return b;
}

/* in through cmd; appended to out.  Returns what it added. */
static size_t compress_into(const char *cmd, const struct ucgen_buf *in,
			    struct ucgen_buf *out)
{
	char in_path[64], out_path[64], line[256];
	struct ucgen_buf z;
	size_t n;

	snprintf(in_path, sizeof(in_path), "%s/plain", dir);
	snprintf(out_path, sizeof(out_path), "%s/packed", dir);
	put(in_path, in);
	snprintf(line, sizeof(line), "%s < %s > %s", cmd, in_path, out_path);
	ck_assert_msg(system(line) == 0, "%s failed", line);
	z = get(out_path);
	ck_assert_int_eq(ucgen_buf_append(out, z.data, z.len), 0);
	n = z.len;
	ucgen_buf_free(&z);
	return n;
}

/* An early cpio with no microcode: the loaders stop where it ends. */
static void early(struct ucgen_buf *b)
{
	static const char note[] = "early part\n";
	const struct ucgen_cpio_entry e[] = {
		{ "early", 040755, NULL, 0 },
		{ "early/note", 0100644, note, sizeof(note) - 1 },
	};

	ck_assert_int_eq(ucgen_cpio(e, 2, NULL, b), 0);
}

static struct ucgen_buf intel_blob(void)
{
	struct ucgen_intel spec = { .sig = 0x906ea, .pf = 0x22, .rev = 0xf4 };
	struct ucgen_buf b = { 0 };

	ck_assert_int_eq(ucgen_intel(&spec, &b), 0);
	return b;
}

/* A main cpio as a generator writes one: directories, files, and
 * (ucode_name != NULL) microcode among them. */
static void main_cpio(struct ucgen_buf *b, const char *ucode_name, size_t filler)
{
	struct ucgen_buf blob = intel_blob(), fill = { 0 };
	struct ucgen_cpio_entry e[6];
	uint8_t *bytes = malloc(filler ? filler : 1);
	unsigned n = 0;

	/* Made whole, then appended once: an assertion per byte costs Check a
	 * pipe write each. */
	ck_assert_ptr_nonnull(bytes);
	for (size_t i = 0; i < filler; i++)
		bytes[i] = (uint8_t)(i * 7 + i / 13);
	ck_assert_int_eq(ucgen_buf_append(&fill, bytes, filler), 0);
	free(bytes);
	e[n++] = (struct ucgen_cpio_entry){ "usr", 040755, NULL, 0 };
	e[n++] = (struct ucgen_cpio_entry){ "usr/lib", 040755, NULL, 0 };
	e[n++] = (struct ucgen_cpio_entry){ "usr/lib/module.ko", 0100644,
					    fill.data, fill.len };
	if (ucode_name) {
		e[n++] = (struct ucgen_cpio_entry){ "kernel/x86/microcode", 040755,
						    NULL, 0 };
		e[n++] = (struct ucgen_cpio_entry){ ucode_name, 0100644, blob.data,
						    blob.len };
	}
	e[n++] = (struct ucgen_cpio_entry){ "init", 0100755, "#!/bin/sh\n", 10 };
	ck_assert_int_eq(ucgen_cpio(e, n, &(struct ucgen_cpio_opts){ .pad_to = 512 },
				    b), 0);
	ucgen_buf_free(&blob);
	ucgen_buf_free(&fill);
}

static size_t intel_size(void)
{
	struct ucgen_buf b = intel_blob();
	size_t n = b.len;

	ucgen_buf_free(&b);
	return n;
}

static int scan(const struct ucgen_buf *image, uint64_t max_out,
		struct mainpart_result *r, struct diags *d)
{
	char path[64];

	snprintf(path, sizeof(path), "%s/initrd.img", dir);
	put(path, image);
	return mainpart_scan(path, max_out, r, d);
}

static void setup(void)
{
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void teardown(void)
{
	char line[128];

	snprintf(line, sizeof(line), "rm -rf %s", dir);
	ck_assert_int_eq(system(line), 0);
	strcpy(dir, "/tmp/test-mainpart.XXXXXX");
}

/* Microcode in the compressed main part: found, named, where it is. */
START_TEST(ucode_in_each_compression)
{
	const struct codec *k = &codecs[_i];
	struct ucgen_buf img = { 0 }, plain = { 0 };
	struct mainpart_result r;
	struct diags d = { 0 };
	size_t start;

	if (!have(k->tool)) {
		printf("%s not installed: %s not tested\n", k->tool,
		       mainpart_compression_name(k->c));
		return;
	}
	early(&img);
	start = img.len;
	main_cpio(&plain, "kernel/x86/microcode/GenuineIntel.bin", 20000);
	compress_into(k->cmd, &plain, &img);
	ck_assert_int_eq(scan(&img, MAINPART_MAX_OUT, &r, &d), 0);
	ck_assert_msg(d.n == 0, "%s: %s", k->tool, d.n ? d.v[0].text : "");
	ck_assert(r.initrd);
	ck_assert_uint_eq(r.start, start);
	ck_assert_int_eq(r.first, k->c);
	ck_assert(r.found);
	ck_assert_str_eq(r.name, "kernel/x86/microcode/GenuineIntel.bin");
	ck_assert_uint_eq(r.size, intel_size());
	ck_assert_int_eq(r.compression, k->c);
	ck_assert_uint_eq(r.part_offset, start);
	ucgen_buf_free(&img);
	ucgen_buf_free(&plain);
	diags_free(&d);
}
END_TEST

/* No microcode: read to the end, nothing found, no diagnostic. */
START_TEST(none_in_each_compression)
{
	const struct codec *k = &codecs[_i];
	struct ucgen_buf img = { 0 }, plain = { 0 };
	struct mainpart_result r;
	struct diags d = { 0 };

	if (!have(k->tool))
		return;
	early(&img);
	main_cpio(&plain, NULL, 30000);
	compress_into(k->cmd, &plain, &img);
	ck_assert_int_eq(scan(&img, MAINPART_MAX_OUT, &r, &d), 0);
	ck_assert_msg(d.n == 0, "%s: %s", k->tool, d.n ? d.v[0].text : "");
	ck_assert(!r.found);
	ck_assert_int_eq(r.first, k->c);
	ck_assert_uint_eq(r.parts, 1);
	ck_assert_uint_eq(r.out_bytes, plain.len);
	ucgen_buf_free(&img);
	ucgen_buf_free(&plain);
	diags_free(&d);
}
END_TEST

/* Two compressed archives after one another, microcode in the second:
 * its part starts where the first one's compressed bytes end. */
START_TEST(second_of_two)
{
	/* libarchive ends gzip, bzip2 and lzma streams where they end; lzma
	 * streams in a row are two parts to it.  Its xz and zstd readers take
	 * what follows for more of the stream: read again, shorter. */
	static const char *const pairs[][2] = {
		{ "bzip2 -c", "gzip -n -c" },
		{ "lzma -c", "lzma -c" },
		{ "gzip -n -c", "zstd -q -c" },
		{ "lzma -c", "xz -c --check=crc32" },
		{ "xz -c --check=crc32", "gzip -n -c" },
		{ "zstd -q -c", "xz -c --check=crc32" },
		{ "xz -c --check=crc64", "zstd -q -c" },
		{ "zstd -q -c --check", "bzip2 -c" },
	};
	struct ucgen_buf img = { 0 }, a = { 0 }, b = { 0 };
	struct mainpart_result r;
	struct diags d = { 0 };
	size_t start, first_len;

	early(&img);
	start = img.len;
	main_cpio(&a, NULL, 5000);
	main_cpio(&b, "kernel/x86/microcode/AuthenticAMD.bin", 7000);
	first_len = compress_into(pairs[_i][0], &a, &img);
	compress_into(pairs[_i][1], &b, &img);
	ck_assert_int_eq(scan(&img, MAINPART_MAX_OUT, &r, &d), 0);
	ck_assert_msg(d.n == 0, "%s", d.n ? d.v[0].text : "");
	ck_assert(r.found);
	ck_assert_str_eq(r.name, "kernel/x86/microcode/AuthenticAMD.bin");
	ck_assert_uint_eq(r.parts, 2);
	ck_assert_uint_eq(r.part_offset, start + first_len);
	ck_assert_int_eq(r.compression, mainpart_detect(img.data + start + first_len,
							  img.len - start - first_len));
	ucgen_buf_free(&img);
	ucgen_buf_free(&a);
	ucgen_buf_free(&b);
	diags_free(&d);
}
END_TEST

/* Zero padding after an xz or zstd part, as the kernel skips it, then a
 * gzip part with the microcode. */
START_TEST(zeros_after)
{
	static const char *const first[] = { "zstd -q -c", "xz -c" };
	struct ucgen_buf img = { 0 }, a = { 0 }, b = { 0 };
	struct mainpart_result r;
	struct diags d = { 0 };
	size_t second;

	early(&img);
	main_cpio(&a, NULL, 5000);
	main_cpio(&b, "kernel/x86/microcode/GenuineIntel.bin", 100);
	compress_into(first[_i], &a, &img);
	for (int i = 0; i < 8 || img.len % 4; i++)
		ck_assert_int_eq(ucgen_buf_append(&img, "", 1), 0);
	second = img.len;
	compress_into("gzip -n -c", &b, &img);
	ck_assert_int_eq(scan(&img, MAINPART_MAX_OUT, &r, &d), 0);
	ck_assert_msg(d.n == 0, "%s", d.n ? d.v[0].text : "");
	ck_assert(r.found);
	ck_assert_uint_eq(r.parts, 2);
	ck_assert_int_eq(r.compression, MAINPART_GZIP);
	ck_assert_uint_eq(r.part_offset, second);
	ucgen_buf_free(&img);
	ucgen_buf_free(&a);
	ucgen_buf_free(&b);
	diags_free(&d);
}
END_TEST

/* gzip members in a row are one gzip stream (gzip -d reads them so):
 * one part, starting at the first. */
START_TEST(gzip_members_are_one_part)
{
	struct ucgen_buf img = { 0 }, a = { 0 }, b = { 0 };
	struct mainpart_result r;
	struct diags d = { 0 };
	const uint8_t *name;
	size_t start;

	early(&img);
	start = img.len;
	main_cpio(&a, NULL, 5000);
	main_cpio(&b, "kernel/x86/microcode/GenuineIntel.bin", 100);
	compress_into("gzip -n -c", &a, &img);
	compress_into("gzip -n -c", &b, &img);
	ck_assert_int_eq(scan(&img, MAINPART_MAX_OUT, &r, &d), 0);
	ck_assert(r.found);
	ck_assert_uint_eq(r.parts, 1);
	ck_assert_uint_eq(r.part_offset, start);
	/* Its header, in the decompressed bytes of both members: the name
	 * follows the 110-byte header. */
	name = memmem(b.data, b.len, r.name, strlen(r.name) + 1);
	ck_assert_ptr_nonnull(name);
	ck_assert_uint_eq(r.member_offset, a.len + (size_t)(name - b.data) - 110);
	ucgen_buf_free(&img);
	ucgen_buf_free(&a);
	ucgen_buf_free(&b);
	diags_free(&d);
}
END_TEST

/* An uncompressed cpio after a compressed part: the kernel unpacks it
 * too, and no loader reads it. */
START_TEST(cpio_after_compressed)
{
	struct ucgen_buf img = { 0 }, a = { 0 };
	struct mainpart_result r;
	struct diags d = { 0 };
	size_t at;

	early(&img);
	main_cpio(&a, NULL, 3000);
	compress_into("gzip -n -c", &a, &img);
	while (img.len % 4)
		ck_assert_int_eq(ucgen_buf_append(&img, "", 1), 0);
	at = img.len;
	main_cpio(&img, "./kernel/x86/microcode/GenuineIntel.bin", 10);
	ck_assert_int_eq(scan(&img, MAINPART_MAX_OUT, &r, &d), 0);
	ck_assert(r.found);
	ck_assert_uint_eq(r.parts, 2);
	ck_assert_int_eq(r.compression, MAINPART_CPIO);
	ck_assert_uint_eq(r.part_offset, at);
	ck_assert_str_eq(r.name, "./kernel/x86/microcode/GenuineIntel.bin");
	ucgen_buf_free(&img);
	ucgen_buf_free(&a);
	diags_free(&d);
}
END_TEST

/* One error naming the file, at an offset inside the compressed part. */
static const struct diag *one_error(const struct diags *d, size_t start,
				    size_t end)
{
	char path[64];

	snprintf(path, sizeof(path), "%s/initrd.img", dir);
	ck_assert_uint_eq(d->errors, 1);
	ck_assert_uint_eq(d->n, 1);
	ck_assert_int_eq(d->v[0].level, DIAG_ERROR);
	ck_assert_str_eq(d->v[0].file, path);
	ck_assert_uint_ge(d->v[0].offset, start);
	ck_assert_uint_le(d->v[0].offset, end);
	return &d->v[0];
}

/* Cut short: an error, at the end of the file (libarchive has taken every
 * byte there was before it could tell). */
START_TEST(truncated_stream)
{
	const struct codec *k = &codecs[_i];
	struct ucgen_buf img = { 0 }, plain = { 0 };
	struct mainpart_result r;
	struct diags d = { 0 };
	size_t start, zlen;

	if (!have(k->tool))
		return;
	early(&img);
	start = img.len;
	main_cpio(&plain, NULL, 200000);
	zlen = compress_into(k->cmd, &plain, &img);
	img.len = start + zlen / 2;
	ck_assert_int_eq(scan(&img, MAINPART_MAX_OUT, &r, &d), -1);
	ck_assert_msg(d.n == 1, "%s: %zu diagnostics", k->tool, d.n);
	ck_assert_uint_eq(one_error(&d, start, img.len)->offset, img.len);
	ck_assert(!r.found);
	ucgen_buf_free(&img);
	ucgen_buf_free(&plain);
	diags_free(&d);
}
END_TEST

/* Bytes overwritten in the middle, and random bytes behind each magic:
 * an error or nothing found, never a crash. */
START_TEST(corrupt_stream)
{
	const struct codec *k = &codecs[_i];
	struct ucgen_buf img = { 0 }, plain = { 0 };
	struct mainpart_result r;
	struct diags d = { 0 };
	uint32_t x = 2463534242u;
	size_t start, zlen;

	if (!have(k->tool))
		return;
	early(&img);
	start = img.len;
	main_cpio(&plain, NULL, 100000);
	zlen = compress_into(k->cmd, &plain, &img);
	memset(img.data + start + zlen / 2, 0x5a, 64);
	ck_assert_int_eq(scan(&img, MAINPART_MAX_OUT, &r, &d), -1);
	one_error(&d, start, img.len);
	diags_free(&d);
	for (int round = 0; round < 20; round++) {
		for (size_t i = start + 2; i < img.len; i++) {
			x ^= x << 13;
			x ^= x >> 17;
			x ^= x << 5;
			img.data[i] = (uint8_t)x;
		}
		if (scan(&img, MAINPART_MAX_OUT, &r, &d))
			one_error(&d, start, img.len);
		diags_free(&d);
	}
	ucgen_buf_free(&img);
	ucgen_buf_free(&plain);
}
END_TEST

/*
 * The byte whose arrival made the decoder fail, as an offset in the file:
 * zstd's frame checksum ends the frame, and is judged at its last byte,
 * the byte before the end of the file (which a truncated part's error is
 * at).  (libarchive's gzip reader checks no CRC-32: a corrupt one passes.)
 */
START_TEST(exact_failing_byte)
{
	struct ucgen_buf img = { 0 }, plain = { 0 };
	struct mainpart_result r;
	struct diags d = { 0 };
	size_t start, zlen;

	early(&img);
	start = img.len;
	main_cpio(&plain, NULL, 300000);
	zlen = compress_into("zstd -q -c --check", &plain, &img);
	img.data[start + zlen - 1] ^= 0x40;
	ck_assert_int_eq(scan(&img, MAINPART_MAX_OUT, &r, &d), -1);
	ck_assert_uint_eq(one_error(&d, start, img.len)->offset, start + zlen - 1);
	diags_free(&d);
	ucgen_buf_free(&img);
	ucgen_buf_free(&plain);
}
END_TEST

/* A well-formed cpio inside, then junk: the kernel's "junk within
 * compressed archive", reported with the decompressed offset. */
START_TEST(junk_inside)
{
	struct ucgen_buf img = { 0 }, plain = { 0 };
	struct mainpart_result r;
	struct diags d = { 0 };
	char want[128];
	size_t start;

	early(&img);
	start = img.len;
	main_cpio(&plain, NULL, 1000);
	ck_assert_int_eq(ucgen_buf_append(&plain, "junk", 4), 0);
	compress_into("gzip -n -c", &plain, &img);
	ck_assert_int_eq(scan(&img, MAINPART_MAX_OUT, &r, &d), -1);
	one_error(&d, start, img.len);
	snprintf(want, sizeof(want), "junk after a cpio archive at offset 0x%zx ",
		 plain.len - 4);
	ck_assert_ptr_nonnull(strstr(d.v[0].text, want));
	ucgen_buf_free(&img);
	ucgen_buf_free(&plain);
	diags_free(&d);
}
END_TEST

/* A header the kernel rejects, inside: named by its offset in the
 * decompressed data (that of the member's header) and the core's code. */
START_TEST(bad_header_inside)
{
	static const char data[] = "data";
	const struct ucgen_cpio_entry e[] = {
		{ "usr", 040755, NULL, 0 },
		{ "usr/lib", 040755, NULL, 0 },
		{ "usr/lib/x", 0100644, data, 4 },
	};
	struct ucgen_buf img = { 0 }, plain = { 0 };
	struct ucgen_cpio_opts o = { .defect = UCGEN_CPIO_BAD_MAGIC, .defect_index = 1 };
	struct mainpart_result r;
	struct diags d = { 0 };
	const uint8_t *name;
	char want[96];
	size_t start;

	early(&img);
	start = img.len;
	ck_assert_int_eq(ucgen_cpio(e, 3, &o, &plain), 0);
	compress_into("gzip -n -c", &plain, &img);
	ck_assert_int_eq(scan(&img, MAINPART_MAX_OUT, &r, &d), -1);
	ck_assert_int_eq(one_error(&d, start, img.len)->code, -UC_ERR_CPIO_BAD_MAGIC);
	name = memmem(plain.data, plain.len, "usr/lib", 8);
	ck_assert_ptr_nonnull(name);
	snprintf(want, sizeof(want), " at offset 0x%zx of its decompressed data",
		 (size_t)(name - plain.data) - 110);
	ck_assert_msg(strstr(d.v[0].text, want), "%s", d.v[0].text);
	ucgen_buf_free(&img);
	ucgen_buf_free(&plain);
	diags_free(&d);
}
END_TEST

/* A bomb: 64 MiB of zeros in a member, a few KiB compressed; a 1 MiB
 * limit stops it with an error naming the file. */
START_TEST(bomb)
{
	struct ucgen_buf img = { 0 }, plain = { 0 }, zero = { 0 };
	struct mainpart_result r;
	struct diags d = { 0 };
	size_t start, zlen;
	const struct ucgen_cpio_entry e = { "bomb", 0100644, NULL, 64 << 20 };
	struct ucgen_cpio_entry big = e;

	zero.data = calloc(64 << 20, 1);
	ck_assert_ptr_nonnull(zero.data);
	big.data = zero.data;
	early(&img);
	start = img.len;
	ck_assert_int_eq(ucgen_cpio(&big, 1, NULL, &plain), 0);
	zlen = compress_into("gzip -n -c", &plain, &img);
	ck_assert_uint_lt(zlen, 1 << 20);
	ck_assert_int_eq(scan(&img, (uint64_t)1 << 20, &r, &d), -1);
	ck_assert_ptr_nonnull(strstr(one_error(&d, start, img.len)->text,
				     "more than 1 MiB decompressed"));
	ck_assert_uint_le(r.out_bytes, (uint64_t)1 << 20);
	/* The default limit takes it whole. */
	diags_free(&d);
	ck_assert_int_eq(scan(&img, MAINPART_MAX_OUT, &r, &d), 0);
	ck_assert_uint_eq(r.out_bytes, plain.len);
	free(zero.data);
	ucgen_buf_free(&img);
	ucgen_buf_free(&plain);
	diags_free(&d);
}
END_TEST

/* An early cpio alone has no main part; a file that is no cpio is no initrd;
 * what no decompressor takes is a warning, and the walk stops there. */
START_TEST(no_main_part)
{
	struct ucgen_buf img = { 0 };
	struct mainpart_result r;
	struct diags d = { 0 };
	size_t start;

	early(&img);
	start = img.len;
	ck_assert_int_eq(scan(&img, MAINPART_MAX_OUT, &r, &d), 0);
	ck_assert(r.initrd);
	ck_assert_uint_eq(r.parts, 0);
	ck_assert_uint_eq(r.start, img.len);
	ck_assert_int_eq(ucgen_buf_append(&img, "PK\3\4 not an initrd", 19), 0);
	ck_assert_int_eq(scan(&img, MAINPART_MAX_OUT, &r, &d), 0);
	ck_assert_int_eq(r.first, MAINPART_UNKNOWN);
	ck_assert_uint_eq(d.n, 1);
	ck_assert_int_eq(d.v[0].level, DIAG_WARNING);
	ck_assert_uint_eq(d.v[0].offset, start);
	diags_free(&d);
	ucgen_buf_free(&img);
	ck_assert_int_eq(ucgen_buf_append(&img, "\x1f\x8b not a cpio", 13), 0);
	ck_assert_int_eq(scan(&img, MAINPART_MAX_OUT, &r, &d), 0);
	ck_assert(!r.initrd);
	ck_assert_uint_eq(d.n, 0);
	ucgen_buf_free(&img);
}
END_TEST

/* The kernel's table, two bytes each. */
START_TEST(detect_by_magic)
{
	static const struct { const char *m; enum mainpart_compression c; } t[] = {
		{ "\x1f\x8b", MAINPART_GZIP }, { "\x1f\x9e", MAINPART_GZIP },
		{ "BZ", MAINPART_BZIP2 }, { "\x5d\x00", MAINPART_LZMA },
		{ "\xfd\x37", MAINPART_XZ }, { "\x89\x4c", MAINPART_LZO },
		{ "\x02\x21", MAINPART_LZ4 }, { "\x28\xb5", MAINPART_ZSTD },
		{ "\x1f\x8c", MAINPART_UNKNOWN },
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		ck_assert_int_eq(mainpart_detect((const uint8_t *)t[i].m, 2), t[i].c);
	ck_assert_int_eq(mainpart_detect((const uint8_t *)"070701", 6), MAINPART_CPIO);
	ck_assert_int_eq(mainpart_detect((const uint8_t *)"\x1f", 1), MAINPART_UNKNOWN);
	ck_assert_str_eq(mainpart_compression_name(MAINPART_LZ4), "lz4");
}
END_TEST

/* What follows the early part, from early_read()'s view of it. */
START_TEST(next_after_early)
{
	const struct codec *k = &codecs[_i];
	static const struct early_opts opts = { false, 1 << 20 };
	struct ucgen_buf img = { 0 }, plain = { 0 };
	struct early_part ep;
	struct diags d = { 0 };
	char path[64];
	const char *paths[1] = { path };

	if (!have(k->tool))
		return;
	early(&img);
	main_cpio(&plain, NULL, 100);
	compress_into(k->cmd, &plain, &img);
	snprintf(path, sizeof(path), "%s/initrd.img", dir);
	put(path, &img);
	ck_assert_int_eq(early_read(&ep, paths, 1, &opts, &d), 0);
	ck_assert_int_eq(mainpart_next(&ep), k->c);
	early_free(&ep);
	ucgen_buf_free(&img);
	ucgen_buf_free(&plain);
}
END_TEST

static Suite *mainpart_suite(void)
{
	Suite *s = suite_create("mainpart");
	TCase *tc = tcase_create("mainpart");

	tcase_set_timeout(tc, 120);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, ucode_in_each_compression, 0, NCODECS);
	tcase_add_loop_test(tc, none_in_each_compression, 0, NCODECS);
	tcase_add_loop_test(tc, second_of_two, 0, 8);
	tcase_add_loop_test(tc, zeros_after, 0, 2);
	tcase_add_test(tc, gzip_members_are_one_part);
	tcase_add_test(tc, cpio_after_compressed);
	tcase_add_loop_test(tc, truncated_stream, 0, NCODECS);
	tcase_add_loop_test(tc, corrupt_stream, 0, NCODECS);
	tcase_add_test(tc, exact_failing_byte);
	tcase_add_test(tc, junk_inside);
	tcase_add_test(tc, bad_header_inside);
	tcase_add_test(tc, bomb);
	tcase_add_test(tc, no_main_part);
	tcase_add_test(tc, detect_by_magic);
	tcase_add_loop_test(tc, next_after_early, 0, NCODECS);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(mainpart_suite)

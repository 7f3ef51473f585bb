// SPDX-License-Identifier: GPL-2.0-or-later
/* Decompression against the real gzip, xz and zstd commands: round trips,
 * concatenated streams, truncation, corruption, trailing garbage, limits. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "unit.h"
#include "domain/decompress.h"
#include "util/diag.h"

struct blob {
	uint8_t *p;
	size_t n;
};

struct codec {
	enum compression c;
	const char *name;
	const char *cmd;        /* stdin to stdout */
};

static const struct codec codecs[] = {
	{ COMPRESSION_GZIP, "gzip", "gzip -c -n" },
	{ COMPRESSION_XZ, "xz", "xz -c" },
	{ COMPRESSION_ZSTD, "zstd", "zstd -q -c --check" },
};
#define NCODECS ((int)(sizeof(codecs) / sizeof(codecs[0])))

static void blob_free(struct blob *b)
{
	free(b->p);
	b->p = NULL;
	b->n = 0;
}

static void blob_cat(struct blob *b, const void *p, size_t n)
{
	b->p = realloc(b->p, b->n + n + 1);
	ck_assert_ptr_nonnull(b->p);
	if (n)
		memcpy(b->p + b->n, p, n);
	b->n += n;
}

/* Compressible, not trivial: runs, repeats and noise. */
static struct blob sample(size_t n, uint32_t seed)
{
	struct blob b = { malloc(n + 1), n };
	uint32_t x = seed * 2654435761u + 1;

	ck_assert_ptr_nonnull(b.p);
	for (size_t i = 0; i < n; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		if (i >= 64 && x % 4)
			b.p[i] = b.p[i - 64 + x % 8];
		else
			b.p[i] = (uint8_t)(x >> 24);
	}
	return b;
}

static struct blob zeros(size_t n)
{
	struct blob b = { calloc(n + 1, 1), n };

	ck_assert_ptr_nonnull(b.p);
	return b;
}

/* Run "cmd < in > out" in a fresh temporary directory. */
static struct blob run_tool(const char *cmd, const struct blob *in)
{
	char dir[] = "/tmp/test-decompress.XXXXXX", path[64], line[256];
	struct blob out = { NULL, 0 };
	uint8_t buf[65536];
	size_t got;
	FILE *f;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/in", dir);
	f = fopen(path, "wb");
	ck_assert_ptr_nonnull(f);
	if (in->n)
		ck_assert_uint_eq(fwrite(in->p, 1, in->n, f), in->n);
	ck_assert_int_eq(fclose(f), 0);
	snprintf(line, sizeof(line), "cd %s && %s < in > out", dir, cmd);
	ck_assert_msg(system(line) == 0, "%s failed", line);
	snprintf(path, sizeof(path), "%s/out", dir);
	f = fopen(path, "rb");
	ck_assert_ptr_nonnull(f);
	while ((got = fread(buf, 1, sizeof(buf), f)) > 0)
		blob_cat(&out, buf, got);
	fclose(f);
	unlink(path);
	snprintf(path, sizeof(path), "%s/in", dir);
	unlink(path);
	rmdir(dir);
	return out;
}

/*
 * Where each decoder fails, as an input offset: the byte whose arrival made
 * it fail (the end of the input when only the end shows it).
 *   xz judges a 12-byte stream header whole (magic, flags, CRC32): at its
 *   last byte; stream padding is judged when the input ends.
 *   gzip's stored CRC-32 (the 4 bytes before ISIZE): at its last byte.
 *   zstd's checksum and xz's footer end the input: at the last byte.
 *   zlib reads CM and FLG as one 16-bit field: a bad method at byte 3.
 *   zstd rejects a frame magic at its first wrong byte.
 */
#define XZ_HEADER_LAST 11
#define CHECK_END(c, n) ((c) == COMPRESSION_GZIP ? (n) - 5 : (n) - 1)
#define GZIP_METHOD_ERROR 3
#define GARBAGE_ERROR(c, end) ((c) == COMPRESSION_XZ ? (end) + XZ_HEADER_LAST : (end))

/* The file name every diagnostic must carry. */
#define FILE_NAME "some/file.z"

/* Decompress and expect success with exactly want. */
static void expect_ok(const struct blob *z, enum compression c, size_t limit,
		      const struct blob *want)
{
	uint8_t *out = NULL;
	size_t len = 12345;
	struct diags d = { 0 };
	int r = decompress(z->p, z->n, c, limit, &out, &len, FILE_NAME, &d);

	ck_assert_msg(r == 0, "%s: %s", compression_name(c),
		      d.n ? d.v[0].text : "(no message)");
	ck_assert_uint_eq(d.n, 0);
	ck_assert_ptr_nonnull(out);
	ck_assert_uint_eq(len, want->n);
	if (want->n)
		ck_assert_int_eq(memcmp(out, want->p, want->n), 0);
	free(out);
}

/*
 * Decompress and expect failure: exactly one error, about FILE_NAME, with
 * no core error code.  Returns it (a copy; text and file stay in *d, which
 * the caller frees).
 */
static struct diag expect_fail(const struct blob *z, enum compression c,
			       size_t limit, struct diags *d)
{
	uint8_t *out = (uint8_t *)"untouched";
	size_t len = 0;

	memset(d, 0, sizeof(*d));
	ck_assert_int_eq(decompress(z->p, z->n, c, limit, &out, &len, FILE_NAME, d), -1);
	ck_assert_uint_eq(d->n, 1);
	ck_assert_uint_eq(d->errors, 1);
	ck_assert_int_eq(d->v[0].level, DIAG_ERROR);
	ck_assert_str_eq(d->v[0].file, FILE_NAME);
	ck_assert_int_eq(d->v[0].code, 0);
	if (getenv("SHOW_ERRORS"))
		fprintf(stderr, "%s: offset %#llx: %s\n", compression_name(c),
			(unsigned long long)d->v[0].offset, d->v[0].text);
	return d->v[0];
}

/* Text want at input offset off (DIAG_NO_OFFSET: none). */
static void expect_msg(const struct blob *z, enum compression c, size_t limit,
		       const char *want, uint64_t off)
{
	struct diags d;
	struct diag g = expect_fail(z, c, limit, &d);

	ck_assert_str_eq(g.text, want);
	ck_assert_msg(g.offset == off, "\"%s\": offset %#llx, want %#llx", g.text,
		      (unsigned long long)g.offset, (unsigned long long)off);
	diags_free(&d);
}

/* Input that ends too soon: said at its end. */
static void expect_truncated(const struct blob *z, enum compression c)
{
	char msg[64];

	snprintf(msg, sizeof(msg), "%s: unexpected end of input", compression_name(c));
	expect_msg(z, c, SIZE_MAX, msg, z->n);
}

/* "NAME data corrupt..." at input offset off. */
static void expect_corrupt(const struct blob *z, enum compression c, uint64_t off)
{
	struct diags d;
	struct diag g = expect_fail(z, c, SIZE_MAX, &d);
	char prefix[64];

	snprintf(prefix, sizeof(prefix), "%s data corrupt", compression_name(c));
	ck_assert_msg(!strncmp(g.text, prefix, strlen(prefix)), "got \"%s\"", g.text);
	ck_assert_msg(g.offset == off, "\"%s\": offset %#llx, want %#llx", g.text,
		      (unsigned long long)g.offset, (unsigned long long)off);
	diags_free(&d);
}

START_TEST(detect_by_magic)
{
	static const uint8_t gz[] = { 0x1f, 0x8b, 0x08 };
	static const uint8_t xz[] = { 0xfd, '7', 'z', 'X', 'Z', 0, 0, 4 };
	static const uint8_t zst[] = { 0x28, 0xb5, 0x2f, 0xfd, 0x24 };
	static const uint8_t skip[] = { 0x5e, 0x2a, 0x4d, 0x18, 4, 0, 0, 0 };
	static const uint8_t intel[] = { 1, 0, 0, 0, 0x29, 0, 0, 0 };
	static const uint8_t amd[] = { 'D', 'M', 'A', 0 };

	ck_assert_int_eq(compression_detect(gz, sizeof(gz)), COMPRESSION_GZIP);
	ck_assert_int_eq(compression_detect(gz, 1), COMPRESSION_NONE);
	ck_assert_int_eq(compression_detect(xz, sizeof(xz)), COMPRESSION_XZ);
	ck_assert_int_eq(compression_detect(xz, 5), COMPRESSION_NONE);
	ck_assert_int_eq(compression_detect(zst, sizeof(zst)), COMPRESSION_ZSTD);
	ck_assert_int_eq(compression_detect(zst, 3), COMPRESSION_NONE);
	ck_assert_int_eq(compression_detect(skip, sizeof(skip)), COMPRESSION_ZSTD);
	ck_assert_int_eq(compression_detect(intel, sizeof(intel)), COMPRESSION_NONE);
	ck_assert_int_eq(compression_detect(amd, sizeof(amd)), COMPRESSION_NONE);
	ck_assert_int_eq(compression_detect(NULL, 0), COMPRESSION_NONE);
	ck_assert_str_eq(compression_name(COMPRESSION_NONE), "none");
	ck_assert_str_eq(compression_name(COMPRESSION_GZIP), "gzip");
	ck_assert_str_eq(compression_name(COMPRESSION_XZ), "xz");
	ck_assert_str_eq(compression_name(COMPRESSION_ZSTD), "zstd");
}
END_TEST

START_TEST(round_trip)
{
	const struct codec *k = &codecs[_i];
	static const size_t sizes[] = { 0, 1, 5000, 300000, 3 << 20 };

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		struct blob raw = i == 4 ? zeros(sizes[i]) : sample(sizes[i], (uint32_t)i);
		struct blob z = run_tool(k->cmd, &raw);

		ck_assert_int_eq(compression_detect(z.p, z.n), k->c);
		expect_ok(&z, k->c, 256 << 20, &raw);
		blob_free(&z);
		blob_free(&raw);
	}
}
END_TEST

START_TEST(round_trip_tool_options)
{
	static const struct codec variants[] = {
		{ COMPRESSION_GZIP, "gzip", "gzip -c -1" },
		{ COMPRESSION_GZIP, "gzip", "gzip -c -9" },
		{ COMPRESSION_XZ, "xz", "xz -c -0 --check=none" },
		{ COMPRESSION_XZ, "xz", "xz -c --check=sha256" },
		{ COMPRESSION_XZ, "xz", "xz -c --check=crc32 -T2 --block-size=65536" },
		{ COMPRESSION_XZ, "xz", "xz -c --format=xz -e -9" },
		{ COMPRESSION_ZSTD, "zstd", "zstd -q -c -19 --no-check" },
		{ COMPRESSION_ZSTD, "zstd", "zstd -q -c -1 -B65536" },
	};
	struct blob raw = sample(400000, 7);

	for (size_t i = 0; i < sizeof(variants) / sizeof(variants[0]); i++) {
		struct blob z = run_tool(variants[i].cmd, &raw);

		expect_ok(&z, variants[i].c, SIZE_MAX, &raw);
		blob_free(&z);
	}
	blob_free(&raw);
}
END_TEST

START_TEST(concatenated_streams)
{
	const struct codec *k = &codecs[_i];
	struct blob a = sample(70000, 1), b = sample(123457, 2), e = { NULL, 0 };
	struct blob za = run_tool(k->cmd, &a), zb = run_tool(k->cmd, &b);
	struct blob ze = run_tool(k->cmd, &e), z = { NULL, 0 }, want = { NULL, 0 };

	/* a, empty, b, a */
	blob_cat(&z, za.p, za.n);
	blob_cat(&z, ze.p, ze.n);
	blob_cat(&z, zb.p, zb.n);
	blob_cat(&z, za.p, za.n);
	blob_cat(&want, a.p, a.n);
	blob_cat(&want, b.p, b.n);
	blob_cat(&want, a.p, a.n);
	expect_ok(&z, k->c, SIZE_MAX, &want);

	/* Cut inside the second non-empty stream: truncated, not short. */
	{
		struct blob cut = { z.p, za.n + ze.n + zb.n / 2 };

		expect_truncated(&cut, k->c);
	}
	blob_free(&a); blob_free(&b); blob_free(&za); blob_free(&zb);
	blob_free(&ze); blob_free(&z); blob_free(&want);
}
END_TEST

START_TEST(xz_stream_padding)
{
	static const uint8_t pad[8] = { 0 };
	struct blob a = sample(5000, 3), za = run_tool("xz -c", &a), z = { NULL, 0 };
	struct blob want = { NULL, 0 };

	/* The xz format allows 4-byte multiples of zeros between and after
	 * streams; anything else is corrupt. */
	blob_cat(&z, za.p, za.n);
	blob_cat(&z, pad, 8);
	blob_cat(&z, za.p, za.n);
	blob_cat(&z, pad, 4);
	blob_cat(&want, a.p, a.n);
	blob_cat(&want, a.p, a.n);
	expect_ok(&z, COMPRESSION_XZ, SIZE_MAX, &want);
	blob_cat(&z, pad, 1);
	expect_corrupt(&z, COMPRESSION_XZ, z.n);
	blob_free(&a); blob_free(&za); blob_free(&z); blob_free(&want);
}
END_TEST

START_TEST(truncated)
{
	const struct codec *k = &codecs[_i];
	struct blob raw = sample(200000, 4), z = run_tool(k->cmd, &raw);
	size_t cuts[] = { 0, 1, 4, 10, z.n / 3, z.n / 2, z.n - 5, z.n - 1 };

	for (size_t i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++) {
		struct blob cut = { z.p, cuts[i] };

		expect_truncated(&cut, k->c);
	}
	blob_free(&raw);
	blob_free(&z);
}
END_TEST

START_TEST(corrupt_data)
{
	const struct codec *k = &codecs[_i];
	struct blob raw = sample(200000, 5), z = run_tool(k->cmd, &raw);
	size_t flips[] = { z.n / 4, z.n / 2, z.n - 9 };
	/* The stored check: gzip CRC-32 and size, zstd XXH64 (low 4 bytes);
	 * for xz the footer's magic. */
	size_t check = k->c == COMPRESSION_GZIP ? z.n - 8 : z.n - 2;
	size_t check_end = CHECK_END(k->c, z.n);
	char trunc[64];

	snprintf(trunc, sizeof(trunc), "%s: unexpected end of input", k->name);
	/*
	 * A damaged stream may also read as one that stops too early.  Where
	 * a decoder notices a flipped data byte is its own affair: at the
	 * byte or after it, never before, and within the input.
	 */
	for (size_t i = 0; i < sizeof(flips) / sizeof(flips[0]); i++) {
		struct diags d;
		struct diag g;

		z.p[flips[i]] ^= 0x55;
		g = expect_fail(&z, k->c, SIZE_MAX, &d);
		if (strcmp(g.text, trunc))
			ck_assert_msg(g.offset >= flips[i] && g.offset < z.n,
				      "\"%s\": offset %#llx, flipped %#zx of %#zx",
				      g.text, (unsigned long long)g.offset,
				      flips[i], z.n);
		else
			ck_assert_uint_eq(g.offset, z.n);
		diags_free(&d);
		z.p[flips[i]] ^= 0x55;
	}
	/* A stored check fails once its last byte is read. */
	z.p[check] ^= 1;
	expect_corrupt(&z, k->c, check_end);
	z.p[check] ^= 1;
	expect_ok(&z, k->c, SIZE_MAX, &raw);
	blob_free(&raw);
	blob_free(&z);
}
END_TEST

START_TEST(corrupt_headers)
{
	struct blob raw = sample(1000, 6);
	struct blob gz = run_tool("gzip -c -n", &raw), zs = run_tool("zstd -q -c", &raw);
	struct blob xz = run_tool("xz -c", &raw);

	gz.p[2] = 7;                        /* compression method */
	expect_msg(&gz, COMPRESSION_GZIP, SIZE_MAX,
		   "gzip data corrupt: unknown compression method", GZIP_METHOD_ERROR);
	zs.p[0] ^= 1;                       /* frame magic */
	expect_corrupt(&zs, COMPRESSION_ZSTD, 0);
	/* Stream flags: a reserved check id, which the header's CRC32 no
	 * longer matches. */
	xz.p[7] = 0x0f;
	expect_corrupt(&xz, COMPRESSION_XZ, XZ_HEADER_LAST);
	/* The wrong decoder for the data. */
	expect_msg(&gz, COMPRESSION_XZ, SIZE_MAX, "xz: not xz data", 0);
	blob_free(&raw); blob_free(&gz); blob_free(&zs); blob_free(&xz);
}
END_TEST

START_TEST(trailing_garbage)
{
	const struct codec *k = &codecs[_i];
	static const char junk[] = "not compressed at all";
	struct blob raw = sample(3000, 8), z = run_tool(k->cmd, &raw);
	size_t end = z.n;

	blob_cat(&z, junk, sizeof(junk) - 1);
	/* gzip: where the next member's magic is not; the others: where
	 * the next stream's magic or padding fails to be what it must. */
	if (k->c == COMPRESSION_GZIP)
		expect_msg(&z, k->c, SIZE_MAX, "gzip: trailing garbage", end);
	else
		expect_corrupt(&z, k->c, GARBAGE_ERROR(k->c, end));
	blob_free(&raw);
	blob_free(&z);
}
END_TEST

START_TEST(output_limit)
{
	const struct codec *k = &codecs[_i];
	struct blob raw = sample(1 << 20, 9), z = run_tool(k->cmd, &raw);
	struct blob big = zeros((1 << 20) + 1), zbig = run_tool(k->cmd, &big);
	struct blob bomb = zeros(64 << 20), zbomb = run_tool(k->cmd, &bomb);

	/* A limit is about the output: no input offset. */
	expect_ok(&z, k->c, 1 << 20, &raw);             /* exactly the limit */
	expect_msg(&z, k->c, (1 << 20) - 1, "output exceeds 1048575 B limit", DIAG_NO_OFFSET);
	expect_msg(&z, k->c, 64 << 10, "output exceeds 64 KiB limit", DIAG_NO_OFFSET);
	expect_msg(&zbig, k->c, 1 << 20, "output exceeds 1 MiB limit", DIAG_NO_OFFSET);
	expect_msg(&zbomb, k->c, 16 << 20, "output exceeds 16 MiB limit", DIAG_NO_OFFSET);
	expect_msg(&zbig, k->c, 0, "output exceeds 0 B limit", DIAG_NO_OFFSET);
	blob_free(&raw); blob_free(&z); blob_free(&big); blob_free(&zbig);
	blob_free(&bomb); blob_free(&zbomb);
}
END_TEST

START_TEST(uncompressed_is_copied)
{
	struct blob raw = sample(4096, 10), empty = { NULL, 0 };

	expect_ok(&raw, COMPRESSION_NONE, 4096, &raw);
	expect_msg(&raw, COMPRESSION_NONE, 4095, "output exceeds 4095 B limit",
		   DIAG_NO_OFFSET);
	expect_ok(&empty, COMPRESSION_NONE, 0, &empty);
	blob_free(&raw);
}
END_TEST

static Suite *decompress_suite(void)
{
	Suite *s = suite_create("decompress");
	TCase *tc = tcase_create("decompress");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, detect_by_magic);
	tcase_add_loop_test(tc, round_trip, 0, NCODECS);
	tcase_add_test(tc, round_trip_tool_options);
	tcase_add_loop_test(tc, concatenated_streams, 0, NCODECS);
	tcase_add_test(tc, xz_stream_padding);
	tcase_add_loop_test(tc, truncated, 0, NCODECS);
	tcase_add_loop_test(tc, corrupt_data, 0, NCODECS);
	tcase_add_test(tc, corrupt_headers);
	tcase_add_loop_test(tc, trailing_garbage, 0, NCODECS);
	tcase_add_loop_test(tc, output_limit, 0, NCODECS);
	tcase_add_test(tc, uncompressed_is_copied);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(decompress_suite)

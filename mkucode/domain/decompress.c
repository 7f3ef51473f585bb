// SPDX-License-Identifier: GPL-2.0-or-later
/* gzip (zlib), xz (liblzma) and zstd (libzstd) into one malloc'd buffer. */
#include "domain/decompress.h"

#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lzma.h>
#define ZLIB_CONST
#include <zlib.h>
#include <zstd.h>

#include "util/diag.h"

#define KIB ((size_t)1024)
#define MIB (KIB * 1024)
/* liblzma may allocate what a stream's header asks for; cap it. */
#define XZ_MEMLIMIT ((uint64_t)1024 * MIB)

enum compression compression_detect(const uint8_t *p, size_t n)
{
	static const uint8_t xz[6] = { 0xfd, '7', 'z', 'X', 'Z', 0x00 };

	if (n >= 2 && p[0] == 0x1f && p[1] == 0x8b)
		return COMPRESSION_GZIP;
	if (n >= sizeof(xz) && !memcmp(p, xz, sizeof(xz)))
		return COMPRESSION_XZ;
	/* A zstd frame, or a skippable frame (0x184d2a50..5f) before one. */
	if (n >= 4 && p[1] == 0xb5 && p[2] == 0x2f && p[3] == 0xfd &&
	    p[0] == 0x28)
		return COMPRESSION_ZSTD;
	if (n >= 4 && (p[0] & 0xf0) == 0x50 && p[1] == 0x2a && p[2] == 0x4d &&
	    p[3] == 0x18)
		return COMPRESSION_ZSTD;
	return COMPRESSION_NONE;
}

const char *compression_name(enum compression c)
{
	switch (c) {
	case COMPRESSION_NONE:
		return "none";
	case COMPRESSION_GZIP:
		return "gzip";
	case COMPRESSION_XZ:
		return "xz";
	case COMPRESSION_ZSTD:
		return "zstd";
	}
	return "unknown";
}

/* Where the caller's problem is: the file named in every diagnostic. */
struct report {
	struct diags *d;
	const char *file;
};

__attribute__((format(printf, 3, 4)))
static int fail_at(const struct report *rp, uint64_t offset, const char *fmt, ...)
{
	char text[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	return diag_add(rp->d, DIAG_ERROR, rp->file, offset, 0, 0, "%s", text);
}

static int limit_err(const struct report *rp, size_t limit)
{
	if (limit >= MIB && limit % MIB == 0)
		return fail_at(rp, DIAG_NO_OFFSET, "output exceeds %zu MiB limit",
			       limit / MIB);
	if (limit >= KIB && limit % KIB == 0)
		return fail_at(rp, DIAG_NO_OFFSET, "output exceeds %zu KiB limit",
			       limit / KIB);
	return fail_at(rp, DIAG_NO_OFFSET, "output exceeds %zu B limit", limit);
}

static int out_of_memory(const struct report *rp)
{
	return fail_at(rp, DIAG_NO_OFFSET, "out of memory");
}

/* The growing output: never more than limit + 1 bytes, so that one byte
 * too many is seen without decoding the rest of a bomb. */
struct obuf {
	uint8_t *p;
	size_t len, cap, max, limit;
};

static int obuf_init(struct obuf *o, size_t in_len, size_t limit)
{
	size_t want = in_len > SIZE_MAX / 4 ? SIZE_MAX : in_len * 4;

	o->limit = limit;
	o->max = limit == SIZE_MAX ? SIZE_MAX : limit + 1;
	if (want < 64 * KIB)
		want = 64 * KIB;
	if (want > 64 * MIB)
		want = 64 * MIB;
	if (want > o->max)
		want = o->max;
	o->len = 0;
	o->cap = want;
	o->p = malloc(want);
	return o->p ? 0 : -1;
}

/* Make room for at least one more byte.  0, or -1 after an error. */
static int obuf_room(struct obuf *o, const struct report *rp)
{
	size_t cap;
	uint8_t *p;

	if (o->len < o->cap)
		return 0;
	if (o->cap >= o->max)
		return limit_err(rp, o->limit);
	cap = o->cap > o->max / 2 ? o->max : o->cap * 2;
	p = realloc(o->p, cap);
	if (!p)
		return out_of_memory(rp);
	o->p = p;
	o->cap = cap;
	return 0;
}

/* After decoding: more than limit bytes out is an error. */
static int obuf_check(const struct obuf *o, const struct report *rp)
{
	return o->len > o->limit ? limit_err(rp, o->limit) : 0;
}

static void obuf_finish(struct obuf *o, uint8_t **out, size_t *out_len)
{
	uint8_t *p = realloc(o->p, o->len ? o->len : 1);

	*out = p ? p : o->p;
	*out_len = o->len;
	o->p = NULL;
}

static unsigned int clamp_uint(size_t n)
{
	return n > UINT_MAX ? UINT_MAX : (unsigned int)n;
}

static int gunzip(const uint8_t *in, size_t n, struct obuf *o,
		  const struct report *rp)
{
	z_stream z;
	size_t pos = 0;
	int ret, rc = -1;

	memset(&z, 0, sizeof(z));
	if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK)
		return fail_at(rp, DIAG_NO_OFFSET, "gzip: cannot initialise zlib");
	for (;;) {
		unsigned int in_avail, out_avail;

		if (obuf_room(o, rp))
			goto out;
		in_avail = clamp_uint(n - pos);
		out_avail = clamp_uint(o->cap - o->len);
		z.next_in = in + pos;
		z.avail_in = in_avail;
		z.next_out = o->p + o->len;
		z.avail_out = out_avail;
		ret = inflate(&z, Z_NO_FLUSH);
		pos += in_avail - z.avail_in;
		o->len += out_avail - z.avail_out;
		if (obuf_check(o, rp))
			goto out;
		switch (ret) {
		case Z_OK:
			continue;
		case Z_STREAM_END:
			if (pos == n) {
				rc = 0;
				goto out;
			}
			/* Another member, or bytes that belong to none. */
			if (n - pos < 2 || in[pos] != 0x1f || in[pos + 1] != 0x8b) {
				fail_at(rp, pos, "gzip: trailing garbage");
				goto out;
			}
			inflateReset(&z);
			continue;
		case Z_BUF_ERROR:
			if (z.avail_out == 0)
				continue;          /* room is made above */
			if (pos == n) {
				fail_at(rp, n, "gzip: unexpected end of input");
				goto out;
			}
			break;
		case Z_MEM_ERROR:
			out_of_memory(rp);
			goto out;
		default:
			break;
		}
		/* zlib has consumed the byte it could not take. */
		fail_at(rp, pos ? pos - 1 : 0, "gzip data corrupt%s%s",
			z.msg ? ": " : "", z.msg ? z.msg : "");
		goto out;
	}
out:
	inflateEnd(&z);
	return rc;
}

/*
 * liblzma takes whole headers, blocks and indexes before judging them, so
 * its input count at an error is past the bad byte.  As for zstd below:
 * decode again a byte at a time, discarding output, for the input byte whose
 * arrival made the decoder fail; fallback when that pass does not fail.
 */
static uint64_t xz_error_offset(const uint8_t *in, size_t n, uint64_t fallback)
{
	lzma_stream s = LZMA_STREAM_INIT;
	uint8_t scratch[4096];
	uint64_t off = fallback;

	if (lzma_stream_decoder(&s, XZ_MEMLIMIT, LZMA_CONCATENATED) != LZMA_OK)
		return fallback;
	for (size_t fed = 0; fed < n; fed++) {
		lzma_ret ret;

		s.next_in = in + fed;
		s.avail_in = 1;
		do {
			s.next_out = scratch;
			s.avail_out = sizeof(scratch);
			ret = lzma_code(&s, LZMA_RUN);
		} while (ret == LZMA_OK && s.avail_out == 0);
		if (ret != LZMA_OK && ret != LZMA_STREAM_END) {
			off = fed;
			break;
		}
	}
	lzma_end(&s);
	return off;
}

static int unxz(const uint8_t *in, size_t n, struct obuf *o,
		const struct report *rp)
{
	lzma_stream s = LZMA_STREAM_INIT;
	lzma_ret ret;
	int rc = -1;

	if (lzma_stream_decoder(&s, XZ_MEMLIMIT, LZMA_CONCATENATED) != LZMA_OK) {
		return fail_at(rp, DIAG_NO_OFFSET, "xz: cannot initialise liblzma");
	}
	/* All input is here: finish from the start. */
	s.next_in = in;
	s.avail_in = n;
	for (;;) {
		size_t out_avail;

		if (obuf_room(o, rp))
			goto out;
		out_avail = o->cap - o->len;
		s.next_out = o->p + o->len;
		s.avail_out = out_avail;
		ret = lzma_code(&s, LZMA_FINISH);
		o->len += out_avail - s.avail_out;
		if (obuf_check(o, rp))
			goto out;
		switch (ret) {
		case LZMA_OK:
			continue;
		case LZMA_STREAM_END:
			rc = 0;
			goto out;
		case LZMA_BUF_ERROR:
			if (s.avail_out == 0)
				continue;
			fail_at(rp, n, "xz: unexpected end of input");
			goto out;
		case LZMA_MEM_ERROR:
			out_of_memory(rp);
			goto out;
		case LZMA_MEMLIMIT_ERROR:
			fail_at(rp, DIAG_NO_OFFSET, "xz: decoding needs %llu MiB of memory, over the %llu MiB limit",
				(unsigned long long)(lzma_memusage(&s) / MIB),
				(unsigned long long)(XZ_MEMLIMIT / MIB));
			goto out;
		case LZMA_FORMAT_ERROR:
			/* Only the first stream's header can give this. */
			fail_at(rp, 0, "xz: not xz data");
			goto out;
		case LZMA_OPTIONS_ERROR:
			fail_at(rp, xz_error_offset(in, n, s.total_in),
				"xz: unsupported options");
			goto out;
		default:
			fail_at(rp, xz_error_offset(in, n, s.total_in),
				"xz data corrupt");
			goto out;
		}
	}
out:
	lzma_end(&s);
	return rc;
}

/*
 * libzstd leaves the input position alone when a call fails, so after an
 * error the position is only that of the call's start.  Errors are rare:
 * decode again a byte at a time, discarding output, to find the input
 * byte whose arrival made the decoder fail.  Returns fallback when the
 * second pass does not fail (it cannot, but be safe).
 */
static size_t zstd_error_offset(const uint8_t *in, size_t n, size_t fallback)
{
	ZSTD_DCtx *d = ZSTD_createDCtx();
	size_t scratch_len = ZSTD_DStreamOutSize(), off = fallback;
	uint8_t *scratch = malloc(scratch_len);
	ZSTD_inBuffer zi = { in, 0, 0 };

	if (!d || !scratch)
		goto out;
	while (zi.size < n) {
		ZSTD_outBuffer zo = { scratch, scratch_len, 0 };
		size_t ret;

		zi.size++;
		do {
			zo.pos = 0;
			ret = ZSTD_decompressStream(d, &zo, &zi);
			if (ZSTD_isError(ret)) {
				off = zi.size - 1;
				goto out;
			}
		} while (zo.pos == zo.size);
	}
out:
	free(scratch);
	ZSTD_freeDCtx(d);
	return off;
}

static int unzstd(const uint8_t *in, size_t n, struct obuf *o,
		  const struct report *rp)
{
	ZSTD_DCtx *d = ZSTD_createDCtx();
	ZSTD_inBuffer zi = { in, n, 0 };
	size_t ret = 1;
	int rc = -1;

	if (!d)
		return out_of_memory(rp);
	for (;;) {
		ZSTD_outBuffer zo;

		if (zi.pos == zi.size && ret == 0) {   /* every frame flushed */
			rc = 0;
			goto out;
		}
		if (obuf_room(o, rp))
			goto out;
		zo.dst = o->p;
		zo.size = o->cap;
		zo.pos = o->len;
		ret = ZSTD_decompressStream(d, &zo, &zi);
		o->len = zo.pos;
		if (obuf_check(o, rp))
			goto out;
		if (ZSTD_isError(ret)) {
			fail_at(rp, zstd_error_offset(in, n, zi.pos),
				"zstd data corrupt: %s", ZSTD_getErrorName(ret));
			goto out;
		}
		/* No input left, room for output, yet the frame is not done. */
		if (zi.pos == zi.size && ret != 0 && zo.pos < zo.size) {
			fail_at(rp, n, "zstd: unexpected end of input");
			goto out;
		}
	}
out:
	ZSTD_freeDCtx(d);
	return rc;
}

int decompress(const uint8_t *in, size_t n, enum compression c, size_t limit,
	       uint8_t **out, size_t *out_len, const char *file, struct diags *d)
{
	const struct report rp = { d, file };
	struct obuf o;
	int rc;

	if (c == COMPRESSION_NONE) {
		uint8_t *p;

		if (n > limit)
			return limit_err(&rp, limit);
		p = malloc(n ? n : 1);
		if (!p)
			return out_of_memory(&rp);
		if (n)
			memcpy(p, in, n);
		*out = p;
		*out_len = n;
		return 0;
	}
	if (n == 0)
		return fail_at(&rp, 0, "%s: unexpected end of input",
			       compression_name(c));
	if (obuf_init(&o, n, limit))
		return out_of_memory(&rp);
	switch (c) {
	case COMPRESSION_GZIP:
		rc = gunzip(in, n, &o, &rp);
		break;
	case COMPRESSION_XZ:
		rc = unxz(in, n, &o, &rp);
		break;
	case COMPRESSION_ZSTD:
		rc = unzstd(in, n, &o, &rp);
		break;
	default:
		rc = fail_at(&rp, DIAG_NO_OFFSET, "unknown compression %d", (int)c);
		break;
	}
	if (rc) {
		free(o.p);
		return -1;
	}
	obuf_finish(&o, out, out_len);
	return 0;
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Compressed firmware files: detect by magic, decompress into memory. */
#ifndef MKUCODE_DECOMPRESS_H
#define MKUCODE_DECOMPRESS_H

#include <stddef.h>
#include <stdint.h>

enum compression {
	COMPRESSION_NONE,
	COMPRESSION_GZIP,
	COMPRESSION_XZ,
	COMPRESSION_ZSTD,
};

/* By magic bytes only; never by name. */
enum compression compression_detect(const uint8_t *p, size_t n);
const char *compression_name(enum compression c);

struct diags;

/*
 * Decompress all of in (one or more concatenated streams/frames) into a
 * malloc'd buffer.  Output beyond limit bytes is an error (a bomb guard).
 * Returns 0, or -1 after one error on d about file: its offset is the
 * input byte at which the decoder failed (n: the input ended too soon),
 * or DIAG_NO_OFFSET (limits, memory).
 */
int decompress(const uint8_t *in, size_t n, enum compression c, size_t limit,
	       uint8_t **out, size_t *out_len, const char *file,
	       struct diags *d);

#endif /* MKUCODE_DECOMPRESS_H */

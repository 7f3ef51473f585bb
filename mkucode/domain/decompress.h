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

/*
 * Decompress all of in (one or more concatenated streams/frames) into a
 * malloc'd buffer.  Output beyond limit bytes is an error (a bomb guard).
 * Returns 0, or -1 with *err set to a malloc'd message that names the
 * byte offset in the input where the problem was found when known.
 */
int decompress(const uint8_t *in, size_t n, enum compression c, size_t limit,
	       uint8_t **out, size_t *out_len, char **err);

#endif /* MKUCODE_DECOMPRESS_H */

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Reading whole files; writing all of a buffer. */
#ifndef MKUCODE_UTIL_FILEIO_H
#define MKUCODE_UTIL_FILEIO_H

#include <stddef.h>
#include <stdint.h>
#include "util/diag.h"

/* Whole file into memory (malloc'd).  0, or -1 after an error in d. */
int read_file(const char *path, uint8_t **data, size_t *len, struct diags *d);

/*
 * A regular file mapped read-only (*mapped = its mapping's length, for
 * munmap), else read into memory as read_file does (*mapped = 0, free()).
 * Mapping saves copying tens of megabytes of firmware.  0, or -1 after an
 * error in d.
 */
int map_file(const char *path, uint8_t **data, size_t *len, size_t *mapped,
	     struct diags *d);

/* A run of bytes to write that lives elsewhere (an iovec, but const). */
struct piece {
	const void *data;
	size_t len;
};

/* pwrite all of [p, p+len) at off; 0, or -1 with errno set. */
int write_all_at(int fd, const void *p, size_t len, uint64_t off);
/*
 * The same for n iovecs (which it consumes) at offset at, or with writev in
 * order when fd is standard output (a pipe has no offsets).
 */
struct iovec;
int write_all_vec(int fd, struct iovec *iov, int n, uint64_t at);

#endif /* MKUCODE_UTIL_FILEIO_H */

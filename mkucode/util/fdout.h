/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Buffered sequential output to a file descriptor. */
#ifndef MKUCODE_UTIL_FDOUT_H
#define MKUCODE_UTIL_FDOUT_H

#include <stddef.h>
#include <stdint.h>

/*
 * Buffered sequential output to a file descriptor: small writes gather in
 * a buffer, large ones go straight out.  The first failure sticks (err is
 * its errno) and later writes do nothing.
 */
struct fd_out {
	int fd;
	uint64_t off;          /* bytes produced so far */
	uint64_t kicked;       /* handed to writeback up to here */
	uint8_t *buf;
	size_t n;
	int err;
};

void fd_out_init(struct fd_out *o, int fd);
int fd_out_put(struct fd_out *o, const void *data, size_t len);
/* Flush, hand what is left to writeback, free the buffer; 0, or -1 with
 * errno set. */
int fd_out_finish(struct fd_out *o);

/* Start writing [from, to) of fd back to disk; advice only, never fails. */
void start_writeback(int fd, uint64_t from, uint64_t to);

#endif /* MKUCODE_UTIL_FDOUT_H */

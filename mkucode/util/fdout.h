/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Buffered sequential output to a file descriptor. */
#ifndef MKUCODE_UTIL_FDOUT_H
#define MKUCODE_UTIL_FDOUT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#define FD_OUT_IOV 64

/*
 * Buffered sequential output to a file descriptor: small writes are copied
 * into a buffer, data that stays put is referenced, and both go out
 * together in large vectored writes.  The first failure sticks (err is its
 * errno) and later writes do nothing.
 */
struct fd_out {
	int fd;
	uint64_t off;          /* bytes produced so far */
	uint64_t kicked;       /* handed to writeback up to here */
	uint8_t *buf;          /* copies, n bytes used */
	size_t n;
	struct iovec iov[FD_OUT_IOV];  /* queued, not yet written */
	int niov;
	size_t queued;         /* bytes in iov */
	int err;
};

void fd_out_init(struct fd_out *o, int fd);
/* Copy len bytes at data into the output; 0, or -1 (o->err says why). */
int fd_out_put(struct fd_out *o, const void *data, size_t len);
/* The same without a copy: data must stay unchanged until fd_out_finish(). */
int fd_out_put_ref(struct fd_out *o, const void *data, size_t len);
/* Flush, hand what is left to writeback, free the buffer; 0, or -1 with
 * errno set. */
int fd_out_finish(struct fd_out *o);

/* Start writing [from, to) of fd back to disk; advice only, never fails. */
void start_writeback(int fd, uint64_t from, uint64_t to);

#endif /* MKUCODE_UTIL_FDOUT_H */

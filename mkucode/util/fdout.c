// SPDX-License-Identifier: GPL-2.0-or-later
/* Buffered sequential output with writeback as it goes. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "util/alloc.h"
#include "util/fdout.h"
#include "util/fileio.h"

/* Copies of small writes gather here; referenced data is never copied. */
#define FD_OUT_BUF (256u * 1024)
/* What is queued goes out in one system call once it is this much. */
#define FD_OUT_CHUNK ((size_t)1 << 20)
/*
 * Written data goes to writeback in steps this large as it is produced, so
 * the disk works while we do and the closing fsync finds little left.
 */
#define FD_OUT_KICK ((uint64_t)256 << 10)

void start_writeback(int fd, uint64_t from, uint64_t to)
{
	if (to > from)
		(void)sync_file_range(fd, (off_t)from, (off_t)(to - from),
				      SYNC_FILE_RANGE_WRITE);
}

void fd_out_init(struct fd_out *o, int fd)
{
	memset(o, 0, sizeof(*o));
	o->fd = fd;
	o->buf = xmalloc(FD_OUT_BUF);
}

static int fd_out_flush(struct fd_out *o)
{
	if (o->err)
		return -1;
	if (o->niov && write_all_vec(o->fd, o->iov, o->niov, o->off - o->queued)) {
		o->err = errno;
		return -1;
	}
	o->niov = 0;
	o->queued = 0;
	o->n = 0;
	if (o->fd != STDOUT_FILENO && o->off - o->kicked >= FD_OUT_KICK) {
		start_writeback(o->fd, o->kicked, o->off);
		o->kicked = o->off;
	}
	return 0;
}

/* Queue [p, p + len), which stays as it is until the next flush. */
static int queue(struct fd_out *o, const uint8_t *p, size_t len)
{
	struct iovec *last = o->niov ? &o->iov[o->niov - 1] : NULL;

	/* Consecutive copies, or updates next to each other in one file. */
	if (last && (const uint8_t *)last->iov_base + last->iov_len == p) {
		last->iov_len += len;
	} else {
		if (o->niov == FD_OUT_IOV && fd_out_flush(o))
			return -1;
		/* iov_base is not const; writev only reads it. */
		o->iov[o->niov++] = (struct iovec){ (void *)(uintptr_t)p, len };
	}
	o->queued += len;
	o->off += len;
	return o->queued >= FD_OUT_CHUNK ? fd_out_flush(o) : 0;
}

int fd_out_put(struct fd_out *o, const void *data, size_t len)
{
	if (o->err)
		return -1;
	if (!len)
		return 0;
	if ((len > FD_OUT_BUF - o->n || o->niov == FD_OUT_IOV) && fd_out_flush(o))
		return -1;
	/* Too big to copy: out before the caller can change it. */
	if (len > FD_OUT_BUF)
		return queue(o, data, len) || fd_out_flush(o) ? -1 : 0;
	memcpy(o->buf + o->n, data, len);
	o->n += len;
	return queue(o, o->buf + o->n - len, len);
}

int fd_out_put_ref(struct fd_out *o, const void *data, size_t len)
{
	if (o->err)
		return -1;
	return len ? queue(o, data, len) : 0;
}

int fd_out_finish(struct fd_out *o)
{
	int r = fd_out_flush(o);

	/* The tail goes to writeback too; the disk works while callers check. */
	if (!r && o->fd != STDOUT_FILENO)
		start_writeback(o->fd, o->kicked, o->off);

	free(o->buf);
	o->buf = NULL;
	if (r)
		errno = o->err;
	return r;
}

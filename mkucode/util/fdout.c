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

static int write_all(int fd, const void *data, size_t len)
{
	const uint8_t *p = data;

	while (len) {
		ssize_t w = write(fd, p, len);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

#define FD_OUT_BUF (256u * 1024)
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

/* Pipes have no offsets: standard output is written in order. */
static int fd_out_write(struct fd_out *o, const void *p, size_t len, uint64_t at)
{
	int r = o->fd == STDOUT_FILENO ? write_all(o->fd, p, len)
				       : write_all_at(o->fd, p, len, at);

	if (r) {
		o->err = errno;
		return r;
	}
	if (o->fd != STDOUT_FILENO && at + len - o->kicked >= FD_OUT_KICK) {
		start_writeback(o->fd, o->kicked, at + len);
		o->kicked = at + len;
	}
	return 0;
}

static int fd_out_flush(struct fd_out *o)
{
	if (o->err)
		return -1;
	if (o->n && fd_out_write(o, o->buf, o->n, o->off - o->n))
		return -1;
	o->n = 0;
	return 0;
}

int fd_out_put(struct fd_out *o, const void *data, size_t len)
{
	if (o->err)
		return -1;
	if (o->n + len > FD_OUT_BUF && fd_out_flush(o))
		return -1;
	o->off += len;
	if (len >= FD_OUT_BUF)
		return fd_out_write(o, data, len, o->off - len);
	memcpy(o->buf + o->n, data, len);
	o->n += len;
	return 0;
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

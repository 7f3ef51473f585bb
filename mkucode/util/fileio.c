// SPDX-License-Identifier: GPL-2.0-or-later
/* Reading whole files, mapped where they can be. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>
#include "util/alloc.h"
#include "util/fileio.h"
#include "util/diag.h"

int read_file(const char *path, uint8_t **data, size_t *len, struct diags *d)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	uint8_t *buf = NULL;
	size_t cap = 0, n = 0;
	struct stat st;

	if (fd < 0)
		return diag_error(d, path, "%s", strerror(errno));
	/* One read for a regular file; growth for pipes and /proc. */
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0)
		grow(&buf, &cap, (size_t)st.st_size + 1, 1);
	for (;;) {
		ssize_t r;

		if (n == cap)
			grow(&buf, &cap, n + 65536, 1);
		r = read(fd, buf + n, cap - n);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			diag_add(d, DIAG_ERROR, path, n, 0, 0, "read error: %s",
				 strerror(errno));
			free(buf);
			close(fd);
			return -1;
		}
		if (!r)
			break;
		n += (size_t)r;
	}
	close(fd);
	*data = buf ? buf : xmalloc(1);
	*len = n;
	return 0;
}

int map_file(const char *path, uint8_t **data, size_t *len, size_t *mapped,
	     struct diags *d)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	void *m;

	*mapped = 0;
	if (fd < 0)
		return diag_error(d, path, "%s", strerror(errno));
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_size <= 0 ||
	    (uintmax_t)st.st_size > SIZE_MAX) {
		close(fd);
		return read_file(path, data, len, d);
	}
	/*
	 * Not MAP_POPULATE: faulting maps cached pages in 64 KiB batches as the
	 * checksums reach them, where populating walks every page twice.
	 */
	m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (m == MAP_FAILED)
		return read_file(path, data, len, d);
	*data = m;
	*len = *mapped = (size_t)st.st_size;
	return 0;
}

int write_all_vec(int fd, struct iovec *iov, int n, uint64_t at)
{
	for (;;) {
		ssize_t w;

		/* Empty vectors write nothing: a 0 return is no full disk. */
		for (; n && !iov->iov_len; iov++, n--)
			;
		if (!n)
			return 0;
		w = fd == STDOUT_FILENO ? writev(fd, iov, n)
					: pwritev(fd, iov, n, (off_t)at);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (!w) {
			errno = EIO;
			return -1;
		}
		at += (uint64_t)w;
		for (; n && (size_t)w >= iov->iov_len; iov++, n--)
			w -= (ssize_t)iov->iov_len;
		if (n) {
			iov->iov_base = (uint8_t *)iov->iov_base + w;
			iov->iov_len -= (size_t)w;
		}
	}
}

int write_all_at(int fd, const void *data, size_t len, uint64_t off)
{
	struct iovec iov = { (void *)(uintptr_t)data, len };

	return write_all_vec(fd, &iov, 1, off);
}

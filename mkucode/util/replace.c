// SPDX-License-Identifier: GPL-2.0-or-later
/* Replacing a file atomically. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include "util/alloc.h"
#include "util/fdout.h"
#include "util/fileio.h"
#include "util/msg.h"
#include "util/replace.h"

int replace_begin(struct replacement *r, const char *path)
{
	struct stat st;
	mode_t mode = 0644;

	memset(r, 0, sizeof(*r));
	r->path = path;
	r->fd = STDOUT_FILENO;
	if (!strcmp(path, "-"))
		return 0;
	if (stat(path, &st) == 0) {
		if (!S_ISREG(st.st_mode))
			return error("%s: not a regular file, refusing to replace it",
				     path);
		mode = st.st_mode & 07777;
	}
	r->tmp = xasprintf("%s.mkucode-XXXXXX", path);
	r->fd = mkstemp(r->tmp);
	if (r->fd < 0) {
		error("%s: cannot create a temporary file: %s", path,
		      strerror(errno));
		free(r->tmp);
		r->tmp = NULL;
		return -1;
	}
	if (fchmod(r->fd, mode)) {
		error("%s: %s", r->tmp, strerror(errno));
		replace_abort(r);
		return -1;
	}
	return 0;
}

void replace_abort(struct replacement *r)
{
	if (!r->tmp)
		return;
	if (r->fd >= 0)
		close(r->fd);
	unlink(r->tmp);
	free(r->tmp);
	r->tmp = NULL;
}

int replace_write(struct replacement *r, int (*produce)(int fd, void *ctx),
		  int (*verify)(const void *data, size_t len, void *ctx),
		  void *ctx)
{
	off_t len;
	void *m;
	int bad;

	if (!r->tmp) {
		if (produce(r->fd, ctx))
			return error("standard output: %s", strerror(errno));
		return 0;
	}
	if (produce(r->fd, ctx))
		goto fail_errno;
	if (!verify)
		return 0;
	len = lseek(r->fd, 0, SEEK_END);
	m = len > 0 ? mmap(NULL, (size_t)len, PROT_READ, MAP_SHARED, r->fd, 0)
		    : MAP_FAILED;
	if (m == MAP_FAILED)
		goto fail_errno;
	bad = verify(m, (size_t)len, ctx);
	munmap(m, (size_t)len);
	if (bad) {
		replace_abort(r);
		return -1;
	}
	return 0;

fail_errno:
	error("%s: %s", r->tmp, strerror(errno));
	replace_abort(r);
	return -1;
}

/*
 * The file a rename is about to replace gives back its cached pages inside
 * rename(), which then waits on it.  Dropping them first, while the disk is
 * still busy with our data, takes that off the end (about 1 ms per 15 MB).
 * Not for a symlink (rename replaces the link) or a file with other names
 * (it lives on).
 */
static void drop_replaced_cache(const char *path)
{
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	struct stat st;

	if (fd < 0)
		return;
	if (!fstat(fd, &st) && S_ISREG(st.st_mode) && st.st_nlink == 1)
		(void)posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
	close(fd);
}

int replace_commit(struct replacement *r)
{
	char *copy;
	int dfd, saved;

	if (!r->tmp)
		return 0;
	drop_replaced_cache(r->path);
	if (fsync(r->fd)) {
		saved = errno;
		error("%s: %s", r->tmp, strerror(saved));
		replace_abort(r);
		return -1;
	}
	if (close(r->fd) || rename(r->tmp, r->path)) {
		saved = errno;
		r->fd = -1;     /* closed either way */
		error("%s: %s", r->path, strerror(saved));
		replace_abort(r);
		return -1;
	}
	free(r->tmp);
	r->tmp = NULL;
	/* The rename is durable only once the directory is on disk. */
	copy = xstrdup(r->path);
	dfd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		(void)fsync(dfd);
		close(dfd);
	}
	free(copy);
	return 0;
}

int write_file_atomic_with(const char *path, int (*produce)(int fd, void *ctx),
			   int (*verify)(const void *data, size_t len, void *ctx),
			   void *ctx)
{
	struct replacement r;

	if (replace_begin(&r, path) || replace_write(&r, produce, verify, ctx))
		return -1;
	return replace_commit(&r);
}

struct pieces {
	const struct piece *p;
	size_t n;
};

static int produce_pieces(int fd, void *ctx)
{
	const struct pieces *ps = ctx;
	struct fd_out o;

	fd_out_init(&o, fd);
	for (size_t i = 0; i < ps->n; i++)
		fd_out_put(&o, ps->p[i].data, ps->p[i].len);
	return fd_out_finish(&o);
}

int write_pieces_atomic(const char *path, const struct piece *p, size_t n)
{
	struct pieces ps = { p, n };

	return write_file_atomic_with(path, produce_pieces, NULL, &ps);
}

int write_file_atomic(const char *path, const void *data, size_t len)
{
	struct piece p = { data, len };

	return write_pieces_atomic(path, &p, 1);
}

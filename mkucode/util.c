// SPDX-License-Identifier: GPL-2.0-or-later
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

const char *program_name = "mkucode";
bool quiet;

static void vmsg(const char *prefix, const char *fmt, va_list ap)
{
	fprintf(stderr, "%s: %s", program_name, prefix);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

int error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg("", fmt, ap);
	va_end(ap);
	return -1;
}

void warning(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg("warning: ", fmt, ap);
	va_end(ap);
}

void note(const char *fmt, ...)
{
	va_list ap;

	if (quiet)
		return;
	va_start(ap, fmt);
	vmsg("", fmt, ap);
	va_end(ap);
}

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p) {
		error("out of memory");
		exit(EXIT_ERROR);
	}
	return p;
}

void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p) {
		error("out of memory");
		exit(EXIT_ERROR);
	}
	return p;
}

char *xstrdup(const char *s)
{
	size_t n = strlen(s) + 1;

	return memcpy(xmalloc(n), s, n);
}

char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0) {
		error("out of memory");
		exit(EXIT_ERROR);
	}
	va_end(ap);
	return s;
}

void grow(void *array, size_t *cap, size_t n, size_t size)
{
	void **a = array;

	if (n <= *cap)
		return;
	*cap = *cap ? *cap * 2 : 16;
	if (*cap < n)
		*cap = n;
	if (*cap > SIZE_MAX / size) {
		error("out of memory");
		exit(EXIT_ERROR);
	}
	*a = xrealloc(*a, *cap * size);
}

int read_file(const char *path, uint8_t **data, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	uint8_t *buf = NULL;
	size_t cap = 0, n = 0;
	struct stat st;

	if (fd < 0)
		return error("%s: %s", path, strerror(errno));
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
			error("%s: read error at offset %#zx: %s", path, n,
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

int map_file(const char *path, uint8_t **data, size_t *len, size_t *mapped)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	void *m;

	*mapped = 0;
	if (fd < 0)
		return error("%s: %s", path, strerror(errno));
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_size <= 0 ||
	    (uintmax_t)st.st_size > SIZE_MAX) {
		close(fd);
		return read_file(path, data, len);
	}
	/* Populated at once: one fault-free pass over the page cache. */
	m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE | MAP_POPULATE,
		 fd, 0);
	close(fd);
	if (m == MAP_FAILED)
		return read_file(path, data, len);
	*data = m;
	*len = *mapped = (size_t)st.st_size;
	return 0;
}

int write_all_at(int fd, const void *data, size_t len, uint64_t off)
{
	const uint8_t *p = data;

	while (len) {
		ssize_t w = pwrite(fd, p, len, (off_t)off);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (!w) {
			errno = EIO;
			return -1;
		}
		p += w;
		len -= (size_t)w;
		off += (uint64_t)w;
	}
	return 0;
}

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

// SPDX-License-Identifier: GPL-2.0-or-later
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

int write_file_atomic(const char *path, const void *data, size_t len)
{
	char *copy, *dir, *tmp;
	struct stat st;
	mode_t mode = 0644;
	int fd, dfd, saved;

	if (!strcmp(path, "-")) {
		if (write_all(STDOUT_FILENO, data, len) || fflush(stdout))
			return error("standard output: %s", strerror(errno));
		return 0;
	}
	if (stat(path, &st) == 0) {
		if (!S_ISREG(st.st_mode))
			return error("%s: not a regular file, refusing to replace it",
				     path);
		mode = st.st_mode & 07777;
	}
	copy = xstrdup(path);
	dir = dirname(copy);
	tmp = xasprintf("%s.mkucode-XXXXXX", path);
	fd = mkstemp(tmp);
	if (fd < 0) {
		error("%s: cannot create a temporary file: %s", path,
		      strerror(errno));
		goto fail_free;
	}
	if (fchmod(fd, mode) || write_all(fd, data, len) || fsync(fd)) {
		saved = errno;
		close(fd);
		unlink(tmp);
		error("%s: %s", tmp, strerror(saved));
		goto fail_free;
	}
	if (close(fd) || rename(tmp, path)) {
		saved = errno;
		unlink(tmp);
		error("%s: %s", path, strerror(saved));
		goto fail_free;
	}
	/* The rename is durable only once the directory is on disk. */
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		(void)fsync(dfd);
		close(dfd);
	}
	free(tmp);
	free(copy);
	return 0;

fail_free:
	free(tmp);
	free(copy);
	return -1;
}

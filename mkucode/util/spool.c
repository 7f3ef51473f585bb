// SPDX-License-Identifier: GPL-2.0-or-later
/* A stream copied into a temporary file, to be read as a file. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/alloc.h"
#include "util/fileio.h"
#include "util/spool.h"

#define CHUNK ((size_t)64 << 10)

bool spool_needed(int fd)
{
	struct stat st;

	return !fstat(fd, &st) && (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode));
}

static const char *tmp_dir(void)
{
	const char *t = getenv("TMPDIR");

	return t && *t ? t : "/tmp";
}

static int cannot_keep(const char *name, struct diags *d)
{
	return diag_sys(d, tmp_dir(), errno, "cannot keep a copy of %s", name);
}

static int named_tmpfile(const char *name, char **path, struct diags *d)
{
	char *tmpl = xasprintf("%s/mkucode-spool-XXXXXX", tmp_dir());
	int out = mkostemp(tmpl, O_CLOEXEC);

	if (out < 0) {
		cannot_keep(name, d);
		free(tmpl);
		return -1;
	}
	*path = tmpl;
	return out;
}

int spool_tmpfile(const char *name, struct diags *d)
{
	int out = open(tmp_dir(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	char *path;

	if (out >= 0)
		return out;
	/* A filesystem without O_TMPFILE: a name, gone at once. */
	out = named_tmpfile(name, &path, d);
	if (out >= 0) {
		unlink(path);
		free(path);
	}
	return out;
}

static bool all_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

int spool_write(int out, const void *p, size_t len, uint64_t off,
		const char *name, struct diags *d)
{
	if (!len || all_zero(p, len))
		return 0;
	return write_all_at(out, p, len, off) ? cannot_keep(name, d) : 0;
}

int spool_named(int fd, const char *name, char **path, struct diags *d)
{
	uint8_t *buf = xmalloc(CHUNK);
	uint64_t off = 0;
	int out = named_tmpfile(name, path, d);

	if (out < 0)
		goto fail;
	for (;;) {
		ssize_t k = read(fd, buf, CHUNK);

		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			diag_add(d, DIAG_ERROR, name, off, 0, errno, "read error");
			goto fail;
		}
		if (!k)
			break;
		if (spool_write(out, buf, (size_t)k, off, name, d))
			goto fail;
		off += (uint64_t)k;
	}
	if (ftruncate(out, (off_t)off)) {
		cannot_keep(name, d);
		goto fail;
	}
	free(buf);
	return out;
fail:
	if (out >= 0) {
		unlink(*path);
		free(*path);
		close(out);
	}
	free(buf);
	return -1;
}

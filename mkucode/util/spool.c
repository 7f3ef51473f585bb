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

static bool all_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

/* fd's bytes into out from offset 0; 0, or -1 after an error in d. */
static int copy(int fd, const char *name, int out, struct diags *d)
{
	uint8_t *buf = xmalloc(CHUNK);
	uint64_t off = 0;
	int rc = -1;

	for (;;) {
		ssize_t k = read(fd, buf, CHUNK);

		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			diag_add(d, DIAG_ERROR, name, off, 0, errno, "read error");
			goto out;
		}
		if (!k)
			break;
		/* Zeros need not be written: the file is extended at the end. */
		if (!all_zero(buf, (size_t)k) &&
		    write_all_at(out, buf, (size_t)k, off)) {
			diag_sys(d, tmp_dir(), errno, "cannot keep a copy of %s", name);
			goto out;
		}
		off += (uint64_t)k;
	}
	if (ftruncate(out, (off_t)off)) {
		diag_sys(d, tmp_dir(), errno, "cannot keep a copy of %s", name);
		goto out;
	}
	rc = 0;
out:
	free(buf);
	return rc;
}

int spool_named(int fd, const char *name, char **path, struct diags *d)
{
	char *tmpl = xasprintf("%s/mkucode-spool-XXXXXX", tmp_dir());
	int out = mkostemp(tmpl, O_CLOEXEC);

	if (out < 0) {
		diag_sys(d, tmp_dir(), errno, "cannot keep a copy of %s", name);
		free(tmpl);
		return -1;
	}
	if (copy(fd, name, out, d)) {
		unlink(tmpl);
		free(tmpl);
		close(out);
		return -1;
	}
	*path = tmpl;
	return out;
}

int spool_fd(int fd, const char *name, struct diags *d)
{
	int out = open(tmp_dir(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	char *path;

	if (out < 0) {
		/* A filesystem without O_TMPFILE: a name, gone at once. */
		out = spool_named(fd, name, &path, d);
		if (out >= 0) {
			unlink(path);
			free(path);
		}
		return out;
	}
	if (copy(fd, name, out, d)) {
		close(out);
		return -1;
	}
	return out;
}

// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * LD_PRELOAD fault injection for the image tests.  Counts the calls through
 * which mkucode changes files and, at call number FAULT_AT:
 *   FAULT_MODE=kill  raises SIGKILL before the call runs (a crash there);
 *   FAULT_MODE=eio   fails the call with EIO if it moves data (write,
 *                    pwrite, copy_file_range, FICLONERANGE, fsync);
 *                    otherwise the next such call fails instead.
 * FAULT_LOG=FILE appends "N name" for every counted call, so a test can
 * learn how many points a run has.  Without FAULT_AT nothing is injected.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

static long calls;
static bool eio_armed;

/* Count a call; true when it must fail with EIO. */
static bool fault(const char *name, bool moves_data)
{
	const char *at = getenv("FAULT_AT"), *mode = getenv("FAULT_MODE");
	const char *log = getenv("FAULT_LOG");

	calls++;
	if (log) {
		int saved = errno;
		FILE *f = fopen(log, "a");

		if (f) {
			fprintf(f, "%ld %s\n", calls, name);
			fclose(f);
		}
		errno = saved;
	}
	if (!at || !mode)
		return false;
	if (calls == atol(at)) {
		if (!strcmp(mode, "kill"))
			raise(SIGKILL);
		if (!strcmp(mode, "eio"))
			eio_armed = true;
	}
	if (eio_armed && moves_data) {
		eio_armed = false;
		return true;
	}
	return false;
}

#define REAL(ret, name, ...) \
	static ret (*real)(__VA_ARGS__); \
	if (!real) \
		real = (ret (*)(__VA_ARGS__))dlsym(RTLD_NEXT, name)

#define FAIL_EIO(ret) do { errno = EIO; return ret; } while (0)

/* Standard output and error are the test's channel, not the image's. */
static bool counted_fd(int fd)
{
	return fd > 2;
}

ssize_t write(int fd, const void *buf, size_t n)
{
	REAL(ssize_t, "write", int, const void *, size_t);
	if (counted_fd(fd) && fault("write", true))
		FAIL_EIO(-1);
	return real(fd, buf, n);
}

/* mkucode is built with 64-bit off_t: its pwrite calls are pwrite64. */
ssize_t pwrite64(int fd, const void *buf, size_t n, off_t off)
{
	REAL(ssize_t, "pwrite64", int, const void *, size_t, off_t);
	if (fault("pwrite64", true))
		FAIL_EIO(-1);
	return real(fd, buf, n, off);
}

ssize_t copy_file_range(int in, off_t *ioff, int out, off_t *ooff, size_t n,
			unsigned int flags)
{
	REAL(ssize_t, "copy_file_range", int, off_t *, int, off_t *, size_t,
	     unsigned int);
	if (fault("copy_file_range", true))
		FAIL_EIO(-1);
	return real(in, ioff, out, ooff, n, flags);
}

int ioctl(int fd, unsigned long req, ...)
{
	va_list ap;
	void *arg;

	REAL(int, "ioctl", int, unsigned long, void *);
	va_start(ap, req);
	arg = va_arg(ap, void *);
	va_end(ap);
	if (req == FICLONERANGE && fault("ficlonerange", true))
		FAIL_EIO(-1);
	return real(fd, req, arg);
}

int fsync(int fd)
{
	REAL(int, "fsync", int);
	if (fault("fsync", true))
		FAIL_EIO(-1);
	return real(fd);
}

int openat(int dirfd, const char *path, int flags, ...)
{
	va_list ap;
	mode_t mode;

	REAL(int, "openat", int, const char *, int, mode_t);
	va_start(ap, flags);
	mode = (flags & (O_CREAT | O_TMPFILE)) ? (mode_t)va_arg(ap, int) : 0;
	va_end(ap);
	if (flags & (O_CREAT | O_TMPFILE))
		fault("openat-create", false);
	return real(dirfd, path, flags, mode);
}

int fchown(int fd, uid_t uid, gid_t gid)
{
	REAL(int, "fchown", int, uid_t, gid_t);
	fault("fchown", false);
	return real(fd, uid, gid);
}

int fchmod(int fd, mode_t mode)
{
	REAL(int, "fchmod", int, mode_t);
	fault("fchmod", false);
	return real(fd, mode);
}

int fsetxattr(int fd, const char *name, const void *v, size_t n, int flags)
{
	REAL(int, "fsetxattr", int, const char *, const void *, size_t, int);
	fault("fsetxattr", false);
	return real(fd, name, v, n, flags);
}

int linkat(int ofd, const char *op, int nfd, const char *np, int flags)
{
	REAL(int, "linkat", int, const char *, int, const char *, int);
	fault("linkat", false);
	return real(ofd, op, nfd, np, flags);
}

int renameat(int ofd, const char *op, int nfd, const char *np)
{
	REAL(int, "renameat", int, const char *, int, const char *);
	fault("renameat", false);
	return real(ofd, op, nfd, np);
}

int unlinkat(int fd, const char *path, int flags)
{
	REAL(int, "unlinkat", int, const char *, int);
	fault("unlinkat", false);
	return real(fd, path, flags);
}

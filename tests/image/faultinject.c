// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * LD_PRELOAD fault injection for the image tests.  Counts the calls through
 * which mkucode changes files and, at call number FAULT_AT:
 *   FAULT_MODE=kill  raises SIGKILL before the call runs (a crash there);
 *   FAULT_MODE=eio   fails the call with EIO if it moves data (write,
 *                    pwrite, writev, pwritev, copy_file_range,
 *                    FICLONERANGE, fsync);
 *                    otherwise the next such call fails instead.
 * FAULT_LOG=FILE appends "N name" for every counted call, so a test can
 * learn how many points a run has.  Without FAULT_AT nothing is injected.
 *
 * Races, made deterministic: FAULT_RUN_BEFORE=NAME runs the shell command
 * FAULT_RUN_CMD (without this shim) right before the FAULT_RUN_NTH'th
 * (default: first) counted call named NAME, and waits for it; another
 * program replacing the file at that moment.  FAULT_NO_EXCHANGE=1 fails
 * renameat2(RENAME_EXCHANGE) with EINVAL, as filesystems without it do;
 * FAULT_NO_TMPFILE=1 fails open(O_TMPFILE) with EOPNOTSUPP, likewise.
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
#include <sys/uio.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

static long calls;
static bool eio_armed;

/* The other program of a race: sh -c CMD, this shim and its settings
 * gone from its environment. */
static void run_before(const char *name)
{
	static long seen;
	const char *want = getenv("FAULT_RUN_BEFORE"), *cmd = getenv("FAULT_RUN_CMD");
	const char *nth = getenv("FAULT_RUN_NTH");
	int saved = errno, status;
	pid_t pid;

	if (!want || !cmd || strcmp(want, name) || ++seen != (nth ? atol(nth) : 1))
		return;
	pid = fork();
	if (pid == 0) {
		unsetenv("LD_PRELOAD");
		unsetenv("FAULT_RUN_BEFORE");
		unsetenv("FAULT_LOG");
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	if (pid > 0)
		waitpid(pid, &status, 0);
	errno = saved;
}

/* Count a call; true when it must fail with EIO. */
static bool fault(const char *name, bool moves_data)
{
	const char *at = getenv("FAULT_AT"), *mode = getenv("FAULT_MODE");
	const char *log = getenv("FAULT_LOG");

	calls++;
	run_before(name);
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

ssize_t writev(int fd, const struct iovec *iov, int n)
{
	REAL(ssize_t, "writev", int, const struct iovec *, int);
	if (counted_fd(fd) && fault("writev", true))
		FAIL_EIO(-1);
	return real(fd, iov, n);
}

ssize_t pwritev64(int fd, const struct iovec *iov, int n, off_t off)
{
	REAL(ssize_t, "pwritev64", int, const struct iovec *, int, off_t);
	if (fault("pwritev64", true))
		FAIL_EIO(-1);
	return real(fd, iov, n, off);
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
	if ((flags & O_TMPFILE) == O_TMPFILE && getenv("FAULT_NO_TMPFILE")) {
		errno = EOPNOTSUPP;
		return -1;
	}
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

int renameat2(int ofd, const char *op, int nfd, const char *np, unsigned int flags)
{
	REAL(int, "renameat2", int, const char *, int, const char *, unsigned int);
	fault("renameat2", false);
	if ((flags & RENAME_EXCHANGE) && getenv("FAULT_NO_EXCHANGE")) {
		errno = EINVAL;
		return -1;
	}
	return real(ofd, op, nfd, np, flags);
}

int unlinkat(int fd, const char *path, int flags)
{
	REAL(int, "unlinkat", int, const char *, int);
	fault("unlinkat", false);
	return real(fd, path, flags);
}

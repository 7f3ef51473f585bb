// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * LD_PRELOAD shim for the late tests: a write to a file whose path ends
 * in /sys/devices/system/cpu/microcode/reload stands for the kernel's
 * late load, which is synchronous: before the write returns, the shell
 * command LATE_RELOAD_RUN runs (without this shim) and is waited for, so
 * that it can change the fake tree's microcode/version files as a kernel
 * would.  LATE_RELOAD_ERRNO=N then fails the write with errno N, as a
 * kernel refusing the load does.  Every other call passes through.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char reload_suffix[] = "/sys/devices/system/cpu/microcode/reload";

static int is_reload(int fd)
{
	char link[64], path[4096];
	ssize_t n;
	size_t k = sizeof(reload_suffix) - 1;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, path, sizeof(path) - 1);
	if (n < 0)
		return 0;
	path[n] = '\0';
	return (size_t)n >= k && !strcmp(path + n - k, reload_suffix);
}

ssize_t write(int fd, const void *buf, size_t len)
{
	static ssize_t (*real)(int, const void *, size_t);
	const char *cmd = getenv("LATE_RELOAD_RUN");
	const char *err = getenv("LATE_RELOAD_ERRNO");

	if (!real)
		real = (ssize_t (*)(int, const void *, size_t))dlsym(RTLD_NEXT, "write");
	if (is_reload(fd)) {
		if (cmd) {
			char *saved = getenv("LD_PRELOAD") ? strdup(getenv("LD_PRELOAD")) : NULL;
			int st;

			unsetenv("LD_PRELOAD");
			st = system(cmd);
			if (saved) {
				setenv("LD_PRELOAD", saved, 1);
				free(saved);
			}
			if (st != 0)
				fprintf(stderr, "reloadhook: '%s' failed\n", cmd);
		}
		if (err && *err) {
			errno = atoi(err);
			return -1;
		}
	}
	return real(fd, buf, len);
}

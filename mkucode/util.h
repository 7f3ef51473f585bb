/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Small hosted helpers: messages, memory, whole-file I/O, atomic output. */
#ifndef MKUCODE_UTIL_H
#define MKUCODE_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Exit codes of the command-line contract. */
enum {
	EXIT_OK = 0,
	EXIT_ERROR = 1,
	EXIT_USAGE = 2,
	EXIT_NO_MICROCODE = 3,
};

extern const char *program_name;
extern bool quiet;

/* "mkucode: <msg>" on stderr.  error() returns -1 so callers can return it. */
__attribute__((format(printf, 1, 2))) int error(const char *fmt, ...);
__attribute__((format(printf, 1, 2))) void warning(const char *fmt, ...);
/* Informational notes; silenced by --quiet. */
__attribute__((format(printf, 1, 2))) void note(const char *fmt, ...);

void *xmalloc(size_t n);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
__attribute__((format(printf, 1, 2))) char *xasprintf(const char *fmt, ...);

/* Grow *array (of *cap elements of size) to hold at least n. */
void grow(void *array, size_t *cap, size_t n, size_t size);

/* Whole file into memory (malloc'd).  0, or -1 with a message printed. */
int read_file(const char *path, uint8_t **data, size_t *len);

/*
 * Replace path with the given bytes atomically: a temporary file in the
 * same directory, fsync, rename, fsync of the directory.  The mode of an
 * existing file is kept (0644 for a new one).  "-" writes standard output.
 * On failure nothing is left behind and the old file is untouched; an
 * error naming the file was printed.
 */
int write_file_atomic(const char *path, const void *data, size_t len);

#endif /* MKUCODE_UTIL_H */

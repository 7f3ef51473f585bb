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
 * A regular file mapped read-only (*mapped = its mapping's length, for
 * munmap), else read into memory as read_file does (*mapped = 0, free()).
 * Mapping saves copying tens of megabytes of firmware.  0, or -1 with a
 * message printed.
 */
int map_file(const char *path, uint8_t **data, size_t *len, size_t *mapped);

/* A run of bytes to write that lives elsewhere (an iovec, but const). */
struct piece {
	const void *data;
	size_t len;
};

/* pwrite all of [p, p+len) at off; 0, or -1 with errno set. */
int write_all_at(int fd, const void *p, size_t len, uint64_t off);

/*
 * Buffered sequential output to a file descriptor: small writes gather in
 * a buffer, large ones go straight out.  The first failure sticks (err is
 * its errno) and later writes do nothing.
 */
struct fd_out {
	int fd;
	uint64_t off;          /* bytes produced so far */
	uint64_t kicked;       /* handed to writeback up to here */
	uint8_t *buf;
	size_t n;
	int err;
};

void fd_out_init(struct fd_out *o, int fd);
int fd_out_put(struct fd_out *o, const void *data, size_t len);
/* Flush, hand what is left to writeback, free the buffer; 0, or -1 with
 * errno set. */
int fd_out_finish(struct fd_out *o);

/* Start writing [from, to) of fd back to disk; advice only, never fails. */
void start_writeback(int fd, uint64_t from, uint64_t to);

/*
 * A file replaced atomically: written to a temporary file in the same
 * directory, then made durable and renamed over path.  Between writing and
 * replace_commit() the caller may do other work (free its inputs, say)
 * while the disk catches up.  The mode of an existing file is kept (0644
 * for a new one).  path "-" is standard output: no temporary file, no
 * verify(), nothing to commit.  On any failure nothing is left behind, the
 * old file is untouched, and an error naming the file was printed.
 */
struct replacement {
	const char *path;
	char *tmp;             /* NULL: standard output, or finished */
	int fd;
};

int replace_begin(struct replacement *r, const char *path);
/*
 * What produce() writes to the fd it is given (0, or -1 with errno set),
 * then verify() on the file mapped read-only (NULL: none; 0, or -1 after a
 * message).  0, or -1 with the replacement aborted.
 */
int replace_write(struct replacement *r, int (*produce)(int fd, void *ctx),
		  int (*verify)(const void *data, size_t len, void *ctx),
		  void *ctx);
/* fsync, rename, fsync of the directory.  0, or -1 (aborted). */
int replace_commit(struct replacement *r);
/* Remove the temporary file; the old one stays.  No-op when finished. */
void replace_abort(struct replacement *r);

/* All three steps at once. */
int write_file_atomic_with(const char *path, int (*produce)(int fd, void *ctx),
			   int (*verify)(const void *data, size_t len, void *ctx),
			   void *ctx);

/* The same for bytes in pieces, or in one buffer. */
int write_pieces_atomic(const char *path, const struct piece *p, size_t n);

/*
 * Replace path with the given bytes atomically: a temporary file in the
 * same directory, fsync, rename, fsync of the directory.  The mode of an
 * existing file is kept (0644 for a new one).  "-" writes standard output.
 * On failure nothing is left behind and the old file is untouched; an
 * error naming the file was printed.
 */
int write_file_atomic(const char *path, const void *data, size_t len);

#endif /* MKUCODE_UTIL_H */

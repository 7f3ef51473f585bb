/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Replacing a file atomically. */
#ifndef MKUCODE_UTIL_REPLACE_H
#define MKUCODE_UTIL_REPLACE_H

#include <stddef.h>
#include "util/fileio.h"

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

#endif /* MKUCODE_UTIL_REPLACE_H */

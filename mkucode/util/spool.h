/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A stream (a pipe, a socket, standard input) made a file that can be read
 * at any offset, for what reads files with pread or mmap: a temporary file
 * in $TMPDIR (else /tmp).  spool_named() copies all of the stream;
 * domain/early.h's early_spool() only the part the loaders read.  Runs of
 * zero blocks become holes.  A regular file or a block device is never
 * spooled: it is read where it is.
 */
#ifndef MKUCODE_UTIL_SPOOL_H
#define MKUCODE_UTIL_SPOOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/diag.h"

/* What "-" names in messages. */
#define SPOOL_STDIN_NAME "standard input"

/* fd is a pipe or a socket: only a copy of it can be read at an offset. */
bool spool_needed(int fd);

/*
 * A new, empty, unlinked temporary file to hold a copy of name (for
 * messages); its descriptor (read-write), or -1 after an error in d.
 */
int spool_tmpfile(const char *name, struct diags *d);

/*
 * Write [p, p + len) at off of a spool file, leaving all-zero runs as
 * holes (the file is extended to its length at the end, by ftruncate).
 * 0, or -1 after an error in d.
 */
int spool_write(int out, const void *p, size_t len, uint64_t off,
		const char *name, struct diags *d);

/*
 * Copy fd (called name) to its end into a named temporary file, for what
 * opens files by name: *path is its name (malloc'd); the caller unlinks it
 * as soon as it has opened it, and closes the returned descriptor.  -1
 * after an error in d.
 */
int spool_named(int fd, const char *name, char **path, struct diags *d);

#endif /* MKUCODE_UTIL_SPOOL_H */

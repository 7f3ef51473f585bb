/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A stream (a pipe, a socket, standard input) made a file that can be read
 * at any offset: copied to its end into a temporary file in $TMPDIR (else
 * /tmp), so that what reads it with pread or mmap, in bounded steps, can.
 * Memory does not grow with the stream's length (on a disk-backed $TMPDIR);
 * runs of zero blocks become holes.  Nothing else is spooled: a regular
 * file or a block device is read where it is.
 */
#ifndef MKUCODE_UTIL_SPOOL_H
#define MKUCODE_UTIL_SPOOL_H

#include <stdbool.h>

#include "util/diag.h"

/* What "-" names in messages. */
#define SPOOL_STDIN_NAME "standard input"

/* fd is a pipe or a socket: only a copy of it can be read at an offset. */
bool spool_needed(int fd);

/*
 * Copy fd (called name in messages) to its end into an unlinked temporary
 * file.  Returns that file's descriptor (read-only use; offset 0), or -1
 * after an error in d.
 */
int spool_fd(int fd, const char *name, struct diags *d);

/*
 * The same into a named temporary file, for what opens files by name:
 * *path is its name (malloc'd); the caller unlinks it as soon as it has
 * opened it, and closes the returned descriptor.
 */
int spool_named(int fd, const char *name, char **path, struct diags *d);

#endif /* MKUCODE_UTIL_SPOOL_H */

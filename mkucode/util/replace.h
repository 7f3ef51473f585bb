/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Replacing a file atomically without undoing anyone else's work: the one
 * way mkucode writes a file (-o, --raw, extract -o, --prepend, strip).
 *
 *   replace_open()     resolve symlinks (the target is what is replaced),
 *                      open and flock() the file replaced (the directory
 *                      when there is none yet), remember what it was, and
 *                      remove a temporary file an interrupted run left
 *   replace_create()   block SIGINT/TERM/HUP/QUIT; an unnamed temporary file
 *                      (O_TMPFILE) in the same directory, else the fixed name
 *                      .BASE.mkucode-new; owner, mode and xattrs of the old
 *                      file (0644 for a new one)
 *   replace_write()    what a producer writes into it, then its verify()
 *   replace_commit()   fsync; swap the new file in with RENAME_EXCHANGE and
 *                      make sure what came out is the file that was opened,
 *                      unchanged (else swap back and fail); drop the old
 *                      file; sync the directory; unblock the signals
 *   replace_abort()    put the old file back if it was swapped out, drop
 *                      the temporary file, unblock (no-op when done)
 *   replace_close()    release the lock and everything else
 *
 * A file someone else replaced (rename over it, as update-initramfs does)
 * or rewrote in place (cp onto it, as dracut does) after replace_open() is
 * never overwritten: "FILE changed while mkucode worked; nothing replaced".
 * Where the filesystem has no RENAME_EXCHANGE the same check runs just
 * before a plain rename.  On any failure nothing is left behind and the old
 * file is as it was; every problem is one diagnostic in the caller's list.
 */
#ifndef MKUCODE_UTIL_REPLACE_H
#define MKUCODE_UTIL_REPLACE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>
#include "util/diag.h"
#include "util/fileio.h"

enum {
	REPLACE_STDOUT = 1 << 0,    /* "-" is standard output, passed through */
	REPLACE_EXISTING = 1 << 1,  /* the file must exist (an image to rewrite) */
};

enum replace_state {
	REPLACE_PENDING,       /* nothing done at the name (yet, or any more) */
	REPLACE_SWAPPED,       /* ours at the name, the old file under tmp */
	REPLACE_LINKED,        /* ours at the name, where there was none */
	REPLACE_ASIDE,         /* removal: the old file under tmp */
	REPLACE_RENAMED,       /* ours at the name, the old one gone (no exchange) */
};

struct replacement {
	struct diags *d;
	const char *path;      /* as given: what messages name */
	char *dir, *base;      /* where the target is (symlinks resolved) */
	char *tmp;             /* the fixed temporary name, in dir */
	int dirfd;
	int old_fd;            /* the file replaced, read-only, flock()ed; -1: none */
	struct stat old;       /* what it was when locked */
	int fd;                /* the new file; STDOUT_FILENO when passed through */
	bool to_stdout;
	bool named;            /* tmp exists on disk and is ours */
	bool synced;           /* the new file is on disk */
	bool blocked;          /* holds signals back (see replace_create) */
	enum replace_state state;
	struct replacement *next_dir;  /* open ones, to share a directory lock */
};

/* 0, or -1 after an error (nothing to close then). */
int replace_open(struct replacement *r, const char *path, unsigned int flags,
		 struct diags *d);
/* 0, or -1 after an error (aborted). */
int replace_create(struct replacement *r);
/*
 * produce() writes into fd and returns 0, an errno value when writing
 * failed, or -1 when it reported the failure itself.  verify() (NULL: none)
 * gets the written file mapped read-only and returns 0, or -1 after a
 * diagnostic.  0, or -1 (aborted).
 */
int replace_write(struct replacement *r, int (*produce)(int fd, void *ctx),
		  int (*verify)(const void *data, size_t len, void *ctx),
		  void *ctx);
/*
 * fsync the new file (replace_commit does it when it was not done): to get
 * several files onto the disk before the first rename.  0, or -1 (aborted).
 */
int replace_flush(struct replacement *r);
/*
 * replace_swap() puts the new file at the name, checked as above, and
 * replace_finish() drops the old one and syncs the directory; until then
 * replace_abort() (and replace_close()) puts the old file back, so that
 * several files change together or not at all (--raw).  A replacement
 * never created stands for removing the file (--raw's vendor file that is
 * no longer selected), with the same check.  swap: 0, or -1 (aborted).
 */
int replace_swap(struct replacement *r);
void replace_finish(struct replacement *r);
/* swap and finish: 0 (a failed directory sync is only a warning), or -1. */
int replace_commit(struct replacement *r);
void replace_abort(struct replacement *r);
void replace_close(struct replacement *r);

/* replace_write() of bytes in pieces (verify: none). */
int replace_write_pieces(struct replacement *r, const struct piece *p, size_t n);

#endif /* MKUCODE_UTIL_REPLACE_H */

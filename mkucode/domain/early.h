/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The early part of an initrd, read in bounded steps.  The loaders walk the
 * leading uncompressed cpio archives (and the zero padding between them)
 * and stop at the first bytes that are no newc header; nothing after that
 * matters to them.  early_read() walks one or more files as the kernel sees
 * them (each padded to 4 bytes and joined, as GRUB's `initrd a b` and
 * syslinux's `INITRD a,b` load them; by name, or from descriptors the
 * caller opened: early_read_inputs) with pread, never mapping a file, and
 * hands the core a buffer on which its scanner and validator answer exactly
 * as on the whole image:
 *
 *  - verbatim: the bytes up to where the walk stops, as they are (for a
 *    SOURCE, whose offsets must stay the file's; capped);
 *  - compact: only the members the loaders and the validator look at (names
 *    holding a vendor path, trailers, members with broken names) are kept;
 *    every run of other members and padding between them becomes its length
 *    mod 16 in zero bytes, which the scanner skips like padding, so every
 *    kept offset keeps its alignment.  Memory then depends on what is kept,
 *    not on the size of the image.
 *
 * Either way the buffer ends with the first bytes after the stop, so the
 * scanner stops there for the same reason.  early_locate() turns an offset
 * in the buffer back into a file and an offset in that file.
 */
#ifndef MKUCODE_DOMAIN_EARLY_H
#define MKUCODE_DOMAIN_EARLY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/diag.h"

/* Bytes of what follows the early part that are kept to say what it is. */
#define EARLY_NEXT_BYTES 16

struct early_file {
	const char *path;
	uint64_t size;          /* of the file, or of the part read */
	uint64_t start;         /* where it begins in the joined stream */
	uint64_t base;          /* where the part read begins in the file */
};

/* A run of the buffer: verbatim bytes of the stream, or a collapsed run. */
struct early_run {
	size_t at;              /* in buf */
	size_t len;             /* in buf */
	uint64_t from;          /* in the joined stream */
	uint64_t span;          /* in the joined stream */
	bool collapsed;         /* zeros standing for span bytes of members */
};

struct early_part {
	uint8_t *buf;           /* what the core scans */
	size_t len, cap;
	struct early_run *runs;
	size_t n_runs, cap_runs;
	struct early_file *files;
	size_t n_files;
	uint64_t total;         /* length of the joined stream */
	uint64_t stop;          /* where the loaders' walk stops in it */
	size_t entries;         /* cpio members the walk passed */
	/* The first bytes at stop (fewer at the end of the stream). */
	uint8_t next[EARLY_NEXT_BYTES];
	size_t next_len;
};

struct early_opts {
	bool verbatim;          /* keep every byte up to the stop */
	size_t max;             /* most bytes buf may hold */
};

/*
 * Read the early part of paths[0..n) joined.  0; EARLY_TOO_BIG with an
 * error in d when more than o->max bytes would have to be kept; or -1 with
 * an error in d (a file that cannot be read, a member name too long to be
 * one).
 */
#define EARLY_TOO_BIG (-2)

int early_read(struct early_part *ep, const char *const *paths, size_t n,
	       const struct early_opts *o, struct diags *d);

/*
 * A file to read: named by path; read from fd when it is open (>= 0).
 * part: only size bytes at offset are the input (a UKI's PE section, as
 * systemd-stub hands it over); offsets reported stay the file's.
 */
struct early_input {
	const char *path;
	int fd;                 /* the caller's, left open; -1: open path */
	bool part;
	uint64_t offset, size;
};

/* early_read() on files given as inputs[0..n). */
int early_read_inputs(struct early_part *ep, const struct early_input *inputs,
		      size_t n, const struct early_opts *o, struct diags *d);

/*
 * A stream (a pipe) read once into an unlinked temporary file on which
 * early_read() (compact) answers exactly as it would on the stream: the
 * loaders' walk, with headers, names, the members it keeps and what
 * follows the stop copied, and the data of every other member read and
 * dropped (a hole); the rest of the stream is read to its end (the writer
 * is not cut off) and dropped too.  When the walk passes no member, the
 * first raw_max bytes are kept as they are (a raw vendor file, or what
 * else it is).  The file is as long as the stream.  Returns its descriptor
 * (name in messages: name), or -1 after an error in d.
 */
int early_spool(int fd, const char *name, size_t raw_max, struct diags *d);

/*
 * Where offset off of ep->buf lies: returns the index of the file, with
 * *file_off the offset in that file (in the whole file, for a part).  An offset inside a collapsed run
 * (only the scanner's stop can be one) is taken to be the run's end.
 */
size_t early_locate(const struct early_part *ep, size_t off, uint64_t *file_off);

/* The file a stream offset falls in, with *file_off the offset in it
 * (in the whole file, for a part). */
size_t early_file_at(const struct early_part *ep, uint64_t pos, uint64_t *file_off);

void early_free(struct early_part *ep);

#endif /* MKUCODE_DOMAIN_EARLY_H */

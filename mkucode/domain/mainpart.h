/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The main part of an initrd: what follows the early part, where no
 * microcode loader looks.  Linux's initramfs unpacker walks it as a run of
 * parts: zero padding, uncompressed cpio archives, and compressed blobs
 * told apart by two magic bytes.  A mistaken generator (a dracut or
 * mkinitcpio hook that puts kernel/x86/microcode/ in the compressed image)
 * leaves microcode there that the kernel unpacks into the root file system
 * and never loads.
 *
 * mainpart_scan() decompresses that run as a stream through libarchive
 * (raw format: the cpio walk is ours, the kernel's), holding a few buffers
 * whatever the image's size, and stops at the first regular file under
 * kernel/x86/microcode/ or at the end.  A run of concatenated streams of
 * one compression (gzip members, xz streams, zstd frames, lz4 frames) is
 * one part to libarchive, as it is to gzip -d: its offset is the first's.
 * libarchive's xz and zstd readers take what follows their stream for
 * more of it: where they fail on it, the part is read again ending there
 * (mainpart.c, shorter_part).  Its lz4 (legacy) and lzop readers cannot
 * be helped so: a part of those followed by a part of another kind is
 * reported as corrupt.  gzip, bzip2 and lzma parts end cleanly.
 */
#ifndef MKUCODE_DOMAIN_MAINPART_H
#define MKUCODE_DOMAIN_MAINPART_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "domain/early.h"
#include "util/diag.h"

enum mainpart_compression {
	MAINPART_UNKNOWN,       /* no magic the kernel knows */
	MAINPART_CPIO,          /* an uncompressed cpio archive */
	MAINPART_GZIP,
	MAINPART_BZIP2,
	MAINPART_LZMA,
	MAINPART_XZ,
	MAINPART_LZO,
	MAINPART_LZ4,
	MAINPART_ZSTD,
};

/* By the two bytes the kernel's decompress_method() looks at. */
enum mainpart_compression mainpart_detect(const uint8_t *p, size_t n);
/* "gzip", "bzip2", ..., "uncompressed cpio", "unknown". */
const char *mainpart_compression_name(enum mainpart_compression c);

/*
 * What follows an early part, by its first bytes (ep->next): for status
 * and verify to say "bzip2-compressed main part" without reading it.
 * MAINPART_UNKNOWN also when nothing follows.
 */
enum mainpart_compression mainpart_next(const struct early_part *ep);

/* The bomb guard: decompressed bytes read, at most, by default. */
#define MAINPART_MAX_OUT ((uint64_t)4 << 30)

/* A member name longer than this is skipped by the kernel (PATH_MAX). */
#define MAINPART_NAME_MAX 4096

struct mainpart_result {
	bool initrd;            /* the file starts with an early cpio */
	uint64_t start;         /* where the main part starts (file size: none) */
	enum mainpart_compression first;  /* what starts there */
	size_t parts;           /* parts entered */
	uint64_t out_bytes;     /* decompressed bytes read */
	/* The first microcode member, when found. */
	bool found;
	char name[MAINPART_NAME_MAX + 1];
	uint64_t size;          /* its file size */
	enum mainpart_compression compression;   /* of the part it sits in */
	uint64_t part_offset;   /* where that part starts in the file */
	uint64_t member_offset; /* its header, in the part's decompressed bytes */
};

/*
 * Walk fd's bytes [start, end) as the kernel's unpacker would, reading at
 * most max_out decompressed bytes.  0 with *r filled (found or not); -1
 * after an error on d naming path and the file offset (for a compressed
 * part: where libarchive had got to in it).
 */
int mainpart_scan_fd(int fd, const char *path, uint64_t start, uint64_t end,
		     uint64_t max_out, struct mainpart_result *r,
		     struct diags *d);

/*
 * The same for an initrd named by path, from where its early part ends
 * (domain/early.h).  A file that does not start with a cpio archive is no
 * initrd: 0, with r->initrd false.
 */
int mainpart_scan(const char *path, uint64_t max_out, struct mainpart_result *r,
		  struct diags *d);

#endif /* MKUCODE_DOMAIN_MAINPART_H */

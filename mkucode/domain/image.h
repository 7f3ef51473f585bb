/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * An initrd image as the kernel sees it: an early part of uncompressed cpio
 * archives holding microcode (and ACPI tables, dracut's marker, ...), then
 * the rest (the compressed main initramfs, or an uncompressed one), which
 * mkucode never changes.  Rewrites are atomic and keep the original's
 * mode, owner and extended attributes; memory does not grow with the size
 * of the rest, which is reflinked, copy_file_range'd or streamed.
 */
#ifndef MKUCODE_IMAGE_H
#define MKUCODE_IMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include "domain/emit.h"
#include "util/diag.h"
#include "util/replace.h"

/*
 * The new early archive is padded so that it ends at the same offset
 * modulo this as the original early part did: the rest then sits at the
 * same place within a 4 KiB block, and a reflink can share its blocks.
 */
#define IMAGE_BLOCK 4096u

enum image_kind {
	IMAGE_EMPTY,           /* no bytes at all */
	IMAGE_EARLY_ONLY,      /* an early part and nothing (but NULs) after it */
	IMAGE_INITRD,          /* an early part and more, or no early part but a
				* cpio or data a kernel can decompress */
	IMAGE_OTHER,           /* a kernel, an ELF, text: not an initrd */
};

struct image {
	char *path;            /* the regular file (symlinks resolved) */
	int fd;                /* read-only, flock()ed */
	struct diags *d;       /* where problems go */
	bool rewrite;          /* opened to be replaced, through rep */
	struct replacement rep;
	struct stat st;
	const uint8_t *map;    /* the whole file, read-only; NULL when empty */
	size_t len;
	unsigned int archives; /* leading archives that form the early part */
	size_t early_end;      /* just past the early part's last trailer */
	size_t rest;           /* the kept part: [rest, len) */
	size_t microcode;      /* early members under kernel/x86/microcode/ */
	enum image_kind kind;
	const char *rest_format;
};

/*
 * Another program that cuts a mapped file short (cp onto it) makes the
 * reading fail with "changed while mkucode worked", not kill us (SIGBUS).
 *
 * Open and lock the image behind path (a symlink is followed: its target
 * is what gets replaced), refuse anything but a regular file, and find the
 * early part: the leading archives that hold a kernel/ member or dracut's
 * early_cpio marker.  An archive that breaks off before its trailer is an
 * error naming the offset.  rewrite: opened through a replacement (an
 * exclusive lock, kept until image_close) for image_replace_early; else
 * only to read (a shared lock).  Returns 0, or -1 after an error in d.
 */
int image_open(struct image *im, const char *path, bool rewrite,
	       struct diags *d);
void image_close(struct image *im);


/*
 * What the opened image is; *rest_format names what its rest starts with
 * ("cpio", "gzip", "bzip2", "lzma", "xz", "lzo", "lz4", "zstd"), or NULL.
 */
enum image_kind image_kind(const struct image *im, const char **rest_format);

/*
 * An output about to be replaced (fd: the file, read-only; -1: none) must
 * not be an initrd (IMAGE_INITRD): -o and extract write an early cpio,
 * which would lose the initramfs.  0, or -1 after an error in d.
 */
int image_refuse_initrd(int fd, const char *path, struct diags *d);

/* extract: the early part, as it is, into out (created).  0, or -1 after
 * an error in im->d (out aborted). */
int image_write_early_part(const struct image *im, struct replacement *out);

enum image_copy {
	IMAGE_COPY_NONE,       /* nothing to keep */
	IMAGE_COPY_REFLINK,    /* the rest shares the original's blocks */
	IMAGE_COPY_RANGE,      /* copy_file_range */
	IMAGE_COPY_STREAM,     /* read and write */
};

struct image_result {
	bool changed;          /* false: the file already was the result */
	size_t early_len;      /* of the new early part, padding included */
	enum image_copy how;
};

/*
 * Replace the early part: a new early archive with the given microcode
 * (either may be NULL or empty), then every other early member in order
 * (inodes renumbered, hard links kept), then the rest byte for byte.  With
 * no microcode and nothing else to keep, the early part goes away.  The
 * result is checked with the core's validator before it replaces the file.
 * The replacement refuses to overwrite an image that someone else replaced
 * or rewrote after image_open.  Returns 0, or -1 after an error in im->d
 * with the original untouched.
 */
int image_replace_early(struct image *im, const struct blob_out *intel,
			const struct blob_out *amd, uint32_t mtime,
			struct image_result *res);

/*
 * What image_replace_early would do, without doing it: res->changed says
 * whether the image differs from the result (the same comparison the
 * replacement makes first).  The image may be opened to read only.
 * Returns 0, or -1 after an error in im->d.
 */
int image_compare_early(struct image *im, const struct blob_out *intel,
			const struct blob_out *amd, uint32_t mtime,
			struct image_result *res);

const char *image_copy_name(enum image_copy how);

#endif /* MKUCODE_IMAGE_H */

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Writing what was selected: vendor files, the early cpio. */
#ifndef MKUCODE_EMIT_H
#define MKUCODE_EMIT_H

#include "cpio/cpio.h"
#include "domain/select.h"
#include "domain/ucode.h"
#include "util/fileio.h"
#include "util/replace.h"

/*
 * A vendor file as pieces: the selected updates stay where gathering left
 * them (mapped files), so tens of megabytes are never copied in memory.
 */
struct blob_out {
	struct piece *pieces;
	size_t n, cap;
	size_t len;            /* all pieces */
	uint8_t *owned;        /* bytes built here (AMD containers) */
};

void blob_free(struct blob_out *b);

/*
 * GenuineIntel.bin: the selected Intel updates, sorted by signature, then
 * platform mask from high to low (iucode_tool's order), then revision.  AuthenticAMD.bin: one container per family,
 * ascending (so families below 15h come first), each with an equivalence
 * table of the wanted CPUs mapped to its patches plus the zero terminator,
 * and one patch per equivalence id.  Empty when nothing is selected.
 * Returns 0, or -1 after an error on d (conflicting tables).
 */
struct diags;
int emit_vendor_file(const struct ucode_set *set, const struct selection *sel,
		     enum uc_vendor v, struct blob_out *out, struct diags *d);

/*
 * The early cpio: kernel/, kernel/x86/, kernel/x86/microcode/ and the
 * non-empty vendor files, Intel data 16-byte aligned, uid/gid 0, inodes in
 * write order, every mtime = mtime, padded to 512 bytes.  Written into out
 * and, read back from the file, checked with the core's validator; the
 * caller commits it.  0, or -1 after an error in out->d (out aborted).
 */
int write_early_cpio(struct replacement *out, const struct blob_out *intel,
		     const struct blob_out *amd, uint32_t mtime);

/*
 * The members every early cpio of ours starts with: kernel/, kernel/x86/,
 * kernel/x86/microcode/, then AuthenticAMD.bin and GenuineIntel.bin when
 * not empty (Intel data 16-byte aligned).  Returns the writer's error.
 */
int emit_microcode_members(struct uc_cpio_writer *w, const struct blob_out *intel,
			   const struct blob_out *amd);

/*
 * Run the core's validator over what we wrote (buf, len, in file) and add,
 * as an internal error, every issue before offset upto (what follows is
 * not ours) to d.  Returns the number added.
 */
unsigned int check_written(const void *buf, size_t len, size_t upto,
			   const char *file, struct diags *d);

#endif /* MKUCODE_EMIT_H */

/* SPDX-License-Identifier: GPL-2.0-or-later OR BSD-2-Clause */
/*
 * The validator: every problem in an image (initrd, early cpio) or a raw
 * vendor file that some loader would trip on, reported one by one through
 * a callback so the core needs no allocation.  `mkucode verify` prints
 * these; a boot loader may refuse an image on them.
 */
#ifndef UC_CHECK_H
#define UC_CHECK_H

#include "ucode_env.h"
#include "ucode_err.h"
#include "ucode_consumer.h"

/* What an issue concerns. */
enum uc_subject {
	UC_SUBJECT_CPIO,   /* the archive itself: members, names, trailer */
	UC_SUBJECT_INTEL,  /* the Intel file: its updates, name or placement */
	UC_SUBJECT_AMD,    /* the AMD file likewise */
};

static inline enum uc_subject uc_subject_of(enum uc_vendor v)
{
	return v == UC_VENDOR_INTEL ? UC_SUBJECT_INTEL : UC_SUBJECT_AMD;
}

struct uc_issue {
	int err;                  /* -UC_ERR_* */
	size_t offset;            /* in the caller's buffer, plus base (ucode_err.h) */
	enum uc_subject subject;
	/*
	 * The loader that trips, or UC_STRICT when every loader does or the
	 * problem is one of structure.
	 */
	enum uc_consumer consumer;
};

typedef void (*uc_issue_fn)(void *ctx, const struct uc_issue *issue);

/*
 * The first problem in the structure of an image's cpio part that careful
 * tools refuse, though the loaders may read past it: a member with name
 * size 0 or an unterminated name (the kernel's unpacker refuses both), a
 * vendor path naming a directory or other non-file, an archive cut short
 * or broken before its trailer.  Returns 0, or the error with *err_off
 * (when err_off is not NULL) the offset of the member or of the place the
 * archive breaks off.
 */
int uc_check_cpio(const void *buf, size_t len, size_t *err_off);

/*
 * Check an image whose early cpio holds the vendor files: its structure as
 * uc_check_cpio finds it, the lookups
 * (shadowing prefix matches, names the loaders cannot reach, duplicates),
 * Intel data alignment, and each vendor file as uc_check_raw does.
 * Returns the number of issues reported.
 */
unsigned int uc_check_image(const void *buf, size_t len, uc_issue_fn fn,
			    void *ctx);

/*
 * Check a raw vendor file: every update / container with the strictest
 * rules, where the walk stops, and what individual loaders refuse (AMD
 * container order, Xen 4.17 size caps).  base is added to every offset.
 * Returns the number of issues reported.
 */
unsigned int uc_check_raw(const void *buf, size_t len, enum uc_vendor v,
			  size_t base, uc_issue_fn fn, void *ctx);

#endif /* UC_CHECK_H */

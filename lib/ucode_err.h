/* SPDX-License-Identifier: GPL-2.0-or-later OR BSD-2-Clause */
/*
 * Named errors of the freestanding core.  Each is a small positive constant;
 * functions return them negated (0 or a non-negative value means success), as
 * libfdt does.  uc_strerror() turns either sign into a sentence fragment that
 * a program can put after "FILE: offset 0x…: ".
 *
 * Where an error is.  An error found at a place in the input comes with
 * that place as one byte offset, always by the same rule:
 *   - it counts from the start of the buffer the caller passed (plus base,
 *     for the functions that take one; for uc_amd_next_patch, the buffer
 *     its container was opened on), never from a member or file inside it;
 *   - it names the first byte of the thing that broke the rule: the cpio
 *     header, the Intel update, the AMD container or patch section, the
 *     .dat token, the run of padding; not the field inside it.
 * And it reaches the caller one way per kind of function:
 *   - walkers, f(buf, len, size_t *pos, …): on an error *pos is that
 *     offset (on success it moves past the item; at the end it is where the
 *     walk ended);
 *   - any other function: a last parameter size_t *err_off, written only
 *     when an error is returned; the caller may pass NULL;
 *   - records of what was found: the field beside the error code
 *     (uc_load_result.file_err_offset, uc_issue.offset,
 *     uc_cpio_layout.stop_offset).
 */
#ifndef UCODE_ERR_H
#define UCODE_ERR_H

enum uc_err {
	UC_OK = 0,

	/* Generic */
	UC_ERR_NOSPACE,           /* caller's output buffer is too small */
	UC_ERR_SINK,              /* caller's output callback could not write */
	UC_ERR_BADARG,            /* caller passed an impossible argument */
	UC_ERR_NOT_FOUND,         /* lookup found nothing (not an input error) */

	/* newc cpio */
	UC_ERR_CPIO_TRUNCATED_HEADER, /* fewer than 110 bytes where a header is due */
	UC_ERR_CPIO_BAD_MAGIC,    /* not 070701/070702 */
	UC_ERR_CPIO_BAD_HEX,      /* a header field holds a non-hex digit */
	UC_ERR_CPIO_NAMESIZE_ZERO, /* namesize 0: no room for the NUL */
	UC_ERR_CPIO_NAME_PAST_END, /* name runs past the end of the buffer */
	UC_ERR_CPIO_NAME_UNTERMINATED, /* last name byte is not NUL */
	UC_ERR_CPIO_DATA_PAST_END, /* file data runs past the end of the buffer */
	UC_ERR_CPIO_NO_TRAILER,   /* buffer ended before TRAILER!!! */
	UC_ERR_CPIO_FIELD_TOO_BIG, /* writer: a value does not fit 8 hex digits */
	UC_ERR_CPIO_NAME_TOO_LONG, /* writer: name does not fit the entry */
	UC_ERR_CPIO_BAD_ALIGN,    /* writer: alignment not a power of two ≥ 4 */

	/* Intel microcode update */
	UC_ERR_INTEL_TRUNCATED_HEADER, /* fewer than 48 bytes left */
	UC_ERR_INTEL_HEADER_VERSION, /* header version is not 1 */
	UC_ERR_INTEL_LOADER_VERSION, /* loader version is not 1 */
	UC_ERR_INTEL_DATASIZE_EXCEEDS_TOTAL, /* 48 + datasize > totalsize */
	UC_ERR_INTEL_TRUNCATED,   /* totalsize runs past the end of the buffer */
	UC_ERR_INTEL_TOTALSIZE_NOT_1K, /* totalsize not a multiple of 1024 (Xen) */
	UC_ERR_INTEL_DATASIZE_NOT_4, /* datasize not a multiple of 4 (Xen ≥ 4.20) */
	UC_ERR_INTEL_CHECKSUM,    /* header + data do not sum to zero */
	UC_ERR_INTEL_EXT_TRUNCATED, /* ext region shorter than its header / not whole entries */
	UC_ERR_INTEL_EXT_SIZE,    /* ext region size disagrees with its count */
	UC_ERR_INTEL_EXT_CHECKSUM, /* extended table does not sum to zero */
	UC_ERR_INTEL_EXT_ENTRY_CHECKSUM, /* an extended entry's checksum is wrong */
	UC_ERR_INTEL_TRAILING,    /* bytes after the last update that are no update */

	/* Intel .dat text */
	UC_ERR_DAT_BAD_CHAR,      /* a byte that starts no token (not blank, comment, ',' or literal) */
	UC_ERR_DAT_BAD_LITERAL,   /* a number that is not 0x + hex digits, or has a suffix */
	UC_ERR_DAT_LITERAL_TOO_LONG, /* more than 8 hex digits */
	UC_ERR_DAT_MISSING_COMMA, /* two literals with no comma between them */
	UC_ERR_DAT_STRAY_COMMA,   /* a comma with no literal before it */
	UC_ERR_DAT_UNTERMINATED_COMMENT, /* a slash-star comment never closed */

	/* AMD container */
	UC_ERR_AMD_TRUNCATED_HEADER, /* no room for magic + equivalence header */
	UC_ERR_AMD_BAD_MAGIC,     /* container does not start with "DMA\0" */
	UC_ERR_AMD_EQUIV_TYPE,    /* first section is not the equivalence table */
	UC_ERR_AMD_EQUIV_SIZE,    /* equivalence table empty or not in 16-byte entries */
	UC_ERR_AMD_EQUIV_PAST_END, /* equivalence table runs past the end */
	UC_ERR_AMD_EQUIV_TERMINATOR, /* last equivalence entry is not all zero */
	UC_ERR_AMD_SECTION_TRUNCATED, /* fewer than 8 bytes where a section header is due */
	UC_ERR_AMD_SECTION_TYPE,  /* patch section type is not 1 */
	UC_ERR_AMD_PATCH_TOO_SMALL, /* patch shorter than its 64-byte header */
	UC_ERR_AMD_PATCH_PAST_END, /* patch runs past the end */
	UC_ERR_AMD_PATCH_TOO_BIG, /* patch over the family's size cap */
	UC_ERR_AMD_CHIPSET_SPECIFIC, /* nb/sb device id set (Linux refuses) */
	UC_ERR_AMD_TRAILING,      /* zero padding where a section or container is due */

	/* What would load */
	UC_ERR_NO_FILE,           /* no vendor file in the buffer's early cpio */
	UC_ERR_NO_MATCH,          /* nothing for this CPU */
	UC_ERR_NOT_NEWER,         /* a match exists but is not newer than the CPU's */
	UC_ERR_FILE_REJECTED,     /* the consumer refuses the whole vendor file */
	UC_ERR_UNSUPPORTED_CPU,   /* consumer does not load microcode for this CPU */
	UC_ERR_REFUSED,           /* consumer refuses this patch (final level, min_rev) */

	/* Image checks: valid input that a loader would trip on */
	UC_ERR_SHADOWED,          /* an earlier member's name has the vendor path as prefix */
	UC_ERR_UNREACHABLE_NAME,  /* vendor file under a name the loaders never match */
	UC_ERR_DUPLICATE_MEMBER,  /* a second vendor file the loaders never read */
	UC_ERR_MISALIGNED,        /* Intel update data not 16-byte aligned */
	UC_ERR_AMD_ORDER,         /* a family < 15h container after a larger-patch one */
	UC_ERR_NOT_REGULAR,       /* the vendor path names a directory or other non-file */

	UC_ERR_MAX
};

/* A sentence fragment for err (either sign); never NULL. */
const char *uc_strerror(int err);

/* The identifier of err, e.g. "UC_ERR_INTEL_CHECKSUM"; never NULL. */
const char *uc_errname(int err);

#endif /* UCODE_ERR_H */

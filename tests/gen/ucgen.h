/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ucgen - synthetic early-microcode test data generator.
 *
 * Produces Intel microcode blobs, AMD microcode containers, newc cpio
 * archives and minimal ACPI tables, valid or with exactly one chosen
 * defect.  Deliberately independent of the project's lib/ parsers.
 * Layouts follow doc/formats.md.
 *
 * All generators APPEND to a struct ucgen_buf and return 0 on success or
 * -1 on a bad spec / out of memory (out is then left unchanged).
 */
#ifndef UCGEN_H
#define UCGEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ------------------------------------------------------------------ buffer */

struct ucgen_buf {
	uint8_t *data; /* malloc'd; release with ucgen_buf_free() */
	size_t len;
};

/* Frees b->data and resets *b to {NULL, 0}. */
void ucgen_buf_free(struct ucgen_buf *b);

/* Appends n bytes from p (p may be NULL when n == 0).  0 / -1 (ENOMEM). */
int ucgen_buf_append(struct ucgen_buf *b, const void *p, size_t n);

/* ------------------------------------------------------------------- Intel */

enum ucgen_intel_defect {
	UCGEN_INTEL_VALID = 0,
	UCGEN_INTEL_TRUNCATED_HEADER,       /* "truncated-header": 40 bytes only */
	UCGEN_INTEL_BAD_HEADER_VERSION,     /* "bad-header-version": hdrver = 2 */
	UCGEN_INTEL_BAD_LOADER_VERSION,     /* "bad-loader-version": ldrver = 2 */
	UCGEN_INTEL_DATASIZE_EXCEEDS_TOTAL, /* "datasize-exceeds-total" */
	UCGEN_INTEL_TRUNCATED_BODY,         /* "truncated-body" */
	UCGEN_INTEL_TOTALSIZE_NOT_1K,       /* "totalsize-not-1k" */
	UCGEN_INTEL_DATASIZE_NOT_4,         /* "datasize-not-4" */
	UCGEN_INTEL_BAD_CHECKSUM,           /* "bad-checksum" */
	UCGEN_INTEL_EXT_TRUNCATED,          /* "ext-truncated" */
	UCGEN_INTEL_EXT_SIZE_MISMATCH,      /* "ext-size-mismatch" */
	UCGEN_INTEL_EXT_BAD_CHECKSUM,       /* "ext-bad-checksum" */
	UCGEN_INTEL_EXT_BAD_ENTRY_CHECKSUM, /* "ext-bad-entry-checksum" */
	UCGEN_INTEL_DATASIZE_HUGE,          /* "datasize-huge" */
	UCGEN_INTEL_TOTALSIZE_HUGE,         /* "totalsize-huge" */
	UCGEN_INTEL_DEFECT_MAX
};

struct ucgen_intel {
	uint32_t sig, pf, rev, date; /* date BCD 0xMMDDYYYY; 0 -> 0x01012024 */
	/*
	 * Bytes of pseudo-random update data.  0 -> old-style blob: 2000 data
	 * bytes, datasize and totalsize fields written as 0 (only possible
	 * without an extended table and for VALID, header/loader-version and
	 * bad-checksum defects; otherwise 0 means 2000 with explicit fields).
	 * Non-zero values are rounded up to 4.
	 */
	uint32_t datasize;
	/*
	 * Extra zero bytes appended to the data before rounding (normally 0).
	 * Valid blobs: data is padded with zero bytes (datasize field grows)
	 * until totalsize = 48 + datasize + ext-table size is a multiple of
	 * 1024; the random part stays at the start of the data.
	 */
	uint32_t total_pad;
	unsigned n_ext; /* extended signature entries (<= 8) */
	struct {
		uint32_t sig, pf;
	} ext[8];
	uint32_t fill_seed; /* data = PRNG(sig, pf, rev, fill_seed) */
	/* Header bytes 40..43 (newer Linux: min_req_ver, the lowest running
	 * revision a late load is safe from); 0, as in older updates. */
	uint32_t min_req_ver;
	enum ucgen_intel_defect defect;
};

/*
 * Appends one Intel microcode blob (doc/formats.md#intel-update): hdrver =
 * ldrver = 1, all three rules of doc/formats.md#intel-checksums satisfied, totalsize 1 KiB granular, bytes
 * 36..47 zero but min_req_ver at 40.  A defect breaks only the named rule:
 *  truncated-header       first 40 bytes of the valid blob.
 *  bad-header-version     hdrver = 2, checksums recomputed (valid).
 *  bad-loader-version     ldrver = 2, checksums recomputed (valid).
 *  datasize-exceeds-total all bytes of the valid blob (datasize >= 2000),
 *                         but the totalsize field is 1024 less (still 1K
 *                         granular, < 48 + datasize).
 *  truncated-body         valid header, only totalsize/2 bytes emitted.
 *  totalsize-not-1k       no rounding: totalsize = 48+datasize+ext with
 *                         totalsize % 1024 != 0 (datasize stays % 4 == 0).
 *  datasize-not-4         datasize % 4 == 2, totalsize = 48+datasize+ext
 *                         (necessarily neither % 4 nor % 1024), ext table
 *                         right after the data (unaligned); main checksum
 *                         over floor((48+datasize)/4) dwords as Linux does.
 *  bad-checksum           one data dword incremented: rule 1 fails, rules
 *                         2 and 3 (which depend on hdr.cksum) still hold.
 *  ext-truncated          16-byte ext region (< 20), totalsize 1K granular.
 *  ext-size-mismatch      count field = n_ext + 1, region = 20 + 12*n_ext;
 *                         ext checksum over the real region is 0.
 *  ext-bad-checksum       ext header cksum + 1 (rule 2 only).
 *  ext-bad-entry-checksum entry[0].cksum + 1 and ext hdr cksum - 1 (rule 3
 *                         only).
 *  datasize-huge          datasize field 0xfffffff0 (48 + datasize wraps
 *                         32 bits), all bytes of the valid blob.
 *  totalsize-huge         totalsize field 0xfffffc00 (1 KiB granular, far
 *                         past the end), all bytes of the valid blob.
 * The ext-* defects add one entry {sig + 1, pf} when n_ext == 0.
 */
int ucgen_intel(const struct ucgen_intel *spec, struct ucgen_buf *out);

/* Returns the kebab-case name ("bad-checksum", "valid", ...) or NULL. */
const char *ucgen_intel_defect_name(enum ucgen_intel_defect d);

/* --------------------------------------------------------------------- AMD */

enum ucgen_amd_defect {
	UCGEN_AMD_VALID = 0,
	UCGEN_AMD_BAD_MAGIC,            /* "bad-magic" */
	UCGEN_AMD_TRUNCATED_HEADER,     /* "truncated-header": 10 bytes */
	UCGEN_AMD_EQUIV_BAD_TYPE,       /* "equiv-bad-type": type 2 */
	UCGEN_AMD_EQUIV_LEN_NOT_16,     /* "equiv-len-not-16" */
	UCGEN_AMD_EQUIV_LEN_ZERO,       /* "equiv-len-zero" */
	UCGEN_AMD_EQUIV_PAST_END,       /* "equiv-past-end" */
	UCGEN_AMD_EQUIV_NO_TERMINATOR,  /* "equiv-no-terminator" */
	UCGEN_AMD_SECTION_BAD_TYPE,     /* "section-bad-type" */
	UCGEN_AMD_PATCH_TOO_SMALL,      /* "patch-too-small": P = 32 */
	UCGEN_AMD_PATCH_PAST_END,       /* "patch-past-end" */
	UCGEN_AMD_CHIPSET_SPECIFIC,     /* "chipset-specific" */
	UCGEN_AMD_TRAILING_JUNK,        /* "trailing-junk" */
	UCGEN_AMD_EQUIV_LEN_HUGE,       /* "equiv-len-huge": L = 0xfffffff0 */
	UCGEN_AMD_PATCH_SIZE_HUGE,      /* "patch-size-huge": P = 0xfffffff8 */
	UCGEN_AMD_DEFECT_MAX
};

struct ucgen_amd_equiv {
	uint32_t installed_cpu; /* CPUID(1).EAX */
	uint16_t equiv_id;      /* 0 -> ucgen_amd_equiv_id(installed_cpu) */
};

struct ucgen_amd_patch {
	uint32_t patch_id;
	/* 0 -> derived: Zen patch ids (top byte >= 8) decode to a CPUID whose
	 * equivalence id is used; otherwise the first equiv entry's id. */
	uint16_t equiv_id;
	uint32_t date;      /* BCD 0xMMDDYYYY; 0 -> 0x01012024 */
	uint32_t size;      /* bytes incl. 64-byte header; 0 -> 3200; >= 64 */
	uint32_t min_rev;   /* written at header offset 12 */
	uint32_t fill_seed; /* body = PRNG(patch_id, equiv_id, fill_seed) */
};

struct ucgen_amd {
	unsigned n_equiv; /* <= 32; a zero terminator entry is appended */
	struct ucgen_amd_equiv equiv[32];
	unsigned n_patch; /* <= 32 */
	struct ucgen_amd_patch patch[32];
	enum ucgen_amd_defect defect;
	unsigned defect_index; /* which patch a patch-level defect hits */
};

/*
 * Appends one AMD container (doc/formats.md#amd-container): magic 0x00414d44, equiv
 * section (type 0, 16-byte entries + zero terminator), then one type-1
 * section per patch with a 64-byte header (date, patch_id, data_id 0x8000,
 * min_rev at +12, nb/sb ids 0, processor_rev_id = equiv id) and a
 * pseudo-random body.  Defects (all other structure stays valid):
 *  bad-magic           magic 0x00414d45.
 *  truncated-header    first 10 bytes of the valid container.
 *  equiv-bad-type      equiv section type 2.
 *  equiv-len-not-16    L = 16*k + 4 (4 extra zero bytes really present).
 *  equiv-len-zero      L = 0, no table bytes; patch sections follow.
 *  equiv-past-end      L (multiple of 16) exceeds the container's bytes.
 *  equiv-no-terminator zero entry omitted (L = 16 * n_equiv, n_equiv >= 1).
 *  section-bad-type    patch[defect_index] section type 2.
 *  patch-too-small     patch[defect_index] P = 32, 32 bytes emitted.
 *  patch-past-end      patch[defect_index] P = 64 + its bytes to the end of
 *                      the container.
 *  chipset-specific    patch[defect_index] nb_dev_id = 0x1022.
 *  trailing-junk       16 bytes "JUNK..." after the container.
 *  equiv-len-huge      L = 0xfffffff0 (a multiple of 16 that wraps 32 bits
 *                      with the header), the valid table's bytes follow.
 *  patch-size-huge     patch[defect_index] P = 0xfffffff8, its valid bytes
 *                      follow.
 */
int ucgen_amd(const struct ucgen_amd *spec, struct ucgen_buf *out);

/* Returns the kebab-case name ("bad-magic", ...) or NULL. */
const char *ucgen_amd_defect_name(enum ucgen_amd_defect d);

/* Equivalence id of a CPUID (doc/formats.md#amd-equivalence-table):
 * 0x00A70F52 -> 0xA752. */
uint16_t ucgen_amd_equiv_id(uint32_t cpuid);

/* Zen patch id for a CPUID and revision byte (doc/formats.md#amd-patch-ids):
 * (0x00A70F52, 6) -> 0x0A705206. */
uint32_t ucgen_amd_zen_patch_id(uint32_t cpuid, uint8_t rev);

/* -------------------------------------------------------------------- cpio */

struct ucgen_cpio_entry {
	const char *name; /* no leading '/' needed; written as given */
	uint32_t mode;    /* e.g. 0100644 (file), 040755 (directory) */
	const void *data;
	size_t size;
};

enum ucgen_cpio_defect {
	UCGEN_CPIO_VALID = 0,
	UCGEN_CPIO_BAD_MAGIC,          /* "bad-magic": "070703" */
	UCGEN_CPIO_BAD_HEX,            /* "bad-hex": 'g' in the filesize field */
	UCGEN_CPIO_NAMESIZE_ZERO,      /* "namesize-zero": no name bytes */
	UCGEN_CPIO_NAMESIZE_HUGE,      /* "namesize-huge": 0xFFFFFFF0 */
	UCGEN_CPIO_FILESIZE_PAST_END,  /* "filesize-past-end" */
	UCGEN_CPIO_NAME_UNTERMINATED,  /* "name-unterminated": NUL -> 'X' */
	UCGEN_CPIO_TRUNCATED_HEADER,   /* "truncated-header" */
	UCGEN_CPIO_FILESIZE_HUGE,      /* "filesize-huge": 0xFFFFFFFF */
	UCGEN_CPIO_DEFECT_MAX
};

struct ucgen_cpio_opts {
	/* 0 or 4: natural newc; 16: pad the NAME of regular files with NULs
	 * (namesize grows) so their data starts 16-aligned relative to the
	 * archive start (= out->len when ucgen_cpio() is called). */
	unsigned data_align;
	unsigned pad_to; /* pad the archive with zeros to a multiple; 0 none */
	enum ucgen_cpio_defect defect;
	/* entry hit by the defect; == n means the TRAILER!!! entry */
	unsigned defect_index;
	bool no_trailer;
	uint32_t mtime;
};

/*
 * Appends a newc ("070701") archive of the n entries followed by
 * TRAILER!!! (unless no_trailer) and zero padding to pad_to.  ino counts
 * from 1 (trailer 0), nlink 2 for directories else 1, uid/gid/dev/check 0.
 * Defects on entry defect_index:
 *  bad-magic          magic "070703".
 *  bad-hex            first digit of filesize is 'g'.
 *  namesize-zero      namesize 0 and no name bytes (data at header + 112).
 *  namesize-huge      namesize 0xFFFFFFF0, rest written normally.
 *  filesize-past-end  filesize = (archive end incl. padding - data start)
 *                     + 1; bytes as for the valid archive.
 *  name-unterminated  the name's terminating NUL becomes 'X'.
 *  truncated-header   archive ends after 60 bytes of that header (no
 *                     trailer, no padding).
 *  filesize-huge      filesize 0xFFFFFFFF (wraps 32 bits with the data
 *                     offset); bytes as for the valid archive.
 * o may be NULL (all defaults).
 */
int ucgen_cpio(const struct ucgen_cpio_entry *e, unsigned n,
	       const struct ucgen_cpio_opts *o, struct ucgen_buf *out);

/* Returns the kebab-case name ("bad-hex", ...) or NULL. */
const char *ucgen_cpio_defect_name(enum ucgen_cpio_defect d);

/* -------------------------------------------------------------------- ACPI */

/*
 * Appends a minimal valid ACPI table: 36-byte header only, signature sig
 * (4 chars), length 36, revision 2, OEM ID "UCGEN ", OEM table id
 * oem_table_id (NULL -> "UCGENTBL", space padded to 8), OEM revision 1,
 * creator "UCGN" rev 1, checksum so that all bytes sum to 0 mod 256.
 */
int ucgen_acpi(const char *sig, const char *oem_table_id,
	       struct ucgen_buf *out);

#endif /* UCGEN_H */

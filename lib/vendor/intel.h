/* SPDX-License-Identifier: GPL-2.0-or-later OR BSD-2-Clause */
/*
 * Intel microcode updates (doc/formats.md#intel-update): parse and validate one update,
 * walk a concatenation (GenuineIntel.bin), match a CPU.
 */
#ifndef UC_INTEL_H
#define UC_INTEL_H

#include "ucode_env.h"
#include "ucode_err.h"
#include "ucode_consumer.h"

#define UC_INTEL_HEADER_SIZE 48
#define UC_INTEL_EXT_HEADER_SIZE 20
#define UC_INTEL_EXT_ENTRY_SIZE 12
/* An old-style header with datasize 0 means these sizes. */
#define UC_INTEL_DEFAULT_DATASIZE 2000
#define UC_INTEL_DEFAULT_TOTALSIZE 2048

/* Header field offsets. */
#define UC_INTEL_HDRVER_OFF 0
#define UC_INTEL_REV_OFF 4
#define UC_INTEL_DATE_OFF 8
#define UC_INTEL_SIG_OFF 12
#define UC_INTEL_CKSUM_OFF 16
#define UC_INTEL_LDRVER_OFF 20
#define UC_INTEL_PF_OFF 24
#define UC_INTEL_DATASIZE_OFF 28
#define UC_INTEL_TOTALSIZE_OFF 32

struct uc_intel_update {
	const uint8_t *hdr;  /* first byte of the update in the caller's buffer */
	uint32_t total_size; /* defaults applied */
	uint32_t data_size;  /* defaults applied */
	uint32_t rev;        /* as stored; Xen compares it signed */
	uint32_t date;       /* BCD 0xMMDDYYYY */
	uint32_t sig;
	uint32_t pf;
	uint32_t cksum;
	uint32_t ext_count;  /* extended signatures, 0 without a table */
	const uint8_t *ext;  /* extended table header, or NULL */
};

/*
 * Parse and validate the update at the start of buf as consumer c would
 * (UC_STRICT: every rule any consumer applies, so what it accepts every
 * consumer accepts with the same size; an old-style header with datasize
 * 0 must then give totalsize 0 or 2048).  Only the update's own
 * bytes are examined; bytes after total_size are the caller's business.
 * Returns 0 with *u filled, -UC_ERR_BADARG for an invalid consumer, or the
 * first rule broken:
 * -UC_ERR_INTEL_TRUNCATED_HEADER, _HEADER_VERSION, _LOADER_VERSION,
 * _DATASIZE_EXCEEDS_TOTAL, _TRUNCATED, _TOTALSIZE_NOT_1K (Xen),
 * _DATASIZE_NOT_4 (Xen ≥ 4.20), _EXT_TRUNCATED, _EXT_SIZE, _CHECKSUM,
 * _EXT_CHECKSUM, _EXT_ENTRY_CHECKSUM.
 */
int uc_intel_parse(const void *buf, size_t len, enum uc_consumer c,
		   struct uc_intel_update *u);

/*
 * Walk a concatenation of updates.  *pos is the offset of the next update;
 * on success it moves past it.  Returns 1 with *u filled, 0 at the end of
 * buf, or a negative error for the update at *pos (*pos stays there: it is
 * the error's offset).  Bytes after the last update that are all zero give
 * -UC_ERR_INTEL_TRAILING.
 */
int uc_intel_next(const void *buf, size_t len, size_t *pos,
		  enum uc_consumer c, struct uc_intel_update *u);

/*
 * Cheap content test: could buf start with an Intel update (a whole header,
 * header and loader version 1)?  Binary updates answer true; .dat text, cpio
 * archives and AMD containers false.  uc_intel_parse() decides the rest.
 */
bool uc_intel_probe(const void *buf, size_t len);

/* Signatures an update carries: index 0 is the header's, 1..ext_count the
 * extended table's. */
static inline uint32_t uc_intel_nsigs(const struct uc_intel_update *u)
{
	return 1 + u->ext_count;
}

void uc_intel_sig(const struct uc_intel_update *u, uint32_t i, uint32_t *sig,
		  uint32_t *pf);

/*
 * Does the update apply to a CPU with signature sig and platform-flags mask
 * pf (1 << platform id, or 0 when the CPU has none)?  Main header first,
 * then every extended entry.  Masks must intersect, except that Linux 6.1
 * pairs a zero CPU mask with a zero update mask and newest Linux fits an
 * update with a zero mask to every CPU.
 */
bool uc_intel_match(const struct uc_intel_update *u, uint32_t sig, uint32_t pf,
		    enum uc_consumer c);

/*
 * Order two revisions as consumer c does: <0 when b is older than a, 0 the
 * same, >0 when b is newer.  Linux compares unsigned; Xen signed, with a
 * negative (pre-production) b always newer.
 */
int uc_intel_rev_cmp(uint32_t a, uint32_t b, enum uc_consumer c);

#endif /* UC_INTEL_H */

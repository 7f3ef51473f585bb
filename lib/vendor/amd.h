/* SPDX-License-Identifier: GPL-2.0-or-later OR BSD-2-Clause */
/*
 * AMD microcode containers (doc/formats.md#amd-container): walk concatenated containers,
 * validate their equivalence tables and patch sections, map a CPU to its
 * equivalence id and patches, and the per-family patch size caps.
 */
#ifndef UC_AMD_H
#define UC_AMD_H

#include "ucode_env.h"
#include "ucode_err.h"
#include "ucode_consumer.h"

#define UC_AMD_MAGIC 0x00414d44u        /* "DMA\0" */
#define UC_AMD_CONTAINER_HDR_SIZE 12    /* magic + equivalence section header */
#define UC_AMD_SECTION_HDR_SIZE 8       /* type + length */
#define UC_AMD_EQUIV_ENTRY_SIZE 16
#define UC_AMD_PATCH_HDR_SIZE 64
#define UC_AMD_TYPE_EQUIV 0
#define UC_AMD_TYPE_PATCH 1

/* Equivalence entry field offsets. */
#define UC_AMD_EQUIV_CPU_OFF 0          /* installed_cpu: CPUID(1).EAX */
#define UC_AMD_EQUIV_ID_OFF 12          /* equiv_cpu: the patches' processor_rev_id */

/* Patch header field offsets. */
#define UC_AMD_DATE_OFF 0
#define UC_AMD_PATCH_ID_OFF 4
#define UC_AMD_MIN_REV_OFF 12
#define UC_AMD_NB_DEV_OFF 16
#define UC_AMD_SB_DEV_OFF 20
#define UC_AMD_PROC_REV_ID_OFF 24

struct uc_amd_container {
	const uint8_t *base;   /* the magic, in the caller's buffer */
	size_t avail;          /* bytes from base to the end of the buffer */
	const uint8_t *equiv;  /* first equivalence entry */
	uint32_t equiv_len;    /* bytes of equivalence entries */
	size_t patches;        /* offset from base of the first patch section */
};

struct uc_amd_patch {
	const uint8_t *hdr;    /* 64-byte patch header (what PATCH_LOADER takes) */
	uint32_t size;         /* section length: header + body */
	size_t offset;         /* of the section header, from the container base */
	uint32_t date;         /* BCD 0xMMDDYYYY */
	uint32_t patch_id;
	uint32_t min_rev;
	uint32_t nb_dev_id, sb_dev_id;
	uint16_t equiv_id;     /* processor_rev_id */
};

/*
 * Open the container at the start of buf: magic, equivalence section type,
 * a non-empty table of whole 16-byte entries inside the buffer and, for Xen
 * 4.17 and UC_STRICT, a zero terminator entry.  Linux newest checks only the
 * magic on family ≥ 17h CPUs; that is the loader walk's business, not this.
 * Returns 0, -UC_ERR_BADARG (invalid consumer), -UC_ERR_AMD_TRUNCATED_HEADER,
 * _BAD_MAGIC, _EQUIV_TYPE,
 * _EQUIV_SIZE, _EQUIV_PAST_END or _EQUIV_TERMINATOR.
 */
int uc_amd_open(const void *buf, size_t len, enum uc_consumer c,
		struct uc_amd_container *ct);

/*
 * Next patch section of the container.  *pos is an offset from the base,
 * starting at ct->patches.  Returns 1 with *p filled (and *pos past it);
 * 0 when the container ends (end of buffer, or the next container's magic
 * at *pos); or -UC_ERR_AMD_SECTION_TRUNCATED, _SECTION_TYPE,
 * _PATCH_TOO_SMALL, _PATCH_PAST_END for the section at *pos.
 */
int uc_amd_next_patch(const struct uc_amd_container *ct, size_t *pos,
		      struct uc_amd_patch *p);

/*
 * Open the container at *pos in buf and walk it to its end, checking each
 * patch section.  Returns 1 with *ct filled and *pos at the next container
 * (or len); 0 when *pos == len; a negative error otherwise, with *pos moved
 * to the offset in buf of what broke the rule: the container, or the patch
 * section inside it.  Zero padding after a container gives
 * -UC_ERR_AMD_TRAILING (the loaders stop there).
 */
int uc_amd_next_container(const void *buf, size_t len, size_t *pos,
			  enum uc_consumer c, struct uc_amd_container *ct);

/*
 * Cheap content test: does buf start with an AMD container's magic?  Says
 * nothing of what follows; uc_amd_open() checks that.
 */
bool uc_amd_probe(const void *buf, size_t len);

static inline uint32_t uc_amd_equiv_count(const struct uc_amd_container *ct)
{
	return ct->equiv_len / UC_AMD_EQUIV_ENTRY_SIZE;
}

/*
 * The fields of one 16-byte equivalence entry at e, in a container or in a
 * copy of one.  An all-zero entry ends a table.
 */
static inline uint32_t uc_amd_equiv_entry_cpu(const uint8_t *e)
{
	return uc_le32(e + UC_AMD_EQUIV_CPU_OFF);
}

static inline uint16_t uc_amd_equiv_entry_id(const uint8_t *e)
{
	return uc_le16(e + UC_AMD_EQUIV_ID_OFF);
}

/* Entry i of the equivalence table. */
void uc_amd_equiv_entry(const struct uc_amd_container *ct, uint32_t i,
			uint32_t *installed_cpu, uint16_t *equiv_id);

/* Equivalence id for CPUID(1).EAX sig: 0, or -UC_ERR_NOT_FOUND. */
int uc_amd_equiv_lookup(const struct uc_amd_container *ct, uint32_t sig,
			uint16_t *equiv_id);

/* Family a patch is for: 0xf + processor_rev_id[15:12]. */
static inline unsigned int uc_amd_patch_family(const struct uc_amd_patch *p)
{
	return 0xfu + (p->equiv_id >> 12);
}

/* The equivalence id AMD derives from a signature: 00A70F52 → A752. */
uint16_t uc_amd_equiv_id_of(uint32_t sig);

/* The CPUID a Zen (family ≥ 17h) patch id encodes: 0x0A705206 → 00A70F52. */
uint32_t uc_amd_zen_sig(uint32_t patch_id);

/*
 * Largest patch consumer c loads on a CPU of the given family (the CPU's,
 * not the patch's); UINT32_MAX for no cap; 0 when every patch is refused
 * (and for an invalid consumer).
 */
uint32_t uc_amd_max_patch_size(unsigned int family, enum uc_consumer c);

#endif /* UC_AMD_H */

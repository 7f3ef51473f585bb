// SPDX-License-Identifier: GPL-2.0-or-later OR BSD-2-Clause
/* AMD microcode containers: doc/formats.md#amd-container, doc/loaders.md#linux-amd. */
#include "amd.h"

static bool needs_terminator(enum uc_consumer c)
{
	return c == UC_XEN_4_17 || c == UC_STRICT;
}

static bool needs_whole_entries(enum uc_consumer c)
{
	return uc_consumer_is_xen(c) || c == UC_STRICT;
}

int uc_amd_open(const void *buf, size_t len, enum uc_consumer c,
		struct uc_amd_container *ct)
{
	const uint8_t *b = buf;
	uint32_t elen;

	if (!uc_consumer_valid(c))
		return -UC_ERR_BADARG;
	if (len < UC_AMD_CONTAINER_HDR_SIZE)            /* Room for the headers? */
		return -UC_ERR_AMD_TRUNCATED_HEADER;
	if (uc_le32(b) != UC_AMD_MAGIC)                 /* A container at all? */
		return -UC_ERR_AMD_BAD_MAGIC;
	if (uc_le32(b + 4) != UC_AMD_TYPE_EQUIV)        /* Table comes first? */
		return -UC_ERR_AMD_EQUIV_TYPE;
	elen = uc_le32(b + 8);
	if (elen < UC_AMD_EQUIV_ENTRY_SIZE ||           /* At least one entry? */
	    (needs_whole_entries(c) && elen % UC_AMD_EQUIV_ENTRY_SIZE))
		return -UC_ERR_AMD_EQUIV_SIZE;
	if (elen > len - UC_AMD_CONTAINER_HDR_SIZE)     /* Inside the buffer? */
		return -UC_ERR_AMD_EQUIV_PAST_END;
	/* Xen 4.17 looks for the zero entry ending the table. */
	if (needs_terminator(c) &&
	    uc_le32(b + UC_AMD_CONTAINER_HDR_SIZE +
		    (elen / UC_AMD_EQUIV_ENTRY_SIZE - 1) * UC_AMD_EQUIV_ENTRY_SIZE))
		return -UC_ERR_AMD_EQUIV_TERMINATOR;

	ct->base = b;
	ct->avail = len;
	ct->equiv = b + UC_AMD_CONTAINER_HDR_SIZE;
	ct->equiv_len = elen - elen % UC_AMD_EQUIV_ENTRY_SIZE;
	ct->patches = UC_AMD_CONTAINER_HDR_SIZE + (size_t)elen;
	return 0;
}

int uc_amd_next_patch(const struct uc_amd_container *ct, size_t *pos,
		      struct uc_amd_patch *p)
{
	const uint8_t *s, *h;
	size_t at = *pos, left;
	uint32_t psize;

	if (at >= ct->avail)
		return 0;
	left = ct->avail - at;
	s = ct->base + at;
	if (left >= 4 && uc_le32(s) == UC_AMD_MAGIC)    /* Next container? */
		return 0;
	if (left < UC_AMD_SECTION_HDR_SIZE)             /* Room for the header? */
		return -UC_ERR_AMD_SECTION_TRUNCATED;
	if (uc_le32(s) != UC_AMD_TYPE_PATCH)            /* A patch section? */
		return -UC_ERR_AMD_SECTION_TYPE;
	psize = uc_le32(s + 4);
	if (psize < UC_AMD_PATCH_HDR_SIZE)              /* Room for its header? */
		return -UC_ERR_AMD_PATCH_TOO_SMALL;
	if (psize > left - UC_AMD_SECTION_HDR_SIZE)     /* Inside the buffer? */
		return -UC_ERR_AMD_PATCH_PAST_END;

	h = s + UC_AMD_SECTION_HDR_SIZE;
	p->hdr = h;
	p->size = psize;
	p->offset = at;
	p->date = uc_le32(h + UC_AMD_DATE_OFF);
	p->patch_id = uc_le32(h + UC_AMD_PATCH_ID_OFF);
	p->min_rev = uc_le32(h + UC_AMD_MIN_REV_OFF);
	p->nb_dev_id = uc_le32(h + UC_AMD_NB_DEV_OFF);
	p->sb_dev_id = uc_le32(h + UC_AMD_SB_DEV_OFF);
	p->equiv_id = uc_le16(h + UC_AMD_PROC_REV_ID_OFF);
	*pos = at + UC_AMD_SECTION_HDR_SIZE + psize;
	return 1;
}

int uc_amd_next_container(const void *buf, size_t len, size_t *pos,
			  enum uc_consumer c, struct uc_amd_container *ct)
{
	const uint8_t *b = buf;
	struct uc_amd_patch p;
	size_t at = *pos, ppos;
	int r;

	if (at >= len)
		return 0;
	r = uc_amd_open(b + at, len - at, c, ct);
	if (r)
		return r;
	ppos = ct->patches;
	while ((r = uc_amd_next_patch(ct, &ppos, &p)) > 0) {
		/* Linux stops at chipset-specific patches. */
		if ((c == UC_STRICT || !uc_consumer_is_xen(c)) &&
		    (p.nb_dev_id || p.sb_dev_id))
			r = -UC_ERR_AMD_CHIPSET_SPECIFIC;
		/* A careful file fits every loader of the patch's own family. */
		else if (c == UC_STRICT &&
			 p.size > uc_amd_max_patch_size(uc_amd_patch_family(&p), c))
			r = -UC_ERR_AMD_PATCH_TOO_BIG;
		if (r < 0) {
			ppos = p.offset;
			break;
		}
	}
	if (r < 0) {
		/* Zero padding after a container: a common builder mistake. */
		if (r == -UC_ERR_AMD_SECTION_TYPE && ct->avail - ppos >= 8 &&
		    !uc_le32(ct->base + ppos) && !uc_le32(ct->base + ppos + 4))
			r = -UC_ERR_AMD_TRAILING;
		*pos = at + ppos;
		return r;
	}
	*pos = at + ppos;
	return 1;
}

void uc_amd_equiv_entry(const struct uc_amd_container *ct, uint32_t i,
			uint32_t *installed_cpu, uint16_t *equiv_id)
{
	const uint8_t *e = ct->equiv + (size_t)i * UC_AMD_EQUIV_ENTRY_SIZE;

	*installed_cpu = uc_amd_equiv_entry_cpu(e);
	*equiv_id = uc_amd_equiv_entry_id(e);
}

bool uc_amd_probe(const void *buf, size_t len)
{
	return len >= 4 && uc_le32(buf) == UC_AMD_MAGIC;
}

int uc_amd_equiv_lookup(const struct uc_amd_container *ct, uint32_t sig,
			uint16_t *equiv_id)
{
	for (uint32_t i = 0; i < uc_amd_equiv_count(ct); i++) {
		uint32_t cpu;
		uint16_t id;

		uc_amd_equiv_entry(ct, i, &cpu, &id);
		if (cpu == sig) {
			*equiv_id = id;
			return 0;
		}
	}
	return -UC_ERR_NOT_FOUND;
}

uint16_t uc_amd_equiv_id_of(uint32_t sig)
{
	unsigned int ext_fam = (sig >> 20) & 0xff, ext_model = (sig >> 16) & 0xf;
	unsigned int model = (sig >> 4) & 0xf, stepping = sig & 0xf;

	return (uint16_t)((ext_fam & 0xf) << 12 | ext_model << 8 | model << 4 |
			  stepping);
}

uint32_t uc_amd_zen_sig(uint32_t patch_id)
{
	uint32_t ext_fam = patch_id >> 24, ext_model = (patch_id >> 20) & 0xf;
	uint32_t model = (patch_id >> 12) & 0xf, stepping = (patch_id >> 8) & 0xf;

	return ext_fam << 20 | ext_model << 16 | 0xfu << 8 | model << 4 | stepping;
}

static uint32_t linux_cap(unsigned int family)
{
	if (family >= 0x15)
		return UINT32_MAX;
	if (family >= 0x10 && family <= 0x12)
		return 2048;
	if (family == 0x14)
		return 1824;
	return 0;       /* Linux warns "WTF family" and refuses */
}

static uint32_t xen_cap(unsigned int family, bool newer)
{
	switch (family) {
	case 0x14: return 1824;
	case 0x15: return 4096;
	case 0x16: return 3458;
	case 0x17: return 3200;
	case 0x19: return 5568;
	case 0x1a: return newer ? 15296 : 2048;
	default:   return 2048;
	}
}

uint32_t uc_amd_max_patch_size(unsigned int family, enum uc_consumer c)
{
	uint32_t lc, xc;

	switch (c) {
	case UC_LINUX_6_1:
	case UC_LINUX_NEWEST:
		return linux_cap(family);
	case UC_XEN_4_17:
		return xen_cap(family, false);
	case UC_XEN_NEWER:
		return xen_cap(family, true);
	case UC_STRICT:
		/* What both Linux and current Xen accept. */
		lc = linux_cap(family);
		xc = xen_cap(family, true);
		return lc < xc ? lc : xc;
	default:
		return 0;
	}
}

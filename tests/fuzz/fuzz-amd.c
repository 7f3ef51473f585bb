// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Fuzz target: AMD containers (lib/vendor/amd.c).  The input is an
 * AuthenticAMD.bin.  For every consumer: uc_amd_open and the patch walk of
 * uc_amd_next_patch describe bytes inside the container and move forward;
 * each CPU of the equivalence table is found by uc_amd_equiv_lookup with
 * the id of its first entry; uc_amd_next_container walks the whole file
 * forward and names an offset inside it on an error; and what UC_STRICT
 * accepts every consumer accepts, ending at the same place.
 */
#include "fuzz.h"
#include "vendor/amd.h"

static bool amd_error(int r)
{
	return r <= -UC_ERR_AMD_TRUNCATED_HEADER && r >= -UC_ERR_AMD_TRAILING;
}

static void lookups(const struct uc_amd_container *ct)
{
	uint32_t n = uc_amd_equiv_count(ct);

	for (uint32_t i = 0; i < n && i < 64; i++) {
		uint32_t cpu, first_cpu;
		uint16_t id, first_id = 0, got = 0;
		uint32_t j;

		uc_amd_equiv_entry(ct, i, &cpu, &id);
		for (j = 0; j <= i; j++) {
			uc_amd_equiv_entry(ct, j, &first_cpu, &first_id);
			if (first_cpu == cpu)
				break;
		}
		FUZZ_ASSERT(j <= i);
		FUZZ_ASSERT(uc_amd_equiv_lookup(ct, cpu, &got) == 0 && got == first_id);
	}
	(void)uc_amd_equiv_lookup(ct, 0x00a20f12, &(uint16_t){ 0 });
}

static void patches(const struct uc_amd_container *ct, enum uc_consumer c)
{
	struct uc_amd_patch p;
	size_t pos = ct->patches, before = pos;
	int r;

	while ((r = uc_amd_next_patch(ct, &pos, &p)) > 0) {
		FUZZ_ASSERT(p.offset == before);
		FUZZ_ASSERT(p.hdr == ct->base + before + UC_AMD_SECTION_HDR_SIZE);
		FUZZ_ASSERT(p.size >= UC_AMD_PATCH_HDR_SIZE);
		FUZZ_ASSERT(pos == before + UC_AMD_SECTION_HDR_SIZE + p.size);
		FUZZ_ASSERT(pos <= ct->avail);
		FUZZ_ASSERT(p.patch_id == uc_le32(p.hdr + UC_AMD_PATCH_ID_OFF));
		FUZZ_ASSERT(p.equiv_id == uc_le16(p.hdr + UC_AMD_PROC_REV_ID_OFF));
		(void)uc_amd_max_patch_size(uc_amd_patch_family(&p), c);
		(void)uc_amd_zen_sig(p.patch_id);
		before = pos;
	}
	FUZZ_ASSERT(pos == before && pos <= ct->avail);
	if (r < 0)
		FUZZ_ASSERT(amd_error(r) && pos < ct->avail);
	else if (pos < ct->avail)   /* ended at the next container's magic */
		FUZZ_ASSERT(ct->avail - pos >= 4 && uc_le32(ct->base + pos) == UC_AMD_MAGIC);
}

/* Walk the file by containers; returns where the walk ended and why. */
static int containers(const uint8_t *b, size_t len, enum uc_consumer c,
		      size_t *end)
{
	struct uc_amd_container ct;
	size_t pos = 0, before = 0;
	int r;

	while ((r = uc_amd_next_container(b, len, &pos, c, &ct)) > 0) {
		FUZZ_ASSERT(ct.base == b + before);
		FUZZ_ASSERT(pos > before && pos <= len);
		before = pos;
	}
	if (r < 0)
		FUZZ_ASSERT(amd_error(r) && pos >= before && pos < len);
	else
		FUZZ_ASSERT(pos == before && pos == len);
	*end = pos;
	return r;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct uc_amd_container ct;
	size_t strict_end, end;
	int strict_open, strict_walk;

	strict_open = uc_amd_open(data, size, UC_STRICT, &ct);
	strict_walk = containers(data, size, UC_STRICT, &strict_end);
	for (unsigned int i = 0; i < UC_RULE_SETS; i++) {
		enum uc_consumer c = uc_rule_set(i);
		int r = uc_amd_open(data, size, c, &ct);

		if (!strict_open)
			FUZZ_ASSERT(r == 0);
		if (r) {
			FUZZ_ASSERT(amd_error(r));
		} else {
			FUZZ_ASSERT(ct.base == data && ct.avail == size);
			FUZZ_ASSERT(ct.equiv == data + UC_AMD_CONTAINER_HDR_SIZE);
			FUZZ_ASSERT(ct.equiv_len % UC_AMD_EQUIV_ENTRY_SIZE == 0 &&
				    ct.equiv_len >= UC_AMD_EQUIV_ENTRY_SIZE);
			FUZZ_ASSERT(ct.patches >= UC_AMD_CONTAINER_HDR_SIZE + ct.equiv_len &&
				    ct.patches <= size);
			lookups(&ct);
			patches(&ct, c);
		}
		r = containers(data, size, c, &end);
		if (!strict_walk)
			FUZZ_ASSERT(r == 0 && end == strict_end);
	}
	return 0;
}

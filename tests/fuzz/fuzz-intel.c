// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Fuzz target: Intel updates (lib/vendor/intel.c).  Input: one flag byte,
 * then the bytes of a GenuineIntel.bin.  With flag bit 0 set the three
 * checksums of every update are made right first (as far as the sizes
 * allow), so mutations get past them to the rules behind.
 *
 * For every consumer: uc_intel_parse describes the bytes it was given and
 * nothing outside them; what UC_STRICT accepts every consumer accepts, with
 * the same size (strict is "every rule any consumer applies"); the walk of
 * uc_intel_next moves forward, ends, and leaves *pos alone on an error; an
 * update matches each of its own (signature, platform) pairs.
 */
#include <string.h>

#include "fuzz.h"
#include "vendor/intel.h"

#define FLAG_FIX_CHECKSUMS 0x01

static uint32_t sum32(const uint8_t *p, size_t dwords)
{
	uint32_t s = 0;

	for (size_t i = 0; i < dwords; i++)
		s += uc_le32(p + 4 * i);
	return s;
}

/* Make the rules of doc/formats.md#intel-checksums hold for each update that fits. */
static void fix_checksums(uint8_t *b, size_t len)
{
	size_t pos = 0;

	while (len - pos >= UC_INTEL_HEADER_SIZE) {
		uint8_t *h = b + pos, *x;
		uint32_t data = uc_le32(h + UC_INTEL_DATASIZE_OFF);
		uint32_t total = uc_le32(h + UC_INTEL_TOTALSIZE_OFF);
		uint32_t main, count, ext;

		if (!data) {
			data = UC_INTEL_DEFAULT_DATASIZE;
			total = UC_INTEL_DEFAULT_TOTALSIZE;
		}
		if (total < UC_INTEL_HEADER_SIZE || data > total - UC_INTEL_HEADER_SIZE ||
		    total > len - pos)
			return;
		uc_put_le32(h + UC_INTEL_CKSUM_OFF, 0);
		uc_put_le32(h + UC_INTEL_CKSUM_OFF,
			    0u - sum32(h, (UC_INTEL_HEADER_SIZE + data) / 4));
		ext = total - UC_INTEL_HEADER_SIZE - data;
		x = h + UC_INTEL_HEADER_SIZE + data;
		if (ext >= UC_INTEL_EXT_HEADER_SIZE) {
			main = uc_le32(h + UC_INTEL_SIG_OFF) + uc_le32(h + UC_INTEL_PF_OFF) +
			       uc_le32(h + UC_INTEL_CKSUM_OFF);
			count = uc_le32(x);
			for (uint32_t i = 0; i < count &&
			     i < (ext - UC_INTEL_EXT_HEADER_SIZE) / UC_INTEL_EXT_ENTRY_SIZE; i++) {
				uint8_t *e = x + UC_INTEL_EXT_HEADER_SIZE +
					     (size_t)i * UC_INTEL_EXT_ENTRY_SIZE;

				uc_put_le32(e + 8, main - uc_le32(e) - uc_le32(e + 4));
			}
			uc_put_le32(x + 4, 0);
			uc_put_le32(x + 4, 0u - sum32(x, ext / 4));
		}
		pos += total;
	}
}

static bool intel_error(int r)
{
	return r <= -UC_ERR_INTEL_TRUNCATED_HEADER && r >= -UC_ERR_INTEL_TRAILING;
}

static void check_update(const uint8_t *b, size_t len, enum uc_consumer c,
			 const struct uc_intel_update *u)
{
	FUZZ_ASSERT(u->hdr == b);
	FUZZ_ASSERT(u->total_size <= len);
	FUZZ_ASSERT(u->total_size >= UC_INTEL_HEADER_SIZE &&
		    u->data_size <= u->total_size - UC_INTEL_HEADER_SIZE);
	FUZZ_ASSERT(u->sig == uc_le32(b + UC_INTEL_SIG_OFF));
	FUZZ_ASSERT(u->pf == uc_le32(b + UC_INTEL_PF_OFF));
	FUZZ_ASSERT(u->rev == uc_le32(b + UC_INTEL_REV_OFF));
	if (u->ext) {
		FUZZ_ASSERT(u->ext == b + UC_INTEL_HEADER_SIZE + u->data_size);
		FUZZ_ASSERT(UC_INTEL_EXT_HEADER_SIZE +
			    (uint64_t)u->ext_count * UC_INTEL_EXT_ENTRY_SIZE ==
			    u->total_size - UC_INTEL_HEADER_SIZE - u->data_size);
	} else {
		FUZZ_ASSERT(u->ext_count == 0);
		FUZZ_ASSERT(u->total_size == UC_INTEL_HEADER_SIZE + u->data_size);
	}
	/* Every pair the update carries fits a CPU with that signature and mask. */
	for (uint32_t i = 0; i < uc_intel_nsigs(u); i++) {
		uint32_t sig, pf;

		uc_intel_sig(u, i, &sig, &pf);
		if (pf)
			FUZZ_ASSERT(uc_intel_match(u, sig, pf, c));
		(void)uc_intel_match(u, sig, 0, c);
		(void)uc_intel_match(u, sig ^ 1, pf, c);
	}
	FUZZ_ASSERT(uc_intel_rev_cmp(u->rev, u->rev, c) == 0);
}

static void walk(const uint8_t *b, size_t len, enum uc_consumer c)
{
	struct uc_intel_update u;
	size_t pos = 0, before = 0;
	int r;

	while ((r = uc_intel_next(b, len, &pos, c, &u)) > 0) {
		FUZZ_ASSERT(u.hdr == b + before);
		FUZZ_ASSERT(pos == before + u.total_size && pos > before && pos <= len);
		before = pos;
	}
	FUZZ_ASSERT(pos == before);
	if (r == 0) {
		FUZZ_ASSERT(pos == len);
	} else {
		FUZZ_ASSERT(intel_error(r) && pos < len);
		if (r == -UC_ERR_INTEL_TRAILING)
			for (size_t i = pos; i < len; i++)
				FUZZ_ASSERT(!b[i]);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct uc_intel_update u, strict;
	uint8_t *b;
	size_t len;
	int rs;

	if (!size)
		return 0;
	len = size - 1;
	b = malloc(len ? len : 1);
	if (!b)
		return 0;
	memcpy(b, data + 1, len);
	if (data[0] & FLAG_FIX_CHECKSUMS)
		fix_checksums(b, len);

	rs = uc_intel_parse(b, len, UC_STRICT, &strict);
	FUZZ_ASSERT(rs == 0 || (intel_error(rs) && rs != -UC_ERR_INTEL_TRAILING));
	if (!rs)
		check_update(b, len, UC_STRICT, &strict);
	for (int c = 0; c < UC_CONSUMER_MAX; c++) {
		int r = uc_intel_parse(b, len, (enum uc_consumer)c, &u);

		FUZZ_ASSERT(r == 0 || (intel_error(r) && r != -UC_ERR_INTEL_TRAILING));
		if (!r)
			check_update(b, len, (enum uc_consumer)c, &u);
		/* Strict is every rule of every consumer, and sizes agree. */
		if (!rs)
			FUZZ_ASSERT(!r && u.total_size == strict.total_size);
		walk(b, len, (enum uc_consumer)c);
	}
	walk(b, len, UC_STRICT);
	free(b);
	return 0;
}

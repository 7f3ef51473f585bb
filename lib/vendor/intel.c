// SPDX-License-Identifier: GPL-2.0-or-later OR BSD-2-Clause
/*
 * Intel microcode updates: the rules of doc/formats.md#intel-checksums, as
 * doc/loaders.md#linux-intel and doc/loaders.md#xen-intel apply them.
 */
#include "intel.h"

/*
 * Sum of n little-endian dwords starting at p.  This is where building from
 * all of /lib/firmware spends its time: eight running sums, 32 bytes a step,
 * which the compiler turns into two independent vector additions (the sum is
 * the same mod 2^32).
 */
static uint32_t dword_sum(const uint8_t *p, size_t n)
{
	uint32_t s[8] = { 0 };
	size_t i = 0;

	for (; i + 8 <= n; i += 8) {
		const uint8_t *q = p + 4 * i;

		s[0] += uc_le32(q);
		s[1] += uc_le32(q + 4);
		s[2] += uc_le32(q + 8);
		s[3] += uc_le32(q + 12);
		s[4] += uc_le32(q + 16);
		s[5] += uc_le32(q + 20);
		s[6] += uc_le32(q + 24);
		s[7] += uc_le32(q + 28);
	}
	for (; i < n; i++)
		s[0] += uc_le32(p + 4 * i);
	return s[0] + s[1] + s[2] + s[3] + s[4] + s[5] + s[6] + s[7];
}

static bool checks_1k_total(enum uc_consumer c)
{
	return c == UC_XEN_4_17 || c == UC_XEN_NEWER || c == UC_STRICT;
}

static bool checks_4_data(enum uc_consumer c)
{
	return c == UC_XEN_NEWER || c == UC_STRICT;
}

/*
 * Linux sums whole dwords of header + data; Xen 4.17 walks a dword pointer
 * up to the end of the data, taking a partial last dword.
 */
static int main_sum(const uint8_t *h, uint32_t data, enum uc_consumer c)
{
	uint32_t dwords = (UC_INTEL_HEADER_SIZE + data) / 4;

	if (c == UC_XEN_4_17 && data % 4)
		dwords++;
	return dword_sum(h, dwords) ? -UC_ERR_INTEL_CHECKSUM : 0;
}

int uc_intel_parse(const void *buf, size_t len, enum uc_consumer c,
		   struct uc_intel_update *u)
{
	const uint8_t *h = buf, *ext = NULL;
	uint32_t data, total, ext_size, count = 0;
	int err;

	if (!uc_consumer_valid(c))
		return -UC_ERR_BADARG;
	if (len < UC_INTEL_HEADER_SIZE)                 /* Room for the header? */
		return -UC_ERR_INTEL_TRUNCATED_HEADER;
	if (uc_le32(h + UC_INTEL_HDRVER_OFF) != 1)      /* Known header version? */
		return -UC_ERR_INTEL_HEADER_VERSION;
	if (uc_le32(h + UC_INTEL_LDRVER_OFF) != 1)      /* Known loader version? */
		return -UC_ERR_INTEL_LOADER_VERSION;

	/*
	 * An old-style header leaves both sizes 0.  Linux then ignores the
	 * total field whenever datasize is 0; Xen defaults each on its own.
	 */
	data = uc_le32(h + UC_INTEL_DATASIZE_OFF);
	total = uc_le32(h + UC_INTEL_TOTALSIZE_OFF);
	if (uc_consumer_is_xen(c)) {
		if (!data)
			data = UC_INTEL_DEFAULT_DATASIZE;
		if (!total)
			total = UC_INTEL_DEFAULT_TOTALSIZE;
	} else if (!data) {
		/*
		 * Strict: only a total of 0 or 2048 means the same to both;
		 * Xen takes any other as it stands (too small, or with room
		 * for an extended table Linux does not see).
		 */
		if (c == UC_STRICT && total && total != UC_INTEL_DEFAULT_TOTALSIZE)
			return total < UC_INTEL_DEFAULT_TOTALSIZE
				       ? -UC_ERR_INTEL_DATASIZE_EXCEEDS_TOTAL
				       : -UC_ERR_INTEL_EXT_SIZE;
		data = UC_INTEL_DEFAULT_DATASIZE;
		total = UC_INTEL_DEFAULT_TOTALSIZE;
	}
	if (total < UC_INTEL_HEADER_SIZE ||             /* Header + data fit the total? */
	    data > total - UC_INTEL_HEADER_SIZE)
		return -UC_ERR_INTEL_DATASIZE_EXCEEDS_TOTAL;
	if (total > len)                                /* All of it in the buffer? */
		return -UC_ERR_INTEL_TRUNCATED;
	/*
	 * An odd datasize makes the total odd too, so test it first: it is
	 * the precise complaint.
	 */
	if (checks_4_data(c) && data % 4)               /* Xen ≥ 4.20: whole dwords */
		return -UC_ERR_INTEL_DATASIZE_NOT_4;
	if (checks_1k_total(c) && total % 1024)         /* Xen: 1 KiB granular */
		return -UC_ERR_INTEL_TOTALSIZE_NOT_1K;

	ext_size = total - UC_INTEL_HEADER_SIZE - data;
	if (ext_size) {
		uint32_t entries;

		if (ext_size < UC_INTEL_EXT_HEADER_SIZE ||     /* Room for its header? */
		    (ext_size - UC_INTEL_EXT_HEADER_SIZE) % UC_INTEL_EXT_ENTRY_SIZE)
			return -UC_ERR_INTEL_EXT_TRUNCATED;
		ext = h + UC_INTEL_HEADER_SIZE + data;
		count = uc_le32(ext);
		entries = (ext_size - UC_INTEL_EXT_HEADER_SIZE) /
			  UC_INTEL_EXT_ENTRY_SIZE;
		if (count != entries)                   /* Exactly sized? */
			return -UC_ERR_INTEL_EXT_SIZE;
	}

	if ((err = main_sum(h, data, c)))
		return err;

	if (ext) {
		uint32_t main = uc_le32(h + UC_INTEL_SIG_OFF) +
				uc_le32(h + UC_INTEL_PF_OFF) +
				uc_le32(h + UC_INTEL_CKSUM_OFF);

		err = 0;
		if (dword_sum(ext, ext_size / 4))
			err = -UC_ERR_INTEL_EXT_CHECKSUM;
		/* Each entry's checksum is the header's, had it carried that sig/pf. */
		for (uint32_t i = 0; i < count && !err; i++) {
			const uint8_t *e = ext + UC_INTEL_EXT_HEADER_SIZE +
					   (size_t)i * UC_INTEL_EXT_ENTRY_SIZE;

			if (uc_le32(e) + uc_le32(e + 4) + uc_le32(e + 8) != main)
				err = -UC_ERR_INTEL_EXT_ENTRY_CHECKSUM;
		}
		if (err)
			return err;
	}

	u->hdr = h;
	u->total_size = total;
	u->data_size = data;
	u->rev = uc_le32(h + UC_INTEL_REV_OFF);
	u->date = uc_le32(h + UC_INTEL_DATE_OFF);
	u->sig = uc_le32(h + UC_INTEL_SIG_OFF);
	u->pf = uc_le32(h + UC_INTEL_PF_OFF);
	u->cksum = uc_le32(h + UC_INTEL_CKSUM_OFF);
	u->ext_count = count;
	u->ext = ext;
	return 0;
}

static bool all_zero(const uint8_t *p, size_t n)
{
	while (n--)
		if (*p++)
			return false;
	return true;
}

int uc_intel_next(const void *buf, size_t len, size_t *pos,
		  enum uc_consumer c, struct uc_intel_update *u)
{
	const uint8_t *b = buf;
	size_t p = *pos;
	int err;

	if (p >= len)
		return 0;
	err = uc_intel_parse(b + p, len - p, c, u);
	if (err) {
		/* Name the common mistake: padding after the last update. */
		if (all_zero(b + p, len - p))
			return -UC_ERR_INTEL_TRAILING;
		return err;
	}
	*pos = p + u->total_size;
	return 1;
}

bool uc_intel_probe(const void *buf, size_t len)
{
	const uint8_t *h = buf;

	return len >= UC_INTEL_HEADER_SIZE && uc_le32(h + UC_INTEL_HDRVER_OFF) == 1 &&
	       uc_le32(h + UC_INTEL_LDRVER_OFF) == 1;
}

void uc_intel_sig(const struct uc_intel_update *u, uint32_t i, uint32_t *sig,
		  uint32_t *pf)
{
	if (!i || i > u->ext_count) {
		*sig = u->sig;
		*pf = u->pf;
		return;
	}
	const uint8_t *e = u->ext + UC_INTEL_EXT_HEADER_SIZE +
			   (size_t)(i - 1) * UC_INTEL_EXT_ENTRY_SIZE;
	*sig = uc_le32(e);
	*pf = uc_le32(e + 4);
}

static bool sig_pf_match(uint32_t csig, uint32_t cpf, uint32_t sig, uint32_t pf,
			 enum uc_consumer c)
{
	if (csig != sig)
		return false;
	/* Newest Linux: an update without platform flags fits every CPU. */
	if (c == UC_LINUX_NEWEST && !pf)
		return true;
	/* Linux 6.1: a CPU without platform flags takes an update without them. */
	if (c == UC_LINUX_6_1 && !cpf && !pf)
		return true;
	return (cpf & pf) != 0;
}

bool uc_intel_match(const struct uc_intel_update *u, uint32_t sig, uint32_t pf,
		    enum uc_consumer c)
{
	for (uint32_t i = 0; i < uc_intel_nsigs(u); i++) {
		uint32_t s, p;

		uc_intel_sig(u, i, &s, &p);
		if (sig_pf_match(sig, pf, s, p, c))
			return true;
	}
	return false;
}

int uc_intel_rev_cmp(uint32_t a, uint32_t b, enum uc_consumer c)
{
	if (uc_consumer_is_xen(c)) {
		int32_t sa = (int32_t)a, sb = (int32_t)b;

		if (sb > sa)
			return 1;
		if (sb == sa)
			return 0;
		/* Pre-production (negative) revisions always count as newer. */
		return sb < 0 ? 1 : -1;
	}
	return b > a ? 1 : b == a ? 0 : -1;
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ucgen - synthetic early-microcode test data generator (library part).
 * Independent of lib/: every layout is re-derived from doc/formats.md.
 */
#include "ucgen.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ----------------------------------------------------------------- helpers */

/* Releases the buffer and resets it to empty. */
void ucgen_buf_free(struct ucgen_buf *b)
{
	if (!b)
		return;
	free(b->data);
	b->data = NULL;
	b->len = 0;
}

/* Appends n bytes of p to b (grows with realloc); 0 or -1. */
int ucgen_buf_append(struct ucgen_buf *b, const void *p, size_t n)
{
	uint8_t *nd;

	if (!b || (n && !p))
		return -1;
	if (n == 0)
		return 0;
	if (b->len > SIZE_MAX - n)
		return -1;
	nd = realloc(b->data, b->len + n);
	if (!nd)
		return -1;
	memcpy(nd + b->len, p, n);
	b->data = nd;
	b->len += n;
	return 0;
}

/* Appends n zero bytes to b; 0 or -1. */
static int buf_zero(struct ucgen_buf *b, size_t n)
{
	uint8_t *nd;

	if (n == 0)
		return 0;
	if (b->len > SIZE_MAX - n)
		return -1;
	nd = realloc(b->data, b->len + n);
	if (!nd)
		return -1;
	memset(nd + b->len, 0, n);
	b->data = nd;
	b->len += n;
	return 0;
}

/* Stores v little-endian at p. */
static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

/* Stores v little-endian at p. */
static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

/* Loads a little-endian u32 from p (any alignment). */
static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

/* Sum mod 2^32 of the ndw little-endian dwords starting at p. */
static uint32_t dword_sum(const uint8_t *p, size_t ndw)
{
	uint32_t s = 0;
	size_t i;

	for (i = 0; i < ndw; i++)
		s += get32(p + 4 * i);
	return s;
}

/* SplitMix64 finaliser: a well-mixed 64-bit function of x. */
static uint64_t mix64(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

/* Seed derived from four 32-bit inputs (order-sensitive). */
static uint64_t seed4(uint32_t a, uint32_t b, uint32_t c, uint32_t d)
{
	uint64_t s = mix64(((uint64_t)a << 32) | b);

	return mix64(s ^ (((uint64_t)c << 32) | d));
}

/* Fills n bytes at p with a deterministic pseudo-random stream of seed. */
static void fill_prng(uint8_t *p, size_t n, uint64_t seed)
{
	uint64_t st = seed, r = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		if ((i & 7) == 0) {
			st += 0x9e3779b97f4a7c15ULL;
			r = mix64(st);
		}
		p[i] = (uint8_t)(r >> (8 * (i & 7)));
	}
}

/* Rounds v up to a multiple of a (a power of two or any a > 0). */
static size_t round_up(size_t v, size_t a)
{
	return (v + a - 1) / a * a;
}

/* ------------------------------------------------------------------- Intel */

static const char *const intel_defect_names[UCGEN_INTEL_DEFECT_MAX] = {
	[UCGEN_INTEL_VALID] = "valid",
	[UCGEN_INTEL_TRUNCATED_HEADER] = "truncated-header",
	[UCGEN_INTEL_BAD_HEADER_VERSION] = "bad-header-version",
	[UCGEN_INTEL_BAD_LOADER_VERSION] = "bad-loader-version",
	[UCGEN_INTEL_DATASIZE_EXCEEDS_TOTAL] = "datasize-exceeds-total",
	[UCGEN_INTEL_TRUNCATED_BODY] = "truncated-body",
	[UCGEN_INTEL_TOTALSIZE_NOT_1K] = "totalsize-not-1k",
	[UCGEN_INTEL_DATASIZE_NOT_4] = "datasize-not-4",
	[UCGEN_INTEL_BAD_CHECKSUM] = "bad-checksum",
	[UCGEN_INTEL_EXT_TRUNCATED] = "ext-truncated",
	[UCGEN_INTEL_EXT_SIZE_MISMATCH] = "ext-size-mismatch",
	[UCGEN_INTEL_EXT_BAD_CHECKSUM] = "ext-bad-checksum",
	[UCGEN_INTEL_EXT_BAD_ENTRY_CHECKSUM] = "ext-bad-entry-checksum",
	[UCGEN_INTEL_DATASIZE_HUGE] = "datasize-huge",
	[UCGEN_INTEL_TOTALSIZE_HUGE] = "totalsize-huge",
};

/* Name of an Intel defect, NULL when out of range. */
const char *ucgen_intel_defect_name(enum ucgen_intel_defect d)
{
	if ((unsigned)d >= UCGEN_INTEL_DEFECT_MAX)
		return NULL;
	return intel_defect_names[d];
}

#define IHDR 48u
#define IEXTHDR 20u
#define IEXTSIG 12u

/* Appends one Intel blob (valid or with one defect), see ucgen.h. */
int ucgen_intel(const struct ucgen_intel *spec, struct ucgen_buf *out)
{
	enum ucgen_intel_defect d;
	uint32_t esig[9], epf[9];
	unsigned n, i;
	size_t randlen, base, D, T, ext_len, emit;
	bool old_style, ext_defect;
	uint8_t *b;
	uint32_t cks;
	int rc;

	if (!spec || !out || (unsigned)spec->defect >= UCGEN_INTEL_DEFECT_MAX ||
	    spec->n_ext > 8)
		return -1;
	d = spec->defect;
	ext_defect = d == UCGEN_INTEL_EXT_TRUNCATED ||
		     d == UCGEN_INTEL_EXT_SIZE_MISMATCH ||
		     d == UCGEN_INTEL_EXT_BAD_CHECKSUM ||
		     d == UCGEN_INTEL_EXT_BAD_ENTRY_CHECKSUM;

	n = spec->n_ext;
	for (i = 0; i < n; i++) {
		esig[i] = spec->ext[i].sig;
		epf[i] = spec->ext[i].pf;
	}
	if (ext_defect && n == 0) {
		esig[0] = spec->sig + 1;
		epf[0] = spec->pf;
		n = 1;
	}

	old_style = spec->datasize == 0 && n == 0 && spec->total_pad == 0 &&
		    (d == UCGEN_INTEL_VALID || d == UCGEN_INTEL_TRUNCATED_HEADER ||
		     d == UCGEN_INTEL_BAD_HEADER_VERSION ||
		     d == UCGEN_INTEL_BAD_LOADER_VERSION ||
		     d == UCGEN_INTEL_TRUNCATED_BODY ||
		     d == UCGEN_INTEL_BAD_CHECKSUM);

	randlen = spec->datasize ? round_up(spec->datasize, 4) : 2000;
	if (randlen > 0x10000000u)
		return -1;
	base = round_up(randlen + spec->total_pad, 4);
	ext_len = n ? IEXTHDR + IEXTSIG * n : 0;
	if (d == UCGEN_INTEL_EXT_TRUNCATED)
		ext_len = 16;

	if (old_style) {
		D = 2000;
		T = 2048;
	} else if (d == UCGEN_INTEL_TOTALSIZE_NOT_1K) {
		D = base;
		if ((IHDR + D + ext_len) % 1024 == 0)
			D += 4;
		T = IHDR + D + ext_len;
	} else if (d == UCGEN_INTEL_DATASIZE_NOT_4) {
		D = base + 2;
		T = IHDR + D + ext_len;
	} else {
		T = round_up(IHDR + base + ext_len, 1024);
		if (d == UCGEN_INTEL_DATASIZE_EXCEEDS_TOTAL && T < 2048)
			T = 2048;
		D = T - IHDR - ext_len;
	}

	b = calloc(1, T);
	if (!b)
		return -1;

	/* header */
	put32(b + 0, d == UCGEN_INTEL_BAD_HEADER_VERSION ? 2 : 1);
	put32(b + 4, spec->rev);
	put32(b + 8, spec->date ? spec->date : 0x01012024u);
	put32(b + 12, spec->sig);
	put32(b + 20, d == UCGEN_INTEL_BAD_LOADER_VERSION ? 2 : 1);
	put32(b + 24, spec->pf);
	put32(b + 40, spec->min_req_ver);
	if (!old_style) {
		put32(b + 28, d == UCGEN_INTEL_DATASIZE_HUGE ? 0xfffffff0u
							     : (uint32_t)D);
		put32(b + 32, d == UCGEN_INTEL_TOTALSIZE_HUGE ? 0xfffffc00u
			      : (uint32_t)(d == UCGEN_INTEL_DATASIZE_EXCEEDS_TOTAL
					   ? T - 1024 : T));
	}

	/* data: random prefix, zero tail */
	fill_prng(b + IHDR, randlen < D ? randlen : D,
		  seed4(spec->sig, spec->pf, spec->rev, spec->fill_seed));

	/* rule 1: dword sum of header + data == 0 (Linux: floor dwords) */
	cks = 0u - dword_sum(b, (IHDR + D) / 4);
	put32(b + 16, cks);

	/* extended signature table */
	if (ext_len) {
		uint8_t *x = b + IHDR + D;

		put32(x + 0, d == UCGEN_INTEL_EXT_SIZE_MISMATCH ? n + 1 : n);
		if (d != UCGEN_INTEL_EXT_TRUNCATED) {
			for (i = 0; i < n; i++) {
				uint8_t *e = x + IEXTHDR + IEXTSIG * i;

				put32(e + 0, esig[i]);
				put32(e + 4, epf[i]);
				/* rule 3 */
				put32(e + 8, spec->sig + spec->pf + cks -
						     esig[i] - epf[i]);
			}
		}
		/* rule 2: dword sum of the whole ext region == 0 */
		put32(x + 4, 0u - dword_sum(x, ext_len / 4));

		if (d == UCGEN_INTEL_EXT_BAD_CHECKSUM) {
			put32(x + 4, get32(x + 4) + 1);
		} else if (d == UCGEN_INTEL_EXT_BAD_ENTRY_CHECKSUM) {
			uint8_t *e = x + IEXTHDR;

			put32(e + 8, get32(e + 8) + 1);
			put32(x + 4, get32(x + 4) - 1);
		}
	}

	if (d == UCGEN_INTEL_BAD_CHECKSUM)
		put32(b + IHDR, get32(b + IHDR) + 1);

	emit = T;
	if (d == UCGEN_INTEL_TRUNCATED_HEADER)
		emit = 40;
	else if (d == UCGEN_INTEL_TRUNCATED_BODY)
		emit = T / 2;

	rc = ucgen_buf_append(out, b, emit);
	free(b);
	return rc;
}

/* --------------------------------------------------------------------- AMD */

static const char *const amd_defect_names[UCGEN_AMD_DEFECT_MAX] = {
	[UCGEN_AMD_VALID] = "valid",
	[UCGEN_AMD_BAD_MAGIC] = "bad-magic",
	[UCGEN_AMD_TRUNCATED_HEADER] = "truncated-header",
	[UCGEN_AMD_EQUIV_BAD_TYPE] = "equiv-bad-type",
	[UCGEN_AMD_EQUIV_LEN_NOT_16] = "equiv-len-not-16",
	[UCGEN_AMD_EQUIV_LEN_ZERO] = "equiv-len-zero",
	[UCGEN_AMD_EQUIV_PAST_END] = "equiv-past-end",
	[UCGEN_AMD_EQUIV_NO_TERMINATOR] = "equiv-no-terminator",
	[UCGEN_AMD_SECTION_BAD_TYPE] = "section-bad-type",
	[UCGEN_AMD_PATCH_TOO_SMALL] = "patch-too-small",
	[UCGEN_AMD_PATCH_PAST_END] = "patch-past-end",
	[UCGEN_AMD_CHIPSET_SPECIFIC] = "chipset-specific",
	[UCGEN_AMD_TRAILING_JUNK] = "trailing-junk",
	[UCGEN_AMD_EQUIV_LEN_HUGE] = "equiv-len-huge",
	[UCGEN_AMD_PATCH_SIZE_HUGE] = "patch-size-huge",
};

/* Name of an AMD defect, NULL when out of range. */
const char *ucgen_amd_defect_name(enum ucgen_amd_defect d)
{
	if ((unsigned)d >= UCGEN_AMD_DEFECT_MAX)
		return NULL;
	return amd_defect_names[d];
}

/* Equivalence id: [15:12] ext family, [11:8] ext model, [7:4] model,
 * [3:0] stepping of the CPUID signature. */
uint16_t ucgen_amd_equiv_id(uint32_t cpuid)
{
	uint32_t extfam = (cpuid >> 20) & 0xff;
	uint32_t extmodel = (cpuid >> 16) & 0xf;
	uint32_t model = (cpuid >> 4) & 0xf;
	uint32_t step = cpuid & 0xf;

	return (uint16_t)((extfam & 0xf) << 12 | extmodel << 8 | model << 4 |
			  step);
}

/* Zen patch id: [31:24] ext family, [23:20] ext model, [19:16] 0,
 * [15:12] model, [11:8] stepping, [7:0] rev. */
uint32_t ucgen_amd_zen_patch_id(uint32_t cpuid, uint8_t rev)
{
	uint32_t extfam = (cpuid >> 20) & 0xff;
	uint32_t extmodel = (cpuid >> 16) & 0xf;
	uint32_t model = (cpuid >> 4) & 0xf;
	uint32_t step = cpuid & 0xf;

	return extfam << 24 | extmodel << 20 | model << 12 | step << 8 | rev;
}

/* Inverse of ucgen_amd_zen_patch_id(): CPUID(1).EAX of a Zen patch id. */
static uint32_t zen_patch_cpuid(uint32_t pid)
{
	return ((pid >> 24) & 0xff) << 20 | ((pid >> 20) & 0xf) << 16 |
	       0xfu << 8 | ((pid >> 12) & 0xf) << 4 | ((pid >> 8) & 0xf);
}

#define AMD_MAGIC 0x00414d44u

/* Appends one AMD container (valid or with one defect), see ucgen.h. */
int ucgen_amd(const struct ucgen_amd *spec, struct ucgen_buf *out)
{
	struct ucgen_buf c = { NULL, 0 };
	enum ucgen_amd_defect d;
	size_t patch_off[32], eq_len, emit;
	unsigned i;
	uint8_t tmp[16];
	bool patch_defect;
	int rc = -1;

	if (!spec || !out || (unsigned)spec->defect >= UCGEN_AMD_DEFECT_MAX ||
	    spec->n_equiv > 32 || spec->n_patch > 32)
		return -1;
	d = spec->defect;
	patch_defect = d == UCGEN_AMD_SECTION_BAD_TYPE ||
		       d == UCGEN_AMD_PATCH_TOO_SMALL ||
		       d == UCGEN_AMD_PATCH_PAST_END ||
		       d == UCGEN_AMD_CHIPSET_SPECIFIC ||
		       d == UCGEN_AMD_PATCH_SIZE_HUGE;
	if (patch_defect && spec->defect_index >= spec->n_patch)
		return -1;
	if (d == UCGEN_AMD_EQUIV_NO_TERMINATOR && spec->n_equiv == 0)
		return -1;
	for (i = 0; i < spec->n_patch; i++)
		if (spec->patch[i].size && spec->patch[i].size < 64)
			return -1;

	/* magic + equiv section header */
	put32(tmp, d == UCGEN_AMD_BAD_MAGIC ? AMD_MAGIC + 1 : AMD_MAGIC);
	put32(tmp + 4, d == UCGEN_AMD_EQUIV_BAD_TYPE ? 2 : 0);
	if (d == UCGEN_AMD_EQUIV_LEN_ZERO)
		eq_len = 0;
	else
		eq_len = 16u * (spec->n_equiv +
				(d == UCGEN_AMD_EQUIV_NO_TERMINATOR ? 0 : 1)) +
			 (d == UCGEN_AMD_EQUIV_LEN_NOT_16 ? 4 : 0);
	put32(tmp + 8, d == UCGEN_AMD_EQUIV_LEN_HUGE ? 0xfffffff0u
						     : (uint32_t)eq_len);
	if (ucgen_buf_append(&c, tmp, 12))
		goto out;

	/* equivalence table (+ zero terminator, + 4 bytes) */
	if (eq_len) {
		for (i = 0; i < spec->n_equiv; i++) {
			const struct ucgen_amd_equiv *e = &spec->equiv[i];

			memset(tmp, 0, 16);
			put32(tmp, e->installed_cpu);
			put16(tmp + 12, e->equiv_id ? e->equiv_id
					: ucgen_amd_equiv_id(e->installed_cpu));
			if (ucgen_buf_append(&c, tmp, 16))
				goto out;
		}
		if (buf_zero(&c, eq_len - 16u * spec->n_equiv))
			goto out;
	}

	/* patch sections */
	for (i = 0; i < spec->n_patch; i++) {
		const struct ucgen_amd_patch *p = &spec->patch[i];
		bool hit = patch_defect && i == spec->defect_index;
		uint32_t size = p->size ? p->size : 3200;
		uint16_t eq = p->equiv_id;
		uint8_t *ph;

		if (!eq) {
			if ((p->patch_id >> 24) >= 8)
				eq = ucgen_amd_equiv_id(
					zen_patch_cpuid(p->patch_id));
			else if (spec->n_equiv)
				eq = spec->equiv[0].equiv_id
					     ? spec->equiv[0].equiv_id
					     : ucgen_amd_equiv_id(
						       spec->equiv[0].installed_cpu);
		}
		if (hit && d == UCGEN_AMD_PATCH_TOO_SMALL)
			size = 32;
		put32(tmp, hit && d == UCGEN_AMD_SECTION_BAD_TYPE ? 2 : 1);
		put32(tmp + 4, hit && d == UCGEN_AMD_PATCH_SIZE_HUGE ? 0xfffffff8u
								      : size);
		if (ucgen_buf_append(&c, tmp, 8))
			goto out;
		patch_off[i] = c.len;
		if (buf_zero(&c, size < 64 ? 64 : size))
			goto out;
		ph = c.data + patch_off[i];
		put32(ph + 0, p->date ? p->date : 0x01012024u);
		put32(ph + 4, p->patch_id);
		put16(ph + 8, 0x8000);
		put32(ph + 12, p->min_rev);
		if (hit && d == UCGEN_AMD_CHIPSET_SPECIFIC)
			put32(ph + 16, 0x1022);
		put16(ph + 24, eq);
		if (size > 64)
			fill_prng(ph + 64, size - 64,
				  seed4(p->patch_id, eq, p->fill_seed,
					0x414d4400u));
		if (size < 64)
			c.len = patch_off[i] + size; /* drop the extra bytes */
	}

	if (d == UCGEN_AMD_PATCH_PAST_END) {
		size_t off = patch_off[spec->defect_index];

		put32(c.data + off - 4, (uint32_t)(c.len - off + 64));
	} else if (d == UCGEN_AMD_EQUIV_PAST_END) {
		put32(c.data + 8, (uint32_t)round_up(c.len - 12 + 16, 16));
	}

	emit = d == UCGEN_AMD_TRUNCATED_HEADER ? 10 : c.len;
	if (ucgen_buf_append(out, c.data, emit))
		goto out;
	if (d == UCGEN_AMD_TRAILING_JUNK &&
	    ucgen_buf_append(out, "JUNKJUNKJUNKJUNK", 16)) {
		out->len -= emit;
		goto out;
	}
	rc = 0;
out:
	ucgen_buf_free(&c);
	return rc;
}

/* -------------------------------------------------------------------- cpio */

static const char *const cpio_defect_names[UCGEN_CPIO_DEFECT_MAX] = {
	[UCGEN_CPIO_VALID] = "valid",
	[UCGEN_CPIO_BAD_MAGIC] = "bad-magic",
	[UCGEN_CPIO_BAD_HEX] = "bad-hex",
	[UCGEN_CPIO_NAMESIZE_ZERO] = "namesize-zero",
	[UCGEN_CPIO_NAMESIZE_HUGE] = "namesize-huge",
	[UCGEN_CPIO_FILESIZE_PAST_END] = "filesize-past-end",
	[UCGEN_CPIO_NAME_UNTERMINATED] = "name-unterminated",
	[UCGEN_CPIO_TRUNCATED_HEADER] = "truncated-header",
	[UCGEN_CPIO_FILESIZE_HUGE] = "filesize-huge",
};

/* Name of a cpio defect, NULL when out of range. */
const char *ucgen_cpio_defect_name(enum ucgen_cpio_defect d)
{
	if ((unsigned)d >= UCGEN_CPIO_DEFECT_MAX)
		return NULL;
	return cpio_defect_names[d];
}

#define CPIO_HDR 110u
#define S_TYPE_MASK 0170000u
#define S_TYPE_REG 0100000u
#define S_TYPE_DIR 0040000u

/* Appends a newc archive (valid or with one defect), see ucgen.h. */
int ucgen_cpio(const struct ucgen_cpio_entry *e, unsigned n,
	       const struct ucgen_cpio_opts *o, struct ucgen_buf *out)
{
	static const struct ucgen_cpio_opts defaults;
	struct ucgen_buf a = { NULL, 0 };
	size_t fs_field = 0, fs_data = 0;
	unsigned i, total;
	bool have_fs = false;
	int rc = -1;

	if (!out || (n && !e))
		return -1;
	if (!o)
		o = &defaults;
	if ((unsigned)o->defect >= UCGEN_CPIO_DEFECT_MAX)
		return -1;
	if (o->data_align != 0 && o->data_align != 4 && o->data_align != 16)
		return -1;
	total = n + (o->no_trailer ? 0 : 1);
	if (o->defect != UCGEN_CPIO_VALID && o->defect_index >= total)
		return -1;

	for (i = 0; i < total; i++) {
		bool trailer = i == n;
		bool hit = o->defect != UCGEN_CPIO_VALID && i == o->defect_index;
		const char *name = trailer ? "TRAILER!!!" : e[i].name;
		uint32_t mode = trailer ? 0 : e[i].mode;
		size_t size = trailer ? 0 : e[i].size;
		const void *data = trailer ? NULL : e[i].data;
		size_t hdr = a.len, nlen, namesize, nfield, fsz;
		char h[CPIO_HDR + 1];

		if (!name || (size && !data) || size > 0xffffffffu)
			goto out;
		nlen = strlen(name);
		namesize = nlen + 1;
		if (o->data_align == 16 && (mode & S_TYPE_MASK) == S_TYPE_REG)
			while (round_up(hdr + CPIO_HDR + namesize, 4) % 16)
				namesize++;
		if (namesize > 0xffffffffu)
			goto out;
		nfield = namesize;
		if (hit && o->defect == UCGEN_CPIO_NAMESIZE_ZERO)
			nfield = namesize = 0;
		else if (hit && o->defect == UCGEN_CPIO_NAMESIZE_HUGE)
			nfield = 0xfffffff0u;
		fsz = hit && o->defect == UCGEN_CPIO_FILESIZE_HUGE ? 0xffffffffu
								   : size;

		snprintf(h, sizeof h,
			 "%s%08lX%08lX%08lX%08lX%08lX%08lX%08lX%08lX%08lX%08lX%08lX%08lX%08lX",
			 hit && o->defect == UCGEN_CPIO_BAD_MAGIC ? "070703"
								  : "070701",
			 (unsigned long)(trailer ? 0 : i + 1),
			 (unsigned long)mode, 0ul, 0ul,
			 (unsigned long)((mode & S_TYPE_MASK) == S_TYPE_DIR ? 2
									    : 1),
			 (unsigned long)(trailer ? 0 : o->mtime),
			 (unsigned long)fsz, 0ul, 0ul, 0ul, 0ul,
			 (unsigned long)nfield, 0ul);
		if (hit && o->defect == UCGEN_CPIO_BAD_HEX)
			h[6 + 6 * 8] = 'g';
		if (ucgen_buf_append(&a, h, CPIO_HDR))
			goto out;
		if (hit && o->defect == UCGEN_CPIO_TRUNCATED_HEADER) {
			a.len = hdr + 60;
			rc = ucgen_buf_append(out, a.data, a.len);
			goto out;
		}
		if (namesize) {
			size_t npos = a.len;

			if (ucgen_buf_append(&a, name, nlen) ||
			    buf_zero(&a, namesize - nlen))
				goto out;
			if (hit && o->defect == UCGEN_CPIO_NAME_UNTERMINATED)
				memset(a.data + npos + nlen, 'X',
				       namesize - nlen);
		}
		if (buf_zero(&a, round_up(a.len, 4) - a.len))
			goto out;
		if (hit && o->defect == UCGEN_CPIO_FILESIZE_PAST_END) {
			have_fs = true;
			fs_field = hdr + 6 + 6 * 8;
			fs_data = a.len;
		}
		if (ucgen_buf_append(&a, data, size) ||
		    buf_zero(&a, round_up(a.len, 4) - a.len))
			goto out;
	}

	if (o->pad_to && buf_zero(&a, round_up(a.len, o->pad_to) - a.len))
		goto out;
	if (have_fs) {
		char f[9];

		snprintf(f, sizeof f, "%08lX",
			 (unsigned long)(a.len - fs_data + 1));
		memcpy(a.data + fs_field, f, 8);
	}
	rc = ucgen_buf_append(out, a.data, a.len);
out:
	ucgen_buf_free(&a);
	return rc;
}

/* -------------------------------------------------------------------- ACPI */

/* Appends a 36-byte header-only ACPI table with a valid checksum. */
int ucgen_acpi(const char *sig, const char *oem_table_id,
	       struct ucgen_buf *out)
{
	uint8_t t[36];
	unsigned sum = 0;
	size_t i, l;

	if (!out || !sig || strlen(sig) != 4)
		return -1;
	if (!oem_table_id)
		oem_table_id = "UCGENTBL";
	l = strlen(oem_table_id);
	if (l > 8)
		return -1;
	memset(t, 0, sizeof t);
	memcpy(t, sig, 4);
	put32(t + 4, sizeof t);
	t[8] = 2;                    /* revision */
	memcpy(t + 10, "UCGEN ", 6); /* OEM ID */
	memset(t + 16, ' ', 8);
	memcpy(t + 16, oem_table_id, l);
	put32(t + 24, 1);            /* OEM revision */
	memcpy(t + 28, "UCGN", 4);   /* creator ID */
	put32(t + 32, 1);            /* creator revision */
	for (i = 0; i < sizeof t; i++)
		sum += t[i];
	t[9] = (uint8_t)(0x100u - (sum & 0xffu));
	return ucgen_buf_append(out, t, sizeof t);
}

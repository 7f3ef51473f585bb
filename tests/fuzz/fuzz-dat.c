// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Fuzz target: the Intel .dat decoder (lib/vendor/dat.c).  The input is
 * .dat text.  Counting (out == NULL) and decoding agree on the size, the
 * error and its offset; an error names an offset inside the text; a buffer
 * one byte short gives -UC_ERR_NOSPACE with the size needed; text that
 * decodes to something starts with a literal (uc_intel_dat_probe); and the
 * bytes decoded, written out again as .dat text, decode to themselves.
 */
#include <string.h>

#include "fuzz.h"
#include "vendor/dat.h"

static bool dat_error(int r)
{
	return r <= -UC_ERR_DAT_BAD_CHAR && r >= -UC_ERR_DAT_UNTERMINATED_COMMENT;
}

/* Four bytes as one literal line, as real .dat files have them. */
static size_t encode(const uint8_t *bin, size_t n, char *text)
{
	static const char hex[] = "0123456789abcdef";
	size_t t = 0;

	for (size_t i = 0; i + 4 <= n; i += 4) {
		uint32_t v = uc_le32(bin + i);

		text[t++] = '0';
		text[t++] = 'x';
		for (int d = 7; d >= 0; d--)
			text[t++] = hex[(v >> (4 * d)) & 0xf];
		text[t++] = ',';
		text[t++] = '\n';
	}
	return t;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	size_t need = 0, got = 0, off = 0, off2 = 0, cap;
	uint8_t *out;
	int r, r2;

	r = uc_intel_dat_decode(text, size, NULL, 0, &need, &off);
	(void)uc_intel_dat_probe(text, size);
	if (r) {
		FUZZ_ASSERT(dat_error(r) && off < size);
		/* Every literal takes at least 3 bytes of text ("0x0"). */
		cap = (size / 3 + 1) * 4;
		out = malloc(cap);
		if (!out)
			return 0;
		got = 12345;
		r2 = uc_intel_dat_decode(text, size, out, cap, &got, &off2);
		FUZZ_ASSERT(r2 == r && off2 == off && got == 12345);
		free(out);
		return 0;
	}

	FUZZ_ASSERT(need % 4 == 0 && need / 4 <= size / 3);
	if (need)
		FUZZ_ASSERT(uc_intel_dat_probe(text, size));
	out = malloc(need ? need : 1);
	if (!out)
		return 0;
	FUZZ_ASSERT(!uc_intel_dat_decode(text, size, out, need, &got, &off2) &&
		    got == need);
	if (need) {
		FUZZ_ASSERT(uc_intel_dat_decode(text, size, out, need - 1, &got,
						&off2) == -UC_ERR_NOSPACE);
		FUZZ_ASSERT(got == need && off2 < size);
	}

	/* Round trip through text written the way real files are. */
	if (need) {
		char *again = malloc(need / 4 * 12);
		uint8_t *back = malloc(need);
		size_t tlen;

		if (again && back) {
			tlen = encode(out, need, again);
			FUZZ_ASSERT(!uc_intel_dat_decode(again, tlen, back, need, &got,
							 &off2));
			FUZZ_ASSERT(got == need && !memcmp(back, out, need));
		}
		free(again);
		free(back);
	}
	free(out);
	return 0;
}

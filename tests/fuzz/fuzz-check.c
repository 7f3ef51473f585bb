// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Fuzz target: the validator (lib/validate/check.c).  Input: one mode byte,
 * then the buffer.  Mode % 3: 0 an image (uc_check_image), 1 a raw Intel
 * file, 2 a raw AMD file (uc_check_raw, with base = (mode / 3) * 4096).
 * Every issue is a named error about an offset inside the buffer (plus
 * base) for a real consumer or UC_STRICT, and the count returned is the
 * number of issues reported, with or without a callback.
 */
#include "fuzz.h"
#include "validate/check.h"

struct seen {
	size_t lo, hi;
	unsigned int n;
};

static void on_issue(void *ctx, const struct uc_issue *is)
{
	struct seen *s = ctx;

	FUZZ_ASSERT(fuzz_is_error(is->err));
	FUZZ_ASSERT(is->offset >= s->lo && is->offset <= s->hi);
	FUZZ_ASSERT(is->subject == UC_SUBJECT_CPIO || is->subject == UC_SUBJECT_INTEL ||
		    is->subject == UC_SUBJECT_AMD);
	FUZZ_ASSERT(uc_consumer_valid(is->consumer));
	s->n++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *buf = data + 1;
	struct seen s = { 0, 0, 0 };
	unsigned int mode, n, again;
	size_t len, base;

	if (!size)
		return 0;
	mode = data[0] % 3;
	base = (size_t)(data[0] / 3) * 4096;
	len = size - 1;
	if (mode == 0) {
		s.hi = len;
		n = uc_check_image(buf, len, on_issue, &s);
		again = uc_check_image(buf, len, NULL, NULL);
	} else {
		enum uc_vendor v = mode == 1 ? UC_VENDOR_INTEL : UC_VENDOR_AMD;

		s.lo = base;
		s.hi = base + len;
		n = uc_check_raw(buf, len, v, base, on_issue, &s);
		again = uc_check_raw(buf, len, v, base, NULL, NULL);
	}
	FUZZ_ASSERT(n == s.n && n == again);
	return 0;
}

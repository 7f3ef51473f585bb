// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * uc_strerror / uc_errname on every int, the extremes included.  Built
 * without Check so it can also be built for i386, where long is as narrow
 * as int and negating INT_MIN overflowed; signed overflow traps here.
 */
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "ucode_err.h"

static int failures;

static void expect(int err, const char *text, const char *name)
{
	if (strcmp(uc_strerror(err), text) || strcmp(uc_errname(err), name)) {
		printf("FAIL: %d: \"%s\" %s, want \"%s\" %s\n", err,
		       uc_strerror(err), uc_errname(err), text, name);
		failures++;
	}
}

int main(void)
{
	static const int unknown[] = { INT_MIN, INT_MIN + 1, -UC_ERR_MAX,
				       UC_ERR_MAX, INT_MAX };

	for (unsigned int i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++)
		expect(unknown[i], "unknown error", "UC_ERR_UNKNOWN");
	expect(0, "success", "UC_OK");
	expect(-UC_ERR_INTEL_CHECKSUM, "Intel microcode checksum mismatch",
	       "UC_ERR_INTEL_CHECKSUM");
	expect(UC_ERR_INTEL_CHECKSUM, "Intel microcode checksum mismatch",
	       "UC_ERR_INTEL_CHECKSUM");
	printf("%s: %zu-bit long\n", failures ? "FAIL" : "ok", sizeof(long) * CHAR_BIT);
	return failures != 0;
}

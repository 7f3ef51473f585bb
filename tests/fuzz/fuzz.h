/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Shared by the fuzz targets: the libFuzzer entry point, an assertion that
 * holds in every build (a broken property is a finding, like a crash), and
 * the input prefixes some targets read their parameters from.
 *
 * A target must not keep state between inputs, allocate without freeing,
 * or read its input outside [data, data + size): libFuzzer and the replay
 * driver hand over an exact-size heap copy, so AddressSanitizer sees any
 * read past the end.
 */
#ifndef UC_FUZZ_H
#define UC_FUZZ_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "ucode_env.h"
#include "ucode_err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

__attribute__((noreturn)) static inline void fuzz_fail(const char *file,
							int line,
							const char *what)
{
	fprintf(stderr, "%s:%d: property does not hold: %s\n", file, line, what);
	abort();
}

#define FUZZ_ASSERT(cond)                                       \
	do {                                                    \
		if (!(cond))                                    \
			fuzz_fail(__FILE__, __LINE__, #cond);   \
	} while (0)

/* A negative error code of the core's table (not "unknown"). */
static inline bool fuzz_is_error(int r)
{
	return r < 0 && r > -UC_ERR_MAX;
}

static inline size_t fuzz_align4(size_t v)
{
	return (v + 3) & ~(size_t)3;
}

#endif /* UC_FUZZ_H */

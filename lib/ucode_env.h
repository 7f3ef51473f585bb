/* SPDX-License-Identifier: GPL-2.0-or-later OR BSD-2-Clause */
/*
 * The only contact point between the freestanding core (everything under
 * lib/) and its host.  A hypervisor or boot loader that embeds the core
 * defines UCODE_ENV_HEADER to a header of its own (-DUCODE_ENV_HEADER=
 * '"my_env.h"'), which must provide these names and needs no others; the
 * core includes no other header from outside lib/ and links with -nostdlib.
 *
 * The names, all of them (tests/unit/check-env.sh builds the core against
 * a header that defines exactly these and nothing else):
 *   types:     uint8_t uint16_t uint32_t uint64_t int32_t size_t bool
 *   constants: true false NULL UINT32_MAX SIZE_MAX
 *   functions: uc_le16 uc_le32 uc_put_le32 uc_memcmp uc_memcpy uc_memset uc_strlen
 *
 * The types and constants mean what <stdint.h>, <stddef.h> and <stdbool.h>
 * say.  uc_le16/uc_le32 load and uc_put_le32 stores a little-endian value
 * at any alignment; uc_memcmp, uc_memcpy, uc_memset and uc_strlen behave as
 * memcmp, memcpy, memset and strlen (uc_memcpy and uc_memset return nothing).
 * Without UCODE_ENV_HEADER, the definitions below serve: the compiler's
 * own headers, and libc's string functions when hosted.
 */
#ifndef UCODE_ENV_H
#define UCODE_ENV_H

#ifdef UCODE_ENV_HEADER
#include UCODE_ENV_HEADER
#else
/* Compiler-provided even under -ffreestanding. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifndef SIZE_MAX
#define SIZE_MAX ((size_t)-1)
#endif

/* Byte-wise loads: input is unaligned and the host may be big-endian. */
static inline uint16_t uc_le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | (p[1] << 8));
}

static inline uint32_t uc_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static inline void uc_put_le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

#if __STDC_HOSTED__
/* Hosted builds (the command, the tests) take libc's tuned versions. */
#include <string.h>
#define uc_memcmp memcmp
#define uc_memcpy memcpy
#define uc_memset memset
#define uc_strlen strlen
#else
/*
 * Our own mem helpers: with -fno-builtin the compiler would otherwise turn
 * calls into references to libc's memcmp/memcpy/memset.
 */
static inline int uc_memcmp(const void *a, const void *b, size_t n)
{
	const uint8_t *x = a, *y = b;

	for (; n; n--, x++, y++)
		if (*x != *y)
			return *x < *y ? -1 : 1;
	return 0;
}

static inline void uc_memcpy(void *dst, const void *src, size_t n)
{
	uint8_t *d = dst;
	const uint8_t *s = src;

	while (n--)
		*d++ = *s++;
}

static inline void uc_memset(void *dst, uint8_t c, size_t n)
{
	uint8_t *d = dst;

	while (n--)
		*d++ = c;
}

static inline size_t uc_strlen(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}
#endif /* __STDC_HOSTED__ */
#endif /* UCODE_ENV_HEADER */

#endif /* UCODE_ENV_H */

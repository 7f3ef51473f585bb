/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * An embedder's replacement for the core's environment, as small as the
 * contract in lib/ucode_env.h allows: exactly the names listed there, from
 * the compiler's own predefined macros, and no header at all.  The core is
 * built against it with -nostdinc (tests/unit/check-env.sh).
 */
#ifndef ENV_MINIMAL_H
#define ENV_MINIMAL_H

typedef __UINT8_TYPE__ uint8_t;
typedef __UINT16_TYPE__ uint16_t;
typedef __UINT32_TYPE__ uint32_t;
typedef __UINT64_TYPE__ uint64_t;
typedef __INT32_TYPE__ int32_t;
typedef __SIZE_TYPE__ size_t;
typedef _Bool bool;

#define true 1
#define false 0
#define NULL ((void *)0)
#define UINT32_MAX __UINT32_MAX__
#define SIZE_MAX __SIZE_MAX__

static inline uint16_t uc_le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static inline uint32_t uc_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static inline void uc_put_le32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++, v >>= 8)
		p[i] = (uint8_t)v;
}

static inline int uc_memcmp(const void *a, const void *b, size_t n)
{
	const uint8_t *x = a, *y = b;

	for (size_t i = 0; i < n; i++)
		if (x[i] != y[i])
			return x[i] < y[i] ? -1 : 1;
	return 0;
}

static inline void uc_memcpy(void *dst, const void *src, size_t n)
{
	for (size_t i = 0; i < n; i++)
		((uint8_t *)dst)[i] = ((const uint8_t *)src)[i];
}

static inline void uc_memset(void *dst, uint8_t c, size_t n)
{
	for (size_t i = 0; i < n; i++)
		((uint8_t *)dst)[i] = c;
}

static inline size_t uc_strlen(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}

#endif /* ENV_MINIMAL_H */

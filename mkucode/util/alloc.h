/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Allocation that cannot fail: out of memory ends the run. */
#ifndef MKUCODE_UTIL_ALLOC_H
#define MKUCODE_UTIL_ALLOC_H

#include <stddef.h>

void *xmalloc(size_t n);
void *xrealloc(void *p, size_t n);
/* n zeroed bytes. */
void *xzalloc(size_t n);
char *xstrdup(const char *s);
__attribute__((format(printf, 1, 2))) char *xasprintf(const char *fmt, ...);

/* Grow *array (of *cap elements of size) to hold at least n. */
void grow(void *array, size_t *cap, size_t n, size_t size);

#endif /* MKUCODE_UTIL_ALLOC_H */

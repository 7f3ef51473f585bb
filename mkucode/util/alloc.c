// SPDX-License-Identifier: GPL-2.0-or-later
/* Allocation that cannot fail: out of memory ends the run. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "util/alloc.h"
#include "util/msg.h"
#include "util/exit.h"

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p) {
		error("out of memory");
		exit(EXIT_ERROR);
	}
	return p;
}

void *xzalloc(size_t n)
{
	return memset(xmalloc(n), 0, n ? n : 1);
}

void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p) {
		error("out of memory");
		exit(EXIT_ERROR);
	}
	return p;
}

char *xstrdup(const char *s)
{
	size_t n = strlen(s) + 1;

	return memcpy(xmalloc(n), s, n);
}

char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0) {
		error("out of memory");
		exit(EXIT_ERROR);
	}
	va_end(ap);
	return s;
}

void grow(void *array, size_t *cap, size_t n, size_t size)
{
	void **a = array;

	if (n <= *cap)
		return;
	*cap = *cap ? *cap * 2 : 16;
	if (*cap < n)
		*cap = n;
	if (*cap > SIZE_MAX / size) {
		error("out of memory");
		exit(EXIT_ERROR);
	}
	*a = xrealloc(*a, *cap * size);
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Shared by the fuzz targets of the boot-entry parsers (hosted code): an
 * error of a config parser names a line, and the line its text names is
 * the line its offset is in.
 */
#ifndef UC_BOOT_FUZZ_H
#define UC_BOOT_FUZZ_H

#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "util/diag.h"

/* The error's "line N:" agrees with its offset in text. */
static inline void fuzz_check_line_error(const struct diags *d,
					 const char *text, size_t size)
{
	const struct diag *g = diag_first_error(d);
	unsigned long line = 1, named;
	char *end;

	FUZZ_ASSERT(g && d->errors == 1);
	if (g->offset == DIAG_NO_OFFSET)
		return;
	FUZZ_ASSERT(g->offset < size || (size == 0 && g->offset == 0));
	FUZZ_ASSERT(!strncmp(g->text, "line ", 5));
	named = strtoul(g->text + 5, &end, 10);
	FUZZ_ASSERT(*end == ':');
	for (size_t i = 0; i < g->offset; i++)
		line += text[i] == '\n';
	FUZZ_ASSERT(named == line);
	/* The offset is a line's first byte. */
	FUZZ_ASSERT(g->offset == 0 || text[g->offset - 1] == '\n');
}

static inline bool fuzz_has_blank(const char *s)
{
	return strpbrk(s, " \t") != NULL;
}

#endif /* UC_BOOT_FUZZ_H */

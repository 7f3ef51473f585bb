// SPDX-License-Identifier: GPL-2.0-or-later
/* Diagnostics: collected by modules, printed by verbs. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ucode_err.h"
#include "util/alloc.h"
#include "util/diag.h"

static int vadd(struct diags *d, enum diag_level level, const char *file,
		uint64_t offset, int code, int sys, const char *fmt, va_list ap)
{
	struct diag *g;
	char *text;

	if (vasprintf(&text, fmt, ap) < 0)
		text = NULL;
	grow(&d->v, &d->cap, d->n + 1, sizeof(*d->v));
	g = &d->v[d->n++];
	g->level = level;
	g->file = file ? xstrdup(file) : NULL;
	g->offset = offset;
	g->code = code;
	g->sys = sys;
	g->text = text ? text : xstrdup("(out of memory)");
	if (level == DIAG_ERROR)
		d->errors++;
	return level == DIAG_ERROR ? -1 : 0;
}

int diag_add(struct diags *d, enum diag_level level, const char *file,
	     uint64_t offset, int code, int sys, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vadd(d, level, file, offset, code, sys, fmt, ap);
	va_end(ap);
	return r;
}

int diag_error(struct diags *d, const char *file, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vadd(d, DIAG_ERROR, file, DIAG_NO_OFFSET, 0, 0, fmt, ap);
	va_end(ap);
	return -1;
}

void diag_warning(struct diags *d, const char *file, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vadd(d, DIAG_WARNING, file, DIAG_NO_OFFSET, 0, 0, fmt, ap);
	va_end(ap);
}

void diag_note(struct diags *d, const char *file, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vadd(d, DIAG_NOTE, file, DIAG_NO_OFFSET, 0, 0, fmt, ap);
	va_end(ap);
}

int diag_sys(struct diags *d, const char *file, int sys, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vadd(d, DIAG_ERROR, file, DIAG_NO_OFFSET, 0, sys, fmt, ap);
	va_end(ap);
	return -1;
}

int diag_core(struct diags *d, enum diag_level level, const char *file,
	      uint64_t offset, int code)
{
	return diag_add(d, level, file, offset, code, 0, "%s", uc_strerror(code));
}

void diag_move(struct diags *d, struct diags *from)
{
	if (!from->n) {
		diags_free(from);
		return;
	}
	grow(&d->v, &d->cap, d->n + from->n, sizeof(*d->v));
	memcpy(d->v + d->n, from->v, from->n * sizeof(*from->v));
	d->n += from->n;
	d->errors += from->errors;
	free(from->v);
	memset(from, 0, sizeof(*from));
}

void diag_drop_notes(struct diags *d)
{
	size_t kept = 0;

	for (size_t i = 0; i < d->n; i++) {
		if (d->v[i].level == DIAG_NOTE) {
			free(d->v[i].file);
			free(d->v[i].text);
		} else {
			d->v[kept++] = d->v[i];
		}
	}
	d->n = kept;
}

const struct diag *diag_first_error(const struct diags *d)
{
	for (size_t i = 0; i < d->n; i++)
		if (d->v[i].level == DIAG_ERROR)
			return &d->v[i];
	return NULL;
}

void diag_format(const struct diag *g, const char *program, char *buf, size_t size)
{
	static const char *const prefix[] = {
		[DIAG_ERROR] = "", [DIAG_WARNING] = "warning: ", [DIAG_NOTE] = "note: ",
	};
	char off[32] = "";

	if (g->offset != DIAG_NO_OFFSET)
		snprintf(off, sizeof(off), "offset %#llx: ",
			 (unsigned long long)g->offset);
	snprintf(buf, size, "%s: %s%s%s%s%s%s%s", program, prefix[g->level],
		 g->file ? g->file : "", g->file ? ": " : "", off, g->text,
		 g->sys ? ": " : "", g->sys ? strerror(g->sys) : "");
}

static void clear(struct diags *d)
{
	for (size_t i = 0; i < d->n; i++) {
		free(d->v[i].file);
		free(d->v[i].text);
	}
	d->n = 0;
}

void diag_print(struct diags *d, FILE *f, bool quiet)
{
	for (size_t i = 0; i < d->n; i++) {
		char line[4096];

		if (quiet && d->v[i].level == DIAG_NOTE)
			continue;
		diag_format(&d->v[i], "mkucode", line, sizeof(line));
		fprintf(f, "%s\n", line);
	}
	clear(d);
}

void diags_free(struct diags *d)
{
	clear(d);
	free(d->v);
	memset(d, 0, sizeof(*d));
}

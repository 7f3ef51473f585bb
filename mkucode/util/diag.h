/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Diagnostics: what modules report instead of printing.  A module adds
 * errors, warnings and notes to the caller's list, each with the file and
 * byte offset it applies to and, when the core named it, the error code;
 * the verb prints the list (diag_print) or tests read the fields.  One
 * model, so every message has the same shape:
 *   mkucode: FILE: offset 0xN: TEXT            an error
 *   mkucode: warning: FILE: offset 0xN: TEXT   a warning
 *   mkucode: note: FILE: TEXT                  a note (-q silences)
 */
#ifndef MKUCODE_UTIL_DIAG_H
#define MKUCODE_UTIL_DIAG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum diag_level {
	DIAG_ERROR,
	DIAG_WARNING,
	DIAG_NOTE,
};

#define DIAG_NO_OFFSET UINT64_MAX

struct diag {
	enum diag_level level;
	char *file;            /* what it is about; NULL: the run as a whole */
	uint64_t offset;       /* byte offset in file, or DIAG_NO_OFFSET */
	int code;              /* the core's -UC_ERR_*, or 0 */
	int sys;               /* errno behind it, or 0 */
	char *text;            /* the sentence, without file, offset or prefix */
};

struct diags {
	struct diag *v;
	size_t n, cap;
	size_t errors;         /* how many of v are DIAG_ERROR */
};

/*
 * Add one.  file may be NULL; offset DIAG_NO_OFFSET for none.  Returns -1
 * for an error (so `return diag_error(...)` fails the caller), else 0.
 */
__attribute__((format(printf, 7, 8)))
int diag_add(struct diags *d, enum diag_level level, const char *file,
	     uint64_t offset, int code, int sys, const char *fmt, ...);

/* The common shapes.  diag_error returns -1. */
__attribute__((format(printf, 3, 4)))
int diag_error(struct diags *d, const char *file, const char *fmt, ...);
__attribute__((format(printf, 3, 4)))
void diag_warning(struct diags *d, const char *file, const char *fmt, ...);
__attribute__((format(printf, 3, 4)))
void diag_note(struct diags *d, const char *file, const char *fmt, ...);
/* "FILE: TEXT: strerror(sys)"; returns -1. */
__attribute__((format(printf, 4, 5)))
int diag_sys(struct diags *d, const char *file, int sys, const char *fmt, ...);
/* "FILE: offset 0xN: uc_strerror(code)" at level; -1 for an error. */
int diag_core(struct diags *d, enum diag_level level, const char *file,
	      uint64_t offset, int code);

/* Append every diagnostic of from to d, in order, and empty from. */
void diag_move(struct diags *d, struct diags *from);

/* Remove (and free) every note of d, the rest kept in order. */
void diag_drop_notes(struct diags *d);

/* The first error, or NULL. */
const struct diag *diag_first_error(const struct diags *d);

/* One diagnostic as a line (no newline), for printing or comparing. */
void diag_format(const struct diag *g, const char *program, char *buf, size_t size);

/*
 * Print every diagnostic in order on f (notes only when !quiet) and empty
 * the list; the error count stays.
 */
void diag_print(struct diags *d, FILE *f, bool quiet);
void diags_free(struct diags *d);

#endif /* MKUCODE_UTIL_DIAG_H */

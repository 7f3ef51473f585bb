/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * One data model, two renderers: `list` and `verify` fill a table of typed
 * cells, printed either as aligned text for a person or as a JSON array of
 * objects for scripts.  --json is not a second code path.
 */
#ifndef MKUCODE_TABLE_H
#define MKUCODE_TABLE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

enum cell_kind {
	CELL_NULL,      /* JSON null, text "-" */
	CELL_STR,
	CELL_INT,       /* decimal in both */
	CELL_HEX,       /* JSON integer, text 0x%0*x */
	CELL_RAW,       /* JSON text as given (an array, true); text as is */
};

struct cell {
	enum cell_kind kind;
	uint64_t u;
	char *s;        /* owned by the table (copied) */
	unsigned int digits;
};

struct column {
	const char *key;        /* JSON key, NULL: text only */
	const char *header;     /* text header, NULL: JSON only */
	bool omit_null;         /* JSON: leave the key out when null */
};

struct table {
	const struct column *cols;
	size_t ncols;
	struct cell *cells;
	size_t ncells, cap;
};

void table_init(struct table *t, const struct column *cols, size_t ncols);
void table_free(struct table *t);

/* Append cells in column order; rows are ncols consecutive cells. */
void table_null(struct table *t);
void table_str(struct table *t, const char *s);
void table_int(struct table *t, uint64_t v);
void table_hex(struct table *t, uint64_t v, unsigned int digits);
/* json must be one JSON value. */
void table_raw(struct table *t, const char *json);

void table_print(const struct table *t, bool json, FILE *f);

/* s as a JSON string, quoted and escaped, for building CELL_RAW values. */
void table_json_string(const char *s, FILE *f);

#endif /* MKUCODE_TABLE_H */

// SPDX-License-Identifier: GPL-2.0-or-later
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "util/table.h"
#include "util/alloc.h"

void table_init(struct table *t, const struct column *cols, size_t ncols)
{
	memset(t, 0, sizeof(*t));
	t->cols = cols;
	t->ncols = ncols;
}

void table_free(struct table *t)
{
	for (size_t i = 0; i < t->ncells; i++)
		free(t->cells[i].s);
	free(t->cells);
	memset(t, 0, sizeof(*t));
}

static void push(struct table *t, struct cell c)
{
	grow(&t->cells, &t->cap, t->ncells + 1, sizeof(*t->cells));
	t->cells[t->ncells++] = c;
}

void table_null(struct table *t)
{
	push(t, (struct cell){ .kind = CELL_NULL });
}

void table_str(struct table *t, const char *s)
{
	push(t, (struct cell){ .kind = CELL_STR, .s = xstrdup(s) });
}

void table_int(struct table *t, uint64_t v)
{
	push(t, (struct cell){ .kind = CELL_INT, .u = v });
}

void table_hex(struct table *t, uint64_t v, unsigned int digits)
{
	push(t, (struct cell){ .kind = CELL_HEX, .u = v, .digits = digits });
}

void table_raw(struct table *t, const char *json)
{
	push(t, (struct cell){ .kind = CELL_RAW, .s = xstrdup(json) });
}

void table_json_string(const char *s, FILE *f)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

/* Text of a cell: into buf, or the cell's own string. */
static const char *text(const struct cell *c, char *buf, size_t n)
{
	switch (c->kind) {
	case CELL_STR:
	case CELL_RAW: return c->s;
	case CELL_INT: snprintf(buf, n, "%" PRIu64, c->u); return buf;
	case CELL_HEX: snprintf(buf, n, "0x%0*" PRIx64, (int)c->digits, c->u); return buf;
	default: return "-";
	}
}

void table_print(const struct table *t, bool json, FILE *f)
{
	size_t rows = t->ncols ? t->ncells / t->ncols : 0;
	char buf[32];

	if (json) {
		fputc('[', f);
		for (size_t r = 0; r < rows; r++) {
			const char *sep = "";

			fputs(r ? ",\n {" : "\n {", f);
			for (size_t c = 0; c < t->ncols; c++) {
				const struct cell *cell = &t->cells[r * t->ncols + c];

				if (!t->cols[c].key ||
				    (cell->kind == CELL_NULL && t->cols[c].omit_null))
					continue;
				fprintf(f, "%s\"%s\": ", sep, t->cols[c].key);
				sep = ", ";
				if (cell->kind == CELL_STR)
					table_json_string(cell->s, f);
				else if (cell->kind == CELL_RAW)
					fputs(cell->s, f);
				else if (cell->kind == CELL_NULL)
					fputs("null", f);
				else
					fprintf(f, "%" PRIu64, cell->u);
			}
			fputc('}', f);
		}
		fputs(rows ? "\n]\n" : "]\n", f);
		return;
	}

	size_t *width = calloc(t->ncols, sizeof(*width));

	if (!width)
		return;
	for (size_t c = 0; c < t->ncols; c++) {
		if (!t->cols[c].header)
			continue;
		width[c] = strlen(t->cols[c].header);
		for (size_t r = 0; r < rows; r++) {
			size_t w = strlen(text(&t->cells[r * t->ncols + c], buf,
					       sizeof(buf)));

			if (w > width[c])
				width[c] = w;
		}
	}
	for (size_t r = 0; r <= rows; r++) {
		const char *sep = "";
		size_t last = t->ncols;

		while (last && !t->cols[last - 1].header)
			last--;
		for (size_t c = 0; c < last; c++) {
			const char *s;

			if (!t->cols[c].header)
				continue;
			s = r ? text(&t->cells[(r - 1) * t->ncols + c], buf, sizeof(buf))
			      : t->cols[c].header;
			/* The last column is not padded: no trailing blanks. */
			fprintf(f, "%s%-*s", sep, c + 1 == last ? 0 : (int)width[c], s);
			sep = "  ";
		}
		fputc('\n', f);
	}
	free(width);
}

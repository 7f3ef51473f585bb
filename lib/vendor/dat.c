// SPDX-License-Identifier: GPL-2.0-or-later OR BSD-2-Clause
/* Intel .dat text to binary: the lexer and grammar documented in dat.h. */
#include "dat.h"

#define DAT_MAX_DIGITS 8

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Value of a hex digit, or -1. */
static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Could c continue a C number or identifier (so glues onto a literal)? */
static bool is_word(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	       (c >= 'A' && c <= 'Z') || c == '_' || c == '.';
}

/*
 * Skip blanks and comments from *pos.  Returns 0 with *pos at the next
 * token or at len, or a negative error with *at set.
 */
static int skip_blanks(const char *t, size_t len, size_t *pos, size_t *at)
{
	size_t p = *pos;

	while (p < len) {
		if (is_blank(t[p])) {
			p++;
			continue;
		}
		if (t[p] != '/')
			break;
		if (len - p < 2) {
			*at = p;
			return -UC_ERR_DAT_BAD_CHAR;
		}
		if (t[p + 1] == '/') {          /* to the end of the line */
			p += 2;
			while (p < len && t[p] != '\n' && t[p] != '\r')
				p++;
		} else if (t[p + 1] == '*') {   /* to the first star-slash */
			size_t q = p + 2;

			for (;;) {
				if (len - q < 2) {
					*at = p;
					return -UC_ERR_DAT_UNTERMINATED_COMMENT;
				}
				if (t[q] == '*' && t[q + 1] == '/')
					break;
				q++;
			}
			p = q + 2;
		} else {
			*at = p;
			return -UC_ERR_DAT_BAD_CHAR;
		}
	}
	*pos = p;
	return 0;
}

/*
 * Lex the number at *pos (t[*pos] is a decimal digit).  Returns 0 with
 * *val set and *pos past it, or a negative error (the literal's offset is
 * the caller's *pos, which stays put).
 */
static int lex_literal(const char *t, size_t len, size_t *pos, uint32_t *val)
{
	size_t p = *pos;
	unsigned int digits = 0;
	uint32_t v = 0;
	int d;

	if (len - p < 2 || t[p] != '0' || (t[p + 1] != 'x' && t[p + 1] != 'X'))
		return -UC_ERR_DAT_BAD_LITERAL;
	p += 2;
	while (p < len && (d = hex_value(t[p])) >= 0) {
		if (digits == DAT_MAX_DIGITS)
			return -UC_ERR_DAT_LITERAL_TOO_LONG;
		v = v << 4 | (uint32_t)d;
		digits++;
		p++;
	}
	if (!digits || (p < len && is_word(t[p])))
		return -UC_ERR_DAT_BAD_LITERAL;
	*pos = p;
	*val = v;
	return 0;
}

int uc_intel_dat_decode(const char *text, size_t len, uint8_t *out, size_t cap,
			size_t *out_len, size_t *err_off)
{
	enum { AT_START, AFTER_LITERAL, AFTER_COMMA } state = AT_START;
	size_t pos = 0, need = 0, at = 0, nospace_at = 0;
	bool nospace = false;
	int r;

	if (!out_len || (!text && len)) {
		r = -UC_ERR_BADARG;
		goto fail;
	}
	for (;;) {
		size_t start;
		uint32_t v;

		r = skip_blanks(text, len, &pos, &at);
		if (r)
			goto fail;
		if (pos == len)
			break;
		start = pos;
		if (text[pos] == ',') {
			if (state != AFTER_LITERAL) {
				at = pos;
				r = -UC_ERR_DAT_STRAY_COMMA;
				goto fail;
			}
			state = AFTER_COMMA;
			pos++;
			continue;
		}
		if (text[pos] < '0' || text[pos] > '9') {
			at = pos;
			r = -UC_ERR_DAT_BAD_CHAR;
			goto fail;
		}
		r = lex_literal(text, len, &pos, &v);
		if (!r && state == AFTER_LITERAL)
			r = -UC_ERR_DAT_MISSING_COMMA;
		if (r) {
			at = start;
			goto fail;
		}
		state = AFTER_LITERAL;
		if (need > SIZE_MAX - 4) {      /* Cannot even count it. */
			at = start;
			r = -UC_ERR_NOSPACE;
			goto fail;
		}
		if (out && cap >= 4 && need <= cap - 4) {
			uc_put_le32(out + need, v);
		} else if (out && !nospace) {
			nospace = true;
			nospace_at = start;
		}
		need += 4;
	}
	*out_len = need;
	if (nospace) {
		if (err_off)
			*err_off = nospace_at;
		return -UC_ERR_NOSPACE;
	}
	return 0;

fail:
	if (err_off)
		*err_off = at;
	return r;
}

bool uc_intel_dat_probe(const char *text, size_t len)
{
	size_t pos = 0, at;
	uint32_t v;

	if (!text)
		return false;
	if (skip_blanks(text, len, &pos, &at) || pos == len)
		return false;
	if (text[pos] < '0' || text[pos] > '9')
		return false;
	return lex_literal(text, len, &pos, &v) == 0;
}

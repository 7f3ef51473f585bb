/* SPDX-License-Identifier: GPL-2.0-or-later OR BSD-2-Clause */
/*
 * Intel .dat text (doc/formats.md#intel-dat-text): the body of a C array of 32-bit hex
 * literals, each one little-endian dword of the binary updates.
 *
 * Accepted, exactly what real files hold:
 *   blanks      space, tab, CR, LF (so CRLF and blank lines);
 *   comments    slash-star ... star-slash, possibly over several lines,
 *               and slash-slash to the end of the line, wherever a blank
 *               may stand;
 *   literals    0x or 0X and 1 to 8 hex digits of either case;
 *   commas      one between literals, one optional after the last.
 * Anything else is an error at the byte offset of the offending token:
 *   -UC_ERR_DAT_BAD_CHAR           a byte that starts no token (its offset;
 *                                  also a lone '/', a BOM, NUL, ';', '{');
 *   -UC_ERR_DAT_BAD_LITERAL        a number without 0x, 0x without digits,
 *                                  or digits run into a letter, digit or
 *                                  '_' (suffixes like U); literal's offset;
 *   -UC_ERR_DAT_LITERAL_TOO_LONG   9 or more hex digits; literal's offset;
 *   -UC_ERR_DAT_MISSING_COMMA      a literal right after a literal; the
 *                                  second literal's offset;
 *   -UC_ERR_DAT_STRAY_COMMA        a leading comma or two in a row; that
 *                                  comma's offset;
 *   -UC_ERR_DAT_UNTERMINATED_COMMENT  the opening slash-star's offset.
 * Text without any literal decodes to 0 bytes.
 */
#ifndef UC_DAT_H
#define UC_DAT_H

#include "ucode_env.h"
#include "ucode_err.h"

/*
 * Decode text[0..len) into out (cap bytes).  Returns 0 with *out_len set,
 * or a negative error with *err_off (when err_off is not NULL) the byte
 * offset in text of the problem.  With out == NULL only counts: *out_len
 * is the number of bytes needed.  When the text is valid but cap is too
 * small, returns -UC_ERR_NOSPACE with *out_len the bytes needed and
 * *err_off the offset of the first literal that did not fit.  *out_len is
 * left alone on the other errors; out's contents are then unspecified.
 * -UC_ERR_BADARG: out_len NULL, or text NULL with len > 0.
 */
int uc_intel_dat_decode(const char *text, size_t len, uint8_t *out, size_t cap,
			size_t *out_len, size_t *err_off);

/*
 * Cheap content test: is the first token after blanks and comments a
 * complete 0x literal (1 to 8 hex digits followed by a blank, a comma, a
 * comment or the end)?  Binary updates, cpio archives and AMD containers
 * all answer false.
 */
bool uc_intel_dat_probe(const char *text, size_t len);

#endif /* UC_DAT_H */

// SPDX-License-Identifier: GPL-2.0-or-later OR BSD-2-Clause
/* Reading newc archives the way the early loaders do. */
#include "cpio.h"

static size_t align4(size_t v)
{
	return (v + 3) & ~(size_t)3;
}

/* One hex digit, or -1: the loaders take upper and lower case. */
static int hexval(uint8_t c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

static int parse_hex(const uint8_t *p, unsigned int digits, uint32_t *out)
{
	uint32_t v = 0;

	for (unsigned int i = 0; i < digits; i++) {
		int d = hexval(p[i]);

		if (d < 0)
			return -UC_ERR_CPIO_BAD_HEX;
		v = v << 4 | (uint32_t)d;
	}
	*out = v;
	return 0;
}

int uc_cpio_decode(const void *buf, size_t len, size_t off,
		   struct uc_cpio_entry *e)
{
	const uint8_t *b = buf;
	const uint8_t *h;
	size_t name_off, data_off, next;
	uint32_t magic, v[UC_NEWC_NFIELDS];
	int err;

	if (off > len || len - off < UC_NEWC_HDR_SIZE)
		return -UC_ERR_CPIO_TRUNCATED_HEADER;
	h = b + off;

	/* Like the loaders: every field must be hex before the magic counts. */
	err = parse_hex(h, UC_NEWC_MAGIC_SIZE, &magic);
	for (unsigned int f = 0; !err && f < UC_NEWC_NFIELDS; f++)
		err = parse_hex(h + UC_NEWC_FIELD_OFF(f), UC_NEWC_FIELD_SIZE,
				&v[f]);
	if (err)
		return err;
	if (magic != 0x070701 && magic != 0x070702)
		return -UC_ERR_CPIO_BAD_MAGIC;

	/* Lengths come from the input: compare against what remains. */
	name_off = off + UC_NEWC_HDR_SIZE;
	if (v[UC_NEWC_NAMESIZE] > len - name_off)
		return -UC_ERR_CPIO_NAME_PAST_END;
	data_off = align4(name_off + v[UC_NEWC_NAMESIZE]);
	if (data_off > len)
		return -UC_ERR_CPIO_NAME_PAST_END;
	/* The padding after the data must fit too: the loaders check nptr. */
	if (v[UC_NEWC_FILESIZE] > len - data_off ||
	    (next = align4(data_off + v[UC_NEWC_FILESIZE])) > len)
		return -UC_ERR_CPIO_DATA_PAST_END;

	e->offset = off;
	e->magic = magic;
	for (unsigned int f = 0; f < UC_NEWC_NFIELDS; f++)
		e->field[f] = v[f];
	e->name = (const char *)(b + name_off);
	e->namesize = v[UC_NEWC_NAMESIZE];
	e->name_terminated = e->namesize && !b[name_off + e->namesize - 1];
	e->data_offset = data_off;
	e->filesize = v[UC_NEWC_FILESIZE];
	e->next = next;
	return 0;
}

int uc_cpio_next(const void *buf, size_t len, size_t *pos,
		 struct uc_cpio_entry *e)
{
	const uint8_t *b = buf;
	size_t p = *pos;
	int err;

	for (;;) {
		if (p > len || len - p <= UC_NEWC_HDR_SIZE) {
			*pos = p;
			return 0;
		}
		/* Zero padding is skipped in 4-byte steps, as headers are 4-aligned. */
		if (b[p]) {
			break;
		}
		p += 4;
	}
	*pos = p;
	err = uc_cpio_decode(buf, len, p, e);
	if (err)
		return err;
	*pos = e->next;
	return 1;
}

bool uc_cpio_probe(const void *buf, size_t len)
{
	const uint8_t *b = buf;

	return len >= UC_NEWC_MAGIC_SIZE && !uc_memcmp(b, "07070", 5) &&
	       (b[5] == '1' || b[5] == '2');
}

bool uc_cpio_is_regular(const struct uc_cpio_entry *e)
{
	return (e->field[UC_NEWC_MODE] & UC_CPIO_S_IFMT) == UC_CPIO_S_IFREG;
}

bool uc_cpio_is_trailer(const struct uc_cpio_entry *e)
{
	return uc_cpio_name_is(e, UC_CPIO_TRAILER);
}

bool uc_cpio_name_is(const struct uc_cpio_entry *e, const char *path)
{
	size_t n = uc_strlen(path);

	return e->namesize > n && !uc_memcmp(e->name, path, n) && !e->name[n];
}

int uc_cpio_find(const void *buf, size_t len, const char *path,
		 struct uc_cpio_entry *e)
{
	size_t pos = 0, n = uc_strlen(path);
	struct uc_cpio_entry cur;

	while (uc_cpio_next(buf, len, &pos, &cur) > 0) {
		if (uc_cpio_is_regular(&cur) && cur.namesize >= n &&
		    !uc_memcmp(cur.name, path, n)) {
			*e = cur;
			return 0;
		}
	}
	return -UC_ERR_NOT_FOUND;
}

int uc_cpio_entry_check(const struct uc_cpio_entry *e)
{
	if (!e->namesize)
		return -UC_ERR_CPIO_NAMESIZE_ZERO;
	if (!e->name_terminated)
		return -UC_ERR_CPIO_NAME_UNTERMINATED;
	return 0;
}

int uc_cpio_layout(const void *buf, size_t len, struct uc_cpio_layout *layout)
{
	const uint8_t *b = buf;
	struct uc_cpio_entry e;
	size_t pos = 0, end = 0;
	unsigned int archives = 0;
	bool inside = false;
	int r;

	while ((r = uc_cpio_next(buf, len, &pos, &e)) > 0) {
		inside = !uc_cpio_is_trailer(&e);
		if (!inside) {
			end = e.next;
			archives++;
		}
	}
	layout->end = end;
	layout->archives = archives;
	layout->stop = r;
	layout->stop_offset = pos;
	for (pos = end; pos < len && !b[pos]; pos++)
		;
	layout->tail = pos;
	/* Too few bytes for a header at the end: a header cut short, or none. */
	if (inside && !r) {
		for (pos = layout->stop_offset; pos < len && !b[pos]; pos++)
			;
		r = pos < len ? -UC_ERR_CPIO_TRUNCATED_HEADER : -UC_ERR_CPIO_NO_TRAILER;
	}
	layout->broken = inside ? r : 0;
	return 0;
}

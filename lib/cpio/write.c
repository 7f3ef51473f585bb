// SPDX-License-Identifier: GPL-2.0-or-later OR BSD-2-Clause
/* Writing newc archives: deterministic, aligned, loud when a value does not fit. */
#include "cpio.h"

static const uint8_t zeros[16];

void uc_cpio_writer_init_buf(struct uc_cpio_writer *w, void *buf, size_t cap,
			     uint32_t mtime)
{
	uc_memset(w, 0, sizeof(*w));
	w->buf = buf;
	w->cap = cap;
	w->next_ino = 1;
	w->mtime = mtime;
}

void uc_cpio_writer_init_sink(struct uc_cpio_writer *w, uc_cpio_sink sink,
			      void *ctx, uint32_t mtime)
{
	uc_memset(w, 0, sizeof(*w));
	w->sink = sink;
	w->ctx = ctx;
	w->next_ino = 1;
	w->mtime = mtime;
}

uint32_t uc_cpio_writer_take_ino(struct uc_cpio_writer *w)
{
	return w->next_ino++;
}

static int emit(struct uc_cpio_writer *w, const void *data, size_t len)
{
	if (w->err)
		return w->err;
	if (w->sink) {
		int r = len ? w->sink(w->ctx, data, len) : 0;

		if (r < 0)
			return w->err = r;
	} else {
		if (len > w->cap - w->off)
			return w->err = -UC_ERR_NOSPACE;
		if (len)        /* data may be NULL then */
			uc_memcpy(w->buf + w->off, data, len);
	}
	w->off += len;
	return 0;
}

static int emit_zeros(struct uc_cpio_writer *w, size_t n)
{
	while (n) {
		size_t chunk = n < sizeof(zeros) ? n : sizeof(zeros);
		int r = emit(w, zeros, chunk);

		if (r)
			return r;
		n -= chunk;
	}
	return 0;
}

/* Zeros up to the next multiple of a (a power of two). */
static size_t pad_len(size_t off, size_t a)
{
	return (a - (off & (a - 1))) & (a - 1);
}

static void put_hex(uint8_t *p, unsigned int digits, uint32_t v)
{
	static const char hex[] = "0123456789abcdef";

	while (digits--) {
		p[digits] = (uint8_t)hex[v & 0xf];
		v >>= 4;
	}
}

static bool valid_align(unsigned int align)
{
	return align >= 4 && !(align & (align - 1));
}

/*
 * Extra NULs counted in namesize so data lands on a multiple of align; with
 * plain 4-byte alignment there are none and ordinary padding follows.
 */
static size_t name_extension(size_t off, size_t namelen, unsigned int align)
{
	size_t data = off + UC_NEWC_HDR_SIZE + namelen + 1;

	return align > 4 ? pad_len(data, align) : 0;
}

size_t uc_cpio_entry_size(size_t off, size_t namelen, size_t size,
			  unsigned int align)
{
	size_t ext = name_extension(off, namelen, valid_align(align) ? align : 4);
	size_t name_end = off + UC_NEWC_HDR_SIZE + namelen + 1 + ext;
	size_t data = name_end + pad_len(name_end, 4);

	return data - off + size + pad_len(data + size, 4);
}

/*
 * Header, name (namesize bytes: the name, its NUL and ext more NULs) and the
 * padding to 4; the caller streams the data.
 */
static int write_fields(struct uc_cpio_writer *w, const char *magic,
			uint32_t v[UC_NEWC_NFIELDS], const char *name,
			size_t namelen, size_t ext, uint64_t size)
{
	uint8_t h[UC_NEWC_HDR_SIZE];
	size_t namesize = namelen + 1 + ext;

	if (w->err)
		return w->err;
	if (w->in_file)
		return w->err = -UC_ERR_BADARG;
	if (size > 0xffffffffu)
		return w->err = -UC_ERR_CPIO_FIELD_TOO_BIG;
	v[UC_NEWC_FILESIZE] = (uint32_t)size;
	v[UC_NEWC_NAMESIZE] = (uint32_t)namesize;
	uc_memcpy(h, magic, UC_NEWC_MAGIC_SIZE);
	for (unsigned int f = 0; f < UC_NEWC_NFIELDS; f++)
		put_hex(h + UC_NEWC_FIELD_OFF(f), UC_NEWC_FIELD_SIZE, v[f]);

	if (emit(w, h, sizeof(h)) || emit(w, name, namelen) ||
	    emit_zeros(w, 1 + ext) || emit_zeros(w, pad_len(w->off, 4)))
		return w->err;
	w->pending = size;
	w->in_file = true;
	return 0;
}

static int write_header(struct uc_cpio_writer *w, const char *name,
			uint32_t mode, uint32_t nlink, uint64_t size,
			unsigned int align, uint32_t ino)
{
	size_t namelen = uc_strlen(name), ext;
	uint32_t v[UC_NEWC_NFIELDS] = { 0 };

	if (w->err)
		return w->err;
	if (!valid_align(align))
		return w->err = -UC_ERR_CPIO_BAD_ALIGN;
	/* Compared piecewise: namelen + 1 + ext could wrap a 32-bit size_t. */
	ext = name_extension(w->off, namelen, align);
	if (namelen >= UC_CPIO_NAMESIZE_MAX ||
	    ext > UC_CPIO_NAMESIZE_MAX - 1 - namelen)
		return w->err = -UC_ERR_CPIO_NAME_TOO_LONG;
	v[UC_NEWC_INO] = ino;
	v[UC_NEWC_MODE] = mode;
	v[UC_NEWC_NLINK] = nlink;
	v[UC_NEWC_MTIME] = w->mtime;
	/* Padding the name is how data gets aligned; the file itself ends at 4. */
	return write_fields(w, "070701", v, name, namelen, ext, size);
}

int uc_cpio_begin_copy(struct uc_cpio_writer *w, const struct uc_cpio_entry *e,
		       uint32_t ino)
{
	uint32_t v[UC_NEWC_NFIELDS];
	size_t namelen;
	int r;

	if (w->err)
		return w->err;
	r = uc_cpio_entry_check(e);
	if (r)
		return w->err = r;
	namelen = uc_strlen(e->name);
	uc_memcpy(v, e->field, sizeof(v));
	v[UC_NEWC_INO] = ino;
	return write_fields(w, e->magic == 0x070702 ? "070702" : "070701", v,
			    e->name, namelen, e->namesize - 1 - namelen,
			    e->filesize);
}

int uc_cpio_begin_file(struct uc_cpio_writer *w, const char *name,
		       uint32_t mode, uint64_t size, unsigned int align)
{
	uint32_t nlink = (mode & UC_CPIO_S_IFMT) == UC_CPIO_S_IFDIR ? 2 : 1;

	return write_header(w, name, mode, nlink, size, align, uc_cpio_writer_take_ino(w));
}

int uc_cpio_write_data(struct uc_cpio_writer *w, const void *data, size_t len)
{
	if (w->err)
		return w->err;
	if (!w->in_file || len > w->pending)
		return w->err = -UC_ERR_BADARG;
	w->pending -= len;
	return emit(w, data, len);
}

int uc_cpio_end_file(struct uc_cpio_writer *w)
{
	if (w->err)
		return w->err;
	if (!w->in_file || w->pending)
		return w->err = -UC_ERR_BADARG;
	w->in_file = false;
	return emit_zeros(w, pad_len(w->off, 4));
}

int uc_cpio_write_file(struct uc_cpio_writer *w, const char *name,
		       const void *data, size_t size, unsigned int align)
{
	if (uc_cpio_begin_file(w, name, UC_CPIO_S_IFREG | 0644, size, align) ||
	    uc_cpio_write_data(w, data, size))
		return w->err;
	return uc_cpio_end_file(w);
}

int uc_cpio_write_dir(struct uc_cpio_writer *w, const char *name)
{
	if (uc_cpio_begin_file(w, name, UC_CPIO_S_IFDIR | 0755, 0, 4))
		return w->err;
	return uc_cpio_end_file(w);
}

int uc_cpio_write_trailer(struct uc_cpio_writer *w, unsigned int pad_to)
{
	if (w->err)
		return w->err;
	if (pad_to % 4)
		return w->err = -UC_ERR_BADARG;
	/* The trailer is no file: inode 0, mode 0, nlink 1 as GNU cpio writes it. */
	if (write_header(w, UC_CPIO_TRAILER, 0, 1, 0, 4, 0) ||
	    uc_cpio_end_file(w))
		return w->err;
	if (pad_to && w->off % pad_to)
		return emit_zeros(w, pad_to - w->off % pad_to);
	return 0;
}

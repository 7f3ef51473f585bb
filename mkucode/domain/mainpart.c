// SPDX-License-Identifier: GPL-2.0-or-later
/* The main part of an initrd, decompressed as a stream through libarchive. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <archive.h>

#include "cpio/cpio.h"
#include "domain/early.h"
#include "domain/mainpart.h"
#include "util/alloc.h"

/* Bytes read from the file at a time. */
#define CHUNK ((size_t)64 << 10)
/* An early part bigger than this is no initrd's. */
#define EARLY_MAX ((size_t)64 << 20)
#define UCODE_DIR "kernel/x86/microcode/"

static const struct {
	uint8_t magic[2];
	enum mainpart_compression c;
} magics[] = {
	/* The table of the kernel's lib/decompress.c. */
	{ { 0x1f, 0x8b }, MAINPART_GZIP },
	{ { 0x1f, 0x9e }, MAINPART_GZIP },
	{ { 0x42, 0x5a }, MAINPART_BZIP2 },
	{ { 0x5d, 0x00 }, MAINPART_LZMA },
	{ { 0xfd, 0x37 }, MAINPART_XZ },
	{ { 0x89, 0x4c }, MAINPART_LZO },
	{ { 0x02, 0x21 }, MAINPART_LZ4 },
	{ { 0x28, 0xb5 }, MAINPART_ZSTD },
};

enum mainpart_compression mainpart_detect(const uint8_t *p, size_t n)
{
	if (uc_cpio_probe(p, n))
		return MAINPART_CPIO;
	if (n < 2)
		return MAINPART_UNKNOWN;
	for (size_t i = 0; i < sizeof(magics) / sizeof(magics[0]); i++)
		if (p[0] == magics[i].magic[0] && p[1] == magics[i].magic[1])
			return magics[i].c;
	return MAINPART_UNKNOWN;
}

enum mainpart_compression mainpart_next(const struct early_part *ep)
{
	return mainpart_detect(ep->next, ep->next_len);
}

const char *mainpart_compression_name(enum mainpart_compression c)
{
	switch (c) {
	case MAINPART_UNKNOWN: return "unknown";
	case MAINPART_CPIO: return "uncompressed cpio";
	case MAINPART_GZIP: return "gzip";
	case MAINPART_BZIP2: return "bzip2";
	case MAINPART_LZMA: return "lzma";
	case MAINPART_XZ: return "xz";
	case MAINPART_LZO: return "lzo";
	case MAINPART_LZ4: return "lz4";
	case MAINPART_ZSTD: return "zstd";
	}
	return "unknown";
}

/* ------------------------------------------------ the kernel's cpio walk */

/*
 * newc fed in pieces, as init/initramfs.c's state machine takes it: NULs
 * between archives skipped, a header, its name (the first
 * MAINPART_NAME_MAX bytes kept), data and padding skipped.
 */
enum walk_state { AT_BOUNDARY, IN_HEADER, IN_NAME, IN_DATA };

enum walk_ret {
	WALK_MORE,              /* all fed bytes taken */
	WALK_HIT,               /* a microcode member: r filled */
	WALK_END,               /* a byte that starts no header */
	WALK_BAD,               /* a header the kernel rejects */
};

struct walk {
	enum walk_state state;
	uint64_t pos;           /* bytes fed so far */
	uint64_t hdr_pos, name_end, member_end;
	uint8_t hdr[UC_NEWC_HDR_SIZE];
	size_t have;            /* of hdr, or of name */
	char name[MAINPART_NAME_MAX + 1];
	uint32_t namesize, filesize, mode;
	int err;                /* WALK_BAD: the core's code */
};

static uint64_t align4(uint64_t v)
{
	return (v + 3) & ~(uint64_t)3;
}

static uint32_t hex_field(const uint8_t *hdr, enum uc_newc_field f)
{
	uint32_t v = 0;

	/* uc_cpio_decode has checked every digit. */
	for (int i = 0; i < UC_NEWC_FIELD_SIZE; i++) {
		uint8_t ch = hdr[UC_NEWC_FIELD_OFF(f) + i];

		v = v << 4 | (uint32_t)(ch <= '9' ? ch - '0' : (ch | 0x20) - 'a' + 10);
	}
	return v;
}

static bool ucode_name(const struct walk *w)
{
	const char *n = w->name;

	if ((w->mode & UC_CPIO_S_IFMT) != UC_CPIO_S_IFREG ||
	    w->namesize > MAINPART_NAME_MAX || !w->namesize ||
	    memchr(n, 0, w->namesize) != n + w->namesize - 1)
		return false;
	/* The kernel creates "./kernel/..." and "/kernel/..." in the same place. */
	if (n[0] == '.' && n[1] == '/')
		n += 2;
	while (*n == '/')
		n++;
	return !strncmp(n, UCODE_DIR, strlen(UCODE_DIR)) && n[strlen(UCODE_DIR)];
}

/* A header is complete: check it as the loaders would, and lay out the rest. */
static enum walk_ret header_done(struct walk *w)
{
	struct uc_cpio_entry e;
	int k = uc_cpio_decode(w->hdr, UC_NEWC_HDR_SIZE, 0, &e);

	/* Only the header is here: a name or data "past the end" is fine. */
	if (k && k != -UC_ERR_CPIO_NAME_PAST_END && k != -UC_ERR_CPIO_DATA_PAST_END) {
		w->err = k;
		return WALK_BAD;
	}
	w->namesize = hex_field(w->hdr, UC_NEWC_NAMESIZE);
	w->filesize = hex_field(w->hdr, UC_NEWC_FILESIZE);
	w->mode = hex_field(w->hdr, UC_NEWC_MODE);
	w->name_end = w->hdr_pos + UC_NEWC_HDR_SIZE + w->namesize;
	w->member_end = align4(align4(w->name_end) + w->filesize);
	w->have = 0;
	w->state = IN_NAME;
	return WALK_MORE;
}

static enum walk_ret feed(struct walk *w, const uint8_t *p, size_t n,
			  size_t *used, struct mainpart_result *r)
{
	size_t i = 0;

	while (i < n) {
		size_t take;

		switch (w->state) {
		case AT_BOUNDARY:
			if (!p[i]) {
				i++;
				w->pos++;
				continue;
			}
			if (p[i] != '0') {
				*used = i;
				return WALK_END;
			}
			w->state = IN_HEADER;
			w->hdr_pos = w->pos;
			w->have = 0;
			continue;
		case IN_HEADER:
			take = UC_NEWC_HDR_SIZE - w->have;
			if (take > n - i)
				take = n - i;
			memcpy(w->hdr + w->have, p + i, take);
			w->have += take;
			i += take;
			w->pos += take;
			if (w->have == UC_NEWC_HDR_SIZE && header_done(w) == WALK_BAD) {
				*used = i;
				return WALK_BAD;
			}
			continue;
		case IN_NAME:
			take = w->name_end - w->pos < n - i ? (size_t)(w->name_end - w->pos)
							    : n - i;
			if (w->have < MAINPART_NAME_MAX) {
				size_t keep = MAINPART_NAME_MAX - w->have;

				keep = keep < take ? keep : take;
				memcpy(w->name + w->have, p + i, keep);
				w->have += keep;
			}
			i += take;
			w->pos += take;
			if (w->pos < w->name_end)
				continue;
			w->name[w->have] = 0;
			if (ucode_name(w)) {
				memcpy(r->name, w->name, w->have + 1);
				r->size = w->filesize;
				r->member_offset = w->hdr_pos;
				r->found = true;
				*used = i;
				return WALK_HIT;
			}
			w->state = IN_DATA;
			continue;
		case IN_DATA:
			take = w->member_end - w->pos < n - i ? (size_t)(w->member_end - w->pos)
							      : n - i;
			i += take;
			w->pos += take;
			if (w->pos == w->member_end)
				w->state = AT_BOUNDARY;
			continue;
		}
	}
	*used = n;
	return WALK_MORE;
}

/* ------------------------------------------------------------ the scan */

struct scan {
	int fd;
	const char *path;
	uint64_t end, max_out;
	struct mainpart_result *r;
	struct diags *d;
	uint8_t *buf;           /* CHUNK bytes of the file */
	uint64_t fail_at;       /* a decoder's failing byte, or 0 */
};

static int read_at(struct scan *s, uint64_t pos, size_t want, size_t *got)
{
	ssize_t k;

	if (want > s->end - pos)
		want = (size_t)(s->end - pos);
	do
		k = pread(s->fd, s->buf, want, (off_t)pos);
	while (k < 0 && errno == EINTR);
	if (k < 0)
		return diag_add(s->d, DIAG_ERROR, s->path, pos, 0, errno, "read error");
	if (!k && want)
		return diag_add(s->d, DIAG_ERROR, s->path, pos, 0, 0,
				"the file shrank while it was read");
	*got = (size_t)k;
	return 0;
}

static int too_much(struct scan *s, uint64_t at)
{
	return diag_add(s->d, DIAG_ERROR, s->path, at, 0, 0,
			"more than %ju MiB decompressed from the main part; not read further",
			(uintmax_t)(s->max_out >> 20));
}

/*
 * What libarchive reads: the file from a part's start, CHUNK at a time, or
 * (one_byte) a byte at a time from a CHUNK window, to find the byte whose
 * arrival made a decoder fail.
 */
struct source {
	struct scan *s;
	uint64_t pos;
	bool one_byte;
	bool eof;               /* the end was reported */
	uint64_t win_off;
	size_t win_len;
};

static la_ssize_t source_read(struct archive *a, void *data, const void **out)
{
	struct source *src = data;
	size_t got = 0;

	if (src->pos >= src->s->end) {
		src->eof = true;
		return 0;
	}
	if (src->one_byte && src->pos >= src->win_off &&
	    src->pos < src->win_off + src->win_len) {
		*out = src->s->buf + (src->pos - src->win_off);
		src->pos++;
		return 1;
	}
	if (read_at(src->s, src->pos, CHUNK, &got)) {
		archive_set_error(a, EIO, "read error");
		return -1;
	}
	src->win_off = src->pos;
	src->win_len = got;
	*out = src->s->buf;
	if (src->one_byte)
		got = 1;
	src->pos += got;
	return (la_ssize_t)got;
}

static void support_filters(struct archive *a)
{
	/* Only what the kernel takes: no external lrzip, grzip or uudecode.
	 * lzop may run "lzop -d" where libarchive is built without liblzo2
	 * (Debian's is): ARCHIVE_WARN, and it fails cleanly without lzop. */
	archive_read_support_filter_gzip(a);
	archive_read_support_filter_bzip2(a);
	archive_read_support_filter_lzma(a);
	archive_read_support_filter_xz(a);
	archive_read_support_filter_lzop(a);
	archive_read_support_filter_lz4(a);
	archive_read_support_filter_zstd(a);
	archive_read_support_format_raw(a);
	archive_read_support_format_empty(a);
}

static const char *la_error(struct archive *a)
{
	const char *e = archive_error_string(a);

	return e ? e : "unknown libarchive error";
}

/* A part this long (compressed) is not read again a byte at a time. */
#define REPASS_MAX ((uint64_t)16 << 20)

/*
 * libarchive reads ahead: when a decoder fails, the file has been read
 * past the fault.  Decode the part again a byte at a time, discarding the
 * output, for the byte whose arrival made it fail (the end of the file
 * when only the end shows it); fallback for an external program (lzop),
 * a part too long to read twice, or a second pass that does not fail.
 */
static uint64_t failing_byte(struct scan *s, uint64_t at,
			     enum mainpart_compression c, uint64_t fallback)
{
	struct source src = { s, at, true, false, 0, 0 };
	struct archive *a;
	struct archive_entry *entry;
	uint64_t out = 0, off = fallback;
	int k;

	if (c == MAINPART_LZO || fallback - at > REPASS_MAX)
		return fallback;
	a = archive_read_new();
	if (!a)
		return fallback;
	support_filters(a);
	k = archive_read_open(a, &src, NULL, source_read, NULL);
	if (k == ARCHIVE_OK)
		k = archive_read_next_header(a, &entry);
	while (k == ARCHIVE_OK) {
		const void *block;
		size_t len;
		la_int64_t boff;

		k = archive_read_data_block(a, &block, &len, &boff);
		out += len;
		if (out > s->max_out)
			break;
	}
	if (k != ARCHIVE_OK && k != ARCHIVE_EOF)
		off = src.eof ? s->end : src.pos - 1;
	archive_read_free(a);
	return off;
}

/*
 * One compressed part at `at`: its decompressed bytes through the walk.
 * *consumed: the compressed bytes it took (libarchive's count, exact at
 * the end of a stream).  1 on a hit, 0, -1 on error.  A decoder's error
 * is at the byte whose arrival made it fail (failing_byte); one in the
 * cpio within, or the bomb guard, at how far libarchive had read the file
 * (with the offset in the decompressed bytes in the text).
 */
static int compressed_part(struct scan *s, uint64_t at, enum mainpart_compression c,
			   uint64_t *consumed)
{
	struct source src = { s, at, false, false, 0, 0 };
	struct walk w = { .state = AT_BOUNDARY };
	struct archive *a = archive_read_new();
	struct archive_entry *entry;
	const char *name = mainpart_compression_name(c);
	int rc = -1, k;

	s->fail_at = 0;
	if (!a)
		return diag_error(s->d, s->path, "out of memory");
	support_filters(a);
	if (archive_read_open(a, &src, NULL, source_read, NULL) != ARCHIVE_OK)
		goto broken;
	/* The kernel decompresses once: a bid on the bytes within is junk. */
	if (archive_filter_count(a) != 2) {
		diag_add(s->d, DIAG_ERROR, s->path, at, 0, 0, archive_filter_count(a) < 2
			 ? "starts like %s data by its magic, but is none"
			 : "%s-compressed part holds compressed data, not a cpio archive",
			 name);
		goto out;
	}
	k = archive_read_next_header(a, &entry);
	if (k == ARCHIVE_EOF) {
		rc = 0;
		goto done;
	}
	if (k != ARCHIVE_OK)
		goto broken;
	for (;;) {
		const void *block;
		size_t len, used;
		la_int64_t off;
		enum walk_ret wr;

		k = archive_read_data_block(a, &block, &len, &off);
		if (k == ARCHIVE_EOF)
			break;
		if (k != ARCHIVE_OK)
			goto broken;
		if (len > s->max_out - s->r->out_bytes) {
			too_much(s, src.pos);
			goto out;
		}
		s->r->out_bytes += len;
		wr = feed(&w, block, len, &used, s->r);
		if (wr == WALK_HIT) {
			s->r->compression = c;
			s->r->part_offset = at;
			rc = 1;
			goto out;
		}
		if (wr == WALK_END || wr == WALK_BAD) {
			diag_add(s->d, DIAG_ERROR, s->path, src.pos,
				 wr == WALK_BAD ? w.err : 0, 0,
				 "%s-compressed part from offset 0x%jx: %s at offset 0x%jx "
				 "of its decompressed data", name, (uintmax_t)at,
				 wr == WALK_BAD ? uc_strerror(w.err) : "junk after a cpio archive",
				 (uintmax_t)(wr == WALK_BAD ? w.hdr_pos : w.pos));
			goto out;
		}
	}
	if (w.state != AT_BOUNDARY) {
		diag_add(s->d, DIAG_ERROR, s->path, src.pos, 0, 0,
			 "%s-compressed part from offset 0x%jx ends inside a cpio member",
			 name, (uintmax_t)at);
		goto out;
	}
	rc = 0;
done:
	*consumed = (uint64_t)archive_filter_bytes(a, -1);
	if (!*consumed)
		rc = diag_add(s->d, DIAG_ERROR, s->path, at, 0, 0,
			      "%s-compressed part: no data", name);
	goto out;
broken:
	s->fail_at = failing_byte(s, at, c, src.pos);
	diag_add(s->d, DIAG_ERROR, s->path, s->fail_at, 0, 0,
		 "%s-compressed part from offset 0x%jx: %s", name, (uintmax_t)at,
		 la_error(a));
out:
	archive_read_free(a);
	return rc;
}

/*
 * libarchive's xz and zstd readers take what follows their stream for more
 * of it, and fail there; the kernel's decompressors stop where the stream
 * ends, so a part of another kind (or zero padding) may follow.  When the
 * failure is where such a header would be judged (zstd: a frame magic at
 * its first wrong byte, up to its 4th; liblzma: a stream header whole, at
 * its 12th byte), read the part again with the file ending where that
 * header starts: if it then ends cleanly, there, that is where it ends.
 */
static int shorter_part(struct scan *s, uint64_t at, enum mainpart_compression c,
			uint64_t *consumed)
{
	uint64_t fail = s->fail_at, end = s->end, out = s->r->out_bytes;
	unsigned int first = c == MAINPART_XZ ? 11 : 0, last = c == MAINPART_XZ ? 11 : 3;
	struct diags *d = s->d, quiet = { 0 };
	int rc = -1;

	for (unsigned int back = first; back <= last && rc < 0 && fail > at + back; back++) {
		s->end = fail - back;
		s->d = &quiet;
		s->r->out_bytes = out;
		rc = compressed_part(s, at, c, consumed);
		if (rc >= 0 && at + *consumed != s->end)
			rc = -1;
		diags_free(&quiet);
	}
	s->end = end;
	s->d = d;
	if (rc < 0)
		s->r->out_bytes = out;
	return rc;
}

/*
 * An uncompressed cpio run at *pos, read from the file; *pos moves to the
 * byte that starts no header.  1 on a hit, 0, -1 on error.
 */
static int cpio_part(struct scan *s, uint64_t *pos)
{
	struct walk w = { .state = AT_BOUNDARY };
	uint64_t at = *pos;

	while (at + w.pos < s->end) {
		size_t got, used;
		enum walk_ret wr;

		if (read_at(s, at + w.pos, CHUNK, &got))
			return -1;
		wr = feed(&w, s->buf, got, &used, s->r);
		if (wr == WALK_HIT) {
			s->r->compression = MAINPART_CPIO;
			s->r->part_offset = at;
			return 1;
		}
		if (wr == WALK_BAD)
			return diag_add(s->d, DIAG_ERROR, s->path, at + w.hdr_pos, w.err, 0,
					"%s", uc_strerror(w.err));
		if (wr == WALK_END) {
			*pos = at + w.pos;
			return 0;
		}
	}
	if (w.state != AT_BOUNDARY)
		return diag_add(s->d, DIAG_ERROR, s->path, at + w.hdr_pos, 0, 0,
				"the image ends inside a cpio member");
	*pos = s->end;
	return 0;
}

int mainpart_scan_fd(int fd, const char *path, uint64_t start, uint64_t end,
		     uint64_t max_out, struct mainpart_result *r, struct diags *d)
{
	struct scan s = { fd, path, end, max_out, r, d, xmalloc(CHUNK), 0 };
	uint64_t pos = start;
	int rc = 0;

	r->start = start;
	r->first = MAINPART_UNKNOWN;
	r->parts = 0;
	r->out_bytes = 0;
	r->found = false;
	while (pos < end && rc == 0) {
		enum mainpart_compression c;
		uint64_t consumed = 0;
		size_t got, i;

		if (read_at(&s, pos, CHUNK, &got)) {
			rc = -1;
			break;
		}
		/* Zeros between parts, as the kernel skips them. */
		for (i = 0; i < got && !s.buf[i]; i++)
			;
		pos += i;
		if (i == got)
			continue;
		c = mainpart_detect(s.buf + i, got - i);
		/* The kernel takes a cpio only at a multiple of 4. */
		if (c == MAINPART_CPIO && pos % 4)
			c = MAINPART_UNKNOWN;
		if (!r->parts++)
			r->first = c;
		if (c == MAINPART_UNKNOWN) {
			diag_add(d, DIAG_WARNING, path, pos, 0, 0,
				 "no compression the kernel knows starts here "
				 "(%02x %02x); not read further", s.buf[i],
				 got - i > 1 ? s.buf[i + 1] : 0);
			break;
		}
		if (c == MAINPART_CPIO) {
			rc = cpio_part(&s, &pos);
			continue;
		}
		{
			struct diags first = { 0 };

			s.d = &first;
			rc = compressed_part(&s, pos, c, &consumed);
			s.d = d;
			if (rc < 0 && s.fail_at && (c == MAINPART_XZ || c == MAINPART_ZSTD) &&
			    (rc = shorter_part(&s, pos, c, &consumed)) >= 0)
				diags_free(&first);
			diag_move(d, &first);
			diags_free(&first);
		}
		pos += consumed;
	}
	free(s.buf);
	return rc < 0 ? -1 : 0;
}

int mainpart_scan(const char *path, uint64_t max_out, struct mainpart_result *r,
		  struct diags *d)
{
	static const struct early_opts opts = { false, EARLY_MAX };
	struct early_part ep;
	uint8_t head[UC_NEWC_MAGIC_SIZE];
	ssize_t got;
	int fd = open(path, O_RDONLY | O_CLOEXEC), rc;

	memset(r, 0, sizeof(*r));
	if (fd < 0)
		return diag_sys(d, path, errno, "cannot open");
	got = pread(fd, head, sizeof(head), 0);
	if (got < 0) {
		rc = diag_sys(d, path, errno, "cannot read");
		goto out;
	}
	rc = 0;
	if (!uc_cpio_probe(head, (size_t)got))
		goto out;
	r->initrd = true;
	{
		struct early_input in = { .path = path, .fd = fd };

		if (early_read_inputs(&ep, &in, 1, &opts, d)) {
			rc = -1;
			goto out;
		}
	}
	r->start = ep.stop;
	if (ep.stop < ep.total)
		rc = mainpart_scan_fd(fd, path, ep.stop, ep.total, max_out, r, d);
	early_free(&ep);
out:
	close(fd);
	return rc;
}

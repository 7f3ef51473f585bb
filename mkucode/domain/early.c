// SPDX-License-Identifier: GPL-2.0-or-later
/* The early part of an initrd, read with pread in bounded steps. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cpio/cpio.h"
#include "domain/early.h"
#include "util/alloc.h"
#include "util/spool.h"

/*
 * How much is read at a time.  A member name must fit in it (with its
 * header), which no name the loaders or the kernel take comes near; and
 * this much of what follows the stop is kept, so the scanner stops there
 * for the same reason it does in the file.
 */
#define WINDOW ((size_t)256 << 10)
/* A header and a name of any common length. */
#define NAME_GUESS ((size_t)4096)

struct reader {
	struct early_part *ep;
	const struct early_opts *o;
	int *fds;
	uint8_t *win;
	uint64_t win_off;
	size_t win_len;
	struct diags *d;
};

/* The file a stream offset falls in, *off relative to the part read. */
static size_t file_at(const struct early_part *ep, uint64_t pos, uint64_t *off)
{
	size_t i = 0;

	while (i + 1 < ep->n_files && ep->files[i + 1].start <= pos)
		i++;
	*off = pos - ep->files[i].start;
	return i;
}

size_t early_file_at(const struct early_part *ep, uint64_t pos, uint64_t *file_off)
{
	size_t i = file_at(ep, pos, file_off);

	*file_off += ep->files[i].base;
	return i;
}

/* The file's length with the padding to 4 that joins it to the next. */
static uint64_t padded_size(const struct early_part *ep, size_t i)
{
	return i + 1 < ep->n_files ? ep->files[i + 1].start - ep->files[i].start
				   : ep->files[i].size;
}

/* Bytes [pos, pos + len) of the joined stream; padding reads as zeros. */
static int stream_read(struct reader *r, uint64_t pos, uint8_t *dst, size_t len)
{
	while (len) {
		uint64_t foff;
		size_t i = file_at(r->ep, pos, &foff);
		const struct early_file *f = &r->ep->files[i];
		uint64_t left;
		size_t chunk;
		ssize_t k;

		if (foff >= f->size) {
			left = padded_size(r->ep, i) - foff;
			chunk = left < len ? (size_t)left : len;
			memset(dst, 0, chunk);
		} else {
			left = f->size - foff;
			chunk = left < len ? (size_t)left : len;
			k = pread(r->fds[i], dst, chunk, (off_t)(f->base + foff));
			if (k < 0 && errno == EINTR)
				continue;
			if (k < 0)
				return diag_add(r->d, DIAG_ERROR, f->path, f->base + foff, 0,
						errno, "read error");
			if (!k)
				return diag_add(r->d, DIAG_ERROR, f->path, f->base + foff, 0,
						0, "the file shrank while it was read");
			chunk = (size_t)k;
		}
		dst += chunk;
		pos += chunk;
		len -= chunk;
	}
	return 0;
}

/*
 * The stream from pos in the window, at least min(want, what is left)
 * bytes of it; *avail says how many.  NULL after a read error.
 */
static const uint8_t *view(struct reader *r, uint64_t pos, size_t want,
			   size_t *avail)
{
	uint64_t left = r->ep->total - pos;

	if (want > left)
		want = (size_t)left;
	if (pos < r->win_off || pos - r->win_off > r->win_len ||
	    r->win_off + r->win_len - pos < want) {
		r->win_off = pos;
		r->win_len = left < WINDOW ? (size_t)left : WINDOW;
		if (stream_read(r, pos, r->win, r->win_len)) {
			r->win_len = 0;
			return NULL;
		}
	}
	*avail = (size_t)(r->win_off + r->win_len - pos);
	return r->win + (pos - r->win_off);
}

static int too_much(struct reader *r, uint64_t pos)
{
	uint64_t foff;
	size_t f = early_file_at(r->ep, pos, &foff);

	diag_add(r->d, DIAG_ERROR, r->ep->files[f].path, foff, 0, 0,
		 "more than %zu MiB of early cpio to read; not read further",
		 r->o->max >> 20);
	return EARLY_TOO_BIG;
}

static void add_run(struct early_part *ep, size_t len, uint64_t from,
		    uint64_t span, bool collapsed)
{
	struct early_run *last = ep->n_runs ? &ep->runs[ep->n_runs - 1] : NULL;

	/* Verbatim runs that touch are one. */
	if (last && !collapsed && !last->collapsed &&
	    last->from + last->span == from) {
		last->len += len;
		last->span += span;
		return;
	}
	grow(&ep->runs, &ep->cap_runs, ep->n_runs + 1, sizeof(*ep->runs));
	ep->runs[ep->n_runs++] = (struct early_run){ ep->len, len, from, span,
						      collapsed };
}

/* Keep stream bytes [pos, pos + len) as they are. */
static int keep(struct reader *r, uint64_t pos, uint64_t len)
{
	struct early_part *ep = r->ep;

	if (!len)
		return 0;
	if (len > r->o->max - ep->len)
		return too_much(r, pos);
	grow(&ep->buf, &ep->cap, ep->len + (size_t)len, 1);
	if (stream_read(r, pos, ep->buf + ep->len, (size_t)len))
		return -1;
	add_run(ep, (size_t)len, pos, len, false);
	ep->len += (size_t)len;
	return 0;
}

/*
 * Members nobody looks at, and padding, in [from, to): verbatim, or in
 * as few bytes as keep what follows as aligned (mod 16).  Zero padding
 * becomes zeros; members become one small stand-in member, because the
 * scanner tells an archive broken off from one ended by what it saw since
 * the last trailer.
 */
static int skip_run(struct reader *r, uint64_t from, uint64_t to, bool members)
{
	struct early_part *ep = r->ep;
	size_t n = (size_t)((to - from) % 16);

	if (from == to)
		return 0;
	if (r->o->verbatim)
		return keep(r, from, to - from);
	if (members)
		n += UC_NEWC_HDR_SIZE + 2;      /* a directory "." */
	if (n > r->o->max - ep->len)
		return too_much(r, from);
	grow(&ep->buf, &ep->cap, ep->len + n + 1, 1);
	memset(ep->buf + ep->len, 0, n);
	if (members) {
		char hdr[UC_NEWC_HDR_SIZE + 1];

		snprintf(hdr, sizeof(hdr),
			 "070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X",
			 0u, 040755u, 0u, 0u, 2u, 0u, (unsigned int)(n - UC_NEWC_HDR_SIZE - 2),
			 0u, 0u, 0u, 0u, 2u, 0u);
		memcpy(ep->buf + ep->len, hdr, UC_NEWC_HDR_SIZE);
		ep->buf[ep->len + UC_NEWC_HDR_SIZE] = '.';
	}
	add_run(ep, n, from, to - from, true);
	ep->len += n;
	return 0;
}

/* A name the loaders' lookup or the validator's name checks would match. */
static bool names_vendor_file(const struct uc_cpio_entry *e)
{
	return memmem(e->name, e->namesize, UC_CPIO_PATH_INTEL,
		      strlen(UC_CPIO_PATH_INTEL)) ||
	       memmem(e->name, e->namesize, UC_CPIO_PATH_AMD,
		      strlen(UC_CPIO_PATH_AMD));
}

/*
 * pos is at a zero word the window ended in: where a hole in the file
 * ends, the loaders' zero skip would get to at once.
 */
static uint64_t past_hole(struct reader *r, uint64_t pos)
{
	uint64_t foff, to, end;
	size_t i = file_at(r->ep, pos, &foff);
	const struct early_file *f = &r->ep->files[i];
	off_t data;

	if (foff >= f->size)
		return pos;
	end = f->size & ~(uint64_t)3;
	data = lseek(r->fds[i], (off_t)(f->base + foff), SEEK_DATA);
	if (data < 0 && errno == ENXIO)
		to = f->start + end;
	else if (data >= 0)
		/* Data past a part's end: the part is zeros to its end. */
		to = f->start + ((uint64_t)data - f->base < end
					 ? ((uint64_t)data - f->base) & ~(uint64_t)3 : end);
	else
		return pos;
	return to > pos ? to : pos;
}

/* The loaders' walk over the stream, keeping what the core will look at. */
static int walk(struct reader *r)
{
	struct early_part *ep = r->ep;
	uint64_t total = ep->total, pos = 0, kept_to = 0;
	bool skipped = false;    /* members since kept_to */
	int k;

	for (;;) {
		struct uc_cpio_entry e;
		const uint8_t *w;
		size_t avail, i;
		uint64_t left;

		/* The loaders stop when no header can follow. */
		if (total - pos <= UC_NEWC_HDR_SIZE)
			break;
		w = view(r, pos, 1, &avail);
		if (!w)
			return -1;
		if (!w[0]) {
			/* Zero words are skipped by their first byte. */
			for (i = 0; i < avail && !w[i] &&
				    total - (pos + i) > UC_NEWC_HDR_SIZE; i += 4)
				;
			pos += i;
			if (i >= avail && total - pos > UC_NEWC_HDR_SIZE) {
				uint64_t last = pos + (total - UC_NEWC_HDR_SIZE - pos + 3) / 4 * 4;
				uint64_t to = past_hole(r, pos);

				pos = to < last ? to : last;
			}
			continue;
		}
		/* Most names are short: a full window only for a long one. */
		left = total - pos;
		w = view(r, pos, NAME_GUESS, &avail);
		if (!w)
			return -1;
		k = uc_cpio_decode(w, avail, 0, &e);
		if (k == -UC_ERR_CPIO_NAME_PAST_END && avail < left && avail < WINDOW) {
			w = view(r, pos, WINDOW, &avail);
			if (!w)
				return -1;
			k = uc_cpio_decode(w, avail, 0, &e);
		}
		/* A name that does not fit even a full window. */
		if (k == -UC_ERR_CPIO_NAME_PAST_END && avail < left) {
			uint64_t foff;
			size_t f = early_file_at(ep, pos, &foff);

			return diag_add(r->d, DIAG_ERROR, ep->files[f].path, foff, 0, 0,
					"a cpio member name longer than %zu KiB; not an "
					"initrd mkucode reads", WINDOW >> 10);
		}
		if (k == -UC_ERR_CPIO_DATA_PAST_END)
			k = uc_cpio_decode(w, left < SIZE_MAX ? (size_t)left : SIZE_MAX,
					   0, &e);
		if (k)
			break;
		ep->entries++;
		if (uc_cpio_is_trailer(&e) || uc_cpio_entry_check(&e) ||
		    names_vendor_file(&e)) {
			int k2 = skip_run(r, kept_to, pos, skipped);

			if (k2 || (k2 = keep(r, pos, e.next)))
				return k2;
			kept_to = pos + e.next;
			skipped = false;
		} else {
			skipped = true;
		}
		pos += e.next;
	}
	ep->stop = pos;
	k = skip_run(r, kept_to, pos, skipped);
	if (k)
		return k;
	{
		size_t at = ep->len, tail = total - pos < WINDOW ? (size_t)(total - pos)
								 : WINDOW;

		k = keep(r, pos, tail);
		if (k)
			return k;
		ep->next_len = tail < EARLY_NEXT_BYTES ? tail : EARLY_NEXT_BYTES;
		if (ep->next_len)
			memcpy(ep->next, ep->buf + at, ep->next_len);
	}
	return 0;
}

int early_read_inputs(struct early_part *ep, const struct early_input *inputs,
		      size_t n, const struct early_opts *o, struct diags *d)
{
	struct reader r = { ep, o, NULL, NULL, 0, 0, d };
	int rc = -1;
	size_t opened = 0;

	memset(ep, 0, sizeof(*ep));
	ep->files = xmalloc(n * sizeof(*ep->files));
	ep->n_files = n;
	r.fds = xmalloc(n * sizeof(*r.fds));
	for (; opened < n; opened++) {
		const char *path = inputs[opened].path;
		struct stat st;
		int fd = inputs[opened].fd >= 0 ? inputs[opened].fd
						: open(path, O_RDONLY | O_CLOEXEC);

		if (fd < 0) {
			diag_sys(d, path, errno, "cannot open");
			goto out;
		}
		r.fds[opened] = fd;
		if (fstat(fd, &st)) {
			diag_sys(d, path, errno, "cannot stat");
			opened++;
			goto out;
		}
		if (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode)) {
			diag_error(d, path, "not a regular file");
			opened++;
			goto out;
		}
		if (S_ISBLK(st.st_mode)) {
			off_t end = lseek(fd, 0, SEEK_END);

			st.st_size = end > 0 ? end : 0;
		}
		ep->files[opened].path = path;
		ep->files[opened].size = (uint64_t)st.st_size;
		ep->files[opened].base = 0;
		if (inputs[opened].part) {
			const struct early_input *in = &inputs[opened];

			if (in->offset > (uint64_t)st.st_size ||
			    (uint64_t)st.st_size - in->offset < in->size) {
				diag_add(d, DIAG_ERROR, path, in->offset, 0, 0,
					 "the part of %llu bytes here ends past the "
					 "file's end (%jd bytes)",
					 (unsigned long long)in->size, (intmax_t)st.st_size);
				opened++;
				goto out;
			}
			ep->files[opened].base = in->offset;
			ep->files[opened].size = in->size;
		}
		ep->files[opened].start = ep->total;
		/* The boot loaders start each file at a multiple of 4. */
		ep->total += opened + 1 < n ? (ep->files[opened].size + 3) & ~(uint64_t)3
					   : ep->files[opened].size;
	}
	r.win = xmalloc(WINDOW);
	rc = walk(&r);
out:
	for (size_t i = 0; i < opened; i++)
		if (inputs[i].fd < 0)
			close(r.fds[i]);
	free(r.fds);
	free(r.win);
	if (rc)
		early_free(ep);
	return rc;
}

int early_read(struct early_part *ep, const char *const *paths, size_t n,
	       const struct early_opts *o, struct diags *d)
{
	struct early_input *inputs = xmalloc((n ? n : 1) * sizeof(*inputs));
	int rc;

	for (size_t i = 0; i < n; i++)
		inputs[i] = (struct early_input){ .path = paths[i], .fd = -1 };
	rc = early_read_inputs(ep, inputs, n, o, d);
	free(inputs);
	return rc;
}

/* ---------------------------------------------------- a stream, spooled */

/*
 * The stream from at: len bytes of it at buf + off, a window's worth
 * unless eof.  buf holds two windows, so that the bytes left are moved to
 * its start only once a window has been used up: each byte is moved at
 * most once, however small the members.
 */
struct stream {
	int fd;
	const char *name;
	int out;
	uint8_t *buf;
	size_t off, len;
	uint64_t at;
	bool eof;
	struct diags *d;
};

static int refill(struct stream *s)
{
	if (s->len >= WINDOW || s->eof)
		return 0;
	if (s->off > WINDOW) {
		memmove(s->buf, s->buf + s->off, s->len);
		s->off = 0;
	}
	while (!s->eof && s->len < WINDOW) {
		ssize_t k = read(s->fd, s->buf + s->off + s->len,
				 2 * WINDOW - s->off - s->len);

		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return diag_add(s->d, DIAG_ERROR, s->name, s->at + s->len, 0,
					errno, "read error");
		s->eof = !k;
		s->len += (size_t)k;
	}
	return 0;
}

/* Start the window at pos (at or after at; the end of the stream at most),
 * dropping what is before it unread by anyone. */
static int move_to(struct stream *s, uint64_t pos)
{
	size_t drop;

	while (s->at + s->len < pos && !s->eof) {
		s->at += s->len;
		s->off = s->len = 0;
		if (refill(s))
			return -1;
	}
	if (pos > s->at + s->len)
		pos = s->at + s->len;
	drop = (size_t)(pos - s->at);
	s->off += drop;
	s->len -= drop;
	s->at = pos;
	return refill(s);
}

/* Keep the stream from at up to end (or its end) in the copy. */
static int keep_to(struct stream *s, uint64_t end)
{
	while (s->at < end && s->len) {
		size_t n = end - s->at < s->len ? (size_t)(end - s->at) : s->len;

		if (spool_write(s->out, s->buf + s->off, n, s->at, s->name, s->d) ||
		    move_to(s, s->at + n))
			return -1;
	}
	return 0;
}

/*
 * The walk of walk() over a stream, read once: what it and the compact
 * buffer look at is copied, the data of the members it skips is read and
 * dropped (a hole in the copy).  Returns where it stops (*entries: the
 * members it passed), or UINT64_MAX after an error in s->d.
 */
static uint64_t spool_walk(struct stream *s, size_t *entries)
{
	for (;;) {
		const uint8_t *w = s->buf + s->off;
		uint64_t pos = s->at;
		struct uc_cpio_entry e;
		bool kept;
		size_t i;
		int k;

		if (s->len <= UC_NEWC_HDR_SIZE)
			return pos;
		if (!w[0]) {
			/* Words skipped by their first byte, copied as they are. */
			for (i = 0; i < s->len && !w[i] &&
				    s->len - i > UC_NEWC_HDR_SIZE; i += 4)
				;
			if (spool_write(s->out, w, i, pos, s->name, s->d) ||
			    move_to(s, pos + i))
				return UINT64_MAX;
			continue;
		}
		k = uc_cpio_decode(w, s->len, 0, &e);
		/* The decoder reads the header and the name only: whether the
		 * data fits is known once it has been read. */
		if (k == -UC_ERR_CPIO_DATA_PAST_END && !s->eof)
			k = uc_cpio_decode(w, SIZE_MAX, 0, &e);
		/* Also a name longer than a window: early_read says so there. */
		if (k)
			return pos;
		kept = uc_cpio_is_trailer(&e) || uc_cpio_entry_check(&e) ||
		       names_vendor_file(&e);
		if (e.next <= s->len) {
			if (spool_write(s->out, w, kept ? e.next : e.data_offset,
					pos, s->name, s->d) ||
			    move_to(s, pos + e.next))
				return UINT64_MAX;
		} else if (kept) {
			if (keep_to(s, pos + e.next))
				return UINT64_MAX;
		} else {
			/* The window too: it is what follows if the stream
			 * ends inside the data. */
			if (spool_write(s->out, w, s->len, pos, s->name, s->d) ||
			    move_to(s, pos + e.next))
				return UINT64_MAX;
		}
		if (s->at < pos + e.next)
			return pos;     /* it did end there: the walk stops */
		(*entries)++;
	}
}

int early_spool(int fd, const char *name, size_t raw_max, struct diags *d)
{
	struct stream s = { fd, name, -1, NULL, 0, 0, 0, false, d };
	size_t entries = 0;
	uint64_t stop, tail;
	int rc = -1;

	s.out = spool_tmpfile(name, d);
	if (s.out < 0)
		return -1;
	s.buf = xmalloc(2 * WINDOW);
	if (refill(&s))
		goto out;
	stop = spool_walk(&s, &entries);
	if (stop == UINT64_MAX)
		goto out;
	/* What follows the stop, as walk() keeps it; with no member passed,
	 * the start as a whole file of raw_max bytes at most. */
	tail = stop + WINDOW;
	if (!entries && tail < raw_max)
		tail = raw_max;
	if (keep_to(&s, tail))
		goto out;
	while (s.len)
		if (move_to(&s, s.at + s.len))
			goto out;
	if (ftruncate(s.out, (off_t)s.at)) {
		diag_sys(d, name, errno, "cannot keep a copy");
		goto out;
	}
	rc = 0;
out:
	free(s.buf);
	if (rc) {
		close(s.out);
		return -1;
	}
	return s.out;
}

size_t early_locate(const struct early_part *ep, size_t off, uint64_t *file_off)
{
	size_t lo = 0, hi = ep->n_runs;
	uint64_t pos = 0;

	/* The last run that starts at or before off. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (ep->runs[mid].at <= off)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo) {
		const struct early_run *run = &ep->runs[lo - 1];

		pos = !run->collapsed && off < run->at + run->len
			      ? run->from + (off - run->at)
			      : run->from + run->span;
	}
	return early_file_at(ep, pos, file_off);
}

void early_free(struct early_part *ep)
{
	free(ep->buf);
	free(ep->runs);
	free(ep->files);
	memset(ep, 0, sizeof(*ep));
}

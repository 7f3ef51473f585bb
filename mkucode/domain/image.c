// SPDX-License-Identifier: GPL-2.0-or-later
/* Rewriting the early part of an initrd image in place, atomically. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/fs.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "domain/image.h"
#include "validate/check.h"
#include "util/alloc.h"
#include "util/fileio.h"
#include "util/fdout.h"

/* ------------------------------------------------------------ members */

#define UCODE_DIR "kernel/x86/microcode"

/* The name without the "./" or "/" prefixes the unpacker ignores. */
static const char *member_name(const struct uc_cpio_entry *e, size_t *len)
{
	const char *n = e->name;
	size_t l = 0;

	while (l < e->namesize && n[l])
		l++;
	for (;;) {
		if (l >= 2 && n[0] == '.' && n[1] == '/') {
			n += 2;
			l -= 2;
		} else if (l >= 1 && n[0] == '/') {
			n++;
			l--;
		} else {
			break;
		}
	}
	*len = l;
	return n;
}

static bool name_eq(const char *n, size_t len, const char *s)
{
	return len == strlen(s) && !memcmp(n, s, len);
}

/* n is s or lies beneath it. */
static bool name_under(const char *n, size_t len, const char *s)
{
	size_t sl = strlen(s);

	return len > sl && !memcmp(n, s, sl) && n[sl] == '/';
}

static bool is_dir(const struct uc_cpio_entry *e)
{
	return (e->field[UC_NEWC_MODE] & UC_CPIO_S_IFMT) == UC_CPIO_S_IFDIR;
}

/* What makes an archive part of the early part rather than the main image. */
static bool is_early_member(const struct uc_cpio_entry *e)
{
	size_t l;
	const char *n = member_name(e, &l);

	return name_eq(n, l, "early_cpio") || name_eq(n, l, "kernel") ||
	       name_under(n, l, "kernel");
}

/* Early microcode: the directory and everything in it, whatever its type. */
static bool is_microcode(const struct uc_cpio_entry *e)
{
	size_t l;
	const char *n = member_name(e, &l);

	return name_eq(n, l, UCODE_DIR) || name_under(n, l, UCODE_DIR);
}

/* ------------------------------------------------------------ the map */

/*
 * The image is mapped, and another program may cut it short under us (cp
 * onto it, as dracut does, truncates it first): reading a page past its
 * new end raises SIGBUS.  Code that reads the map runs guarded, and SIGBUS
 * there makes it fail instead (what it allocated is lost; the command
 * ends).
 */
static sigjmp_buf *bus_trap;

static void on_sigbus(int sig)
{
	if (bus_trap)
		siglongjmp(*bus_trap, 1);
	signal(sig, SIG_DFL);
	raise(sig);
}

/* fn(ctx), or 1 when the mapped file shrank while it ran. */
static int guarded(int (*fn)(void *ctx), void *ctx)
{
	struct sigaction sa = { .sa_handler = on_sigbus }, old;
	sigjmp_buf env, *prev = bus_trap;
	volatile int r = 1;

	sigemptyset(&sa.sa_mask);
	sigaction(SIGBUS, &sa, &old);
	if (!sigsetjmp(env, 1)) {
		bus_trap = &env;
		r = fn(ctx);
	}
	bus_trap = prev;
	sigaction(SIGBUS, &old, NULL);
	return r;
}

static int changed_under_us(const struct image *im)
{
	return diag_error(im->d, im->rewrite ? im->rep.path : im->path,
			  "changed while mkucode worked; nothing replaced");
}

/* ------------------------------------------------------------ open */

/* Whole zero words after the early part belong to it: the kernel's scanner
 * steps over them four bytes at a time, and a rerun must find the same cut. */
static size_t rest_after(const uint8_t *map, size_t len, size_t end)
{
	while (end + 4 <= len && !(map[end] | map[end + 1] | map[end + 2] | map[end + 3]))
		end += 4;
	return end;
}

static int find_early_part(struct image *im)
{
	size_t pos = 0;

	for (;;) {
		struct uc_cpio_entry e;
		size_t p = pos, ucode = 0;
		bool any = false, early = false;
		int r;

		while ((r = uc_cpio_next(im->map, im->len, &p, &e)) > 0) {
			any = true;
			if (uc_cpio_is_trailer(&e))
				break;
			early |= is_early_member(&e);
			ucode += is_microcode(&e);
		}
		if (r <= 0) {
			/* A main image that is no cpio, or a main cpio cut short,
			 * is kept as it is; a broken early archive cannot be. */
			if (any && early) {
				size_t off;
				int k = uc_check_cpio(im->map, im->len, &off);

				if (!k) {
					k = r ? r : -UC_ERR_CPIO_NO_TRAILER;
					off = p;
				}
				return diag_add(im->d, DIAG_ERROR, im->path, off, k, 0,
						"early cpio archive breaks off: %s; "
						"refusing to change the image",
						uc_strerror(k));
			}
			break;
		}
		if (!early)
			break;
		im->archives++;
		im->microcode += ucode;
		im->early_end = pos = e.next;
	}
	im->rest = rest_after(im->map, im->len, im->early_end);
	/* Members the kernel's unpacker refuses: no telling what was meant. */
	if (im->early_end) {
		size_t off;
		int k = uc_check_cpio(im->map, im->early_end, &off);

		if (k)
			return diag_add(im->d, DIAG_ERROR, im->path, off, k, 0,
					"%s; refusing to change the image",
					uc_strerror(k));
	}
	return 0;
}

static int scan(void *ctx);

/* Read only: a shared lock, so that a rewrite in progress finishes first,
 * then the name must still lead to what was locked. */
static int open_to_read(struct image *im)
{
	for (int tries = 0;; tries++) {
		struct stat now;

		/* O_NONBLOCK: a fifo must not hang us before we can refuse it. */
		im->fd = open(im->path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
		if (im->fd < 0 || fstat(im->fd, &im->st))
			return diag_error(im->d, im->path, "%s", strerror(errno));
		if (S_ISDIR(im->st.st_mode))
			return diag_error(im->d, im->path, "a directory, not an "
					  "initrd image");
		if (!S_ISREG(im->st.st_mode))
			return diag_error(im->d, im->path, "not a regular file, not "
					  "an initrd image");
		if (flock(im->fd, LOCK_SH) || stat(im->path, &now))
			return diag_error(im->d, im->path, "%s", strerror(errno));
		if (now.st_dev == im->st.st_dev && now.st_ino == im->st.st_ino)
			return fstat(im->fd, &im->st)
				       ? diag_error(im->d, im->path, "%s", strerror(errno))
				       : 0;
		close(im->fd);
		im->fd = -1;
		if (tries == 100)
			return diag_error(im->d, im->path, "keeps being replaced "
					  "while we wait for it");
	}
}

int image_open(struct image *im, const char *path, bool rewrite,
	       struct diags *d)
{
	memset(im, 0, sizeof(*im));
	im->fd = im->rep.fd = im->rep.old_fd = im->rep.dirfd = -1;
	im->d = d;
	im->rewrite = rewrite;
	if (rewrite) {
		/* The replacement opens, locks and remembers the file. */
		if (replace_open(&im->rep, path, REPLACE_EXISTING, d))
			return -1;
		im->fd = im->rep.old_fd;
		im->st = im->rep.old;
	}
	im->path = realpath(path, NULL);
	if (!im->path) {
		diag_error(d, path, "%s", strerror(errno));
		goto fail;
	}
	if (!rewrite && open_to_read(im))
		goto fail;
	if ((uintmax_t)im->st.st_size > SIZE_MAX) {
		diag_error(d, im->path, "too large");
		goto fail;
	}
	im->len = (size_t)im->st.st_size;
	if (im->len) {
		void *m = mmap(NULL, im->len, PROT_READ, MAP_SHARED, im->fd, 0);

		if (m == MAP_FAILED) {
			diag_error(d, im->path, "%s", strerror(errno));
			goto fail;
		}
		im->map = m;
	}
	switch (guarded(scan, im)) {
	case 0: return 0;
	case 1: changed_under_us(im); break;
	default: break;
	}
fail:
	image_close(im);
	return -1;
}

void image_close(struct image *im)
{
	if (im->map)
		munmap((void *)(uintptr_t)im->map, im->len);
	if (im->rewrite)
		replace_close(&im->rep);      /* its old_fd is im->fd */
	else if (im->fd >= 0)
		close(im->fd);
	free(im->path);
	memset(im, 0, sizeof(*im));
	im->fd = im->rep.fd = im->rep.old_fd = im->rep.dirfd = -1;
}

/* ------------------------------------------------------------ what it is */

/* What a kernel unpacks after the early part: its unpacker's formats. */
static const char *format_at(const uint8_t *p, size_t len)
{
	static const struct {
		uint8_t magic[2];
		const char *name;
	} formats[] = {
		{ { 0x1f, 0x8b }, "gzip" }, { { 0x1f, 0x9e }, "gzip" },
		{ { 0x42, 0x5a }, "bzip2" }, { { 0x5d, 0x00 }, "lzma" },
		{ { 0xfd, 0x37 }, "xz" }, { { 0x89, 0x4c }, "lzo" },
		{ { 0x02, 0x21 }, "lz4" }, { { 0x28, 0xb5 }, "zstd" },
	};

	if (len >= 6 && (!memcmp(p, "070701", 6) || !memcmp(p, "070702", 6)))
		return "cpio";
	for (size_t i = 0; len >= 2 && i < sizeof(formats) / sizeof(formats[0]); i++)
		if (!memcmp(p, formats[i].magic, 2))
			return formats[i].name;
	return NULL;
}

static void classify(struct image *im)
{
	size_t at = im->rest;

	im->rest_format = NULL;
	/* The unpacker steps over NUL bytes between archives. */
	while (at < im->len && !im->map[at])
		at++;
	if (at < im->len)
		im->rest_format = format_at(im->map + at, im->len - at);
	if (!im->len)
		im->kind = IMAGE_EMPTY;
	else if (im->archives)
		im->kind = at < im->len ? IMAGE_INITRD : IMAGE_EARLY_ONLY;
	else
		im->kind = im->rest_format ? IMAGE_INITRD : IMAGE_OTHER;
}

/* Everything image_open learns from the map. */
static int scan(void *ctx)
{
	struct image *im = ctx;

	if (find_early_part(im))
		return -1;
	classify(im);
	return 0;
}

enum image_kind image_kind(const struct image *im, const char **rest_format)
{
	*rest_format = im->rest_format;
	return im->kind;
}

int image_refuse_initrd(int fd, const char *path, struct diags *d)
{
	struct image im = { .fd = fd };
	struct diags scratch = { 0 };
	const char *rest;
	struct stat st;
	int r = 0;

	if (fd < 0 || fstat(fd, &st) || !S_ISREG(st.st_mode) || !st.st_size ||
	    (uintmax_t)st.st_size > SIZE_MAX)
		return 0;
	im.len = (size_t)st.st_size;
	im.map = mmap(NULL, im.len, PROT_READ, MAP_SHARED, fd, 0);
	if (im.map == MAP_FAILED)
		return diag_error(d, path, "cannot read what it holds: %s",
				  strerror(errno));
	/* A broken early part is no initrd of anyone's: it may go. */
	im.d = &scratch;
	switch (guarded(scan, &im)) {
	case 0:
		if (image_kind(&im, &rest) != IMAGE_INITRD)
			break;
		r = diag_error(d, path, "an initrd (%s%s%s), refusing to replace "
			       "it with an early cpio (--force does)",
			       im.archives ? "an early part, then " : "",
			       rest ? rest : "more data", rest ? " data" : "");
		break;
	case 1:
		r = diag_error(d, path, "changed while mkucode worked; nothing "
			       "replaced");
		break;
	default:
		break;
	}
	diags_free(&scratch);
	munmap((void *)(uintptr_t)im.map, im.len);
	return r;
}

/* ------------------------------------------------------------ the plan */

struct member {
	size_t off;            /* of its header in the image */
	unsigned int archive;
	uint32_t ino;          /* as found; then as written */
	uint32_t dev[2];
	size_t link;           /* the first kept member of its hard-link group */
	size_t data_from;      /* whose data it carries: itself, or a dropped link */
	uint32_t size;
	bool linkable;         /* a regular file with nlink >= 2 */
	bool shared_dir;       /* the kernel/ or kernel/x86/ directory */
	bool is_x86;           /* which of the two */
	bool keep;
};

struct plan {
	struct member *m;
	size_t n;
	bool microcode;        /* we write microcode members */
	bool any;              /* an early archive gets written at all */
};

static int link_order(const void *pa, const void *pb, void *ctx)
{
	const struct member *m = ctx;
	const struct member *a = &m[*(const size_t *)pa], *b = &m[*(const size_t *)pb];

	if (a->archive != b->archive)
		return a->archive < b->archive ? -1 : 1;
	if (a->ino != b->ino)
		return a->ino < b->ino ? -1 : 1;
	if (a->dev[0] != b->dev[0])
		return a->dev[0] < b->dev[0] ? -1 : 1;
	if (a->dev[1] != b->dev[1])
		return a->dev[1] < b->dev[1] ? -1 : 1;
	return a < b ? -1 : a > b;
}

static bool same_inode(const struct member *a, const struct member *b)
{
	return a->archive == b->archive && a->ino == b->ino &&
	       a->dev[0] == b->dev[0] && a->dev[1] == b->dev[1];
}

/*
 * The kernel's unpacker links regular files with nlink >= 2 and the same
 * inode and device within one archive, and the shared file ends up with
 * the data of the last of them that has any (GNU cpio puts it on the last
 * link).  Merged archives get new inodes, so find each group: its first
 * kept member stands for it, and when the data sits on a member we drop
 * (a link into kernel/x86/microcode/), the last kept member carries it.
 */
static void find_links(struct plan *pl)
{
	size_t *idx = xmalloc((pl->n + 1) * sizeof(*idx)), k = 0;

	for (size_t i = 0; i < pl->n; i++) {
		pl->m[i].link = pl->m[i].data_from = i;
		if (pl->m[i].linkable)
			idx[k++] = i;
	}
	/* Groups come out together, each in archive order. */
	qsort_r(idx, k, sizeof(*idx), link_order, pl->m);
	for (size_t g = 0, end; g < k; g = end) {
		size_t first_kept = SIZE_MAX, last_kept = SIZE_MAX, data = SIZE_MAX;

		for (end = g; end < k && same_inode(&pl->m[idx[g]], &pl->m[idx[end]]); end++) {
			size_t i = idx[end];

			if (pl->m[i].size)
				data = i;
			if (!pl->m[i].keep)
				continue;
			if (first_kept == SIZE_MAX)
				first_kept = i;
			last_kept = i;
			pl->m[i].link = first_kept;
		}
		if (last_kept != SIZE_MAX && data != SIZE_MAX && !pl->m[data].keep)
			pl->m[last_kept].data_from = data;
	}
	free(idx);
}

/*
 * Which early members stay: all but the microcode, and but kernel/ and
 * kernel/x86/ when we write those ourselves or nothing kept lies beneath.
 */
static void make_plan(struct plan *pl, const struct image *im, bool microcode)
{
	size_t cap = 0, pos = 0;
	unsigned int archive = 0;
	bool under_kernel = false, under_x86 = false, substance = false;
	struct uc_cpio_entry e;

	memset(pl, 0, sizeof(*pl));
	pl->microcode = microcode;
	while (pos < im->early_end && uc_cpio_next(im->map, im->early_end, &pos, &e) > 0) {
		struct member *m;
		size_t l;
		const char *n = member_name(&e, &l);

		if (uc_cpio_is_trailer(&e)) {
			archive++;
			continue;
		}
		grow(&pl->m, &cap, pl->n + 1, sizeof(*pl->m));
		m = &pl->m[pl->n++];
		m->off = e.offset;
		m->archive = archive;
		m->ino = e.field[UC_NEWC_INO];
		m->dev[0] = e.field[UC_NEWC_DEVMAJOR];
		m->dev[1] = e.field[UC_NEWC_DEVMINOR];
		m->size = e.filesize;
		m->linkable = uc_cpio_is_regular(&e) && e.field[UC_NEWC_NLINK] >= 2;
		m->shared_dir = is_dir(&e) && (name_eq(n, l, "kernel") ||
					       name_eq(n, l, "kernel/x86"));
		m->is_x86 = name_eq(n, l, "kernel/x86");
		m->keep = !is_microcode(&e) && !m->shared_dir;
		if (m->keep) {
			under_kernel |= name_under(n, l, "kernel");
			under_x86 |= name_under(n, l, "kernel/x86");
			substance |= !is_dir(&e) && !name_eq(n, l, "early_cpio");
		}
	}
	/* The two directories the microcode shares stay for what lies beneath. */
	for (size_t i = 0; i < pl->n && !microcode; i++)
		if (pl->m[i].shared_dir)
			pl->m[i].keep = pl->m[i].is_x86 ? under_x86 : under_kernel;
	pl->any = microcode || substance;
	if (!pl->any)
		for (size_t i = 0; i < pl->n; i++)
			pl->m[i].keep = false;
	find_links(pl);
}

/* ------------------------------------------------------------ output */

/*
 * Where the new early archive goes: a file, or nowhere but a comparison
 * with the image, to find out whether anything would change.
 */
struct out {
	struct fd_out file;    /* file.fd < 0: compare only */
	const uint8_t *ref;    /* compare mode: the image */
	size_t ref_len;
	bool differs;
};

static int out_put(struct out *o, const void *data, size_t len)
{
	uint64_t at = o->file.off;

	if (o->file.fd >= 0)
		return fd_out_put(&o->file, data, len);
	if (at > o->ref_len || len > o->ref_len - at || memcmp(o->ref + at, data, len))
		o->differs = true;
	o->file.off += len;
	return 0;
}

static int out_sink(void *ctx, const void *data, size_t len)
{
	return out_put(ctx, data, len) ? -UC_ERR_SINK : 0;
}

/* The new early archive, padded to the rest's offset modulo IMAGE_BLOCK. */
static int write_early(const struct image *im, struct plan *pl,
		       const struct blob_out *intel, const struct blob_out *amd,
		       uint32_t mtime, struct out *o)
{
	static const uint8_t zeros[64];
	struct uc_cpio_writer w;
	size_t pad;

	if (!pl->any)
		return 0;
	uc_cpio_writer_init_sink(&w, out_sink, o, mtime);
	if (pl->microcode)
		emit_microcode_members(&w, intel, amd);
	for (size_t i = 0; i < pl->n && !w.err; i++) {
		struct member *m = &pl->m[i];
		struct uc_cpio_entry e;
		int r;

		if (!m->keep)
			continue;
		r = uc_cpio_decode(im->map, im->len, m->off, &e);
		if (r)
			return diag_core(im->d, DIAG_ERROR, im->path, m->off, r);
		if (m->data_from != i) {
			struct uc_cpio_entry d;

			r = uc_cpio_decode(im->map, im->len, pl->m[m->data_from].off, &d);
			if (r)
				return diag_core(im->d, DIAG_ERROR, im->path,
						 pl->m[m->data_from].off, r);
			e.filesize = d.filesize;
			e.field[UC_NEWC_CHECK] = d.field[UC_NEWC_CHECK];
			e.data_offset = d.data_offset;
		}
		m->ino = m->link != i ? pl->m[m->link].ino : uc_cpio_writer_take_ino(&w);
		if (uc_cpio_begin_copy(&w, &e, m->ino) && !o->file.err)
			return diag_add(im->d, DIAG_ERROR, im->path, m->off, w.err,
					0, "cannot keep this member: %s",
					uc_strerror(w.err));
		uc_cpio_write_data(&w, im->map + e.data_offset, e.filesize);
		uc_cpio_end_file(&w);
	}
	uc_cpio_write_trailer(&w, 4);
	if (w.err && !o->file.err)
		return diag_add(im->d, DIAG_ERROR, im->path, DIAG_NO_OFFSET, w.err,
				0, "cannot build the early archive: %s",
				uc_strerror(w.err));
	for (pad = (im->rest - w.off) % IMAGE_BLOCK; pad && !o->file.err;) {
		size_t c = pad < sizeof(zeros) ? pad : sizeof(zeros);

		out_put(o, zeros, c);
		pad -= c;
	}
	return o->file.err ? -1 : 0;
}

/* ------------------------------------------------------------ the rest */

/*
 * Copies go in 8 MiB steps, each handed to writeback at once, so the final
 * fsync finds little left to write (bench/prepend: about 0.9x the time of
 * cat && sync instead of 1.2x at 512 MiB).
 */
#define COPY_CHUNK ((size_t)8 << 20)
/* The copies' answer when the image ends before it did when opened. */
#define SHRANK (-2)
#define STREAM_BUF ((size_t)1 << 20)

static bool unsupported(int e)
{
	return e == EOPNOTSUPP || e == ENOTTY || e == EXDEV || e == EINVAL ||
	       e == ENOSYS || e == EBADF || e == ETXTBSY;
}

/* Share the blocks: the head up to a block boundary is written, the rest
 * (to the end of the file) cloned.  1 when the filesystem cannot. */
static int reflink_rest(const struct image *im, int dst, uint64_t at)
{
	size_t start = im->rest, head, aligned;
	struct file_clone_range fcr;

	if (at % IMAGE_BLOCK != start % IMAGE_BLOCK || im->len - start < IMAGE_BLOCK)
		return 1;
	aligned = (start + IMAGE_BLOCK - 1) / IMAGE_BLOCK * IMAGE_BLOCK;
	head = aligned - start;
	/* The head first, so the clone starts right at the end of the file. */
	if (write_all_at(dst, im->map + start, head, at))
		return -1;
	fcr.src_fd = im->fd;
	fcr.src_offset = aligned;
	fcr.src_length = 0;     /* to the end of the file */
	fcr.dest_offset = at + head;
	if (ioctl(dst, FICLONERANGE, &fcr))
		return unsupported(errno) ? 1 : -1;
	return 0;
}

/* copy_file_range from offset src; 1 when it is not supported here. */
static int range_copy(const struct image *im, int dst, uint64_t at)
{
	loff_t in = (loff_t)im->rest, out = (loff_t)at;
	bool first = true;

	while ((size_t)in < im->len) {
		size_t want = im->len - (size_t)in;
		ssize_t r = copy_file_range(im->fd, &in, dst, &out,
					    want < COPY_CHUNK ? want : COPY_CHUNK, 0);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			return first && unsupported(errno) ? 1 : -1;
		}
		if (!r)
			return SHRANK;  /* someone cut it short (cp onto it) */
		first = false;
		start_writeback(dst, (uint64_t)out - (uint64_t)r, (uint64_t)out);
	}
	return 0;
}

static int stream_copy(const struct image *im, int dst, uint64_t at)
{
	uint8_t *buf = xmalloc(STREAM_BUF);
	size_t pos = im->rest, synced = im->rest;
	int r = 0;

	while (pos < im->len && !r) {
		size_t want = im->len - pos < STREAM_BUF ? im->len - pos : STREAM_BUF;
		ssize_t got = pread(im->fd, buf, want, (off_t)pos);

		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0) {
			r = got ? -1 : SHRANK;
			break;
		}
		r = write_all_at(dst, buf, (size_t)got, at + (pos - im->rest));
		pos += (size_t)got;
		if (pos - synced >= COPY_CHUNK || pos == im->len) {
			start_writeback(dst, at + (synced - im->rest), at + (pos - im->rest));
			synced = pos;
		}
	}
	free(buf);
	return r;
}

static int copy_rest(const struct image *im, int dst, uint64_t at,
		     enum image_copy *how)
{
	int r;

	*how = IMAGE_COPY_NONE;
	if (im->rest >= im->len)
		return 0;
	*how = IMAGE_COPY_REFLINK;
	r = reflink_rest(im, dst, at);
	if (r == 1) {
		*how = IMAGE_COPY_RANGE;
		r = range_copy(im, dst, at);
	}
	if (r == 1) {
		*how = IMAGE_COPY_STREAM;
		r = stream_copy(im, dst, at);
	}
	return r;
}

const char *image_copy_name(enum image_copy how)
{
	switch (how) {
	case IMAGE_COPY_REFLINK: return "reflinked";
	case IMAGE_COPY_RANGE: return "copy_file_range";
	case IMAGE_COPY_STREAM: return "copied";
	default: return "nothing to keep";
	}
}

/* ------------------------------------------------------------ replace */

/* The validator's view of what we wrote, read back from the file: 0, 1
 * when it finds something, -1 with errno set when it cannot read. */
static int check_file(const struct image *im, int fd, size_t early_len)
{
	void *m;
	unsigned int bad;

	if (!early_len)
		return 0;
	m = mmap(NULL, early_len, PROT_READ, MAP_SHARED, fd, 0);
	if (m == MAP_FAILED)
		return -1;
	bad = check_written(m, early_len, early_len, im->path, im->d);
	munmap(m, early_len);
	return bad ? 1 : 0;
}

static int replace_early(struct image *im, const struct blob_out *intel,
			 const struct blob_out *amd, uint32_t mtime,
			 struct image_result *res)
{
	bool microcode = (intel && intel->len) || (amd && amd->len);
	struct out cmp = { .file.fd = -1, .ref = im->map, .ref_len = im->len };
	struct out o = { .file.fd = -1 };
	struct plan pl;
	const char *step = "write error";
	int r = -1;

	memset(res, 0, sizeof(*res));
	make_plan(&pl, im, microcode);

	/* A dry run first: an image that already is the result stays as is. */
	if (write_early(im, &pl, intel, amd, mtime, &cmp))
		goto out;
	res->early_len = (size_t)cmp.file.off;
	if (!cmp.differs && cmp.file.off == im->rest) {
		r = 0;
		goto out;
	}
	res->changed = true;
	/* The rename replaces this name only: other links keep the old bytes. */
	if (im->st.st_nlink > 1)
		diag_warning(im->d, im->path, "%ju other hard link(s) to this image "
			     "keep the old content", (uintmax_t)im->st.st_nlink - 1);

	/* Signals wait from here until the image is whole again. */
	if (replace_create(&im->rep))
		goto out;
	fd_out_init(&o.file, im->rep.fd);
	if (write_early(im, &pl, intel, amd, mtime, &o)) {
		fd_out_finish(&o.file);
		if (!o.file.err)
			goto fail;
		errno = o.file.err;
		goto fail_errno;
	}
	if (fd_out_finish(&o.file))
		goto fail_errno;
	switch (copy_rest(im, im->rep.fd, o.file.off, &res->how)) {
	case 0: break;
	case SHRANK: goto shrank;
	default: goto fail_errno;
	}
	step = "cannot read the new image back";
	switch (check_file(im, im->rep.fd, res->early_len)) {
	case 0: break;
	case 1: step = "the new image fails its check"; goto fail;
	default: goto fail_errno;
	}
	r = replace_commit(&im->rep);
	goto out;

fail_errno:
	diag_error(im->d, im->path, "%s: %s; the image is unchanged", step,
		   strerror(errno));
	goto fail_quiet;
fail:
	diag_error(im->d, im->path, "%s; the image is unchanged", step);
	goto fail_quiet;
shrank:
	changed_under_us(im);
fail_quiet:
	replace_abort(&im->rep);
out:
	free(pl.m);
	return r;
}

/* The comparing pass of replace_early alone. */
static int compare_early(struct image *im, const struct blob_out *intel,
			 const struct blob_out *amd, uint32_t mtime,
			 struct image_result *res)
{
	bool microcode = (intel && intel->len) || (amd && amd->len);
	struct out cmp = { .file.fd = -1, .ref = im->map, .ref_len = im->len };
	struct plan pl;
	int r;

	memset(res, 0, sizeof(*res));
	make_plan(&pl, im, microcode);
	r = write_early(im, &pl, intel, amd, mtime, &cmp);
	if (!r) {
		res->early_len = (size_t)cmp.file.off;
		res->changed = cmp.differs || cmp.file.off != im->rest;
	}
	free(pl.m);
	return r;
}

struct compare_job {
	struct image *im;
	const struct blob_out *intel, *amd;
	uint32_t mtime;
	struct image_result *res;
};

static int compare_job(void *ctx)
{
	struct compare_job *j = ctx;

	return compare_early(j->im, j->intel, j->amd, j->mtime, j->res);
}

int image_compare_early(struct image *im, const struct blob_out *intel,
			const struct blob_out *amd, uint32_t mtime,
			struct image_result *res)
{
	struct compare_job j = { im, intel, amd, mtime, res };
	int r = guarded(compare_job, &j);

	if (r != 1)
		return r;
	changed_under_us(im);
	return -1;
}

struct replace_job {
	struct image *im;
	const struct blob_out *intel, *amd;
	uint32_t mtime;
	struct image_result *res;
};

static int replace_job(void *ctx)
{
	struct replace_job *j = ctx;

	return replace_early(j->im, j->intel, j->amd, j->mtime, j->res);
}

int image_replace_early(struct image *im, const struct blob_out *intel,
			const struct blob_out *amd, uint32_t mtime,
			struct image_result *res)
{
	struct replace_job j = { im, intel, amd, mtime, res };
	int r = guarded(replace_job, &j);

	if (r != 1)
		return r;
	changed_under_us(im);
	replace_abort(&im->rep);
	return -1;
}

struct extract_job {
	const struct image *im;
	struct replacement *out;
};

static int extract_job(void *ctx)
{
	struct extract_job *j = ctx;
	struct piece p = { j->im->map, j->im->early_end };

	return replace_write_pieces(j->out, &p, 1);
}

int image_write_early_part(const struct image *im, struct replacement *out)
{
	struct extract_job j = { im, out };
	int r = guarded(extract_job, &j);

	if (r != 1)
		return r;
	diag_error(im->d, im->path, "changed while mkucode read it; nothing written");
	replace_abort(out);
	return -1;
}

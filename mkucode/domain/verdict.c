// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The verdict on one boot entry's microcode: the files read as the loaders
 * see them, the validator's problems and the loaders they concern, each
 * CPU's row per loader, and the status.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cpio/cpio.h"
#include "domain/mainpart.h"
#include "domain/cpu.h"
#include "domain/select.h"
#include "domain/ucode.h"
#include "domain/verdict.h"
#include "util/alloc.h"
#include "util/exit.h"
#include "validate/check.h"
#include "vendor/amd.h"
#include "vendor/intel.h"

const enum uc_consumer verdict_loaders[VERDICT_LOADERS] = {
	UC_LINUX_6_1, UC_LINUX_NEWEST, UC_XEN_4_17, UC_XEN_NEWER,
};

#define BIT VERDICT_BIT
#define ALL_LOADERS (BIT(UC_LINUX_6_1) | BIT(UC_LINUX_NEWEST) | \
		     BIT(UC_XEN_4_17) | BIT(UC_XEN_NEWER))
#define XEN_LOADERS (BIT(UC_XEN_4_17) | BIT(UC_XEN_NEWER))

/* A raw vendor file is a few hundred KiB; this is no microcode. */
#define RAW_MAX ((size_t)64 << 20)
/* Headers, names and the vendor files of the early part, at most. */
#define EARLY_MAX ((size_t)128 << 20)
/* A reason in words, or a problem's message, at most. */
#define TEXT_MAX 4096

/* What a loader would trip on, at an offset of the buffer the core read. */
struct problem {
	int code;
	size_t offset;
	enum uc_vendor vendor;
	bool any_vendor;        /* the archive's structure: every CPU's */
	bool strict;            /* every loader's, or the image's structure */
	bool malformed;         /* broken input, not a loader's limit */
	unsigned int loaders;   /* BIT(consumer) */
	const char *as;         /* how the bytes were read, when in doubt */
	const char *file;       /* set: offset is in this file, one never read */
};

/* A file after the stop of the loaders' walk that carries a vendor file. */
struct unreached {
	const char *path;
	bool has[2];            /* per enum uc_vendor */
	uint64_t header[2];     /* of its member, in that file */
};

struct input {
	const struct verdict_query *q;
	enum uc_input kind;
	const uint8_t *buf;
	size_t len;
	struct early_part ep;   /* UC_INPUT_CPIO */
	uint8_t *raw;           /* UC_INPUT_RAW */
	uint64_t base;          /* where raw begins in its file (a part's offset) */
	unsigned int considered; /* the loaders whose answer counts */
	struct problem *probs;
	size_t n_probs, cap_probs;
	const char *as;
	struct unreached *unreached;
	size_t n_unreached;
	struct diags *d;
};

/* A row while it is worked out. */
struct row {
	struct uc_cpu cpu;
	bool pf_known, rev_known, variant;
	size_t group;           /* rows of one asked CPU share it */
	int err[VERDICT_LOADERS];
	struct uc_load_result res[VERDICT_LOADERS];
	uint32_t image_rev[VERDICT_LOADERS]; /* NOT_NEWER: what the image has */
	struct problem *probs;
	size_t n_probs, cap_probs;
};

/* ---- problems ---- */

static bool is_cpio_code(int code)
{
	int e = code < 0 ? -code : code;

	return e >= UC_ERR_CPIO_TRUNCATED_HEADER && e <= UC_ERR_CPIO_BAD_ALIGN;
}

/*
 * Valid input that a loader would trip on, to be fixed.  A vendor path
 * naming a directory is the archive's structure: careful tools refuse it.
 */
static bool is_image_check(int code)
{
	switch (code < 0 ? -code : code) {
	case UC_ERR_SHADOWED:
	case UC_ERR_UNREACHABLE_NAME:
	case UC_ERR_DUPLICATE_MEMBER:
	case UC_ERR_MISALIGNED:
	case UC_ERR_AMD_ORDER:
		return true;
	default:
		return false;
	}
}

static void add_problem(struct problem **v, size_t *n, size_t *cap,
			const struct problem *p)
{
	for (size_t i = 0; i < *n; i++) {
		struct problem *q = &(*v)[i];

		if (q->code == p->code && q->offset == p->offset &&
		    q->vendor == p->vendor && q->file == p->file) {
			q->loaders |= p->loaders;
			q->strict |= p->strict;
			q->malformed |= p->malformed;
			if (!q->as)
				q->as = p->as;
			return;
		}
	}
	grow(v, cap, *n + 1, sizeof(**v));
	(*v)[(*n)++] = *p;
}

/*
 * The loaders an issue concerns: all for one of structure; for a bad
 * Intel update, each that refuses it; else the one the core names.
 */
static unsigned int issue_loaders(const struct input *in, const struct uc_issue *is)
{
	unsigned int m = 0;

	if (is->consumer == UC_STRICT)
		return ALL_LOADERS;
	if (is->subject == UC_SUBJECT_INTEL && is->offset < in->len) {
		struct uc_intel_update u;

		for (size_t k = 0; k < VERDICT_LOADERS; k++)
			if (uc_intel_parse(in->buf + is->offset, in->len - is->offset,
					   verdict_loaders[k], &u) < 0)
				m |= BIT(verdict_loaders[k]);
	}
	return m ? m : BIT(is->consumer);
}

static void collect(void *ctx, const struct uc_issue *is)
{
	struct input *in = ctx;
	struct problem p = {
		.code = is->err,
		.offset = is->offset,
		.vendor = is->subject == UC_SUBJECT_AMD ? UC_VENDOR_AMD : UC_VENDOR_INTEL,
		.any_vendor = is->subject == UC_SUBJECT_CPIO,
		.strict = is->consumer == UC_STRICT,
		.loaders = issue_loaders(in, is),
		.as = in->as,
	};

	p.malformed = p.strict && !is_image_check(is->err);
	add_problem(&in->probs, &in->n_probs, &in->cap_probs, &p);
}

/* ---- reading the input ---- */

/* An initrd starts (after whole zero words) with a cpio or compressed data. */
static bool looks_initrd(const uint8_t *b, size_t len)
{
	size_t p = 0;

	while (p + 4 <= len && !(b[p] | b[p + 1] | b[p + 2] | b[p + 3]))
		p += 4;
	/* The kernel's own table: a cpio, or a compression it unpacks. */
	return mainpart_detect(b + p, len - p) != MAINPART_UNKNOWN;
}

/* The first bytes of a file (of its part); 0 read when it cannot be opened. */
static size_t read_head(const struct early_input *f, uint8_t *head, size_t size,
			bool *opened)
{
	int fd = f->fd >= 0 ? f->fd : open(f->path, O_RDONLY | O_CLOEXEC);
	ssize_t k = 0;

	*opened = fd >= 0;
	if (fd < 0)
		return 0;
	if (f->part && f->size < size)
		size = (size_t)f->size;
	do
		k = pread(fd, head, size, (off_t)(f->part ? f->offset : 0));
	while (k < 0 && errno == EINTR);
	if (f->fd < 0)
		close(fd);
	return k > 0 ? (size_t)k : 0;
}

/*
 * size bytes at base of an open file; of a whole file (!part) also that it
 * did not grow while it was read.
 */
static int read_range(int fd, const char *path, uint64_t base, uint64_t size,
		      bool part, uint8_t **data, struct diags *d)
{
	uint64_t want = part ? size : size + 1;
	uint8_t *buf = xmalloc((size_t)size + 1);
	uint64_t n = 0;

	while (n < want) {
		ssize_t k = pread(fd, buf + n, (size_t)(want - n), (off_t)(base + n));

		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			free(buf);
			return diag_add(d, DIAG_ERROR, path, base + n, 0, errno,
					"read error");
		}
		if (!k)
			break;
		n += (uint64_t)k;
	}
	if (n != size) {
		free(buf);
		return n > size ? diag_error(d, path, "grew while it was read")
				: diag_add(d, DIAG_ERROR, path, base + n, 0, 0,
					   "the file shrank while it was read");
	}
	*data = buf;
	return 0;
}

/* A whole file (or part) that should be small: a raw vendor file, or no image. */
static int read_small(struct input *in, const struct early_input *f)
{
	int fd = f->fd >= 0 ? f->fd : open(f->path, O_RDONLY | O_CLOEXEC);
	uint64_t size;
	struct stat st;
	int rc = -1;

	if (fd < 0)
		return diag_sys(in->d, f->path, errno, "cannot open");
	if (fstat(fd, &st)) {
		diag_sys(in->d, f->path, errno, "cannot stat");
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		diag_error(in->d, f->path, "not a regular file");
		goto out;
	}
	size = (uint64_t)st.st_size;
	if (f->part) {
		if (f->offset > size || size - f->offset < f->size) {
			diag_add(in->d, DIAG_ERROR, f->path, f->offset, 0, 0,
				 "the part of %llu bytes here ends past the file's "
				 "end (%llu bytes)", (unsigned long long)f->size,
				 (unsigned long long)size);
			goto out;
		}
		size = f->size;
		in->base = f->offset;
	}
	if (size > RAW_MAX) {
		diag_error(in->d, f->path, "%llu bytes, more than the %zu MiB a raw "
			   "microcode file may be; not read", (unsigned long long)size,
			   RAW_MAX >> 20);
		goto out;
	}
	if (read_range(fd, f->path, in->base, size, f->part, &in->raw, in->d))
		goto out;
	in->buf = in->raw;
	in->len = (size_t)size;
	rc = 0;
out:
	if (f->fd < 0)
		close(fd);
	return rc;
}

/*
 * Neither an initrd nor a vendor file we know: Xen's ucode=<n> would still
 * hand it to the parser of the CPU's vendor, so say what each would trip on.
 */
static void check_unknown(struct input *in)
{
	bool done[2] = { false, false };

	diag_error(in->d, in->q->files[0].path, "neither an initrd (a cpio or "
		   "compressed data at its start) nor raw Intel or AMD microcode");
	for (size_t i = 0; i < in->q->n_cpus; i++) {
		enum uc_vendor v = in->q->cpus[i].cpu.vendor;

		if (done[v])
			continue;
		done[v] = true;
		in->as = v == UC_VENDOR_INTEL ? "read as Intel microcode: "
					      : "read as an AMD container: ";
		uc_check_raw(in->buf, in->len, v, 0, collect, in);
	}
	in->as = NULL;
}

/* The file and offset in it of an offset in the buffer the core read. */
static const char *where(const struct input *in, size_t off, uint64_t *file_off)
{
	if (in->kind == UC_INPUT_RAW) {
		*file_off = in->base + off;
		return in->q->files[0].path;
	}
	return in->ep.files[early_locate(&in->ep, off, file_off)].path;
}

static const char *where_problem(const struct input *in, const struct problem *p,
				 uint64_t *file_off)
{
	if (p->file) {
		*file_off = p->offset;
		return p->file;
	}
	return where(in, p->offset, file_off);
}

/*
 * The files the loaders never reach (they stop reading before them) that
 * carry microcode: a boot loader entry with the early image after the
 * initrd, or a second early image behind a prepended one.
 */
static int find_unreached(struct input *in)
{
	static const struct early_opts opts = { false, EARLY_MAX };
	static const char *const paths[2] = { UC_CPIO_PATH_INTEL, UC_CPIO_PATH_AMD };

	for (size_t i = 0; i < in->ep.n_files; i++) {
		struct early_part ep;
		struct unreached u = { in->ep.files[i].path, { false, false }, { 0, 0 } };

		if (in->ep.files[i].start <= in->ep.stop)
			continue;
		if (early_read_inputs(&ep, &in->q->files[i], 1, &opts, in->d))
			return -1;
		for (int v = 0; v < 2; v++) {
			struct uc_cpio_entry e;
			uint64_t off;

			if (!uc_cpio_find(ep.buf, ep.len, paths[v], &e)) {
				u.has[v] = true;
				early_locate(&ep, e.offset, &off);
				u.header[v] = off;
			}
		}
		early_free(&ep);
		if (u.has[0] || u.has[1]) {
			size_t cap = in->n_unreached;

			grow(&in->unreached, &cap, in->n_unreached + 1,
			     sizeof(*in->unreached));
			in->unreached[in->n_unreached++] = u;
		}
	}
	return 0;
}

static int read_input(struct input *in)
{
	static const struct early_opts opts = { false, EARLY_MAX };
	const struct early_input *first = &in->q->files[0];
	uint8_t head[64];
	bool opened;
	size_t got = read_head(first, head, sizeof(head), &opened);

	/* Gathering's content tests: a raw file is what Xen takes as ucode=<n>. */
	if (uc_intel_probe(head, got) || uc_amd_probe(head, got)) {
		if (in->q->n_files > 1)
			return diag_error(in->d, first->path, "a raw vendor file is a "
					  "Xen module of its own, not an initrd to join "
					  "with others");
		if (read_small(in, first))
			return -1;
		in->kind = UC_INPUT_RAW;
		in->considered = XEN_LOADERS;
		diag_note(in->d, first->path, "a raw vendor file, as Xen takes it with "
			  "ucode=<n>; Linux reads only an initrd's early cpio");
		uc_check_raw(in->buf, in->len,
			     uc_intel_probe(head, got) ? UC_VENDOR_INTEL
						       : UC_VENDOR_AMD,
			     0, collect, in);
		return 0;
	}
	if (opened && !looks_initrd(head, got)) {
		if (read_small(in, first))
			return -1;
		in->kind = UC_INPUT_RAW;
		in->considered = XEN_LOADERS;
		check_unknown(in);
		return 0;
	}
	if (early_read_inputs(&in->ep, in->q->files, in->q->n_files, &opts, in->d))
		return -1;
	in->kind = UC_INPUT_CPIO;
	in->considered = in->q->xen_only ? XEN_LOADERS : ALL_LOADERS;
	in->buf = in->ep.buf;
	in->len = in->ep.len;
	uc_check_image(in->buf, in->len, collect, in);
	return find_unreached(in);
}

/* Where the loaders stop reading, and what follows, when anything does. */
static void note_stop(const struct input *in)
{
	const struct early_part *ep = &in->ep;
	enum mainpart_compression c = mainpart_next(ep);
	uint64_t off;
	const char *file = ep->files[early_file_at(ep, ep->stop, &off)].path;
	char what[96];

	/*
	 * Too little left for a header: the walk ran to the end.  Nothing
	 * read at all: the reasons say why.
	 */
	if (ep->total - ep->stop <= UC_NEWC_HDR_SIZE || !ep->entries)
		return;
	if (c > MAINPART_CPIO)
		snprintf(what, sizeof(what), "%s-compressed data",
			 mainpart_compression_name(c));
	else
		snprintf(what, sizeof(what), "data that is no cpio header (%02x %02x "
			 "%02x %02x)", ep->next[0], ep->next[1], ep->next[2],
			 ep->next[3]);
	diag_note(in->d, file, "the microcode loaders read up to offset %#llx, "
		  "where %s begins, which they do not look into",
		  (unsigned long long)off, what);
}

/* Malformed input is an error of its own. */
static void report_malformed(struct input *in)
{
	for (size_t i = 0; i < in->n_probs; i++) {
		const struct problem *p = &in->probs[i];
		uint64_t off;
		const char *file;

		if (!p->malformed || !(p->loaders & in->considered))
			continue;
		file = where_problem(in, p, &off);
		diag_add(in->d, DIAG_ERROR, file, off, p->code, 0, "%s%s",
			 p->as ? p->as : "", uc_strerror(p->code));
	}
}

/* ---- rows ---- */

/* Each platform variant the image has for an Intel signature, in order. */
static size_t platform_variants(const struct input *in, uint32_t sig,
				uint32_t *pf, size_t max)
{
	const uint8_t *f = in->buf;
	size_t n = 0, len = in->len;

	if (in->kind == UC_INPUT_CPIO) {
		struct uc_cpio_entry e;

		if (uc_cpio_find(in->buf, in->len, UC_CPIO_PATH_INTEL, &e))
			return 0;
		f = in->buf + e.data_offset;
		len = e.filesize;
	}
	for (size_t k = 0; k < VERDICT_LOADERS; k++) {
		struct uc_intel_update u;
		size_t pos = 0;

		while (uc_intel_next(f, len, &pos, verdict_loaders[k], &u) > 0) {
			for (uint32_t i = 0; i < uc_intel_nsigs(&u); i++) {
				uint32_t s, p;
				bool seen = false;

				uc_intel_sig(&u, i, &s, &p);
				if (s != sig || !p)
					continue;
				for (size_t j = 0; j < n; j++)
					seen |= pf[j] == p;
				if (!seen && n < max)
					pf[n++] = p;
			}
		}
	}
	return n;
}

static void evaluate(const struct input *in, struct row *w)
{
	for (size_t k = 0; k < VERDICT_LOADERS; k++) {
		unsigned int bit = BIT(verdict_loaders[k]);
		const struct uc_load_result *r = &w->res[k];

		w->err[k] = -UC_ERR_NOT_FOUND;
		if (!(in->considered & bit))
			continue;
		w->err[k] = uc_would_load(in->buf, in->len, in->kind, &w->cpu,
					  verdict_loaders[k], &w->res[k]);
		if (w->err[k] == -UC_ERR_NOT_NEWER) {
			struct uc_cpu fresh = w->cpu;
			struct uc_load_result any;

			fresh.rev = 0;
			if (!uc_would_load(in->buf, in->len, in->kind, &fresh,
					   verdict_loaders[k], &any))
				w->image_rev[k] = any.rev;
		}
		/*
		 * What ended the walk is this CPU's problem only where the
		 * loader then gives it nothing: a walk that stops after the
		 * CPU's patch was chosen (a foreign patch over this family's
		 * cap) harms no one.  What every loader trips on the
		 * validator reports for every row.
		 */
		if (r->file_err && w->err[k] && w->err[k] != -UC_ERR_NOT_NEWER) {
			struct problem p = {
				.code = r->file_err,
				.offset = r->file_err_offset,
				.vendor = w->cpu.vendor,
				.any_vendor = is_cpio_code(r->file_err),
				.malformed = false,
				.loaders = bit,
			};

			add_problem(&w->probs, &w->n_probs, &w->cap_probs, &p);
		}
	}
}

/* Loaded, or nothing newer than what runs: the CPU is served. */
static bool served(const struct row *w, size_t k)
{
	return !w->err[k] || w->err[k] == -UC_ERR_NOT_NEWER;
}

/*
 * The input's problems that concern this row: every one of structure for
 * its vendor; one loader's limit only where that loader then fails it.
 */
static void attach_problems(const struct input *in, struct row *w)
{
	unsigned int failing = 0;

	for (size_t k = 0; k < VERDICT_LOADERS; k++)
		if ((in->considered & BIT(verdict_loaders[k])) && !served(w, k))
			failing |= BIT(verdict_loaders[k]);
	for (size_t i = 0; i < in->n_probs; i++) {
		struct problem p = in->probs[i];

		if (!p.any_vendor && p.vendor != w->cpu.vendor)
			continue;
		p.loaders &= in->considered & (p.strict ? ALL_LOADERS : failing);
		if (p.loaders)
			add_problem(&w->probs, &w->n_probs, &w->cap_probs, &p);
	}
	for (size_t i = 0; i < in->n_unreached; i++) {
		const struct unreached *u = &in->unreached[i];
		struct uc_cpio_entry e;
		struct problem p = {
			.code = -UC_ERR_DUPLICATE_MEMBER,
			.offset = (size_t)u->header[w->cpu.vendor],
			.vendor = w->cpu.vendor,
			.strict = true,
			.loaders = in->considered,
			.file = u->path,
		};

		/* With none where they read, the reason says it (why_not). */
		if (u->has[w->cpu.vendor] &&
		    !uc_cpio_find(in->buf, in->len, w->cpu.vendor == UC_VENDOR_INTEL
					   ? UC_CPIO_PATH_INTEL : UC_CPIO_PATH_AMD, &e))
			add_problem(&w->probs, &w->n_probs, &w->cap_probs, &p);
	}
	for (size_t i = 0; i < w->n_probs; i++)
		w->probs[i].loaders &= in->considered;
}

/* 0, EXIT_SHOULD_FIX or EXIT_NO_MICROCODE for one row. */
static int row_status(const struct input *in, const struct row *w)
{
	unsigned int asked = 0, got = 0;

	for (size_t k = 0; k < VERDICT_LOADERS; k++) {
		if (!(in->considered & BIT(verdict_loaders[k])))
			continue;
		asked |= BIT(verdict_loaders[k]);
		if (served(w, k))
			got |= BIT(verdict_loaders[k]);
	}
	if (!got)
		return EXIT_NO_MICROCODE;
	for (size_t i = 0; i < w->n_probs; i++)
		if (w->probs[i].loaders)
			return EXIT_SHOULD_FIX;
	return got != asked ? EXIT_SHOULD_FIX : EXIT_OK;
}

static int severity(int status)
{
	return status == EXIT_NO_MICROCODE ? 2 : status == EXIT_SHOULD_FIX;
}

static const struct unreached *unreached_for(const struct input *in,
					     enum uc_vendor v)
{
	for (size_t i = 0; i < in->n_unreached; i++)
		if (in->unreached[i].has[v])
			return &in->unreached[i];
	return NULL;
}

/* Why loader k loads nothing for this row, in words. */
static void why_not(const struct input *in, const struct row *w, size_t k,
		    char *buf, size_t size)
{
	const struct uc_load_result *r = &w->res[k];
	int e = w->err[k];

	if (e == -UC_ERR_NOT_NEWER && w->rev_known && w->image_rev[k]) {
		snprintf(buf, size, "already current: the image's 0x%08x is not "
			 "newer than the running 0x%08x", w->image_rev[k], w->cpu.rev);
	} else if (e == -UC_ERR_NO_FILE && in->kind == UC_INPUT_CPIO) {
		const struct unreached *u = unreached_for(in, w->cpu.vendor);
		enum mainpart_compression c = mainpart_next(&in->ep);
		const char *cname = c > MAINPART_CPIO ? mainpart_compression_name(c)
						      : NULL;
		uint64_t off;
		size_t fi = early_file_at(&in->ep, in->ep.stop, &off), n;
		const char *file = in->ep.files[fi].path;
		const struct early_input *at = &in->q->files[fi];
		char part[64] = "";

		/* A UKI's section: which part of the file begins so. */
		if (at->part)
			snprintf(part, sizeof(part), "the part at offset %#llx of ",
				 (unsigned long long)at->offset);
		if (!in->ep.entries && cname)
			n = (size_t)snprintf(buf, size, "no early cpio: %s%s begins with "
					     "%s-compressed data, and the kernel takes "
					     "microcode only from an uncompressed cpio at "
					     "the very start", part, file, cname);
		else
			n = (size_t)snprintf(buf, size, "%s", uc_strerror(e));
		if (u && n < size)
			snprintf(buf + n, size - n, "; %s has one, but the loaders stop "
				 "reading in %s at offset %#llx%s%s%s: the early cpio "
				 "must come first", u->path, file,
				 (unsigned long long)off, cname ? " (" : "",
				 cname ? cname : "", cname ? "-compressed data)" : "");
	} else if (e == -UC_ERR_FILE_REJECTED && r->file_err) {
		uint64_t off;
		const char *file = where(in, r->file_err_offset, &off);

		snprintf(buf, size, "%s (%s: offset %#llx: %s)", uc_strerror(e), file,
			 (unsigned long long)off, uc_strerror(r->file_err));
	} else {
		snprintf(buf, size, "%s", uc_strerror(e));
	}
}

/* Rows of every CPU asked about, platform variants for an unknown one. */
static struct row *make_rows(const struct input *in, size_t *n_rows)
{
	struct row *rows = NULL;
	size_t count = 0, cap = 0;

	for (size_t i = 0; i < in->q->n_cpus; i++) {
		uint32_t pf[64];
		size_t variants = 0;
		const struct verdict_cpu *a = &in->q->cpus[i];

		if (a->cpu.vendor == UC_VENDOR_INTEL && !a->pf_known)
			variants = platform_variants(in, a->cpu.sig, pf, 64);
		for (size_t v = 0; v < (variants ? variants : 1); v++) {
			struct row *w;

			grow(&rows, &cap, count + 1, sizeof(*rows));
			w = &rows[count++];
			memset(w, 0, sizeof(*w));
			w->cpu = a->cpu;
			w->pf_known = a->pf_known;
			w->rev_known = a->rev_known;
			w->group = i;
			if (variants) {
				w->cpu.pf = pf[v];
				w->variant = true;
			} else if (w->cpu.vendor == UC_VENDOR_INTEL && !a->pf_known) {
				/* No variant to choose: any platform. */
				w->cpu.pf = 0xff;
			}
			evaluate(in, w);
			attach_problems(in, w);
		}
	}
	*n_rows = count;
	return rows;
}

/*
 * The status: 3 when some CPU gets nothing, 4 when every CPU gets its
 * microcode but something should be fixed, else 0.  The rows of a CPU
 * whose platform is unknown count as their best: not knowing it never
 * changes the answer.
 */
static int status(const struct verdict *v)
{
	int worst = EXIT_OK;

	for (size_t i = 0; i < v->n_rows;) {
		int best = v->rows[i].status;
		size_t j = i + 1;

		for (; j < v->n_rows && v->rows[j].asked == v->rows[i].asked; j++)
			if (severity(v->rows[j].status) < severity(best))
				best = v->rows[j].status;
		if (severity(best) > severity(worst))
			worst = best;
		i = j;
	}
	return worst;
}

/* The row as the caller sees it: files and offsets resolved, in words. */
static void publish(const struct input *in, const struct row *w,
		    struct verdict_row *out)
{
	char text[TEXT_MAX];

	memset(out, 0, sizeof(*out));
	out->cpu = w->cpu;
	out->pf_known = w->pf_known;
	out->rev_known = w->rev_known;
	out->variant = w->variant;
	out->asked = w->group;
	for (size_t k = 0; k < VERDICT_LOADERS; k++) {
		struct verdict_answer *a = &out->loader[k];

		a->counts = in->considered & BIT(verdict_loaders[k]);
		a->err = w->err[k];
		a->rev = w->err[k] ? 0 : w->res[k].rev;
		if (a->counts && a->err) {
			why_not(in, w, k, text, sizeof(text));
			a->why = xstrdup(text);
		}
	}
	out->problems = xmalloc((w->n_probs ? w->n_probs : 1) *
				sizeof(*out->problems));
	out->n_problems = w->n_probs;
	for (size_t i = 0; i < w->n_probs; i++) {
		const struct problem *p = &w->probs[i];
		struct verdict_problem *o = &out->problems[i];

		o->code = p->code;
		o->file = where_problem(in, p, &o->offset);
		o->loaders = p->loaders;
		o->message = xasprintf("%s%s", p->as ? p->as : "",
				       uc_strerror(p->code));
	}
	out->status = row_status(in, w);
}

void verdict_cpu_from_host(const struct host_cpu *h, struct verdict_cpu *out)
{
	memset(out, 0, sizeof(*out));
	out->cpu.vendor = h->vendor;
	out->cpu.sig = h->sig;
	if (h->vendor == UC_VENDOR_INTEL && h->pf_known) {
		out->cpu.pf = h->pf;
		out->pf_known = true;
	}
	if (h->rev_known) {
		out->cpu.rev = h->rev;
		out->rev_known = true;
	}
}

void verdict_cpus_add(struct verdict_cpu **v, size_t *n, size_t *cap,
		      const struct verdict_cpu *a)
{
	for (size_t i = 0; i < *n; i++)
		if (!memcmp(&(*v)[i], a, sizeof(*a)))
			return;
	grow(v, cap, *n + 1, sizeof(**v));
	(*v)[(*n)++] = *a;
}

void verdict_cpus_from_specs(const struct selection *sel, struct verdict_cpu **v,
			     size_t *n, size_t *cap)
{
	for (size_t i = 0; i < sel->n_specs; i++) {
		const struct cpu_spec *s = &sel->specs[i];
		struct verdict_cpu a;

		if (s->exclude)
			continue;
		memset(&a, 0, sizeof(a));
		a.cpu.sig = s->sig;
		/* AMD signatures have base family 0xf and an extended family. */
		a.cpu.vendor = sel->spec_vendor_known[i] ? sel->spec_vendor[i]
			       : ((s->sig >> 8) & 0xf) == 0xf && (s->sig >> 20)
				       ? UC_VENDOR_AMD : UC_VENDOR_INTEL;
		if (a.cpu.vendor == UC_VENDOR_INTEL && s->pf_mask) {
			a.cpu.pf = s->pf_mask;
			a.pf_known = true;
		}
		verdict_cpus_add(v, n, cap, &a);
	}
}

void verdict_cpus_from_set(const struct ucode_set *set, struct verdict_cpu **v,
			   size_t *n, size_t *cap)
{
	for (size_t i = 0; i < set->n; i++) {
		const struct ucode_item *it = &set->items[i];
		uint32_t sigs[64];
		unsigned int k = 1;

		if (!it->selected)
			continue;
		sigs[0] = it->sig;
		if (it->vendor == UC_VENDOR_AMD)
			k = ucode_amd_cpus(it, sigs, 64);
		for (unsigned int j = 0; j < k; j++) {
			struct verdict_cpu a;

			memset(&a, 0, sizeof(a));
			a.cpu.vendor = it->vendor;
			a.cpu.sig = sigs[j];
			verdict_cpus_add(v, n, cap, &a);
		}
	}
}

int verdict_run(const struct verdict_query *q, struct verdict *v,
		struct diags *d)
{
	struct input in = { .q = q, .d = d };
	struct row *rows = NULL;
	size_t n_rows = 0, errors = d->errors;
	int rc = -1;

	memset(v, 0, sizeof(*v));
	v->status = EXIT_ERROR;
	if (!q->n_files) {
		diag_error(d, NULL, "no file to read");
		goto out;
	}
	if (read_input(&in))
		goto out;
	if (in.kind == UC_INPUT_CPIO)
		note_stop(&in);
	report_malformed(&in);
	rows = make_rows(&in, &n_rows);
	v->kind = in.kind;
	v->rows = xmalloc((n_rows ? n_rows : 1) * sizeof(*v->rows));
	v->n_rows = n_rows;
	for (size_t i = 0; i < n_rows; i++)
		publish(&in, &rows[i], &v->rows[i]);
	v->status = d->errors > errors ? EXIT_ERROR : status(v);
	rc = 0;
out:
	for (size_t i = 0; i < n_rows; i++)
		free(rows[i].probs);
	free(rows);
	free(in.probs);
	free(in.unreached);
	free(in.raw);
	early_free(&in.ep);
	return rc;
}

void verdict_free(struct verdict *v)
{
	for (size_t i = 0; i < v->n_rows; i++) {
		struct verdict_row *w = &v->rows[i];

		for (size_t k = 0; k < VERDICT_LOADERS; k++)
			free(w->loader[k].why);
		for (size_t j = 0; j < w->n_problems; j++)
			free(w->problems[j].message);
		free(w->problems);
	}
	free(v->rows);
	memset(v, 0, sizeof(*v));
}

int verdict_spool(int fd, const char *name, struct diags *d)
{
	/* A raw file is read whole, up to RAW_MAX; an initrd's early part. */
	return early_spool(fd, name, RAW_MAX, d);
}

void verdict_loader_names(unsigned int mask, char *buf, size_t size)
{
	size_t w = 0;

	buf[0] = 0;
	for (size_t k = 0; k < VERDICT_LOADERS; k++)
		if (mask & VERDICT_BIT(verdict_loaders[k]) && w < size)
			w += (size_t)snprintf(buf + w, size - w, "%s%s", w ? ", " : "",
					      uc_consumer_name(verdict_loaders[k]));
}

void verdict_row_label(const struct verdict_row *w, char *buf, size_t size)
{
	if (w->cpu.vendor == UC_VENDOR_AMD)
		snprintf(buf, size, "amd 0x%08x", w->cpu.sig);
	else if (!w->pf_known && !w->variant)
		snprintf(buf, size, "intel 0x%08x pf ?", w->cpu.sig);
	else
		snprintf(buf, size, "intel 0x%08x pf 0x%02x%s", w->cpu.sig, w->cpu.pf,
			 w->pf_known ? "" : "?");
}

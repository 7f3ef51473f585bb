// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * mkucode verify [--host | --cpu SPEC]... [--vendor V] [--json] IMAGE...
 *
 * For each CPU, the revision each loader would load from the initrds a boot
 * loader hands the kernel (several: joined in order, as it sees them), or
 * from a raw vendor file (Xen's ucode=<n>), and what the loaders would trip
 * on.  Problems belong to the CPU rows, in the table and in the JSON;
 * standard error carries only what makes the input unreadable or
 * malformed (exit 1).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "verbs/verbs.h"
#include "cpio/cpio.h"
#include "domain/cpu.h"
#include "domain/decompress.h"
#include "domain/early.h"
#include "domain/ucode.h"
#include "loaders/load.h"
#include "util/alloc.h"
#include "util/diag.h"
#include "util/exit.h"
#include "util/fileio.h"
#include "util/msg.h"
#include "util/stdout.h"
#include "util/table.h"
#include "validate/check.h"
#include "vendor/amd.h"
#include "vendor/intel.h"

/* The loaders in the order they are shown; the JSON keys are the contract. */
static const enum uc_consumer shown[] = {
	UC_LINUX_6_1, UC_LINUX_NEWEST, UC_XEN_4_17, UC_XEN_NEWER,
};
#define N_SHOWN (sizeof(shown) / sizeof(shown[0]))
#define BIT(c) (1u << (c))
#define ALL_LOADERS (BIT(UC_LINUX_6_1) | BIT(UC_LINUX_NEWEST) | \
		     BIT(UC_XEN_4_17) | BIT(UC_XEN_NEWER))
#define XEN_LOADERS (BIT(UC_XEN_4_17) | BIT(UC_XEN_NEWER))

/* A raw vendor file is a few hundred KiB; this is no microcode. */
#define RAW_MAX ((size_t)64 << 20)
/* Headers, names and the vendor files of the early part, at most. */
#define EARLY_MAX ((size_t)128 << 20)

static const struct column verify_columns[] = {
	{ "vendor", "VENDOR", false },
	{ "signature", "SIGNATURE", false },
	{ "pf", NULL, false },
	{ NULL, "PF", false },
	{ "pf_known", NULL, false },
	{ "running", "RUNNING", false },
	{ "linux_6_1", "LINUX-6.1", false },
	{ "linux", "LINUX", false },
	{ "xen_4_17", "XEN-4.17", false },
	{ "xen", "XEN", false },
	{ "why", NULL, false },
	{ "problems", NULL, false },
};

/* A CPU asked about. */
struct asked {
	struct uc_cpu cpu;      /* rev: the running revision, 0 when unknown */
	bool pf_known;          /* Intel: platform given or read */
	bool rev_known;
};

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
	const char *const *paths;
	size_t n_paths;
	enum uc_input kind;
	const uint8_t *buf;
	size_t len;
	struct early_part ep;   /* UC_INPUT_CPIO */
	uint8_t *raw;           /* UC_INPUT_RAW */
	unsigned int considered; /* the loaders whose answer counts */
	struct problem *probs;
	size_t n_probs, cap_probs;
	const char *as;
	struct unreached *unreached;
	size_t n_unreached;
	struct diags d;
};

struct row {
	struct uc_cpu cpu;
	bool pf_known, rev_known, variant;
	size_t group;           /* rows of one asked CPU share it */
	int err[N_SHOWN];
	struct uc_load_result res[N_SHOWN];
	uint32_t image_rev[N_SHOWN]; /* NOT_NEWER: what the image has */
	struct problem *probs;
	size_t n_probs, cap_probs;
};

static const char *vendor_name(enum uc_vendor v)
{
	return v == UC_VENDOR_INTEL ? "intel" : "amd";
}

/* AMD signatures have base family 0xf and an extended family. */
static enum uc_vendor guess_vendor(uint32_t sig)
{
	return ((sig >> 8) & 0xf) == 0xf && ((sig >> 20) & 0xff) ? UC_VENDOR_AMD
								 : UC_VENDOR_INTEL;
}

static void add_asked(struct asked **v, size_t *n, size_t *cap,
		      const struct asked *a)
{
	for (size_t i = 0; i < *n; i++)
		if (!memcmp(&(*v)[i], a, sizeof(*a)))
			return;
	grow(v, cap, *n + 1, sizeof(**v));
	(*v)[(*n)++] = *a;
}

/* --cpu SPEC: no running revision; a platform only when given. */
static int asked_from_spec(const char *text, bool vendor_only,
			   enum uc_vendor vendor, struct asked *a, bool *exclude)
{
	struct diags d = { 0 };
	struct cpu_spec s;
	int r = cpu_spec_parse(text, &s, &d);

	diag_print(&d, stderr, quiet);
	diags_free(&d);
	if (r)
		return -1;
	memset(a, 0, sizeof(*a));
	*exclude = s.exclude;
	a->cpu.vendor = vendor_only ? vendor : guess_vendor(s.sig);
	a->cpu.sig = s.sig;
	if (a->cpu.vendor == UC_VENDOR_AMD) {
		if (s.pf_mask)
			note("--cpu '%s': AMD CPUs have no platform flags; PF_MASK "
			     "%#x ignored", text, s.pf_mask);
	} else if (s.pf_mask) {
		a->cpu.pf = s.pf_mask;
		a->pf_known = true;
	}
	return 0;
}

static int add_host(const char *root, struct asked **v, size_t *n, size_t *cap)
{
	struct diags d = { 0 };
	struct host_cpu *cpus;
	size_t count;
	int r = host_cpus(root, &cpus, &count, &d);

	if (!r)
		host_cpus_note(cpus, count, &d);
	diag_print(&d, stderr, quiet);
	diags_free(&d);
	if (r)
		return -1;
	for (size_t i = 0; i < count; i++) {
		struct asked a;

		/* Compared with memcmp: no stray padding bytes. */
		memset(&a, 0, sizeof(a));
		a.cpu.vendor = cpus[i].vendor;
		a.cpu.sig = cpus[i].sig;
		if (cpus[i].vendor == UC_VENDOR_INTEL && cpus[i].pf_known) {
			a.cpu.pf = cpus[i].pf;
			a.pf_known = true;
		}
		if (cpus[i].rev_known) {
			a.cpu.rev = cpus[i].rev;
			a.rev_known = true;
		}
		add_asked(v, n, cap, &a);
	}
	free(cpus);
	return 0;
}

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

		for (size_t k = 0; k < N_SHOWN; k++)
			if (uc_intel_parse(in->buf + is->offset, in->len - is->offset,
					   shown[k], &u) < 0)
				m |= BIT(shown[k]);
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
	return uc_cpio_probe(b + p, len - p) ||
	       compression_detect(b + p, len - p) != COMPRESSION_NONE;
}

/* A whole file that should be small: a raw vendor file, or no image. */
static int read_small(struct input *in, const char *path)
{
	struct stat st;
	size_t len;

	if (stat(path, &st))
		return diag_sys(&in->d, path, errno, "cannot stat");
	if (!S_ISREG(st.st_mode))
		return diag_error(&in->d, path, "not a regular file");
	if ((uintmax_t)st.st_size > RAW_MAX)
		return diag_error(&in->d, path, "%jd bytes, more than the %zu MiB a "
				  "raw microcode file may be; not read",
				  (intmax_t)st.st_size, RAW_MAX >> 20);
	if (read_file(path, &in->raw, &len, &in->d))
		return -1;
	in->buf = in->raw;
	in->len = len;
	return 0;
}

/*
 * Neither an initrd nor a vendor file we know: Xen's ucode=<n> would still
 * hand it to the parser of the CPU's vendor, so say what each would trip on.
 */
static void check_unknown(struct input *in, const struct asked *asked, size_t n)
{
	bool done[2] = { false, false };

	diag_error(&in->d, in->paths[0], "neither an initrd (a cpio or compressed "
		   "data at its start) nor raw Intel or AMD microcode");
	for (size_t i = 0; i < n; i++) {
		enum uc_vendor v = asked[i].cpu.vendor;

		if (done[v])
			continue;
		done[v] = true;
		in->as = v == UC_VENDOR_INTEL ? "read as Intel microcode: "
					      : "read as an AMD container: ";
		uc_check_raw(in->buf, in->len, v, 0, collect, in);
	}
	in->as = NULL;
}

/* "FILE: offset 0xN" of an offset in the buffer the core read. */
static const char *where(const struct input *in, size_t off, uint64_t *file_off)
{
	if (in->kind == UC_INPUT_RAW) {
		*file_off = off;
		return in->paths[0];
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
		int k;

		if (in->ep.files[i].start <= in->ep.stop)
			continue;
		k = early_read(&ep, &in->ep.files[i].path, 1, &opts, &in->d);
		if (k)
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

static int read_input(struct input *in, const struct asked *asked, size_t n)
{
	static const struct early_opts opts = { false, EARLY_MAX };
	uint8_t head[64];
	size_t got = 0;
	FILE *f = fopen(in->paths[0], "rb");

	if (f) {
		got = fread(head, 1, sizeof(head), f);
		fclose(f);
	}
	/* Gathering's content tests: a raw file is what Xen takes as ucode=<n>. */
	if (uc_intel_probe(head, got) || uc_amd_probe(head, got)) {
		if (in->n_paths > 1)
			return diag_error(&in->d, in->paths[0], "a raw vendor file is a "
					  "Xen module of its own, not an initrd to join "
					  "with others");
		if (read_small(in, in->paths[0]))
			return -1;
		in->kind = UC_INPUT_RAW;
		in->considered = XEN_LOADERS;
		note("%s: a raw vendor file, as Xen takes it with ucode=<n>; Linux "
		     "reads only an initrd's early cpio", in->paths[0]);
		uc_check_raw(in->buf, in->len,
			     uc_intel_probe(head, got) ? UC_VENDOR_INTEL
							  : UC_VENDOR_AMD,
			     0, collect, in);
		return 0;
	}
	if (f && !looks_initrd(head, got)) {
		if (read_small(in, in->paths[0]))
			return -1;
		in->kind = UC_INPUT_RAW;
		in->considered = XEN_LOADERS;
		check_unknown(in, asked, n);
		return 0;
	}
	if (early_read(&in->ep, in->paths, in->n_paths, &opts, &in->d))
		return -1;
	in->kind = UC_INPUT_CPIO;
	in->considered = ALL_LOADERS;
	in->buf = in->ep.buf;
	in->len = in->ep.len;
	uc_check_image(in->buf, in->len, collect, in);
	return find_unreached(in);
}

/* Where the loaders stop reading, and what follows, when anything does. */
static void note_stop(const struct input *in)
{
	const struct early_part *ep = &in->ep;
	enum compression c = early_next_compression(ep);
	uint64_t off;
	const char *file = ep->files[early_file_at(ep, ep->stop, &off)].path;
	char what[96];

	/*
	 * Too little left for a header: the walk ran to the end.  Nothing
	 * read at all: the reasons say why.
	 */
	if (ep->total - ep->stop <= UC_NEWC_HDR_SIZE || !ep->entries)
		return;
	if (c != COMPRESSION_NONE)
		snprintf(what, sizeof(what), "%s-compressed data",
			 compression_name(c));
	else
		snprintf(what, sizeof(what), "data that is no cpio header (%02x %02x "
			 "%02x %02x)", ep->next[0], ep->next[1], ep->next[2],
			 ep->next[3]);
	note("%s: the microcode loaders read up to offset %#llx, where %s "
	     "begins, which they do not look into", file,
	     (unsigned long long)off, what);
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
	for (size_t k = 0; k < N_SHOWN; k++) {
		struct uc_intel_update u;
		size_t pos = 0;

		while (uc_intel_next(f, len, &pos, shown[k], &u) > 0) {
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
	for (size_t k = 0; k < N_SHOWN; k++) {
		unsigned int bit = BIT(shown[k]);
		const struct uc_load_result *r = &w->res[k];

		w->err[k] = -UC_ERR_NOT_FOUND;
		if (!(in->considered & bit))
			continue;
		w->err[k] = uc_would_load(in->buf, in->len, in->kind, &w->cpu,
					  shown[k], &w->res[k]);
		if (w->err[k] == -UC_ERR_NOT_NEWER) {
			struct uc_cpu fresh = w->cpu;
			struct uc_load_result any;

			fresh.rev = 0;
			if (!uc_would_load(in->buf, in->len, in->kind, &fresh,
					   shown[k], &any))
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

	for (size_t k = 0; k < N_SHOWN; k++)
		if ((in->considered & BIT(shown[k])) && !served(w, k))
			failing |= BIT(shown[k]);
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

	for (size_t k = 0; k < N_SHOWN; k++) {
		if (!(in->considered & BIT(shown[k])))
			continue;
		asked |= BIT(shown[k]);
		if (served(w, k))
			got |= BIT(shown[k]);
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

/* ---- output ---- */

static void loader_list(unsigned int m, char *buf, size_t size, const char *sep)
{
	size_t w = 0;

	buf[0] = 0;
	for (size_t k = 0; k < N_SHOWN; k++)
		if (m & BIT(shown[k]) && w < size)
			w += (size_t)snprintf(buf + w, size - w, "%s%s", w ? sep : "",
					      uc_consumer_name(shown[k]));
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
		enum compression c = early_next_compression(&in->ep);
		const char *cname = c != COMPRESSION_NONE ? compression_name(c) : NULL;
		uint64_t off;
		const char *file = in->ep.files[early_file_at(&in->ep, in->ep.stop,
							      &off)].path;
		size_t n;

		if (!in->ep.entries && cname)
			n = (size_t)snprintf(buf, size, "no early cpio: %s begins with "
					     "%s-compressed data, and the kernel takes "
					     "microcode only from an uncompressed cpio at "
					     "the very start", file, cname);
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

/*
 * The reasons of a row: "LOADER: why; LOADER: why", which scripts match;
 * for people (grouped), loaders with the same reason named together.
 */
static void why_text(const struct input *in, const struct row *w, bool grouped,
		     char *out, size_t size)
{
	char text[N_SHOWN][512];
	bool done[N_SHOWN];
	size_t o = 0;

	out[0] = 0;
	for (size_t k = 0; k < N_SHOWN; k++) {
		done[k] = !(in->considered & BIT(shown[k])) || !w->err[k];
		if (!done[k])
			why_not(in, w, k, text[k], sizeof(text[k]));
	}
	for (size_t k = 0; k < N_SHOWN && o < size; k++) {
		unsigned int m = BIT(shown[k]);
		char names[64];

		if (done[k])
			continue;
		for (size_t j = k + 1; grouped && j < N_SHOWN; j++) {
			if (!done[j] && !strcmp(text[j], text[k])) {
				m |= BIT(shown[j]);
				done[j] = true;
			}
		}
		done[k] = true;
		loader_list(m, names, sizeof(names), ", ");
		o += (size_t)snprintf(out + o, size - o, "%s%s: %s", o ? "; " : "",
				      names, text[k]);
	}
}

static char *problems_json(const struct input *in, const struct row *w)
{
	char *s = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&s, &n);

	if (!f) {
		error("out of memory");
		exit(EXIT_ERROR);
	}
	fputc('[', f);
	for (size_t i = 0; i < w->n_probs; i++) {
		const struct problem *p = &w->probs[i];
		uint64_t off;
		const char *file = where_problem(in, p, &off);
		char msg[512];

		fprintf(f, "%s{\"code\": ", i ? ", " : "");
		table_json_string(uc_errname(p->code), f);
		fputs(", \"file\": ", f);
		table_json_string(file, f);
		fprintf(f, ", \"offset\": %llu, \"loaders\": [", (unsigned long long)off);
		for (size_t k = 0, c = 0; k < N_SHOWN; k++)
			if (p->loaders & BIT(shown[k]))
				fprintf(f, "%s\"%s\"", c++ ? ", " : "",
					uc_consumer_name(shown[k]));
		snprintf(msg, sizeof(msg), "%s%s", p->as ? p->as : "",
			 uc_strerror(p->code));
		fputs("], \"message\": ", f);
		table_json_string(msg, f);
		fputc('}', f);
	}
	fputc(']', f);
	fclose(f);
	return s;
}

static void fill_row(struct table *t, const struct input *in, const struct row *w)
{
	char why[4096], pf[16];
	char *probs;

	table_str(t, vendor_name(w->cpu.vendor));
	table_hex(t, w->cpu.sig, 8);
	if (w->cpu.vendor == UC_VENDOR_AMD) {
		table_hex(t, 0, 2);
		table_str(t, "-");
	} else if (!w->pf_known && !w->variant) {
		table_hex(t, w->cpu.pf, 2);     /* any platform, as asked */
		table_str(t, "?");
	} else {
		table_hex(t, w->cpu.pf, 2);
		snprintf(pf, sizeof(pf), "0x%02x%s", w->cpu.pf, w->pf_known ? "" : "?");
		table_str(t, pf);
	}
	table_raw(t, w->pf_known || w->cpu.vendor == UC_VENDOR_AMD ? "true" : "false");
	if (w->rev_known)
		table_hex(t, w->cpu.rev, 8);
	else
		table_null(t);
	for (size_t k = 0; k < N_SHOWN; k++) {
		if (w->err[k])
			table_null(t);
		else
			table_hex(t, w->res[k].rev, 8);
	}
	why_text(in, w, false, why, sizeof(why));
	if (*why)
		table_str(t, why);
	else
		table_null(t);
	probs = problems_json(in, w);
	table_raw(t, probs);
	free(probs);
}

static void row_label(const struct row *w, char *buf, size_t size)
{
	if (w->cpu.vendor == UC_VENDOR_AMD)
		snprintf(buf, size, "amd 0x%08x", w->cpu.sig);
	else if (!w->pf_known && !w->variant)
		snprintf(buf, size, "intel 0x%08x pf ?", w->cpu.sig);
	else
		snprintf(buf, size, "intel 0x%08x pf 0x%02x%s", w->cpu.sig, w->cpu.pf,
			 w->pf_known ? "" : "?");
}

/* Below the table, for people: per row, the reasons and the problems. */
static void print_details(const struct input *in, const struct row *rows,
			  size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct row *w = &rows[i];
		char label[64], why[4096];

		row_label(w, label, sizeof(label));
		if (w->cpu.vendor == UC_VENDOR_INTEL && !w->pf_known &&
		    (i == 0 || rows[i - 1].group != w->group))
			printf("intel 0x%08x: platform unknown: %s\n", w->cpu.sig,
			       w->variant ? "a row for each platform variant the "
					    "image has for this signature"
					  : "the image has no update for this "
					    "signature on any platform");
		why_text(in, w, true, why, sizeof(why));
		if (*why)
			printf("%s: %s\n", label, why);
		for (size_t j = 0; j < w->n_probs; j++) {
			const struct problem *p = &w->probs[j];
			uint64_t off;
			const char *file = where_problem(in, p, &off);
			char names[64];

			loader_list(p->loaders, names, sizeof(names), ", ");
			printf("%s: problem: %s: offset %#llx: %s%s (%s)\n", label, file,
			       (unsigned long long)off, p->as ? p->as : "",
			       uc_strerror(p->code), names);
		}
	}
}

/* Malformed input is an error of its own, on standard error. */
static void report_malformed(struct input *in)
{
	for (size_t i = 0; i < in->n_probs; i++) {
		const struct problem *p = &in->probs[i];
		uint64_t off;
		const char *file;

		if (!p->malformed || !(p->loaders & in->considered))
			continue;
		file = where_problem(in, p, &off);
		diag_add(&in->d, DIAG_ERROR, file, off, p->code, 0, "%s%s",
			 p->as ? p->as : "", uc_strerror(p->code));
	}
}

static struct row *make_rows(const struct input *in, const struct asked *asked,
			     size_t n, size_t *n_rows)
{
	struct row *rows = NULL;
	size_t count = 0, cap = 0;

	for (size_t i = 0; i < n; i++) {
		uint32_t pf[64];
		size_t variants = 0;
		const struct asked *a = &asked[i];

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
static int status(const struct input *in, const struct row *rows, size_t n)
{
	int worst = EXIT_OK;

	for (size_t i = 0; i < n;) {
		int best = row_status(in, &rows[i]);
		size_t j = i + 1;

		for (; j < n && rows[j].group == rows[i].group; j++) {
			int s = row_status(in, &rows[j]);

			if (severity(s) < severity(best))
				best = s;
		}
		if (severity(best) > severity(worst))
			worst = best;
		i = j;
	}
	return worst;
}

int cmd_verify(int argc, char **argv)
{
	static const struct option options[] = {
		{ "host", no_argument, NULL, 'H' },
		{ "cpu", required_argument, NULL, 'c' },
		{ "vendor", required_argument, NULL, 'v' },
		{ "json", no_argument, NULL, 'j' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ "host-root", required_argument, NULL, 'R' },
		{ NULL, 0, NULL, 0 },
	};
	struct asked *asked = NULL;
	char **specs = NULL;
	size_t n_asked = 0, cap_asked = 0, n_specs = 0, cap_specs = 0, n_rows = 0;
	struct input in = { 0 };
	struct row *rows = NULL;
	struct table t;
	enum uc_vendor vendor = UC_VENDOR_INTEL;
	const char *root = NULL;
	bool json = false, host = false, vendor_only = false, any_include = false;
	int c, rc = EXIT_ERROR;

	while ((c = getopt_long(argc, argv, "qh", options, NULL)) != -1) {
		switch (c) {
		case 'H': host = true; break;
		case 'c':
			grow(&specs, &cap_specs, n_specs + 1, sizeof(*specs));
			specs[n_specs++] = optarg;
			break;
		case 'v':
			if (parse_vendor(optarg, &vendor))
				goto usage;
			vendor_only = true;
			break;
		case 'j': json = true; break;
		case 'q': quiet = true; break;
		case 'R': root = optarg; break;
		case 'h': print_help(); free(specs); return EXIT_OK;
		default: goto usage;
		}
	}
	if (optind == argc) {
		error("verify takes at least one IMAGE");
		goto usage;
	}
	/* --vendor applies to every --cpu, wherever it was given. */
	for (size_t i = 0; i < n_specs; i++) {
		struct asked a;
		bool exclude = false;

		if (asked_from_spec(specs[i], vendor_only, vendor, &a, &exclude))
			goto usage;
		any_include |= !exclude;
		if (!exclude)
			add_asked(&asked, &n_asked, &cap_asked, &a);
	}
	/* Without a CPU named, the question is about this machine. */
	if ((host || !any_include) && add_host(root, &asked, &n_asked, &cap_asked))
		goto out;

	in.paths = (const char *const *)argv + optind;
	in.n_paths = (size_t)(argc - optind);
	if (read_input(&in, asked, n_asked)) {
		diag_print(&in.d, stderr, quiet);
		goto out;
	}
	report_malformed(&in);
	if (in.kind == UC_INPUT_CPIO)
		note_stop(&in);
	rows = make_rows(&in, asked, n_asked, &n_rows);

	table_init(&t, verify_columns, sizeof(verify_columns) / sizeof(verify_columns[0]));
	for (size_t i = 0; i < n_rows; i++)
		fill_row(&t, &in, &rows[i]);
	table_print(&t, json, stdout);
	if (!json)
		print_details(&in, rows, n_rows);
	table_free(&t);
	diag_print(&in.d, stderr, quiet);
	rc = in.d.errors ? EXIT_ERROR : status(&in, rows, n_rows);
	if (finish_stdout())
		rc = EXIT_ERROR;
out:
	for (size_t i = 0; i < n_rows; i++)
		free(rows[i].probs);
	free(rows);
	free(in.probs);
	free(in.unreached);
	free(in.raw);
	early_free(&in.ep);
	diags_free(&in.d);
	free(asked);
	free(specs);
	return rc;
usage:
	usage_hint();
	free(asked);
	free(specs);
	return EXIT_USAGE;
}

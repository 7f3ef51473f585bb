// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The audit of a boot entry: which files the loaders read, the verdict on
 * them per CPU, and the findings the verdict cannot know (the newest
 * available, the order of early images, Xen's ucode= choice).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cpio/cpio.h"
#include "domain/boot/audit.h"
#include "domain/boot/uki.h"
#include "domain/mainpart.h"
#include "util/alloc.h"
#include "util/exit.h"
#include "vendor/amd.h"
#include "vendor/intel.h"

#define BIT VERDICT_BIT
#define LINUX_LOADERS (BIT(UC_LINUX_6_1) | BIT(UC_LINUX_NEWEST))
#define XEN_LOADERS (BIT(UC_XEN_4_17) | BIT(UC_XEN_NEWER))
#define EARLY_MAX ((size_t)128 << 20)

static const char *const vendor_paths[2] = { UC_CPIO_PATH_INTEL, UC_CPIO_PATH_AMD };

/* ---- the newest available ---- */

void audit_newest_set(struct audit_newest *nw, enum uc_vendor v,
		      const uint8_t *data, size_t len)
{
	free(nw->vendor_file[v]);
	nw->vendor_file[v] = NULL;
	nw->len[v] = 0;
	if (!len)
		return;
	nw->vendor_file[v] = xmalloc(len);
	memcpy(nw->vendor_file[v], data, len);
	nw->len[v] = len;
}

void audit_newest_free(struct audit_newest *nw)
{
	for (int v = 0; v < 2; v++)
		free(nw->vendor_file[v]);
	memset(nw, 0, sizeof(*nw));
}

bool audit_newest_for(const struct audit_newest *nw, const struct uc_cpu *cpu,
		      uint32_t *rev)
{
	struct uc_cpu fresh = *cpu;
	struct uc_load_result r;

	fresh.rev = 0;
	if (!nw || !nw->vendor_file[cpu->vendor] ||
	    uc_would_load(nw->vendor_file[cpu->vendor], nw->len[cpu->vendor],
			  UC_INPUT_RAW, &fresh, UC_LINUX_NEWEST, &r))
		return false;
	*rev = r.rev;
	return true;
}

/* ---- findings ---- */

static int rank(int status)
{
	switch (status) {
	case EXIT_OK: return 0;
	case EXIT_SHOULD_FIX: return 1;
	case EXIT_NO_MICROCODE: return 2;
	default: return 3;
	}
}

int audit_worse(int a, int b)
{
	return rank(b) > rank(a) ? b : a;
}

#define worse audit_worse

__attribute__((format(printf, 8, 9)))
static void add_finding(struct audit_findings *l, const char *code, const char *file,
			uint64_t offset, unsigned int line, unsigned int loaders,
			int status, const char *fmt, ...)
{
	struct audit_finding *f;
	va_list ap;

	grow(&l->v, &l->cap, l->n + 1, sizeof(*l->v));
	f = &l->v[l->n++];
	f->code = code;
	f->file = file ? xstrdup(file) : NULL;
	f->offset = offset;
	f->line = line;
	f->loaders = loaders;
	f->status = status;
	va_start(ap, fmt);
	if (vasprintf(&f->message, fmt, ap) < 0)
		f->message = xstrdup(code);
	va_end(ap);
}

static void findings_free(struct audit_findings *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].file);
		free(l->v[i].message);
	}
	free(l->v);
	memset(l, 0, sizeof(*l));
}

/* ---- what a file holds ---- */

struct holding {
	bool cpio;              /* its early part has the vendor path */
	bool raw;               /* it is a raw vendor file of that vendor */
	bool foreign_raw;       /* ... or of the other vendor only */
	bool rev_known;         /* it has a patch for the CPU: rev */
	uint32_t rev;
	uint64_t member;        /* the vendor file's member header (cpio) */
};

/* What a file (or part) holds for cpu's vendor, and the patch it has for cpu. */
static int holds_input(const struct early_input *in, const struct uc_cpu *cpu,
		       struct holding *h, struct diags *d)
{
	static const struct early_opts opts = { false, EARLY_MAX };
	struct uc_cpu fresh = *cpu;
	struct uc_load_result r;
	struct uc_cpio_entry e;
	struct early_part ep;
	uint8_t head[64];
	size_t want = sizeof(head);
	ssize_t got;
	int fd;

	memset(h, 0, sizeof(*h));
	fresh.rev = 0;
	fd = open(in->path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return diag_sys(d, in->path, errno, "cannot open");
	if (in->part && in->size < want)
		want = (size_t)in->size;
	got = pread(fd, head, want, (off_t)(in->part ? in->offset : 0));
	close(fd);
	if (got > 0) {
		bool intel = uc_intel_probe(head, (size_t)got);
		bool amd = uc_amd_probe(head, (size_t)got);

		h->raw = cpu->vendor == UC_VENDOR_INTEL ? intel : amd;
		h->foreign_raw = !h->raw && (intel || amd);
		if (h->raw || h->foreign_raw)
			return 0;       /* the verdict reads it when it is chosen */
	}
	if (early_read_inputs(&ep, in, 1, &opts, d))
		return -1;
	if (!uc_cpio_find(ep.buf, ep.len, vendor_paths[cpu->vendor], &e)) {
		h->cpio = true;
		early_locate(&ep, e.offset, &h->member);
		if (!uc_would_load(ep.buf, ep.len, UC_INPUT_CPIO, &fresh,
				   UC_LINUX_NEWEST, &r)) {
			h->rev_known = true;
			h->rev = r.rev;
		}
	}
	early_free(&ep);
	return 0;
}

static int holds(const char *file, const struct uc_cpu *cpu, struct holding *h,
		 struct diags *d)
{
	struct early_input in = { .path = file, .fd = -1 };

	return holds_input(&in, cpu, h, d);
}

/* A boot file as the verdict reads it: all of it, or its part. */
static struct early_input input_of(const struct boot_file *f)
{
	return (struct early_input){ .path = f->file, .fd = -1, .part = f->part,
				     .offset = f->offset, .size = f->size };
}

/* ---- rows ---- */

/* A row no loader reads anything for: why says why. */
static void empty_row(struct audit_row *w, const struct verdict_cpu *a,
		      unsigned int loaders, const char *why)
{
	memset(w, 0, sizeof(*w));
	w->row.cpu = a->cpu;
	w->row.pf_known = a->pf_known;
	w->row.rev_known = a->rev_known;
	if (a->cpu.vendor == UC_VENDOR_INTEL && !a->pf_known)
		w->row.cpu.pf = 0xff;   /* any platform, as the verdict says it */
	for (size_t k = 0; k < VERDICT_LOADERS; k++) {
		struct verdict_answer *an = &w->row.loader[k];

		an->counts = loaders & BIT(verdict_loaders[k]);
		an->err = -UC_ERR_NO_FILE;
		an->why = an->counts ? xstrdup(why) : NULL;
	}
	w->row.problems = xmalloc(sizeof(*w->row.problems));
}

/* Loader k of a row says nothing more: it is not asked, or it reads nothing. */
static void silence(struct verdict_answer *an, bool counts, const char *why)
{
	free(an->why);
	an->why = NULL;
	an->counts = counts;
	if (counts) {
		an->err = -UC_ERR_NO_FILE;
		an->rev = 0;
		an->why = xstrdup(why);
	}
}

static bool served(const struct verdict_answer *an)
{
	return an->counts && (!an->err || an->err == -UC_ERR_NOT_NEWER);
}

/* The verdict's rows for one CPU, as audit rows (their problems kept). */
static int verdict_rows(const struct early_input *files, size_t n, bool xen_only,
			const struct verdict_cpu *a, unsigned int loaders,
			struct audit_row **rows, size_t *n_rows, size_t *cap,
			bool *malformed, struct diags *d)
{
	struct verdict_query q = { files, n, xen_only, a, 1 };
	struct diags said = { 0 };
	struct verdict v;
	int rc = verdict_run(&q, &v, &said);

	/* Its notes (where the walk stops) are verify's; the rest counts. */
	diag_drop_notes(&said);
	diag_move(d, &said);
	if (rc)
		return -1;
	*malformed |= v.status == EXIT_ERROR;
	for (size_t i = 0; i < v.n_rows; i++) {
		struct audit_row *w;
		struct verdict_row *r = &v.rows[i];
		size_t kept = 0;

		grow(rows, cap, *n_rows + 1, sizeof(**rows));
		w = &(*rows)[(*n_rows)++];
		memset(w, 0, sizeof(*w));
		w->row = *r;
		for (size_t k = 0; k < VERDICT_LOADERS; k++)
			if (!(loaders & BIT(verdict_loaders[k])))
				silence(&w->row.loader[k], false, NULL);
		/* Problems of loaders that do not count for the entry go. */
		for (size_t j = 0; j < r->n_problems; j++) {
			struct verdict_problem p = r->problems[j];

			p.loaders &= loaders;
			if (!p.loaders) {
				free(p.message);
				continue;
			}
			w->row.problems[kept++] = p;
		}
		w->row.n_problems = kept;
	}
	v.n_rows = 0;           /* the rows moved; only the array goes */
	verdict_free(&v);
	return 0;
}

/*
 * A whole initrd with no early part at all (a generator that put
 * everything into one compressed archive): the walk from byte 0.
 */
static int main_part_from(const char *initrd, struct mainpart_result *r,
			  struct diags *d)
{
	uint8_t head[8];
	struct stat st;
	ssize_t got;
	int fd, rc = -1;

	fd = open(initrd, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	got = pread(fd, head, sizeof(head), 0);
	if (got > 0 && mainpart_detect(head, (size_t)got) > MAINPART_CPIO &&
	    !fstat(fd, &st))
		rc = mainpart_scan_fd(fd, initrd, 0, (uint64_t)st.st_size,
				      MAINPART_MAX_OUT, r, d);
	close(fd);
	return rc;
}

/*
 * mainpart_scan, and for an initrd with no early part at all the walk
 * from byte 0; for a part of a file the same within the part.
 */
static int main_part_scan(const struct early_input *in, struct mainpart_result *r,
			  struct diags *d)
{
	static const struct early_opts opts = { false, EARLY_MAX };
	uint64_t base = in->part ? in->offset : 0, start = 0, end;
	struct early_part ep;
	uint8_t head[8];
	struct stat st;
	ssize_t got;
	int fd, rc = -1;

	memset(r, 0, sizeof(*r));
	if (!in->part)
		return mainpart_scan(in->path, MAINPART_MAX_OUT, r, d) || r->initrd
		       ? (r->initrd ? 0 : -1)
		       : main_part_from(in->path, r, d);
	/* A part (a UKI's .initrd): from where its early part ends, or its
	 * start when it begins compressed. */
	fd = open(in->path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	got = pread(fd, head, in->size < sizeof(head) ? (size_t)in->size : sizeof(head),
		    (off_t)base);
	end = base + in->size;
	if (got > 0 && uc_cpio_probe(head, (size_t)got)) {
		if (!early_read_inputs(&ep, in, 1, &opts, d)) {
			start = ep.stop;
			early_free(&ep);
			r->initrd = true;
			rc = 0;
		}
	} else if (got > 0 && mainpart_detect(head, (size_t)got) > MAINPART_CPIO &&
		   !fstat(fd, &st)) {
		rc = 0;
	}
	if (!rc && base + start < end)
		rc = mainpart_scan_fd(fd, in->path, base + start, end, MAINPART_MAX_OUT,
				      r, d);
	close(fd);
	return rc;
}

/*
 * Microcode in the compressed main part, where no loader looks: asked only
 * where the early part gives a CPU nothing (domain/mainpart streams the
 * rest through libarchive and stops at the first microcode member).  A
 * main part that cannot be read says nothing here: the early part's answer
 * stands.  fix: what to do (NULL: prepend to the file).
 */
static void check_main_part(const struct early_input *in, const struct uc_cpu *cpu,
			    const char *fix, struct audit_findings *f)
{
	const char *want = cpu->vendor == UC_VENDOR_INTEL ? "GenuineIntel.bin"
							  : "AuthenticAMD.bin";
	struct mainpart_result *r = xmalloc(sizeof(*r));
	struct diags quiet_d = { 0 };
	size_t nl, wl = strlen(want);

	if (!main_part_scan(in, r, &quiet_d) && r->found &&
	    (nl = strlen(r->name)) >= wl && !strcmp(r->name + nl - wl, want)) {
		if (fix)
			add_finding(f, "in-compressed-part", in->path, r->part_offset, 0,
				    0, EXIT_NO_MICROCODE, "%s sits in the %s-compressed "
				    "main part, where no loader looks; fix: %s", r->name,
				    mainpart_compression_name(r->compression), fix);
		else
			add_finding(f, "in-compressed-part", in->path, r->part_offset, 0,
				    0, EXIT_NO_MICROCODE, "%s sits in the %s-compressed "
				    "main part, where no loader looks; fix: mkucode "
				    "--prepend %s", r->name,
				    mainpart_compression_name(r->compression), in->path);
	}
	diags_free(&quiet_d);
	free(r);
}

/*
 * Stale or missing, against the newest available, and the row's status.
 * fix_file: where microcode belongs (the distribution's initrd, or Xen's
 * module); stale_file: what the loaders read it from, when that is a file
 * of its own (a separate early image: rebuilt, not prepended), else NULL.
 */
static void judge_row(struct audit_row *w, const struct audit_newest *nw,
		      unsigned int loaders, const struct early_input *fix_in,
		      const char *stale_file, const char *fix_how,
		      int nothing_status)
{
	const char *fix_file = fix_in ? fix_in->path : NULL;
	const struct verdict_row *r = &w->row;
	bool any = false, all = true;
	unsigned int stale = 0;
	uint32_t loaded = 0;

	w->newest_known = audit_newest_for(nw, &r->cpu, &w->newest);
	for (size_t k = 0; k < VERDICT_LOADERS; k++) {
		const struct verdict_answer *an = &r->loader[k];
		unsigned int bit = BIT(verdict_loaders[k]);

		if (!(loaders & bit))
			continue;
		if (!served(an)) {
			all = false;
			continue;
		}
		any = true;
		if (!w->newest_known || (r->rev_known && r->cpu.rev >= w->newest))
			continue;
		if (an->err == -UC_ERR_NOT_NEWER || an->rev < w->newest) {
			stale |= bit;
			if (!an->err)
				loaded = an->rev;
		}
	}
	w->status = EXIT_OK;
	for (size_t i = 0; i < r->n_problems; i++) {
		const struct verdict_problem *p = &r->problems[i];

		add_finding(&w->findings, uc_errname(p->code), p->file, p->offset, 0,
			    p->loaders, EXIT_SHOULD_FIX, "%s", p->message);
	}
	if (!any) {
		bool needed = w->newest_known &&
			      !(r->rev_known && r->cpu.rev >= w->newest);

		if (needed && nothing_status == EXIT_NO_MICROCODE) {
			/* Without a file to fix, the entry's finding says how. */
			if (fix_how)
				add_finding(&w->findings, "missing", fix_file,
					    DIAG_NO_OFFSET, 0, loaders, EXIT_NO_MICROCODE,
					    "nothing loaded, while 0x%08x is available; "
					    "fix: %s", w->newest, fix_how);
			else if (fix_file)
				add_finding(&w->findings, "missing", fix_file,
					    DIAG_NO_OFFSET, 0, loaders, EXIT_NO_MICROCODE,
					    "nothing loaded, while 0x%08x is available; "
					    "fix: mkucode --prepend %s (or mkucode refresh)",
					    w->newest, fix_file);
			else
				add_finding(&w->findings, "missing", NULL, DIAG_NO_OFFSET,
					    0, loaders, EXIT_NO_MICROCODE, "nothing loaded, "
					    "while 0x%08x is available", w->newest);
			if (fix_in)
				check_main_part(fix_in, &r->cpu, fix_how, &w->findings);
		}
		w->status = needed ? nothing_status : EXIT_OK;
	} else if (!all) {
		w->status = EXIT_SHOULD_FIX;
	}
	if (stale) {
		char rev[16] = "an older one";

		if (loaded)
			snprintf(rev, sizeof(rev), "0x%08x", loaded);
		if (fix_how)
			add_finding(&w->findings, "stale", fix_file, DIAG_NO_OFFSET, 0,
				    stale, EXIT_SHOULD_FIX, "loads %s, while 0x%08x is "
				    "available; fix: %s", rev, w->newest, fix_how);
		else if (stale_file)
			add_finding(&w->findings, "stale", stale_file, DIAG_NO_OFFSET, 0,
				    stale, EXIT_SHOULD_FIX, "loads %s, while 0x%08x is "
				    "available; fix: mkucode -o %s (refresh does not "
				    "rewrite separate early images)", rev, w->newest,
				    stale_file);
		else
			add_finding(&w->findings, "stale", fix_file, DIAG_NO_OFFSET, 0,
				    stale, EXIT_SHOULD_FIX, "loads %s, while 0x%08x is "
				    "available; fix: mkucode refresh (or mkucode --prepend "
				    "%s)", rev, w->newest, fix_file ? fix_file : "INITRD");
	}
	for (size_t i = 0; i < w->findings.n; i++)
		w->status = worse(w->status, w->findings.v[i].status);
}

/* A word of a command line (blank-separated). */
static bool has_word(const char *cmdline, const char *word)
{
	size_t n = strlen(word);

	for (const char *p = cmdline; p && *p; p += strcspn(p, " \t")) {
		p += strspn(p, " \t");
		if (!strncmp(p, word, n) && (p[n] == '\0' || p[n] == ' ' || p[n] == '\t'))
			return true;
	}
	return false;
}

/* ---- Linux entries ---- */

static bool same_input(const struct early_input *a, const struct early_input *b)
{
	return !strcmp(a->path, b->path) && a->part == b->part &&
	       (!a->part || (a->offset == b->offset && a->size == b->size));
}

/*
 * How to put new microcode into a UKI: refresh cannot, since it is one
 * PE file (signed, often) that a tool built from a stub, a kernel, an
 * initrd and .ucode.
 */
char *audit_uki_fix(const struct boot_entry *e)
{
	const char *sign = e->uki_signed ? ", and sign it again (sbsign --key KEY "
					   "--cert CERT)" : "";

	if (e->uki_stub && e->uki_stub < UKI_STUB_UCODE)
		return xasprintf("mkucode --prepend INITRD, then rebuild the UKI from "
				 "that initrd (ukify build --initrd=INITRD, or objcopy "
				 "--update-section .initrd=INITRD)%s; or rebuild it on "
				 "systemd-stub %u or newer with .ucode (ukify build "
				 "--microcode=FILE, FILE from mkucode -o)", sign,
				 UKI_STUB_UCODE);
	return xasprintf("mkucode -o ucode.cpio, then rebuild the UKI with it as "
			 ".ucode (ukify build --microcode=ucode.cpio, or objcopy "
			 "--update-section .ucode=ucode.cpio)%s", sign);
}

static char *uki_fix(const struct boot_entry *e)
{
	char *how = audit_uki_fix(e), *fix = xasprintf("%s; refresh does not "
						     "rewrite UKIs", how);

	free(how);
	return fix;
}

/* Separate early images and prepended ones: which one the kernel reads. */
static int order_findings(const struct boot_entry *e, const struct early_input *files,
			  const struct boot_file *const *bf, size_t n,
			  const struct audit_row *w, struct audit_findings *out,
			  size_t *holder, struct diags *d)
{
	bool uki = e->origin == BOOT_FROM_UKI;
	struct holding first_h = { 0 };
	size_t first = n;

	*holder = n;
	for (size_t i = 0; i < n; i++) {
		struct holding h;
		const char *li = files[i].path;

		for (size_t j = 0; j < i; j++)
			if (same_input(&files[i], &files[j])) {
				add_finding(out, "loaded-twice", files[i].path,
					    DIAG_NO_OFFSET, 0, 0, EXIT_SHOULD_FIX,
					    "given twice to the kernel; fix: name it "
					    "once in the entry");
				goto next;
			}
		if (holds_input(&files[i], &w->row.cpu, &h, d))
			return -1;
		if (!h.cpio)
			continue;
		if (first == n) {
			first = i;
			*holder = i;
			first_h = h;
			continue;
		}
		if (h.rev_known && (!first_h.rev_known || h.rev > first_h.rev)) {
			char was[32] = "no update for this CPU", *fix;

			if (first_h.rev_known)
				snprintf(was, sizeof(was), "0x%08x", first_h.rev);
			fix = uki ? uki_fix(e)
				  : xasprintf("remove it from the entry, or rebuild it "
					      "(mkucode -o %s)", files[first].path);
			if (uki)
				add_finding(out, "shadowed", files[first].path,
					    first_h.member, 0, LINUX_LOADERS,
					    EXIT_SHOULD_FIX, "its %s is read first (%s) "
					    "and hides %s's newer 0x%08x; fix: %s",
					    bf[first]->part_name, was, bf[i]->part_name,
					    h.rev, fix);
			else
				add_finding(out, "shadowed", files[first].path,
					    first_h.member, 0, LINUX_LOADERS,
					    EXIT_SHOULD_FIX, "read first (%s), it hides "
					    "%s's newer 0x%08x; fix: %s", was, li, h.rev,
					    fix);
			free(fix);
		} else if (uki) {
			add_finding(out, "loaded-twice", files[i].path, h.member, 0,
				    LINUX_LOADERS, EXIT_SHOULD_FIX,
				    "its %s carries a second copy of the microcode, which "
				    "no loader reads (%s comes first); fix: build the UKI "
				    "from an initrd without it (mkucode strip INITRD, then "
				    "ukify build --initrd=INITRD)%s", bf[i]->part_name,
				    bf[first]->part_name,
				    e->uki_signed ? ", and sign it again" : "");
		} else {
			add_finding(out, "loaded-twice", files[i].path, h.member, 0,
				    LINUX_LOADERS, EXIT_SHOULD_FIX,
				    "a second copy of the microcode, which no loader reads "
				    "(%s comes first); fix: mkucode strip %s, or drop "
				    "the other from the entry", files[first].path,
				    files[i].path);
		}
next:;
	}
	return 0;
}

/*
 * A .ucode section the UKI's stub does not hand over (systemd < 256):
 * whatever microcode it carries never loads.
 */
static int ignored_ucode(const struct boot_entry *e, struct audit_row *w,
			 struct diags *d)
{
	struct early_input in = input_of(&e->uki_ignored);
	struct holding h;
	char rev[16] = "microcode";
	char *fix;

	if (!e->uki_ignored.path || !e->uki_ignored.file)
		return 0;
	if (holds_input(&in, &w->row.cpu, &h, d))
		return -1;
	if (!h.cpio && !h.raw)
		return 0;
	if (h.rev_known)
		snprintf(rev, sizeof(rev), "0x%08x", h.rev);
	fix = uki_fix(e);
	add_finding(&w->findings, "uki-ucode-ignored", in.path,
		    h.cpio ? h.member : in.offset, 0, LINUX_LOADERS, EXIT_SHOULD_FIX,
		    "its .ucode section carries %s, which systemd-stub %u never hands "
		    "to the kernel (.ucode is read from systemd %u on); fix: %s",
		    rev, e->uki_stub, UKI_STUB_UCODE, fix);
	free(fix);
	w->status = worse(w->status, EXIT_SHOULD_FIX);
	return 0;
}

/* A UKI's section that is a raw vendor file rather than an initrd. */
static bool raw_part(const struct boot_file *f)
{
	uint8_t head[64];
	size_t want = f->size < sizeof(head) ? (size_t)f->size : sizeof(head);
	ssize_t got;
	int fd;

	if (!f->part)
		return false;
	fd = open(f->file, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	got = pread(fd, head, want, (off_t)f->offset);
	close(fd);
	return got > 0 && (uc_intel_probe(head, (size_t)got) ||
			   uc_amd_probe(head, (size_t)got));
}

/* A Linux entry: its initrds joined, per CPU; fixes go to the last one,
 * the distribution's initrd (a UKI's: how to rebuild it). */
static int audit_linux(struct audit_entry *a, const struct verdict_cpu *cpus,
		       size_t n_cpus, const struct audit_newest *nw, bool *malformed,
		       struct diags *d)
{
	const struct boot_entry *e = a->entry;
	struct early_input *files = xmalloc((e->n_initrds + 1) * sizeof(*files));
	const struct boot_file **bf = xmalloc((e->n_initrds + 1) * sizeof(*bf));
	char *fix_how = e->origin == BOOT_FROM_UKI ? uki_fix(e) : NULL;
	size_t n = 0, cap = 0;
	int rc = 0;

	for (size_t i = 0; i < e->n_initrds; i++) {
		if (e->initrds[i].file && raw_part(&e->initrds[i])) {
			/* ukify --microcode=GenuineIntel.bin: no cpio, no load. */
			add_finding(&a->findings, "uki-ucode-raw", e->config,
				    e->initrds[i].offset, 0, LINUX_LOADERS,
				    EXIT_SHOULD_FIX, "its %s section is a raw vendor "
				    "file, which the kernel does not read (it takes an "
				    "early cpio)%s; fix: %s", e->initrds[i].part_name,
				    i + 1 < e->n_initrds ? ", and where its initramfs "
				    "unpacker meets it, it stops (invalid magic): what "
				    "follows is not unpacked either" : "", fix_how);
		} else if (e->initrds[i].file) {
			bf[n] = &e->initrds[i];
			files[n++] = input_of(&e->initrds[i]);
		} else {
			add_finding(&a->findings, "not-found", e->config, DIAG_NO_OFFSET,
				    e->initrds[i].line, 0, EXIT_SHOULD_FIX,
				    "initrd %s: no such file; fix: correct the path or "
				    "remove it from the entry", e->initrds[i].path);
		}
	}
	if (e->kernel.path && !e->kernel.file)
		add_finding(&a->findings, "not-found", e->config, DIAG_NO_OFFSET,
			    e->kernel.line, 0, EXIT_SHOULD_FIX, "kernel %s: no such "
			    "file; fix: correct the path", e->kernel.path);
	if (!e->n_initrds)
		add_finding(&a->findings, "no-initrd", e->config, DIAG_NO_OFFSET, e->line,
			    0, EXIT_OK, "the entry loads no initrd, so no early microcode; "
			    "fix: %s", fix_how ? fix_how : "add one that carries it "
			    "(mkucode -o FILE, then initrd FILE first)");
	/* dis_ucode_ldr: the kernel's early loader returns before it looks. */
	if (has_word(e->cmdline, "dis_ucode_ldr")) {
		for (size_t c = 0; c < n_cpus; c++) {
			struct audit_row *w;

			grow(&a->rows, &cap, a->n_rows + 1, sizeof(*a->rows));
			w = &a->rows[a->n_rows++];
			empty_row(w, &cpus[c], a->loaders, "dis_ucode_ldr on the "
				  "command line: the early loader does nothing");
			judge_row(w, nw, a->loaders, NULL, NULL, fix_how,
				  e->recovery ? EXIT_OK : EXIT_NO_MICROCODE);
		}
		if (e->recovery)
			add_finding(&a->findings, "no-ucode-recovery", e->config,
				    DIAG_NO_OFFSET, e->line, LINUX_LOADERS, EXIT_OK,
				    "a recovery entry with dis_ucode_ldr: it boots "
				    "without loading microcode, the way back from a bad "
				    "update");
		else
			add_finding(&a->findings, "ucode-disabled", e->config,
				    DIAG_NO_OFFSET, e->line, LINUX_LOADERS, EXIT_OK,
				    "dis_ucode_ldr on the command line: the kernel "
				    "loads no early microcode; fix: drop it (keep it "
				    "for a recovery entry only)");
		free(fix_how);
		free(bf);
		free(files);
		return 0;
	}
	for (size_t c = 0; c < n_cpus && !rc; c++) {
		size_t from = a->n_rows;

		if (!n) {
			grow(&a->rows, &cap, a->n_rows + 1, sizeof(*a->rows));
			empty_row(&a->rows[a->n_rows++], &cpus[c], a->loaders,
				  "the entry loads no initrd");
		} else if (verdict_rows(files, n, false, &cpus[c], a->loaders, &a->rows,
					&a->n_rows, &cap, malformed, d)) {
			rc = -1;
			break;
		}
		for (size_t i = from; i < a->n_rows; i++) {
			struct audit_row *w = &a->rows[i];
			struct audit_findings order = { 0 };
			/* A UKI without .initrd: the UKI is what to rebuild. */
			struct early_input whole = { .path = e->config, .fd = -1 };
			size_t holder = n;

			if (n > 1 && order_findings(e, files, bf, n, w, &order, &holder, d))
				rc = -1;
			judge_row(w, nw, a->loaders,
				  n ? &files[n - 1] : fix_how ? &whole : NULL,
				  holder + 1 < n ? files[holder].path : NULL, fix_how,
				  EXIT_NO_MICROCODE);
			for (size_t j = 0; j < order.n; j++) {
				grow(&w->findings.v, &w->findings.cap, w->findings.n + 1,
				     sizeof(*w->findings.v));
				w->findings.v[w->findings.n++] = order.v[j];
				w->status = worse(w->status, order.v[j].status);
			}
			free(order.v);
			if (ignored_ucode(e, w, d))
				rc = -1;
		}
	}
	free(fix_how);
	free(bf);
	free(files);
	return rc;
}

/* ---- Xen entries ---- */

struct ucode_opt {
	bool scan;
	bool has_index;
	long index;
};

/* Xen's ucode=[<int>|scan[=<bool>]],...: the last word of each kind wins. */
static void parse_ucode(const char *cmdline, struct ucode_opt *u)
{
	const char *p = cmdline;

	memset(u, 0, sizeof(*u));
	while (p && *p) {
		size_t len;

		p += strspn(p, " \t");
		len = strcspn(p, " \t");
		if (len > 6 && !strncmp(p, "ucode=", 6)) {
			char *val = xasprintf("%.*s", (int)(len - 6), p + 6), *save = NULL;

			for (char *w = strtok_r(val, ",", &save); w;
			     w = strtok_r(NULL, ",", &save)) {
				char *end;
				long v;

				if (!strcmp(w, "scan") || !strcmp(w, "scan=1") ||
				    !strcmp(w, "scan=yes") || !strcmp(w, "scan=on") ||
				    !strcmp(w, "scan=true"))
					u->scan = true;
				else if (!strncmp(w, "scan=", 5))
					u->scan = false;
				errno = 0;
				v = strtol(w, &end, 0);
				if (!errno && end != w && !*end) {
					u->has_index = true;
					u->index = v;
				}
			}
			free(val);
		}
		p += len;
	}
}

/* Module lines whose arguments name files: GRUB <= 2.06's one-line form. */
static void module_args(struct audit_entry *a, const struct audit_opts *o)
{
	const struct boot_entry *e = a->entry;

	for (size_t i = 0; o->resolve && i < e->n_modules; i++) {
		char *args = e->modules[i].args ? xstrdup(e->modules[i].args) : NULL;
		char *save = NULL;

		for (char *w = args ? strtok_r(args, " \t", &save) : NULL; w;
		     w = strtok_r(NULL, " \t", &save)) {
			char *file = strchr(w, '=') || (w[0] != '/' && w[0] != '(')
					     ? NULL
					     : o->resolve(o->root, e->config, w);

			if (!file)
				continue;
			add_finding(&a->findings, "xen-module-args", e->config,
				    DIAG_NO_OFFSET, e->modules[i].line, XEN_LOADERS,
				    EXIT_SHOULD_FIX, "module %zu (%s) names %s in its "
				    "arguments: it is passed as a word, not loaded (GRUB "
				    "<= 2.06 with one module2 line for several files); fix: "
				    "one module2 line per file", i, e->modules[i].path, w);
			free(file);
		}
		free(args);
	}
}

static const char *vendor_file(const struct uc_cpu *cpu)
{
	return cpu->vendor == UC_VENDOR_INTEL ? "GenuineIntel.bin" : "AuthenticAMD.bin";
}

/* How to write the newest as the raw file file (Xen's ucode= module). */
static char *raw_how(const struct uc_cpu *cpu, const char *file)
{
	return xasprintf("mkucode --vendor %s --raw DIR, then cp DIR/%s %s",
			 cpu->vendor == UC_VENDOR_INTEL ? "intel" : "amd",
			 vendor_file(cpu), file);
}

/* How to give xen.efi microcode: a raw file in ucode=, or the cpio in
 * front of the ramdisk with ucode=scan. */
static char *xen_efi_fix(const struct uc_cpu *cpu, const char *ramdisk)
{
	return xasprintf("mkucode --vendor %s --raw DIR, copy DIR/%s beside xen.efi "
			 "and name it in ucode= of the section; or mkucode --prepend "
			 "%s and ucode=scan in options= (refresh does not rewrite "
			 "xen.efi's files or configuration)",
			 cpu->vendor == UC_VENDOR_INTEL ? "intel" : "amd",
			 vendor_file(cpu), ramdisk);
}

static int audit_xen(struct audit_entry *a, const struct verdict_cpu *cpus,
		     size_t n_cpus, const struct audit_newest *nw,
		     const struct audit_opts *o, bool *malformed, struct diags *d)
{
	const struct boot_entry *e = a->entry;
	bool efi = e->origin == BOOT_FROM_XEN_EFI;
	size_t n = e->n_modules, cap = 0;
	long claimed = -1;
	struct ucode_opt u;

	parse_ucode(e->xen_cmdline, &u);
	/* xen.efi's ucode= file is the module Xen takes (over a ucode=<n>). */
	if (efi && e->xen_ucode_module > 0) {
		u.has_index = true;
		u.index = e->xen_ucode_module;
	}
	module_args(a, o);
	if (e->xen.path && !e->xen.file)
		add_finding(&a->findings, "not-found", e->config, DIAG_NO_OFFSET,
			    e->xen.line, 0, EXIT_SHOULD_FIX, "xen %s: no such file; "
			    "fix: correct the path", e->xen.path);
	for (size_t i = 0; i < n; i++)
		if (!e->modules[i].file)
			add_finding(&a->findings, "not-found", e->config, DIAG_NO_OFFSET,
				    e->modules[i].line, 0, EXIT_SHOULD_FIX,
				    "module %zu %s: no such file; fix: correct the path",
				    i, e->modules[i].path);
	if (u.has_index) {
		long j = u.index < 0 ? u.index + (long)n : u.index;

		if (j == 0)
			add_finding(&a->findings, "xen-index-kernel", e->config,
				    DIAG_NO_OFFSET, e->xen.line, XEN_LOADERS,
				    EXIT_SHOULD_FIX, "ucode=%ld names module 0, the dom0 "
				    "kernel, which Xen refuses; fix: ucode=scan, or the "
				    "index of a raw module", u.index);
		else if (j < 1 || j >= (long)n)
			add_finding(&a->findings, "xen-index-range", e->config,
				    DIAG_NO_OFFSET, e->xen.line, XEN_LOADERS,
				    EXIT_SHOULD_FIX, "ucode=%ld names no module (the entry "
				    "has %zu): Xen ignores it; fix: ucode=scan, or the index "
				    "of a raw module", u.index, n);
		else
			claimed = j;
		/* xen.efi's ucode= file is a module of its own, never the ramdisk. */
		if (claimed == 1 && !efi)
			add_finding(&a->findings, "xen-index-initrd", e->config,
				    DIAG_NO_OFFSET, e->modules[1].line, XEN_LOADERS,
				    EXIT_SHOULD_FIX, "ucode=%ld names module 1, the dom0 "
				    "initrd: Xen takes it away from dom0; fix: ucode=scan "
				    "with the microcode prepended (mkucode --prepend), or a "
				    "raw file (mkucode --raw) as a module of its own",
				    u.index);
	}
	for (size_t c = 0; c < n_cpus; c++) {
		const struct verdict_cpu *cpu = &cpus[c];
		long scanned = -1, raw = -1, any = -1;
		bool any_raw = false, chosen_raw = false;
		char *raw_fix = NULL;
		struct early_input initrd_in = { .path = NULL, .fd = -1 };
		long chosen;
		size_t from = a->n_rows;
		struct holding h;

		for (size_t i = 1; i < n; i++) {
			if (!e->modules[i].file)
				continue;
			if (holds(e->modules[i].file, &cpu->cpu, &h, d))
				return -1;
			if ((h.cpio || h.raw) && any < 0) {
				any = (long)i;
				any_raw = h.raw;
			}
			if ((long)i == claimed)
				continue;
			if (h.cpio && scanned < 0)
				scanned = (long)i;
			if (h.raw && raw < 0)
				raw = (long)i;
		}
		chosen = u.scan && scanned >= 0 ? scanned : claimed;
		if (u.scan && scanned < 0 && raw >= 0 && claimed < 0) {
			char *fix = efi ? xstrdup("name it in ucode= of the section")
					: xasprintf("ucode=%ld", raw);

			add_finding(&a->findings, "xen-scan-raw", e->config, DIAG_NO_OFFSET,
				    e->modules[raw].line, XEN_LOADERS, EXIT_SHOULD_FIX,
				    "ucode=scan finds no early cpio, and module %ld (%s) is "
				    "a raw vendor file, which scan skips; fix: %s", raw,
				    e->modules[raw].path, fix);
			free(fix);
		}
		if (chosen < 0 || !e->modules[chosen].file) {
			bool carried = any >= 0 && !u.scan && !u.has_index;
			/* A recovery entry without ucode=: none on purpose. */
			bool way_back = carried && e->recovery;

			grow(&a->rows, &cap, a->n_rows + 1, sizeof(*a->rows));
			empty_row(&a->rows[a->n_rows++], cpu, a->loaders,
				  u.scan || u.has_index ? "no module Xen reads holds microcode"
							: "Xen's command line has no ucode=");
			/* The fix: the microcode in front of dom0's initrd, or
			 * (xen.efi) a raw file in ucode=. */
			if (efi)
				raw_fix = xen_efi_fix(&cpu->cpu, n > 1 ? e->modules[1].path
								     : "RAMDISK");
			initrd_in.path = n > 1 ? e->modules[1].file : NULL;
			judge_row(&a->rows[from], nw, a->loaders,
				  initrd_in.path ? &initrd_in : NULL, NULL, raw_fix,
				  way_back ? EXIT_OK : carried ? EXIT_SHOULD_FIX
							       : EXIT_NO_MICROCODE);
			free(raw_fix);
			raw_fix = NULL;
			if (way_back) {
				if (c == 0)
					add_finding(&a->findings, "no-ucode-recovery",
						    e->config, DIAG_NO_OFFSET, e->xen.line,
						    XEN_LOADERS, EXIT_OK, "a recovery entry "
						    "without ucode=: Xen loads no microcode, the "
						    "way back from a bad update");
			} else if (carried && efi) {
				add_finding(&a->rows[from].findings, "xen-no-ucode", e->config,
					    DIAG_NO_OFFSET, e->line, XEN_LOADERS,
					    EXIT_SHOULD_FIX, "module %ld (%s) carries "
					    "microcode, but Xen reads none without ucode=; "
					    "fix: %s", any, e->modules[any].path, any_raw
					    ? "name that file in ucode= of the section (xen.efi "
					      "loads it as the microcode module)"
					    : "add ucode=scan to the section's options=");
				a->rows[from].status = worse(a->rows[from].status,
							     EXIT_SHOULD_FIX);
			} else if (carried) {
				add_finding(&a->rows[from].findings, "xen-no-ucode", e->config,
					    DIAG_NO_OFFSET, e->xen.line, XEN_LOADERS,
					    EXIT_SHOULD_FIX, "module %ld (%s) carries "
					    "microcode, but Xen reads none without ucode=; "
					    "fix: add ucode=%s to Xen's command line", any,
					    e->modules[any].path, any_raw ? "<n>" : "scan");
				a->rows[from].status = worse(a->rows[from].status,
							     EXIT_SHOULD_FIX);
			}
			continue;
		} else if (chosen == claimed &&
			   !holds(e->modules[chosen].file, &cpu->cpu, &h, d) &&
			   h.foreign_raw) {
			/* Xen would parse it as this CPU's vendor's data and
			 * reject it: say what it is instead. */
			bool intel = cpu->cpu.vendor == UC_VENDOR_INTEL;
			char *named = efi ? xstrdup("xen.efi's ucode=")
					  : xasprintf("ucode=%ld", u.index);
			char *why = xasprintf("%s names %s, which holds %s microcode "
					      "only", named, e->modules[chosen].path,
					      intel ? "AMD" : "Intel");
			char *how = xasprintf("give Xen this CPU's microcode too: "
					      "ucode=scan with it prepended to dom0's "
					      "initrd (mkucode --prepend), or an %s raw "
					      "file as the one %s names (mkucode --vendor "
					      "%s --raw DIR)",
					      intel ? "Intel" : "AMD", named,
					      intel ? "intel" : "amd");

			grow(&a->rows, &cap, a->n_rows + 1, sizeof(*a->rows));
			empty_row(&a->rows[a->n_rows++], cpu, a->loaders, why);
			judge_row(&a->rows[from], nw, a->loaders, NULL, NULL, how,
				  EXIT_NO_MICROCODE);
			free(named);
			free(why);
			free(how);
			continue;
		} else {
			struct early_input f = { .path = e->modules[chosen].file, .fd = -1 };

			if (verdict_rows(&f, 1, true, cpu, a->loaders, &a->rows, &a->n_rows,
					 &cap, malformed, d))
				return -1;
			chosen_raw = chosen == claimed && !holds(f.path, &cpu->cpu, &h, d) &&
				     h.raw;
			if (chosen_raw) {
				char *how = raw_how(&cpu->cpu, f.path);

				raw_fix = xasprintf("%s (refresh does not rewrite raw "
						    "files)", how);
				if (c == 0 && efi)
					diag_note(d, f.path, "the raw file %s's ucode= "
						  "names: refresh does not rewrite it; %s",
						  e->config, how);
				free(how);
			}
			if (!raw_fix && efi)
				raw_fix = xen_efi_fix(&cpu->cpu, n > 1 ? e->modules[1].path
								     : "RAMDISK");
			if (chosen_raw && c == 0 && !efi)
				diag_note(d, f.path, "a raw module (ucode=%ld): refresh "
					  "does not rewrite it; mkucode --raw DIR writes "
					  "the newest, then copy it over this file", u.index);
		}
		for (size_t i = from; i < a->n_rows; i++) {
			struct audit_row *w = &a->rows[i];

			if (chosen == claimed && !(u.scan && scanned >= 0) &&
			    !holds(e->modules[chosen].file, &w->row.cpu, &h, d) && h.cpio) {
				silence(&w->row.loader[2], true, efi
					? "Xen 4.17 takes a raw vendor file as xen.efi's "
					  "ucode=, not a cpio"
					: "Xen 4.17 takes a raw vendor file with ucode=<n>, "
					  "not a cpio");
				if (efi)
					add_finding(&w->findings, "xen-index-cpio", e->config,
						    DIAG_NO_OFFSET, e->modules[chosen].line,
						    BIT(UC_XEN_4_17), EXIT_SHOULD_FIX,
						    "ucode=%s names a cpio, which Xen 4.17 "
						    "ignores (newer Xen reads it); fix: a raw "
						    "file there (mkucode --raw DIR), or ucode=scan "
						    "in options= with the cpio in front of the "
						    "ramdisk (mkucode --prepend)",
						    e->modules[chosen].path);
				else
					add_finding(&w->findings, "xen-index-cpio", e->config,
						    DIAG_NO_OFFSET, e->modules[chosen].line,
						    BIT(UC_XEN_4_17), EXIT_SHOULD_FIX,
						    "ucode=%ld names a cpio, which Xen 4.17 "
						    "ignores (newer Xen reads it); fix: ucode=scan",
						    u.index);
			}
			initrd_in.path = e->modules[chosen].file;
			judge_row(w, nw, a->loaders, &initrd_in, NULL, raw_fix,
				  EXIT_NO_MICROCODE);
		}
		free(raw_fix);
		raw_fix = NULL;
	}
	return 0;
}

int audit_entry(const struct boot_entry *e, const struct verdict_cpu *cpus,
		size_t n_cpus, const struct audit_newest *nw,
		const struct audit_opts *o, struct audit_entry *out,
		struct diags *d)
{
	bool malformed = false;
	int r = 0;

	memset(out, 0, sizeof(*out));
	out->entry = e;
	out->loaders = e->kind == BOOT_XEN ? XEN_LOADERS : LINUX_LOADERS;
	if (e->unresolved) {
		add_finding(&out->findings, "unresolved", e->config, DIAG_NO_OFFSET,
			    e->line, 0, EXIT_OK, "not checked: %s",
			    e->why ? e->why : "it cannot be resolved statically");
	} else if (e->kind == BOOT_XEN) {
		r = audit_xen(out, cpus, n_cpus, nw, o, &malformed, d);
	} else {
		r = audit_linux(out, cpus, n_cpus, nw, &malformed, d);
	}
	out->status = EXIT_OK;
	for (size_t i = 0; i < out->n_rows; i++)
		out->status = worse(out->status, out->rows[i].status);
	for (size_t i = 0; i < out->findings.n; i++)
		out->status = worse(out->status, out->findings.v[i].status);
	if (r || malformed)
		out->status = EXIT_ERROR;
	return r;
}

void audit_entry_free(struct audit_entry *a)
{
	for (size_t i = 0; i < a->n_rows; i++) {
		struct verdict_row *r = &a->rows[i].row;

		for (size_t k = 0; k < VERDICT_LOADERS; k++)
			free(r->loader[k].why);
		for (size_t j = 0; j < r->n_problems; j++)
			free(r->problems[j].message);
		free(r->problems);
		findings_free(&a->rows[i].findings);
	}
	free(a->rows);
	findings_free(&a->findings);
	memset(a, 0, sizeof(*a));
}

const char *audit_status_name(int status)
{
	switch (status) {
	case EXIT_OK: return "ok";
	case EXIT_SHOULD_FIX: return "to fix";
	case EXIT_NO_MICROCODE: return "no microcode";
	default: return "error";
	}
}

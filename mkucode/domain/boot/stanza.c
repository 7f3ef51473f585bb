// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * One boot entry for `mkucode stanza`: built from the request and what the
 * files hold, audited as status audits entries, written for GRUB or
 * syslinux, and read back by the same parsers status uses.
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
#include "domain/boot/discover.h"
#include "domain/boot/grub.h"
#include "domain/boot/stanza.h"
#include "domain/boot/syslinux.h"
#include "domain/early.h"
#include "domain/ucode.h"
#include "util/alloc.h"
#include "util/exit.h"
#include "util/fileio.h"
#include "vendor/amd.h"
#include "vendor/intel.h"

#define EARLY_MAX ((size_t)128 << 20)
/* More than any vendor's file holds (Intel's all-models file: a few MiB). */
#define RAW_MAX ((off_t)64 << 20)

char *stanza_file(const char *root, const char *path)
{
	return root ? xasprintf("%s%s", root, path) : xstrdup(path);
}

/* ---- what a file holds ---- */

/* A regular file under the root: 0 with *full, or -1 after an error. */
static int existing(const char *root, const char *path, const char *opt,
		    char **full, struct diags *d)
{
	struct stat st;

	*full = stanza_file(root, path);
	if (stat(*full, &st))
		return diag_sys(d, *full, errno, "%s", opt);
	if (!S_ISREG(st.st_mode))
		return diag_error(d, *full, "%s: not a regular file", opt);
	return 0;
}

enum { CARRIES_INTEL = 1, CARRIES_AMD = 2 };

/* The vendor files its early part names: CARRIES_* bits (*at: the first
 * one's member offset), 0, or -1. */
static int carries_cpio(const char *file, uint64_t *at, struct diags *d)
{
	static const struct early_opts opts = { false, EARLY_MAX };
	static const char *const paths[] = { UC_CPIO_PATH_INTEL, UC_CPIO_PATH_AMD };
	struct early_input in = { .path = file, .fd = -1 };
	struct uc_cpio_entry ce;
	struct early_part ep;
	int found = 0;

	if (early_read_inputs(&ep, &in, 1, &opts, d))
		return -1;
	for (size_t i = 0; i < 2; i++) {
		if (!uc_cpio_find(ep.buf, ep.len, paths[i], &ce)) {
			if (!found)
				early_locate(&ep, ce.offset, at);
			found |= 1 << i;
		}
	}
	early_free(&ep);
	return found;
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

/*
 * Where one vendor's data at the start of buf stops: the first byte that
 * is not part of its updates (Intel, walked as Xen walks them) or of its
 * containers (AMD: magic, equivalence table, then sections of type 1,
 * each its length long), or len.
 */
static size_t vendor_run(const uint8_t *buf, size_t len, bool intel)
{
	size_t pos = 0;

	if (intel) {
		struct uc_intel_update u;

		while (uc_intel_next(buf, len, &pos, UC_XEN_4_17, &u) > 0)
			;
		return pos;
	}
	while (len - pos >= UC_AMD_CONTAINER_HDR_SIZE &&
	       uc_amd_probe(buf + pos, len - pos)) {
		uint32_t table = le32(buf + pos + 8);

		if (table > len - pos - UC_AMD_CONTAINER_HDR_SIZE)
			return len;
		pos += UC_AMD_CONTAINER_HDR_SIZE + (size_t)table;
		/* An Intel header starts with 1 too: it ends the container. */
		while (len - pos >= UC_AMD_SECTION_HDR_SIZE &&
		       le32(buf + pos) == UC_AMD_TYPE_PATCH &&
		       !uc_intel_probe(buf + pos, len - pos)) {
			uint32_t section = le32(buf + pos + 4);

			if (section > len - pos - UC_AMD_SECTION_HDR_SIZE)
				return len;
			pos += UC_AMD_SECTION_HDR_SIZE + (size_t)section;
		}
	}
	return pos;
}

/*
 * A raw vendor file as Xen's ucode=<n> takes it: one vendor's updates
 * only.  0, or -1 after an error naming what it is instead.
 */
static int raw_module(const char *file, struct diags *d)
{
	struct gather_opts go = { 0 };
	struct ucode_set set = { 0 };
	char *src;
	uint8_t head[64], *data;
	struct stat st;
	size_t len;
	bool seen[2] = { false, false };
	ssize_t got;
	int fd, rc = 0;

	fd = open(file, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return diag_sys(d, file, errno, "--raw");
	if (fstat(fd, &st) || st.st_size > RAW_MAX) {
		close(fd);
		return diag_error(d, file, "--raw: larger than %lld MiB, which no "
				  "raw vendor file is", (long long)(RAW_MAX >> 20));
	}
	got = pread(fd, head, sizeof(head), 0);
	close(fd);
	if (got < 0)
		return diag_sys(d, file, errno, "--raw");
	if (!uc_intel_probe(head, (size_t)got) && !uc_amd_probe(head, (size_t)got))
		return diag_error(d, file, "--raw: %s", uc_cpio_probe(head, (size_t)got)
				  ? "an early cpio, not a raw vendor file (Xen 4.17 "
				    "ignores a cpio named by ucode=<n>); give it "
				    "with --early (ucode=scan)"
				  : "not a raw vendor file (GenuineIntel.bin or "
				    "AuthenticAMD.bin, as mkucode --raw writes)");
	if (!read_file(file, &data, &len, d)) {
		bool intel = uc_intel_probe(data, len);
		size_t end = vendor_run(data, len, intel);

		if (end < len && (intel ? uc_amd_probe(data + end, len - end)
					: uc_intel_probe(data + end, len - end)))
			rc = diag_add(d, DIAG_ERROR, file, end, 0, 0, "--raw: %s "
				      "microcode follows the %s: the file holds both "
				      "vendors' data, and Xen reads one vendor's file "
				      "as a whole (mkucode --raw DIR writes one per "
				      "vendor)", intel ? "AMD" : "Intel",
				      intel ? "Intel updates" : "AMD containers");
		free(data);
		if (rc)
			return rc;
	} else {
		return -1;
	}
	src = xstrdup(file);
	if (gather(&set, &src, 1, &go, d)) {
		ucode_set_free(&set);
		free(src);
		return -1;
	}
	for (size_t i = 0; i < set.n; i++)
		seen[set.items[i].vendor] = true;
	if (seen[UC_VENDOR_INTEL] && seen[UC_VENDOR_AMD])
		rc = diag_error(d, file, "--raw: holds both Intel and AMD microcode; "
				"Xen reads one vendor's file as a whole (mkucode "
				"--raw DIR writes one file per vendor)");
	ucode_set_free(&set);
	free(src);
	return rc;
}

/* ---- the entry ---- */

/* Blanks collapsed to single spaces; NULL for none. */
static char *words(const char *s)
{
	char *out, *o;
	bool blank = true;

	if (!s)
		return NULL;
	o = out = xmalloc(strlen(s) + 1);
	for (; *s; s++) {
		if (*s == ' ' || *s == '\t') {
			blank = true;
			continue;
		}
		if (blank && o > out)
			*o++ = ' ';
		blank = false;
		*o++ = *s;
	}
	*o = '\0';
	if (!*out) {
		free(out);
		return NULL;
	}
	return out;
}

static bool has_word_prefix(const char *s, const char *prefix)
{
	size_t n = strlen(prefix);

	for (const char *p = s; p && *p; p += strcspn(p, " ")) {
		p += strspn(p, " ");
		if (!strncmp(p, prefix, n))
			return true;
	}
	return false;
}

static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');

	return s && s[1] ? s + 1 : path;
}

static char *default_title(const struct stanza_request *r)
{
	if (r->xen)
		return xasprintf("Xen %s, Linux %s", base_name(r->xen),
				 base_name(r->kernel));
	return xasprintf("Linux %s", base_name(r->kernel));
}

/* The second source shadowing what the initrd carries: which loader reads which. */
static int shadowing(const struct stanza_request *r, const char *initrd,
		     uint64_t at, struct diags *d)
{
	if (r->raw)
		return diag_add(d, DIAG_ERROR, initrd, at, 0, 0, "already carries "
				"early microcode: with --raw %s Xen reads only the raw "
				"module (ucode=<n>) and this copy is dead; drop --raw "
				"(the entry gets ucode=scan), or mkucode strip %s",
				r->raw, initrd);
	if (r->xen)
		return diag_add(d, DIAG_ERROR, initrd, at, 0, 0, "already carries "
				"early microcode: Xen's ucode=scan takes the first module "
				"with a vendor path, this one, and --early %s would be a "
				"dead copy; drop --early, or mkucode strip %s", r->earlies[0],
				initrd);
	return diag_add(d, DIAG_ERROR, initrd, at, 0, 0, "already carries early "
			"microcode: --early %s in front of it would shadow it (the "
			"first archive with a vendor path wins); drop --early, or "
			"mkucode strip %s", r->earlies[0], initrd);
}

int stanza_entry(const struct stanza_request *r, struct boot_entries *list,
		 struct diags *d)
{
	/* What carries the microcode besides the initrds: early images, or
	 * Xen's raw module. */
	const char *const *extra = r->raw ? &r->raw : r->earlies;
	size_t n_extra = r->raw ? 1 : r->n_earlies;
	const char *extra_opt = r->raw ? "--raw" : "--early";
	char *kernel = NULL, *xen = NULL;
	char **extra_files = xzalloc((n_extra + 1) * sizeof(*extra_files));
	char **initrds = xzalloc((r->n_initrds + 1) * sizeof(*initrds));
	int vendors = 0;
	char *append = words(r->append), *xen_args = words(r->xen_args);
	size_t errors = d->errors;
	struct boot_entry *e;
	uint64_t at = 0;
	int rc = -1;

	if (r->raw && !r->xen) {
		diag_error(d, NULL, "--raw needs --xen: Linux reads no raw vendor "
			   "file (an early cpio: --early FILE, or mkucode --prepend "
			   "INITRD)");
		goto out;
	}
	existing(r->root, r->kernel, "--kernel", &kernel, d);
	for (size_t i = 0; i < r->n_initrds; i++)
		existing(r->root, r->initrds[i], "--initrd", &initrds[i], d);
	if (r->xen)
		existing(r->root, r->xen, "--xen", &xen, d);
	for (size_t i = 0; i < n_extra; i++)
		existing(r->root, extra[i], extra_opt, &extra_files[i], d);
	if (d->errors > errors)
		goto out;

	if (r->xen && !r->n_initrds) {
		diag_error(d, NULL, "a Xen entry needs dom0's --initrd: Xen hands "
			   "dom0 the first module after its kernel");
		goto out;
	}
	if (r->xen && r->n_initrds > 1) {
		diag_error(d, initrds[1], "--initrd: Xen hands dom0 one initrd, the "
			   "first module after its kernel; join them first (cat)");
		goto out;
	}
	if (xen_args && has_word_prefix(xen_args, "ucode=")) {
		diag_error(d, NULL, "--xen-args has ucode=: stanza chooses it from "
			   "what the files hold");
		goto out;
	}
	if (append && has_word_prefix(append, "initrd=")) {
		diag_error(d, NULL, "--append has initrd=: give initrds with --initrd");
		goto out;
	}
	if (r->raw && raw_module(extra_files[0], d))
		goto out;
	for (size_t i = 0; i < r->n_earlies; i++) {
		int k = carries_cpio(extra_files[i], &at, d);

		if (k < 0)
			goto out;
		if (!k) {
			diag_error(d, extra_files[i], "--early: holds no early microcode "
				   "(no %s or %s at the front); write one with "
				   "mkucode -o FILE", UC_CPIO_PATH_INTEL, UC_CPIO_PATH_AMD);
			goto out;
		}
		/* Each vendor's file is read from the first archive naming it. */
		if (k & vendors) {
			diag_add(d, DIAG_ERROR, extra_files[i], at, 0, 0, "--early: "
				 "carries %s microcode, as an earlier --early does: the "
				 "first archive with the vendor path wins, and this copy "
				 "would be dead; join them (mkucode -o FILE IMAGE...) or "
				 "give one", k & vendors & CARRIES_INTEL ? "Intel" : "AMD");
			goto out;
		}
		vendors |= k;
	}
	for (size_t i = 0; n_extra && i < r->n_initrds; i++) {
		int k = carries_cpio(initrds[i], &at, d);

		if (k < 0)
			goto out;
		if (k) {
			shadowing(r, initrds[i], at, d);
			goto out;
		}
	}

	e = boot_entry_add(list, r->loader == STANZA_GRUB ? BOOT_FROM_GRUB
						       : BOOT_FROM_SYSLINUX,
			   r->xen ? BOOT_XEN : BOOT_LINUX);
	e->title = r->title ? xstrdup(r->title) : default_title(r);
	if (r->xen) {
		struct boot_file *f;
		size_t ucode_index;

		e->xen.path = xstrdup(r->xen);
		e->xen.file = xen;
		xen = NULL;
		f = boot_entry_add_module(e, r->kernel, append, 0);
		f->file = kernel;
		kernel = NULL;
		for (size_t i = 0; i < r->n_initrds; i++) {
			f = boot_entry_add_module(e, r->initrds[i], NULL, 0);
			f->file = initrds[i];
			initrds[i] = NULL;
		}
		for (size_t i = 0; i < n_extra; i++) {
			f = boot_entry_add_module(e, extra[i], NULL, 0);
			f->file = extra_files[i];
			extra_files[i] = NULL;
		}
		ucode_index = e->n_modules - 1;
		for (size_t i = 0; r->loader == STANZA_GRUB && i < e->n_modules; i++)
			e->modules[i].nounzip = true;
		if (r->raw)
			e->xen_cmdline = xasprintf("%s%sucode=%zu", xen_args ? xen_args : "",
						   xen_args ? " " : "", ucode_index);
		else
			e->xen_cmdline = xasprintf("%s%sucode=scan", xen_args ? xen_args : "",
						   xen_args ? " " : "");
	} else {
		struct boot_file *f;

		e->kernel.path = xstrdup(r->kernel);
		e->kernel.file = kernel;
		kernel = NULL;
		e->cmdline = append;
		append = NULL;
		for (size_t i = 0; i < r->n_earlies; i++) {
			f = boot_entry_add_initrd(e, r->earlies[i], 0);
			f->file = extra_files[i];
			extra_files[i] = NULL;
		}
		for (size_t i = 0; i < r->n_initrds; i++) {
			f = boot_entry_add_initrd(e, r->initrds[i], 0);
			f->file = initrds[i];
			initrds[i] = NULL;
		}
		if (r->loader == STANZA_SYSLINUX)
			e->initrd_align = SYSLINUX_INITRD_ALIGN;
	}
	rc = 0;
out:
	for (size_t i = 0; i < r->n_initrds; i++)
		free(initrds[i]);
	free(initrds);
	for (size_t i = 0; i < n_extra; i++)
		free(extra_files[i]);
	free(extra_files);
	free(kernel);
	free(xen);
	free(append);
	free(xen_args);
	return rc;
}

/* ---- the check ---- */

static void refuse_findings(const struct audit_findings *l, struct diags *d)
{
	for (size_t i = 0; i < l->n; i++) {
		const struct audit_finding *f = &l->v[i];
		bool said = false;

		if (f->status == EXIT_OK)
			continue;
		/* The same finding for another platform variant: said once. */
		for (size_t j = 0; j < d->n && !said; j++)
			said = d->v[j].level == DIAG_ERROR &&
			       strstr(d->v[j].text, f->message) &&
			       !strncmp(d->v[j].text, f->code, strlen(f->code));
		if (!said)
			diag_add(d, DIAG_ERROR, f->file, f->offset, 0, 0, "%s: %s",
				 f->code, f->message);
	}
}

static bool row_served(const struct verdict_row *w)
{
	for (size_t k = 0; k < VERDICT_LOADERS; k++)
		if (w->loader[k].counts && !w->loader[k].err)
			return true;
	return false;
}

int stanza_check(const struct boot_entry *e, const struct verdict_cpu *cpus,
		 size_t n_cpus, const struct audit_newest *nw,
		 const char *root, struct diags *d)
{
	const struct audit_opts o = { root, boot_resolve };
	size_t errors = d->errors;

	if (!n_cpus)
		return diag_error(d, NULL, "none of the entry's files holds microcode "
				  "for the CPUs asked about, so no loader would find "
				  "any; prepend it (mkucode --prepend INITRD), or give "
				  "--early FILE or (Xen) --raw FILE");
	/* One CPU at a time: its rows (one per platform variant) are its own. */
	for (size_t c = 0; c < n_cpus; c++) {
		struct audit_entry a;
		bool served = false;

		if (audit_entry(e, &cpus[c], 1, nw, &o, &a, d))
			return -1;
		if (a.status == EXIT_ERROR) {
			audit_entry_free(&a);
			if (d->errors == errors)
				diag_error(d, NULL, "the entry's files cannot be read "
					   "as a loader reads them");
			return -1;
		}
		refuse_findings(&a.findings, d);
		for (size_t i = 0; i < a.n_rows; i++) {
			refuse_findings(&a.rows[i].findings, d);
			served |= row_served(&a.rows[i].row);
		}
		if (!served && a.n_rows) {
			const struct verdict_row *w = &a.rows[0].row;
			const char *why = NULL;
			char label[64], names[64];

			/* The first loader's reason, when it is more than "none". */
			for (size_t k = 0; k < VERDICT_LOADERS && !why; k++)
				if (w->loader[k].counts)
					why = w->loader[k].why;
			verdict_row_label(w, label, sizeof(label));
			verdict_loader_names(a.loaders, names, sizeof(names));
			diag_error(d, NULL, "%s: no loader would load microcode from "
				   "this entry (%s)%s%s", label, names, why ? ": " : "",
				   why ? why : "");
		}
		audit_entry_free(&a);
	}
	return d->errors > errors ? -1 : 0;
}

/* ---- writing ---- */

static bool has_control(const char *s)
{
	for (; s && *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return true;
	return false;
}

/* Characters a GRUB word may hold unquoted: no expansion, no glob, no syntax. */
static bool grub_plain(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			    "0123456789_-./,:=+@%^~", *s))
			return false;
	return true;
}

/* One GRUB word that the lexer reads back as s: plain, or in single quotes. */
static void grub_word(FILE *f, const char *s)
{
	if (grub_plain(s)) {
		fputs(s, f);
		return;
	}
	fputc('\'', f);
	for (; *s; s++) {
		if (*s == '\'')
			fputs("'\\''", f);
		else
			fputc(*s, f);
	}
	fputc('\'', f);
}

/* A command line, word by word; what GRUB would alter is refused. */
static int grub_args(FILE *f, const char *args, const char *what, struct diags *d)
{
	char *copy, *save = NULL;

	if (!args)
		return 0;
	if (strpbrk(args, "\"'\\"))
		return diag_error(d, NULL, "%s: a quote or backslash, which GRUB "
				  "escapes with a backslash when it builds the command "
				  "line, so the kernel would not get it as written", what);
	copy = xstrdup(args);
	for (char *w = strtok_r(copy, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
		fputc(' ', f);
		grub_word(f, w);
	}
	free(copy);
	return 0;
}

static int render_grub(const struct boot_entry *e, FILE *f, struct diags *d)
{
	int r = 0;

	fputs("menuentry ", f);
	grub_word(f, e->title);
	fputs(" {\n", f);
	if (e->kind == BOOT_LINUX) {
		fputs("\tlinux ", f);
		grub_word(f, e->kernel.path);
		r |= grub_args(f, e->cmdline, "--append", d);
		fputc('\n', f);
		if (e->n_initrds) {
			fputs("\tinitrd", f);
			for (size_t i = 0; i < e->n_initrds; i++) {
				fputc(' ', f);
				grub_word(f, e->initrds[i].path);
			}
			fputc('\n', f);
		}
	} else {
		fputs("\tmultiboot2 ", f);
		grub_word(f, e->xen.path);
		r |= grub_args(f, e->xen_cmdline, "--xen-args", d);
		fputc('\n', f);
		/* One line per file: GRUB loads the first word after the options. */
		for (size_t i = 0; i < e->n_modules; i++) {
			fputs("\tmodule2 --nounzip ", f);
			grub_word(f, e->modules[i].path);
			r |= grub_args(f, e->modules[i].args, "--append", d);
			fputc('\n', f);
		}
	}
	fputs("}\n", f);
	return r;
}

/* A path syslinux can name: no blank (it ends the word), no comma in an
 * initrd list. */
static int syslinux_path(const char *path, const char *what, bool in_list,
			 struct diags *d)
{
	if (strpbrk(path, " \t"))
		return diag_error(d, NULL, "%s %s: syslinux has no quoting, so a path "
				  "with a blank cannot be named", what, path);
	if (in_list && strchr(path, ','))
		return diag_error(d, NULL, "%s %s: a comma separates syslinux's "
				  "initrds, so it cannot be in a name", what, path);
	if (!strcmp(path, "---"))
		return diag_error(d, NULL, "%s %s: mboot.c32 takes --- for a "
				  "separator", what, path);
	return 0;
}

static int syslinux_args(const char *args, const char *what, bool xen,
			 struct diags *d)
{
	if (xen && args && (!strcmp(args, "---") || !strncmp(args, "--- ", 4) ||
			    strstr(args, " --- ") ||
			    (strlen(args) >= 4 && !strcmp(args + strlen(args) - 4, " ---"))))
		return diag_error(d, NULL, "%s: mboot.c32 takes a --- word for the "
				  "end of a module's arguments, so it cannot be one", what);
	return 0;
}

/* A LABEL name: the title's letters, digits and ._- (others become -). */
static char *label_name(const struct stanza_request *r)
{
	const char *from = r->title;
	char *s, *p;

	if (!from) {
		const char *b = base_name(r->kernel);

		if (!strncmp(b, "vmlinuz-", 8) || !strncmp(b, "vmlinux-", 8))
			b += 8;
		s = xasprintf("%s-%s", r->xen ? "xen" : "linux", b);
	} else {
		s = xstrdup(from);
	}
	for (p = s; *p; p++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			    "0123456789._-", *p))
			*p = '-';
	return s;
}

static int render_syslinux(const struct stanza_request *r,
			   const struct boot_entry *e, FILE *f, struct diags *d)
{
	char *label = label_name(r);
	int rc = 0;

	if (strchr(e->title, '^'))
		rc = diag_error(d, NULL, "--title: syslinux's MENU LABEL takes ^ "
				"for the hotkey mark");
	fprintf(f, "LABEL %s\n\tMENU LABEL %s\n", label, e->title);
	free(label);
	if (e->kind == BOOT_LINUX) {
		rc |= syslinux_path(e->kernel.path, "--kernel", false, d);
		fprintf(f, "\tLINUX %s\n\tAPPEND %s\n", e->kernel.path,
			e->cmdline ? e->cmdline : "-");
		if (e->n_initrds) {
			fputs("\tINITRD ", f);
			for (size_t i = 0; i < e->n_initrds; i++) {
				rc |= syslinux_path(e->initrds[i].path, "initrd", true, d);
				fprintf(f, "%s%s", i ? "," : "", e->initrds[i].path);
			}
			fputc('\n', f);
		}
	} else {
		const char *mboot = r->mboot ? r->mboot : "mboot.c32";

		rc |= syslinux_path(mboot, "--mboot", false, d);
		rc |= syslinux_path(e->xen.path, "--xen", false, d);
		rc |= syslinux_args(e->xen_cmdline, "--xen-args", true, d);
		fprintf(f, "\tKERNEL %s\n\tAPPEND %s%s%s", mboot, e->xen.path,
			e->xen_cmdline ? " " : "", e->xen_cmdline ? e->xen_cmdline : "");
		for (size_t i = 0; i < e->n_modules; i++) {
			const struct boot_file *m = &e->modules[i];

			rc |= syslinux_path(m->path, "module", false, d);
			rc |= syslinux_args(m->args, "--append", true, d);
			fprintf(f, " --- %s%s%s", m->path, m->args ? " " : "",
				m->args ? m->args : "");
		}
		fputc('\n', f);
	}
	return rc;
}

char *stanza_render(const struct stanza_request *r, const struct boot_entry *e,
		    struct diags *d)
{
	const char *texts[] = { e->title, e->cmdline, e->xen_cmdline, e->kernel.path,
				e->xen.path, r->mboot };
	size_t errors = d->errors;
	char *out = NULL;
	size_t len = 0;
	FILE *f;
	int rc;

	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++)
		if (has_control(texts[i]))
			return diag_error(d, NULL, "a control character (a newline, "
					  "a tab in a path) in `%s`: no loader's "
					  "config can hold it", texts[i]), NULL;
	for (size_t i = 0; i < e->n_initrds; i++)
		if (has_control(e->initrds[i].path))
			return diag_error(d, NULL, "a control character in a path"), NULL;
	for (size_t i = 0; i < e->n_modules; i++)
		if (has_control(e->modules[i].path) || has_control(e->modules[i].args))
			return diag_error(d, NULL, "a control character in a module"), NULL;
	f = open_memstream(&out, &len);
	if (!f) {
		diag_sys(d, NULL, errno, "out of memory");
		return NULL;
	}
	rc = r->loader == STANZA_GRUB ? render_grub(e, f, d) : render_syslinux(r, e, f, d);
	if (fclose(f) || rc || d->errors > errors) {
		free(out);
		return NULL;
	}
	return out;
}

/* ---- reading it back ---- */

static bool same(const char *a, const char *b)
{
	return !strcmp(a ? a : "", b ? b : "");
}

static int differs(const char *what, const char *want, const char *got,
		   struct diags *d)
{
	return diag_error(d, NULL, "internal error: the entry written reads back "
			  "with %s `%s`, not `%s`; nothing printed", what,
			  got ? got : "", want ? want : "");
}

int stanza_reparse(const struct stanza_request *r, const char *text,
		   const struct boot_entry *e, struct diags *d)
{
	struct boot_entries back = { 0 };
	struct diags said = { 0 };
	const struct boot_entry *b;
	char *want = NULL, *list = NULL;
	int rc = -1;

	if (r->loader == STANZA_GRUB ? grub_cfg_parse(text, strlen(text), "stanza",
						      &back, &said)
				     : syslinux_cfg_parse(text, strlen(text), "stanza",
							  &back, &said)) {
		diag_move(d, &said);
		diag_error(d, NULL, "internal error: the entry written does not parse");
		goto out;
	}
	if (said.n) {
		diag_error(d, NULL, "internal error: the entry written reads back with "
			   "a remark: %s", said.v[0].text);
		goto out;
	}
	if (back.n != 1 || back.v[0].unresolved || back.v[0].kind != e->kind) {
		diag_error(d, NULL, "internal error: the entry written reads back as "
			   "%zu entries", back.n);
		goto out;
	}
	b = &back.v[0];
	if (!same(b->title, e->title)) {
		differs("the title", e->title, b->title, d);
		goto out;
	}
	if (e->kind == BOOT_LINUX) {
		size_t at = 0;

		if (!same(b->kernel.path, e->kernel.path)) {
			differs("the kernel", e->kernel.path, b->kernel.path, d);
			goto out;
		}
		if (r->loader == STANZA_SYSLINUX) {
			/* ldlinux's command line: BOOT_IMAGE=, APPEND, initrd=. */
			for (size_t i = 0; i < e->n_initrds; i++)
				at += strlen(e->initrds[i].path) + 1;
			list = xmalloc(at + 1);
			list[0] = '\0';
			for (size_t i = 0; i < e->n_initrds; i++) {
				if (i)
					strcat(list, ",");
				strcat(list, e->initrds[i].path);
			}
			want = xasprintf("BOOT_IMAGE=%s %s%s%s%s", e->kernel.path,
					 e->cmdline ? e->cmdline : "",
					 e->cmdline && e->n_initrds ? " " : "",
					 e->n_initrds ? "initrd=" : "", list);
		} else {
			want = xstrdup(e->cmdline ? e->cmdline : "");
		}
		if (!same(b->cmdline, want)) {
			differs("the command line", want, b->cmdline, d);
			goto out;
		}
		if (b->n_initrds != e->n_initrds || b->initrd_align != e->initrd_align) {
			diag_error(d, NULL, "internal error: the entry written reads back "
				   "with %zu initrds, not %zu", b->n_initrds, e->n_initrds);
			goto out;
		}
		for (size_t i = 0; i < e->n_initrds; i++)
			if (!same(b->initrds[i].path, e->initrds[i].path)) {
				differs("an initrd", e->initrds[i].path, b->initrds[i].path, d);
				goto out;
			}
	} else {
		if (!same(b->xen.path, e->xen.path) ||
		    !same(b->xen_cmdline, e->xen_cmdline)) {
			differs("Xen", e->xen_cmdline, b->xen_cmdline, d);
			goto out;
		}
		if (b->n_modules != e->n_modules) {
			diag_error(d, NULL, "internal error: the entry written reads back "
				   "with %zu modules, not %zu", b->n_modules, e->n_modules);
			goto out;
		}
		for (size_t i = 0; i < e->n_modules; i++)
			if (!same(b->modules[i].path, e->modules[i].path) ||
			    !same(b->modules[i].args, e->modules[i].args) ||
			    b->modules[i].nounzip != e->modules[i].nounzip ||
			    b->modules[i].args_name_files) {
				differs("a module", e->modules[i].path, b->modules[i].path, d);
				goto out;
			}
	}
	rc = 0;
out:
	free(want);
	free(list);
	diags_free(&said);
	boot_entries_free(&back);
	return rc;
}

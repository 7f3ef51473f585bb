// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * syslinux-family configs, read as syslinux 6 (ldlinux) reads them.  A
 * line is a keyword, whitespace, then its argument to the end of the line;
 * '#' starts a comment line.  A label's directives are collected until the
 * next LABEL or the end, then turned into an entry the way ldlinux turns
 * them into a command:
 *   KERNEL-LINE [APPEND] [" initrd=" INITRD]
 * (the label's APPEND, else the global one; `APPEND -` is none).  Its
 * first word is the file to boot, the rest its arguments.  A Linux kernel
 * gets "BOOT_IMAGE=FILE ARGS" as its command line, and its initrds are the
 * comma-separated names after the first "initrd=" in that line, so an
 * initrd= in APPEND wins over INITRD, which comes after it.  mboot.c32
 * gets the arguments as its own and splits them on `---`.  Whatever
 * would make the boot fail (an empty initrd name) is an error; what we
 * cannot check statically makes the entry unresolved.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "domain/boot/syslinux.h"
#include "util/alloc.h"

struct text {
	const char *s;          /* not terminated */
	size_t n;
};

struct directive {
	char *arg;              /* NULL: not given */
	unsigned int line;
	size_t off;
};

struct label {
	struct directive label, title, kernel, append, initrd;
	char *kind;             /* the kernel keyword: KERNEL, LINUX, COM32, ... */
};

struct parser {
	const char *name;
	struct diags *d;
	struct boot_entries *out;
	struct directive global_append, default_label;
	struct label cur;
	bool in_label;
	char **labels;          /* each entry's LABEL name, for DEFAULT */
	size_t n_labels;
};

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static struct text next_word(struct text *t)
{
	struct text w;

	while (t->n && is_blank(*t->s))
		t->s++, t->n--;
	w.s = t->s;
	while (t->n && !is_blank(*t->s))
		t->s++, t->n--;
	w.n = (size_t)(t->s - w.s);
	while (t->n && is_blank(*t->s))
		t->s++, t->n--;
	return w;
}

static bool word_is(struct text w, const char *kw)
{
	return w.n == strlen(kw) && !strncasecmp(w.s, kw, w.n);
}

static char *dup_text(struct text t)
{
	char *s = xmalloc(t.n + 1);

	memcpy(s, t.s, t.n);
	s[t.n] = '\0';
	return s;
}

__attribute__((format(printf, 4, 5)))
static int error_at(struct parser *p, size_t off, unsigned int line,
		    const char *fmt, ...)
{
	char what[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	return diag_add(p->d, DIAG_ERROR, p->name, off, 0, 0, "line %u: %s",
			line, what);
}

static void directive_set(struct directive *dir, struct text arg,
			  unsigned int line, size_t off)
{
	free(dir->arg);
	dir->arg = dup_text(arg);
	dir->line = line;
	dir->off = off;
}

static void label_clear(struct label *l)
{
	free(l->label.arg);
	free(l->title.arg);
	free(l->kernel.arg);
	free(l->append.arg);
	free(l->initrd.arg);
	free(l->kind);
	memset(l, 0, sizeof(*l));
}

static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);

	return n >= k && !strcasecmp(s + n - k, suffix);
}

/* What KERNEL's extension makes a file, as syslinux decides; NULL: Linux. */
static const char *kernel_type(const char *path)
{
	static const char *const types[][2] = {
		{ ".c32", "a COM32 module" }, { ".cbt", "a COMBOOT program" },
		{ ".com", "a COMBOOT program" }, { ".0", "a PXE program" },
		{ ".bin", "a boot sector" }, { ".bs", "a boot sector" },
		{ ".bss", "a boot sector" }, { ".img", "a disk image" },
	};

	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (ends_with(path, types[i][0]))
			return types[i][1];
	return NULL;
}

static bool has_word(const char *cmdline, const char *word)
{
	struct text t = { cmdline, strlen(cmdline) }, w;

	while ((w = next_word(&t)).n)
		if (w.n == strlen(word) && !memcmp(w.s, word, w.n))
			return true;
	return false;
}

/*
 * The initrds of a Linux command line, as ldlinux finds them: after the
 * first "initrd=" anywhere in it, names up to a blank, more after each
 * comma.  An empty name is an error: syslinux fails to load "" and the
 * entry does not boot.  dir is the directive the names came from.
 */
static int add_initrds(struct parser *p, struct boot_entry *e,
		       const char *cmdline, const struct directive *dir)
{
	const char *s = strstr(cmdline, "initrd=");

	if (!s)
		return 0;
	s += strlen("initrd=");
	for (;;) {
		size_t n = strcspn(s, " \t,");

		if (!n)
			return error_at(p, dir->off, dir->line,
					"an empty name in the initrd list of `%s`",
					dir->arg);
		boot_entry_add_initrd(e, "", dir->line);
		free(e->initrds[e->n_initrds - 1].path);
		e->initrds[e->n_initrds - 1].path = dup_text((struct text){ s, n });
		s += n;
		if (*s != ',')
			return 0;
		s++;
	}
}

/* mboot.c32 ARGS: `XEN ARGS --- DOM0 ARGS [--- MODULE ARGS]...` */
static int xen_entry(struct parser *p, struct boot_entry *e,
		     const char *args, const struct directive *dir)
{
	struct text t = { args, strlen(args) }, w = { 0 };

	e->kind = BOOT_XEN;
	e->xen.line = e->kernel.line;
	free(e->kernel.path);
	e->kernel.path = NULL;
	e->kernel.line = 0;
	for (bool first = true;; first = false) {
		struct text path = next_word(&t), part;
		const char *args_end;

		if (!path.n || word_is(path, "---"))
			return error_at(p, dir->off, dir->line, "%s",
					first ? (path.n ? "mboot.c32 names no hypervisor before `---`"
							: "mboot.c32 without arguments names no hypervisor")
					      : "an empty module between `---` for mboot.c32");
		/* A part's arguments run to the next `---` word. */
		part = t;
		args_end = t.s;
		while ((w = next_word(&t)).n && !word_is(w, "---"))
			args_end = w.s + w.n;
		part.n = (size_t)(args_end - part.s);
		if (first) {
			e->xen.path = dup_text(path);
			e->xen_cmdline = part.n ? dup_text(part) : NULL;
		} else {
			struct boot_file *f = boot_entry_add_module(e, "", NULL, dir->line);

			free(f->path);
			f->path = dup_text(path);
			f->args = part.n ? dup_text(part) : NULL;
		}
		if (!w.n)
			break;          /* no `---` after this part */
		if (!t.n)
			return error_at(p, dir->off, dir->line,
					"mboot.c32 arguments end with `---`");
	}
	if (!e->n_modules)
		return error_at(p, dir->off, dir->line,
				"mboot.c32 names no dom0 kernel after `---`");
	return 0;
}

/* Turn the label collected so far into an entry. */
static int finish_label(struct parser *p)
{
	struct label *l = &p->cur;
	const struct directive *append, *kernel, *args_from;
	struct text cmd, file;
	struct boot_entry *e;
	const char *type, *a;
	char *command, *t;
	int r = 0;

	if (!p->in_label)
		return 0;
	p->in_label = false;
	e = boot_entry_add(p->out, BOOT_FROM_SYSLINUX, BOOT_LINUX);
	p->labels = xrealloc(p->labels, (p->n_labels + 1) * sizeof(*p->labels));
	p->labels[p->n_labels++] = xstrdup(l->label.arg);
	e->config = xstrdup(p->name);
	e->line = l->label.line;
	e->title = xstrdup(l->title.arg ? l->title.arg : l->label.arg);
	/* MENU LABEL marks the hotkey with ^; it is not part of the title. */
	t = e->title;
	for (const char *c = e->title; *c; c++)
		if (*c != '^')
			*t++ = *c;
	*t = '\0';

	/* Without a kernel directive a label boots the file it names. */
	kernel = l->kernel.arg ? &l->kernel : &l->label;
	append = l->append.arg ? &l->append : &p->global_append;
	a = append->arg && strcmp(append->arg, "-") ? append->arg : "";
	command = xasprintf("%s%s%s%s%s", kernel->arg, *a ? " " : "", a,
			    l->initrd.arg ? " initrd=" : "",
			    l->initrd.arg ? l->initrd.arg : "");
	cmd = (struct text){ command, strlen(command) };
	file = next_word(&cmd);         /* cmd: the arguments */
	e->kernel.path = dup_text(file);
	e->kernel.line = kernel->line;
	args_from = *a ? append : kernel;

	if (l->kind && strcmp(l->kind, "KERNEL") && strcmp(l->kind, "LINUX")) {
		if (!strcmp(l->kind, "CONFIG"))
			boot_entry_unresolved(e, "line %u: loads another config (%s), which is not followed",
					      l->kernel.line, e->kernel.path);
		else
			boot_entry_unresolved(e, "line %u: %s boots no Linux kernel",
					      l->kernel.line, l->kind);
		free(e->kernel.path);
		e->kernel.path = NULL;
	} else if ((type = l->kind && !strcmp(l->kind, "LINUX") ? NULL
			   : kernel_type(e->kernel.path))) {
		if (!strcasecmp(base_name(e->kernel.path), "mboot.c32")) {
			r = xen_entry(p, e, cmd.s, args_from);
			/* As for Linux: the dom0 kernel's command line says. */
			e->recovery = !r && e->modules[0].args &&
				      (has_word(e->modules[0].args, "single") ||
				       has_word(e->modules[0].args,
						"systemd.unit=rescue.target"));
		}
		else
			boot_entry_unresolved(e, "line %u: %s is %s, not a Linux kernel",
					      kernel->line, e->kernel.path, type);
	} else {
		const char *initrd_at;

		e->cmdline = xasprintf("BOOT_IMAGE=%s%s%.*s", e->kernel.path,
				       " ", (int)cmd.n, cmd.s);
		e->initrd_align = SYSLINUX_INITRD_ALIGN;
		e->recovery = has_word(e->cmdline, "single") ||
			      has_word(e->cmdline, "systemd.unit=rescue.target");
		/* Name the line the initrd list came from. */
		initrd_at = strstr(e->cmdline, "initrd=");
		if (initrd_at && l->initrd.arg &&
		    (size_t)(initrd_at - e->cmdline) + strlen(l->initrd.arg) + 7 ==
			    strlen(e->cmdline) &&
		    !strcmp(initrd_at + 7, l->initrd.arg))
			args_from = &l->initrd;
		r = add_initrds(p, e, e->cmdline, args_from);
	}
	free(command);
	label_clear(l);
	return r;
}

/* `MENU LABEL text` and `MENU INCLUDE file`; other MENU lines are looks. */
static void menu_line(struct parser *p, struct text rest, unsigned int line,
		      size_t off)
{
	struct text sub = next_word(&rest);

	if (word_is(sub, "LABEL")) {
		if (p->in_label && rest.n)
			directive_set(&p->cur.title, rest, line, off);
	} else if (word_is(sub, "INCLUDE")) {
		diag_note(p->d, p->name, "line %u: MENU INCLUDE %.*s is not followed: entries it defines are not listed",
			  line, (int)rest.n, rest.s);
	}
}

static bool is_kernel_keyword(struct text kw)
{
	static const char *const kws[] = {
		"KERNEL", "LINUX", "LOCALBOOT", "BOOT", "BSS", "PXE", "FDIMAGE",
		"COMBOOT", "COM32", "CONFIG",
	};

	for (size_t i = 0; i < sizeof(kws) / sizeof(kws[0]); i++)
		if (word_is(kw, kws[i]))
			return true;
	return false;
}

static int kernel_line(struct parser *p, struct text kw, struct text t,
		       unsigned int line, size_t off)
{
	struct label *l = &p->cur;
	char *k = dup_text(kw);

	for (char *c = k; *c; c++)
		*c = (char)(*c >= 'a' && *c <= 'z' ? *c - 'a' + 'A' : *c);
	if (!p->in_label) {
		diag_note(p->d, p->name, "line %u: %s outside a LABEL is ignored, as syslinux ignores it",
			  line, k);
		free(k);
		return 0;
	}
	if (!t.n && strcmp(k, "LOCALBOOT")) {
		error_at(p, off, line, "%s without a file", k);
		free(k);
		return -1;
	}
	/* syslinux takes the last one; say so, it is rarely meant. */
	if (l->kind)
		diag_warning(p->d, p->name, "line %u: a second kernel in LABEL %s: syslinux boots this one",
			     line, l->label.arg);
	directive_set(&l->kernel, t, line, off);
	free(l->kind);
	l->kind = k;
	return 0;
}

static int parse_line(struct parser *p, struct text t, unsigned int line,
		      size_t off)
{
	struct text kw = next_word(&t);
	struct label *l = &p->cur;

	if (!kw.n || kw.s[0] == '#')
		return 0;
	if (word_is(kw, "LABEL")) {
		struct text name = next_word(&t);

		if (finish_label(p))
			return -1;
		if (!name.n)
			return error_at(p, off, line, "LABEL without a name");
		p->in_label = true;
		directive_set(&l->label, name, line, off);
	} else if (word_is(kw, "MENU")) {
		menu_line(p, t, line, off);
	} else if (is_kernel_keyword(kw)) {
		return kernel_line(p, kw, t, line, off);
	} else if (word_is(kw, "APPEND")) {
		directive_set(p->in_label ? &l->append : &p->global_append, t,
			      line, off);
	} else if (word_is(kw, "INITRD")) {
		if (!p->in_label) {
			diag_note(p->d, p->name, "line %u: INITRD outside a LABEL is ignored, as syslinux ignores it",
				  line);
			return 0;
		}
		if (!t.n)
			return error_at(p, off, line, "INITRD without a file");
		directive_set(&l->initrd, t, line, off);
	} else if (word_is(kw, "DEFAULT")) {
		if (!t.n)
			return error_at(p, off, line, "DEFAULT without a label");
		directive_set(&p->default_label, next_word(&t), line, off);
	} else if (word_is(kw, "INCLUDE")) {
		diag_note(p->d, p->name, "line %u: INCLUDE %.*s is not followed: entries it defines are not listed",
			  line, (int)t.n, t.s);
	}
	/* TIMEOUT, PROMPT, UI, SAY, IPAPPEND, TEXT HELP, ...: no file loaded. */
	return 0;
}

static void mark_default(struct parser *p, size_t first)
{
	const char *want = p->default_label.arg;

	if (!want)
		return;
	/* syslinux runs the first label of that name. */
	for (size_t i = 0; i < p->n_labels; i++) {
		if (!strcmp(p->labels[i], want)) {
			p->out->v[first + i].is_default = true;
			return;
		}
	}
	if (!kernel_type(want))         /* DEFAULT menu.c32: a menu, no label */
		diag_note(p->d, p->name, "line %u: DEFAULT %s names no LABEL of this file",
			  p->default_label.line, want);
}

int syslinux_cfg_parse(const char *buf, size_t len, const char *name,
		       struct boot_entries *out, struct diags *d)
{
	struct parser p = { .name = name, .d = d, .out = out };
	const char *end = buf + len, *s = buf;
	size_t first = out->n;
	unsigned int no = 0;
	int r = 0;

	while (s < end && !r) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		const char *eol = nl ? nl : end;
		size_t off = (size_t)(s - buf);

		++no;
		if (memchr(s, '\0', (size_t)(eol - s))) {
			r = error_at(&p, off, no, "a NUL byte");
			break;
		}
		if (eol > s && eol[-1] == '\r')
			eol--;
		while (eol > s && is_blank(eol[-1]))
			eol--;
		r = parse_line(&p, (struct text){ s, (size_t)(eol - s) }, no, off);
		s = nl ? nl + 1 : end;
	}
	if (!r)
		r = finish_label(&p);
	if (!r)
		mark_default(&p, first);
	label_clear(&p.cur);
	free(p.global_append.arg);
	free(p.default_label.arg);
	for (size_t i = 0; i < p.n_labels; i++)
		free(p.labels[i]);
	free(p.labels);
	if (r) {
		while (out->n > first)
			boot_entries_drop_last(out);
		return -1;
	}
	return 0;
}

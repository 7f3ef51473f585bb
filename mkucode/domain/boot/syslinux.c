// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * syslinux-family configs.  A line is a keyword, whitespace, then its
 * argument to the end of the line; '#' starts a comment line.  A label's
 * directives are collected until the next LABEL or the end, then turned
 * into an entry, so a directive's order inside a label does not matter,
 * as in syslinux.  Whatever would make us guess which files the loader
 * takes is an error (malformed) or makes the entry unresolved (valid, but
 * not checkable statically).
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "domain/boot/syslinux.h"
#include "util/alloc.h"

/* syslinux's initramfs loader aligns every archive's start to 4 bytes. */
#define SYSLINUX_INITRD_ALIGN 4

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
	struct directive label, title, kernel, append, initrd, config;
	bool linux_kw;          /* LINUX: a Linux kernel whatever its name */
	bool other;             /* COM32, BOOT, LOCALBOOT, ...: not Linux */
	char *other_kw;
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
	free(l->config.arg);
	free(l->other_kw);
	memset(l, 0, sizeof(*l));
}

/* The file name part of a path, for telling mboot.c32 and modules. */
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

/* What KERNEL's extension makes it, as syslinux decides; NULL: Linux. */
static const char *kernel_type(const char *path)
{
	static const char *const types[][2] = {
		{ ".c32", "a COM32 module" }, { ".cbt", "a COMBOOT program" },
		{ ".com", "a COMBOOT program" }, { ".0", "a PXE program" },
		{ ".bs", "a boot sector" }, { ".bss", "a boot sector" },
		{ ".img", "a disk image" },
	};

	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (ends_with(path, types[i][0]))
			return types[i][1];
	return NULL;
}

/*
 * Add each comma-separated name of list as an initrd.  An empty name
 * (a,,b or a trailing comma) is an error: syslinux would try to load "".
 */
static int add_initrd_list(struct parser *p, struct boot_entry *e,
			   const char *list, size_t n, const struct directive *dir)
{
	const char *s = list, *end = list + n;

	for (;;) {
		const char *comma = memchr(s, ',', (size_t)(end - s));
		const char *stop = comma ? comma : end;
		char *path;

		if (stop == s)
			return error_at(p, dir->off, dir->line,
					"an empty name in the initrd list `%s`",
					dir->arg);
		path = dup_text((struct text){ s, (size_t)(stop - s) });
		boot_entry_add_initrd(e, path, dir->line);
		free(path);
		if (!comma)
			return 0;
		s = comma + 1;
	}
}

/* The initrd= words of a command line: how many, and the first. */
static size_t find_initrd_arg(const char *cmdline, struct text *first)
{
	struct text t = { cmdline, strlen(cmdline) }, w;
	size_t count = 0;

	while ((w = next_word(&t)).n) {
		if (w.n >= 7 && !memcmp(w.s, "initrd=", 7)) {
			if (!count++) {
				first->s = w.s + 7;
				first->n = w.n - 7;
			}
		}
	}
	return count;
}

static bool has_word(const char *cmdline, const char *word)
{
	struct text t = { cmdline, strlen(cmdline) }, w;

	while ((w = next_word(&t)).n)
		if (w.n == strlen(word) && !memcmp(w.s, word, w.n))
			return true;
	return false;
}

static int xen_entry(struct parser *p, struct boot_entry *e,
		     const struct label *l, const struct directive *append)
{
	struct text t, w, part_args;
	bool first = true;

	e->kind = BOOT_XEN;
	e->xen.path = xstrdup(e->kernel.path);
	e->xen.line = e->kernel.line;
	free(e->kernel.path);
	e->kernel.path = NULL;
	e->kernel.line = 0;
	if (!append->arg || !strcmp(append->arg, "-"))
		return error_at(p, l->label.off, l->label.line,
				"LABEL %s: mboot.c32 without APPEND names no hypervisor",
				l->label.arg);
	t = (struct text){ append->arg, strlen(append->arg) };
	while (t.n || first) {
		struct text path = next_word(&t);
		const char *args_end;

		if (!path.n || word_is(path, "---"))
			return error_at(p, append->off, append->line,
					first ? "mboot.c32 APPEND names no hypervisor before `---`"
					      : "an empty module between `---` in mboot.c32 APPEND");
		/* The arguments run to the next `---` word. */
		part_args = t;
		args_end = t.s;
		while ((w = next_word(&t)).n && !word_is(w, "---"))
			args_end = w.s + w.n;
		part_args.n = (size_t)(args_end - part_args.s);
		if (first) {
			free(e->xen.path);
			e->xen.path = dup_text(path);
			e->xen_cmdline = part_args.n ? dup_text(part_args) : NULL;
		} else {
			char *mp = dup_text(path);
			char *ma = part_args.n ? dup_text(part_args) : NULL;

			boot_entry_add_module(e, mp, ma, append->line);
			free(mp);
			free(ma);
		}
		first = false;
		if (!w.n)
			break;          /* no `---` after this part */
		if (!t.n)
			return error_at(p, append->off, append->line,
					"mboot.c32 APPEND ends with `---`");
	}
	if (!e->n_modules)
		return error_at(p, append->off, append->line,
				"mboot.c32 APPEND names no dom0 kernel after `---`");
	return 0;
}

static int linux_entry(struct parser *p, struct boot_entry *e,
		       const struct label *l, const struct directive *append)
{
	struct text arg = { 0 };
	size_t n_args = 0;

	e->initrd_align = SYSLINUX_INITRD_ALIGN;
	if (append->arg && strcmp(append->arg, "-")) {
		e->cmdline = xstrdup(append->arg);
		n_args = find_initrd_arg(e->cmdline, &arg);
		e->recovery = has_word(e->cmdline, "single") ||
			      has_word(e->cmdline, "systemd.unit=rescue.target");
	}
	if (n_args > 1) {
		boot_entry_unresolved(e, "line %u: several initrd= in APPEND: which one syslinux takes depends on its version",
				      append->line);
		return 0;
	}
	if (n_args && l->initrd.arg) {
		boot_entry_unresolved(e, "lines %u and %u: both INITRD and initrd= in APPEND: which one syslinux takes depends on its version",
				      l->initrd.line, append->line);
		return 0;
	}
	if (l->initrd.arg)
		return add_initrd_list(p, e, l->initrd.arg, strlen(l->initrd.arg),
				       &l->initrd);
	if (n_args)
		return add_initrd_list(p, e, arg.s, arg.n, append);
	return 0;
}

/* Turn the label collected so far into an entry. */
static int finish_label(struct parser *p)
{
	struct label *l = &p->cur;
	const struct directive *append;
	struct boot_entry *e;
	const char *type;
	char *t;
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
	while ((t = strchr(e->title, '^')))
		memmove(t, t + 1, strlen(t));
	append = l->append.arg ? &l->append : &p->global_append;

	if (l->config.arg) {
		boot_entry_unresolved(e, "line %u: loads another config (%s), which is not followed",
				      l->config.line, l->config.arg);
	} else if (l->other) {
		boot_entry_unresolved(e, "line %u: %s boots no Linux kernel",
				      l->kernel.line, l->other_kw);
	} else if (!l->kernel.arg) {
		r = error_at(p, l->label.off, l->label.line,
			     "LABEL %s has no KERNEL or LINUX", l->label.arg);
	} else {
		e->kernel.path = xstrdup(l->kernel.arg);
		e->kernel.line = l->kernel.line;
		type = l->linux_kw ? NULL : kernel_type(l->kernel.arg);
		if (type && !strcasecmp(base_name(l->kernel.arg), "mboot.c32")) {
			r = xen_entry(p, e, l, append);
			if (!r && l->initrd.arg)
				boot_entry_unresolved(e, "line %u: INITRD on an mboot.c32 entry, whose modules come from APPEND",
						      l->initrd.line);
		} else if (type) {
			boot_entry_unresolved(e, "line %u: KERNEL %s is %s, not a Linux kernel",
					      l->kernel.line, l->kernel.arg, type);
		} else {
			r = linux_entry(p, e, l, append);
		}
	}
	label_clear(l);
	return r;
}

/* `MENU LABEL text` and `MENU INCLUDE file`; other MENU lines are looks. */
static int menu_line(struct parser *p, struct text rest, unsigned int line,
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
	return 0;
}

static int need_label(struct parser *p, struct text kw, unsigned int line,
		      size_t off)
{
	char *k;
	int r;

	if (p->in_label)
		return 0;
	k = dup_text(kw);
	r = error_at(p, off, line, "%s outside a LABEL", k);
	free(k);
	return r;
}

static int parse_line(struct parser *p, struct text t, unsigned int line,
		      size_t off)
{
	struct text kw = next_word(&t);
	struct label *l = &p->cur;

	if (!kw.n || kw.s[0] == '#')
		return 0;
	if (word_is(kw, "LABEL")) {
		if (finish_label(p))
			return -1;
		if (!t.n)
			return error_at(p, off, line, "LABEL without a name");
		p->in_label = true;
		directive_set(&l->label, t, line, off);
	} else if (word_is(kw, "MENU")) {
		return menu_line(p, t, line, off);
	} else if (word_is(kw, "KERNEL") || word_is(kw, "LINUX")) {
		if (need_label(p, kw, line, off))
			return -1;
		if (!t.n)
			return error_at(p, off, line, "%s without a file",
					word_is(kw, "LINUX") ? "LINUX" : "KERNEL");
		if (l->kernel.arg || l->other)
			return error_at(p, off, line,
					"a second kernel in LABEL %s", l->label.arg);
		/* Only the file: anything after it is not part of the name. */
		directive_set(&l->kernel, next_word(&t), line, off);
		l->linux_kw = word_is(kw, "LINUX");
	} else if (word_is(kw, "APPEND")) {
		directive_set(p->in_label ? &l->append : &p->global_append, t,
			      line, off);
	} else if (word_is(kw, "INITRD")) {
		if (need_label(p, kw, line, off))
			return -1;
		if (!t.n)
			return error_at(p, off, line, "INITRD without a file");
		directive_set(&l->initrd, next_word(&t), line, off);
	} else if (word_is(kw, "DEFAULT")) {
		if (!t.n)
			return error_at(p, off, line, "DEFAULT without a label");
		directive_set(&p->default_label, next_word(&t), line, off);
	} else if (word_is(kw, "INCLUDE") ||
		   (word_is(kw, "CONFIG") && !p->in_label)) {
		diag_note(p->d, p->name, "line %u: %.*s %.*s is not followed: entries it defines are not listed",
			  line, (int)kw.n, kw.s, (int)t.n, t.s);
	} else if (word_is(kw, "CONFIG")) {
		directive_set(&l->config, next_word(&t), line, off);
	} else if (p->in_label &&
		   (word_is(kw, "LOCALBOOT") || word_is(kw, "COM32") ||
		    word_is(kw, "COMBOOT") || word_is(kw, "BOOT") ||
		    word_is(kw, "BSS") || word_is(kw, "PXE") ||
		    word_is(kw, "FDIMAGE"))) {
		if (l->kernel.arg || l->other)
			return error_at(p, off, line,
					"a second kernel in LABEL %s", l->label.arg);
		l->other = true;
		l->other_kw = dup_text(kw);
		l->kernel.line = line;
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
		struct text t;

		++no;
		if (memchr(s, '\0', (size_t)(eol - s))) {
			r = error_at(&p, off, no, "a NUL byte");
			break;
		}
		if (eol > s && eol[-1] == '\r')
			eol--;
		while (eol > s && is_blank(eol[-1]))
			eol--;
		t = (struct text){ s, (size_t)(eol - s) };
		s = nl ? nl + 1 : end;
		r = parse_line(&p, t, no, off);
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

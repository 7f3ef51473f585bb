// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * BLS type #1 entries, as the UAPI Boot Loader Specification defines
 * them: a line is a key, whitespace, then the value to the end of the
 * line; lines starting with '#' are comments, empty lines are skipped.
 * `initrd` may repeat (all are loaded, in order), `options` may repeat
 * (joined with spaces).  Nothing here trusts the file: every byte is
 * bounded by len, a NUL byte is an error, as is anything that would make
 * us guess which kernel or initrd the loader takes.
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include "domain/boot/bls.h"
#include "util/alloc.h"

struct bls_line {
	const char *key, *val;  /* not terminated: klen, vlen bytes */
	size_t klen, vlen;
	size_t off;             /* the line's first byte in the file */
	unsigned int no;
};

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static bool key_is(const struct bls_line *l, const char *key)
{
	return l->klen == strlen(key) && !memcmp(l->key, key, l->klen);
}

static bool has_blank(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (is_blank(s[i]))
			return true;
	return false;
}

static int line_error(struct diags *d, const char *name,
		      const struct bls_line *l, const char *what)
{
	return diag_add(d, DIAG_ERROR, name, l->off, 0, 0, "line %u: %s",
			l->no, what);
}

/* Split line [p, end) into key and value, both trimmed. */
static void split_line(const char *p, const char *end, struct bls_line *l)
{
	while (p < end && is_blank(*p))
		p++;
	l->key = p;
	while (p < end && !is_blank(*p))
		p++;
	l->klen = (size_t)(p - l->key);
	while (p < end && is_blank(*p))
		p++;
	while (end > p && (is_blank(end[-1]) || end[-1] == '\r'))
		end--;
	l->val = p;
	l->vlen = (size_t)(end - p);
}

static char *dup_value(const struct bls_line *l)
{
	char *s = xmalloc(l->vlen + 1);

	memcpy(s, l->val, l->vlen);
	s[l->vlen] = '\0';
	return s;
}

/* One path on the line: the value, refused when empty or several words. */
static int path_value(struct diags *d, const char *name,
		      const struct bls_line *l, const char *key)
{
	char what[96];

	if (!l->vlen) {
		snprintf(what, sizeof(what), "`%s` without a path", key);
		return line_error(d, name, l, what);
	}
	if (has_blank(l->val, l->vlen)) {
		snprintf(what, sizeof(what), "`%s` names more than one path", key);
		return line_error(d, name, l, what);
	}
	return 0;
}

/* The options lines so far, joined with spaces; grown geometrically. */
struct options {
	char *s;
	size_t len, cap;
};

static void append_options(struct options *o, const struct bls_line *l)
{
	if (!l->vlen)
		return;
	grow(&o->s, &o->cap, o->len + 1 + l->vlen + 1, 1);
	if (o->len)
		o->s[o->len++] = ' ';
	memcpy(o->s + o->len, l->val, l->vlen);
	o->len += l->vlen;
	o->s[o->len] = '\0';
}

static int parse_line(struct boot_entry *e, const struct bls_line *l,
		      const char *name, struct diags *d, struct options *opts,
		      unsigned int *efi_line)
{
	if (key_is(l, "linux")) {
		if (path_value(d, name, l, "linux"))
			return -1;
		if (e->kernel.path)
			return line_error(d, name, l, "a second `linux` line");
		e->kernel.path = dup_value(l);
		e->kernel.line = l->no;
	} else if (key_is(l, "initrd")) {
		char *path;

		if (path_value(d, name, l, "initrd"))
			return -1;
		path = dup_value(l);
		boot_entry_add_initrd(e, path, l->no);
		free(path);
	} else if (key_is(l, "options")) {
		append_options(opts, l);
	} else if (key_is(l, "title")) {
		free(e->title);
		e->title = dup_value(l);
	} else if (key_is(l, "efi") || key_is(l, "uki")) {
		if (path_value(d, name, l, key_is(l, "efi") ? "efi" : "uki"))
			return -1;
		if (!*efi_line) {
			char *path = dup_value(l);

			*efi_line = l->no;
			boot_entry_unresolved(e, "line %u: `%.*s %s` boots an EFI program, not a kernel and initrds that can be checked",
					      l->no, (int)l->klen, l->key, path);
			free(path);
		}
	}
	/* version, machine-id, sort-key, devicetree, devicetree-overlay,
	 * architecture and keys we do not know: nothing the loaders' microcode
	 * depends on. */
	return 0;
}

int bls_entry_parse(const char *buf, size_t len, const char *name,
		    struct boot_entries *out, struct diags *d)
{
	struct boot_entry *e = boot_entry_add(out, BOOT_FROM_BLS, BOOT_LINUX);
	const char *end = buf + len, *p = buf;
	unsigned int no = 0, efi_line = 0;
	struct options opts = { 0 };
	const char *base;

	e->config = xstrdup(name);
	e->line = 1;
	/* Fedora's rescue entry is MACHINE-ID-0-rescue.conf. */
	base = strrchr(name, '/');
	base = base ? base + 1 : name;
	e->recovery = strstr(base, "-0-rescue") != NULL;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *eol = nl ? nl : end;
		struct bls_line l = { .off = (size_t)(p - buf), .no = ++no };

		if (memchr(p, '\0', (size_t)(eol - p))) {
			line_error(d, name, &l, "a NUL byte");
			goto fail;
		}
		split_line(p, eol, &l);
		p = nl ? nl + 1 : end;
		if (!l.klen || l.key[0] == '#')
			continue;
		if (parse_line(e, &l, name, d, &opts, &efi_line))
			goto fail;
	}
	if (!e->kernel.path && !efi_line) {
		diag_add(d, DIAG_ERROR, name, DIAG_NO_OFFSET, 0, 0,
			 "no `linux`, `efi` or `uki` line: not a boot entry");
		goto fail;
	}
	e->cmdline = opts.s;
	/* GRUB's blscfg expands $kernelopts from grubenv; systemd-boot does
	 * not: the command line depends on the loader. */
	if (e->cmdline && strchr(e->cmdline, '$'))
		boot_entry_unresolved(e, "`options` uses a GRUB variable (%s), set at boot time",
				      e->cmdline);
	return 0;

fail:
	free(opts.s);
	boot_entries_drop_last(out);
	return -1;
}

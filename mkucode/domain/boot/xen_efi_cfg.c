// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * xen.efi's configuration, read as Xen's EFI loader reads it (see the
 * header): the bytes are first made into lines exactly as Xen does (a
 * copy, NUL where Xen puts NUL), then each value is looked up as Xen looks
 * it up.  Every read is bounded by the copy, which ends in a NUL.
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include "domain/boot/xen_efi_cfg.h"
#include "util/alloc.h"

struct text {
	char *p;                /* len bytes of lines, then a NUL */
	size_t len;
	const char *orig;       /* the file, for line numbers */
};

/* Xen's ctype: control bytes are 0-31 and 127; bytes >= 128 are not. */
static bool is_control(unsigned char c)
{
	return c < 0x20 || c == 0x7f;
}

/* The line number of offset off: newlines before it, plus one. */
static unsigned int line_at(const struct text *t, size_t off)
{
	unsigned int n = 1;

	for (size_t i = 0; i < off; i++)
		n += t->orig[i] == '\n';
	return n;
}

/* The offset of the start of the line off is in. */
static size_t line_start(const struct text *t, size_t off)
{
	while (off && t->orig[off - 1] != '\n')
		off--;
	return off;
}

static int error_at(const struct text *t, const char *name, size_t off,
		    struct diags *d, const char *what, const char *arg)
{
	return diag_add(d, DIAG_ERROR, name, line_start(t, off), 0, 0,
			"line %u: %s%s", line_at(t, off), what, arg ? arg : "");
}

/* Lines as Xen makes them; returns whether the last one was cut off. */
static bool pre_parse(struct text *t)
{
	bool start = true, comment = false;
	char *p = t->p;

	for (size_t i = 0; i < t->len; i++) {
		unsigned char c = (unsigned char)p[i];

		if (is_control(c)) {
			comment = false;
			start = true;
			p[i] = 0;
		} else if (comment || (start && c == ' ')) {
			p[i] = 0;
		} else if (c == '#' || (start && c == ';')) {
			comment = true;
			p[i] = 0;
		} else {
			start = false;
		}
	}
	return t->len && p[t->len - 1];
}

/*
 * Xen's get_value: the first NAME= line of section (NULL: anywhere, the
 * headers ignored); the value with its leading spaces dropped, at *at.
 */
static const char *get_value(const struct text *t, const char *section,
			     const char *item, size_t *at)
{
	size_t slen = section ? strlen(section) : 0, ilen = strlen(item);
	bool match = !slen;
	const char *p = t->p;

	for (size_t i = 0; i < t->len; i++) {
		size_t n;

		if (!p[i])
			continue;
		n = strlen(p + i);      /* the copy ends in a NUL */
		if (p[i] == '[' && slen) {
			if (match)
				return NULL;
			match = n > slen + 1 && !memcmp(p + i + 1, section, slen) &&
				p[i + 1 + slen] == ']';
		} else if (p[i] != '[' && match && n > ilen &&
			   !memcmp(p + i, item, ilen) && p[i + ilen] == '=') {
			size_t v = i + ilen + 1;

			while (p[v] == ' ')
				v++;
			*at = i;
			return p + v;
		}
		i += n;
	}
	return NULL;
}

static void set(struct xen_efi_value *v, const struct text *t, const char *val,
		size_t at)
{
	v->value = xstrdup(val);
	v->line = line_at(t, at);
}

void xen_efi_cfg_free(struct xen_efi_cfg *c)
{
	struct xen_efi_value *v[] = {
		&c->kernel, &c->ramdisk, &c->xsm, &c->ucode, &c->options, &c->chain,
	};

	free(c->section);
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		free(v[i]->value);
	memset(c, 0, sizeof(*c));
}

int xen_efi_cfg_parse(const char *buf, size_t len, const char *name,
		      struct xen_efi_cfg *out, struct diags *d)
{
	struct text t = { NULL, len, buf };
	const char *v;
	size_t at = 0, default_at = 0;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if (len >= 2 && ((buf[0] == '\xff' && buf[1] == '\xfe') ||
			 (buf[0] == '\xfe' && buf[1] == '\xff')))
		return error_at(&t, name, 0, d, "UTF-16 text (a byte-order mark); "
				"xen.efi reads an ASCII configuration", NULL);
	t.p = xmalloc(len + 1);
	memcpy(t.p, buf, len);
	t.p[len] = 0;
	if (pre_parse(&t)) {
		size_t last = len;

		while (last && t.p[last - 1])
			last--;
		diag_add(d, DIAG_WARNING, name, line_start(&t, last), 0, 0,
			 "line %u: no newline at its end: xen.efi ignores this line",
			 line_at(&t, last));
		memset(t.p + last, 0, len - last);
	}

	v = get_value(&t, "global", "default", &at);
	if (v) {
		out->section = xstrdup(v);
		out->section_line = line_at(&t, at);
		default_at = at;
	}
	v = get_value(&t, out->section, "kernel", &at);
	if (v)
		set(&out->kernel, &t, v, at);
	v = get_value(&t, "global", "chain", &at);
	if (v)
		set(&out->chain, &t, v, at);
	if (!out->kernel.value && !out->chain.value) {
		if (out->section)
			diag_add(d, DIAG_ERROR, name, line_start(&t, default_at), 0, 0,
				 "line %u: default=%.64s%s, but no [%.64s%s] section has "
				 "kernel=: xen.efi stops (No Dom0 kernel image specified)",
				 out->section_line, out->section,
				 strlen(out->section) > 64 ? "..." : "", out->section,
				 strlen(out->section) > 64 ? "..." : "");
		else
			diag_add(d, DIAG_ERROR, name, 0, 0, 0, "line 1: no kernel=: "
				 "xen.efi stops (No Dom0 kernel image specified)");
		goto out;
	}
	v = get_value(&t, out->section, "ramdisk", &at);
	if (v)
		set(&out->ramdisk, &t, v, at);
	v = get_value(&t, out->section, "xsm", &at);
	if (v)
		set(&out->xsm, &t, v, at);
	v = get_value(&t, out->section, "options", &at);
	if (v)
		set(&out->options, &t, v, at);
	v = get_value(&t, out->section, "ucode", &at);
	if (!v && (v = get_value(&t, "global", "ucode", &at)))
		out->ucode_global = true;
	if (v)
		set(&out->ucode, &t, v, at);
	rc = 0;
out:
	free(t.p);
	if (rc)
		xen_efi_cfg_free(out);
	return rc;
}

/* A file name and what follows its first space (Xen's split_string). */
static struct boot_file *add_split(struct boot_entry *e, const struct xen_efi_value *v)
{
	const char *sp = strchr(v->value, ' ');
	char *path = sp ? xasprintf("%.*s", (int)(sp - v->value), v->value)
			: xstrdup(v->value);
	const char *args = NULL;
	struct boot_file *f;

	if (sp) {
		args = sp + strspn(sp, " ");
		if (!*args)
			args = NULL;
	}
	f = boot_entry_add_module(e, path, args, v->line);
	free(path);
	return f;
}

struct boot_entry *xen_efi_entry_add(struct boot_entries *list,
				     const struct xen_efi_cfg *c,
				     const char *cfg_file, const char *xen_path)
{
	struct boot_entry *e = boot_entry_add(list, BOOT_FROM_XEN_EFI, BOOT_XEN);

	e->config = xstrdup(cfg_file);
	e->line = c->section_line ? c->section_line : 1;
	e->title = c->section ? xstrdup(c->section) : NULL;
	e->xen.path = xstrdup(xen_path);
	e->xen_cmdline = c->options.value ? xstrdup(c->options.value) : NULL;
	if (!c->kernel.value) {
		boot_entry_unresolved(e, "the section has no kernel=, and chain=%s "
				      "names another configuration, which is not read",
				      c->chain.value ? c->chain.value : "");
		return e;
	}
	add_split(e, &c->kernel);
	/* Xen opens ramdisk= and xsm= by their whole value. */
	if (c->ramdisk.value)
		boot_entry_add_module(e, c->ramdisk.value, NULL, c->ramdisk.line);
	if (c->xsm.value)
		boot_entry_add_module(e, c->xsm.value, NULL, c->xsm.line);
	if (c->ucode.value) {
		/* microcode_set_module(the modules so far): its index. */
		e->xen_ucode_module = (long)e->n_modules;
		add_split(e, &c->ucode);
	}
	return e;
}

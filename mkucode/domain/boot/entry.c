// SPDX-License-Identifier: GPL-2.0-or-later
/* The boot-entry model: building and freeing entries. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/boot/entry.h"
#include "util/alloc.h"

struct boot_entry *boot_entry_add(struct boot_entries *list,
				  enum boot_origin origin, enum boot_kind kind)
{
	struct boot_entry *e;

	grow(&list->v, &list->cap, list->n + 1, sizeof(*list->v));
	e = &list->v[list->n++];
	memset(e, 0, sizeof(*e));
	e->origin = origin;
	e->kind = kind;
	return e;
}

static struct boot_file *add_file(struct boot_file **v, size_t *n,
				  const char *path, const char *args,
				  unsigned int line)
{
	struct boot_file *f;

	*v = xrealloc(*v, (*n + 1) * sizeof(**v));
	f = &(*v)[(*n)++];
	memset(f, 0, sizeof(*f));
	f->path = xstrdup(path);
	f->args = args ? xstrdup(args) : NULL;
	f->line = line;
	return f;
}

struct boot_file *boot_entry_add_initrd(struct boot_entry *e, const char *path,
					unsigned int line)
{
	return add_file(&e->initrds, &e->n_initrds, path, NULL, line);
}

struct boot_file *boot_entry_add_module(struct boot_entry *e, const char *path,
					const char *args, unsigned int line)
{
	return add_file(&e->modules, &e->n_modules, path, args, line);
}

void boot_entry_unresolved(struct boot_entry *e, const char *fmt, ...)
{
	va_list ap;
	char *why;

	if (e->unresolved)
		return;         /* the first reason is the one to fix first */
	va_start(ap, fmt);
	if (vasprintf(&why, fmt, ap) < 0)
		why = xstrdup("cannot be resolved");
	va_end(ap);
	e->unresolved = true;
	e->why = why;
}

static void file_free(struct boot_file *f)
{
	free(f->path);
	free(f->file);
	free(f->args);
}

static void entry_free(struct boot_entry *e)
{
	free(e->config);
	free(e->title);
	file_free(&e->kernel);
	free(e->cmdline);
	for (size_t k = 0; k < e->n_initrds; k++)
		file_free(&e->initrds[k]);
	free(e->initrds);
	file_free(&e->xen);
	free(e->xen_cmdline);
	for (size_t k = 0; k < e->n_modules; k++)
		file_free(&e->modules[k]);
	free(e->modules);
	file_free(&e->uki_ignored);
	free(e->why);
}

void boot_entries_drop_last(struct boot_entries *list)
{
	if (list->n)
		entry_free(&list->v[--list->n]);
	/* Taken back to empty: as it was before, nothing held. */
	if (!list->n)
		boot_entries_free(list);
}

void boot_entries_free(struct boot_entries *list)
{
	for (size_t i = 0; i < list->n; i++)
		entry_free(&list->v[i]);
	free(list->v);
	memset(list, 0, sizeof(*list));
}

const char *boot_origin_name(enum boot_origin o)
{
	switch (o) {
	case BOOT_FROM_GRUB: return "grub";
	case BOOT_FROM_BLS: return "bls";
	case BOOT_FROM_SYSLINUX: return "syslinux";
	case BOOT_FROM_UKI: return "uki";
	case BOOT_FROM_PAIR: return "pair";
	case BOOT_FROM_XEN_EFI: return "xen-efi";
	}
	return "unknown";
}

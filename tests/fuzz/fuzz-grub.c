// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Fuzz target: the grub.cfg parser (mkucode/domain/boot/grub.c), a hosted
 * module.  The input is the text.  The parser returns 0 or -1; -1 comes
 * with exactly one error and leaves the list as it was (an entry put there
 * before stays, alone); every diagnostic names the file, an offset inside
 * the text, and the line that offset is on; every entry is whole for its
 * kind (a Linux entry has a kernel and no modules, a Xen entry a
 * hypervisor and no initrds), starts on a line of the text, and its files
 * come no earlier; unresolved entries say why, resolved ones do not; and a
 * second parse of the same text gives the same.
 */
#include <string.h>

#include "fuzz.h"
#include "domain/boot/grub.h"
#include "util/diag.h"

static const char name[] = "fuzz.cfg";

/* 1 + the newlines before off: the line off is on. */
static unsigned long line_of(const uint8_t *data, size_t off)
{
	unsigned long line = 1;

	for (size_t i = 0; i < off; i++)
		line += data[i] == '\n';
	return line;
}

static void check_diag(const struct diag *g, const uint8_t *data, size_t size)
{
	char want[32];

	FUZZ_ASSERT(g->file && !strcmp(g->file, name));
	FUZZ_ASSERT(g->offset < size);
	snprintf(want, sizeof(want), "line %lu: ", line_of(data, (size_t)g->offset));
	FUZZ_ASSERT(!strncmp(g->text, want, strlen(want)));
}

static void check_file(const struct boot_file *f, unsigned int from, unsigned long lines)
{
	FUZZ_ASSERT(f->path && !f->file);
	FUZZ_ASSERT(f->line >= from && f->line <= lines);
}

static void check_entry(const struct boot_entry *e, unsigned long lines)
{
	FUZZ_ASSERT(e->origin == BOOT_FROM_GRUB);
	FUZZ_ASSERT(e->config && !strcmp(e->config, name) && e->title);
	FUZZ_ASSERT(e->line >= 1 && e->line <= lines);
	FUZZ_ASSERT(e->unresolved == (e->why != NULL));
	if (e->kind == BOOT_LINUX) {
		FUZZ_ASSERT(e->cmdline && !e->xen.path && !e->xen_cmdline);
		FUZZ_ASSERT(!e->n_modules && !e->modules);
		check_file(&e->kernel, e->line, lines);
		for (size_t i = 0; i < e->n_initrds; i++)
			check_file(&e->initrds[i], e->kernel.line, lines);
	} else {
		FUZZ_ASSERT(e->kind == BOOT_XEN);
		FUZZ_ASSERT(e->xen_cmdline && !e->kernel.path && !e->cmdline);
		FUZZ_ASSERT(!e->n_initrds);
		check_file(&e->xen, e->line, lines);
		for (size_t i = 0; i < e->n_modules; i++)
			check_file(&e->modules[i], e->xen.line, lines);
	}
}

static int parse(const uint8_t *data, size_t size, struct boot_entries *out,
		 struct diags *d)
{
	struct boot_entry *before = boot_entry_add(out, BOOT_FROM_BLS, BOOT_LINUX);
	int r;

	before->line = 12345;
	r = grub_cfg_parse((const char *)data, size, name, out, d);
	FUZZ_ASSERT(r == 0 || r == -1);
	FUZZ_ASSERT(out->n >= 1 && out->v[0].origin == BOOT_FROM_BLS &&
		    out->v[0].line == 12345);
	if (r) {
		FUZZ_ASSERT(d->errors == 1 && out->n == 1);
		FUZZ_ASSERT(diag_first_error(d) == &d->v[d->n - 1]);
	} else {
		FUZZ_ASSERT(d->errors == 0);
	}
	return r;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct boot_entries out = { 0 }, again = { 0 };
	struct diags d = { 0 }, d2 = { 0 };
	unsigned long lines = line_of(data, size);
	int r;

	r = parse(data, size, &out, &d);
	for (size_t i = 0; i < d.n; i++)
		check_diag(&d.v[i], data, size);
	for (size_t i = 1; i < out.n; i++)
		check_entry(&out.v[i], lines);

	FUZZ_ASSERT(parse(data, size, &again, &d2) == r);
	FUZZ_ASSERT(again.n == out.n && d2.n == d.n);
	for (size_t i = 0; i < d.n; i++)
		FUZZ_ASSERT(d.v[i].offset == d2.v[i].offset &&
			    !strcmp(d.v[i].text, d2.v[i].text));
	for (size_t i = 1; i < out.n; i++) {
		const struct boot_entry *a = &out.v[i], *b = &again.v[i];

		FUZZ_ASSERT(a->kind == b->kind && a->line == b->line &&
			    a->n_initrds == b->n_initrds && a->n_modules == b->n_modules &&
			    a->recovery == b->recovery && a->unresolved == b->unresolved);
	}
	boot_entries_free(&out);
	boot_entries_free(&again);
	diags_free(&d);
	diags_free(&d2);
	return 0;
}

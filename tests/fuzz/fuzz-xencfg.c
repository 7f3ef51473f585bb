// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Fuzz target: xen.efi's configuration (mkucode/domain/boot/xen_efi_cfg.c).
 * The input is the file.  On failure the one error's line matches its
 * offset.  On success kernel= or chain= is set; every value holds no
 * control byte and no '#', starts with no space, and stands on the line
 * its number names; a warning names a line too; the entry has the dom0
 * kernel first (a name without a space), then ramdisk, xsm and the ucode=
 * file, whose index xen_ucode_module is, or is unresolved for chain=.
 */
#define _GNU_SOURCE
#include "boot-fuzz.h"
#include "domain/boot/xen_efi_cfg.h"

/* Line no (1-based) of text, as [*start, *end). */
static bool find_line(const char *text, size_t size, unsigned int no,
		      size_t *start, size_t *end)
{
	size_t i = 0;

	for (unsigned int l = 1; l < no; l++) {
		const char *nl = memchr(text + i, '\n', size - i);

		if (!nl)
			return false;
		i = (size_t)(nl - text) + 1;
	}
	*start = i;
	while (i < size && text[i] != '\n')
		i++;
	*end = i;
	return true;
}

static void check_value(const struct xen_efi_value *v, const char *text, size_t size)
{
	size_t start, end, n;

	if (!v->value)
		return;
	n = strlen(v->value);
	for (size_t i = 0; i < n; i++)
		FUZZ_ASSERT((unsigned char)v->value[i] >= 0x20 && v->value[i] != 0x7f &&
			    v->value[i] != '#');
	FUZZ_ASSERT(v->value[0] != ' ');
	FUZZ_ASSERT(v->line >= 1 && find_line(text, size, v->line, &start, &end));
	FUZZ_ASSERT(memmem(text + start, end - start, v->value, n) || !n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	struct boot_entries out = { 0 };
	struct xen_efi_cfg c;
	struct diags d = { 0 };
	struct boot_entry *e;

	if (xen_efi_cfg_parse(text, size, "xen.cfg", &c, &d)) {
		fuzz_check_line_error(&d, text, size);
		diags_free(&d);
		return 0;
	}
	FUZZ_ASSERT(d.errors == 0 && d.n <= 1);
	if (d.n) {
		FUZZ_ASSERT(d.v[0].level == DIAG_WARNING && d.v[0].offset < size);
		FUZZ_ASSERT(d.v[0].offset == 0 || text[d.v[0].offset - 1] == '\n');
	}
	FUZZ_ASSERT(c.kernel.value || c.chain.value);
	check_value(&c.kernel, text, size);
	check_value(&c.ramdisk, text, size);
	check_value(&c.xsm, text, size);
	check_value(&c.ucode, text, size);
	check_value(&c.options, text, size);
	check_value(&c.chain, text, size);
	FUZZ_ASSERT(!c.section == !c.section_line);

	e = xen_efi_entry_add(&out, &c, "xen.cfg", "/EFI/xen/xen.efi");
	FUZZ_ASSERT(e->origin == BOOT_FROM_XEN_EFI && e->kind == BOOT_XEN);
	if (!c.kernel.value) {
		FUZZ_ASSERT(e->unresolved && e->why && !e->n_modules);
	} else {
		size_t want = 1 + !!c.ramdisk.value + !!c.xsm.value + !!c.ucode.value;

		FUZZ_ASSERT(!e->unresolved && e->n_modules == want);
		FUZZ_ASSERT(!strchr(e->modules[0].path, ' '));
		FUZZ_ASSERT(!strncmp(c.kernel.value, e->modules[0].path,
				     strlen(e->modules[0].path)));
		if (c.ucode.value)
			FUZZ_ASSERT(e->xen_ucode_module == (long)want - 1 &&
				    !strchr(e->modules[want - 1].path, ' '));
		else
			FUZZ_ASSERT(e->xen_ucode_module == 0);
	}
	xen_efi_cfg_free(&c);
	boot_entries_free(&out);
	diags_free(&d);
	return 0;
}

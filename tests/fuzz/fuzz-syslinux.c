// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Fuzz target: syslinux-family configs (mkucode/domain/boot/syslinux.c).
 * The input is the config file.  On success every entry is resolved with
 * its files or unresolved with why: a Linux entry has a kernel, the
 * command line "BOOT_IMAGE=KERNEL ..." and initrds that are non-empty
 * single names (no comma, no blank) found in it; a Xen entry has a
 * hypervisor and a dom0 kernel, no module named `---`; at most one entry
 * is the default.  On failure none is added and the one error's line
 * matches its offset.
 */
#include "boot-fuzz.h"
#include "domain/boot/syslinux.h"

static void check_file(const struct boot_file *f)
{
	FUZZ_ASSERT(f->path && *f->path && !fuzz_has_blank(f->path));
	FUZZ_ASSERT(f->line >= 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	struct boot_entries out = { 0 };
	struct diags d = { 0 };
	size_t defaults = 0;
	int r;

	FUZZ_ASSERT(!syslinux_cfg_parse("LABEL a\nKERNEL /k\n", 18, "first",
					&out, &d));
	r = syslinux_cfg_parse(text, size, "x.cfg", &out, &d);
	FUZZ_ASSERT(out.n >= 1 && !strcmp(out.v[0].kernel.path, "/k"));
	if (r) {
		FUZZ_ASSERT(r == -1 && out.n == 1);
		fuzz_check_line_error(&d, text, size);
	} else {
		FUZZ_ASSERT(d.errors == 0);
		for (size_t i = 1; i < out.n; i++) {
			const struct boot_entry *e = &out.v[i];

			FUZZ_ASSERT(e->origin == BOOT_FROM_SYSLINUX && e->title);
			defaults += e->is_default;
			if (e->unresolved) {
				FUZZ_ASSERT(e->why);
				continue;
			}
			if (e->kind == BOOT_XEN) {
				check_file(&e->xen);
				FUZZ_ASSERT(e->n_modules >= 1 && !e->kernel.path);
				for (size_t k = 0; k < e->n_modules; k++) {
					check_file(&e->modules[k]);
					FUZZ_ASSERT(strcmp(e->modules[k].path, "---"));
				}
				continue;
			}
			check_file(&e->kernel);
			FUZZ_ASSERT(e->initrd_align == 4 && e->cmdline);
			FUZZ_ASSERT(!strncmp(e->cmdline, "BOOT_IMAGE=", 11) &&
				    !strncmp(e->cmdline + 11, e->kernel.path,
					     strlen(e->kernel.path)));
			FUZZ_ASSERT(!e->n_initrds || strstr(e->cmdline, "initrd="));
			for (size_t k = 0; k < e->n_initrds; k++) {
				check_file(&e->initrds[k]);
				FUZZ_ASSERT(!strchr(e->initrds[k].path, ','));
			}
		}
		FUZZ_ASSERT(defaults <= 1);
	}
	boot_entries_free(&out);
	diags_free(&d);
	return 0;
}

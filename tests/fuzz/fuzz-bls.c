// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Fuzz target: BLS type #1 entries (mkucode/domain/boot/bls.c).  The input
 * is the entry file.  Success adds exactly one entry, with a kernel or a
 * reason it is unresolved, every initrd one non-empty path without blanks;
 * failure adds none and gives one error whose line matches its offset.
 * Parsing appends: an entry already in the list is left as it was.
 */
#include "boot-fuzz.h"
#include "domain/boot/bls.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	struct boot_entries out = { 0 };
	struct diags d = { 0 };
	struct boot_entry *e;
	int r;

	FUZZ_ASSERT(!bls_entry_parse("linux /k\n", 9, "first", &out, &d));
	r = bls_entry_parse(text, size, "x.conf", &out, &d);
	FUZZ_ASSERT(!strcmp(out.v[0].kernel.path, "/k") && out.v[0].n_initrds == 0);
	if (r) {
		FUZZ_ASSERT(r == -1 && out.n == 1);
		fuzz_check_line_error(&d, text, size);
	} else {
		FUZZ_ASSERT(out.n == 2 && d.errors == 0);
		e = &out.v[1];
		FUZZ_ASSERT(e->origin == BOOT_FROM_BLS && e->kind == BOOT_LINUX);
		FUZZ_ASSERT(e->kernel.path || (e->unresolved && e->why));
		if (e->kernel.path)
			FUZZ_ASSERT(*e->kernel.path && !fuzz_has_blank(e->kernel.path));
		for (size_t i = 0; i < e->n_initrds; i++)
			FUZZ_ASSERT(*e->initrds[i].path &&
				    !fuzz_has_blank(e->initrds[i].path) &&
				    e->initrds[i].line >= 1);
		if (e->cmdline)
			FUZZ_ASSERT(strlen(e->cmdline) <= size);
	}
	boot_entries_free(&out);
	diags_free(&d);
	return 0;
}

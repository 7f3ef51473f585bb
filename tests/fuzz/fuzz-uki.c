// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Fuzz target: UKI sections (mkucode/domain/boot/uki.c).  The input is the
 * PE file.  On success .linux is found and every section found lies inside
 * the input, and any warning is inside it too; .linux, .ucode and .initrd
 * share no byte with each other or the section table; the entry built
 * from them names .ucode (where the stub reads it) before .initrd with
 * those offsets, and its command line is no longer than .cmdline.  On
 * failure the one error's offset is inside the input (or 0 for an empty
 * one).  The headers alone (the first half of the input, the file as long
 * as the input) give the same sections, or an error.
 */
#include "boot-fuzz.h"
#include "domain/boot/uki.h"

static void check_section(const struct uki_section *s, size_t size)
{
	if (!s->found)
		return;
	FUZZ_ASSERT(s->offset <= size && s->size <= size - s->offset);
}

static bool apart(const struct uki_section *a, const struct uki_section *b)
{
	return !a->found || !b->found || !a->size || !b->size ||
	       a->offset >= b->offset + b->size || b->offset >= a->offset + a->size;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct boot_entries out = { 0 };
	struct uki_sections s, h;
	struct uki_texts t;
	struct diags d = { 0 };
	struct boot_entry *e;
	size_t i = 0;

	if (uki_parse(data, size, "x.efi", &s, &d)) {
		const struct diag *g = diag_first_error(&d);

		FUZZ_ASSERT(g && d.errors == 1);
		FUZZ_ASSERT(g->offset < size || g->offset == 0);
		diags_free(&d);
		return 0;
	}
	/* Warnings only: a second section of a name, ignored. */
	FUZZ_ASSERT(d.errors == 0 && s.kernel.found);
	for (size_t k = 0; k < d.n; k++)
		FUZZ_ASSERT(d.v[k].level == DIAG_WARNING && d.v[k].offset < size);
	diags_free(&d);
	check_section(&s.kernel, size);
	check_section(&s.initrd, size);
	check_section(&s.ucode, size);
	check_section(&s.cmdline, size);
	check_section(&s.osrel, size);
	check_section(&s.uname, size);
	check_section(&s.sdmagic, size);
	FUZZ_ASSERT(apart(&s.kernel, &s.ucode) && apart(&s.kernel, &s.initrd) &&
		    apart(&s.ucode, &s.initrd));

	if (!uki_parse_head(data, size / 2, size, "x.efi", &h, &d))
		FUZZ_ASSERT(!memcmp(&h, &s, sizeof(s)));
	diags_free(&d);

	uki_texts_get(data, &s, &t);
	FUZZ_ASSERT(!t.stub || s.sdmagic.found);
	e = uki_entry_add(&out, "x.efi", NULL, &s, &t);
	FUZZ_ASSERT(e->kernel.part && e->kernel.offset == s.kernel.offset &&
		    e->kernel.size == s.kernel.size);
	if (!t.stub || t.stub >= UKI_STUB_UCODE) {
		FUZZ_ASSERT(e->n_initrds == (size_t)s.ucode.found + s.initrd.found);
		FUZZ_ASSERT(!e->uki_ignored.path);
		if (s.ucode.found)
			FUZZ_ASSERT(e->initrds[i++].offset == s.ucode.offset);
	} else {
		FUZZ_ASSERT(e->n_initrds == (size_t)s.initrd.found);
		FUZZ_ASSERT(!e->uki_ignored.path == !s.ucode.found);
	}
	FUZZ_ASSERT(e->initrd_align == 4);
	if (s.initrd.found)
		FUZZ_ASSERT(e->initrds[i].offset == s.initrd.offset &&
			    e->initrds[i].size == s.initrd.size);
	FUZZ_ASSERT(!e->cmdline == !s.cmdline.found);
	if (e->cmdline)
		FUZZ_ASSERT(strlen(e->cmdline) <= s.cmdline.size);
	uki_texts_free(&t);
	boot_entries_free(&out);
	return 0;
}

// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The PE section table of a UKI, read the way systemd-stub reads it:
 * e_lfanew at 0x3c names the "PE\0\0" signature; the COFF header after it
 * gives NumberOfSections (+6) and SizeOfOptionalHeader (+20); the section
 * table follows the optional header, 40 bytes an entry.  A section's data
 * is SizeOfRawData bytes at PointerToRawData, of which the first
 * VirtualSize count (the rest is file alignment): min(VirtualSize,
 * SizeOfRawData), as systemd's pe.c has it.  A name matches through its
 * NUL; the first section of a name is the one the stub uses.  Every offset is checked
 * against the file in 64-bit arithmetic, which 32-bit fields cannot
 * overflow.
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include "domain/boot/uki.h"
#include "util/alloc.h"

#define DOS_LFANEW      0x3c
#define COFF_SIZE       24      /* signature + COFF file header */
#define DOS_HEADER_SIZE 0x40
#define SECTION_SIZE    40
#define PE32_MAGIC      0x10b
#define PE32PLUS_MAGIC  0x20b
/* systemd-stub v252 (Debian 12's) refuses more; so do we, rather than read
 * what it would not. */
#define MAX_SECTIONS    96

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static int bad(struct diags *d, const char *name, uint64_t off,
	       const char *what)
{
	return diag_add(d, DIAG_ERROR, name, off, 0, 0, "%s", what);
}

/* systemd's comparison: up to 8 bytes, equal through the name's NUL. */
static bool name_is(const uint8_t n[8], const char *want)
{
	for (size_t i = 0; i < 8; i++) {
		if (n[i] != (uint8_t)want[i])
			return false;
		if (!n[i])
			return true;
	}
	return true;
}

static struct uki_section *slot(struct uki_sections *s, const uint8_t n[8])
{
	static const char *const names[] = {
		".linux", ".initrd", ".ucode", ".cmdline", ".osrel", ".uname",
	};
	struct uki_section *slots[] = {
		&s->kernel, &s->initrd, &s->ucode, &s->cmdline, &s->osrel, &s->uname,
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (name_is(n, names[i]))
			return slots[i];
	return NULL;
}

int uki_parse(const uint8_t *buf, size_t len, const char *name,
	      struct uki_sections *out, struct diags *d)
{
	uint64_t pe, table, nsect;
	uint16_t magic;

	memset(out, 0, sizeof(*out));
	if (len < DOS_LFANEW + 4 || buf[0] != 'M' || buf[1] != 'Z')
		return bad(d, name, 0, "not a PE file (no MZ header)");
	pe = get32(buf + DOS_LFANEW);
	/* systemd: the PE header follows the whole DOS header. */
	if (pe < DOS_HEADER_SIZE)
		return bad(d, name, DOS_LFANEW, "the PE header overlaps the DOS header");
	if (pe > len || len - pe < COFF_SIZE + 2)
		return bad(d, name, DOS_LFANEW, "the PE header is outside the file");
	if (memcmp(buf + pe, "PE\0\0", 4))
		return bad(d, name, pe, "not a PE file (no PE signature)");
	magic = get16(buf + pe + COFF_SIZE);
	if (magic != PE32_MAGIC && magic != PE32PLUS_MAGIC)
		return bad(d, name, pe + COFF_SIZE,
			   "not a PE32 or PE32+ optional header");
	nsect = get16(buf + pe + 6);
	if (nsect > MAX_SECTIONS)
		return bad(d, name, pe + 6,
			   "more than 96 sections, which systemd-stub (v252) refuses");
	table = pe + COFF_SIZE + get16(buf + pe + 20);
	if (table > len || (len - table) / SECTION_SIZE < nsect)
		return bad(d, name, pe + 20, "the section table is outside the file");

	for (uint64_t i = 0; i < nsect; i++) {
		const uint8_t *h = buf + table + i * SECTION_SIZE;
		uint32_t vsize = get32(h + 8), raw = get32(h + 16);
		uint64_t ptr = get32(h + 20), size = vsize < raw ? vsize : raw;
		struct uki_section *sec = slot(out, h);
		char what[96];

		if (!sec)
			continue;
		/* systemd-stub takes the first section of a name. */
		if (sec->found) {
			diag_add(d, DIAG_WARNING, name, table + i * SECTION_SIZE, 0, 0,
				 "a second %.8s section, which systemd-stub ignores",
				 (const char *)h);
			continue;
		}
		if (ptr > len || len - ptr < size) {
			snprintf(what, sizeof(what),
				 "section %.8s is outside the file", (const char *)h);
			return bad(d, name, table + i * SECTION_SIZE + 20, what);
		}
		sec->found = true;
		sec->offset = ptr;
		sec->size = size;
	}
	if (!out->kernel.found)
		/* At the count of the sections: the table may be empty, at the end. */
		return bad(d, name, pe + 6, "no .linux section: not a UKI");
	return 0;
}

static void add_part(struct boot_entry *e, const char *path,
		     const struct uki_section *sec)
{
	struct boot_file *f;

	if (!sec->found)
		return;
	f = boot_entry_add_initrd(e, path, 0);
	f->part = true;
	f->offset = sec->offset;
	f->size = sec->size;
}

/* A section as a string: up to its first NUL, without a final newline. */
static char *section_text(const uint8_t *buf, const struct uki_section *sec)
{
	const char *s = (const char *)buf + sec->offset;
	size_t n = strnlen(s, sec->size);
	char *t;

	while (n && (s[n - 1] == '\n' || s[n - 1] == '\r'))
		n--;
	t = xmalloc(n + 1);
	memcpy(t, s, n);
	t[n] = '\0';
	return t;
}

struct boot_entry *uki_entry_add(struct boot_entries *list, const char *path,
				 const uint8_t *buf,
				 const struct uki_sections *s)
{
	struct boot_entry *e = boot_entry_add(list, BOOT_FROM_UKI, BOOT_LINUX);

	e->config = xstrdup(path);
	e->kernel.path = xstrdup(path);
	e->kernel.part = true;
	e->kernel.offset = s->kernel.offset;
	e->kernel.size = s->kernel.size;
	/* systemd-stub joins .ucode, then .initrd (then what it generates),
	 * each padded with zeros to a multiple of 4 bytes. */
	add_part(e, path, &s->ucode);
	add_part(e, path, &s->initrd);
	e->initrd_align = 4;
	if (s->cmdline.found)
		e->cmdline = section_text(buf, &s->cmdline);
	if (s->uname.found)
		e->title = section_text(buf, &s->uname);
	return e;
}

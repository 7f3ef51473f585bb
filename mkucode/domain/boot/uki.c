// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The PE section table of a UKI, read the way systemd-stub reads it:
 * e_lfanew at 0x3c names the "PE\0\0" signature; the COFF header after it
 * gives NumberOfSections (+6) and SizeOfOptionalHeader (+20); the section
 * table follows the optional header, 40 bytes an entry.  A section's data
 * is SizeOfRawData bytes at PointerToRawData, of which the first
 * VirtualSize count (the rest is file alignment): min(VirtualSize,
 * SizeOfRawData), as systemd's pe.c has it.  A name matches through its
 * NUL; the first section of a name is the one the stub uses.  Every
 * offset is checked against the file in 64-bit arithmetic, which 32-bit
 * fields cannot overflow.  A signed image has a certificate table (data
 * directory 4, whose address is a file offset); .sdmagic holds the stub's
 * "#### LoaderInfo: systemd-stub VERSION ####".
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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
		".sdmagic",
	};
	struct uki_section *slots[] = {
		&s->kernel, &s->initrd, &s->ucode, &s->cmdline, &s->osrel, &s->uname,
		&s->sdmagic,
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (name_is(n, names[i]))
			return slots[i];
	return NULL;
}

/*
 * The certificate table (data directory 4; its "RVA" is a file offset) of
 * a signed image, present when the optional header has that many
 * directories and the entry's size is not 0.
 */
static bool signed_image(const uint8_t *opt, uint64_t opt_size, uint16_t magic)
{
	uint64_t count_at = magic == PE32PLUS_MAGIC ? 108 : 92;
	uint64_t dirs = count_at + 4, entry = dirs + 4 * 8;

	if (opt_size < entry + 8 || get32(opt + count_at) <= 4)
		return false;
	return get32(opt + entry + 4) != 0;
}

/* The sections the stub hands over must not share bytes with the headers
 * or one another: no tool writes that, and what loads would be unclear. */
static int check_overlaps(const struct uki_sections *s, uint64_t headers_end,
			  const char *name, struct diags *d)
{
	const struct uki_section *v[] = { &s->kernel, &s->ucode, &s->initrd };
	static const char *const names[] = { ".linux", ".ucode", ".initrd" };
	char what[160];

	for (size_t i = 0; i < 3; i++) {
		const struct uki_section *a = v[i];

		if (!a->found || !a->size)
			continue;
		if (a->offset < headers_end) {
			snprintf(what, sizeof(what), "section %s (at %#llx) overlaps the "
				 "PE headers (to %#llx)", names[i],
				 (unsigned long long)a->offset,
				 (unsigned long long)headers_end);
			return bad(d, name, a->header + 20, what);
		}
		for (size_t j = 0; j < i; j++) {
			const struct uki_section *b = v[j];

			if (!b->found || !b->size || a->offset >= b->offset + b->size ||
			    b->offset >= a->offset + a->size)
				continue;
			snprintf(what, sizeof(what), "section %s (%#llx bytes at %#llx) "
				 "overlaps %s (%#llx bytes at %#llx)", names[i],
				 (unsigned long long)a->size, (unsigned long long)a->offset,
				 names[j], (unsigned long long)b->size,
				 (unsigned long long)b->offset);
			/* At the entry further down the table. */
			return bad(d, name, (a->header > b->header ? a->header : b->header) + 20,
				   what);
		}
	}
	return 0;
}

int uki_parse_head(const uint8_t *buf, size_t len, uint64_t file_size,
		   const char *name, struct uki_sections *out, struct diags *d)
{
	uint64_t pe, table, nsect, opt_size;
	uint16_t magic;

	memset(out, 0, sizeof(*out));
	if (len > file_size)
		len = (size_t)file_size;
	if (len < DOS_LFANEW + 4 || buf[0] != 'M' || buf[1] != 'Z')
		return bad(d, name, 0, "not a PE file (no MZ header)");
	pe = get32(buf + DOS_LFANEW);
	/* systemd: the PE header follows the whole DOS header. */
	if (pe < DOS_HEADER_SIZE)
		return bad(d, name, DOS_LFANEW, "the PE header overlaps the DOS header");
	if (pe > len || len - pe < COFF_SIZE + 2)
		return bad(d, name, DOS_LFANEW, len < file_size
			   ? "the PE header is not among the file's first bytes"
			   : "the PE header is outside the file");
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
	opt_size = get16(buf + pe + 20);
	table = pe + COFF_SIZE + opt_size;
	if (table > len || (len - table) / SECTION_SIZE < nsect)
		return bad(d, name, pe + 20, len < file_size
			   ? "the section table is not among the file's first bytes"
			   : "the section table is outside the file");
	out->has_signature = signed_image(buf + pe + COFF_SIZE, opt_size, magic);

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
		if (ptr > file_size || file_size - ptr < size) {
			snprintf(what, sizeof(what),
				 "section %.8s is outside the file", (const char *)h);
			return bad(d, name, table + i * SECTION_SIZE + 20, what);
		}
		sec->found = true;
		sec->offset = ptr;
		sec->size = size;
		sec->header = table + i * SECTION_SIZE;
	}
	if (!out->kernel.found)
		/* At the count of the sections: the table may be empty, at the end. */
		return bad(d, name, pe + 6, "no .linux section: not a UKI");
	return check_overlaps(out, table + nsect * SECTION_SIZE, name, d);
}

int uki_parse(const uint8_t *buf, size_t len, const char *name,
	      struct uki_sections *out, struct diags *d)
{
	return uki_parse_head(buf, len, len, name, out, d);
}

unsigned int uki_stub_version(const char *text, size_t n)
{
	static const char prefix[] = "#### LoaderInfo: systemd-stub ";
	size_t k = sizeof(prefix) - 1;
	unsigned int v = 0;

	if (n < k || memcmp(text, prefix, k))
		return 0;
	if (k < n && text[k] == 'v')    /* a git describe: v256-12-g... */
		k++;
	for (; k < n && text[k] >= '0' && text[k] <= '9'; k++) {
		v = v * 10 + (unsigned int)(text[k] - '0');
		if (v > 100000)
			return 0;
	}
	return v;
}

/* n bytes of section text as a string: up to its first NUL, without a
 * final newline; NULL when it is not there. */
static char *text_of(const char *s, size_t n)
{
	char *t;

	n = strnlen(s, n);
	while (n && (s[n - 1] == '\n' || s[n - 1] == '\r'))
		n--;
	t = xmalloc(n + 1);
	memcpy(t, s, n);
	t[n] = '\0';
	return t;
}

void uki_texts_get(const uint8_t *buf, const struct uki_sections *s,
		   struct uki_texts *t)
{
	memset(t, 0, sizeof(*t));
	if (s->cmdline.found)
		t->cmdline = text_of((const char *)buf + s->cmdline.offset,
				     (size_t)s->cmdline.size);
	if (s->uname.found)
		t->uname = text_of((const char *)buf + s->uname.offset,
				   (size_t)s->uname.size);
	if (s->sdmagic.found)
		t->stub = uki_stub_version((const char *)buf + s->sdmagic.offset,
					   (size_t)s->sdmagic.size);
}

void uki_texts_free(struct uki_texts *t)
{
	free(t->cmdline);
	free(t->uname);
	memset(t, 0, sizeof(*t));
}

/* Where the headers and the section table of any PE file we read are. */
#define HEAD_MAX ((size_t)64 << 10)
#define TEXT_MAX ((size_t)64 << 10)

static int pread_all(int fd, const char *file, uint8_t *buf, size_t n,
		     uint64_t at, size_t *got, struct diags *d)
{
	*got = 0;
	while (*got < n) {
		ssize_t k = pread(fd, buf + *got, n - *got, (off_t)(at + *got));

		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return diag_add(d, DIAG_ERROR, file, at + *got, 0, errno,
					"read error");
		if (!k)
			break;
		*got += (size_t)k;
	}
	return 0;
}

/* A text section, read where it lies; NULL (none) when it cannot be. */
static char *read_text(int fd, const char *file, const struct uki_section *sec,
		       size_t *len, struct diags *d)
{
	size_t n = sec->size < TEXT_MAX ? (size_t)sec->size : TEXT_MAX, got;
	char *buf;

	*len = 0;
	if (!sec->found)
		return NULL;
	buf = xmalloc(n + 1);
	if (pread_all(fd, file, (uint8_t *)buf, n, sec->offset, &got, d)) {
		free(buf);
		return NULL;
	}
	buf[got] = '\0';
	*len = got;
	return buf;
}

int uki_read(const char *file, struct uki_sections *s, struct uki_texts *t,
	     struct diags *d)
{
	int fd = open(file, O_RDONLY | O_CLOEXEC), rc = -1;
	size_t errors = d->errors;
	uint8_t *head = NULL;
	char *text;
	struct stat st;
	size_t got, n;

	memset(t, 0, sizeof(*t));
	memset(s, 0, sizeof(*s));
	if (fd < 0)
		return diag_sys(d, file, errno, "cannot open");
	if (fstat(fd, &st)) {
		diag_sys(d, file, errno, "cannot stat");
		goto out;
	}
	head = xmalloc(HEAD_MAX);
	if (pread_all(fd, file, head, HEAD_MAX, 0, &got, d) ||
	    uki_parse_head(head, got, (uint64_t)st.st_size, file, s, d))
		goto out;
	text = read_text(fd, file, &s->cmdline, &n, d);
	t->cmdline = text ? text_of(text, n) : NULL;
	free(text);
	text = read_text(fd, file, &s->uname, &n, d);
	t->uname = text ? text_of(text, n) : NULL;
	free(text);
	text = read_text(fd, file, &s->sdmagic, &n, d);
	t->stub = text ? uki_stub_version(text, n) : 0;
	free(text);
	rc = d->errors > errors ? -1 : 0;
out:
	free(head);
	close(fd);
	if (rc)
		uki_texts_free(t);
	return rc;
}

static struct boot_file *add_part(struct boot_entry *e, const char *path,
				  const char *file, const struct uki_section *sec,
				  const char *part_name)
{
	struct boot_file *f;

	if (!sec->found)
		return NULL;
	f = boot_entry_add_initrd(e, path, 0);
	f->file = file ? xstrdup(file) : NULL;
	f->part = true;
	f->offset = sec->offset;
	f->size = sec->size;
	f->part_name = part_name;
	return f;
}

struct boot_entry *uki_entry_add(struct boot_entries *list, const char *path,
				 const char *file, const struct uki_sections *s,
				 const struct uki_texts *t)
{
	struct boot_entry *e = boot_entry_add(list, BOOT_FROM_UKI, BOOT_LINUX);
	/* A stub of no known version: the newest's rules. */
	bool reads_ucode = !t->stub || t->stub >= UKI_STUB_UCODE;

	e->config = xstrdup(file ? file : path);
	e->kernel.path = xstrdup(path);
	e->kernel.file = file ? xstrdup(file) : NULL;
	e->kernel.part = true;
	e->kernel.offset = s->kernel.offset;
	e->kernel.size = s->kernel.size;
	e->kernel.part_name = ".linux";
	/* systemd-stub joins .ucode, then .initrd (then what it generates),
	 * each padded with zeros to a multiple of 4 bytes. */
	if (reads_ucode)
		add_part(e, path, file, &s->ucode, ".ucode");
	add_part(e, path, file, &s->initrd, ".initrd");
	e->initrd_align = 4;
	if (!reads_ucode && s->ucode.found) {
		struct boot_file *f = &e->uki_ignored;

		f->path = xstrdup(path);
		f->file = file ? xstrdup(file) : NULL;
		f->part = true;
		f->offset = s->ucode.offset;
		f->size = s->ucode.size;
		f->part_name = ".ucode";
	}
	e->uki_signed = s->has_signature;
	e->uki_stub = t->stub;
	if (t->cmdline)
		e->cmdline = xstrdup(t->cmdline);
	if (t->uname)
		e->title = xstrdup(t->uname);
	return e;
}

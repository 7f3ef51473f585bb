// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * UKI sections: PE files built here with chosen sections (sizes from
 * VirtualSize or SizeOfRawData, whichever is smaller), every header and
 * section error at its exact offset, offsets that would overflow, the
 * entry a UKI boots; and, where Debian's systemd-boot-efi and objcopy are
 * installed, sections added to the real stub with objcopy --add-section.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "unit.h"
#include "domain/boot/uki.h"

#define LFANEW   0x40
#define OPT_SIZE 0xf0                            /* PE32+ optional header */
#define TABLE    (LFANEW + 24 + OPT_SIZE)        /* 0x130 */
#define DATA     0x200                           /* first section's data */

struct sec {
	const char *name;
	const char *data;       /* its start (to its NUL); the rest zero */
	uint32_t len;           /* the section's size, rounded up to 0x200 in the file */
	uint32_t vsize;         /* 0: len */
};

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)v);
	put16(p + 2, (uint16_t)(v >> 16));
}

/* A PE file with sections; returns it, its length in *len. */
static uint8_t *make_pe(const struct sec *s, size_t n, size_t *len)
{
	size_t size = DATA, at = DATA;
	uint8_t *pe;

	for (size_t i = 0; i < n; i++)
		size += (s[i].len + 0x1ff) & ~(size_t)0x1ff;
	pe = calloc(1, size);
	ck_assert_ptr_nonnull(pe);
	pe[0] = 'M';
	pe[1] = 'Z';
	put32(pe + 0x3c, LFANEW);
	memcpy(pe + LFANEW, "PE\0\0", 4);
	put16(pe + LFANEW + 4, 0x8664);
	put16(pe + LFANEW + 6, (uint16_t)n);
	put16(pe + LFANEW + 20, OPT_SIZE);
	put16(pe + LFANEW + 24, 0x20b);
	for (size_t i = 0; i < n; i++) {
		uint8_t *h = pe + TABLE + 40 * i;
		uint32_t raw = (s[i].len + 0x1ff) & ~(uint32_t)0x1ff;

		memcpy(h, s[i].name, strlen(s[i].name));
		put32(h + 8, s[i].vsize ? s[i].vsize : s[i].len);
		put32(h + 12, 0x1000 * (uint32_t)(i + 1));
		put32(h + 16, raw);
		put32(h + 20, (uint32_t)at);
		if (s[i].data) {
			size_t k = strlen(s[i].data) + 1;

			memcpy(pe + at, s[i].data, k < s[i].len ? k : s[i].len);
		}
		at += raw;
	}
	*len = size;
	return pe;
}

static const struct sec full[] = {
	{ ".text", "stub code", 9, 0 },
	{ ".osrel", "ID=debian\n", 10, 0 },
	{ ".cmdline", "root=/dev/sda1 quiet\n\0\0", 23, 0 },
	{ ".uname", "6.1.0-13-amd64", 14, 0 },
	{ ".linux", "KERNEL", 0x300, 0 },
	{ ".ucode", "MICROCODE", 0x10, 0 },
	{ ".initrd", "INITRD", 0x200, 0x180 },
};

START_TEST(sections)
{
	struct uki_sections s;
	struct diags d = { 0 };
	size_t len;
	uint8_t *pe = make_pe(full, 7, &len);

	ck_assert_uint_eq(len, 0x1200);
	ck_assert_int_eq(uki_parse(pe, len, "x.efi", &s, &d), 0);
	ck_assert_uint_eq(d.n, 0);
	ck_assert(s.osrel.found && s.osrel.offset == 0x400 && s.osrel.size == 10);
	ck_assert(s.cmdline.found && s.cmdline.offset == 0x600 && s.cmdline.size == 23);
	ck_assert(s.uname.found && s.uname.offset == 0x800 && s.uname.size == 14);
	ck_assert(s.kernel.found);
	ck_assert_uint_eq(s.kernel.offset, 0xa00);
	ck_assert_uint_eq(s.kernel.size, 0x300);
	ck_assert_uint_eq(s.ucode.offset, 0xe00);
	/* VirtualSize 0x10 of SizeOfRawData 0x200: the data is 0x10. */
	ck_assert_uint_eq(s.ucode.size, 0x10);
	/* VirtualSize 0x180 < raw 0x200. */
	ck_assert_uint_eq(s.initrd.offset, 0x1000);
	ck_assert_uint_eq(s.initrd.size, 0x180);
	free(pe);
}
END_TEST

START_TEST(raw_smaller_than_virtual)
{
	static const struct sec v[] = { { ".linux", "K", 0x200, 0x5000 } };
	struct uki_sections s;
	struct diags d = { 0 };
	size_t len;
	uint8_t *pe = make_pe(v, 1, &len);

	ck_assert_int_eq(uki_parse(pe, len, "x.efi", &s, &d), 0);
	ck_assert_uint_eq(s.kernel.size, 0x200);
	ck_assert(!s.initrd.found && !s.ucode.found && !s.cmdline.found);
	free(pe);
}
END_TEST

START_TEST(entry)
{
	struct boot_entries list = { 0 };
	struct uki_texts t;
	struct uki_sections s;
	struct diags d = { 0 };
	struct boot_entry *e;
	size_t len;
	uint8_t *pe = make_pe(full, 7, &len);

	ck_assert_int_eq(uki_parse(pe, len, "EFI/Linux/x.efi", &s, &d), 0);
	uki_texts_get(pe, &s, &t);
	ck_assert_uint_eq(t.stub, 0);
	e = uki_entry_add(&list, "EFI/Linux/x.efi", NULL, &s, &t);
	uki_texts_free(&t);
	ck_assert_uint_eq(list.n, 1);
	ck_assert_int_eq(e->origin, BOOT_FROM_UKI);
	ck_assert_int_eq(e->kind, BOOT_LINUX);
	ck_assert_str_eq(e->kernel.path, "EFI/Linux/x.efi");
	ck_assert(e->kernel.part);
	ck_assert_uint_eq(e->kernel.offset, 0xa00);
	ck_assert_uint_eq(e->kernel.size, 0x300);
	ck_assert_uint_eq(e->n_initrds, 2);
	ck_assert_str_eq(e->initrds[0].path, "EFI/Linux/x.efi");
	ck_assert(e->initrds[0].part && e->initrds[1].part);
	ck_assert_uint_eq(e->initrds[0].offset, 0xe00);        /* .ucode first */
	ck_assert_uint_eq(e->initrds[0].size, 0x10);
	ck_assert_uint_eq(e->initrds[1].offset, 0x1000);
	ck_assert_uint_eq(e->initrds[1].size, 0x180);
	ck_assert_uint_eq(e->initrd_align, 4);
	ck_assert_str_eq(e->cmdline, "root=/dev/sda1 quiet");
	ck_assert_str_eq(e->title, "6.1.0-13-amd64");
	ck_assert_ptr_null(e->uki_ignored.path);
	ck_assert(!e->uki_signed);
	boot_entries_free(&list);
	free(pe);
}
END_TEST

static void expect_error(const uint8_t *pe, size_t len, uint64_t offset,
			 const char *want);

/* .sdmagic names the stub: one older than 256 does not hand over .ucode. */
START_TEST(stub_version)
{
	static const char v252[] = "#### LoaderInfo: systemd-stub 252.39-1~deb12u2 ####";
	static const struct sec old[] = {
		{ ".sdmagic", v252, sizeof(v252) - 1, 0 },
		{ ".linux", "KERNEL", 0x200, 0 },
		{ ".ucode", "MICROCODE", 0x10, 0 },
		{ ".initrd", "INITRD", 0x200, 0 },
	};
	struct boot_entries list = { 0 };
	struct uki_texts t;
	struct uki_sections s;
	struct diags d = { 0 };
	struct boot_entry *e;
	size_t len;
	uint8_t *pe = make_pe(old, 4, &len);

	ck_assert_uint_eq(uki_stub_version(v252, sizeof(v252) - 1), 252);
	ck_assert_uint_eq(uki_stub_version("#### LoaderInfo: systemd-stub v256-3-gabc ####", 46), 256);
	ck_assert_uint_eq(uki_stub_version("#### LoaderInfo: systemd-stub 257.6", 35), 257);
	ck_assert_uint_eq(uki_stub_version("#### LoaderInfo: systemd-stub ", 30), 0);
	ck_assert_uint_eq(uki_stub_version("#### LoaderInfo: systemd-boot 256 ####", 38), 0);
	ck_assert_uint_eq(uki_stub_version("#### LoaderInfo: systemd-stub 99999999999 ####", 46), 0);

	ck_assert_int_eq(uki_parse(pe, len, "x.efi", &s, &d), 0);
	uki_texts_get(pe, &s, &t);
	ck_assert_uint_eq(t.stub, 252);
	e = uki_entry_add(&list, "x.efi", "/efi/x.efi", &s, &t);
	ck_assert_uint_eq(e->uki_stub, 252);
	/* .initrd alone is handed over; .ucode is kept aside. */
	ck_assert_uint_eq(e->n_initrds, 1);
	ck_assert_str_eq(e->initrds[0].part_name, ".initrd");
	ck_assert_str_eq(e->initrds[0].file, "/efi/x.efi");
	ck_assert_str_eq(e->uki_ignored.path, "x.efi");
	ck_assert_uint_eq(e->uki_ignored.offset, s.ucode.offset);
	ck_assert_uint_eq(e->uki_ignored.size, 0x10);

	/* The same with a 256 stub: .ucode first. */
	t.stub = 256;
	e = uki_entry_add(&list, "x.efi", NULL, &s, &t);
	ck_assert_uint_eq(e->n_initrds, 2);
	ck_assert_str_eq(e->initrds[0].part_name, ".ucode");
	ck_assert_ptr_null(e->uki_ignored.path);
	uki_texts_free(&t);
	boot_entries_free(&list);
	free(pe);
}
END_TEST

/* A certificate table (data directory 4) with a size: signed. */
START_TEST(signature)
{
	static const struct sec v[] = { { ".linux", "K", 0x200, 0 } };
	struct uki_sections s;
	struct diags d = { 0 };
	size_t len;
	uint8_t *pe = make_pe(v, 1, &len);
	uint8_t *opt = pe + LFANEW + 24;

	put32(opt + 108, 16);                   /* NumberOfRvaAndSizes */
	ck_assert_int_eq(uki_parse(pe, len, "x.efi", &s, &d), 0);
	ck_assert(!s.has_signature);
	put32(opt + 112 + 4 * 8, 0x400);        /* the table's file offset */
	put32(opt + 112 + 4 * 8 + 4, 0x6a8);    /* and size */
	ck_assert_int_eq(uki_parse(pe, len, "x.efi", &s, &d), 0);
	ck_assert(s.has_signature);
	put32(opt + 108, 4);                    /* no directory 4 */
	ck_assert_int_eq(uki_parse(pe, len, "x.efi", &s, &d), 0);
	ck_assert(!s.has_signature);
	free(pe);
}
END_TEST

/* .linux, .ucode and .initrd share no byte with the headers or each other. */
START_TEST(overlaps)
{
	static const struct sec v[] = {
		{ ".linux", "K", 0x200, 0 }, { ".ucode", "U", 0x200, 0 },
		{ ".initrd", "I", 0x200, 0 },
	};
	size_t len;
	uint8_t *pe = make_pe(v, 3, &len);

	/* .initrd's data from inside .ucode's (0x400..0x600). */
	put32(pe + TABLE + 80 + 20, 0x500);
	expect_error(pe, len, TABLE + 80 + 20, "section .initrd (0x200 bytes at 0x500) "
		     "overlaps .ucode (0x200 bytes at 0x400)");
	/* Touching is not overlapping. */
	put32(pe + TABLE + 80 + 20, 0x600);
	{
		struct uki_sections s;
		struct diags d = { 0 };

		ck_assert_int_eq(uki_parse(pe, len, "x.efi", &s, &d), 0);
	}
	/* .ucode over the section table. */
	put32(pe + TABLE + 40 + 20, 0x100);
	expect_error(pe, len, TABLE + 40 + 20, "section .ucode (at 0x100) overlaps "
		     "the PE headers (to 0x1c0)");
	free(pe);
}
END_TEST

/* One error, at offset, with text, for pe of len bytes. */
static void expect_error(const uint8_t *pe, size_t len, uint64_t offset,
			 const char *want)
{
	struct uki_sections s;
	struct diags d = { 0 };

	ck_assert_int_eq(uki_parse(pe, len, "x.efi", &s, &d), -1);
	ck_assert_uint_eq(d.n, 1);
	ck_assert_str_eq(d.v[0].file, "x.efi");
	ck_assert_uint_eq(d.v[0].offset, offset);
	ck_assert_str_eq(d.v[0].text, want);
	diags_free(&d);
}

START_TEST(errors)
{
	static const struct sec none[] = { { ".text", "T", 0x10, 0 } };
	size_t len;
	uint8_t *pe = make_pe(full, 7, &len), *copy = malloc(len);

	ck_assert_ptr_nonnull(copy);
	expect_error(pe, 0x3f, 0, "not a PE file (no MZ header)");
	memcpy(copy, pe, len);
	copy[1] = 'X';
	expect_error(copy, len, 0, "not a PE file (no MZ header)");

	memcpy(copy, pe, len);
	put32(copy + 0x3c, (uint32_t)len - 23);
	expect_error(copy, len, 0x3c, "the PE header is outside the file");
	put32(copy + 0x3c, 0xffffffff);
	expect_error(copy, len, 0x3c, "the PE header is outside the file");
	/* Signature, COFF header and the optional header's magic must fit. */
	put32(copy + 0x3c, (uint32_t)len - 25);
	expect_error(copy, len, 0x3c, "the PE header is outside the file");
	put32(copy + 0x3c, (uint32_t)len - 26);
	expect_error(copy, len, len - 26, "not a PE file (no PE signature)");
	put32(copy + 0x3c, 0x3f);
	expect_error(copy, len, 0x3c, "the PE header overlaps the DOS header");

	memcpy(copy, pe, len);
	put16(copy + LFANEW + 24, 0x107);
	expect_error(copy, len, LFANEW + 24, "not a PE32 or PE32+ optional header");
	put16(copy + LFANEW + 24, 0x10b);
	{
		struct uki_sections s;
		struct diags d = { 0 };

		ck_assert_int_eq(uki_parse(copy, len, "x.efi", &s, &d), 0);
	}

	memcpy(copy, pe, len);
	put16(copy + LFANEW + 6, 97);
	expect_error(copy, len, LFANEW + 6,
		     "more than 96 sections, which systemd-stub (v252) refuses");

	memcpy(copy, pe, len);
	put16(copy + LFANEW + 20, 0xffff);
	expect_error(copy, len, LFANEW + 20, "the section table is outside the file");
	/* The table fits, but not its last entry. */
	expect_error(pe, TABLE + 40 * 7 - 1, LFANEW + 20,
		     "the section table is outside the file");

	/* .ucode (entry 5) data past the end; then a pointer near 4 GiB. */
	memcpy(copy, pe, len);
	put32(copy + TABLE + 40 * 5 + 20, (uint32_t)len - 0xf);
	expect_error(copy, len, TABLE + 40 * 5 + 20, "section .ucode is outside the file");
	put32(copy + TABLE + 40 * 5 + 20, 0xfffffff0);
	expect_error(copy, len, TABLE + 40 * 5 + 20, "section .ucode is outside the file");
	put32(copy + TABLE + 40 * 5 + 20, (uint32_t)len - 0x10);
	{
		struct uki_sections s;
		struct diags d = { 0 };

		/* Exactly to the end is inside. */
		ck_assert_int_eq(uki_parse(copy, len, "x.efi", &s, &d), 0);
		ck_assert_uint_eq(s.ucode.offset, len - 0x10);
	}
	free(pe);
	free(copy);

	pe = make_pe(none, 1, &len);
	expect_error(pe, len, LFANEW + 6, "no .linux section: not a UKI");
	free(pe);
}
END_TEST

/* As systemd-stub: the first section of a name counts, a second is
 * ignored with a warning. */
START_TEST(first_of_a_name)
{
	static const struct sec two[] = {
		{ ".linux", "K", 0x200, 0 }, { ".ucode", "U", 0x10, 0 },
		{ ".ucode", "V", 0x20, 0 },
	};
	struct uki_sections s;
	struct diags d = { 0 };
	size_t len;
	uint8_t *pe = make_pe(two, 3, &len);

	ck_assert_int_eq(uki_parse(pe, len, "x.efi", &s, &d), 0);
	ck_assert_uint_eq(s.ucode.offset, 0x400);
	ck_assert_uint_eq(s.ucode.size, 0x10);
	ck_assert_uint_eq(d.n, 1);
	ck_assert_int_eq(d.v[0].level, DIAG_WARNING);
	ck_assert_uint_eq(d.v[0].offset, TABLE + 80);
	ck_assert_str_eq(d.v[0].text, "a second .ucode section, which systemd-stub ignores");
	diags_free(&d);
	free(pe);
}
END_TEST

/* A name matches through its NUL, as systemd compares: ".linuxx" and
 * ".lin" are not ".linux", ".linux\0junk" is. */
/* No sections, the empty table at the very end: the error is inside. */
START_TEST(no_sections_at_end)
{
	static const struct sec none[] = { { ".text", "T", 0x10, 0 } };
	size_t len;
	uint8_t *pe = make_pe(none, 1, &len);

	put16(pe + LFANEW + 6, 0);
	expect_error(pe, TABLE, LFANEW + 6, "no .linux section: not a UKI");
	free(pe);
}
END_TEST

START_TEST(names_exact)
{
	static const struct sec v[] = {
		{ ".linuxx", "K", 0x10, 0 }, { ".lin", "K", 0x10, 0 },
	};
	struct uki_sections s;
	struct diags d = { 0 };
	size_t len;
	uint8_t *pe = make_pe(v, 2, &len);

	ck_assert_int_eq(uki_parse(pe, len, "x.efi", &s, &d), -1);
	ck_assert_uint_eq(d.v[0].offset, LFANEW + 6);
	ck_assert_str_eq(d.v[0].text, "no .linux section: not a UKI");
	diags_free(&d);
	memcpy(pe + TABLE + 40, ".linux\0J", 8);
	ck_assert_int_eq(uki_parse(pe, len, "x.efi", &s, &d), 0);
	ck_assert_uint_eq(s.kernel.offset, 0x400);
	free(pe);
}
END_TEST

static uint8_t *read_all(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf;
	long n;

	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	ck_assert_int_ge(n, 0);
	rewind(f);
	buf = malloc((size_t)n + 1);
	ck_assert_ptr_nonnull(buf);
	ck_assert_uint_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return buf;
}

static void write_file(const char *path, const char *data, size_t n)
{
	FILE *f = fopen(path, "wb");

	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(data, 1, n, f), n);
	ck_assert_int_eq(fclose(f), 0);
}

#define STUB "/usr/lib/systemd/boot/efi/linuxx64.efi.stub"

/* A UKI as ukify's objcopy route makes it, from Debian's systemd stub. */
START_TEST(real_stub)
{
	static const char ucode[] = "a microcode cpio, 29 bytes..";
	static const char initrd[] = "the initrd";
	static const char cmdline[] = "root=/dev/vda1 ro";
	char dir[] = "/tmp/test-uki.XXXXXX", cmd[2048], out[300];
	struct uki_sections s;
	struct diags d = { 0 };
	uint8_t *buf;
	size_t len;

	if (access(STUB, R_OK) || system("objcopy --version >/dev/null 2>&1")) {
		fprintf(stderr, "test-uki: real_stub: needs %s and objcopy (systemd-boot-efi, binutils): skipped\n",
			STUB);
		return;
	}
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(cmd, sizeof(cmd), "%s/ucode", dir);
	write_file(cmd, ucode, sizeof(ucode) - 1);
	snprintf(cmd, sizeof(cmd), "%s/initrd", dir);
	write_file(cmd, initrd, sizeof(initrd) - 1);
	snprintf(cmd, sizeof(cmd), "%s/cmdline", dir);
	write_file(cmd, cmdline, sizeof(cmdline) - 1);
	snprintf(cmd, sizeof(cmd), "%s/linux", dir);
	write_file(cmd, "not a kernel", 12);
	snprintf(out, sizeof(out), "%s/uki.efi", dir);
	snprintf(cmd, sizeof(cmd),
		 "cd %s && objcopy"
		 " --add-section .cmdline=cmdline --change-section-vma .cmdline=0x30000"
		 " --add-section .ucode=ucode --change-section-vma .ucode=0x40000"
		 " --add-section .linux=linux --change-section-vma .linux=0x50000"
		 " --add-section .initrd=initrd --change-section-vma .initrd=0x60000"
		 " %s uki.efi", dir, STUB);
	ck_assert_int_eq(system(cmd), 0);

	buf = read_all(out, &len);
	ck_assert_int_eq(uki_parse(buf, len, out, &s, &d), 0);
	ck_assert_uint_eq(d.n, 0);
	ck_assert_uint_eq(s.ucode.size, sizeof(ucode) - 1);
	ck_assert(!memcmp(buf + s.ucode.offset, ucode, sizeof(ucode) - 1));
	ck_assert_uint_eq(s.initrd.size, sizeof(initrd) - 1);
	ck_assert(!memcmp(buf + s.initrd.offset, initrd, sizeof(initrd) - 1));
	ck_assert_uint_eq(s.kernel.size, 12);
	ck_assert(!memcmp(buf + s.kernel.offset, "not a kernel", 12));
	ck_assert_uint_eq(s.cmdline.size, sizeof(cmdline) - 1);
	ck_assert(!s.has_signature);
	free(buf);
	/* From the file as status reads it: Debian 12's stub, 252. */
	{
		struct uki_sections s2;
		struct uki_texts t;

		ck_assert_int_eq(uki_read(out, &s2, &t, &d), 0);
		ck_assert_uint_eq(s2.ucode.offset, s.ucode.offset);
		ck_assert_uint_eq(s2.initrd.offset, s.initrd.offset);
		ck_assert_str_eq(t.cmdline, cmdline);
		ck_assert_uint_ge(t.stub, 252);
		uki_texts_free(&t);
	}
	buf = NULL;
	/* The stub's own .osrel-less build: only what we added is named. */
	free(buf);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
}
END_TEST

static Suite *uki_suite(void)
{
	Suite *s = suite_create("uki");
	TCase *tc = tcase_create("uki");

	tcase_add_test(tc, sections);
	tcase_add_test(tc, raw_smaller_than_virtual);
	tcase_add_test(tc, entry);
	tcase_add_test(tc, stub_version);
	tcase_add_test(tc, signature);
	tcase_add_test(tc, overlaps);
	tcase_add_test(tc, errors);
	tcase_add_test(tc, no_sections_at_end);
	tcase_add_test(tc, first_of_a_name);
	tcase_add_test(tc, names_exact);
	tcase_add_test(tc, real_stub);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(uki_suite)

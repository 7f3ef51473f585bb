// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * BLS type #1 entries: real shapes (Fedora's, with several initrd and
 * options lines), an EFI-program entry, and every error with its line
 * and the exact byte offset of that line.
 */
#include <string.h>

#include "unit.h"
#include "domain/boot/bls.h"

static int parse(const char *text, struct boot_entries *out, struct diags *d)
{
	return bls_entry_parse(text, strlen(text), "loader/entries/x.conf", out, d);
}

/* Exactly one diagnostic, an error at offset with text. */
static void expect_error(const char *text, uint64_t offset, const char *want)
{
	struct boot_entries out = { 0 };
	struct diags d = { 0 };

	ck_assert_int_eq(parse(text, &out, &d), -1);
	ck_assert_uint_eq(out.n, 0);
	ck_assert_uint_eq(d.n, 1);
	ck_assert_int_eq(d.v[0].level, DIAG_ERROR);
	ck_assert_str_eq(d.v[0].file, "loader/entries/x.conf");
	ck_assert_uint_eq(d.v[0].offset, offset);
	ck_assert_str_eq(d.v[0].text, want);
	diags_free(&d);
}

START_TEST(fedora)
{
	static const char text[] =
		"# written by kernel-install\n"
		"title Fedora Linux (6.5.6-300.fc39.x86_64) 39 (Thirty Nine)\n"
		"version 6.5.6-300.fc39.x86_64\n"
		"linux /vmlinuz-6.5.6-300.fc39.x86_64\n"
		"initrd /intel-ucode.img\n"
		"initrd   /initramfs-6.5.6-300.fc39.x86_64.img  \n"
		"options root=UUID=0b3c ro\n"
		"\n"
		"options\trhgb quiet\r\n"
		"grub_users $grub_users\n"
		"grub_arg --unrestricted\n"
		"grub_class fedora\n"
		"devicetree /dtb/x.dtb";
	struct boot_entries out = { 0 };
	struct diags d = { 0 };
	struct boot_entry *e;

	ck_assert_int_eq(parse(text, &out, &d), 0);
	ck_assert_uint_eq(d.n, 0);
	ck_assert_uint_eq(out.n, 1);
	e = &out.v[0];
	ck_assert_int_eq(e->origin, BOOT_FROM_BLS);
	ck_assert_int_eq(e->kind, BOOT_LINUX);
	ck_assert_str_eq(e->config, "loader/entries/x.conf");
	ck_assert_str_eq(e->title, "Fedora Linux (6.5.6-300.fc39.x86_64) 39 (Thirty Nine)");
	ck_assert_str_eq(e->kernel.path, "/vmlinuz-6.5.6-300.fc39.x86_64");
	ck_assert_uint_eq(e->kernel.line, 4);
	ck_assert_uint_eq(e->n_initrds, 2);
	ck_assert_str_eq(e->initrds[0].path, "/intel-ucode.img");
	ck_assert_uint_eq(e->initrds[0].line, 5);
	ck_assert_str_eq(e->initrds[1].path, "/initramfs-6.5.6-300.fc39.x86_64.img");
	ck_assert_uint_eq(e->initrds[1].line, 6);
	ck_assert_str_eq(e->cmdline, "root=UUID=0b3c ro rhgb quiet");
	ck_assert(!e->unresolved);
	ck_assert(!e->recovery);
	ck_assert_uint_eq(e->initrd_align, 0);
	boot_entries_free(&out);
}
END_TEST

START_TEST(rescue_and_variable)
{
	static const char text[] =
		"title Fedora Linux (0-rescue-ab12) 39\n"
		"linux /vmlinuz-0-rescue-ab12\n"
		"initrd /initramfs-0-rescue-ab12.img\n"
		"options $kernelopts\n";
	struct boot_entries out = { 0 };
	struct diags d = { 0 };

	ck_assert_int_eq(bls_entry_parse(text, strlen(text),
					 "/boot/loader/entries/ab12-0-rescue.conf",
					 &out, &d), 0);
	ck_assert_uint_eq(out.n, 1);
	ck_assert(out.v[0].recovery);
	ck_assert(out.v[0].unresolved);
	ck_assert_str_eq(out.v[0].why,
			 "`options` uses a GRUB variable ($kernelopts), set at boot time");
	boot_entries_free(&out);
}
END_TEST

START_TEST(efi_program)
{
	static const char text[] =
		"title Windows\n"
		"efi /EFI/Microsoft/Boot/bootmgfw.efi\n";
	struct boot_entries out = { 0 };
	struct diags d = { 0 };

	ck_assert_int_eq(parse(text, &out, &d), 0);
	ck_assert_uint_eq(out.n, 1);
	ck_assert(out.v[0].unresolved);
	ck_assert_ptr_null(out.v[0].kernel.path);
	ck_assert_str_eq(out.v[0].why,
			 "line 2: `efi /EFI/Microsoft/Boot/bootmgfw.efi` boots an EFI program, not a kernel and initrds that can be checked");
	boot_entries_free(&out);
}
END_TEST

START_TEST(appends_to_list)
{
	struct boot_entries out = { 0 };
	struct diags d = { 0 };

	ck_assert_int_eq(parse("linux /a\n", &out, &d), 0);
	ck_assert_int_eq(parse("linux /b\nlinux /c\n", &out, &d), -1);
	ck_assert_int_eq(parse("linux /d", &out, &d), 0);
	ck_assert_uint_eq(out.n, 2);
	ck_assert_str_eq(out.v[0].kernel.path, "/a");
	ck_assert_str_eq(out.v[1].kernel.path, "/d");
	ck_assert_uint_eq(out.v[1].n_initrds, 0);
	ck_assert_ptr_null(out.v[1].cmdline);
	boot_entries_free(&out);
	diags_free(&d);
}
END_TEST

START_TEST(errors)
{
	static const char nul[] = "title x\nlinux /v\ninit\0rd /i\n";
	struct boot_entries out = { 0 };
	struct diags d = { 0 };

	expect_error("title x\nlinux /v\nlinux /w\n", 17, "line 3: a second `linux` line");
	expect_error("title x\nlinux\n", 8, "line 2: `linux` without a path");
	expect_error("linux /v\ninitrd \t \n", 9, "line 2: `initrd` without a path");
	expect_error("linux /v\n# c\ninitrd /a /b\n", 13,
		     "line 3: `initrd` names more than one path");
	expect_error("efi\n", 0, "line 1: `efi` without a path");
	expect_error("title x\noptions quiet\n", DIAG_NO_OFFSET,
		     "no `linux`, `efi` or `uki` line: not a boot entry");
	expect_error("", DIAG_NO_OFFSET,
		     "no `linux`, `efi` or `uki` line: not a boot entry");

	ck_assert_int_eq(bls_entry_parse(nul, sizeof(nul) - 1, "n.conf", &out, &d), -1);
	ck_assert_uint_eq(out.n, 0);
	ck_assert_uint_eq(d.n, 1);
	ck_assert_uint_eq(d.v[0].offset, 17);
	ck_assert_str_eq(d.v[0].text, "line 3: a NUL byte");
	diags_free(&d);
}
END_TEST

static Suite *bls_suite(void)
{
	Suite *s = suite_create("bls");
	TCase *tc = tcase_create("bls");

	tcase_add_test(tc, fedora);
	tcase_add_test(tc, rescue_and_variable);
	tcase_add_test(tc, efi_program);
	tcase_add_test(tc, appends_to_list);
	tcase_add_test(tc, errors);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(bls_suite)

// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * syslinux-family configs: Debian's extlinux.conf (extlinux-update's
 * shape), a pxelinux.cfg/default with an mboot.c32 Xen entry, the INITRD
 * list and initrd= forms and which wins, the command line syslinux 6 gives
 * the kernel, the global APPEND, DEFAULT; every error with its line and the
 * exact offset of that line; what is left unresolved.
 */
#include <string.h>

#include "unit.h"
#include "domain/boot/syslinux.h"

#define NAME "extlinux.conf"

static int parse(const char *text, struct boot_entries *out, struct diags *d)
{
	return syslinux_cfg_parse(text, strlen(text), NAME, out, d);
}

static void expect_error(const char *text, uint64_t offset, const char *want)
{
	struct boot_entries out = { 0 };
	struct diags d = { 0 };

	ck_assert_int_eq(parse(text, &out, &d), -1);
	ck_assert_uint_eq(out.n, 0);
	ck_assert_uint_eq(d.errors, 1);
	ck_assert_int_eq(d.v[d.n - 1].level, DIAG_ERROR);
	ck_assert_str_eq(d.v[d.n - 1].file, NAME);
	ck_assert_uint_eq(d.v[d.n - 1].offset, offset);
	ck_assert_str_eq(d.v[d.n - 1].text, want);
	diags_free(&d);
}

/* One label of text, parsed: its entry must be unresolved with why. */
static void expect_unresolved(const char *text, const char *why)
{
	struct boot_entries out = { 0 };
	struct diags d = { 0 };

	ck_assert_int_eq(parse(text, &out, &d), 0);
	ck_assert_uint_eq(out.n, 1);
	ck_assert(out.v[0].unresolved);
	ck_assert_str_eq(out.v[0].why, why);
	boot_entries_free(&out);
	diags_free(&d);
}

START_TEST(debian_extlinux)
{
	static const char text[] =
		"## /boot/extlinux/extlinux.conf\n"
		"##\n"
		"## IMPORTANT WARNING\n"
		"\n"
		"default l0\n"
		"menu title Debian GNU/Linux\n"
		"prompt 0\n"
		"timeout 50\n"
		"\n"
		"label l0\n"
		"\tmenu label Debian GNU/Linux, kernel 6.1.0-13-amd64\n"
		"\tlinux /boot/vmlinuz-6.1.0-13-amd64\n"
		"\tappend initrd=/boot/initrd.img-6.1.0-13-amd64 root=UUID=ab12 ro quiet\n"
		"\n"
		"label l0r\n"
		"\tmenu label Debian GNU/Linux, kernel 6.1.0-13-amd64 (rescue mode)\n"
		"\tlinux /boot/vmlinuz-6.1.0-13-amd64\n"
		"\tappend initrd=/boot/early.cpio,/boot/initrd.img-6.1.0-13-amd64 root=UUID=ab12 ro single\n";
	struct boot_entries out = { 0 };
	struct diags d = { 0 };
	struct boot_entry *e;

	ck_assert_int_eq(parse(text, &out, &d), 0);
	ck_assert_uint_eq(d.n, 0);
	ck_assert_uint_eq(out.n, 2);
	e = &out.v[0];
	ck_assert_int_eq(e->origin, BOOT_FROM_SYSLINUX);
	ck_assert_int_eq(e->kind, BOOT_LINUX);
	ck_assert_str_eq(e->config, NAME);
	ck_assert_uint_eq(e->line, 10);
	ck_assert(e->is_default);
	ck_assert(!e->recovery);
	ck_assert_str_eq(e->title, "Debian GNU/Linux, kernel 6.1.0-13-amd64");
	ck_assert_str_eq(e->kernel.path, "/boot/vmlinuz-6.1.0-13-amd64");
	ck_assert_uint_eq(e->kernel.line, 12);
	ck_assert_str_eq(e->cmdline,
			 "BOOT_IMAGE=/boot/vmlinuz-6.1.0-13-amd64 initrd=/boot/initrd.img-6.1.0-13-amd64 root=UUID=ab12 ro quiet");
	ck_assert_uint_eq(e->n_initrds, 1);
	ck_assert_str_eq(e->initrds[0].path, "/boot/initrd.img-6.1.0-13-amd64");
	ck_assert_uint_eq(e->initrds[0].line, 13);
	ck_assert_uint_eq(e->initrd_align, 4);
	ck_assert(!e->unresolved);

	e = &out.v[1];
	ck_assert(!e->is_default);
	ck_assert(e->recovery);
	ck_assert_uint_eq(e->line, 15);
	ck_assert_uint_eq(e->n_initrds, 2);
	ck_assert_str_eq(e->initrds[0].path, "/boot/early.cpio");
	ck_assert_str_eq(e->initrds[1].path, "/boot/initrd.img-6.1.0-13-amd64");
	ck_assert_uint_eq(e->initrds[1].line, 18);
	boot_entries_free(&out);
}
END_TEST

/* A Xen label is a recovery entry when its dom0 runs single, as GRUB's. */
START_TEST(xen_recovery)
{
	static const char text[] =
		"LABEL xen\n"
		"  KERNEL mboot.c32\n"
		"  APPEND /xen.gz ucode=scan --- /vmlinuz root=/dev/sda1 --- /initrd.img\n"
		"LABEL xen-recovery\n"
		"  KERNEL mboot.c32\n"
		"  APPEND /xen.gz --- /vmlinuz root=/dev/sda1 single --- /initrd.img\n";
	struct boot_entries out = { 0 };
	struct diags d = { 0 };

	ck_assert_int_eq(parse(text, &out, &d), 0);
	ck_assert_uint_eq(out.n, 2);
	ck_assert_int_eq(out.v[0].kind, BOOT_XEN);
	ck_assert(!out.v[0].recovery);
	ck_assert_int_eq(out.v[1].kind, BOOT_XEN);
	ck_assert(out.v[1].recovery);
	ck_assert_ptr_null(out.v[1].xen_cmdline);
	boot_entries_free(&out);
	diags_free(&d);
}
END_TEST

START_TEST(pxelinux_xen)
{
	static const char text[] =
		"DEFAULT menu.c32\n"
		"PROMPT 0\n"
		"MENU TITLE PXE boot\n"
		"INCLUDE common.cfg\n"
		"\n"
		"LABEL xen\n"
		"  MENU LABEL ^Xen 4.17 with Debian\n"
		"  KERNEL mboot.c32\n"
		"  APPEND xen-4.17-amd64.gz dom0_mem=2048M ucode=scan --- vmlinuz-6.1.0-13-amd64 root=/dev/sda1 ro console=hvc0 --- initrd.img-6.1.0-13-amd64  ---  intel-ucode.bin\n"
		"\n"
		"Label install\n"
		"  Menu Label ^Install\n"
		"  kernel debian-installer/amd64/linux\n"
		"  Initrd debian-installer/amd64/ucode.cpio,debian-installer/amd64/initrd.gz\n"
		"  APPEND vga=788 --- quiet\n"
		"\n"
		"LABEL local\r\n"
		"  LOCALBOOT 0\r\n";
	struct boot_entries out = { 0 };
	struct diags d = { 0 };
	struct boot_entry *e;

	ck_assert_int_eq(parse(text, &out, &d), 0);
	ck_assert_uint_eq(d.errors, 0);
	ck_assert_uint_eq(d.n, 1);
	ck_assert_int_eq(d.v[0].level, DIAG_NOTE);
	ck_assert_str_eq(d.v[0].text,
			 "line 4: INCLUDE common.cfg is not followed: entries it defines are not listed");
	ck_assert_uint_eq(out.n, 3);

	e = &out.v[0];
	ck_assert_int_eq(e->kind, BOOT_XEN);
	ck_assert(!e->unresolved);
	ck_assert(!e->is_default);
	ck_assert_str_eq(e->title, "Xen 4.17 with Debian");
	ck_assert_ptr_null(e->kernel.path);
	ck_assert_str_eq(e->xen.path, "xen-4.17-amd64.gz");
	ck_assert_str_eq(e->xen_cmdline, "dom0_mem=2048M ucode=scan");
	ck_assert_uint_eq(e->n_modules, 3);
	ck_assert_str_eq(e->modules[0].path, "vmlinuz-6.1.0-13-amd64");
	ck_assert_str_eq(e->modules[0].args, "root=/dev/sda1 ro console=hvc0");
	ck_assert_uint_eq(e->modules[0].line, 9);
	ck_assert_str_eq(e->modules[1].path, "initrd.img-6.1.0-13-amd64");
	ck_assert_ptr_null(e->modules[1].args);
	ck_assert_str_eq(e->modules[2].path, "intel-ucode.bin");
	ck_assert_ptr_null(e->modules[2].args);

	e = &out.v[1];
	ck_assert_int_eq(e->kind, BOOT_LINUX);
	ck_assert_str_eq(e->title, "Install");
	ck_assert_str_eq(e->kernel.path, "debian-installer/amd64/linux");
	ck_assert_str_eq(e->cmdline,
			 "BOOT_IMAGE=debian-installer/amd64/linux vga=788 --- quiet initrd=debian-installer/amd64/ucode.cpio,debian-installer/amd64/initrd.gz");
	ck_assert_uint_eq(e->n_initrds, 2);
	ck_assert_str_eq(e->initrds[0].path, "debian-installer/amd64/ucode.cpio");
	ck_assert_str_eq(e->initrds[1].path, "debian-installer/amd64/initrd.gz");
	ck_assert_uint_eq(e->initrds[0].line, 14);

	e = &out.v[2];
	ck_assert(e->unresolved);
	ck_assert_str_eq(e->title, "local");
	ck_assert_str_eq(e->why, "line 18: LOCALBOOT boots no Linux kernel");
	boot_entries_free(&out);
	diags_free(&d);
}
END_TEST

START_TEST(global_append)
{
	static const char text[] =
		"APPEND root=/dev/sda1 initrd=/i\n"
		"DEFAULT b\n"
		"LABEL a\n"
		"KERNEL /v\n"
		"LABEL b\n"
		"KERNEL /v\n"
		"APPEND -\n"
		"LABEL c\n"
		"KERNEL /v\n"
		"APPEND quiet\n";
	struct boot_entries out = { 0 };
	struct diags d = { 0 };

	ck_assert_int_eq(parse(text, &out, &d), 0);
	ck_assert_uint_eq(d.n, 0);
	ck_assert_uint_eq(out.n, 3);
	ck_assert_str_eq(out.v[0].cmdline, "BOOT_IMAGE=/v root=/dev/sda1 initrd=/i");
	ck_assert_uint_eq(out.v[0].n_initrds, 1);
	ck_assert_uint_eq(out.v[0].initrds[0].line, 1);
	/* ldlinux: "BOOT_IMAGE=%s %s" with empty arguments. */
	ck_assert_str_eq(out.v[1].cmdline, "BOOT_IMAGE=/v ");
	ck_assert_uint_eq(out.v[1].n_initrds, 0);
	ck_assert(out.v[1].is_default);
	ck_assert(!out.v[0].is_default && !out.v[2].is_default);
	ck_assert_str_eq(out.v[2].cmdline, "BOOT_IMAGE=/v quiet");
	boot_entries_free(&out);
}
END_TEST

START_TEST(default_names_no_label)
{
	struct boot_entries out = { 0 };
	struct diags d = { 0 };

	ck_assert_int_eq(parse("DEFAULT linux\nLABEL a\nKERNEL /v\n", &out, &d), 0);
	ck_assert_uint_eq(d.n, 1);
	ck_assert_int_eq(d.v[0].level, DIAG_NOTE);
	ck_assert_str_eq(d.v[0].text, "line 1: DEFAULT linux names no LABEL of this file");
	ck_assert(!out.v[0].is_default);
	boot_entries_free(&out);
	diags_free(&d);
}
END_TEST

/* One label; its only entry, resolved. */
static struct boot_entry *one(struct boot_entries *out, const char *text)
{
	struct diags d = { 0 };

	ck_assert_int_eq(parse(text, out, &d), 0);
	ck_assert_uint_eq(d.errors, 0);
	ck_assert_uint_eq(out->n, 1);
	ck_assert(!out->v[0].unresolved);
	diags_free(&d);
	return &out->v[0];
}

/* The first "initrd=" of the command line: APPEND's comes before INITRD's. */
START_TEST(initrd_precedence)
{
	struct boot_entries out = { 0 };
	struct boot_entry *e;

	e = one(&out, "LABEL a\nKERNEL /v\nINITRD /i\nAPPEND initrd=/j,/k ro\n");
	ck_assert_str_eq(e->cmdline, "BOOT_IMAGE=/v initrd=/j,/k ro initrd=/i");
	ck_assert_uint_eq(e->n_initrds, 2);
	ck_assert_str_eq(e->initrds[0].path, "/j");
	ck_assert_str_eq(e->initrds[1].path, "/k");
	ck_assert_uint_eq(e->initrds[1].line, 4);
	boot_entries_free(&out);

	e = one(&out, "LABEL a\nKERNEL /v\nAPPEND initrd=/i quiet initrd=/j\n");
	ck_assert_uint_eq(e->n_initrds, 1);
	ck_assert_str_eq(e->initrds[0].path, "/i");
	boot_entries_free(&out);

	/* ldlinux looks for the string, not a word. */
	e = one(&out, "LABEL a\nKERNEL /v\nAPPEND rd.noinitrd=/x\n");
	ck_assert_uint_eq(e->n_initrds, 1);
	ck_assert_str_eq(e->initrds[0].path, "/x");
	boot_entries_free(&out);
}
END_TEST

START_TEST(kernel_forms)
{
	struct boot_entries out = { 0 };
	struct boot_entry *e;

	/* Words after KERNEL's file are arguments, before APPEND's. */
	e = one(&out, "LABEL a\nKERNEL /v root=/dev/sda\nAPPEND quiet\n");
	ck_assert_str_eq(e->kernel.path, "/v");
	ck_assert_str_eq(e->cmdline, "BOOT_IMAGE=/v root=/dev/sda quiet");
	boot_entries_free(&out);

	/* A label without KERNEL boots the file it is named after. */
	e = one(&out, "# c\nLABEL vmlinuz\nAPPEND ro\n");
	ck_assert_str_eq(e->kernel.path, "vmlinuz");
	ck_assert_uint_eq(e->kernel.line, 2);
	ck_assert_str_eq(e->cmdline, "BOOT_IMAGE=vmlinuz ro");
	boot_entries_free(&out);

	/* INITRD on mboot.c32: " initrd=..." ends its arguments, so the last
	 * module's. */
	e = one(&out, "LABEL x\nKERNEL mboot.c32\nAPPEND xen.gz --- vmlinuz ro\nINITRD /i\n");
	ck_assert_int_eq(e->kind, BOOT_XEN);
	ck_assert_ptr_null(e->xen_cmdline);
	ck_assert_uint_eq(e->n_modules, 1);
	ck_assert_str_eq(e->modules[0].args, "ro initrd=/i");
	boot_entries_free(&out);
}
END_TEST

START_TEST(unresolved)
{
	expect_unresolved("LABEL a\nKERNEL chain.c32\nAPPEND hd0 1\n",
			  "line 2: chain.c32 is a COM32 module, not a Linux kernel");
	expect_unresolved("LABEL a\nKERNEL /boot/memdisk.IMG\n",
			  "line 2: /boot/memdisk.IMG is a disk image, not a Linux kernel");
	expect_unresolved("LABEL a\nCONFIG other.cfg\n",
			  "line 2: loads another config (other.cfg), which is not followed");
	expect_unresolved("LABEL a\ncom32 hdt.c32\n",
			  "line 2: COM32 boots no Linux kernel");
	expect_unresolved("LABEL a\nLOCALBOOT\n",
			  "line 2: LOCALBOOT boots no Linux kernel");
}
END_TEST

START_TEST(warnings_and_notes)
{
	struct boot_entries out = { 0 };
	struct diags d = { 0 };

	ck_assert_int_eq(parse("KERNEL /x\ninitrd /y\nLABEL a\nKERNEL /v\nLINUX /w\n",
			       &out, &d), 0);
	ck_assert_uint_eq(d.n, 3);
	ck_assert_int_eq(d.v[0].level, DIAG_NOTE);
	ck_assert_str_eq(d.v[0].text, "line 1: KERNEL outside a LABEL is ignored, as syslinux ignores it");
	ck_assert_str_eq(d.v[1].text, "line 2: INITRD outside a LABEL is ignored, as syslinux ignores it");
	ck_assert_int_eq(d.v[2].level, DIAG_WARNING);
	ck_assert_str_eq(d.v[2].text, "line 5: a second kernel in LABEL a: syslinux boots this one");
	ck_assert_uint_eq(out.n, 1);
	ck_assert_str_eq(out.v[0].kernel.path, "/w");
	ck_assert_uint_eq(out.v[0].kernel.line, 5);
	boot_entries_free(&out);
	diags_free(&d);
}
END_TEST

START_TEST(linux_keyword_forces_linux)
{
	struct boot_entries out = { 0 };
	struct diags d = { 0 };

	ck_assert_int_eq(parse("LABEL a\nLINUX /boot/kernel.img\n", &out, &d), 0);
	ck_assert(!out.v[0].unresolved);
	ck_assert_str_eq(out.v[0].kernel.path, "/boot/kernel.img");
	boot_entries_free(&out);
}
END_TEST

START_TEST(errors)
{
	static const char nul[] = "LABEL a\nKERNEL /v\0x\n";
	struct boot_entries out = { 0 };
	struct diags d = { 0 };

	expect_error("LABEL\n", 0, "line 1: LABEL without a name");
	expect_error("LABEL a\nKERNEL\n", 8, "line 2: KERNEL without a file");
	expect_error("LABEL a\n  linux  \n", 8, "line 2: LINUX without a file");
	expect_error("LABEL a\nKERNEL /v\nINITRD\n", 18, "line 3: INITRD without a file");
	expect_error("DEFAULT\n", 0, "line 1: DEFAULT without a label");
	expect_error("LABEL a\nKERNEL /v\nINITRD /a,,/b\n", 18,
		     "line 3: an empty name in the initrd list of `/a,,/b`");
	expect_error("LABEL a\nKERNEL /v\nAPPEND initrd=/a, ro\n", 18,
		     "line 3: an empty name in the initrd list of `initrd=/a, ro`");
	expect_error("LABEL a\nKERNEL /v\nAPPEND initrd= ro\n", 18,
		     "line 3: an empty name in the initrd list of `initrd= ro`");
	expect_error("LABEL x\nKERNEL mboot.c32\n", 8,
		     "line 2: mboot.c32 without arguments names no hypervisor");
	expect_error("LABEL x\nKERNEL mboot.c32\nAPPEND --- vmlinuz\n", 25,
		     "line 3: mboot.c32 names no hypervisor before `---`");
	expect_error("LABEL x\nKERNEL mboot.c32\nAPPEND xen.gz --- --- vmlinuz\n", 25,
		     "line 3: an empty module between `---` for mboot.c32");
	expect_error("LABEL x\nKERNEL mboot.c32\nAPPEND xen.gz --- vmlinuz ---\n", 25,
		     "line 3: mboot.c32 arguments end with `---`");
	expect_error("LABEL x\nKERNEL mboot.c32\nAPPEND xen.gz dom0_mem=1G\n", 25,
		     "line 3: mboot.c32 names no dom0 kernel after `---`");

	ck_assert_int_eq(syslinux_cfg_parse(nul, sizeof(nul) - 1, NAME, &out, &d), -1);
	ck_assert_uint_eq(out.n, 0);
	ck_assert_uint_eq(d.v[0].offset, 8);
	ck_assert_str_eq(d.v[0].text, "line 2: a NUL byte");
	diags_free(&d);

	/* Entries of earlier files stay; this file's are all taken back. */
	ck_assert_int_eq(parse("LABEL a\nKERNEL /v\n", &out, &d), 0);
	ck_assert_int_eq(parse("LABEL b\nKERNEL /w\nLABEL c\nINITRD\n", &out, &d), -1);
	ck_assert_uint_eq(out.n, 1);
	ck_assert_str_eq(out.v[0].kernel.path, "/v");
	boot_entries_free(&out);
	diags_free(&d);
}
END_TEST

static Suite *syslinux_suite(void)
{
	Suite *s = suite_create("syslinux");
	TCase *tc = tcase_create("syslinux");

	tcase_add_test(tc, debian_extlinux);
	tcase_add_test(tc, pxelinux_xen);
	tcase_add_test(tc, xen_recovery);
	tcase_add_test(tc, global_append);
	tcase_add_test(tc, default_names_no_label);
	tcase_add_test(tc, initrd_precedence);
	tcase_add_test(tc, kernel_forms);
	tcase_add_test(tc, unresolved);
	tcase_add_test(tc, warnings_and_notes);
	tcase_add_test(tc, linux_keyword_forces_linux);
	tcase_add_test(tc, errors);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(syslinux_suite)

// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * xen.efi's configuration: the documented example, the section rules
 * (default=, no default: first of each value, ucode= falling back to
 * [global]), Xen's line making (a tab or carriage return ends a line, '#'
 * anywhere, ';' first, leading spaces), the entry it makes (module order,
 * the ucode= module's index), the errors with their lines and offsets, and
 * the configuration file name xen.efi looks for beside itself.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "unit.h"
#include "domain/boot/discover.h"
#include "domain/boot/xen_efi_cfg.h"

static int parse(const char *text, struct xen_efi_cfg *c, struct diags *d)
{
	return xen_efi_cfg_parse(text, strlen(text), "xen.cfg", c, d);
}

static void expect_error(const char *text, size_t len, uint64_t offset,
			 const char *want)
{
	struct xen_efi_cfg c;
	struct diags d = { 0 };

	if (len == SIZE_MAX)
		len = strlen(text);
	ck_assert_int_eq(xen_efi_cfg_parse(text, len, "xen.cfg", &c, &d), -1);
	ck_assert_uint_eq(d.n, 1);
	ck_assert_int_eq(d.v[0].level, DIAG_ERROR);
	ck_assert_uint_eq(d.v[0].offset, offset);
	ck_assert_str_eq(d.v[0].text, want);
	ck_assert_ptr_null(c.kernel.value);
	diags_free(&d);
}

/* Xen's docs/misc/efi.pandoc example, with ucode= in [global]. */
START_TEST(documented)
{
	static const char text[] =
		"[global]\n"
		"default=sle11sp2\n"
		"ucode=GenuineIntel.bin\n"
		"\n"
		"[sle11sp2]\n"
		"options=console=vga,com1 com1=57600 loglvl=all noreboot\n"
		"kernel=vmlinuz-3.0.31-0.4-xen ignore_loglevel #earlyprintk=xen\n"
		"ramdisk=initrd-3.0.31-0.4-xen\n";
	struct boot_entries list = { 0 };
	struct xen_efi_cfg c;
	struct diags d = { 0 };
	struct boot_entry *e;

	ck_assert_int_eq(parse(text, &c, &d), 0);
	ck_assert_uint_eq(d.n, 0);
	ck_assert_str_eq(c.section, "sle11sp2");
	ck_assert_uint_eq(c.section_line, 2);
	ck_assert_str_eq(c.options.value, "console=vga,com1 com1=57600 loglvl=all noreboot");
	ck_assert_uint_eq(c.options.line, 6);
	/* The comment is gone; the space before it stays. */
	ck_assert_str_eq(c.kernel.value, "vmlinuz-3.0.31-0.4-xen ignore_loglevel ");
	ck_assert_str_eq(c.ramdisk.value, "initrd-3.0.31-0.4-xen");
	ck_assert_str_eq(c.ucode.value, "GenuineIntel.bin");
	ck_assert(c.ucode_global);
	ck_assert_uint_eq(c.ucode.line, 3);

	e = xen_efi_entry_add(&list, &c, "EFI/xen/xen.cfg", "/EFI/xen/xen.efi");
	ck_assert_int_eq(e->origin, BOOT_FROM_XEN_EFI);
	ck_assert_int_eq(e->kind, BOOT_XEN);
	ck_assert_str_eq(e->xen.path, "/EFI/xen/xen.efi");
	ck_assert_str_eq(e->xen_cmdline, c.options.value);
	ck_assert_str_eq(e->title, "sle11sp2");
	ck_assert_uint_eq(e->n_modules, 3);
	ck_assert_str_eq(e->modules[0].path, "vmlinuz-3.0.31-0.4-xen");
	ck_assert_str_eq(e->modules[0].args, "ignore_loglevel ");
	ck_assert_str_eq(e->modules[1].path, "initrd-3.0.31-0.4-xen");
	ck_assert_str_eq(e->modules[2].path, "GenuineIntel.bin");
	ck_assert_int_eq(e->xen_ucode_module, 2);
	ck_assert_uint_eq(e->modules[2].line, 3);
	xen_efi_cfg_free(&c);
	boot_entries_free(&list);
}
END_TEST

/* The section's own ucode= wins over [global]'s; xsm= comes before it. */
START_TEST(section_rules)
{
	static const char text[] =
		"[global]\n"
		"default=b\n"
		"ucode=global.bin\n"
		"kernel=global-kernel\n"
		"[a]\n"
		"kernel=a-kernel\n"
		"[b]\n"
		"kernel=b-kernel\n"
		"xsm=policy\n"
		"ucode=b.bin\n"
		"[b]\n"
		"ramdisk=second-b-is-never-read\n";
	struct boot_entries list = { 0 };
	struct xen_efi_cfg c;
	struct diags d = { 0 };
	struct boot_entry *e;

	ck_assert_int_eq(parse(text, &c, &d), 0);
	ck_assert_str_eq(c.kernel.value, "b-kernel");
	ck_assert_str_eq(c.ucode.value, "b.bin");
	ck_assert(!c.ucode_global);
	/* Xen stops at the next section header. */
	ck_assert_ptr_null(c.ramdisk.value);
	e = xen_efi_entry_add(&list, &c, "xen.cfg", "xen.efi");
	ck_assert_uint_eq(e->n_modules, 3);
	ck_assert_str_eq(e->modules[1].path, "policy");
	ck_assert_int_eq(e->xen_ucode_module, 2);
	ck_assert_ptr_null(e->xen_cmdline);
	xen_efi_cfg_free(&c);
	boot_entries_free(&list);

	/* No default=: headers ignored, the first of each value. */
	ck_assert_int_eq(parse("[x]\nkernel=k1\n[y]\nkernel=k2\nramdisk=r2\n", &c, &d), 0);
	ck_assert_ptr_null(c.section);
	ck_assert_str_eq(c.kernel.value, "k1");
	ck_assert_str_eq(c.ramdisk.value, "r2");
	ck_assert_uint_eq(c.ramdisk.line, 5);
	xen_efi_cfg_free(&c);
}
END_TEST

/* Lines as Xen makes them. */
START_TEST(lines)
{
	struct xen_efi_cfg c;
	struct diags d = { 0 };

	/* A tab ends the line; CR LF; leading spaces; ';' first; '#'. */
	ck_assert_int_eq(parse("   kernel=k a\tb\r\n;ramdisk=no\n"
			       "ramdisk=r # not this\r\noptions=  x;y\n", &c, &d), 0);
	ck_assert_str_eq(c.kernel.value, "k a");
	ck_assert_uint_eq(c.kernel.line, 1);
	ck_assert_str_eq(c.ramdisk.value, "r ");
	ck_assert_uint_eq(c.ramdisk.line, 3);
	ck_assert_str_eq(c.options.value, "x;y");
	xen_efi_cfg_free(&c);
	/* "kernel =" is no kernel=; "[global] junk" is [global]. */
	ck_assert_int_eq(parse("[global] junk\ndefault=s\n[s]\nkernel =x\nkernel=y\n",
			       &c, &d), 0);
	ck_assert_str_eq(c.kernel.value, "y");
	xen_efi_cfg_free(&c);
	/* The last line without a newline: ignored, with a warning at it. */
	ck_assert_int_eq(parse("kernel=k\nramdisk=r", &c, &d), 0);
	ck_assert_ptr_null(c.ramdisk.value);
	ck_assert_uint_eq(d.n, 1);
	ck_assert_int_eq(d.v[0].level, DIAG_WARNING);
	ck_assert_uint_eq(d.v[0].offset, 9);
	ck_assert_str_eq(d.v[0].text, "line 2: no newline at its end: xen.efi "
			 "ignores this line");
	diags_free(&d);
	xen_efi_cfg_free(&c);
}
END_TEST

START_TEST(errors)
{
	static const char nul[] = "kernel\0=k\n";

	expect_error("", 0, 0, "line 1: no kernel=: xen.efi stops (No Dom0 kernel "
		     "image specified)");
	expect_error("# nothing\nramdisk=r\n", SIZE_MAX, 0, "line 1: no kernel=: xen.efi "
		     "stops (No Dom0 kernel image specified)");
	expect_error(nul, sizeof(nul) - 1, 0, "line 1: no kernel=: xen.efi stops "
		     "(No Dom0 kernel image specified)");
	expect_error("# x\n[global]\ndefault=debain\n[debian]\nkernel=k\n", SIZE_MAX, 13,
		     "line 3: default=debain, but no [debain] section has kernel=: "
		     "xen.efi stops (No Dom0 kernel image specified)");
	/* The spaces after default= are part of the name. */
	expect_error("[global]\ndefault=a \n[a]\nkernel=k\n", SIZE_MAX, 9,
		     "line 2: default=a , but no [a ] section has kernel=: xen.efi "
		     "stops (No Dom0 kernel image specified)");
	expect_error("\xff\xfe[\0g\0", 6, 0, "line 1: UTF-16 text (a byte-order mark); "
		     "xen.efi reads an ASCII configuration");
}
END_TEST

/* chain= with no kernel= in the section: unresolved, not guessed. */
START_TEST(chain)
{
	struct boot_entries list = { 0 };
	struct xen_efi_cfg c;
	struct diags d = { 0 };
	struct boot_entry *e;

	ck_assert_int_eq(parse("[global]\ndefault=s\nchain=other.cfg\n", &c, &d), 0);
	e = xen_efi_entry_add(&list, &c, "xen.cfg", "xen.efi");
	ck_assert(e->unresolved);
	ck_assert_ptr_nonnull(strstr(e->why, "chain=other.cfg"));
	ck_assert_uint_eq(e->n_modules, 0);
	xen_efi_cfg_free(&c);
	boot_entries_free(&list);
}
END_TEST

static void touch(const char *path)
{
	FILE *f = fopen(path, "w");

	ck_assert_ptr_nonnull(f);
	fclose(f);
}

/* xen-4.2-unstable.efi tries xen-4.2-unstable.cfg, xen-4.2.cfg, xen-4.cfg,
 * xen.cfg, as Xen's documentation says. */
START_TEST(cfg_name)
{
	char dir[] = "/tmp/test-xencfg-XXXXXX", efi[80], p[80];
	static const char *const tries[] = {
		"xen-4.2-unstable.cfg", "xen-4.2.cfg", "xen-4.cfg", "xen.cfg",
	};
	char *got;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(efi, sizeof(efi), "%s/xen-4.2-unstable.efi", dir);
	touch(efi);
	ck_assert_ptr_null(boot_xen_efi_cfg(efi));
	/* The last candidate first: each made in turn is preferred. */
	for (int i = 3; i >= 0; i--) {
		snprintf(p, sizeof(p), "%s/%s", dir, tries[i]);
		touch(p);
		got = boot_xen_efi_cfg(efi);
		ck_assert_str_eq(got, p);
		free(got);
	}
	for (int i = 0; i < 4; i++) {
		snprintf(p, sizeof(p), "%s/%s", dir, tries[i]);
		unlink(p);
	}
	/* Separators in the directory are not cut at. */
	unlink(efi);
	rmdir(dir);
}
END_TEST

static Suite *xencfg_suite(void)
{
	Suite *s = suite_create("xencfg");
	TCase *tc = tcase_create("xencfg");

	tcase_add_test(tc, documented);
	tcase_add_test(tc, section_rules);
	tcase_add_test(tc, lines);
	tcase_add_test(tc, errors);
	tcase_add_test(tc, chain);
	tcase_add_test(tc, cfg_name);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(xencfg_suite)

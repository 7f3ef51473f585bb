// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The grub.cfg parser: the shapes grub-mkconfig writes on Debian 12
 * (10_linux, 20_linux_xen of GRUB 2.06 with its single module line, and
 * 2.12 with one line per file), submenus, recovery entries, variables,
 * quoting, if/fi, what cannot be resolved, and each malformed text with
 * the exact line and offset of its one error.  Every text is handed over
 * in an exact-size heap copy, so a sanitizer build sees a read past it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "unit.h"
#include "domain/boot/grub.h"
#include "util/diag.h"

static struct boot_entries out;
static struct diags d;

static int parse(const char *text)
{
	size_t len = strlen(text);
	char *copy = malloc(len ? len : 1);
	int r;

	ck_assert_ptr_nonnull(copy);
	memcpy(copy, text, len);
	boot_entries_free(&out);
	diags_free(&d);
	memset(&d, 0, sizeof(d));
	r = grub_cfg_parse(copy, len, "grub.cfg", &out, &d);
	free(copy);
	return r;
}

static void teardown(void)
{
	boot_entries_free(&out);
	diags_free(&d);
	memset(&d, 0, sizeof(d));
}

/* The diagnostics of one level, as "TEXT@OFFSET" joined by '|'. */
static const char *said(enum diag_level level)
{
	static char buf[4096];
	size_t n = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < d.n; i++) {
		if (d.v[i].level != level)
			continue;
		ck_assert_str_eq(d.v[i].file, "grub.cfg");
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s%s@%llu", n ? "|" : "",
				      d.v[i].text, (unsigned long long)d.v[i].offset);
		ck_assert_uint_lt(n, sizeof(buf));
	}
	return buf;
}

#define ck_file(f, p, l)                                 \
	do {                                             \
		ck_assert_str_eq((f).path, (p));         \
		ck_assert_uint_eq((f).line, (l));        \
		ck_assert_ptr_null((f).file);            \
	} while (0)

/* ---------------------------------------------------------- Debian 12 */

/* The header, 10_linux and a submenu, as grub-mkconfig writes them. */
static const char debian_linux[] =
	"#\n"                                                                   /* 1 */
	"# Written by grub-mkconfig from /etc/grub.d; do not edit.\n"
	"#\n"
	"### BEGIN /etc/grub.d/00_header ###\n"
	"if [ -s $prefix/grubenv ]; then\n"                                     /* 5 */
	"  set have_grubenv=true\n"
	"  load_env\n"
	"fi\n"
	"if [ \"${next_entry}\" ] ; then\n"
	"   set default=\"${next_entry}\"\n"                                    /* 10 */
	"   set next_entry=\n"
	"   save_env next_entry\n"
	"else\n"
	"   set default=\"0\"\n"
	"fi\n"                                                                  /* 15 */
	"if [ x\"${feature_menuentry_id}\" = xy ]; then\n"
	"  menuentry_id_option=\"--id\"\n"
	"else\n"
	"  menuentry_id_option=\"\"\n"
	"fi\n"                                                                  /* 20 */
	"export menuentry_id_option\n"
	"function load_video {\n"
	"  if [ x$feature_all_video_module = xy ]; then\n"
	"    insmod all_video\n"
	"  else\n"                                                              /* 25 */
	"    insmod efi_gop\n"
	"  fi\n"
	"}\n"
	"terminal_output gfxterm\n"
	"set timeout=5\n"                                                       /* 30 */
	"### END /etc/grub.d/00_header ###\n"
	"\n"
	"### BEGIN /etc/grub.d/10_linux ###\n"
	"menuentry 'Debian GNU/Linux' --class debian --class gnu-linux --class gnu "
	"--class os $menuentry_id_option 'gnulinux-simple-0f3c' {\n"
	"\tload_video\n"                                                        /* 35 */
	"\tinsmod gzio\n"
	"\tif [ x$grub_platform = xxen ]; then insmod xzio; insmod lzopio; fi\n"
	"\tinsmod part_gpt\n"
	"\tinsmod ext2\n"
	"\tsearch --no-floppy --fs-uuid --set=root 0f3c\n"                      /* 40 */
	"\techo\t'Loading Linux 6.1.0-18-amd64 ...'\n"
	"\tlinux\t/boot/vmlinuz-6.1.0-18-amd64 root=UUID=0f3c ro  quiet\n"
	"\techo\t'Loading initial ramdisk ...'\n"
	"\tinitrd\t/boot/intel-ucode.img /boot/initrd.img-6.1.0-18-amd64\n"
	"}\n"                                                                   /* 45 */
	"submenu 'Advanced options for Debian GNU/Linux' $menuentry_id_option "
	"'gnulinux-advanced-0f3c' {\n"
	"\tmenuentry 'Debian GNU/Linux, with Linux 6.1.0-18-amd64' --class debian "
	"$menuentry_id_option 'gnulinux-6.1.0-18-amd64-advanced-0f3c' {\n"
	"\t\tload_video\n"
	"\t\tlinux\t/boot/vmlinuz-6.1.0-18-amd64 root=UUID=0f3c ro  quiet\n"
	"\t\tinitrd\t/boot/initrd.img-6.1.0-18-amd64\n"                        /* 50 */
	"\t}\n"
	"\tmenuentry 'Debian GNU/Linux, with Linux 6.1.0-18-amd64 (recovery mode)' "
	"--class debian $menuentry_id_option 'gnulinux-6.1.0-18-amd64-recovery-0f3c' {\n"
	"\t\tlinux\t/boot/vmlinuz-6.1.0-18-amd64 root=UUID=0f3c ro single \n"
	"\t\tinitrd\t/boot/initrd.img-6.1.0-18-amd64\n"
	"\t}\n"                                                                 /* 55 */
	"}\n"
	"### END /etc/grub.d/10_linux ###\n"
	"menuentry 'UEFI Firmware Settings' $menuentry_id_option 'uefi-firmware' {\n"
	"\tfwsetup\n"
	"}\n";                                                                  /* 60 */

START_TEST(debian_linux_entries)
{
	const struct boot_entry *e;

	ck_assert_int_eq(parse(debian_linux), 0);
	ck_assert_str_eq(said(DIAG_ERROR), "");
	ck_assert_str_eq(said(DIAG_WARNING), "");
	/* fwsetup loads nothing: not an entry. */
	ck_assert_uint_eq(out.n, 3);

	e = &out.v[0];
	ck_assert_int_eq(e->origin, BOOT_FROM_GRUB);
	ck_assert_int_eq(e->kind, BOOT_LINUX);
	ck_assert_str_eq(e->config, "grub.cfg");
	ck_assert_uint_eq(e->line, 34);
	ck_assert_str_eq(e->title, "Debian GNU/Linux");
	ck_file(e->kernel, "/boot/vmlinuz-6.1.0-18-amd64", 42);
	ck_assert_str_eq(e->cmdline, "root=UUID=0f3c ro quiet");
	ck_assert_uint_eq(e->n_initrds, 2);
	ck_file(e->initrds[0], "/boot/intel-ucode.img", 44);
	ck_file(e->initrds[1], "/boot/initrd.img-6.1.0-18-amd64", 44);
	ck_assert(!e->recovery);
	ck_assert(!e->unresolved);
	ck_assert_ptr_null(e->why);
	ck_assert_ptr_null(e->xen.path);
	ck_assert_uint_eq(e->n_modules, 0);

	e = &out.v[1];
	ck_assert_uint_eq(e->line, 47);
	ck_assert_str_eq(e->title, "Debian GNU/Linux, with Linux 6.1.0-18-amd64");
	ck_file(e->kernel, "/boot/vmlinuz-6.1.0-18-amd64", 49);
	ck_assert_uint_eq(e->n_initrds, 1);
	ck_file(e->initrds[0], "/boot/initrd.img-6.1.0-18-amd64", 50);
	ck_assert(!e->recovery);
	ck_assert(!e->unresolved);

	e = &out.v[2];
	ck_assert_uint_eq(e->line, 52);
	ck_assert_str_eq(e->cmdline, "root=UUID=0f3c ro single");
	ck_assert(e->recovery);
	ck_assert(!e->unresolved);
}
END_TEST

/* 20_linux_xen as GRUB 2.06 writes it: every initrd on one module2 line. */
static const char xen_206[] =
	"menuentry 'Debian GNU/Linux, with Xen hypervisor' --class xen {\n"     /* 1 */
	"\tinsmod ext2\n"
	"\tsearch --no-floppy --fs-uuid --set=root 0f3c\n"
	"\techo\t'Loading Xen 4.17-amd64 ...'\n"
	"\tif [ \"$grub_platform\" = \"pc\" -o \"$grub_platform\" = \"\" ]; then\n"
	"\t\txen_rm_opts=\n"
	"\telse\n"
	"\t\txen_rm_opts=\"no-real-mode edd=off\"\n"
	"\tfi\n"
	"\tmultiboot2\t/boot/xen-4.17-amd64.gz placeholder dom0_mem=2G ucode=scan "
	"${xen_rm_opts}\n"                                                      /* 10 */
	"\techo\t'Loading Linux 6.1.0-18-amd64 ...'\n"
	"\tmodule2\t/boot/vmlinuz-6.1.0-18-amd64 placeholder root=UUID=0f3c ro  quiet\n"
	"\techo\t'Loading initial ramdisk ...'\n"
	"\tmodule2\t--nounzip   /boot/intel-ucode.img /boot/initrd.img-6.1.0-18-amd64\n"
	"}\n";

START_TEST(debian_xen_206_single_module_line)
{
	const struct boot_entry *e;

	ck_assert_int_eq(parse(xen_206), 0);
	ck_assert_str_eq(said(DIAG_ERROR), "");
	ck_assert_str_eq(said(DIAG_WARNING), "");
	ck_assert_uint_eq(out.n, 1);
	e = &out.v[0];
	ck_assert_int_eq(e->kind, BOOT_XEN);
	ck_assert_uint_eq(e->line, 1);
	ck_file(e->xen, "/boot/xen-4.17-amd64.gz", 10);
	/* Set under an `if`: kept as written; the files do not depend on it. */
	ck_assert_str_eq(e->xen_cmdline, "placeholder dom0_mem=2G ucode=scan ${xen_rm_opts}");
	ck_assert(!e->unresolved);
	ck_assert_ptr_null(e->kernel.path);
	ck_assert_uint_eq(e->n_initrds, 0);
	ck_assert_uint_eq(e->n_modules, 2);
	ck_file(e->modules[0], "/boot/vmlinuz-6.1.0-18-amd64", 12);
	ck_assert_str_eq(e->modules[0].args, "placeholder root=UUID=0f3c ro quiet");
	ck_assert(!e->modules[0].nounzip);
	ck_assert(!e->modules[0].args_name_files);
	/* GRUB loads the first file; the second is only its command line. */
	ck_file(e->modules[1], "/boot/intel-ucode.img", 14);
	ck_assert_str_eq(e->modules[1].args, "/boot/initrd.img-6.1.0-18-amd64");
	ck_assert(e->modules[1].nounzip);
	ck_assert(e->modules[1].args_name_files);
	ck_assert(!e->recovery);
}
END_TEST

/* 2.12: one module line per file; and the recovery entry. */
static const char xen_212[] =
	"submenu 'Debian GNU/Linux, with Xen 4.17-amd64' {\n"                  /* 1 */
	"\tmenuentry 'Debian GNU/Linux, with Xen 4.17-amd64 and Linux 6.1.0-18-amd64' {\n"
	"\t\tmultiboot2\t/boot/xen-4.17-amd64.gz placeholder ucode=scan\n"
	"\t\tmodule2\t/boot/vmlinuz-6.1.0-18-amd64 placeholder root=UUID=0f3c ro quiet\n"
	"\t\tmodule2\t--nounzip /boot/intel-ucode.img\n"                        /* 5 */
	"\t\tmodule2\t--nounzip /boot/initrd.img-6.1.0-18-amd64\n"
	"\t}\n"
	"\tmenuentry 'Debian GNU/Linux, with Xen 4.17-amd64 and Linux 6.1.0-18-amd64 "
	"(recovery mode)' {\n"
	"\t\tmultiboot2\t/boot/xen-4.17-amd64.gz placeholder\n"
	"\t\tmodule2\t/boot/vmlinuz-6.1.0-18-amd64 placeholder root=UUID=0f3c ro single\n"
	"\t\tmodule2\t--nounzip /boot/initrd.img-6.1.0-18-amd64\n"
	"\t}\n"
	"}\n";

START_TEST(debian_xen_212_one_line_per_module)
{
	const struct boot_entry *e;

	ck_assert_int_eq(parse(xen_212), 0);
	ck_assert_str_eq(said(DIAG_WARNING), "");
	ck_assert_uint_eq(out.n, 2);
	e = &out.v[0];
	ck_assert_int_eq(e->kind, BOOT_XEN);
	ck_assert_uint_eq(e->line, 2);
	ck_assert_str_eq(e->xen_cmdline, "placeholder ucode=scan");
	ck_assert_uint_eq(e->n_modules, 3);
	ck_file(e->modules[1], "/boot/intel-ucode.img", 5);
	ck_assert_ptr_null(e->modules[1].args);
	ck_assert(e->modules[1].nounzip && !e->modules[1].args_name_files);
	ck_file(e->modules[2], "/boot/initrd.img-6.1.0-18-amd64", 6);
	ck_assert_ptr_null(e->modules[2].args);
	ck_assert(!e->recovery);
	ck_assert(!e->unresolved);

	e = &out.v[1];
	ck_assert_uint_eq(e->line, 8);
	ck_assert_uint_eq(e->n_modules, 2);
	ck_assert(e->recovery);         /* by title and by `single` */
}
END_TEST

START_TEST(recovery_by_title_or_args)
{
	ck_assert_int_eq(parse("menuentry 'Debian (recovery mode)' { linux /k ro }\n"
			       "menuentry 'plain' { linux /k ro recovery }\n"
			       "menuentry 'words' { linux /k singleuser=1 norecovery }\n"
			       "menuentry 'xen' { multiboot2 /x.gz single; module2 /k ro }\n"), 0);
	ck_assert_uint_eq(out.n, 4);
	ck_assert(out.v[0].recovery);
	ck_assert(out.v[1].recovery);
	ck_assert(!out.v[2].recovery);
	/* For Xen, the dom0 kernel's command line counts, not Xen's. */
	ck_assert(!out.v[3].recovery);
	ck_assert_str_eq(out.v[0].cmdline, "ro");
}
END_TEST

/* ----------------------------------------------------------- variables */

START_TEST(variables_take_the_value_at_the_end_of_the_script)
{
	const struct boot_entry *e;

	ck_assert_int_eq(parse("set v=6.1.0-17\n"
			       "menuentry \"Linux $v\" {\n"
			       "  linux /vmlinuz-${v} root=$rootdev\n"
			       "  initrd $ucode /initrd.img-$v\n"
			       "}\n"
			       "v=6.1.0-18\n"
			       "set rootdev=/dev/sda1 ucode=\"/amd-ucode.img /intel-ucode.img\"\n"), 0);
	ck_assert_uint_eq(out.n, 1);
	e = &out.v[0];
	/* The title is expanded where the menuentry stands, the body at boot. */
	ck_assert_str_eq(e->title, "Linux 6.1.0-17");
	ck_file(e->kernel, "/vmlinuz-6.1.0-18", 3);
	ck_assert_str_eq(e->cmdline, "root=/dev/sda1");
	/* An unquoted value is split into words. */
	ck_assert_uint_eq(e->n_initrds, 3);
	ck_file(e->initrds[0], "/amd-ucode.img", 4);
	ck_file(e->initrds[1], "/intel-ucode.img", 4);
	ck_file(e->initrds[2], "/initrd.img-6.1.0-18", 4);
	ck_assert(!e->unresolved);
}
END_TEST

START_TEST(variables_set_inside_an_entry_stay_there)
{
	ck_assert_int_eq(parse("menuentry a { set k=/a; linux $k }\n"
			       "menuentry b { linux $k }\n"), 0);
	ck_assert_uint_eq(out.n, 2);
	ck_assert(!out.v[0].unresolved);
	ck_assert_str_eq(out.v[0].kernel.path, "/a");
	ck_assert(out.v[1].unresolved);
	ck_assert_str_eq(out.v[1].kernel.path, "$k");
	ck_assert_str_eq(out.v[1].why, "line 2: the kernel: `$k` is not set in this file");
}
END_TEST

START_TEST(submenus_see_exported_values_only)
{
	ck_assert_int_eq(parse("set a=/a b=/b\n"
			       "export b\n"
			       "submenu s {\n"
			       "  menuentry x { linux $a }\n"
			       "  menuentry y { linux $b }\n"
			       "  submenu t { menuentry z { linux $b$c }; }\n"
			       "  set c=/c\n"
			       "}\n"), 0);
	ck_assert_uint_eq(out.n, 3);
	ck_assert(out.v[0].unresolved);
	ck_assert_str_eq(out.v[0].why, "line 4: the kernel: `$a` is set outside the "
			 "submenu but not exported");
	ck_assert(!out.v[1].unresolved);
	ck_assert_str_eq(out.v[1].kernel.path, "/b");
	ck_assert_str_eq(out.v[2].title, "z");
	ck_assert(out.v[2].unresolved);
	ck_assert_str_eq(out.v[2].why, "line 6: the kernel: `$c` is set outside the "
			 "submenu but not exported");
}
END_TEST

START_TEST(variables_from_boot_time)
{
	ck_assert_int_eq(parse("menuentry a {\n"
			       "  search --no-floppy --fs-uuid --set=root 0f3c\n"
			       "  linux ($root)/vmlinuz\n"
			       "}\n"
			       "load_env\n"
			       "menuentry b { linux /vmlinuz-$kver; initrd /i }\n"
			       "menuentry c { linux /v; initrd (${grub_platform})/i }\n"), 0);
	ck_assert_uint_eq(out.n, 3);
	ck_assert_str_eq(out.v[0].kernel.path, "($root)/vmlinuz");
	ck_assert_str_eq(out.v[0].why, "line 3: the kernel: `$root` is set by the "
			 "`search` at line 2, at boot");
	ck_assert_str_eq(out.v[1].why, "line 6: the kernel: `$kver` may come from "
			 "grubenv (`load_env` at line 5)");
	ck_assert_str_eq(out.v[2].why, "line 7: the initrd: `$grub_platform` may come "
			 "from grubenv (`load_env` at line 5)");
	ck_assert_str_eq(out.v[2].initrds[0].path, "(${grub_platform})/i");
}
END_TEST

START_TEST(unset_export_load_env_by_name)
{
	ck_assert_int_eq(parse("set k=/a e=/e g=/g\n"
			       "unset k\n"
			       "load_env --file /x g\n"
			       "menuentry x { linux /v$k; initrd $g }\n"
			       "submenu s {\n"
			       "  menuentry y { linux /y; initrd $e }\n"
			       "}\n"
			       "export e\n"
			       "function f { menuentry hidden { linux /h } }\n"), 0);
	ck_assert_uint_eq(out.n, 2);
	/* unset: empty, as GRUB expands it. */
	ck_assert_str_eq(out.v[0].kernel.path, "/v");
	ck_assert_str_eq(out.v[0].why, "line 4: the initrd: `$g` may come from grubenv "
			 "(`load_env` at line 3)");
	/* Exported after the submenu is defined, before it is entered: seen. */
	ck_assert_str_eq(out.v[1].initrds[0].path, "/e");
	ck_assert(!out.v[1].unresolved);
}
END_TEST

START_TEST(values_grub_sets_itself)
{
	ck_assert_int_eq(parse("menuentry c { linux /v; initrd ($root)/i }\n"), 0);
	ck_assert_uint_eq(out.n, 1);
	ck_assert_str_eq(out.v[0].why, "line 1: the initrd: `$root` is set by GRUB at boot");
}
END_TEST

/* ------------------------------------------------------------- quoting */

START_TEST(quoting_as_grub_lexes_it)
{
	const struct boot_entry *e;

	ck_assert_int_eq(parse("# a comment { with a brace\n"
			       "set x=X\n"
			       "menuentry 'it''s \"$x\"' {   # comment after the brace\n"
			       "  linux '/with space/$x' a\\ b \"q\\\"\\$x\\\\\\n\" c#d \\\n"
			       "    e=\"$x y\"$x '' \"\"\n"
			       "  initrd /i\\\n"
			       "nitrd \"/two\n"
			       "lines\"\n"
			       "}\n"), 0);
	ck_assert_str_eq(said(DIAG_ERROR), "");
	ck_assert_uint_eq(out.n, 1);
	e = &out.v[0];
	ck_assert_uint_eq(e->line, 3);
	ck_assert_str_eq(e->title, "its \"$x\"");
	ck_file(e->kernel, "/with space/$x", 4);
	/* "" and '' are words of their own, empty. */
	ck_assert_str_eq(e->cmdline, "a b q\"$x\\\\n c#d e=X yX  ");
	ck_assert_uint_eq(e->n_initrds, 2);
	ck_file(e->initrds[0], "/initrd", 6);
	ck_file(e->initrds[1], "/two\nlines", 7);
}
END_TEST

START_TEST(keywords_only_unquoted)
{
	/* A quoted 'fi' or an expanded $f is a word, not the end of the if. */
	ck_assert_int_eq(parse("f=fi\n"
			       "menuentry a { linux /k 'fi' $f \\fi; }\n"), 0);
	ck_assert_uint_eq(out.n, 1);
	ck_assert_str_eq(out.v[0].cmdline, "fi fi fi");
}
END_TEST

/* --------------------------------------------------------------- if/fi */

START_TEST(branches_not_decided)
{
	ck_assert_int_eq(parse("menuentry a {\n"
			       "  if [ \"$grub_platform\" = efi ]; then\n"
			       "    linux /efi\n"
			       "  else\n"
			       "    linux /pc\n"
			       "  fi\n"
			       "  initrd /i\n"
			       "}\n"
			       "if [ -e /x ]; then set k=/one; else set k=/two; fi\n"
			       "menuentry b { linux $k }\n"
			       "if true; then\n"
			       "  menuentry c { insmod gzio; if a; then insmod xzio; elif b; then "
			       "insmod lzopio; fi; linux /c; }\n"
			       "fi\n"
			       "menuentry d { while x; do linux /d; done }\n"
			       "menuentry e { linux /e; for f in /a /b; do initrd $f; done }\n"
			       "menuentry f { true && linux /f }\n"), 0);
	ck_assert_uint_eq(out.n, 6);
	ck_assert(out.v[0].unresolved);
	ck_assert_str_eq(out.v[0].why, "line 3: `linux` is under the `if` at line 2, "
			 "which is not decided statically");
	/* What was read is kept: the later `linux` replaces the earlier. */
	ck_assert_str_eq(out.v[0].kernel.path, "/pc");
	ck_assert_str_eq(said(DIAG_WARNING), "line 5: `linux` replaces what line 3 loaded: "
			 "GRUB boots only the last@78");
	ck_assert_str_eq(out.v[1].why, "line 10: the kernel: `$k` is set under the `if` "
			 "at line 9, which is not decided statically");
	/* Inside an if at the top: kept; conditions on insmod only: resolved. */
	ck_assert_str_eq(out.v[2].title, "c");
	ck_assert(!out.v[2].unresolved);
	ck_assert_str_eq(out.v[3].why, "line 14: `linux` is under the `while` at line 14, "
			 "which is not decided statically");
	ck_assert_str_eq(out.v[4].why, "line 15: `initrd` is under the `for` at line 15, "
			 "which is not decided statically");
	ck_assert_str_eq(out.v[5].why, "line 16: `linux` is under the `&&`/`||` at line 16, "
			 "which is not decided statically");
}
END_TEST

/* ----------------------------------------------------- not resolvable */

START_TEST(files_named_not_followed)
{
	ck_assert_int_eq(parse("source /boot/grub/custom.cfg\n"
			       "menuentry a { linux /k; source /x.cfg }\n"
			       "menuentry b { configfile /y.cfg }\n"
			       "menuentry w { chainloader +1 }\n"), 0);
	ck_assert_str_eq(said(DIAG_NOTE),
			 "line 1: `source /boot/grub/custom.cfg` is not followed: what it "
			 "defines is not listed@0|"
			 "line 2: `source /x.cfg` is not followed: what it defines is not "
			 "listed@53|"
			 "line 3: `configfile /y.cfg` is not followed: what it defines is not "
			 "listed@83");
	/* b and w load nothing themselves: not entries. */
	ck_assert_uint_eq(out.n, 1);
	ck_assert_str_eq(out.v[0].why, "line 2: `source /x.cfg` is not followed");
}
END_TEST

START_TEST(what_grub_would_refuse_or_replace)
{
	ck_assert_int_eq(parse("menuentry a {\n"
			       "  initrd /early\n"
			       "  linux /k\n"
			       "  initrd /ucode.img\n"
			       "  initrd /initrd.img\n"
			       "  module2 /m\n"
			       "  linux\n"
			       "}\n"
			       "menuentry b { multiboot2 --quirk /x.gz; module2 --nounzip; "
			       "initrd /i }\n"), 0);
	ck_assert_str_eq(said(DIAG_WARNING),
			 "line 2: `initrd` before any `linux`: GRUB refuses it@16|"
			 "line 5: this `initrd` replaces the one at line 4: GRUB loads only "
			 "the last (name every file on one line)@63|"
			 "line 6: `module2` before any `multiboot`: GRUB refuses it@84|"
			 "line 7: `linux` without a file: GRUB refuses it@97|"
			 "line 9: `module2` without a file: GRUB refuses it@145|"
			 "line 9: `initrd` before any `linux`: GRUB refuses it@164");
	ck_assert_uint_eq(out.n, 2);
	ck_assert_uint_eq(out.v[0].n_initrds, 1);
	ck_file(out.v[0].initrds[0], "/initrd.img", 5);
	ck_file(out.v[1].xen, "/x.gz", 9);
	ck_assert_uint_eq(out.v[1].n_modules, 0);
}
END_TEST

/* -------------------------------------------------------------- errors */

struct bad {
	const char *text;
	size_t len;             /* 0: strlen */
	unsigned long long off;
	const char *msg;
};

static const struct bad bad[] = {
	{ "menuentry 'a {\n linux /k\n}\n", 0, 10,
	  "line 1: a '...' quote that does not end" },
	{ "set a=1\nmenuentry \"a\n{ linux /k }\n", 0, 18,
	  "line 2: a \"...\" quote that does not end" },
	{ "menuentry a {\n linux /k\n", 0, 0, "line 1: `menuentry` without its `}`" },
	{ "menuentry a {\n linux /k\n}\n}\n", 0, 26, "line 4: `}` without `{`" },
	{ "menuentry a {\n linux /k ${v\n}\n", 0, 24,
	  "line 2: `${` without its `}`" },
	{ "linux /k ${1x}\n", 0, 9, "line 1: `${...}` does not name a variable" },
	{ "if a; then\n  b\n", 0, 0, "line 1: `if` without `fi`" },
	{ "if a\nb\n", 0, 0, "line 1: `if` without `then`" },
	{ "x\nfi\n", 0, 2, "line 2: `fi` without `if`" },
	{ "then x\n", 0, 0, "line 1: `then` without `if`" },
	{ "done\n", 0, 0, "line 1: `done` without `while`, `until` or `for`" },
	{ "if a; then b; fi c\n", 0, 17, "line 1: `fi` must end its command" },
	{ "menuentry a { if x; then linux /k; }\n", 0, 35,
	  "line 1: `}` where `fi` was expected (the `if` at line 1)" },
	{ "while a; do\nb\n}\n", 0, 14,
	  "line 3: `}` where `done` was expected (the `while` at line 1)" },
	{ "for x in a b\nb\ndone\n", 0, 15,
	  "line 3: `done` where `do` was expected (the `for` at line 1)" },
	{ "for; do x; done\n", 0, 0, "line 1: `for` without a variable name" },
	{ "menuentry a\n{ linux /k }\n", 0, 0, "line 1: `menuentry` without `{` on its line" },
	{ "\nsubmenu {\n}\n", 0, 1, "line 2: `submenu` without a title" },
	{ "function {\n}\n", 0, 0, "line 1: `function` without a name" },
	{ "{ linux /k }\n", 0, 0, "line 1: `{` that opens no menuentry, submenu or function" },
	{ "linux /k {\n", 0, 9,
	  "line 1: `{` after `linux`: only menuentry, submenu and function take one" },
	{ "a & b\n", 0, 2, "line 1: `&` alone is not GRUB syntax (`&&` is)" },
	{ "echo a > b\n", 0, 7, "line 1: `>`: GRUB has no redirections" },
	{ "menuentry a {\n linux /k\0\n}\n", 26, 23, "line 2: a NUL byte: not a text file" },
	{ "# x\0y\n", 6, 3, "line 1: a NUL byte: not a text file" },
};

START_TEST(malformed_is_one_error_with_its_line)
{
	const struct bad *b = &bad[_i];
	size_t len = b->len ? b->len : strlen(b->text);
	struct boot_entry *kept;
	char *copy = malloc(len);

	teardown();
	/* What was in the list before stays; nothing of this file is added. */
	kept = boot_entry_add(&out, BOOT_FROM_BLS, BOOT_LINUX);
	kept->line = 7;
	ck_assert_ptr_nonnull(copy);
	memcpy(copy, b->text, len);
	ck_assert_int_eq(grub_cfg_parse(copy, len, "grub.cfg", &out, &d), -1);
	free(copy);
	ck_assert_uint_eq(d.errors, 1);
	ck_assert_uint_eq(d.n, 1);
	ck_assert_str_eq(d.v[0].file, "grub.cfg");
	ck_assert_str_eq(d.v[0].text, b->msg);
	ck_assert_uint_eq(d.v[0].offset, b->off);
	ck_assert_uint_eq(out.n, 1);
	ck_assert_int_eq(out.v[0].origin, BOOT_FROM_BLS);
	ck_assert_uint_eq(out.v[0].line, 7);
}
END_TEST

START_TEST(nesting_is_bounded)
{
	char text[4096];
	size_t n = 0;

	/* GRUB_CFG_MAX_NEST blocks are fine, one more is refused. */
	for (int i = 0; i < GRUB_CFG_MAX_NEST; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n, "submenu s {\n");
	n += (size_t)snprintf(text + n, sizeof(text) - n, "menuentry e {\n");
	ck_assert_int_eq(parse(text), -1);
	ck_assert_str_eq(said(DIAG_ERROR), "line 33: blocks nested deeper than 32@384");

	n = 0;
	for (int i = 0; i < GRUB_CFG_MAX_NEST - 1; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n, "submenu s {\n");
	n += (size_t)snprintf(text + n, sizeof(text) - n, "menuentry e { linux /k }\n");
	for (int i = 0; i < GRUB_CFG_MAX_NEST - 1; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n, "}\n");
	ck_assert_int_eq(parse(text), 0);
	ck_assert_uint_eq(out.n, 1);
	ck_assert_uint_eq(out.v[0].line, 32);
	ck_assert_str_eq(out.v[0].kernel.path, "/k");
}
END_TEST

/* A value doubled on each line: the expansions stop at 64 KiB in all. */
START_TEST(expansion_is_bounded)
{
	char text[1024];
	size_t n = 0;

	n += (size_t)snprintf(text + n, sizeof(text) - n, "set a=0123456789abcdef\n");
	for (int i = 0; i < 20; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n, "set a=$a$a\n");
	n += (size_t)snprintf(text + n, sizeof(text) - n, "menuentry x { linux /k$a }\n");
	ck_assert_int_eq(parse(text), 0);
	ck_assert_uint_eq(out.n, 1);
	ck_assert_str_eq(out.v[0].kernel.path, "/k$a");
	ck_assert_str_eq(out.v[0].why, "line 22: the kernel: `$a` is not expanded: values "
			 "expanded in this file would pass 65536 bytes");
}
END_TEST

START_TEST(empty_and_blank_texts)
{
	ck_assert_int_eq(parse(""), 0);
	ck_assert_uint_eq(out.n, 0);
	ck_assert_int_eq(parse("\n\n  # nothing\n;;\n\\"), 0);
	ck_assert_uint_eq(out.n, 0);
	ck_assert_uint_eq(d.n, 0);
}
END_TEST

static Suite *grub_suite(void)
{
	Suite *s = suite_create("grub");
	TCase *tc = tcase_create("grub");

	tcase_add_unchecked_fixture(tc, NULL, teardown);
	tcase_add_test(tc, debian_linux_entries);
	tcase_add_test(tc, debian_xen_206_single_module_line);
	tcase_add_test(tc, debian_xen_212_one_line_per_module);
	tcase_add_test(tc, recovery_by_title_or_args);
	tcase_add_test(tc, variables_take_the_value_at_the_end_of_the_script);
	tcase_add_test(tc, variables_set_inside_an_entry_stay_there);
	tcase_add_test(tc, submenus_see_exported_values_only);
	tcase_add_test(tc, variables_from_boot_time);
	tcase_add_test(tc, unset_export_load_env_by_name);
	tcase_add_test(tc, values_grub_sets_itself);
	tcase_add_test(tc, quoting_as_grub_lexes_it);
	tcase_add_test(tc, keywords_only_unquoted);
	tcase_add_test(tc, branches_not_decided);
	tcase_add_test(tc, files_named_not_followed);
	tcase_add_test(tc, what_grub_would_refuse_or_replace);
	tcase_add_loop_test(tc, malformed_is_one_error_with_its_line, 0,
			    (int)(sizeof(bad) / sizeof(bad[0])));
	tcase_add_test(tc, nesting_is_bounded);
	tcase_add_test(tc, expansion_is_bounded);
	tcase_add_test(tc, empty_and_blank_texts);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(grub_suite)

// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The audit of boot entries, built directly (as the config parsers will
 * build them): Xen's ucode= choice (scan, an index, none, the dom0 kernel
 * or initrd, raw and cpio modules), GRUB's one-line module2 form, and
 * Linux entries against the newest available (stale, missing, shadowed,
 * loaded twice); then /boot discovery and its path rule on a small tree.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "unit.h"
#include "ucgen.h"
#include "cpio/cpio.h"
#include "domain/boot/audit.h"
#include "domain/boot/discover.h"
#include "util/diag.h"
#include "util/exit.h"

#define K_XEN_4_17 2
#define K_XEN 3
#define K_LINUX 1

static char dir[64];

static void make_dir(void)
{
	snprintf(dir, sizeof(dir), "/tmp/test-audit.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void remove_dir(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
}

/* dir/name (directories made), holding len bytes of data; its path. */
static char *put(const char *name, const void *data, size_t len)
{
	char *path, *slash;
	FILE *f;

	ck_assert_int_ge(asprintf(&path, "%s/%s", dir, name), 0);
	for (slash = strchr(path + strlen(dir) + 1, '/'); slash;
	     slash = strchr(slash + 1, '/')) {
		*slash = 0;
		mkdir(path, 0755);
		*slash = '/';
	}
	f = fopen(path, "wb");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(data, 1, len, f), len);
	ck_assert_int_eq(fclose(f), 0);
	return path;
}

static void intel(uint32_t rev, struct ucgen_buf *b)
{
	struct ucgen_intel u = { .sig = 0x806c1, .pf = 0x80, .rev = rev,
				 .datasize = 2000, .fill_seed = rev };

	ck_assert_int_eq(ucgen_intel(&u, b), 0);
}

/* An early cpio with GenuineIntel.bin of revision rev (0: none), then an
 * uncompressed main archive. */
static char *initrd(const char *name, uint32_t rev)
{
	struct ucgen_buf blob = { 0 }, out = { 0 };
	struct ucgen_cpio_entry e[] = {
		{ "kernel", 040755, NULL, 0 },
		{ "kernel/x86", 040755, NULL, 0 },
		{ "kernel/x86/microcode", 040755, NULL, 0 },
		{ UC_CPIO_PATH_INTEL, 0100644, NULL, 0 },
	};
	struct ucgen_cpio_entry init = { "init", 0100755, "#!/bin/sh\n", 10 };
	struct ucgen_cpio_opts o = { .data_align = 16 };
	char *path;

	if (rev) {
		intel(rev, &blob);
		e[3].data = blob.data;
		e[3].size = blob.len;
		ck_assert_int_eq(ucgen_cpio(e, 4, &o, &out), 0);
	}
	ck_assert_int_eq(ucgen_cpio(&init, 1, NULL, &out), 0);
	path = put(name, out.data, out.len);
	ucgen_buf_free(&blob);
	ucgen_buf_free(&out);
	return path;
}

static char *raw(const char *name, uint32_t rev)
{
	struct ucgen_buf b = { 0 };
	char *path;

	intel(rev, &b);
	path = put(name, b.data, b.len);
	ucgen_buf_free(&b);
	return path;
}

static const struct verdict_cpu cpu = {
	{ UC_VENDOR_INTEL, 0x806c1, 0x80, 0 }, true, false,
};

static void newest(struct audit_newest *nw, uint32_t rev)
{
	struct ucgen_buf b = { 0 };

	intel(rev, &b);
	audit_newest_set(nw, UC_VENDOR_INTEL, b.data, b.len);
	ucgen_buf_free(&b);
}

/* A Xen entry: dom0 kernel, then modules named by files (NULL: a text
 * file that is no microcode). */
static void xen_entry(struct boot_entries *l, const char *cmdline,
		      char *const *files, size_t n, const char *initrd_args)
{
	struct boot_entry *e = boot_entry_add(l, BOOT_FROM_GRUB, BOOT_XEN);
	struct boot_file *f;

	e->config = strdup("grub.cfg");
	e->line = 10;
	e->xen.path = strdup("/xen.gz");
	e->xen.file = put("boot/xen.gz", "xen", 3);
	e->xen.line = 11;
	e->xen_cmdline = strdup(cmdline);
	f = boot_entry_add_module(e, "/vmlinuz", "root=/dev/sda1", 12);
	f->file = put("boot/vmlinuz", "kernel", 6);
	for (size_t i = 0; i < n; i++) {
		f = boot_entry_add_module(e, files[i], i ? NULL : initrd_args,
					  (unsigned int)(13 + i));
		f->file = strdup(files[i]);
	}
}

static const struct audit_finding *find(const struct audit_findings *l,
					const char *code)
{
	for (size_t i = 0; i < l->n; i++)
		if (!strcmp(l->v[i].code, code))
			return &l->v[i];
	return NULL;
}

struct run {
	struct boot_entries l;
	struct audit_newest nw;
	struct audit_entry a;
	struct diags d;
};

static void audit(struct run *r, const struct audit_opts *o)
{
	static const struct audit_opts none = { NULL, NULL };

	ck_assert_int_eq(audit_entry(&r->l.v[0], &cpu, 1, &r->nw, o ? o : &none,
				     &r->a, &r->d), 0);
	ck_assert_uint_eq(r->d.errors, 0);
}

static void done(struct run *r)
{
	audit_entry_free(&r->a);
	boot_entries_free(&r->l);
	audit_newest_free(&r->nw);
	diags_free(&r->d);
}

START_TEST(xen_scan_loads_the_initrd)
{
	struct run r = { 0 };
	char *files[] = { initrd("boot/initrd.img", 0xb4) };

	newest(&r.nw, 0xb4);
	xen_entry(&r.l, "dom0_mem=2G ucode=scan", files, 1, NULL);
	audit(&r, NULL);
	ck_assert_uint_eq(r.a.n_rows, 1);
	ck_assert(r.a.rows[0].row.loader[K_XEN].counts);
	ck_assert(!r.a.rows[0].row.loader[K_LINUX].counts);
	ck_assert_int_eq(r.a.rows[0].row.loader[K_XEN].err, 0);
	ck_assert_uint_eq(r.a.rows[0].row.loader[K_XEN].rev, 0xb4);
	ck_assert_uint_eq(r.a.rows[0].row.loader[K_XEN_4_17].rev, 0xb4);
	ck_assert_uint_eq(r.a.rows[0].findings.n, 0);
	ck_assert_int_eq(r.a.status, EXIT_OK);
	free(files[0]);
	done(&r);
}
END_TEST

START_TEST(xen_without_ucode_is_a_4)
{
	struct run r = { 0 };
	char *files[] = { initrd("boot/initrd.img", 0xb4) };
	const struct audit_finding *f;

	newest(&r.nw, 0xb4);
	xen_entry(&r.l, "dom0_mem=2G", files, 1, NULL);
	audit(&r, NULL);
	ck_assert_uint_eq(r.a.n_rows, 1);
	ck_assert_int_ne(r.a.rows[0].row.loader[K_XEN].err, 0);
	f = find(&r.a.rows[0].findings, "xen-no-ucode");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(f->line, 11);
	ck_assert_ptr_nonnull(strstr(f->message, "ucode=scan"));
	ck_assert_int_eq(r.a.rows[0].status, EXIT_SHOULD_FIX);
	ck_assert_int_eq(r.a.status, EXIT_SHOULD_FIX);
	free(files[0]);
	done(&r);
}
END_TEST

/* The way back from a bad update: a recovery entry without ucode=. */
START_TEST(xen_recovery_without_ucode_is_a_note)
{
	struct run r = { 0 };
	char *files[] = { initrd("boot/initrd.img", 0xb4) };
	const struct audit_finding *f;

	newest(&r.nw, 0xb4);
	xen_entry(&r.l, "dom0_mem=2G", files, 1, NULL);
	r.l.v[0].recovery = true;
	audit(&r, NULL);
	ck_assert_ptr_null(find(&r.a.rows[0].findings, "xen-no-ucode"));
	ck_assert_ptr_null(find(&r.a.rows[0].findings, "missing"));
	f = find(&r.a.findings, "no-ucode-recovery");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(f->status, EXIT_OK);
	ck_assert_int_ne(r.a.rows[0].row.loader[K_XEN].err, 0);
	ck_assert_int_eq(r.a.status, EXIT_OK);
	done(&r);
	/* With ucode=scan it is an entry like any other. */
	memset(&r, 0, sizeof(r));
	newest(&r.nw, 0xb4);
	xen_entry(&r.l, "ucode=scan", files, 1, NULL);
	r.l.v[0].recovery = true;
	audit(&r, NULL);
	ck_assert_ptr_null(find(&r.a.findings, "no-ucode-recovery"));
	ck_assert_uint_eq(r.a.rows[0].row.loader[K_XEN].rev, 0xb4);
	free(files[0]);
	done(&r);
}
END_TEST

START_TEST(xen_without_microcode_is_a_3)
{
	struct run r = { 0 };
	char *files[] = { initrd("boot/initrd.img", 0) };

	newest(&r.nw, 0xb4);
	xen_entry(&r.l, "dom0_mem=2G", files, 1, NULL);
	audit(&r, NULL);
	ck_assert_ptr_null(find(&r.a.rows[0].findings, "xen-no-ucode"));
	ck_assert_ptr_nonnull(find(&r.a.rows[0].findings, "missing"));
	ck_assert_int_eq(r.a.status, EXIT_NO_MICROCODE);
	free(files[0]);
	done(&r);
}
END_TEST

START_TEST(xen_index_names_the_initrd)
{
	struct run r = { 0 };
	char *files[] = { initrd("boot/initrd.img", 0xb4) };
	const struct audit_row *w;

	newest(&r.nw, 0xb4);
	xen_entry(&r.l, "ucode=1", files, 1, NULL);
	audit(&r, NULL);
	ck_assert_ptr_nonnull(find(&r.a.findings, "xen-index-initrd"));
	w = &r.a.rows[0];
	ck_assert_ptr_nonnull(find(&w->findings, "xen-index-cpio"));
	/* Xen 4.17 wants a raw file for ucode=<n>; newer Xen reads a cpio. */
	ck_assert_int_ne(w->row.loader[K_XEN_4_17].err, 0);
	ck_assert_int_eq(w->row.loader[K_XEN].err, 0);
	ck_assert_uint_eq(w->row.loader[K_XEN].rev, 0xb4);
	ck_assert_int_eq(r.a.status, EXIT_SHOULD_FIX);
	free(files[0]);
	done(&r);
}
END_TEST

START_TEST(xen_index_zero_is_the_kernel)
{
	struct run r = { 0 };
	char *files[] = { initrd("boot/initrd.img", 0xb4) };

	newest(&r.nw, 0xb4);
	xen_entry(&r.l, "ucode=0", files, 1, NULL);
	audit(&r, NULL);
	ck_assert_ptr_nonnull(find(&r.a.findings, "xen-index-kernel"));
	ck_assert_int_ne(r.a.rows[0].row.loader[K_XEN].err, 0);
	ck_assert_int_eq(r.a.status, EXIT_NO_MICROCODE);
	free(files[0]);
	done(&r);
}
END_TEST

START_TEST(xen_negative_index_counts_from_the_end)
{
	struct run r = { 0 };
	char *files[] = { initrd("boot/initrd.img", 0), raw("boot/ucode.bin", 0xb4) };

	newest(&r.nw, 0xb4);
	xen_entry(&r.l, "ucode=-1", files, 2, NULL);
	audit(&r, NULL);
	ck_assert_uint_eq(r.a.findings.n, 0);
	ck_assert_int_eq(r.a.rows[0].row.loader[K_XEN_4_17].err, 0);
	ck_assert_uint_eq(r.a.rows[0].row.loader[K_XEN].rev, 0xb4);
	ck_assert_int_eq(r.a.status, EXIT_OK);
	/* What refresh cannot do, and how: a note naming the raw file. */
	ck_assert_uint_eq(r.d.n, 1);
	ck_assert_int_eq(r.d.v[0].level, DIAG_NOTE);
	ck_assert_str_eq(r.d.v[0].file, files[1]);
	ck_assert_ptr_nonnull(strstr(r.d.v[0].text, "mkucode --raw"));
	free(files[0]);
	free(files[1]);
	done(&r);
}
END_TEST

START_TEST(xen_scan_skips_a_raw_module)
{
	struct run r = { 0 };
	char *files[] = { initrd("boot/initrd.img", 0), raw("boot/ucode.bin", 0xb4) };
	const struct audit_finding *f;

	newest(&r.nw, 0xb4);
	xen_entry(&r.l, "ucode=scan", files, 2, NULL);
	audit(&r, NULL);
	f = find(&r.a.findings, "xen-scan-raw");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(f->line, 14);
	ck_assert_ptr_nonnull(strstr(f->message, "ucode=2"));
	ck_assert_int_eq(r.a.status, EXIT_NO_MICROCODE);
	free(files[0]);
	free(files[1]);
	done(&r);
}
END_TEST

static char *resolve_in_dir(const char *root, const char *config, const char *path)
{
	char *file;

	(void)config;
	ck_assert_int_ge(asprintf(&file, "%s/boot%s", root, path), 0);
	if (!access(file, F_OK))
		return file;
	free(file);
	return NULL;
}

START_TEST(xen_module_args_naming_files)
{
	struct run r = { 0 };
	char *files[] = { initrd("boot/initrd.img", 0xb4) };
	struct audit_opts o = { dir, resolve_in_dir };
	const struct audit_finding *f;

	free(initrd("boot/early.img", 0xb4));
	newest(&r.nw, 0xb4);
	/* GRUB <= 2.06: "module2 /initrd.img /early.img" on one line. */
	xen_entry(&r.l, "ucode=scan", files, 1, "/early.img");
	audit(&r, &o);
	f = find(&r.a.findings, "xen-module-args");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(f->line, 13);
	ck_assert_int_eq(r.a.status, EXIT_SHOULD_FIX);
	done(&r);
	/* Arguments that name no file are arguments. */
	memset(&r, 0, sizeof(r));
	newest(&r.nw, 0xb4);
	xen_entry(&r.l, "ucode=scan", files, 1, "/nonexistent quiet");
	audit(&r, &o);
	ck_assert_ptr_null(find(&r.a.findings, "xen-module-args"));
	ck_assert_int_eq(r.a.status, EXIT_OK);
	free(files[0]);
	done(&r);
}
END_TEST

static void linux_entry(struct boot_entries *l, char *const *files, size_t n)
{
	struct boot_entry *e = boot_entry_add(l, BOOT_FROM_BLS, BOOT_LINUX);

	e->config = strdup("entry.conf");
	e->line = 1;
	e->kernel.path = strdup("/vmlinuz");
	e->kernel.file = put("boot/vmlinuz", "kernel", 6);
	for (size_t i = 0; i < n; i++)
		boot_entry_add_initrd(e, files[i], (unsigned int)(2 + i))->file =
			files[i] ? strdup(files[i]) : NULL;
}

START_TEST(linux_stale_and_current)
{
	struct run r = { 0 };
	char *files[] = { initrd("boot/initrd.img", 0xb2) };

	newest(&r.nw, 0xb4);
	linux_entry(&r.l, files, 1);
	audit(&r, NULL);
	ck_assert_uint_eq(r.a.rows[0].row.loader[K_LINUX].rev, 0xb2);
	ck_assert(!r.a.rows[0].row.loader[K_XEN].counts);
	ck_assert_ptr_nonnull(find(&r.a.rows[0].findings, "stale"));
	ck_assert_uint_eq(r.a.rows[0].newest, 0xb4);
	ck_assert_int_eq(r.a.status, EXIT_SHOULD_FIX);
	done(&r);
	memset(&r, 0, sizeof(r));
	newest(&r.nw, 0xb2);
	linux_entry(&r.l, files, 1);
	audit(&r, NULL);
	ck_assert_uint_eq(r.a.rows[0].findings.n, 0);
	ck_assert_int_eq(r.a.status, EXIT_OK);
	free(files[0]);
	done(&r);
}
END_TEST

/* dis_ucode_ldr: the early loader does nothing; a recovery entry's way
 * back is a note, any other entry misses the update. */
START_TEST(linux_dis_ucode_ldr)
{
	struct run r = { 0 };
	char *files[] = { initrd("boot/initrd.img", 0xb4) };

	for (int recovery = 0; recovery < 2; recovery++) {
		memset(&r, 0, sizeof(r));
		newest(&r.nw, 0xb4);
		linux_entry(&r.l, files, 1);
		r.l.v[0].cmdline = strdup("root=/dev/sda1 ro single dis_ucode_ldr");
		r.l.v[0].recovery = recovery;
		audit(&r, NULL);
		ck_assert_uint_eq(r.a.n_rows, 1);
		ck_assert_int_ne(r.a.rows[0].row.loader[K_LINUX].err, 0);
		ck_assert_ptr_nonnull(strstr(r.a.rows[0].row.loader[K_LINUX].why,
					     "dis_ucode_ldr"));
		ck_assert_ptr_nonnull(find(&r.a.findings, recovery ? "no-ucode-recovery"
								   : "ucode-disabled"));
		ck_assert_int_eq(r.a.status, recovery ? EXIT_OK : EXIT_NO_MICROCODE);
		done(&r);
	}
	free(files[0]);
}
END_TEST

START_TEST(linux_shadowed_and_twice)
{
	struct run r = { 0 };
	char *shadow[] = { initrd("boot/intel-ucode.img", 0xb2),
			   initrd("boot/initrd.img", 0xb4) };
	char *twice[] = { initrd("boot/a.img", 0xb4), initrd("boot/b.img", 0xb4) };
	const struct audit_finding *f;

	newest(&r.nw, 0xb4);
	linux_entry(&r.l, shadow, 2);
	audit(&r, NULL);
	f = find(&r.a.rows[0].findings, "shadowed");
	ck_assert_ptr_nonnull(f);
	ck_assert_str_eq(f->file, shadow[0]);
	f = find(&r.a.rows[0].findings, "stale");
	ck_assert_ptr_nonnull(f);
	ck_assert_str_eq(f->file, shadow[0]);   /* the image to rebuild */
	ck_assert_int_eq(r.a.status, EXIT_SHOULD_FIX);
	done(&r);
	memset(&r, 0, sizeof(r));
	newest(&r.nw, 0xb4);
	linux_entry(&r.l, twice, 2);
	audit(&r, NULL);
	ck_assert_ptr_null(find(&r.a.rows[0].findings, "shadowed"));
	f = find(&r.a.rows[0].findings, "loaded-twice");
	ck_assert_ptr_nonnull(f);
	ck_assert_str_eq(f->file, twice[1]);
	ck_assert_int_eq(r.a.status, EXIT_SHOULD_FIX);
	for (int i = 0; i < 2; i++) {
		free(shadow[i]);
		free(twice[i]);
	}
	done(&r);
}
END_TEST

START_TEST(linux_missing_only_when_available)
{
	struct run r = { 0 };
	char *files[] = { initrd("boot/initrd.img", 0) };

	newest(&r.nw, 0xb4);
	linux_entry(&r.l, files, 1);
	audit(&r, NULL);
	ck_assert_ptr_nonnull(find(&r.a.rows[0].findings, "missing"));
	ck_assert_int_eq(r.a.status, EXIT_NO_MICROCODE);
	done(&r);
	/* Nothing available for this CPU: nothing is missing. */
	memset(&r, 0, sizeof(r));
	linux_entry(&r.l, files, 1);
	audit(&r, NULL);
	ck_assert_uint_eq(r.a.rows[0].findings.n, 0);
	ck_assert_int_eq(r.a.status, EXIT_OK);
	free(files[0]);
	done(&r);
}
END_TEST

START_TEST(files_not_found)
{
	struct run r = { 0 };
	char *files[] = { initrd("boot/initrd.img", 0xb4) };
	const struct audit_finding *f;

	newest(&r.nw, 0xb4);
	xen_entry(&r.l, "ucode=scan", files, 1, NULL);
	free(r.l.v[0].xen.file);
	r.l.v[0].xen.file = NULL;
	audit(&r, NULL);
	f = find(&r.a.findings, "not-found");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(f->line, 11);
	ck_assert_int_eq(r.a.status, EXIT_SHOULD_FIX);
	done(&r);
	memset(&r, 0, sizeof(r));
	newest(&r.nw, 0xb4);
	linux_entry(&r.l, files, 1);
	boot_entry_add_initrd(&r.l.v[0], "/gone.img", 7);
	audit(&r, NULL);
	f = find(&r.a.findings, "not-found");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(f->line, 7);
	/* What is there is still checked. */
	ck_assert_uint_eq(r.a.rows[0].row.loader[K_LINUX].rev, 0xb4);
	ck_assert_int_eq(r.a.status, EXIT_SHOULD_FIX);
	free(files[0]);
	done(&r);
}
END_TEST

START_TEST(unresolved_is_listed_not_checked)
{
	struct run r = { 0 };
	struct boot_entry *e = boot_entry_add(&r.l, BOOT_FROM_GRUB, BOOT_LINUX);

	boot_entry_unresolved(e, "initrd $prefix/x: a variable set at run time");
	audit(&r, NULL);
	ck_assert_uint_eq(r.a.n_rows, 0);
	ck_assert_ptr_nonnull(find(&r.a.findings, "unresolved"));
	ck_assert_int_eq(r.a.status, EXIT_OK);
	done(&r);
}
END_TEST

START_TEST(discovery_and_pairs)
{
	struct boot_entries l = { 0 };
	struct boot_files files = { 0 };
	struct diags d = { 0 };
	char *kernel = put("boot/vmlinuz-6.1.0-1", "k", 1);
	char *img = initrd("boot/initrd.img-6.1.0-1", 0xb4);
	char *early = initrd("boot/intel-ucode.img", 0xb4);
	char *cfg = put("boot/grub/grub.cfg", "menuentry x {\n}\n", 16);
	char *r;

	free(put("boot/vmlinuz-6.1.0-2", "k", 1));
	free(put("boot/initramfs-6.1.0-3.img", "x", 1));
	free(put("boot/config-6.1.0-1", "x", 1));
	free(put("boot/extlinux/vmlinuz-rel", "k", 1));
	ck_assert_int_eq(boot_collect(dir, &l, &files, &d), 0);
	ck_assert_uint_eq(files.n, 6);   /* not config-V, nor extlinux/vmlinuz-rel */
	/* Two kernels; grub.cfg's one entry loads nothing: two pairs. */
	ck_assert_uint_eq(l.n, 2);
	ck_assert_int_eq(l.v[0].origin, BOOT_FROM_PAIR);
	ck_assert_str_eq(l.v[0].kernel.path, "/boot/vmlinuz-6.1.0-1");
	ck_assert_str_eq(l.v[0].kernel.file, kernel);
	ck_assert_uint_eq(l.v[0].n_initrds, 2);
	ck_assert_str_eq(l.v[0].initrds[0].file, early);   /* GRUB's order */
	ck_assert_str_eq(l.v[0].initrds[1].file, img);
	ck_assert_uint_eq(l.v[1].n_initrds, 0);
	ck_assert_uint_eq(d.n, 0);
	/* A separate /boot names /vmlinuz-V; the root filesystem /boot/... */
	r = boot_resolve(dir, cfg, "/vmlinuz-6.1.0-1");
	ck_assert_str_eq(r, kernel);
	free(r);
	r = boot_resolve(dir, cfg, "(hd0,gpt2)/boot/vmlinuz-6.1.0-1");
	ck_assert_str_eq(r, kernel);
	free(r);
	ck_assert_ptr_null(boot_resolve(dir, cfg, "/vmlinuz-9"));
	free(cfg);
	/* syslinux: a relative path is the config's directory's. */
	ck_assert_int_ge(asprintf(&cfg, "%s/boot/extlinux/extlinux.conf", dir), 0);
	r = boot_resolve(dir, cfg, "vmlinuz-rel");
	ck_assert_ptr_nonnull(r);
	ck_assert_ptr_nonnull(strstr(r, "/boot/extlinux/vmlinuz-rel"));
	free(r);
	free(cfg);
	free(kernel);
	free(img);
	free(early);
	boot_entries_free(&l);
	boot_files_free(&files);
	diags_free(&d);
}
END_TEST

static Suite *audit_suite(void)
{
	Suite *s = suite_create("audit");
	TCase *tc = tcase_create("audit");

	tcase_add_checked_fixture(tc, make_dir, remove_dir);
	tcase_add_test(tc, xen_scan_loads_the_initrd);
	tcase_add_test(tc, xen_without_ucode_is_a_4);
	tcase_add_test(tc, xen_without_microcode_is_a_3);
	tcase_add_test(tc, xen_recovery_without_ucode_is_a_note);
	tcase_add_test(tc, xen_index_names_the_initrd);
	tcase_add_test(tc, xen_index_zero_is_the_kernel);
	tcase_add_test(tc, xen_negative_index_counts_from_the_end);
	tcase_add_test(tc, xen_scan_skips_a_raw_module);
	tcase_add_test(tc, xen_module_args_naming_files);
	tcase_add_test(tc, linux_stale_and_current);
	tcase_add_test(tc, linux_shadowed_and_twice);
	tcase_add_test(tc, linux_dis_ucode_ldr);
	tcase_add_test(tc, linux_missing_only_when_available);
	tcase_add_test(tc, files_not_found);
	tcase_add_test(tc, unresolved_is_listed_not_checked);
	tcase_add_test(tc, discovery_and_pairs);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(audit_suite)

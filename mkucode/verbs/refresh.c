// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * mkucode refresh [SELECTION] [--root DIR] [--dry-run] [SOURCE...]
 *
 * What package triggers call: build what the SELECTION gives from the
 * SOURCEs now (as build does: configuration, gather, select, emit), then
 * for every initrd in DIR/boot that discovery lists, put it in front as
 * --prepend would, where the image does not already hold it.  An image
 * that is the result stays untouched (image_replace_early compares
 * first).  One image failing does not stop the others; each gets a line
 * on standard output; the exit status is 1 when any failed.  Separate
 * early images, UKIs and xen.efi's raw files are named with how to update
 * them, never rewritten.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "verbs/verbs.h"
#include "cpio/cpio.h"
#include "loaders/load.h"
#include "domain/boot/audit.h"
#include "domain/boot/discover.h"
#include "domain/boot/uki.h"
#include "domain/config.h"
#include "domain/emit.h"
#include "domain/image.h"
#include "util/alloc.h"
#include "util/diag.h"
#include "util/exit.h"
#include "util/msg.h"

enum {
	OPT_ROOT = 0x100, OPT_IGNORE_BROKEN,
	OPT_DRY_RUN,
};

/* The new early microcode, one buffer per vendor file (for comparing and
 * for the revisions a CPU would get). */
struct built {
	struct blob_out blob[2];        /* per enum uc_vendor */
	uint8_t *file[2];
	size_t len[2];
};

static void join_pieces(const struct blob_out *b, uint8_t **buf, size_t *len)
{
	size_t at = 0;

	*buf = NULL;
	*len = 0;
	if (!b->len)
		return;
	*buf = xmalloc(b->len);
	for (size_t i = 0; i < b->n; i++) {
		memcpy(*buf + at, b->pieces[i].data, b->pieces[i].len);
		at += b->pieces[i].len;
	}
	*len = at;
}

/*
 * The CPUs whose revisions the report gives: a single platform is needed
 * for Intel, so --cpu SIG without PF_MASK (or --host where the platform is
 * unknown) is left out, and --all names none: the line then only says
 * that the early microcode was replaced.
 */
static void asked_cpus(const struct selection *sel, struct uc_cpu **out, size_t *n)
{
	*out = xmalloc((sel->n_specs ? sel->n_specs : 1) * sizeof(**out));
	*n = 0;
	for (size_t i = 0; i < sel->n_specs; i++) {
		const struct cpu_spec *s = &sel->specs[i];
		struct uc_cpu c = { .sig = s->sig };
		bool dup = false;

		if (s->exclude)
			continue;
		c.vendor = sel->spec_vendor_known[i] ? sel->spec_vendor[i]
			   : ((s->sig >> 8) & 0xf) == 0xf && (s->sig >> 20)
				   ? UC_VENDOR_AMD : UC_VENDOR_INTEL;
		if (c.vendor == UC_VENDOR_INTEL) {
			if (!s->pf_mask || (s->pf_mask & (s->pf_mask - 1)))
				continue;
			c.pf = s->pf_mask;
		}
		for (size_t j = 0; j < *n; j++)
			dup |= !memcmp(&(*out)[j], &c, sizeof(c));
		if (!dup)
			(*out)[(*n)++] = c;
	}
}

/* The revision Linux (newest) would load from buf for cpu: "none" or hex. */
static void rev_text(const void *buf, size_t len, enum uc_input in,
		     const struct uc_cpu *cpu, char *text, size_t size)
{
	struct uc_load_result r;

	if (!len || uc_would_load(buf, len, in, cpu, UC_LINUX_NEWEST, &r))
		snprintf(text, size, "none");
	else
		snprintf(text, size, "0x%08x", r.rev);
}

/* ": intel 0x000806c1 rev 0x000000b2 -> 0x000000b4, ..." for the CPUs asked. */
static void print_revs(const struct image *im, const struct built *b,
		       const struct uc_cpu *cpus, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct uc_cpu *c = &cpus[i];
		char old[16], new[16];

		rev_text(im->map, im->early_end, UC_INPUT_CPIO, c, old, sizeof(old));
		rev_text(b->file[c->vendor], b->len[c->vendor], UC_INPUT_RAW, c,
			 new, sizeof(new));
		printf("%s %s 0x%08x rev %s -> %s", i ? "," : ":",
		       c->vendor == UC_VENDOR_AMD ? "amd" : "intel", c->sig, old, new);
	}
}

/* One initrd: 0 done or unchanged, -1 failed (said on stdout and stderr). */
static int refresh_one(const struct boot_found *f, const struct built *b,
		       const struct uc_cpu *cpus, size_t n_cpus, uint32_t mtime,
		       bool dry_run)
{
	struct diags d = { 0 };
	struct image im;
	struct image_result res = { 0 };
	const char *rest;
	bool opened;
	int r;

	r = image_open(&im, f->file, !dry_run, &d);
	opened = !r;
	if (opened) {
		enum image_kind k = image_kind(&im, &rest);

		/* Named like an initrd is not enough: --prepend's refusal. */
		if (k == IMAGE_EMPTY || k == IMAGE_OTHER)
			r = diag_error(&d, f->file, "%s; nothing changed",
				       k == IMAGE_EMPTY ? "empty, not an initrd image"
							: "not an initrd image");
	}
	/* --dry-run: the comparison the real run makes before it writes. */
	if (!r && dry_run) {
		r = image_compare_early(&im, &b->blob[0], &b->blob[1], mtime, &res);
	} else if (!r) {
		r = image_replace_early(&im, &b->blob[0], &b->blob[1], mtime, &res);
	}
	if (r) {
		const struct diag *e = diag_first_error(&d);

		printf("%s: failed: %s\n", f->file, e ? e->text : "error");
	} else if (!res.changed) {
		printf("%s: unchanged\n", f->file);
	} else {
		printf("%s: %s", f->file, dry_run ? "would replace the early microcode"
						  : "early microcode replaced");
		print_revs(&im, b, cpus, n_cpus);
		putchar('\n');
	}
	/* The line first: the errors behind it follow on stderr. */
	fflush(stdout);
	diag_print(&d, stderr, quiet);
	diags_free(&d);
	if (opened)
		image_close(&im);
	return r;
}

/* What refresh cannot rewrite itself, and how to update it. */
static void say_not_rewritten(const struct boot_found *f)
{
	const char *hint = boot_found_update_hint(f->kind);

	/* A UKI it can read: how to rebuild this one (signed, its stub). */
	if (f->kind == FOUND_UKI) {
		struct boot_entries one = { 0 };
		struct diags quiet_d = { 0 };
		struct uki_sections s;
		struct uki_texts t;

		if (!uki_read(f->file, &s, &t, &quiet_d)) {
			const struct boot_entry *e = uki_entry_add(&one, f->path, f->file,
								   &s, &t);
			char *how = audit_uki_fix(e);

			printf("%s: not rewritten (a%s unified kernel image): %s\n",
			       f->file, e->uki_signed ? " signed" : "", how);
			free(how);
			uki_texts_free(&t);
			boot_entries_free(&one);
			hint = NULL;
		}
		diags_free(&quiet_d);
	}
	if (hint)
		printf("%s: not rewritten %s\n", f->file, hint);
}

int cmd_refresh(int argc, char **argv)
{
	static const struct option options[] = {
		{ "root", required_argument, NULL, OPT_ROOT },
		{ "dry-run", no_argument, NULL, OPT_DRY_RUN },
		SELECTION_OPTIONS,
		{ "ignore-broken", no_argument, NULL, OPT_IGNORE_BROKEN },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct selection_args sa = { 0 };
	struct config cfg = { 0 };
	struct gather_opts gopts = { 0 };
	struct ucode_set set = { 0 };
	struct built b = { 0 };
	struct boot_files files = { 0 };
	struct diags d = { 0 };
	struct uc_cpu *cpus = NULL;
	struct host_cpu *host_found = NULL;
	size_t n_cpus = 0, n_host = 0, n_initrds = 0;
	const char *root = NULL;
	bool dry_run = false;
	int c, k, rc = EXIT_ERROR, failed = 0;
	uint32_t mtime;
	long selected;

	while ((c = getopt_long(argc, argv, "qh", options, NULL)) != -1) {
		k = selection_option(c, optarg, &sa);
		if (k < 0)
			goto usage;
		if (k)
			continue;
		switch (c) {
		case OPT_ROOT: root = root_option(optarg); break;
		case OPT_DRY_RUN: dry_run = true; break;
		case OPT_IGNORE_BROKEN: gopts.ignore_broken = true; break;
		case 'q': quiet = true; break;
		case 'h': print_help(); selection_free(&sa.sel); return EXIT_OK;
		default: goto usage;
		}
	}
	if (selection_check(&sa))
		goto usage;

	/* What to put in front: exactly what `mkucode --prepend` builds. */
	if (archive_mtime(&mtime))
		goto out;
	selected = select_from_sources(&sa, &cfg, root, argv + optind, argc - optind,
				       &gopts, &set, &host_found, &n_host, &d);
	if (selected < 0)
		goto out;
	/* Refreshing with nothing would strip every image's microcode. */
	if (!selected) {
		if (sa.host)
			host_cpus_unserved(host_found, n_host, &d);
		diag_error(&d, NULL, "no microcode selected; no image changed");
		goto out;
	}
	for (int v = 0; v < 2; v++) {
		if (emit_vendor_file(&set, &sa.sel, (enum uc_vendor)v, &b.blob[v], &d))
			goto out;
		join_pieces(&b.blob[v], &b.file[v], &b.len[v]);
	}
	asked_cpus(&sa.sel, &cpus, &n_cpus);

	/* The files, as status sees them; no config is needed for this. */
	if (boot_discover(root, &files, &d))
		goto out;
	diag_print(&d, stderr, quiet);
	for (size_t i = 0; i < files.n; i++) {
		if (files.v[i].kind != FOUND_INITRD) {
			say_not_rewritten(&files.v[i]);
			continue;
		}
		n_initrds++;
		failed += refresh_one(&files.v[i], &b, cpus, n_cpus, mtime, dry_run) != 0;
	}
	if (!n_initrds)
		diag_note(&d, root ? root : "/", "no initrd in its /boot: nothing to refresh");
	rc = failed ? EXIT_ERROR : EXIT_OK;
out:
	diag_print(&d, stderr, quiet);
	diags_free(&d);
	boot_files_free(&files);
	for (int v = 0; v < 2; v++) {
		blob_free(&b.blob[v]);
		free(b.file[v]);
	}
	ucode_set_free(&set);
	config_free(&cfg);
	free(host_found);
	free(cpus);
	selection_free(&sa.sel);
	return rc;
usage:
	usage_hint();
	selection_free(&sa.sel);
	return EXIT_USAGE;
}

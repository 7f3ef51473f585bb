// SPDX-License-Identifier: GPL-2.0-or-later
/* mkucode [SELECTION] (-o FILE | --prepend IMAGE | --raw DIR) [SOURCE...] */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "verbs/verbs.h"
#include "domain/config.h"
#include "domain/emit.h"
#include "domain/image.h"
#include "util/diag.h"
#include "util/exit.h"
#include "util/msg.h"
#include "util/alloc.h"
#include "util/replace.h"

#ifndef MKUCODE_VERSION
#define MKUCODE_VERSION "unknown"
#endif

enum {
	OPT_RAW = 0x100, OPT_IGNORE_BROKEN, OPT_ALLOW_EMPTY, OPT_VERSION,
	OPT_ROOT, OPT_PREPEND, OPT_FORCE,
};

static const struct option options[] = {
	{ "output", required_argument, NULL, 'o' },
	{ "raw", required_argument, NULL, OPT_RAW },
	{ "prepend", required_argument, NULL, OPT_PREPEND },
	SELECTION_OPTIONS,
	{ "ignore-broken", no_argument, NULL, OPT_IGNORE_BROKEN },
	{ "allow-empty", no_argument, NULL, OPT_ALLOW_EMPTY },
	{ "force", no_argument, NULL, OPT_FORCE },
	{ "quiet", no_argument, NULL, 'q' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ "root", required_argument, NULL, OPT_ROOT },
	{ NULL, 0, NULL, 0 },
};

/*
 * --raw: each vendor file replaced when it has microcode selected, else
 * removed (with a note), so that DIR holds exactly the selection.  Both
 * change together or not at all: written and synced first, then swapped
 * in; a failure puts back what was swapped.
 */
static int write_raw(const char *dir, const struct blob_out *intel,
		     const struct blob_out *amd, struct diags *d)
{
	static const char *const names[] = { "GenuineIntel.bin", "AuthenticAMD.bin" };
	static const char *const vendors[] = { "Intel", "AMD" };
	const struct blob_out *blobs[] = { intel, amd };
	struct replacement r[2];
	char *paths[2];
	struct stat st;
	int opened = 0, rc = -1;

	if (stat(dir, &st))
		return errno == ENOENT
			       ? diag_error(d, dir, "no such directory; nothing written")
			       : diag_error(d, dir, "%s", strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return diag_error(d, dir, "not a directory; nothing written");
	for (int i = 0; i < 2; i++)
		paths[i] = xasprintf("%s/%s", dir, names[i]);
	for (; opened < 2; opened++) {
		const struct blob_out *b = blobs[opened];

		if (replace_open(&r[opened], paths[opened], 0, d))
			goto out;
		if (b->len && (replace_create(&r[opened]) ||
			       replace_write_pieces(&r[opened], b->pieces, b->n))) {
			opened++;
			goto out;
		}
	}
	for (int i = 0; i < 2; i++)
		if (blobs[i]->len && replace_flush(&r[i]))
			goto out;
	for (int i = 0; i < 2; i++)
		if (replace_swap(&r[i]))
			goto out;       /* closing puts the other one back */
	for (int i = 0; i < 2; i++) {
		replace_finish(&r[i]);
		if (!blobs[i]->len && r[i].old_fd >= 0)
			diag_note(d, paths[i], "removed: no %s microcode selected",
				  vendors[i]);
	}
	rc = 0;
out:
	for (int i = 0; i < opened; i++)
		replace_close(&r[i]);
	free(paths[0]);
	free(paths[1]);
	return rc;
}

/* --prepend's refusal: the file must look like something a kernel
 * unpacks (--force: whatever it is). */
static int check_prepend(const struct image *im, const char *path,
			 struct diags *d)
{
	const char *rest;
	enum image_kind kind = image_kind(im, &rest);

	if (kind == IMAGE_EMPTY)
		return diag_error(d, path, "empty, not an initrd image; nothing "
				  "changed (--force prepends anyway)");
	if (kind == IMAGE_OTHER)
		return diag_error(d, path, "not an initrd image (neither an early "
				  "cpio nor a cpio or compressed data at the front); "
				  "nothing changed (--force prepends anyway)");
	return 0;
}

static size_t count_vendor(const struct ucode_set *set, enum uc_vendor v)
{
	size_t n = 0;

	for (size_t i = 0; i < set->n; i++)
		n += set->items[i].selected && set->items[i].vendor == v;
	return n;
}

/* Everything the output was made from; safe to call twice. */
static void release_inputs(struct ucode_set *set, struct blob_out *intel,
			   struct blob_out *amd)
{
	blob_free(intel);
	blob_free(amd);
	ucode_set_free(set);
}

int cmd_build(int argc, char **argv)
{
	struct selection_args sa = { 0 };
	struct config cfg = { 0 };
	struct gather_opts gopts = { 0 };
	struct ucode_set set = { 0 };
	struct blob_out intel = { 0 }, amd = { 0 };
	struct diags d = { 0 };
	struct host_cpu *host_found = NULL;
	size_t n_host = 0;
	const char *output = NULL, *raw = NULL, *prepend = NULL, *root = NULL;
	bool allow_empty = false, force = false;
	size_t n_intel, n_amd, len_intel, len_amd;
	uint32_t mtime;
	long selected;
	int c, k, r, rc = EXIT_ERROR;

	while ((c = getopt_long(argc, argv, "o:qh", options, NULL)) != -1) {
		k = selection_option(c, optarg, &sa);
		if (k < 0)
			goto usage;
		if (k)
			continue;
		switch (c) {
		case 'o': output = optarg; break;
		case OPT_RAW: raw = optarg; break;
		case OPT_PREPEND: prepend = optarg; break;
		case OPT_IGNORE_BROKEN: gopts.ignore_broken = true; break;
		case OPT_ALLOW_EMPTY: allow_empty = true; break;
		case OPT_FORCE: force = true; break;
		case OPT_ROOT: root = root_option(optarg); break;
		case 'q': quiet = true; break;
		case 'h': print_help(); selection_free(&sa.sel); return EXIT_OK;
		case OPT_VERSION:
			printf("mkucode %s\n", MKUCODE_VERSION);
			selection_free(&sa.sel);
			return EXIT_OK;
		default: goto usage;
		}
	}
	if (!!output + !!raw + !!prepend != 1) {
		error(output || raw || prepend
			      ? "-o, --prepend and --raw exclude each other"
			      : "nothing to write: give -o FILE, --prepend IMAGE or --raw DIR");
		goto usage;
	}
	if (prepend && !strcmp(prepend, "-")) {
		error("--prepend rewrites IMAGE in place: '-' (standard input) has "
		      "nothing to replace");
		goto usage;
	}
	if (selection_check(&sa))
		goto usage;
	if (archive_mtime(&mtime))
		goto out;
	selected = select_from_sources(&sa, &cfg, root, argv + optind, argc - optind,
				       &gopts, &set, &host_found, &n_host, &d);
	if (selected < 0)
		goto out;
	if (!selected && sa.host)
		host_cpus_unserved(host_found, n_host, &d);
	if (!selected && !allow_empty) {
		diag_error(&d, NULL, "no microcode selected, nothing written "
			   "(--allow-empty writes an empty archive)");
		goto out;
	}
	if (emit_vendor_file(&set, &sa.sel, UC_VENDOR_INTEL, &intel, &d) ||
	    emit_vendor_file(&set, &sa.sel, UC_VENDOR_AMD, &amd, &d))
		goto out;
	/* What gathering and selection said comes before what writing says. */
	diag_print(&d, stderr, quiet);
	n_intel = count_vendor(&set, UC_VENDOR_INTEL);
	n_amd = count_vendor(&set, UC_VENDOR_AMD);
	len_intel = intel.len;
	len_amd = amd.len;
	if (raw) {
		if (write_raw(raw, &intel, &amd, &d))
			goto out;
	} else if (prepend) {
		struct image im;
		struct image_result res;

		if (image_open(&im, prepend, true, &d))
			goto out;
		r = (!force && check_prepend(&im, prepend, &d)) ||
		    image_replace_early(&im, &intel, &amd, mtime, &res);
		diag_print(&d, stderr, quiet);
		if (!r)
			report_image(&im, &res, "early microcode replaced",
				     "already holds this early microcode");
		image_close(&im);
		if (r)
			goto out;
	} else {
		struct replacement out;

		if (replace_open(&out, output, REPLACE_STDOUT, &d))
			goto out;
		/* An early cpio over an initrd would lose its initramfs. */
		if ((!force && image_refuse_initrd(out.old_fd, output, &d)) ||
		    replace_create(&out) ||
		    write_early_cpio(&out, &intel, &amd, mtime)) {
			replace_close(&out);
			goto out;
		}
		/* The inputs go while the disk catches up, not after the
		 * rename. */
		release_inputs(&set, &intel, &amd);
		r = replace_commit(&out);
		replace_close(&out);
		if (r)
			goto out;
	}
	diag_print(&d, stderr, quiet);
	note("%s: %zu Intel update(s) (%zu bytes), %zu AMD patch(es) (%zu bytes)",
	     raw ? raw : prepend ? prepend : output, n_intel, len_intel, n_amd, len_amd);
	rc = EXIT_OK;
out:
	diag_print(&d, stderr, quiet);
	diags_free(&d);
	free(host_found);
	release_inputs(&set, &intel, &amd);
	selection_free(&sa.sel);
	config_free(&cfg);
	return rc;
usage:
	usage_hint();
	selection_free(&sa.sel);
	return EXIT_USAGE;
}

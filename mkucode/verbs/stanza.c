// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * mkucode stanza grub|syslinux [SELECTION] [--root DIR] --kernel FILE
 *     [--append ARGS] [--initrd FILE]... [--xen FILE [--xen-args ARGS]]
 *     [--early FILE... | --raw FILE] [--title TEXT] [--mboot PATH]
 *
 * One boot entry that loads the microcode, on standard output alone.  The
 * entry is domain/boot/stanza's; this asks about the CPUs of the SELECTION
 * (default: every CPU the files hold microcode for), against the newest
 * the files hold, refuses what status would complain about, and prints
 * only an entry that the loader's parser reads back as the one meant.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "verbs/verbs.h"
#include "domain/boot/stanza.h"
#include "domain/cpu.h"
#include "domain/emit.h"
#include "util/alloc.h"
#include "util/diag.h"
#include "util/exit.h"
#include "util/msg.h"
#include "util/stdout.h"

enum {
	OPT_ROOT = 0x100, OPT_KERNEL, OPT_APPEND, OPT_INITRD, OPT_XEN, OPT_XEN_ARGS,
	OPT_EARLY, OPT_RAW, OPT_TITLE, OPT_MBOOT,
};

/* The newest the files hold, per vendor, as `mkucode -o` would pick it. */
static int newest_of(const struct ucode_set *set, const struct selection *sel,
		     struct audit_newest *nw, struct diags *d)
{
	for (int v = 0; v < 2; v++) {
		struct blob_out b = { 0 };
		uint8_t *buf;
		size_t at = 0;

		if (emit_vendor_file(set, sel, (enum uc_vendor)v, &b, d)) {
			blob_free(&b);
			return -1;
		}
		buf = xmalloc(b.len ? b.len : 1);
		for (size_t i = 0; i < b.n; i++) {
			memcpy(buf + at, b.pieces[i].data, b.pieces[i].len);
			at += b.pieces[i].len;
		}
		audit_newest_set(nw, (enum uc_vendor)v, buf, at);
		free(buf);
		blob_free(&b);
	}
	return 0;
}

/* gather, its notes (what each file is) left out: the entry says it. */
static int gather_quietly(struct ucode_set *set, char **sources, int n,
			  const struct gather_opts *o, struct diags *d)
{
	struct diags said = { 0 };
	int rc = gather(set, sources, n, o, &said);

	diag_drop_notes(&said);
	diag_move(d, &said);
	return rc;
}

/* Paths are as the loader names them: from the root of its filesystem. */
static int check_path(const char *opt, const char *path)
{
	if (path && path[0] != '/') {
		error("%s %s: a path from DIR, beginning with '/'", opt, path);
		return -1;
	}
	return 0;
}

int cmd_stanza(int argc, char **argv)
{
	static const struct option options[] = {
		{ "root", required_argument, NULL, OPT_ROOT },
		{ "kernel", required_argument, NULL, OPT_KERNEL },
		{ "append", required_argument, NULL, OPT_APPEND },
		{ "initrd", required_argument, NULL, OPT_INITRD },
		{ "xen", required_argument, NULL, OPT_XEN },
		{ "xen-args", required_argument, NULL, OPT_XEN_ARGS },
		{ "early", required_argument, NULL, OPT_EARLY },
		{ "raw", required_argument, NULL, OPT_RAW },
		{ "title", required_argument, NULL, OPT_TITLE },
		{ "mboot", required_argument, NULL, OPT_MBOOT },
		SELECTION_OPTIONS,
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct stanza_request r = { 0 };
	struct selection_args sa = { 0 };
	struct gather_opts gopts = { 0 };
	struct ucode_set set = { 0 };
	struct audit_newest nw = { 0 };
	struct boot_entries list = { 0 };
	struct verdict_cpu *asked = NULL;
	struct host_cpu *host_found = NULL;
	struct diags d = { 0 };
	const char **initrds = NULL, **earlies = NULL;
	char **sources = NULL, *text = NULL;
	size_t n_initrds = 0, cap_initrds = 0, n_earlies = 0, cap_earlies = 0;
	size_t n_asked = 0, cap_asked = 0, n_host = 0;
	int c, k, n_sources = 0, rc = EXIT_ERROR;
	const struct boot_entry *e;

	while ((c = getopt_long(argc, argv, "qh", options, NULL)) != -1) {
		k = selection_option(c, optarg, &sa);
		if (k < 0)
			goto usage;
		if (k)
			continue;
		switch (c) {
		case OPT_ROOT: r.root = root_option(optarg); break;
		case OPT_KERNEL: r.kernel = optarg; break;
		case OPT_APPEND: r.append = optarg; break;
		case OPT_INITRD:
			grow(&initrds, &cap_initrds, n_initrds + 1, sizeof(*initrds));
			initrds[n_initrds++] = optarg;
			break;
		case OPT_XEN: r.xen = optarg; break;
		case OPT_XEN_ARGS: r.xen_args = optarg; break;
		case OPT_EARLY:
			grow(&earlies, &cap_earlies, n_earlies + 1, sizeof(*earlies));
			earlies[n_earlies++] = optarg;
			break;
		case OPT_RAW: r.raw = optarg; break;
		case OPT_TITLE: r.title = optarg; break;
		case OPT_MBOOT: r.mboot = optarg; break;
		case 'q': quiet = true; break;
		case 'h':
			print_help();
			free(initrds);
			free(earlies);
			selection_free(&sa.sel);
			return EXIT_OK;
		default: goto usage;
		}
	}
	if (optind == argc || (strcmp(argv[optind], "grub") &&
			       strcmp(argv[optind], "syslinux"))) {
		error("stanza takes the loader first: grub or syslinux");
		goto usage;
	}
	r.loader = strcmp(argv[optind], "grub") ? STANZA_SYSLINUX : STANZA_GRUB;
	if (optind + 1 < argc) {
		error("stanza takes no argument after the loader: '%s'", argv[optind + 1]);
		goto usage;
	}
	if (!r.kernel) {
		error("stanza needs --kernel FILE");
		goto usage;
	}
	if (n_earlies && r.raw) {
		error("--early and --raw: one microcode source per entry");
		goto usage;
	}
	if (r.xen_args && !r.xen) {
		error("--xen-args without --xen");
		goto usage;
	}
	if (r.mboot && (r.loader == STANZA_GRUB || !r.xen)) {
		error("--mboot is for a syslinux Xen entry (with --xen)");
		goto usage;
	}
	if (selection_check(&sa) || check_path("--kernel", r.kernel) ||
	    check_path("--xen", r.xen) || check_path("--raw", r.raw))
		goto usage;
	for (size_t i = 0; i < n_initrds; i++)
		if (check_path("--initrd", initrds[i]))
			goto usage;
	for (size_t i = 0; i < n_earlies; i++)
		if (check_path("--early", earlies[i]))
			goto usage;
	r.initrds = initrds;
	r.n_initrds = n_initrds;
	r.earlies = earlies;
	r.n_earlies = n_earlies;

	if (stanza_entry(&r, &list, &d))
		goto out;
	e = &list.v[0];

	/* The CPUs asked about: named, this machine's, else the files'. */
	sources = xzalloc((e->n_initrds + e->n_modules + 1) * sizeof(*sources));
	for (size_t i = 0; i < e->n_initrds; i++)
		sources[n_sources++] = e->initrds[i].file;
	for (size_t i = 1; i < e->n_modules; i++)
		sources[n_sources++] = e->modules[i].file;
	if (sa.host && select_host_cpus(&sa.sel, NULL, &d, &host_found, &n_host))
		goto out;
	verdict_cpus_from_specs(&sa.sel, &asked, &n_asked, &cap_asked);
	for (size_t i = 0; i < n_host; i++) {
		struct verdict_cpu a;

		verdict_cpu_from_host(&host_found[i], &a);
		verdict_cpus_add(&asked, &n_asked, &cap_asked, &a);
	}
	if (n_sources && gather_quietly(&set, sources, n_sources, &gopts, &d))
		goto out;
	if (select_ucode(&set, &sa.sel, &d) < 0 || newest_of(&set, &sa.sel, &nw, &d))
		goto out;
	if (!sa.host && !selection_filtered(&sa.sel))
		verdict_cpus_from_set(&set, &asked, &n_asked, &cap_asked);

	if (stanza_check(e, asked, n_asked, &nw, r.root, &d))
		goto out;
	text = stanza_render(&r, e, &d);
	if (!text || stanza_reparse(&r, text, e, &d))
		goto out;
	diag_print(&d, stderr, quiet);
	fputs(text, stdout);
	rc = finish_stdout() ? EXIT_ERROR : EXIT_OK;
out:
	diag_print(&d, stderr, quiet);
	diags_free(&d);
	free(text);
	free(sources);
	free(asked);
	free(host_found);
	free(initrds);
	free(earlies);
	audit_newest_free(&nw);
	ucode_set_free(&set);
	boot_entries_free(&list);
	selection_free(&sa.sel);
	return rc;
usage:
	usage_hint();
	free(initrds);
	free(earlies);
	selection_free(&sa.sel);
	return EXIT_USAGE;
}

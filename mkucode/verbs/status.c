// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * mkucode status [SELECTION] [--root DIR] [--json] [SOURCE...]
 *
 * The boot chain under DIR: every entry that boots a kernel (the configs'
 * and the kernels no config names), per CPU what the loaders that count
 * for it would load, against the newest the SOURCEs have for that CPU
 * (built in memory as `mkucode -o` would), and what is wrong.  Discovery
 * is domain/boot/discover, the checks domain/boot/audit; this asks the
 * question and prints the answer: one block per entry and a summary line,
 * or one JSON array of entries (doc/json.md).
 */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "verbs/verbs.h"
#include "domain/boot/audit.h"
#include "domain/boot/discover.h"
#include "domain/config.h"
#include "domain/cpu.h"
#include "domain/emit.h"
#include "util/alloc.h"
#include "util/diag.h"
#include "util/exit.h"
#include "util/msg.h"
#include "util/table.h"

enum { OPT_ROOT = 0x100 };

static const char *vendor_name(enum uc_vendor v)
{
	return v == UC_VENDOR_INTEL ? "intel" : "amd";
}

static int rank(int status)
{
	return status == EXIT_OK ? 0 : status == EXIT_SHOULD_FIX ? 1
				      : status == EXIT_NO_MICROCODE ? 2 : 3;
}

/* ---- the question: CPUs and the newest for them ---- */

static void asked_from_host(const struct host_cpu *h, size_t n,
			    struct verdict_cpu **v, size_t *count, size_t *cap)
{
	for (size_t i = 0; i < n; i++) {
		struct verdict_cpu a;

		verdict_cpu_from_host(&h[i], &a);
		verdict_cpus_add(v, count, cap, &a);
	}
}

/* The default SOURCEs under DIR: its firmware directories that exist. */
static int join_blob(const struct blob_out *b, struct audit_newest *nw,
		     enum uc_vendor v)
{
	uint8_t *buf = xmalloc(b->len ? b->len : 1);
	size_t at = 0;

	for (size_t i = 0; i < b->n; i++) {
		memcpy(buf + at, b->pieces[i].data, b->pieces[i].len);
		at += b->pieces[i].len;
	}
	audit_newest_set(nw, v, buf, at);
	free(buf);
	return 0;
}

/* ---- text ---- */

static void print_finding(const struct audit_finding *f, const char *indent)
{
	printf("%s%s: ", indent, f->code);
	if (f->file) {
		printf("%s", f->file);
		if (f->line)
			printf(":%u", f->line);
		if (f->offset != DIAG_NO_OFFSET)
			printf(": offset %#llx", (unsigned long long)f->offset);
		printf(": ");
	}
	printf("%s\n", f->message);
}

static void print_file(const char *role, const struct boot_file *f)
{
	if (!f->path)
		return;
	printf("  %s %s", role, f->path);
	if (f->part)
		printf(" %s (%#llx bytes at %#llx)", f->part_name ? f->part_name : "part",
		       f->size, f->offset);
	printf("%s%s%s\n", f->args ? " " : "", f->args ? f->args : "",
	       f->file ? "" : " (not found)");
}

static void print_entry(const struct audit_entry *a)
{
	const struct boot_entry *e = a->entry;

	printf("%s", boot_origin_name(e->origin));
	if (e->config)
		printf(" %s:%u", e->config, e->line);
	if (e->title)
		printf(" \"%s\"", e->title);
	printf(" (%s): %s\n", e->kind == BOOT_XEN ? "xen" : "linux",
	       audit_status_name(a->status));
	if (e->kind == BOOT_XEN) {
		print_file("xen", &e->xen);
		if (e->xen_cmdline)
			printf("  xen-cmdline %s\n", e->xen_cmdline);
		for (size_t i = 0; i < e->n_modules; i++)
			print_file("module", &e->modules[i]);
	} else {
		print_file("kernel", &e->kernel);
		for (size_t i = 0; i < e->n_initrds; i++)
			print_file("initrd", &e->initrds[i]);
		print_file("not-loaded", &e->uki_ignored);
	}
	if (e->origin == BOOT_FROM_UKI && e->uki_stub)
		printf("  stub systemd-stub %u, %s\n", e->uki_stub,
		       e->uki_signed ? "signed" : "not signed");
	else if (e->origin == BOOT_FROM_UKI)
		printf("  stub not systemd-stub of a known version, %s\n",
		       e->uki_signed ? "signed" : "not signed");
	for (size_t i = 0; i < a->findings.n; i++)
		print_finding(&a->findings.v[i], "  ");
	for (size_t i = 0; i < a->n_rows; i++) {
		const struct audit_row *r = &a->rows[i];
		const struct verdict_row *w = &r->row;
		char label[64];

		verdict_row_label(w, label, sizeof(label));
		printf("  %s:", label);
		if (w->rev_known)
			printf(" running 0x%08x,", w->cpu.rev);
		for (size_t k = 0; k < VERDICT_LOADERS; k++) {
			const struct verdict_answer *an = &w->loader[k];

			if (!an->counts)
				continue;
			if (an->err)
				printf(" %s -,", uc_consumer_name(verdict_loaders[k]));
			else
				printf(" %s 0x%08x,", uc_consumer_name(verdict_loaders[k]),
				       an->rev);
		}
		if (r->newest_known)
			printf(" newest 0x%08x", r->newest);
		else
			printf(" newest none");
		printf(": %s\n", audit_status_name(r->status));
		for (size_t k = 0; k < VERDICT_LOADERS; k++) {
			const struct verdict_answer *an = &w->loader[k];
			unsigned int m = VERDICT_BIT(verdict_loaders[k]);
			char names[64];
			bool first = true;

			if (!an->counts || !an->why)
				continue;
			for (size_t j = 0; j < k; j++)
				first &= !(w->loader[j].counts && w->loader[j].why &&
					   !strcmp(w->loader[j].why, an->why));
			if (!first)
				continue;
			for (size_t j = k + 1; j < VERDICT_LOADERS; j++)
				if (w->loader[j].counts && w->loader[j].why &&
				    !strcmp(w->loader[j].why, an->why))
					m |= VERDICT_BIT(verdict_loaders[j]);
			verdict_loader_names(m, names, sizeof(names));
			printf("    %s: %s\n", names, an->why);
		}
		for (size_t j = 0; j < r->findings.n; j++)
			print_finding(&r->findings.v[j], "    ");
	}
}

/* ---- JSON ---- */

static void json_str(const char *s)
{
	if (s)
		table_json_string(s, stdout);
	else
		fputs("null", stdout);
}

static void json_loaders(unsigned int m)
{
	putchar('[');
	for (size_t k = 0, c = 0; k < VERDICT_LOADERS; k++)
		if (m & VERDICT_BIT(verdict_loaders[k]))
			printf("%s\"%s\"", c++ ? ", " : "",
			       uc_consumer_name(verdict_loaders[k]));
	putchar(']');
}

static void json_findings(const struct audit_findings *l, unsigned int loaders)
{
	putchar('[');
	for (size_t i = 0; i < l->n; i++) {
		const struct audit_finding *f = &l->v[i];

		printf("%s{\"code\": ", i ? ", " : "");
		json_str(f->code);
		printf(", \"file\": ");
		json_str(f->file);
		if (f->offset == DIAG_NO_OFFSET)
			printf(", \"offset\": null");
		else
			printf(", \"offset\": %llu", (unsigned long long)f->offset);
		if (f->line)
			printf(", \"line\": %u", f->line);
		else
			printf(", \"line\": null");
		printf(", \"loaders\": ");
		json_loaders(f->loaders ? f->loaders : loaders);
		printf(", \"message\": ");
		json_str(f->message);
		putchar('}');
	}
	putchar(']');
}

static void json_file(const char *role, const struct boot_file *f, bool *first)
{
	if (!f->path)
		return;
	printf("%s{\"role\": \"%s\", \"path\": ", *first ? "" : ", ", role);
	json_str(f->path);
	printf(", \"file\": ");
	json_str(f->file);
	printf(", \"args\": ");
	json_str(f->args);
	printf(f->line ? ", \"line\": %u" : ", \"line\": null", f->line);
	printf(", \"section\": ");
	json_str(f->part ? f->part_name : NULL);
	if (f->part)
		printf(", \"offset\": %llu, \"size\": %llu}", f->offset, f->size);
	else
		printf(", \"offset\": null, \"size\": null}");
	*first = false;
}

static void json_entry(const struct audit_entry *a)
{
	const struct boot_entry *e = a->entry;
	bool first = true;

	printf("{\"origin\": \"%s\", \"config\": ", boot_origin_name(e->origin));
	json_str(e->config);
	printf(e->config ? ", \"line\": %u" : ", \"line\": null", e->line);
	printf(", \"title\": ");
	json_str(e->title);
	printf(", \"kind\": \"%s\", \"status\": %d, \"unresolved\": ",
	       e->kind == BOOT_XEN ? "xen" : "linux", a->status);
	json_str(e->unresolved ? (e->why ? e->why : "") : NULL);
	printf(", \"files\": [");
	if (e->kind == BOOT_XEN) {
		json_file("xen", &e->xen, &first);
		for (size_t i = 0; i < e->n_modules; i++)
			json_file("module", &e->modules[i], &first);
	} else {
		json_file("kernel", &e->kernel, &first);
		for (size_t i = 0; i < e->n_initrds; i++)
			json_file("initrd", &e->initrds[i], &first);
		json_file("not-loaded", &e->uki_ignored, &first);
	}
	printf("], \"cmdline\": ");
	json_str(e->kind == BOOT_XEN ? e->xen_cmdline : e->cmdline);
	printf(", \"cpus\": [");
	for (size_t i = 0; i < a->n_rows; i++) {
		const struct audit_row *r = &a->rows[i];
		const struct verdict_row *w = &r->row;

		printf("%s{\"vendor\": \"%s\", \"signature\": %u, \"pf\": %u, "
		       "\"pf_known\": %s, \"running\": ", i ? ", " : "",
		       vendor_name(w->cpu.vendor), w->cpu.sig,
		       w->cpu.vendor == UC_VENDOR_AMD ? 0 : w->cpu.pf,
		       w->pf_known || w->cpu.vendor == UC_VENDOR_AMD ? "true" : "false");
		if (w->rev_known)
			printf("%u", w->cpu.rev);
		else
			printf("null");
		for (size_t k = 0; k < VERDICT_LOADERS; k++) {
			const struct verdict_answer *an = &w->loader[k];
			static const char *const keys[VERDICT_LOADERS] = {
				"linux_6_1", "linux", "xen_4_17", "xen",
			};

			if (an->counts && !an->err)
				printf(", \"%s\": %u", keys[k], an->rev);
			else
				printf(", \"%s\": null", keys[k]);
		}
		printf(", \"newest\": ");
		if (r->newest_known)
			printf("%u", r->newest);
		else
			printf("null");
		printf(", \"status\": %d, \"problems\": ", r->status);
		json_findings(&r->findings, a->loaders);
		putchar('}');
	}
	printf("], \"problems\": ");
	json_findings(&a->findings, a->loaders);
	putchar('}');
}

/* ---- what no entry shows ---- */

static void note_files(const struct boot_files *files, struct diags *d)
{
	for (size_t i = 0; i < files->n; i++) {
		const struct boot_found *f = &files->v[i];

		switch (f->kind) {
		case FOUND_EARLY_IMAGE:
		case FOUND_INITRD:
			if (!f->named)
				diag_note(d, f->file, "no entry loads it");
			break;
		default:
			break;
		}
	}
}

/*
 * A CPU running an older revision than the newest in the SOURCEs gets it at
 * the next boot; say once that `late` can load it now, and why the early
 * path stays the safe one.
 */
static void note_late(const struct audit_entry *audits, size_t n,
		      struct diags *d)
{
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < audits[i].n_rows; j++) {
			const struct audit_row *r = &audits[i].rows[j];

			if (!r->row.rev_known || !r->newest_known ||
			    r->newest <= r->row.cpu.rev)
				continue;
			diag_note(d, NULL, "a CPU runs revision 0x%08x "
				  "and 0x%08x is available: the next boot loads it "
				  "from the entries that carry it; 'mkucode late' "
				  "can load it now, without a reboot, where it is "
				  "safe (mkucode(8), LATE LOADING)",
				  r->row.cpu.rev, r->newest);
			return;
		}
}

int cmd_status(int argc, char **argv)
{
	static const struct option options[] = {
		{ "root", required_argument, NULL, OPT_ROOT },
		SELECTION_OPTIONS,
		{ "json", no_argument, NULL, 'j' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct selection_args sa = { 0 };
	struct gather_opts gopts = { 0 };
	struct ucode_set set = { 0 };
	struct blob_out blobs[2] = { { 0 }, { 0 } };
	struct audit_newest nw = { 0 };
	struct boot_entries entries = { 0 };
	struct boot_files files = { 0 };
	struct verdict_cpu *asked = NULL;
	struct host_cpu *host_found = NULL;
	struct audit_entry *audits = NULL;
	struct diags d = { 0 };
	char **sources = NULL;
	size_t n_asked = 0, cap_asked = 0, n_host = 0, counts[4] = { 0 }, unresolved = 0;
	int n_sources = 0, c, k, rc = EXIT_ERROR, worst = EXIT_OK;
	const char *root = NULL;
	struct config cfg = { 0 };
	bool json = false;

	while ((c = getopt_long(argc, argv, "qh", options, NULL)) != -1) {
		k = selection_option(c, optarg, &sa);
		if (k < 0)
			goto usage;
		if (k)
			continue;
		switch (c) {
		case OPT_ROOT: root = root_option(optarg); break;
		case 'j': json = true; break;
		case 'q': quiet = true; break;
		case 'h': print_help(); selection_free(&sa.sel); return EXIT_OK;
		default: goto usage;
		}
	}
	if (selection_check(&sa))
		goto usage;
	/*
	 * The configuration's selection when it sets one and the command line
	 * gives none (select = all asks about every CPU the SOURCEs have);
	 * without either, this machine's CPUs.
	 */
	if (use_config(&cfg, root, sa.given, &sa.sel, &sa.host))
		goto out;
	if (!sa.given && cfg.selection_set && cfg.select == CONFIG_SELECT_ALL &&
	    !selection_filtered(&sa.sel))
		sa.all = true;
	/* The CPUs named, then (--host adds them to the selection too)
	 * without CPUs named, this machine's. */
	verdict_cpus_from_specs(&sa.sel, &asked, &n_asked, &cap_asked);
	if (!sa.all && (sa.host || !selection_filtered(&sa.sel))) {
		if (select_host_cpus(&sa.sel, root, &d, &host_found, &n_host))
			goto out;
		asked_from_host(host_found, n_host, &asked, &n_asked, &cap_asked);
	}

	/* The newest for these CPUs, as `mkucode -o` would build it. */
	gopts.root = root;
	pick_sources(&cfg, argv + optind, argc - optind, &sources, &n_sources);
	if (gather(&set, sources, n_sources, &gopts, &d))
		goto out;
	if (!set.n && root)
		diag_note(&d, root, "no microcode in its firmware directories: "
			  "nothing to compare with (give SOURCEs)");
	if (select_ucode(&set, &sa.sel, &d) < 0 ||
	    emit_vendor_file(&set, &sa.sel, UC_VENDOR_INTEL, &blobs[0], &d) ||
	    emit_vendor_file(&set, &sa.sel, UC_VENDOR_AMD, &blobs[1], &d))
		goto out;
	join_blob(&blobs[0], &nw, UC_VENDOR_INTEL);
	join_blob(&blobs[1], &nw, UC_VENDOR_AMD);
	if (sa.all)
		verdict_cpus_from_set(&set, &asked, &n_asked, &cap_asked);

	if (boot_collect(root, &entries, &files, &d))
		goto out;
	audits = xmalloc((entries.n ? entries.n : 1) * sizeof(*audits));
	for (size_t i = 0; i < entries.n; i++) {
		const struct audit_opts o = { root, boot_resolve };

		if (audit_entry(&entries.v[i], asked, n_asked, &nw, &o, &audits[i], &d))
			worst = EXIT_ERROR;
		worst = audit_worse(worst, audits[i].status);
		counts[rank(audits[i].status)]++;
		unresolved += entries.v[i].unresolved;
	}
	note_files(&files, &d);
	note_late(audits, entries.n, &d);
	for (size_t i = 0; i < entries.n; i++)
		if (entries.v[i].origin == BOOT_FROM_UKI) {
			char *how = audit_uki_fix(&entries.v[i]);

			diag_note(&d, entries.v[i].config, "refresh does not rewrite "
				  "it (a%s unified kernel image): %s",
				  entries.v[i].uki_signed ? " signed" : "", how);
			free(how);
		}
	if (json)
		putchar('[');
	for (size_t i = 0; i < entries.n; i++) {
		if (json) {
			printf(i ? ",\n " : "");
			json_entry(&audits[i]);
		} else {
			print_entry(&audits[i]);
		}
	}
	if (json)
		printf("]\n");
	else
		printf("%zu entr%s: %zu ok, %zu to fix, %zu without microcode for "
		       "some CPU, %zu not checked%s\n", entries.n,
		       entries.n == 1 ? "y" : "ies", counts[0] - unresolved, counts[1],
		       counts[2], unresolved, counts[3] ? ", errors (above)" : "");
	if (!entries.n)
		diag_note(&d, root ? root : "/", "no kernel and no boot entry found");
	rc = worst;
	for (size_t i = 0; i < entries.n; i++)
		audit_entry_free(&audits[i]);
out:
	diag_print(&d, stderr, quiet);
	diags_free(&d);
	free(audits);
	boot_entries_free(&entries);
	boot_files_free(&files);
	audit_newest_free(&nw);
	blob_free(&blobs[0]);
	blob_free(&blobs[1]);
	ucode_set_free(&set);
	config_free(&cfg);     /* the configured sources with it */
	free(host_found);
	free(asked);
	selection_free(&sa.sel);
	return rc;
usage:
	usage_hint();
	free(asked);
	selection_free(&sa.sel);
	return EXIT_USAGE;
}

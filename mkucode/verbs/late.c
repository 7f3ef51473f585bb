// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * mkucode late [SELECTION] [--root DIR] [--dry-run] [--force] [SOURCE...]
 *
 * Load microcode into the running machine.  The plan (domain/late) is
 * printed first, one line per CPU, then carried out unless --dry-run:
 * xen-ucode in a Xen dom0, the kernel's reload on bare metal.  Anything
 * refused stops the whole hand-off (CPUs left at different revisions are
 * what both loaders warn against).  Exit 0 done (--dry-run: doable), 1
 * refused or failed, 3 nothing newer for these CPUs.
 */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "verbs/verbs.h"
#include "domain/config.h"
#include "domain/late.h"
#include "util/diag.h"
#include "util/exit.h"
#include "util/msg.h"

enum { OPT_ROOT = 0x100, OPT_DRY_RUN, OPT_FORCE, OPT_IGNORE_BROKEN };

static const char *host_words(const struct late_system *sys)
{
	switch (sys->host) {
	case LATE_XEN_DOM0:
		return "a Xen dom0: Xen loads the microcode into every physical "
		       "CPU (xen-ucode)";
	case LATE_GUEST:
		return "a virtual machine guest";
	case LATE_BARE_METAL:
		break;
	}
	return sys->reload ? "bare metal: the kernel loads the microcode "
			     "(/sys/devices/system/cpu/microcode/reload)"
			   : "bare metal, a kernel without late loading";
}

static void print_plan(const struct late_system *sys, const struct late_plan *plan)
{
	char cpu[96], text[1024];

	printf("%s\n", host_words(sys));
	for (size_t i = 0; i < plan->n; i++) {
		late_cpu_text(plan->rows[i].cpu, cpu, sizeof(cpu));
		late_row_text(sys, &plan->rows[i], text, sizeof(text));
		printf("%s: %s\n", cpu, text);
	}
}

static void print_firmware(const struct late_firmware *fw, bool dry_run)
{
	char gives[64];

	if (!fw->name[0])
		return;
	if (fw->found_gives) {
		printf("firmware: %s gives %#010x: the kernel reads it as it is\n",
		       fw->found, fw->found_rev);
		return;
	}
	if (fw->found_has_rev)
		snprintf(gives, sizeof(gives), "which gives %#010x", fw->found_rev);
	else
		snprintf(gives, sizeof(gives), "which has nothing for this CPU");
	printf("firmware: %s %s for the reload and removed after it",
	       fw->target, dry_run ? "would be placed" : "to be placed");
	if (fw->target_exists)
		printf(" (the file there, %s, set aside and put back)", gives);
	else if (fw->found)
		printf("; the kernel reads it before %s (%s, and stays untouched)",
		       fw->found, gives);
	putchar('\n');
}

static const char *const features_line =
	"CPU features are not re-evaluated after a late load: mitigations and "
	"features an update adds or removes (TSX, for one) change only at boot.";

/* The early path's line: always, and as the way out of a refusal. */
static void print_early_path(const struct late_system *sys, bool refused)
{
	printf("%s\n%s\n", features_line,
	       sys->host == LATE_GUEST
		       ? "A guest runs the microcode its host loaded: update the host "
			 "(there: mkucode late, or mkucode refresh and a reboot)."
	       : refused ? "To load it safely, at the next boot: mkucode refresh, then reboot."
			 : "Where that matters, or a late load fails: mkucode refresh, then "
			   "reboot (the early path).");
}

static int carry_out_xen(const struct late_system *sys, const struct blob_out *blob,
			 bool dry_run, struct diags *d)
{
	char *xu = late_find_xen_ucode(sys->root);
	int st;

	if (!xu)
		diag_add(d, dry_run ? DIAG_WARNING : DIAG_ERROR, NULL, DIAG_NO_OFFSET,
			 0, 0, "xen-ucode found neither on PATH nor in Xen's "
			 "directories (/usr/lib/xen-*/bin, /usr/lib/xen/bin, "
			 "/usr/libexec/xen/bin): install Xen's tools (Debian: "
			 "xen-utils-4.17)%s", dry_run ? "" : "; nothing loaded");
	if (dry_run) {
		printf("would run: %s FILE (a temporary file: the raw vendor "
		       "file of these updates, %zu bytes)\n",
		       xu ? xu : "xen-ucode", blob->len);
		free(xu);
		return EXIT_OK;
	}
	if (!xu)
		return EXIT_ERROR;
	printf("running: %s FILE (%zu bytes)\n", xu, blob->len);
	fflush(NULL);
	st = late_xen_ucode(xu, blob, d);
	free(xu);
	if (st < 0)
		return EXIT_ERROR;
	if (st) {
		printf("xen-ucode failed (exit %d): Xen refused or could not apply "
		       "the update; 'xl dmesg' says why, per CPU\n", st);
		return EXIT_ERROR;
	}
	printf("xen-ucode: done; 'xl dmesg' shows each CPU's revision\n");
	return EXIT_OK;
}

static int carry_out_reload(const struct late_system *sys,
			    const struct late_plan *plan,
			    const struct late_firmware *fw,
			    const struct blob_out *blob, struct diags *d)
{
	struct late_result *res = calloc(plan->n ? plan->n : 1, sizeof(*res));
	char cpu[96];
	int rc = EXIT_OK;
	bool some_done = false;

	if (!res)
		return diag_error(d, NULL, "out of memory"), EXIT_ERROR;
	fflush(NULL);
	if (late_reload(sys, plan, fw, blob, res, d)) {
		free(res);
		return EXIT_ERROR;
	}
	printf("reload written; the CPUs now:\n");
	for (size_t i = 0; i < plan->n; i++) {
		const struct late_row *row = &plan->rows[i];
		const struct late_result *r = &res[i];

		late_cpu_text(row->cpu, cpu, sizeof(cpu));
		printf("%s: ", cpu);
		switch (r->outcome) {
		case LATE_DONE:
			printf("updated %#010x -> %#010x\n", row->cpu->rev, r->rev);
			some_done = true;
			break;
		case LATE_STILL:
			if (row->verdict == LATE_CURRENT)
				printf("already current (%#010x)\n", r->rev);
			else
				printf("not updated (nothing to load)\n");
			break;
		case LATE_KERNEL_REFUSED:
			printf("refused by the kernel: writing reload: %s (dmesg "
			       "says why)\n", strerror(r->err));
			rc = EXIT_ERROR;
			break;
		case LATE_FAILED:
			if (r->rev_known)
				printf("failed: %s %#010x, not %#010x (dmesg says why)\n",
				       r->rev == row->cpu->rev ? "still at" : "now at",
				       r->rev, row->patch->rev);
			else
				printf("failed: its revision cannot be read back\n");
			rc = EXIT_ERROR;
			break;
		}
	}
	if (some_done && rc != EXIT_OK)
		printf("the CPUs now run different revisions, which neither Linux nor "
		       "Xen holds stable: reboot soon\n");
	free(res);
	return rc;
}

int cmd_late(int argc, char **argv)
{
	static const struct option options[] = {
		{ "root", required_argument, NULL, OPT_ROOT },
		{ "dry-run", no_argument, NULL, OPT_DRY_RUN },
		{ "force", no_argument, NULL, OPT_FORCE },
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
	struct late_system sys = { 0 };
	struct late_plan plan = { 0 };
	struct late_firmware fw = { 0 };
	struct blob_out blob = { 0 };
	struct diags d = { 0 };
	struct host_cpu *host_found = NULL;
	size_t n_host = 0;
	const char *root = NULL;
	bool dry_run = false, force = false;
	int c, k, rc = EXIT_ERROR;

	while ((c = getopt_long(argc, argv, "qh", options, NULL)) != -1) {
		k = selection_option(c, optarg, &sa);
		if (k < 0)
			goto usage;
		if (k)
			continue;
		switch (c) {
		case OPT_ROOT: root = root_option(optarg); break;
		case OPT_DRY_RUN: dry_run = true; break;
		case OPT_FORCE: force = true; break;
		case OPT_IGNORE_BROKEN: gopts.ignore_broken = true; break;
		case 'q': quiet = true; break;
		case 'h': print_help(); selection_free(&sa.sel); return EXIT_OK;
		default: goto usage;
		}
	}
	if (selection_check(&sa))
		goto usage;

	if (select_from_sources(&sa, &cfg, root, argv + optind, argc - optind,
				&gopts, &set, &host_found, &n_host, &d) < 0)
		goto out;
	if (late_read_system(root, &sys, &d))
		goto out;
	if (!sa.host)
		host_cpus_note(sys.cpus, sys.n_cpus, &d);
	diag_print(&d, stderr, quiet);

	late_plan(&sys, &set, force, &plan);
	print_plan(&sys, &plan);
	if (plan.n_refused) {
		printf("nothing loaded: %zu CPU%s refused\n", plan.n_refused,
		       plan.n_refused == 1 ? "" : "s");
		print_early_path(&sys, true);
		goto out;
	}
	if (!plan.n_update) {
		printf("nothing newer for these CPUs\n");
		print_early_path(&sys, false);
		rc = EXIT_NO_MICROCODE;
		goto out;
	}
	if (late_blob(&set, &sys, &plan,
		      sys.host == LATE_XEN_DOM0 ? 0 : sys.cpus[0].sig, &blob, &d))
		goto out;
	if (sys.host == LATE_XEN_DOM0) {
		rc = carry_out_xen(&sys, &blob, dry_run, &d);
	} else {
		if (late_firmware(&sys, &plan, &fw, &d))
			goto out;
		print_firmware(&fw, dry_run);
		rc = dry_run ? EXIT_OK : carry_out_reload(&sys, &plan, &fw, &blob, &d);
	}
	print_early_path(&sys, false);
out:
	diag_print(&d, stderr, quiet);
	diags_free(&d);
	blob_free(&blob);
	late_firmware_free(&fw);
	late_plan_free(&plan);
	late_system_free(&sys);
	ucode_set_free(&set);
	config_free(&cfg);
	free(host_found);
	selection_free(&sa.sel);
	return rc;
usage:
	usage_hint();
	selection_free(&sa.sel);
	return EXIT_USAGE;
}

// SPDX-License-Identifier: GPL-2.0-or-later
/* Option values shared by the verbs, and the help text. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "verbs/verbs.h"
#include "domain/config.h"
#include "domain/image.h"
#include "util/diag.h"
#include "util/msg.h"

int selection_option(int c, const char *arg, struct selection_args *a)
{
	switch (c) {
	case OPT_SEL_ALL: a->all = true; break;
	case OPT_SEL_HOST: a->host = true; break;
	case OPT_SEL_CPU:
		if (add_cpu_option(&a->sel, arg, false, UC_VENDOR_INTEL))
			return -1;
		break;
	case OPT_SEL_VENDOR:
		if (parse_vendor(arg, &a->sel.vendor))
			return -1;
		a->sel.vendor_only = true;
		break;
	case OPT_SEL_DATE_BEFORE:
		if (parse_date(arg, &a->sel.date_before))
			return -1;
		break;
	case OPT_SEL_DATE_AFTER:
		if (parse_date(arg, &a->sel.date_after))
			return -1;
		break;
	case OPT_SEL_DOWNGRADE: a->sel.downgrade = true; break;
	default: return 0;
	}
	a->given = true;
	return 1;
}

int selection_check(const struct selection_args *a)
{
	if (a->all && (a->host || a->sel.n_specs))
		return error("--all excludes --host and --cpu");
	return 0;
}

long select_from_sources(struct selection_args *sa, struct config *cfg,
			 const char *root, char **args, int n_args,
			 struct gather_opts *gopts, struct ucode_set *set,
			 struct host_cpu **host_found, size_t *n_host,
			 struct diags *d)
{
	char **sources;
	int n_sources;

	if (use_config(cfg, root, sa->given, &sa->sel, &sa->host))
		return -1;
	gopts->root = root;
	pick_sources(cfg, args, n_args, &sources, &n_sources);
	if (sa->host && select_host_cpus(&sa->sel, root, d, host_found, n_host))
		return -1;
	if (gather(set, sources, n_sources, gopts, d))
		return -1;
	return select_ucode(set, &sa->sel, d);
}

int archive_mtime(uint32_t *mtime)
{
	const char *s = getenv("SOURCE_DATE_EPOCH");
	unsigned long long v;
	char *end;

	*mtime = 0;
	if (!s || !*s)
		return 0;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end || v > UINT32_MAX)
		return error("SOURCE_DATE_EPOCH '%s' is not a time a cpio can hold", s);
	*mtime = (uint32_t)v;
	return 0;
}

int parse_vendor(const char *s, enum uc_vendor *v)
{
	/* As people write them: Intel, AMD. */
	if (!strcasecmp(s, "intel"))
		*v = UC_VENDOR_INTEL;
	else if (!strcasecmp(s, "amd"))
		*v = UC_VENDOR_AMD;
	else
		return error("--vendor: '%s' is neither intel nor amd", s);
	return 0;
}

int parse_date(const char *s, uint32_t *ymd)
{
	/* The configuration's dates and the command line's are one form. */
	if (!config_date(s, ymd))
		return error("'%s' is not a date of the form YYYY-MM-DD", s);
	return 0;
}

const char *root_option(char *arg)
{
	size_t n = strlen(arg);

	/* "tree/" is "tree"; "/" (or "") is this system, read as usual
	 * (CPUID for --host included). */
	while (n && arg[n - 1] == '/')
		arg[--n] = 0;
	return n ? arg : NULL;
}

int use_config(struct config *cfg, const char *root, bool cli_selection,
	       struct selection *sel, bool *host)
{
	struct diags d = { 0 };
	struct stat st;
	int r;

	/* A mistyped --root would read as a system with nothing in it. */
	if (root && stat(root, &st))
		return error("--root '%s': %s", root, strerror(errno));
	if (root && !S_ISDIR(st.st_mode))
		return error("--root '%s': not a directory", root);
	r = config_load(cfg, root, &d);
	diag_print(&d, stderr, quiet);
	diags_free(&d);
	if (r)
		return -1;
	if (cli_selection || !sel)
		return 0;
	for (size_t i = 0; i < cfg->n_cpus; i++) {
		struct cpu_spec spec;

		/* Checked when the file was read. */
		if (cpu_spec_parse(cfg->cpus[i], &spec, &d) == 0)
			selection_add(sel, &spec, false, UC_VENDOR_INTEL);
	}
	diags_free(&d);
	sel->vendor_only = cfg->vendor_only;
	sel->vendor = cfg->vendor;
	sel->date_before = cfg->date_before;
	sel->date_after = cfg->date_after;
	sel->downgrade = cfg->downgrade;
	*host = cfg->select == CONFIG_SELECT_HOST;
	return 0;
}

void pick_sources(const struct config *cfg, char **args, int n_args,
		  char ***sources, int *n_sources)
{
	*sources = args;
	*n_sources = n_args;
	if (!n_args && cfg->n_sources) {
		*sources = cfg->sources;
		*n_sources = (int)cfg->n_sources;
	}
}

int add_cpu_option(struct selection *sel, const char *text, bool vendor_known,
		   enum uc_vendor vendor)
{
	struct diags d = { 0 };
	struct cpu_spec spec;
	int r = cpu_spec_parse(text, &spec, &d);

	diag_print(&d, stderr, quiet);
	diags_free(&d);
	if (!r)
		selection_add(sel, &spec, vendor_known, vendor);
	return r;
}

int select_host_cpus(struct selection *sel, const char *root, struct diags *d,
		     struct host_cpu **found, size_t *n_found)
{
	struct host_cpu *cpus;
	size_t n;

	if (host_cpus(root, &cpus, &n, d))
		return -1;
	host_cpus_note(cpus, n, d);
	for (size_t i = 0; i < n; i++) {
		struct cpu_spec spec = {
			.sig = cpus[i].sig,
			/* Unknown flags: every platform variant of the signature. */
			.pf_mask = cpus[i].vendor == UC_VENDOR_INTEL && cpus[i].pf_known
					   ? cpus[i].pf : 0,
		};

		selection_add(sel, &spec, true, cpus[i].vendor);
	}
	if (found) {
		*found = cpus;
		*n_found = n;
	} else {
		free(cpus);
	}
	return 0;
}

int add_host_cpus(struct selection *sel, const char *root)
{
	struct diags d = { 0 };
	int r = select_host_cpus(sel, root, &d, NULL, NULL);

	diag_print(&d, stderr, quiet);
	diags_free(&d);
	return r;
}

/* done: what a change did; same: why nothing changed. */
void report_image(const struct image *im, const struct image_result *res,
		   const char *done, const char *same)
{
	if (!res->changed) {
		note("%s: %s, unchanged", im->path, same);
		return;
	}
	note("%s: %s: %zu-byte early part, %zu bytes of the rest kept (%s)",
	     im->path, done, res->early_len, im->len - im->rest,
	     image_copy_name(res->how));
}

void usage_hint(void)
{
	fprintf(stderr, "Try '%s --help' for more information.\n", program_name);
}

void print_help(void)
{
	/* Held whole until finish_stdout(), so that a failed write is said
	 * once, with its cause (the text is longer than stdio's buffer). */
	static char held[16384];

	setvbuf(stdout, held, _IOFBF, sizeof(held));
	printf("Usage:\n"
"  %1$s [build] [SELECTION] (-o FILE | --prepend IMAGE | --raw DIR) [SOURCE...]\n"
"  %1$s list [--json] [--root DIR] [PATH...]\n"
"  %1$s verify [--host | --cpu SPEC]... [--vendor V] [--json] [--root DIR] IMAGE...\n"
"  %1$s strip IMAGE\n"
"  %1$s extract IMAGE -o FILE [--force]\n"
"  %1$s status [SELECTION] [--root DIR] [--json] [SOURCE...]\n"
"  %1$s refresh [SELECTION] [--root DIR] [--dry-run] [SOURCE...]\n"
"  %1$s stanza grub|syslinux [SELECTION] [--root DIR] --kernel FILE\n"
"      [--append ARGS] [--initrd FILE]... [--xen FILE [--xen-args ARGS]]\n"
"      [--early FILE | --raw FILE] [--title TEXT] [--mboot PATH]\n"
"  %1$s late [SELECTION] [--root DIR] [--dry-run] [--force] [SOURCE...]\n"
"\n"
"Build the early-microcode cpio that Linux and Xen read at the front of an\n"
"initrd, from SOURCEs: files or directories of Intel binary or .dat microcode,\n"
"AMD containers, early cpios or initrd images, possibly compressed with gzip,\n"
"xz or zstd (\"-\": standard input).  Default SOURCEs: the system firmware\n"
"directories.  /etc/mkucode.conf and /etc/mkucode.conf.d/*.conf give the\n"
"SELECTION and SOURCEs used when the command line gives none.\n"
"\n"
"Output:\n"
"  -o, --output FILE      write the early cpio to FILE (\"-\": standard output)\n"
"      --prepend IMAGE    put it in front of the initrd IMAGE, replacing the\n"
"                         early microcode there; the rest stays byte for byte\n"
"      --raw DIR          write raw GenuineIntel.bin / AuthenticAMD.bin into DIR\n"
"                         (for Xen ucode=<n> or xen.efi ucode=); DIR then holds\n"
"                         exactly the selection (a note names each file removed)\n"
"      --force            --prepend to a file that is no initrd; -o (and extract\n"
"                         -o) over an initrd; late: load what it refuses\n"
"Selection (default: the configuration's, else all microcode found, newest\n"
"revision of each; any of these replaces the configured selection):\n"
"      --all              all found, newest of each, whatever is configured\n"
"      --host             the CPUs of this machine (every online CPU)\n"
"      --cpu SPEC         SIG[,PF_MASK] (0x906ea, 0x000906ea,0x22) or FF-MM-SS\n"
"                         (06-9e-0a); repeatable; !SPEC excludes\n"
"      --vendor intel|amd only this vendor's microcode\n"
"      --date-before DATE, --date-after DATE\n"
"                         only updates dated before / after YYYY-MM-DD\n"
"      --downgrade        the last update given wins, not the newest\n"
"Checks:\n"
"      --ignore-broken    skip malformed microcode with a warning (default: fail)\n"
"      --allow-empty      write an archive even when nothing is selected\n"
"Stanza (paths from DIR, as the boot loader names them):\n"
"      --kernel FILE      the Linux kernel (Xen: the dom0 kernel)\n"
"      --append ARGS      its command line\n"
"      --initrd FILE      an initrd; repeatable, in load order (Xen: one)\n"
"      --xen FILE         a Xen entry: the hypervisor\n"
"      --xen-args ARGS    Xen's command line (stanza adds ucode=)\n"
"      --early FILE       a separate early cpio, loaded first (Xen: ucode=scan);\n"
"                         repeatable, in load order (one per vendor)\n"
"      --raw FILE         Xen: a raw vendor file as a module (ucode=<n>)\n"
"      --title TEXT       the menu title\n"
"      --mboot PATH       syslinux Xen: mboot.c32's path (default mboot.c32)\n"
"Other:\n"
"      --root DIR         read the system under DIR: configuration, default\n"
"                         SOURCEs, what --host reads, for status and\n"
"                         refresh its /boot, for late its /sys and /proc\n"
"      --dry-run          refresh, late: say what would change, change nothing\n"
"  -q, --quiet            no notes on standard error\n"
"  -h, --help             this text\n"
"      --version          the version\n"
"\n"
"list prints every update in the PATHs (text, or one JSON array).  verify says,\n"
"for each CPU, which revision Linux (6.1 and newest) and Xen (4.17 and newer)\n"
"would load from IMAGE (several: initrds in load order), and every problem a\n"
"loader would trip on.  strip removes the early microcode from IMAGE (other\n"
"early members stay); extract writes IMAGE's early cpio part to FILE.  verify\n"
"and extract read an IMAGE \"-\" (standard input) or pipe from a temporary copy.\n"
"status checks every boot entry under DIR/boot (default: for this machine's\n"
"CPUs) against the newest microcode in the SOURCEs, and says what is wrong.\n"
"refresh puts what SELECTION builds from the SOURCEs in front of every initrd\n"
"in DIR/boot that does not already hold it (as --prepend), one line per image;\n"
"exit 1 when any image failed (it stays as it was; the others are refreshed).\n"
"stanza prints one GRUB menuentry or syslinux LABEL that loads the microcode\n"
"the files hold (ucode=scan or ucode=<n> for Xen), checked as status checks\n"
"entries; exit 1 (nothing printed) when a CPU of the SELECTION (default: every\n"
"CPU the files hold microcode for) would get none, or status would object.\n"
"late loads microcode now (xen-ucode in a Xen dom0, else the kernel's reload),\n"
"saying per CPU what it will do first; it refuses what is safe only early.\n"
"\n"
"Exit status: 0 success; 1 error (nothing written; late: refused or failed);\n"
"2 usage; 3 verify, status: some CPU gets no microcode, late: nothing newer;\n"
"4 verify, status: every CPU gets it, but something should be fixed.\n"
"SOURCE_DATE_EPOCH sets the archive's mtimes (default 0).\n"
"See mkucode(8).\n", program_name);
}

// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * mkucode verify [--host | --cpu SPEC]... [--vendor V] [--json] IMAGE...
 *
 * For each CPU, the revision each loader would load from the initrds a boot
 * loader hands the kernel (several: joined in order, as it sees them), or
 * from a raw vendor file (Xen's ucode=<n>), and what the loaders would trip
 * on: the question is built here, domain/verdict answers it, and this
 * prints the answer.  Problems belong to the CPU rows, in the table and in
 * the JSON; standard error carries only what makes the input unreadable or
 * malformed (exit 1).  An IMAGE that is a pipe ("-": standard input) is
 * read once into an unlinked temporary file, as much as the loaders read
 * of it (verdict_spool).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "verbs/verbs.h"
#include "domain/config.h"
#include "domain/cpu.h"
#include "domain/verdict.h"
#include "util/alloc.h"
#include "util/diag.h"
#include "util/exit.h"
#include "util/msg.h"
#include "util/spool.h"
#include "util/stdout.h"
#include "util/table.h"

#define N_SHOWN VERDICT_LOADERS
#define BIT VERDICT_BIT

static const struct column verify_columns[] = {
	{ "vendor", "VENDOR", false },
	{ "signature", "SIGNATURE", false },
	{ "pf", NULL, false },
	{ NULL, "PF", false },
	{ "pf_known", NULL, false },
	{ "running", "RUNNING", false },
	{ "linux_6_1", "LINUX-6.1", false },
	{ "linux", "LINUX", false },
	{ "xen_4_17", "XEN-4.17", false },
	{ "xen", "XEN", false },
	{ "why", NULL, false },
	{ "problems", NULL, false },
};

static const char *vendor_name(enum uc_vendor v)
{
	return v == UC_VENDOR_INTEL ? "intel" : "amd";
}

/* AMD signatures have base family 0xf and an extended family. */
static enum uc_vendor guess_vendor(uint32_t sig)
{
	return ((sig >> 8) & 0xf) == 0xf && ((sig >> 20) & 0xff) ? UC_VENDOR_AMD
								 : UC_VENDOR_INTEL;
}

static void add_asked(struct verdict_cpu **v, size_t *n, size_t *cap,
		      const struct verdict_cpu *a)
{
	for (size_t i = 0; i < *n; i++)
		if (!memcmp(&(*v)[i], a, sizeof(*a)))
			return;
	grow(v, cap, *n + 1, sizeof(**v));
	(*v)[(*n)++] = *a;
}

/* --cpu SPEC: no running revision; a platform only when given. */
static int asked_from_spec(const char *text, bool vendor_only,
			   enum uc_vendor vendor, struct verdict_cpu *a, bool *exclude)
{
	struct diags d = { 0 };
	struct cpu_spec s;
	int r = cpu_spec_parse(text, &s, &d);

	diag_print(&d, stderr, quiet);
	diags_free(&d);
	if (r)
		return -1;
	memset(a, 0, sizeof(*a));
	*exclude = s.exclude;
	a->cpu.vendor = vendor_only ? vendor : guess_vendor(s.sig);
	a->cpu.sig = s.sig;
	if (a->cpu.vendor == UC_VENDOR_AMD) {
		if (s.pf_mask)
			note("--cpu '%s': AMD CPUs have no platform flags; PF_MASK "
			     "%#x ignored", text, s.pf_mask);
	} else if (s.pf_mask) {
		a->cpu.pf = s.pf_mask;
		a->pf_known = true;
	}
	return 0;
}

static int add_host(const char *root, struct verdict_cpu **v, size_t *n, size_t *cap)
{
	struct diags d = { 0 };
	struct host_cpu *cpus;
	size_t count;
	int r = host_cpus(root, &cpus, &count, &d);

	if (!r)
		host_cpus_note(cpus, count, &d);
	diag_print(&d, stderr, quiet);
	diags_free(&d);
	if (r)
		return -1;
	for (size_t i = 0; i < count; i++) {
		struct verdict_cpu a;

		verdict_cpu_from_host(&cpus[i], &a);
		add_asked(v, n, cap, &a);
	}
	free(cpus);
	return 0;
}

/* ---- output ---- */

/*
 * The reasons of a row: "LOADER: why; LOADER: why", which scripts match;
 * for people (grouped), loaders with the same reason named together.
 */
static void why_text(const struct verdict_row *w, bool grouped, char *out,
		     size_t size)
{
	bool done[N_SHOWN];
	size_t o = 0;

	out[0] = 0;
	for (size_t k = 0; k < N_SHOWN; k++)
		done[k] = !w->loader[k].why;
	for (size_t k = 0; k < N_SHOWN && o < size; k++) {
		unsigned int m = BIT(verdict_loaders[k]);
		char names[64];

		if (done[k])
			continue;
		for (size_t j = k + 1; grouped && j < N_SHOWN; j++) {
			if (!done[j] && !strcmp(w->loader[j].why, w->loader[k].why)) {
				m |= BIT(verdict_loaders[j]);
				done[j] = true;
			}
		}
		done[k] = true;
		verdict_loader_names(m, names, sizeof(names));
		o += (size_t)snprintf(out + o, size - o, "%s%s: %s", o ? "; " : "",
				      names, w->loader[k].why);
	}
}

static char *problems_json(const struct verdict_row *w)
{
	char *s = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&s, &n);

	if (!f) {
		error("out of memory");
		exit(EXIT_ERROR);
	}
	fputc('[', f);
	for (size_t i = 0; i < w->n_problems; i++) {
		const struct verdict_problem *p = &w->problems[i];

		fprintf(f, "%s{\"code\": ", i ? ", " : "");
		table_json_string(uc_errname(p->code), f);
		fputs(", \"file\": ", f);
		table_json_string(p->file, f);
		fprintf(f, ", \"offset\": %llu, \"loaders\": [",
			(unsigned long long)p->offset);
		for (size_t k = 0, c = 0; k < N_SHOWN; k++)
			if (p->loaders & BIT(verdict_loaders[k]))
				fprintf(f, "%s\"%s\"", c++ ? ", " : "",
					uc_consumer_name(verdict_loaders[k]));
		fputs("], \"message\": ", f);
		table_json_string(p->message, f);
		fputc('}', f);
	}
	fputc(']', f);
	fclose(f);
	return s;
}

static void fill_row(struct table *t, const struct verdict_row *w)
{
	char why[8192], pf[16];
	char *probs;

	table_str(t, vendor_name(w->cpu.vendor));
	table_hex(t, w->cpu.sig, 8);
	if (w->cpu.vendor == UC_VENDOR_AMD) {
		table_hex(t, 0, 2);
		table_str(t, "-");
	} else if (!w->pf_known && !w->variant) {
		table_hex(t, w->cpu.pf, 2);     /* any platform, as asked */
		table_str(t, "?");
	} else {
		table_hex(t, w->cpu.pf, 2);
		snprintf(pf, sizeof(pf), "0x%02x%s", w->cpu.pf, w->pf_known ? "" : "?");
		table_str(t, pf);
	}
	table_raw(t, w->pf_known || w->cpu.vendor == UC_VENDOR_AMD ? "true" : "false");
	if (w->rev_known)
		table_hex(t, w->cpu.rev, 8);
	else
		table_null(t);
	for (size_t k = 0; k < N_SHOWN; k++) {
		if (w->loader[k].err)
			table_null(t);
		else
			table_hex(t, w->loader[k].rev, 8);
	}
	why_text(w, false, why, sizeof(why));
	if (*why)
		table_str(t, why);
	else
		table_null(t);
	probs = problems_json(w);
	table_raw(t, probs);
	free(probs);
}

/* Below the table, for people: per row, the reasons and the problems. */
static void print_details(const struct verdict *v)
{
	for (size_t i = 0; i < v->n_rows; i++) {
		const struct verdict_row *w = &v->rows[i];
		char label[64], why[8192];

		verdict_row_label(w, label, sizeof(label));
		if (w->cpu.vendor == UC_VENDOR_INTEL && !w->pf_known &&
		    (i == 0 || v->rows[i - 1].asked != w->asked))
			printf("intel 0x%08x: platform unknown: %s\n", w->cpu.sig,
			       w->variant ? "a row for each platform variant the "
					    "image has for this signature"
					  : "the image has no update for this "
					    "signature on any platform");
		why_text(w, true, why, sizeof(why));
		if (*why)
			printf("%s: %s\n", label, why);
		for (size_t j = 0; j < w->n_problems; j++) {
			const struct verdict_problem *p = &w->problems[j];
			char names[64];

			verdict_loader_names(p->loaders, names, sizeof(names));
			printf("%s: problem: %s: offset %#llx: %s (%s)\n", label, p->file,
			       (unsigned long long)p->offset, p->message, names);
		}
	}
}

/* A path naming a pipe or a socket (as /dev/stdin may). */
static bool names_stream(const char *path)
{
	struct stat st;

	return !stat(path, &st) && (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode));
}

/*
 * The IMAGEs as files to read: "-" is standard input; a pipe is read from
 * a copy, anything else where it is (the verdict names what it cannot
 * read).  0, or -1 after an error in d; files[i].fd >= 0 is ours to close.
 */
static int open_images(char **argv, size_t n, struct early_input *files,
		       struct diags *d)
{
	for (size_t i = 0; i < n; i++)
		files[i] = (struct early_input){ .path = argv[i], .fd = -1 };
	for (size_t i = 0; i < n; i++) {
		bool is_stdin = !strcmp(argv[i], "-");
		int fd;

		if (is_stdin) {
			files[i].path = SPOOL_STDIN_NAME;
			fd = STDIN_FILENO;
		} else if (names_stream(argv[i])) {
			fd = open(argv[i], O_RDONLY | O_CLOEXEC);
			if (fd < 0)
				return diag_sys(d, argv[i], errno, "cannot open");
		} else {
			continue;
		}
		if (spool_needed(fd)) {
			files[i].fd = verdict_spool(fd, files[i].path, d);
		} else {
			/* A file on standard input: read where it is. */
			files[i].fd = dup(fd);
			if (files[i].fd < 0)
				diag_sys(d, files[i].path, errno, "cannot read");
		}
		if (!is_stdin)
			close(fd);
		if (files[i].fd < 0)
			return -1;
	}
	return 0;
}

int cmd_verify(int argc, char **argv)
{
	static const struct option options[] = {
		{ "host", no_argument, NULL, 'H' },
		{ "cpu", required_argument, NULL, 'c' },
		{ "vendor", required_argument, NULL, 'v' },
		{ "json", no_argument, NULL, 'j' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ "root", required_argument, NULL, 'R' },
		{ NULL, 0, NULL, 0 },
	};
	struct verdict_cpu *asked = NULL;
	struct early_input *files = NULL;
	char **specs = NULL;
	size_t n_asked = 0, cap_asked = 0, n_specs = 0, cap_specs = 0, n_files = 0;
	struct config cfg = { 0 };
	struct verdict_query q = { 0 };
	struct verdict v = { 0 };
	struct diags d = { 0 };
	struct table t;
	enum uc_vendor vendor = UC_VENDOR_INTEL;
	const char *root = NULL;
	bool json = false, host = false, vendor_only = false, any_include = false;
	bool cli_selection = false;
	int c, rc = EXIT_ERROR;

	while ((c = getopt_long(argc, argv, "qh", options, NULL)) != -1) {
		cli_selection |= c == 'H' || c == 'c' || c == 'v';
		switch (c) {
		case 'H': host = true; break;
		case 'c':
			grow(&specs, &cap_specs, n_specs + 1, sizeof(*specs));
			specs[n_specs++] = optarg;
			break;
		case 'v':
			if (parse_vendor(optarg, &vendor))
				goto usage;
			vendor_only = true;
			break;
		case 'j': json = true; break;
		case 'q': quiet = true; break;
		case 'R': root = root_option(optarg); break;
		case 'h': print_help(); free(specs); return EXIT_OK;
		default: goto usage;
		}
	}
	if (optind == argc) {
		error("verify takes at least one IMAGE");
		goto usage;
	}
	for (int i = optind, stdin_seen = 0; i < argc; i++) {
		if (strcmp(argv[i], "-"))
			continue;
		if (stdin_seen++) {
			error("'-' (standard input) can be given once");
			goto usage;
		}
	}
	/* No CPU on the command line: the configured ones. */
	if (use_config(&cfg, root, cli_selection, NULL, NULL))
		goto out;
	if (!cli_selection) {
		for (size_t i = 0; i < cfg.n_cpus; i++) {
			grow(&specs, &cap_specs, n_specs + 1, sizeof(*specs));
			specs[n_specs++] = cfg.cpus[i];
		}
		host = cfg.select == CONFIG_SELECT_HOST;
		vendor_only = cfg.vendor_only;
		vendor = cfg.vendor;
	}
	/* --vendor applies to every --cpu, wherever it was given. */
	for (size_t i = 0; i < n_specs; i++) {
		struct verdict_cpu a;
		bool exclude = false;

		if (asked_from_spec(specs[i], vendor_only, vendor, &a, &exclude))
			goto usage;
		any_include |= !exclude;
		if (!exclude)
			add_asked(&asked, &n_asked, &cap_asked, &a);
	}
	/* Without a CPU named, the question is about this machine. */
	if ((host || !any_include) && add_host(root, &asked, &n_asked, &cap_asked))
		goto out;

	n_files = (size_t)(argc - optind);
	files = xmalloc(n_files * sizeof(*files));
	if (open_images(argv + optind, n_files, files, &d)) {
		diag_print(&d, stderr, quiet);
		goto out;
	}
	q = (struct verdict_query){ files, n_files, false, asked, n_asked };
	if (verdict_run(&q, &v, &d)) {
		diag_print(&d, stderr, quiet);
		goto out;
	}
	table_init(&t, verify_columns, sizeof(verify_columns) / sizeof(verify_columns[0]));
	for (size_t i = 0; i < v.n_rows; i++)
		fill_row(&t, &v.rows[i]);
	table_print(&t, json, stdout);
	if (!json)
		print_details(&v);
	table_free(&t);
	diag_print(&d, stderr, quiet);
	rc = v.status;
	if (finish_stdout())
		rc = EXIT_ERROR;
out:
	for (size_t i = 0; files && i < n_files; i++)
		if (files[i].fd >= 0)
			close(files[i].fd);
	free(files);
	verdict_free(&v);
	diags_free(&d);
	free(asked);
	free(specs);
	config_free(&cfg);
	return rc;
usage:
	usage_hint();
	free(asked);
	free(specs);
	config_free(&cfg);
	return EXIT_USAGE;
}

// SPDX-License-Identifier: GPL-2.0-or-later
/* mkucode verify [--host | --cpu SPEC]... [--vendor V] [--json] IMAGE */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "verbs/verbs.h"
#include "cpio/cpio.h"
#include "domain/decompress.h"
#include "util/table.h"
#include "domain/ucode.h"
#include "util/exit.h"
#include "util/msg.h"
#include "util/alloc.h"
#include "util/fileio.h"
#include "validate/check.h"
#include "loaders/load.h"
#include "vendor/amd.h"
#include "vendor/intel.h"

/* The loaders in the order they are shown; the JSON keys are the contract. */
static const enum uc_consumer shown[] = {
	UC_LINUX_6_1, UC_LINUX_NEWEST, UC_XEN_4_17, UC_XEN_NEWER,
};

static const struct column verify_columns[] = {
	{ "vendor", "VENDOR", false },
	{ "signature", "SIGNATURE", false },
	{ "pf", "PF", false },
	{ "linux_6_1", "LINUX-6.1", false },
	{ "linux", "LINUX", false },
	{ "xen_4_17", "XEN-4.17", false },
	{ "xen", "XEN", false },
	{ "why", NULL, false },
};

struct verify_cpu {
	struct uc_cpu cpu;
	bool pf_any;
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

static size_t cpus_from_selection(const struct selection *sel, bool vendor_only,
				  enum uc_vendor vendor, struct verify_cpu *out)
{
	size_t n = 0;

	for (size_t i = 0; i < sel->n_specs; i++) {
		const struct cpu_spec *s = &sel->specs[i];
		struct verify_cpu c = { { 0 }, false };
		bool dup = false;

		if (s->exclude)
			continue;
		c.cpu.vendor = sel->spec_vendor_known[i] ? sel->spec_vendor[i]
				: vendor_only ? vendor : guess_vendor(s->sig);
		c.cpu.sig = s->sig;
		/* No platform given: any platform variant counts. */
		c.pf_any = c.cpu.vendor == UC_VENDOR_INTEL && !s->pf_mask;
		c.cpu.pf = c.pf_any ? 0xff : s->pf_mask;
		for (size_t j = 0; j < n; j++)
			dup |= !memcmp(&out[j], &c, sizeof(c));
		if (!dup)
			out[n++] = c;
	}
	return n;
}

struct issue_ctx {
	const char *image;
	const char *as;         /* how the bytes were read, when in doubt */
	unsigned int errors;
};

static void print_issue(void *ctx, const struct uc_issue *is)
{
	struct issue_ctx *ic = ctx;

	/* Structural errors are everyone's; the rest one loader's limits. */
	if (is->consumer == UC_STRICT) {
		ic->errors++;
		error("%s: offset %#zx: %s%s", ic->image, is->offset,
		      ic->as ? ic->as : "", uc_strerror(is->err));
	} else {
		warning("%s: offset %#zx: %s%s (%s)", ic->image, is->offset,
			ic->as ? ic->as : "", uc_strerror(is->err),
			uc_consumer_name(is->consumer));
	}
}

/* An initrd starts (after whole zero words) with a cpio or compressed data. */
static bool looks_initrd(const uint8_t *b, size_t len)
{
	size_t p = 0;

	while (p + 4 <= len && !(b[p] | b[p + 1] | b[p + 2] | b[p + 3]))
		p += 4;
	return uc_cpio_probe(b + p, len - p) ||
	       compression_detect(b + p, len - p) != COMPRESSION_NONE;
}

/*
 * Neither an initrd nor a vendor file we know: Xen's ucode=<n> would still
 * hand it to the parser of the CPU's vendor, so say what each would trip on.
 */
static void check_unknown(const uint8_t *img, size_t len,
			  const struct verify_cpu *cpus, size_t n,
			  struct issue_ctx *ic)
{
	bool done[2] = { false, false };

	ic->errors++;
	error("%s: neither an initrd (a cpio or compressed data at its start) "
	      "nor raw Intel or AMD microcode", ic->image);
	for (size_t i = 0; i < n; i++) {
		enum uc_vendor v = cpus[i].cpu.vendor;

		if (done[v])
			continue;
		done[v] = true;
		ic->as = v == UC_VENDOR_INTEL ? "read as Intel microcode: "
					      : "read as an AMD container: ";
		uc_check_raw(img, len, v, 0, print_issue, ic);
	}
	ic->as = NULL;
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
		{ "host-root", required_argument, NULL, 'R' },
		{ NULL, 0, NULL, 0 },
	};
	struct selection sel = { 0 };
	struct issue_ctx ic = { 0 };
	struct diags d = { 0 };
	struct verify_cpu *cpus = NULL;
	struct table t;
	enum uc_vendor vendor = UC_VENDOR_INTEL;
	enum uc_input input;
	const char *root = NULL;
	bool json = false, host = false, vendor_only = false, raw, raw_intel;
	uint8_t *img = NULL;
	size_t len, n;
	int c, rc = EXIT_ERROR, starved = 0;

	while ((c = getopt_long(argc, argv, "qh", options, NULL)) != -1) {
		switch (c) {
		case 'H': host = true; break;
		case 'c':
			if (add_cpu_option(&sel, optarg, false, UC_VENDOR_INTEL))
				goto usage;
			break;
		case 'v':
			if (parse_vendor(optarg, &vendor))
				goto usage;
			vendor_only = true;
			break;
		case 'j': json = true; break;
		case 'q': quiet = true; break;
		case 'R': root = optarg; break;
		case 'h': print_help(); selection_free(&sel); return EXIT_OK;
		default: goto usage;
		}
	}
	if (argc - optind != 1) {
		error("verify takes exactly one IMAGE");
		goto usage;
	}
	ic.image = argv[optind];
	/* Without a CPU named, the question is about this machine. */
	if ((host || !selection_filtered(&sel)) && add_host_cpus(&sel, root))
		goto out;
	if (read_file(ic.image, &img, &len, &d)) {
		diag_print(&d, stderr, quiet);
		diags_free(&d);
		goto out;
	}

	cpus = xmalloc((sel.n_specs + 1) * sizeof(*cpus));
	n = cpus_from_selection(&sel, vendor_only, vendor, cpus);

	/* Gathering's content tests: a raw file is what Xen takes as ucode=<n>. */
	raw_intel = uc_intel_probe(img, len);
	raw = raw_intel || uc_amd_probe(img, len);
	input = raw || !looks_initrd(img, len) ? UC_INPUT_RAW : UC_INPUT_CPIO;
	if (input == UC_INPUT_CPIO) {
		uc_check_image(img, len, print_issue, &ic);
	} else if (raw) {
		note("%s: a raw vendor file, as Xen takes it with ucode=<n>; Linux "
		     "reads only an initrd's early cpio", ic.image);
		uc_check_raw(img, len, raw_intel ? UC_VENDOR_INTEL : UC_VENDOR_AMD,
			     0, print_issue, &ic);
	} else {
		check_unknown(img, len, cpus, n, &ic);
	}
	table_init(&t, verify_columns, sizeof(verify_columns) / sizeof(verify_columns[0]));
	for (size_t i = 0; i < n; i++) {
		const struct uc_cpu *cpu = &cpus[i].cpu;
		char why[512] = "";
		bool got_linux = false, got_xen = false;

		table_str(&t, vendor_name(cpu->vendor));
		table_hex(&t, cpu->sig, 8);
		table_hex(&t, cpu->pf, 2);
		for (size_t k = 0; k < sizeof(shown) / sizeof(shown[0]); k++) {
			struct uc_load_result r;
			bool is_linux = !uc_consumer_is_xen(shown[k]);
			int e;

			if (is_linux && input == UC_INPUT_RAW) {
				table_null(&t);
				continue;
			}
			e = uc_would_load(img, len, input, cpu, shown[k], &r);
			if (!e) {
				table_hex(&t, r.rev, 8);
				got_linux |= is_linux;
				got_xen |= !is_linux;
				continue;
			}
			table_null(&t);
			if (strlen(why) < sizeof(why) - 128) {
				size_t w = strlen(why);

				snprintf(why + w, sizeof(why) - w, "%s%s: %s", w ? "; " : "",
					 uc_consumer_name(shown[k]), uc_strerror(e));
				if (r.file_err) {
					w = strlen(why);
					snprintf(why + w, sizeof(why) - w,
						 " (offset %#zx: %s)", r.file_err_offset,
						 uc_strerror(r.file_err));
				}
			}
		}
		if (*why)
			table_str(&t, why);
		else
			table_null(&t);
		if (!got_linux && !got_xen)
			starved++;
	}
	table_print(&t, json, stdout);
	/* People get the reasons below the table; JSON has them per CPU. */
	if (!json) {
		for (size_t i = 0; i < n; i++) {
			const struct cell *why = &t.cells[i * t.ncols + t.ncols - 1];

			if (why->kind == CELL_STR)
				printf("%s 0x%08x: %s\n", vendor_name(cpus[i].cpu.vendor),
				       cpus[i].cpu.sig, why->s);
		}
	}
	table_free(&t);
	rc = ic.errors ? EXIT_ERROR : starved ? EXIT_NO_MICROCODE : EXIT_OK;
out:
	free(cpus);
	free(img);
	selection_free(&sel);
	return rc;
usage:
	usage_hint();
	selection_free(&sel);
	return EXIT_USAGE;
}

// SPDX-License-Identifier: GPL-2.0-or-later
/* mkucode list [--json] [PATH...] */
#include <getopt.h>
#include <stdio.h>
#include <sys/stat.h>

#include "verbs/verbs.h"
#include "domain/config.h"
#include "domain/mainpart.h"
#include "util/diag.h"
#include "util/stdout.h"
#include "util/table.h"
#include "util/exit.h"
#include "util/msg.h"

/* JSON keys are the contract (doc/mkucode.8, LIST AND VERIFY); headers are for people. */
static const struct column list_columns[] = {
	{ "vendor", "VENDOR", false },
	{ "signature", "SIGNATURE", false },
	{ "pf_mask", NULL, true },
	{ "equiv_id", NULL, true },
	{ NULL, "PF/EQUIV", false },
	{ "revision", "REVISION", false },
	/* A date that is no calendar date: null, and the raw field beside it. */
	{ "date", NULL, false },
	{ "date_raw", NULL, true },
	{ NULL, "DATE", false },
	{ "size", "SIZE", false },
	{ "source", "SOURCE", false },
};

static bool bcd_digits(uint32_t v, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++, v >>= 4)
		if ((v & 0xf) > 9)
			return false;
	return true;
}

/* Is BCD 0xMMDDYYYY a date: decimal digits, month 1-12, day 1-31? */
static bool bcd_date_valid(uint32_t bcd)
{
	uint32_t month = bcd >> 24, day = (bcd >> 16) & 0xff;

	return bcd_digits(bcd, 8) && month >= 0x01 && month <= 0x12 &&
	       day >= 0x01 && day <= 0x31;
}

/* YYYY-MM-DD in the JSON and the text; a field that is no date stays the
 * raw number (text 0xMMDDYYYY, JSON date null and date_raw). */
static void date_cells(struct table *t, uint32_t bcd)
{
	char date[16];

	if (!bcd_date_valid(bcd)) {
		table_null(t);
		table_hex(t, bcd, 8);
		table_hex(t, bcd, 8);
		return;
	}
	snprintf(date, sizeof(date), "%04x-%02x-%02x", bcd & 0xffff, bcd >> 24,
		 (bcd >> 16) & 0xff);
	table_str(t, date);
	table_null(t);
	table_str(t, date);
}

static void list_rows(const struct ucode_set *set, struct table *t)
{
	for (size_t i = 0; i < set->n; i++) {
		const struct ucode_item *it = &set->items[i];
		bool intel = it->vendor == UC_VENDOR_INTEL;

		table_str(t, intel ? "intel" : "amd");
		table_hex(t, it->sig, 8);
		if (intel) {
			table_hex(t, it->pf, 2);
			table_null(t);
			table_hex(t, it->pf, 2);
		} else {
			table_null(t);
			table_hex(t, it->equiv_id, 4);
			table_hex(t, it->equiv_id, 4);
		}
		table_hex(t, it->rev, 8);
		date_cells(t, it->date);
		table_int(t, it->size);
		table_str(t, it->source);
	}
}

/*
 * An initrd's main part, which no loader reads: microcode there is a
 * generator's mistake, said in a note (the rows and the JSON are what the
 * loaders can reach).  What cannot be read there is a warning: list is
 * about the early part, and its answer stands.
 */
static void main_part_note(const char *path, struct diags *d)
{
	struct mainpart_result r;
	struct diags why = { 0 };
	struct stat st;

	if (stat(path, &st) || !S_ISREG(st.st_mode))
		return;
	if (mainpart_scan(path, MAINPART_MAX_OUT, &r, &why)) {
		for (size_t i = 0; i < why.n; i++)
			diag_add(d, DIAG_WARNING, why.v[i].file, why.v[i].offset,
				 why.v[i].code, why.v[i].sys, "%s; the main part not read further",
				 why.v[i].text);
		diags_free(&why);
		return;
	}
	diag_move(d, &why);
	diags_free(&why);
	if (r.found && r.compression == MAINPART_CPIO)
		diag_add(d, DIAG_NOTE, path, DIAG_NO_OFFSET, 0, 0,
			 "%s (%ju bytes) is in the uncompressed cpio at offset 0x%jx "
			 "after a compressed part, where no loader reads it", r.name,
			 (uintmax_t)r.size, (uintmax_t)r.part_offset);
	else if (r.found)
		diag_add(d, DIAG_NOTE, path, DIAG_NO_OFFSET, 0, 0,
			 "%s (%ju bytes) is in the %s-compressed part at offset 0x%jx, "
			 "where no loader reads it", r.name, (uintmax_t)r.size,
			 mainpart_compression_name(r.compression), (uintmax_t)r.part_offset);
}

int cmd_list(int argc, char **argv)
{
	static const struct option options[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "ignore-broken", no_argument, NULL, 'i' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ "root", required_argument, NULL, 'R' },
		{ NULL, 0, NULL, 0 },
	};
	struct gather_opts gopts = { .list_mode = true };
	struct ucode_set set = { 0 };
	struct config cfg = { 0 };
	struct diags d = { 0 };
	struct table t;
	bool json = false;
	char **sources;
	int c, r, n_sources;

	while ((c = getopt_long(argc, argv, "qh", options, NULL)) != -1) {
		switch (c) {
		case 'j': json = true; break;
		case 'i': gopts.ignore_broken = true; break;
		case 'q': quiet = true; break;
		case 'R': gopts.root = root_option(optarg); break;
		case 'h': print_help(); return EXIT_OK;
		default: usage_hint(); return EXIT_USAGE;
		}
	}
	if (use_config(&cfg, gopts.root, false, NULL, NULL))
		return EXIT_ERROR;
	pick_sources(&cfg, argv + optind, argc - optind, &sources, &n_sources);
	r = gather(&set, sources, n_sources, &gopts, &d);
	for (int i = optind; !r && i < argc; i++)
		main_part_note(argv[i], &d);
	diag_print(&d, stderr, quiet);
	diags_free(&d);
	if (r) {
		ucode_set_free(&set);
		config_free(&cfg);
		return EXIT_ERROR;
	}
	table_init(&t, list_columns, sizeof(list_columns) / sizeof(list_columns[0]));
	list_rows(&set, &t);
	table_print(&t, json, stdout);
	table_free(&t);
	ucode_set_free(&set);
	config_free(&cfg);
	return finish_stdout() ? EXIT_ERROR : EXIT_OK;
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The verbs of mkucode, one file each; main.c dispatches. */
#ifndef MKUCODE_VERBS_H
#define MKUCODE_VERBS_H

#include "domain/select.h"

/* Each returns an exit code of the command-line contract (util/exit.h). */
int cmd_build(int argc, char **argv);
int cmd_list(int argc, char **argv);
int cmd_verify(int argc, char **argv);
int cmd_strip(int argc, char **argv);
int cmd_extract(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_refresh(int argc, char **argv);
int cmd_stanza(int argc, char **argv);

/* Shared by build and verify: --cpu SPEC and --host into a selection;
 * each prints what it has to say. */
int add_cpu_option(struct selection *sel, const char *spec, bool vendor_known,
		   enum uc_vendor vendor);
int add_host_cpus(struct selection *sel, const char *root);
/* --host, saying on d which CPUs were found; found (may be NULL) gets them
 * (free()). */
struct diags;
int select_host_cpus(struct selection *sel, const char *root, struct diags *d,
		     struct host_cpu **found, size_t *n_found);
/* --root DIR (trailing '/' dropped, in place): NULL for "/", this system. */
const char *root_option(char *arg);
/*
 * The configuration of the system under root (NULL: /), its diagnostics
 * printed: 0, or -1 (exit 1, nothing written).  When the command line gave
 * no SELECTION option (!cli_selection) and sel is not NULL, the configured
 * selection fills sel and *host: the command line's replaces it as a whole.
 */
struct config;
int use_config(struct config *cfg, const char *root, bool cli_selection,
	       struct selection *sel, bool *host);
/* The SOURCE arguments, else the configured sources, else none (gather's
 * defaults, under gather_opts.root). */
void pick_sources(const struct config *cfg, char **args, int n_args,
		  char ***sources, int *n_sources);
/*
 * The SELECTION options every verb that selects takes, spelled once:
 * SELECTION_OPTIONS goes into the verb's getopt table, and
 * selection_option() handles what getopt returned for one of them.
 * --all, the default said explicitly, must be in every table that has
 * --allow-empty: getopt would take "--all" for an abbreviation of it.
 */
enum {
	OPT_SEL_ALL = 0x200, OPT_SEL_HOST, OPT_SEL_CPU, OPT_SEL_VENDOR,
	OPT_SEL_DATE_BEFORE, OPT_SEL_DATE_AFTER, OPT_SEL_DOWNGRADE,
};
#define SELECTION_OPTIONS \
	{ "all", no_argument, NULL, OPT_SEL_ALL }, \
	{ "host", no_argument, NULL, OPT_SEL_HOST }, \
	{ "cpu", required_argument, NULL, OPT_SEL_CPU }, \
	{ "vendor", required_argument, NULL, OPT_SEL_VENDOR }, \
	{ "date-before", required_argument, NULL, OPT_SEL_DATE_BEFORE }, \
	{ "date-after", required_argument, NULL, OPT_SEL_DATE_AFTER }, \
	{ "downgrade", no_argument, NULL, OPT_SEL_DOWNGRADE }

struct selection_args {
	struct selection sel;   /* --cpu, --vendor, dates, --downgrade */
	bool all, host;
	bool given;             /* any of them: the configuration's is replaced */
};
/* 1 when c was a SELECTION option (taken into a), 0 when it is none,
 * -1 after an error (a usage error). */
int selection_option(int c, const char *arg, struct selection_args *a);
/* --all with --host or --cpu: an error (-1, a usage error), else 0. */
int selection_check(const struct selection_args *a);

/*
 * What build and refresh select: the configuration's SELECTION when the
 * command line gives none, the SOURCEs (args, else the configured ones,
 * else the system's under root), --host's CPUs (found: free()), gathered
 * and selected.  The number selected, or -1 after an error (on d, or
 * printed for a broken configuration).
 */
struct gather_opts;
struct ucode_set;
long select_from_sources(struct selection_args *sa, struct config *cfg,
			 const char *root, char **args, int n_args,
			 struct gather_opts *gopts, struct ucode_set *set,
			 struct host_cpu **host_found, size_t *n_host,
			 struct diags *d);

/* SOURCE_DATE_EPOCH, clamped to what a cpio header holds (0 without it):
 * the mtime of every archive build and refresh write.  0, or -1 after an
 * error. */
int archive_mtime(uint32_t *mtime);
/* "intel" / "amd", in any case */
int parse_vendor(const char *s, enum uc_vendor *v);
/* YYYY-MM-DD → YYYYMMDD */
int parse_date(const char *s, uint32_t *ymd);

/* The note a rewrite of an image ends with: what changed and how, or why
 * nothing did. */
struct image;
struct image_result;
void report_image(const struct image *im, const struct image_result *res,
		  const char *done, const char *same);

void usage_hint(void);
void print_help(void);

#endif /* MKUCODE_VERBS_H */

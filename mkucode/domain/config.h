/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The configuration: /etc/mkucode.conf, then /etc/mkucode.conf.d/ *.conf in
 * byte order of their names, give the SELECTION and SOURCEs a verb uses
 * when its command line gives none (doc/mkucode.conf.5).
 *
 * One setting a line, "key = value"; blanks around either are ignored; a
 * line whose first non-blank byte is '#' is a comment, as is an empty line.
 * No quoting, no continuation, no shell.  A later setting of a single-valued
 * key wins; cpu and source accumulate (several words a line, or several
 * lines); an empty value restores the key's default (for cpu and source:
 * the empty list).  select = all also forgets every cpu given before it, so
 * a drop-in can widen what the main file narrowed.
 */
#ifndef MKUCODE_DOMAIN_CONFIG_H
#define MKUCODE_DOMAIN_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ucode_consumer.h"

/* meson's confdir: where the shipped mkucode.conf is installed. */
#ifndef MKUCODE_CONFDIR
#define MKUCODE_CONFDIR "/etc"
#endif
#define CONFIG_FILE MKUCODE_CONFDIR "/mkucode.conf"
#define CONFIG_DIR MKUCODE_CONFDIR "/mkucode.conf.d"
/* Bigger than any configuration a person writes. */
#define CONFIG_MAX_SIZE (64 * 1024)

enum config_select {
	CONFIG_SELECT_ALL,      /* the default: every CPU (less cpu = !SPEC) */
	CONFIG_SELECT_HOST,     /* this machine's CPUs (and cpu = SPEC) */
};

struct config {
	enum config_select select;
	char **cpus;            /* cpu = SPEC words, checked, in order */
	size_t n_cpus, cap_cpus;
	bool vendor_only;       /* vendor = intel|amd */
	enum uc_vendor vendor;
	uint32_t date_before;   /* YYYYMMDD, 0 = none */
	uint32_t date_after;
	bool downgrade;
	char **sources;         /* source = PATH words (absolute), in order */
	size_t n_sources, cap_sources;
	/* Some selection key was set (even back to its default). */
	bool selection_set;
};

/* Every key the parser knows, NULL-terminated (the manual documents each). */
extern const char *const config_keys[];

struct diags;

/*
 * Apply the settings in buf[0, len) (the file's bytes; need not end in a
 * newline, may hold anything) on top of cfg.  Errors name file and line:
 * "FILE: line N: unknown key 'cpus'".  Every line is checked; 0 when all
 * were good, else -1 (cfg then holds what the good lines set).
 */
int config_parse(struct config *cfg, const void *buf, size_t len,
		 const char *file, struct diags *d);

/*
 * The configuration of the system under root (NULL or "" or "/": this
 * one): the main file, then the drop-ins, each absent one skipped.  Every
 * source is then a path under root.  0, or -1 after errors on d.
 */
int config_load(struct config *cfg, const char *root, struct diags *d);

void config_free(struct config *cfg);

/* "YYYY-MM-DD", exactly, of a month and day that can be: YYYYMMDD. */
bool config_date(const char *s, uint32_t *ymd);

#endif /* MKUCODE_DOMAIN_CONFIG_H */

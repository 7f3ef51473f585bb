/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The verbs of mkucode, one file each; main.c dispatches. */
#ifndef MKUCODE_COMMANDS_H
#define MKUCODE_COMMANDS_H

#include "select.h"

/* Each returns an exit code of the command-line contract (util.h). */
int cmd_build(int argc, char **argv);
int cmd_list(int argc, char **argv);
int cmd_verify(int argc, char **argv);
int cmd_strip(int argc, char **argv);
int cmd_extract(int argc, char **argv);

/* --prepend: the new microcode in front of IMAGE; 0 or -1 after a message. */
struct blob_out;
int prepend_image(const char *path, const struct blob_out *intel,
		  const struct blob_out *amd, uint32_t mtime);

/* Shared by build and verify: --cpu SPEC and --host into a selection. */
int add_cpu_option(struct selection *sel, const char *spec, bool vendor_known,
		   enum uc_vendor vendor);
int add_host_cpus(struct selection *sel, const char *root);
/* "intel" / "amd" */
int parse_vendor(const char *s, enum uc_vendor *v);
/* YYYY-MM-DD → YYYYMMDD */
int parse_date(const char *s, uint32_t *ymd);

void usage_hint(void);
void print_help(void);

#endif /* MKUCODE_COMMANDS_H */

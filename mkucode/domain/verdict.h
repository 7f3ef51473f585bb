/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The verdict on one boot entry's microcode: for each CPU asked about,
 * what each loader (Linux 6.1 and newest, Xen 4.17 and newer) would load
 * from the files a boot loader hands over, why a loader loads nothing,
 * and what the loaders would trip on.  `verify` asks it about its IMAGEs;
 * `status` asks it about each boot entry.
 *
 * The files are read as the kernel sees them: several are initrds joined
 * in load order, each padded to 4 bytes (GRUB's `initrd a b`), of which
 * only the early part matters (domain/early.h).  One file that is a raw
 * vendor file, or neither that nor an initrd, is a Xen module of its own
 * (ucode=<n>): only Xen reads it.  In a Xen entry (xen_only) only Xen's
 * answer counts, since a PV dom0 kernel loads no microcode itself; Xen
 * does not join modules but reads one (ucode=<n>'s, or with ucode=scan
 * the first with a vendor path), which is the one to pass.
 *
 * Nothing is printed: the answer is the rows and the status; notes (where
 * the loaders stop reading) and errors (malformed input) go to the
 * caller's diags.
 */
#ifndef MKUCODE_DOMAIN_VERDICT_H
#define MKUCODE_DOMAIN_VERDICT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "domain/early.h"
#include "loaders/load.h"
#include "util/diag.h"

/* The loaders in the order they are shown (the JSON keys follow it). */
#define VERDICT_LOADERS 4
extern const enum uc_consumer verdict_loaders[VERDICT_LOADERS];

/* Sets of loaders: a bit per enum uc_consumer. */
#define VERDICT_BIT(c) (1u << (c))

/* A CPU asked about. */
struct verdict_cpu {
	struct uc_cpu cpu;      /* rev: the running revision, when rev_known */
	bool pf_known;          /* Intel: the platform was given or read */
	bool rev_known;
};

/* A CPU of this machine as a verdict asks about it: platform and running
 * revision known where --host could read them.  Zeroed first, so that
 * two CPUs compare with memcmp. */
struct host_cpu;
void verdict_cpu_from_host(const struct host_cpu *h, struct verdict_cpu *out);

/* The CPUs a verb asks about, each once (memcmp). */
void verdict_cpus_add(struct verdict_cpu **v, size_t *n, size_t *cap,
		      const struct verdict_cpu *a);
/* The CPUs a selection's --cpu SPECs name (excludes left out), platform
 * as given, vendor as --vendor says or as the signature reads. */
struct selection;
void verdict_cpus_from_specs(const struct selection *sel, struct verdict_cpu **v,
			     size_t *n, size_t *cap);
/* Every CPU the selected updates of set are for, platform unknown. */
struct ucode_set;
void verdict_cpus_from_set(const struct ucode_set *set, struct verdict_cpu **v,
			   size_t *n, size_t *cap);

struct verdict_query {
	const struct early_input *files;   /* in load order; n_files >= 1 */
	size_t n_files;
	bool xen_only;                      /* a Xen entry: only Xen counts */
	const struct verdict_cpu *cpus;
	size_t n_cpus;
};

/* What a loader would trip on for a row's CPU. */
struct verdict_problem {
	int code;               /* -UC_ERR_* */
	const char *file;       /* a query file's path */
	uint64_t offset;        /* in that file */
	unsigned int loaders;   /* VERDICT_BIT()s; only loaders that count */
	char *message;          /* in words */
};

struct verdict_answer {
	bool counts;            /* this loader's answer counts for the entry */
	int err;                /* 0: it loads rev; else -UC_ERR_* */
	uint32_t rev;
	char *why;              /* when it counts and err: the reason in words */
};

/*
 * One row per CPU asked about; an Intel CPU whose platform is unknown gets
 * a row per platform variant the entry has for its signature (variant),
 * or one for any platform (cpu.pf 0xff) when it has none.
 */
struct verdict_row {
	struct uc_cpu cpu;
	bool pf_known, rev_known;
	bool variant;
	size_t asked;           /* the index of its CPU in the query */
	struct verdict_answer loader[VERDICT_LOADERS];   /* verdict_loaders' */
	struct verdict_problem *problems;
	size_t n_problems;
	int status;             /* EXIT_OK, EXIT_SHOULD_FIX, EXIT_NO_MICROCODE */
};

struct verdict {
	enum uc_input kind;     /* how the files were read */
	struct verdict_row *rows;
	size_t n_rows;
	/*
	 * EXIT_NO_MICROCODE when some CPU gets nothing; EXIT_SHOULD_FIX when
	 * every CPU gets microcode but something should be fixed; else
	 * EXIT_OK; EXIT_ERROR when malformed input put errors in d.  The rows
	 * of a CPU whose platform is unknown count as their best.
	 */
	int status;
};

/*
 * Answer q.  0 with *v filled (its status may be EXIT_ERROR: the rows
 * stand, but the input has errors, in d); -1 after an error in d when the
 * files cannot be read at all (*v empty).  v refers to q's paths, which
 * must outlive it.
 */
int verdict_run(const struct verdict_query *q, struct verdict *v,
		struct diags *d);
void verdict_free(struct verdict *v);

/*
 * A stream (a pipe: util/spool.h's spool_needed) as a file for a query:
 * what the verdict reads of it, in an unlinked temporary file
 * (early_spool), so that memory and disk stay bounded however long the
 * stream is.  Its descriptor, or -1 after an error in d.
 */
int verdict_spool(int fd, const char *name, struct diags *d);

/* The loaders of a mask (VERDICT_BIT), in column order: "linux-6.1, xen". */
void verdict_loader_names(unsigned int mask, char *buf, size_t size);
/* A row's CPU for people: "intel 0x000806c1 pf 0x80" ("pf ?" unknown,
 * "0x22?" for a platform variant), "amd 0x00a20f12". */
void verdict_row_label(const struct verdict_row *w, char *buf, size_t size);

#endif /* MKUCODE_DOMAIN_VERDICT_H */

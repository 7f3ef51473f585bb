/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The audit of one boot entry: for each CPU, what the loaders that count
 * for it would load (Linux 6.1 and newest for a Linux entry; Xen 4.17 and
 * newer, from the module Xen reads, for a Xen entry), against the newest
 * revision the SOURCEs have for that CPU, and what is wrong, each finding
 * with a stable code, the file (and config line) it is about and the fix.
 *
 * Codes (stable; scripts match them):
 *   stale             the entry loads an older revision than the newest
 *   missing           it loads nothing for a CPU that has an update
 *   shadowed          an earlier early archive wins over a later, newer one
 *   loaded-twice      a second copy no loader reads (or a file given twice)
 *   no-initrd         a Linux entry without initrd: nothing to load from
 *   not-found         a file the entry names does not exist
 *   unresolved        the entry cannot be resolved statically (not checked)
 *   xen-no-ucode      Xen without ucode=scan or ucode=<n>, while its
 *                     modules carry microcode (the fix is one word)
 *   xen-module-args   a module line names other files in its arguments
 *                     (GRUB <= 2.06 with one module2 line for several)
 *   xen-scan-raw      ucode=scan finds no cpio, only a raw vendor file
 *   xen-index-cpio    ucode=<n> names a cpio (Xen 4.17 wants a raw file)
 *   xen-index-initrd  ucode=<n> names the dom0 initrd (dom0 loses it)
 *   xen-index-kernel  ucode=<n> names module 0, the dom0 kernel (refused)
 *   xen-index-range   ucode=<n> names no module (ignored)
 *   no-ucode-recovery a recovery entry that loads no microcode on purpose
 *                     (Xen without ucode=, Linux with dis_ucode_ldr): the
 *                     way back from a bad update; a note
 *   ucode-disabled    dis_ucode_ldr in an entry that is no recovery entry:
 *                     the kernel's early loader does nothing
 *   uki-ucode-ignored a UKI's .ucode carries microcode, but its stub
 *                     (systemd < 256) does not hand .ucode to the kernel
 *   uki-ucode-raw     a UKI's .ucode (or .initrd) is a raw vendor file,
 *                     which the kernel does not read
 * plus the verdict's problems (the core's UC_ERR_* names).
 */
#ifndef MKUCODE_DOMAIN_BOOT_AUDIT_H
#define MKUCODE_DOMAIN_BOOT_AUDIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "domain/boot/entry.h"
#include "domain/verdict.h"
#include "util/diag.h"

/* The newest the SOURCEs have, as `mkucode -o` would write it. */
struct audit_newest {
	uint8_t *vendor_file[2];        /* per enum uc_vendor; NULL: none */
	size_t len[2];
};

struct audit_finding {
	const char *code;               /* above, or a UC_ERR_* name */
	char *file;                     /* what it is about; may be NULL */
	uint64_t offset;                /* in file, or DIAG_NO_OFFSET */
	unsigned int line;              /* config line, or 0 */
	unsigned int loaders;           /* VERDICT_BIT()s; 0: the entry's */
	char *message;                  /* what is wrong, then the fix */
	int status;                     /* EXIT_OK (a note), 3 or 4 */
};

struct audit_findings {
	struct audit_finding *v;
	size_t n, cap;
};

/* One row: a CPU (or one platform variant of it) and its answers. */
struct audit_row {
	struct verdict_row row;         /* answers of the loaders that count */
	bool newest_known;
	uint32_t newest;
	struct audit_findings findings; /* the verdict's problems first */
	int status;
};

struct audit_entry {
	const struct boot_entry *entry;
	unsigned int loaders;           /* the loaders that count */
	struct audit_row *rows;
	size_t n_rows;
	struct audit_findings findings; /* about the entry as a whole */
	int status;                     /* EXIT_OK, 3, 4, or EXIT_ERROR */
};

/* How audit resolves a path named inside a module's arguments. */
typedef char *(*audit_resolver)(const char *root, const char *config,
				const char *path);

struct audit_opts {
	const char *root;
	audit_resolver resolve;         /* NULL: arguments are not looked at */
};

/*
 * The newest for cpus from the vendor files of a selection, built in
 * memory (buffers of the caller's, copied).
 */
void audit_newest_set(struct audit_newest *nw, enum uc_vendor v,
		      const uint8_t *data, size_t len);
void audit_newest_free(struct audit_newest *nw);
/* The newest revision for cpu (its pf as given); false when none. */
bool audit_newest_for(const struct audit_newest *nw, const struct uc_cpu *cpu,
		      uint32_t *rev);

/*
 * Audit e for cpus.  0 with *out filled (its status EXIT_ERROR when a file
 * is malformed: errors in d), or -1 after an error in d.
 */
int audit_entry(const struct boot_entry *e, const struct verdict_cpu *cpus,
		size_t n_cpus, const struct audit_newest *nw,
		const struct audit_opts *o, struct audit_entry *out,
		struct diags *d);
void audit_entry_free(struct audit_entry *a);

/*
 * How to give a UKI new microcode (refresh cannot: one PE file, often
 * signed, built from a stub, a kernel, an initrd and .ucode): malloc'd.
 */
char *audit_uki_fix(const struct boot_entry *e);

/* "ok", "to fix", "no microcode", "error" */
const char *audit_status_name(int status);
/* The worse of two statuses: EXIT_ERROR, then 3, then 4, then 0. */
int audit_worse(int a, int b);

#endif /* MKUCODE_DOMAIN_BOOT_AUDIT_H */

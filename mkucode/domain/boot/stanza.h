/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * `mkucode stanza`: one boot entry that loads the microcode, decided from
 * what the files hold, checked as `status` would check it, and written as
 * a GRUB menuentry or a syslinux LABEL block.
 *
 * The entry is the boot-entry model (entry.h) that the parsers fill:
 *   Linux: the kernel, then the initrds in load order: a separate early
 *     image first (--early), else the initrds alone (one of them carries
 *     the cpio at its front).
 *   Xen: the hypervisor with ucode= chosen here, then the modules: [0] the
 *     dom0 kernel with its command line, [1] dom0's initrd (Xen hands the
 *     first module after the kernel to dom0), then the early image or the
 *     raw vendor file.  ucode=scan when a cpio carries the microcode (Xen
 *     scans modules 1.. for the first with a vendor path), ucode=<n> with n
 *     the raw module's index counted from the dom0 kernel (0), which Xen
 *     4.17 and newer count alike.
 *
 * Files are named as the loader names them (paths from the root given)
 * and read under that root.  Nothing is printed: errors go to d.
 */
#ifndef MKUCODE_DOMAIN_BOOT_STANZA_H
#define MKUCODE_DOMAIN_BOOT_STANZA_H

#include <stdbool.h>
#include <stddef.h>

#include "domain/boot/audit.h"
#include "domain/boot/entry.h"
#include "util/diag.h"

enum stanza_loader { STANZA_GRUB, STANZA_SYSLINUX };

/* What the command line asks for; paths begin with '/'. */
struct stanza_request {
	enum stanza_loader loader;
	const char *root;               /* NULL: / */
	const char *kernel;
	const char *append;             /* NULL: none */
	const char *const *initrds;
	size_t n_initrds;
	const char *xen, *xen_args;     /* xen NULL: a Linux entry */
	const char *const *earlies;     /* early images, before the initrds */
	size_t n_earlies;
	const char *raw;                /* NULL, or (not with earlies) Xen's module */
	const char *title;              /* NULL: made from the file names */
	const char *mboot;              /* syslinux Xen: mboot.c32's path */
};

/* The file path names under root (malloc'd). */
char *stanza_file(const char *root, const char *path);

/*
 * The entry r asks for, into a new entry of list (its files resolved under
 * r->root, ucode= chosen from what they hold).  0, or -1 with every error
 * in d (each missing file named; what would make the entry wrong whatever
 * the CPU: two sources shadowing each other, --raw that is no raw vendor
 * file or holds both vendors' microcode); then list is as it was.
 */
int stanza_entry(const struct stanza_request *r, struct boot_entries *list,
		 struct diags *d);

/*
 * The refusal check: e audited for cpus against nw (the newest the files
 * hold), as status audits it.  0 when status would find nothing to say
 * but notes; else -1 with an error per finding and per CPU no loader
 * serves, in d.
 */
int stanza_check(const struct boot_entry *e, const struct verdict_cpu *cpus,
		 size_t n_cpus, const struct audit_newest *nw,
		 const char *root, struct diags *d);

/*
 * e as text for the loader (a GRUB menuentry; a syslinux LABEL block, Xen
 * through mboot, the path in r->mboot or "mboot.c32"), ending in a
 * newline; malloc'd.  NULL with an error in d when the loader's syntax
 * cannot say it (syslinux has no quoting; GRUB escapes quotes and
 * backslashes in command lines).
 */
char *stanza_render(const struct stanza_request *r, const struct boot_entry *e,
		    struct diags *d);

/*
 * text read back by the loader's parser (domain/boot/grub, syslinux): 0
 * when it is one entry equal to e, else -1 with an error in d (a bug of
 * the writer: nothing is printed).
 */
int stanza_reparse(const struct stanza_request *r, const char *text,
		   const struct boot_entry *e, struct diags *d);

#endif /* MKUCODE_DOMAIN_BOOT_STANZA_H */

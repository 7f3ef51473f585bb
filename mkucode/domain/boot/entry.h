/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * One model of a boot entry: what a boot loader loads, in the order it
 * loads it.  The parsers (grub.cfg, BLS entries, syslinux/extlinux/pxelinux
 * configs, UKIs) and /boot discovery fill it; `status` checks it against
 * what the loaders would take from the files; `stanza` writes it.
 *
 * Paths are kept as the boot loader names them (path) and, when they could
 * be resolved to a file under the system root, as that file (file).  A
 * construct the parser cannot resolve statically (a variable set at run
 * time, a search it cannot answer) makes the entry unresolved, with why:
 * listed as such, never guessed.
 */
#ifndef MKUCODE_DOMAIN_BOOT_ENTRY_H
#define MKUCODE_DOMAIN_BOOT_ENTRY_H

#include <stdbool.h>
#include <stddef.h>

enum boot_origin {
	BOOT_FROM_GRUB,        /* /boot/grub/grub.cfg */
	BOOT_FROM_BLS,         /* loader/entries/NAME.conf */
	BOOT_FROM_SYSLINUX,    /* syslinux.cfg, extlinux.conf, pxelinux.cfg/NAME */
	BOOT_FROM_UKI,         /* EFI/Linux/NAME.efi */
	BOOT_FROM_PAIR,        /* a kernel and initrd in /boot no config names */
	BOOT_FROM_XEN_EFI,     /* xen.efi started by the firmware, its xen.cfg */
};

enum boot_kind {
	BOOT_LINUX,            /* kernel + initrds */
	BOOT_XEN,              /* xen + modules: [0] dom0 kernel, then the rest */
};

struct boot_file {
	char *path;            /* as the loader names it */
	char *file;            /* resolved under the root; NULL: not found */
	char *args;            /* a module's command line (Xen modules), or NULL */
	unsigned int line;     /* where the config names it; 0: not from a config */
	/* GRUB modules: --nounzip (loaded as stored; without it GRUB gunzips a
	 * gzip module), and args that are all paths: a line naming several
	 * files, of which GRUB loads the first and passes the rest as its
	 * command line (20_linux_xen of GRUB <= 2.06). */
	bool nounzip;
	bool args_name_files;
	/* A part of file rather than all of it (a UKI's PE section): the
	 * loader reads size bytes at offset. */
	bool part;
	unsigned long long offset, size;
	const char *part_name;  /* a part's name for people (".ucode"); static */
};

struct boot_entry {
	enum boot_origin origin;
	enum boot_kind kind;
	char *config;          /* the file that defines it; NULL for BOOT_FROM_PAIR */
	unsigned int line;     /* its first line there */
	char *title;           /* menu title / label / BLS title; may be NULL */
	bool recovery;         /* a recovery (single-user) entry, as its config says */
	bool is_default;       /* the config's default entry (syslinux DEFAULT) */

	/* Linux: the kernel and its command line; the initrds in load order. */
	struct boot_file kernel;
	char *cmdline;
	struct boot_file *initrds;
	size_t n_initrds;
	/*
	 * Where the loader starts each initrd after the first in the image it
	 * hands the kernel: at the next multiple of initrd_align bytes, the
	 * gap zero-filled (syslinux: 4).  0 or 1: back to back.
	 */
	unsigned int initrd_align;

	/* Xen: the hypervisor, its command line, and its modules in order. */
	struct boot_file xen;
	char *xen_cmdline;
	struct boot_file *modules;
	size_t n_modules;
	/* xen.efi: the module its configuration's ucode= file is, which Xen
	 * takes as ucode=<n> would name it (over any ucode=<n> in options=);
	 * 0: none. */
	long xen_ucode_module;

	/*
	 * A UKI (BOOT_FROM_UKI): signed (it has a certificate table), the
	 * systemd-stub version it was built from (0: not known), and a
	 * .ucode section that stub does not hand the kernel (path NULL: none).
	 */
	bool uki_signed;
	unsigned int uki_stub;
	struct boot_file uki_ignored;

	/* Set when the entry cannot be resolved statically. */
	bool unresolved;
	char *why;
};

struct boot_entries {
	struct boot_entry *v;
	size_t n, cap;
};

/* A new, zeroed entry at the end of list. */
struct boot_entry *boot_entry_add(struct boot_entries *list,
				  enum boot_origin origin, enum boot_kind kind);
/* Append a file to an entry's initrds or modules; returns it (zeroed but
 * for path, copied). */
struct boot_file *boot_entry_add_initrd(struct boot_entry *e, const char *path,
					unsigned int line);
struct boot_file *boot_entry_add_module(struct boot_entry *e, const char *path,
					const char *args, unsigned int line);
/* Mark e unresolved with a reason (printf-style). */
__attribute__((format(printf, 2, 3)))
void boot_entry_unresolved(struct boot_entry *e, const char *fmt, ...);

/* Free the last entry of list (a parser's entry that failed). */
void boot_entries_drop_last(struct boot_entries *list);
void boot_entries_free(struct boot_entries *list);

/* "grub", "bls", "syslinux", "uki", "pair", "xen-efi" */
const char *boot_origin_name(enum boot_origin o);

#endif /* MKUCODE_DOMAIN_BOOT_ENTRY_H */

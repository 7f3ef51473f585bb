/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What a system's boot chain is made of, found under a root directory:
 * the files in /boot by their distributions' names, the boot-loader
 * configurations that exist, and the entries they define (each config
 * read by its parser, chosen in one table), plus a Linux entry for each
 * kernel and initrd that no config names.
 *
 * Where files are looked for (DIR is the root, "/" by default):
 *   kernels and initrds   DIR/boot: vmlinuz-V with initrd.img-V (Debian)
 *                         or initramfs-V.img (Fedora; Arch's vmlinuz-linux
 *                         + initramfs-linux.img is the same shape)
 *   early images          DIR/boot: intel-uc.img intel-ucode.img amd-uc.img
 *                         amd-ucode.img early_ucode.cpio microcode.cpio (the
 *                         names GRUB's scripts load first), early-ucode.cpio,
 *                         *-ucode.img
 *   Xen                   DIR/boot: xen*.gz, xen*.efi; xen*.efi in each
 *                         DIR/boot/efi/EFI/VENDOR/ and DIR/efi/EFI/VENDOR/
 *                         (also spelt efi/), with the configuration beside
 *                         it that xen.efi reads (boot_xen_efi_cfg)
 *   UKIs                  DIR/boot/efi/EFI/Linux/ *.efi, DIR/efi/EFI/Linux/ *.efi
 *   configurations        DIR/boot/grub/grub.cfg, DIR/boot/grub2/grub.cfg;
 *                         loader/entries/ *.conf under DIR/boot, DIR/boot/efi
 *                         and DIR/efi; DIR/boot/extlinux/extlinux.conf,
 *                         DIR/boot/syslinux/syslinux.cfg,
 *                         DIR/srv/tftp/pxelinux.cfg/ *
 *
 * How a path in a config becomes a file (boot_resolve): a leading GRUB
 * device "(hd0,gpt2)" is dropped; a relative path is taken from the
 * config's directory; an absolute one is looked up on each filesystem the
 * config can name, first found wins: for grub.cfg, extlinux and syslinux
 * configs under DIR/boot, DIR/boot (a separate /boot partition names
 * /vmlinuz-V) then DIR (/boot/vmlinuz-V on the root filesystem); for BLS
 * entries the partition holding loader/ (DIR/boot, DIR/boot/efi, DIR/efi);
 * for pxelinux the TFTP root DIR/srv/tftp.  A path that is found nowhere
 * stays unresolved (boot_file.file NULL).
 */
#ifndef MKUCODE_DOMAIN_BOOT_DISCOVER_H
#define MKUCODE_DOMAIN_BOOT_DISCOVER_H

#include <stdbool.h>
#include <stddef.h>

#include "domain/boot/entry.h"
#include "util/diag.h"

enum boot_found_kind {
	FOUND_KERNEL,
	FOUND_INITRD,
	FOUND_EARLY_IMAGE,     /* a separate early microcode image */
	FOUND_XEN,             /* xen*.gz: multiboot, its ucode= in the entry */
	FOUND_XEN_EFI,         /* xen*.efi: its ucode= in the .cfg beside it */
	FOUND_XEN_EFI_CFG,
	FOUND_UKI,
	FOUND_CONFIG,          /* a boot-loader configuration */
};

struct boot_found {
	enum boot_found_kind kind;
	char *path;            /* as from the root: "/boot/vmlinuz-6.1.0-13" */
	char *file;            /* DIR joined with path */
	char *version;         /* kernels and initrds: the V of their names */
	bool named;            /* some entry loads it */
};

struct boot_files {
	struct boot_found *v;
	size_t n, cap;
};

/* A config parser: buf[0..len) is the file name names; entries go to out
 * (config and line filled), errors and warnings to d.  0, or -1. */
typedef int (*boot_config_parser)(const char *buf, size_t len, const char *name,
				  struct boot_entries *out, struct diags *d);

/*
 * The files under root (NULL: "/"), sorted by path within each kind.  0,
 * or -1 after an error in d (a directory that exists but cannot be read).
 */
int boot_discover(const char *root, struct boot_files *files, struct diags *d);

/*
 * boot_discover, then every config found read by its parser (a config
 * whose format has no parser in this build: a warning naming it), every
 * path resolved (boot_resolve), a BOOT_FROM_UKI entry for each UKI (its
 * PE sections, domain/boot/uki.h), then a BOOT_FROM_PAIR entry for each
 * kernel with an initrd that no entry loads, with the early images GRUB's
 * scripts put first (the stock names found, in GRUB's order) before the
 * initrd, as grub-mkconfig would write the entry.  0, or -1 after an error
 * in d (entries found so far stay in *entries).
 */
int boot_collect(const char *root, struct boot_entries *entries,
		 struct boot_files *files, struct diags *d);

/*
 * The file path names in config (the config file, DIR-joined; NULL: a
 * path from the root), by the rule above; malloc'd, or NULL when found
 * nowhere.
 */
char *boot_resolve(const char *root, const char *config, const char *path);

/*
 * The configuration xen.efi (xen_file, DIR-joined) reads when the firmware
 * starts it: xen-4.17-amd64.efi tries xen-4.17-amd64.cfg, xen-4.17.cfg,
 * xen-4.cfg, xen.cfg beside it, first found wins; malloc'd, or NULL.  Its
 * paths are from xen.efi's directory ('\\' read as '/'; a leading one
 * from the root of the ESP).  The -cfg= option and a section chosen on
 * xen.efi's command line (a firmware boot entry's options) cannot be
 * seen from here: the default section is the one checked.
 */
char *boot_xen_efi_cfg(const char *xen_file);

void boot_files_free(struct boot_files *files);

const char *boot_found_kind_name(enum boot_found_kind k);
/*
 * For a file refresh does not rewrite (a separate early image, a UKI,
 * xen.efi): "(what it is): how to update it"; NULL for the others.
 * status and refresh both say it.
 */
const char *boot_found_update_hint(enum boot_found_kind k);

#endif /* MKUCODE_DOMAIN_BOOT_DISCOVER_H */

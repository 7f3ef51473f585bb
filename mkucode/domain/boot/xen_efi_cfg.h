/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * xen.efi's configuration file (xen.cfg beside the binary), read the way
 * xen.efi reads it when the firmware starts it directly:
 *
 *   [global]
 *   default=debian
 *   [debian]
 *   options=console=vga ucode=scan
 *   kernel=vmlinuz-6.1.0-27-amd64 root=/dev/vda1 ro
 *   ramdisk=initrd.img-6.1.0-27-amd64
 *   ucode=GenuineIntel.bin
 *
 * Every control byte (newline, carriage return, tab, ...) ends a line; a
 * line's leading spaces are dropped; '#' anywhere and ';' first start a
 * comment; a last line without a newline is ignored (Xen says so).  The
 * section booted is [global]'s default= (its value exactly: the spaces
 * after it count); without one, section headers are ignored and each
 * value is its first instance in the file.  A value is "NAME=" at a
 * line's start, spaces after the '=' dropped: kernel= (the dom0 kernel,
 * its options after the first space), ramdisk= (the dom0 initrd), xsm=
 * and options= (Xen's command line) from that section only, ucode= (a raw
 * microcode file, which Xen loads as a module of its own, as ucode=<n>
 * would name it) from that section, else from [global].  chain= in
 * [global] names another configuration, read when the section has no
 * kernel=.  File names are relative to xen.efi's directory.  Not seen
 * from here: a section or -cfg= given on xen.efi's command line (the
 * firmware boot entry's options), and the .config and .ucode sections a
 * unified xen.efi may carry, which newer Xen reads before the files.
 */
#ifndef MKUCODE_DOMAIN_BOOT_XEN_EFI_CFG_H
#define MKUCODE_DOMAIN_BOOT_XEN_EFI_CFG_H

#include <stdbool.h>
#include <stddef.h>

#include "domain/boot/entry.h"
#include "util/diag.h"

struct xen_efi_value {
	char *value;            /* NULL: not set */
	unsigned int line;      /* where it is set */
};

struct xen_efi_cfg {
	char *section;          /* the section booted; NULL: none (first of each) */
	unsigned int section_line;      /* its default= line */
	struct xen_efi_value kernel, ramdisk, xsm, ucode, options, chain;
	bool ucode_global;      /* ucode= came from [global] */
};

/*
 * Parse buf[0..len) (name: how to call it in diagnostics).  0 with *out
 * filled; or -1 with one error naming the line: UTF-16 text (Xen reads
 * ASCII), no kernel= for the section booted and no chain= (Xen stops:
 * "No Dom0 kernel image specified").  A last line without a newline is a
 * warning.
 */
int xen_efi_cfg_parse(const char *buf, size_t len, const char *name,
		      struct xen_efi_cfg *out, struct diags *d);
void xen_efi_cfg_free(struct xen_efi_cfg *c);

/*
 * Add the entry xen.efi (xen_path as the firmware names it) boots with c
 * (read from cfg_file) to list: BOOT_XEN, the modules in the order xen.efi
 * loads them (kernel, ramdisk, xsm, then ucode=, whose index is
 * entry->xen_ucode_module), Xen's command line options=.  A section with
 * no kernel= but a chain= is unresolved (the chained file is not read).
 * Module paths are as the configuration names them; files unresolved.
 */
struct boot_entry *xen_efi_entry_add(struct boot_entries *list,
				     const struct xen_efi_cfg *c,
				     const char *cfg_file, const char *xen_path);

#endif /* MKUCODE_DOMAIN_BOOT_XEN_EFI_CFG_H */

/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * syslinux / extlinux / isolinux / pxelinux configuration files, read as
 * syslinux 6 reads them: one boot entry per LABEL.  KERNEL or LINUX is the
 * kernel (a label without one boots the file it is named after), APPEND
 * its command line (a global APPEND is the default of labels without one;
 * `APPEND -` none); INITRD a,b and `initrd=a,b` in APPEND name the initrds
 * in load order, the first initrd= of the command line winning; syslinux
 * starts each initrd at a multiple of 4 bytes (entry->initrd_align).  A
 * label whose kernel is mboot.c32 is a Xen entry: its arguments are
 * `XEN ARGS --- DOM0 ARGS --- MODULE ARGS ...`.  DEFAULT marks its label.
 * INCLUDE is named in a note, not followed; a label that loads another
 * config (CONFIG) is unresolved.  Keywords are case-insensitive.
 */
#ifndef MKUCODE_DOMAIN_BOOT_SYSLINUX_H
#define MKUCODE_DOMAIN_BOOT_SYSLINUX_H

#include <stddef.h>

#include "domain/boot/entry.h"
#include "util/diag.h"

/*
 * Where ldlinux starts each initrd after the first (INITRD a,b): at the
 * next multiple of 4 bytes, the gap zeroed (initramfs_load_archive adds
 * every file with an alignment of 4; 4096 is only the most it allows).
 */
#define SYSLINUX_INITRD_ALIGN 4

/*
 * Parse one config file (buf, len; name for diagnostics and
 * entry->config) and add its labels to out, in file order.  Returns 0,
 * or -1 with an error naming the line (out unchanged).
 */
int syslinux_cfg_parse(const char *buf, size_t len, const char *name,
		       struct boot_entries *out, struct diags *d);

#endif /* MKUCODE_DOMAIN_BOOT_SYSLINUX_H */

/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * syslinux / extlinux / isolinux / pxelinux configuration files: one boot
 * entry per LABEL.  KERNEL or LINUX is the kernel, APPEND its command line
 * (a global APPEND is the default of labels without one; `APPEND -` none),
 * INITRD a,b and `initrd=a,b` in APPEND the initrds in load order; syslinux
 * starts each at a multiple of 4 bytes (entry->initrd_align).  A label
 * whose KERNEL is mboot.c32 is a Xen entry: APPEND is
 * `XEN ARGS --- DOM0 ARGS --- MODULE ARGS ...`.  DEFAULT marks its label.
 * INCLUDE and CONFIG are named, not followed: a note, or for a label that
 * loads another config, an unresolved entry.  Keywords are
 * case-insensitive.
 */
#ifndef MKUCODE_DOMAIN_BOOT_SYSLINUX_H
#define MKUCODE_DOMAIN_BOOT_SYSLINUX_H

#include <stddef.h>

#include "domain/boot/entry.h"
#include "util/diag.h"

/*
 * Parse one config file (buf, len; name for diagnostics and
 * entry->config) and add its labels to out, in file order.  Returns 0,
 * or -1 with an error naming the line (out unchanged).
 */
int syslinux_cfg_parse(const char *buf, size_t len, const char *name,
		       struct boot_entries *out, struct diags *d);

#endif /* MKUCODE_DOMAIN_BOOT_SYSLINUX_H */

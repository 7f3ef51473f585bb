/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Boot Loader Specification type #1 entries (loader/entries/NAME.conf):
 * one boot entry per file, `key value` lines.  `linux` is the kernel,
 * every `initrd` line one more initrd in load order, every `options` line
 * joined with a space into the command line.  An `efi` or `uki` entry
 * boots an EFI program, not a kernel and initrds we can check: it is added
 * unresolved, saying so.  Keys we do not need (devicetree, sort-key, ...)
 * and unknown keys are ignored, as the specification asks.
 */
#ifndef MKUCODE_DOMAIN_BOOT_BLS_H
#define MKUCODE_DOMAIN_BOOT_BLS_H

#include <stddef.h>

#include "domain/boot/entry.h"
#include "util/diag.h"

/*
 * Parse one entry file (buf, len: its bytes; name: how to call it in
 * diagnostics and entry->config) and add its entry to out.  Returns 0, or
 * -1 with an error naming the line (out unchanged).
 */
int bls_entry_parse(const char *buf, size_t len, const char *name,
		    struct boot_entries *out, struct diags *d);

#endif /* MKUCODE_DOMAIN_BOOT_BLS_H */

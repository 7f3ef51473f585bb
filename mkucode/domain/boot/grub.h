/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * grub.cfg: the boot entries GRUB 2 would offer, read statically.
 *
 * The text is read as GRUB's script lexer reads it (comments, '...' and
 * "..." quoting, backslash escapes, line continuations, $var and ${var})
 * and run without running anything: `set` and NAME=VALUE record values,
 * `menuentry` and `submenu` bodies are read after the script that defines
 * them, with the values as they stand at its end (as GRUB runs a chosen
 * entry after the whole menu was built), and a submenu sees only exported
 * values of the script around it.  `if`, `while`, `until` and `for` are not
 * decided: what is inside counts, but a file-loading command or a value set
 * inside one makes what depends on it unresolved, with why.  `search` sets
 * its variable at boot only; `load_env` may replace any value; `source`
 * and `configfile` are named in a note and not followed.
 *
 * Each menuentry that loads a kernel (`linux`, `linux16`, `linuxefi`) or a
 * multiboot image (`multiboot`, `multiboot2`: Xen) becomes one entry:
 * BOOT_LINUX with the initrds of its last `initrd*` line in order, or
 * BOOT_XEN with one module per `module`/`module2` line (the first word
 * that is not an --option is the file, the rest its command line, as GRUB
 * loads it).  Entries loading neither (chainloader, fwsetup) are left out.
 * A file named through a value not known makes the entry unresolved; in a
 * command line such a value stays as written ($name), the entry resolved:
 * the files do not depend on it (20_linux_xen's ${xen_rm_opts}, set under
 * an `if`, is in every Xen entry Debian writes).
 */
#ifndef MKUCODE_DOMAIN_BOOT_GRUB_H
#define MKUCODE_DOMAIN_BOOT_GRUB_H

#include <stddef.h>

#include "domain/boot/entry.h"
#include "util/diag.h"

/* Deepest nesting of blocks (braces, if, loops) before the text is refused. */
#define GRUB_CFG_MAX_NEST 32
/* Bytes of $var values one parse expands at most; beyond, a value counts as
 * not known (what it names unresolved), so that text doubling a value on
 * every line cannot take the memory. */
#define GRUB_CFG_MAX_EXPANSION (1 << 16)

/*
 * Parse len bytes of buf (any bytes; nothing past len is read), named name
 * in diagnostics, and append its entries to out in menu order (a submenu's
 * entries where the submenu stands).  Every diagnostic has the byte offset
 * of what it is about and begins with "line N: ".  Returns 0, or -1 on
 * malformed text (an unterminated quote or ${, unbalanced braces or
 * if/fi, do/done, a NUL byte, nesting deeper than GRUB_CFG_MAX_NEST) with
 * one error in d; then out is left as it was: nothing of that file is
 * used.  Warnings (what GRUB does that the author may not expect) and
 * notes (files not followed) may be added either way.
 */
int grub_cfg_parse(const char *buf, size_t len, const char *name,
		   struct boot_entries *out, struct diags *d);

#endif /* MKUCODE_DOMAIN_BOOT_GRUB_H */

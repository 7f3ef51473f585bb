/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unified kernel images: a PE file whose sections carry the kernel
 * (.linux), the initrd (.initrd), early microcode (.ucode), the command
 * line (.cmdline), os-release (.osrel) and the kernel release (.uname).
 * systemd-stub hands the kernel .ucode, then .initrd, as one initrd, each
 * padded to a multiple of 4 bytes (entry->initrd_align).
 */
#ifndef MKUCODE_DOMAIN_BOOT_UKI_H
#define MKUCODE_DOMAIN_BOOT_UKI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "domain/boot/entry.h"
#include "util/diag.h"

struct uki_section {
	bool found;
	uint64_t offset;        /* in the file: PointerToRawData */
	uint64_t size;          /* min(VirtualSize, SizeOfRawData), as systemd */
};

struct uki_sections {
	/* kernel: .linux */
	struct uki_section kernel, initrd, ucode, cmdline, osrel, uname;
};

/*
 * Locate the sections in buf (len bytes; name for diagnostics).  Returns
 * 0, or -1 with an error naming the offset: not a PE file, a header or
 * section outside the file, no .linux.  A second section of a name is
 * ignored, as systemd-stub does, with a warning.
 */
int uki_parse(const uint8_t *buf, size_t len, const char *name,
	      struct uki_sections *out, struct diags *d);

/*
 * Add the entry a UKI boots to list: the kernel is the UKI's .linux, the
 * initrds its .ucode then .initrd (each a part of file path), the command
 * line .cmdline up to its first NUL, the title .uname.  buf is the file
 * uki_parse() read.
 */
struct boot_entry *uki_entry_add(struct boot_entries *list, const char *path,
				 const uint8_t *buf,
				 const struct uki_sections *s);

#endif /* MKUCODE_DOMAIN_BOOT_UKI_H */

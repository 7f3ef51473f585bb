/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unified kernel images: a PE file whose sections carry the kernel
 * (.linux), the initrd (.initrd), early microcode (.ucode), the command
 * line (.cmdline), os-release (.osrel), the kernel release (.uname) and
 * the stub's own version string (.sdmagic).
 *
 * systemd-stub hands the kernel one initrd: the .ucode section, then
 * .initrd, then what it generates (credentials, system and configuration
 * extensions, the PCR signature and key as cpios), each padded with zeros
 * to a multiple of 4 bytes (entry->initrd_align); the .ucode sections of
 * addons (loader/addons/ and NAME.efi.extra.d/ *.addon.efi, newer stubs)
 * go before all of them and would win, but are not read here.  The .ucode section is systemd
 * 256's: an older stub (Debian 12's is 252) does not know it and hands
 * the kernel .initrd alone, so the entry has .ucode only where the stub
 * reads it, and says so where it does not (boot_entry.uki_ignored).
 */
#ifndef MKUCODE_DOMAIN_BOOT_UKI_H
#define MKUCODE_DOMAIN_BOOT_UKI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "domain/boot/entry.h"
#include "util/diag.h"

/* The first systemd-stub that hands over a .ucode section. */
#define UKI_STUB_UCODE 256

struct uki_section {
	bool found;
	uint64_t offset;        /* in the file: PointerToRawData */
	uint64_t size;          /* min(VirtualSize, SizeOfRawData), as systemd */
	uint64_t header;        /* its entry in the section table */
};

struct uki_sections {
	/* kernel: .linux */
	struct uki_section kernel, initrd, ucode, cmdline, osrel, uname, sdmagic;
	bool has_signature;     /* a certificate table: signed (Authenticode) */
};

/* What the text sections say. */
struct uki_texts {
	char *cmdline;          /* .cmdline to its first NUL, without a final
				 * newline; NULL: none */
	char *uname;            /* .uname likewise */
	unsigned int stub;      /* systemd-stub's version (.sdmagic); 0: not known */
};

/*
 * Locate the sections of a PE file of file_size bytes from its first len
 * bytes at head (all of the headers and the section table must be among
 * them; name for diagnostics).  Returns 0, or -1 with an error naming the
 * offset: not a PE file, a header or section outside the file, no .linux,
 * .linux, .ucode or .initrd overlapping the headers or one another.  A
 * second section of a name is ignored, as systemd-stub does, with a
 * warning.
 */
int uki_parse_head(const uint8_t *head, size_t len, uint64_t file_size,
		   const char *name, struct uki_sections *out, struct diags *d);
/* uki_parse_head() on a whole file in memory. */
int uki_parse(const uint8_t *buf, size_t len, const char *name,
	      struct uki_sections *out, struct diags *d);

/* The version of "#### LoaderInfo: systemd-stub 252.39-1~deb12u2 ####"
 * (n bytes at text): 252; 0 for anything else. */
unsigned int uki_stub_version(const char *text, size_t n);

/* The texts of a whole file in memory (buf, as uki_parse() read it). */
void uki_texts_get(const uint8_t *buf, const struct uki_sections *s,
		   struct uki_texts *t);
/*
 * file read as a boot loader would find it: its headers (the first 64
 * KiB) parsed, the text sections read where they lie (each at most 64
 * KiB: more is no command line).  0, or -1 after an error in d.
 */
int uki_read(const char *file, struct uki_sections *s, struct uki_texts *t,
	     struct diags *d);
void uki_texts_free(struct uki_texts *t);

/*
 * Add the entry a UKI boots to list: the kernel is the UKI's .linux, the
 * initrds its .ucode (where the stub reads it) then .initrd, each a part
 * of file (path: the UKI as the loader names it), the command line and
 * title the texts'.
 */
struct boot_entry *uki_entry_add(struct boot_entries *list, const char *path,
				 const char *file, const struct uki_sections *s,
				 const struct uki_texts *t);

#endif /* MKUCODE_DOMAIN_BOOT_UKI_H */

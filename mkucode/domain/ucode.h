/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The one data model of the command: every microcode update found in the
 * sources, Intel or AMD, with where it came from.  Gathering fills it,
 * selection marks it, the writers and `list` read it.
 */
#ifndef MKUCODE_UCODE_H
#define MKUCODE_UCODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ucode_consumer.h"
#include "vendor/intel.h"

struct ucode_item {
	enum uc_vendor vendor;
	const uint8_t *data;    /* Intel: the whole update; AMD: the patch header */
	uint32_t size;
	uint32_t sig;           /* Intel: header signature; AMD: first CPU mapped to it */
	uint32_t pf;            /* Intel platform-flags mask */
	uint32_t rev;
	uint32_t date;          /* BCD 0xMMDDYYYY */
	uint16_t equiv_id;      /* AMD */
	unsigned int family;    /* AMD: the patch's family */
	const uint8_t *equiv;   /* AMD: its container's equivalence entries */
	uint32_t equiv_len;
	struct uc_intel_update intel;  /* Intel: as validated when gathered */
	const char *source;     /* file (and member) it came from */
	size_t offset;          /* of the update in that file (decompressed) */
	bool decompressed;      /* the offset counts decompressed bytes */
	size_t order;           /* position in the order sources were given */
	bool selected;
};

struct ucode_set {
	struct ucode_item *items;
	size_t n, cap;
	/* Buffers the items point into, and names, freed together. */
	void **owned;
	size_t n_owned, cap_owned;
	/* Files mapped read-only, unmapped together. */
	struct ucode_mapping { void *p; size_t len; } *maps;
	size_t n_maps, cap_maps;
};

void ucode_set_free(struct ucode_set *set);
/* Keep p alive as long as the set; returns p. */
void *ucode_set_own(struct ucode_set *set, void *p);

/* The CPU signature(s) an AMD patch applies to, via its container's table. */
unsigned int ucode_amd_cpus(const struct ucode_item *it, uint32_t *sigs,
			    unsigned int max);

struct gather_opts {
	bool ignore_broken;     /* skip malformed microcode with a warning */
	bool list_mode;         /* `list`: report, never fail on skipped files */
	const char *root;       /* the default sources are under it (NULL: /) */
};

struct diags;

/*
 * Read every SOURCE (file, directory, pipe, or "-": standard input; none:
 * the system's firmware directories) into set.  Content decides, not names:
 * Intel binary or .dat, AMD containers, early cpio / initrd images, each
 * possibly compressed with gzip, xz or zstd.  Other files are skipped with a
 * note.  Returns 0, or -1 after an error on d naming the file, the offset and
 * the core's error code (with ignore_broken, warnings instead).
 */
int gather(struct ucode_set *set, char **sources, int n_sources,
	   const struct gather_opts *opts, struct diags *d);

/*
 * Same identity (signature and revision) means the same bytes: 0 when
 * items copy and first agree, else -1 after an error on d naming both.
 */
int ucode_check_copy(const struct ucode_item *copy, const struct ucode_item *first,
		     struct diags *d);

/* The system firmware locations searched by default. */
extern const char *const default_sources[];

#endif /* MKUCODE_UCODE_H */

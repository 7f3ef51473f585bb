/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Selection: which of the gathered updates go into the output. */
#ifndef MKUCODE_SELECT_H
#define MKUCODE_SELECT_H

#include "domain/cpu.h"
#include "domain/ucode.h"

struct selection {
	struct cpu_spec *specs;     /* --cpu and --host, includes and excludes */
	size_t n_specs, cap_specs;
	bool *spec_vendor_known;    /* per spec: vendor below applies */
	enum uc_vendor *spec_vendor;
	bool vendor_only;           /* --vendor */
	enum uc_vendor vendor;
	uint32_t date_before;       /* YYYYMMDD, 0 = none: strictly before */
	uint32_t date_after;        /* YYYYMMDD, 0 = none: strictly after */
	bool downgrade;             /* the last one given wins, not the newest */
};

void selection_add(struct selection *sel, const struct cpu_spec *spec,
		   bool vendor_known, enum uc_vendor vendor);
void selection_free(struct selection *sel);

/* True when some --cpu/--host spec includes CPUs (not only excludes). */
bool selection_filtered(const struct selection *sel);

/* Is this CPU signature wanted for an AMD container's table? */
bool selection_wants_amd_cpu(const struct selection *sel, uint32_t sig);

/*
 * Mark set->items[i].selected: filters, then identical updates kept once,
 * then the newest (or with downgrade the last given) per CPU signature and
 * platform.  Same signature, platform and revision with different bytes is
 * an error.  Returns the number selected, or -1 after an error on d.
 */
struct diags;
long select_ucode(struct ucode_set *set, const struct selection *sel,
		  struct diags *d);

/* BCD 0xMMDDYYYY → YYYYMMDD as a number, for date comparisons. */
uint32_t bcd_date_ymd(uint32_t bcd);

#endif /* MKUCODE_SELECT_H */

/* SPDX-License-Identifier: GPL-2.0-or-later OR BSD-2-Clause */
/*
 * The loaders whose behaviour the core models.  They disagree on what they
 * accept and pick (doc/loaders.md), so every check that differs
 * takes the consumer it speaks for.
 */
#ifndef UC_CONSUMER_H
#define UC_CONSUMER_H

#include "ucode_env.h"

enum uc_consumer {
	UC_LINUX_6_1,    /* Linux 6.1-era early loader */
	UC_LINUX_NEWEST, /* newest mainline early loader */
	UC_XEN_4_17,     /* Xen 4.17 */
	UC_XEN_NEWER,    /* Xen 4.20 and newer (master) */
	UC_CONSUMER_MAX, /* how many loaders there are: no consumer */
	/*
	 * No loader: every rule of every loader, what a careful builder
	 * writes.  It lies past UC_CONSUMER_MAX, with a gap, so that a loop
	 * or an array over the loaders never takes it for one and a loop
	 * that runs on to it meets an invalid consumer first.
	 */
	UC_STRICT = UC_CONSUMER_MAX + 1,
};

enum uc_vendor {
	UC_VENDOR_INTEL,
	UC_VENDOR_AMD,
};

/* A loader, or UC_STRICT: what the functions taking a consumer accept. */
static inline bool uc_consumer_valid(enum uc_consumer c)
{
	return (unsigned int)c < UC_CONSUMER_MAX || c == UC_STRICT;
}

/*
 * Every rule set, for code that walks them all: the loaders in order, then
 * UC_STRICT.  uc_rule_set(i) for i < UC_RULE_SETS; index tables by i.
 */
#define UC_RULE_SETS (UC_CONSUMER_MAX + 1)

static inline enum uc_consumer uc_rule_set(unsigned int i)
{
	return i < UC_CONSUMER_MAX ? (enum uc_consumer)i : UC_STRICT;
}

/*
 * Short stable names: "linux-6.1", "linux", "xen-4.17", "xen", "strict";
 * "unknown" for anything else.
 */
const char *uc_consumer_name(enum uc_consumer c);

static inline bool uc_consumer_is_xen(enum uc_consumer c)
{
	return c == UC_XEN_4_17 || c == UC_XEN_NEWER;
}

/* x86 family and model from CPUID(1).EAX, extended fields included. */
static inline unsigned int uc_x86_family(uint32_t sig)
{
	unsigned int fam = (sig >> 8) & 0xf;

	return fam == 0xf ? fam + ((sig >> 20) & 0xff) : fam;
}

static inline unsigned int uc_x86_model(uint32_t sig)
{
	unsigned int fam = (sig >> 8) & 0xf, model = (sig >> 4) & 0xf;

	return fam >= 6 ? model | ((sig >> 12) & 0xf0) : model;
}

static inline unsigned int uc_x86_stepping(uint32_t sig)
{
	return sig & 0xf;
}

#endif /* UC_CONSUMER_H */

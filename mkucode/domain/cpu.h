/* SPDX-License-Identifier: GPL-2.0-or-later */
/* CPUs to select microcode for: parsed --cpu specs and this host's CPUs. */
#ifndef MKUCODE_CPU_H
#define MKUCODE_CPU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ucode_consumer.h"

/* Value of one hex digit, or -1. */
static inline int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* One --cpu SPEC: SIG[,PF_MASK] (0x906ea, 0x000906ea,0x22) or FF-MM-SS
 * (06-9e-0a), optionally prefixed with '!' to exclude. */
struct cpu_spec {
	uint32_t sig;
	uint32_t pf_mask;   /* 0: any platform */
	bool exclude;
};

struct diags;

/* 0, or -1 after the error "--cpu 'TEXT': what is wrong" on d (spec
 * untouched). */
int cpu_spec_parse(const char *text, struct cpu_spec *spec, struct diags *d);

/*
 * The CPUID(1).EAX signature of a display family/model/stepping (as in
 * /proc/cpuinfo, or Intel's FF-MM-SS file names, in which they are hex):
 * the inverse of Linux's x86_family/x86_model/x86_stepping.  0, or -1
 * after the error "WHAT: what is wrong" on d.
 */
int cpu_sig_from_fms(unsigned int family, unsigned int model,
		     unsigned int stepping, uint32_t *sig, const char *what,
		     struct diags *d);

/* The inverse: "06-9e-0a" for 0x906ea (display family-model-stepping). */
void cpu_sig_fms(uint32_t sig, char *buf, size_t size);

/* The vendor a signature belongs to cannot be told from it; callers pass it. */

struct host_cpu {
	unsigned int index;     /* logical CPU number */
	enum uc_vendor vendor;
	uint32_t sig;           /* CPUID(1).EAX */
	uint32_t pf;            /* Intel: 1 << platform id; 0 when unknown */
	bool pf_known;
	uint32_t rev;           /* current microcode revision; 0 when unknown */
	bool rev_known;
	bool guest;             /* runs under a hypervisor (CPUID/cpuinfo flag) */
};

/*
 * Every online CPU of this machine.  On success returns 0 with a malloc'd
 * array in *cpus (free()) and *n set, after notes on d saying what could not
 * be read (e.g. platform flags) and what was assumed.  Returns -1 with errno
 * set after an error on d (its sys field the errno when a file could not be
 * read).  Every diagnostic's text starts "--host: ".  root may be NULL or a
 * directory standing in for / (for tests: its sys/devices/system/cpu and
 * proc/cpuinfo are read instead).
 */
int host_cpus(const char *root, struct host_cpu **cpus, size_t *n,
	      struct diags *d);

/* A note naming each kind of CPU found: vendor, FF-MM-SS, signature,
 * platform flags, running revision, and which CPUs are of that kind. */
void host_cpus_note(const struct host_cpu *cpus, size_t n, struct diags *d);

/* A warning that nothing was selected for these CPUs, naming them, and
 * that a virtual machine guest usually cannot load microcode when so. */
void host_cpus_unserved(const struct host_cpu *cpus, size_t n, struct diags *d);

#endif /* MKUCODE_CPU_H */

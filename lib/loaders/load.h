/* SPDX-License-Identifier: GPL-2.0-or-later OR BSD-2-Clause */
/*
 * "What would load": for a CPU and a buffer, the patch a given loader picks,
 * or the named reason it picks none.  This is the function a hypervisor or
 * boot loader embeds and `mkucode verify` prints.
 */
#ifndef UC_LOAD_H
#define UC_LOAD_H

#include "ucode_env.h"
#include "ucode_err.h"
#include "ucode_consumer.h"

struct uc_cpu {
	enum uc_vendor vendor;
	uint32_t sig;   /* CPUID(1).EAX */
	uint32_t pf;    /* Intel: 1 << platform id (MSR 0x17 bits 52:50); 0 if none */
	uint32_t rev;   /* current revision / patch level */
};

enum uc_input {
	UC_INPUT_CPIO,  /* an initrd or early cpio: find the vendor file first */
	UC_INPUT_RAW,   /* the buffer is the vendor file (Xen ucode=<n>) */
};

struct uc_load_result {
	/* The vendor file the loader read (offsets into the caller's buffer). */
	size_t file_offset;
	size_t file_size;
	/* The chosen patch: Intel update header or AMD patch header. */
	const uint8_t *patch;
	size_t patch_offset;
	uint32_t patch_size;
	uint32_t rev;
	uint32_t date;
	/*
	 * A problem the loader met in the file: the reason the file was
	 * rejected, or (Xen, AMD) what ended the walk after a patch was
	 * already chosen.  0 if none.
	 */
	int file_err;
	size_t file_err_offset;   /* in the caller's buffer (ucode_err.h) */
	/* Patches for this CPU that the loader saw (matched), newest or not. */
	unsigned int matches;
};

/*
 * What consumer c would load on cpu from buf.  Returns 0 with r->patch set,
 * or -UC_ERR_NO_FILE (no vendor file in the cpio), -UC_ERR_FILE_REJECTED
 * (r->file_err says why), -UC_ERR_NO_MATCH, -UC_ERR_NOT_NEWER,
 * -UC_ERR_UNSUPPORTED_CPU, -UC_ERR_REFUSED, -UC_ERR_BADARG.
 * The OS-level reasons a loader stays silent (running under a hypervisor,
 * dis_ucode_ldr) and digest checks of Zen patches are not modelled.
 */
int uc_would_load(const void *buf, size_t len, enum uc_input in,
		  const struct uc_cpu *cpu, enum uc_consumer c,
		  struct uc_load_result *r);

#endif /* UC_LOAD_H */

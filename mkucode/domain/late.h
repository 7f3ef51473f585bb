/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Late loading: what the running system can take now, per CPU, and the
 * hand-off itself (doc/mkucode.8, LATE LOADING).
 *
 *   late_read_system()   the running system under root: Xen dom0, VM guest
 *                        or bare metal; the kernel's microcode sysfs; CPUs
 *   late_plan()          per CPU: update (from -> to), already current,
 *                        nothing selected, or refused and why
 *   late_firmware()      bare metal: the file the kernel's late loader
 *                        reads, what it gives now, where ours would go
 *   late_blob()          the raw vendor file of the planned updates
 *   late_reload()        bare metal: place, write reload, read back, restore
 *   late_xen_ucode()     Xen dom0: find xen-ucode, hand it the raw file
 *
 * Nothing here prints; texts for the verb come from late_*_text().
 */
#ifndef MKUCODE_DOMAIN_LATE_H
#define MKUCODE_DOMAIN_LATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "domain/cpu.h"
#include "domain/emit.h"
#include "domain/ucode.h"

enum late_host {
	LATE_BARE_METAL,
	LATE_XEN_DOM0,     /* /proc/xen/capabilities holds control_d */
	LATE_GUEST,        /* hypervisor CPU flag, or /sys/hypervisor/type */
};

struct late_system {
	const char *root;           /* NULL: / */
	enum late_host host;
	char hypervisor[32];        /* /sys/hypervisor/type, "" when none */
	bool microcode_sysfs;       /* /sys/devices/system/cpu/microcode */
	bool reload;                /* .../microcode/reload */
	char release[128];          /* /proc/sys/kernel/osrelease, "" */
	char fw_path[256];          /* firmware_class.path= (read first), "" */
	struct host_cpu *cpus;
	size_t n_cpus;
};

/* 0, or -1 after an error on d (the CPUs could not be read). */
int late_read_system(const char *root, struct late_system *sys, struct diags *d);
void late_system_free(struct late_system *sys);

/* Why a CPU is not updated late; several may apply. */
enum {
	LATE_WHY_GUEST = 1 << 0,         /* a VM guest: the host loads microcode */
	LATE_WHY_NO_LOADER = 1 << 1,     /* no /sys/devices/system/cpu/microcode */
	LATE_WHY_NO_RELOAD = 1 << 2,     /* a kernel without late loading */
	LATE_WHY_MINREV_NONE = 1 << 3,   /* Intel header min_req_ver 0 */
	LATE_WHY_MINREV_ABOVE = 1 << 4,  /* min_req_ver above the running revision */
	LATE_WHY_AMD = 1 << 5,           /* AMD: every late load counts unsafe */
	LATE_WHY_EARLY_ONLY = 1 << 6,    /* from a *.initramfs (early-only) file */
	LATE_WHY_REV_UNKNOWN = 1 << 7,   /* running revision unknown */
	LATE_WHY_OTHER_SIG = 1 << 8,     /* not the boot CPU's signature */
};
/* What --force cannot get past: no interface, or a loader that only
 * reads the boot CPU's microcode. */
#define LATE_WHY_FIRM (LATE_WHY_NO_LOADER | LATE_WHY_NO_RELOAD | LATE_WHY_OTHER_SIG)

enum late_verdict {
	LATE_UPDATE,       /* from (rev, when known) -> patch->rev */
	LATE_CURRENT,      /* already at the newest selected, or newer */
	LATE_NOTHING,      /* no update selected for this CPU */
	LATE_REFUSED,      /* why: see row.why */
};

struct late_row {
	const struct host_cpu *cpu;
	enum late_verdict verdict;
	const struct ucode_item *patch;  /* the update for it, or NULL */
	unsigned int why;                /* LATE_WHY_*: refused, or forced past */
	bool forced;                     /* UPDATE although why != 0 (--force) */
};

struct late_plan {
	struct late_row *rows;
	size_t n;
	size_t n_update, n_refused;
};

/* Intel header byte 40: the lowest running revision a late load is safe
 * from, as newer Linux reads it (0 in older updates). */
uint32_t late_min_req_ver(const struct ucode_item *it);

/* One row per CPU of sys from the selected items of set. */
void late_plan(const struct late_system *sys, const struct ucode_set *set,
	       bool force, struct late_plan *plan);
void late_plan_free(struct late_plan *plan);

/* "update 0x000000b2 -> 0x000000b4", "refused: ...": the row's verdict
 * in words, for the plan (sys for the reasons' wording). */
void late_row_text(const struct late_system *sys, const struct late_row *r,
		   char *buf, size_t size);
/* "CPU 0: intel 06-8c-01 (0x000806c1) pf 0x80, revision 0x000000b2" */
void late_cpu_text(const struct host_cpu *c, char *buf, size_t size);

/*
 * The raw vendor file of the planned updates (the rows LATE_UPDATE),
 * for the vendor of sys's CPUs, only the updates chosen: Xen's
 * xen-ucode blob, or the firmware file the kernel reads.  sig, when
 * not 0, keeps only the updates of the CPUs of that signature.  Marks
 * set's items (selected = planned).  0, or -1 after an error on d.
 */
int late_blob(struct ucode_set *set, const struct late_system *sys,
	      const struct late_plan *plan, uint32_t sig, struct blob_out *out,
	      struct diags *d);

/* Bare metal: the firmware file the late loader reads for the boot CPU. */
struct late_firmware {
	char name[64];           /* intel-ucode/06-8c-01, amd-ucode/... */
	char *found;             /* the file the loader would read now, or NULL */
	bool found_gives;        /* found yields the planned revision */
	uint32_t found_rev;      /* what found yields for the boot CPU */
	bool found_has_rev;
	char *target;            /* where ours is placed for the reload */
	bool target_exists;      /* target is found: set aside, put back */
};

/* 0, or -1 after an error on d. */
int late_firmware(const struct late_system *sys, const struct late_plan *plan,
		  struct late_firmware *fw, struct diags *d);
void late_firmware_free(struct late_firmware *fw);

/* What a CPU shows after the hand-off. */
enum late_outcome {
	LATE_DONE,         /* at the planned revision */
	LATE_STILL,        /* already current, untouched */
	LATE_KERNEL_REFUSED, /* reload returned an error */
	LATE_FAILED,       /* reload accepted, revision not the planned one */
};

struct late_result {
	enum late_outcome outcome;
	uint32_t rev;      /* read back */
	bool rev_known;
	int err;           /* LATE_KERNEL_REFUSED: the write's errno */
};

/*
 * Bare metal: place blob at fw->target unless fw->found_gives (the file
 * there set aside), write "1" to reload, read every CPU's revision back,
 * then put the firmware directory back as it was.  results: one per
 * plan row.  0 when the hand-off ran (results say how it went), -1 after
 * an error on d (nothing loaded).
 */
int late_reload(const struct late_system *sys, const struct late_plan *plan,
		const struct late_firmware *fw, const struct blob_out *blob,
		struct late_result *results, struct diags *d);

/* xen-ucode on PATH, else in Xen's libexec directories, under root;
 * malloc'd, or NULL. */
char *late_find_xen_ucode(const char *root);

/*
 * Xen dom0: blob into a temporary file, `xen-ucode FILE` run and waited
 * for.  Its exit status (>= 0, 128 + signal), or -1 after an error on d.
 */
int late_xen_ucode(const char *xen_ucode, const struct blob_out *blob,
		   struct diags *d);

#endif /* MKUCODE_DOMAIN_LATE_H */

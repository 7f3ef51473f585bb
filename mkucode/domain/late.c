// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Late loading (domain/late.h): the decision per CPU, and the two
 * hand-offs.  The rules, and where each comes from:
 *
 *   Xen dom0    Xen loads: xen-ucode passes a raw vendor file to the
 *               XENPF_microcode_update hypercall; Xen picks the update for
 *               its CPUs and applies it to every core.  Dom0's kernel has
 *               no microcode loader of its own (no sysfs), so nothing of
 *               Linux's late rules applies; dom0's CPUID has the hypervisor
 *               flag, yet it is no guest in this sense.
 *   bare metal  Linux loads on `echo 1 > /sys/devices/system/cpu/
 *               microcode/reload`, from the firmware file of the boot CPU
 *               (intel-ucode/FF-MM-SS, amd-ucode/microcode_amd_famXXh.bin)
 *               that request_firmware finds first under /lib/firmware.
 *               Newer Linux calls an Intel update unsafe to load late
 *               when its header's min_req_ver is 0 or above the running
 *               revision, and every AMD late load unsafe.
 *   both        updates only safe early (Debian's *.initramfs names, which
 *               hide them from the late loader) are refused; a loader that
 *               reads the boot CPU's update applies nothing to CPUs of
 *               another signature.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "domain/late.h"
#include "domain/select.h"
#include "loaders/load.h"
#include "vendor/amd.h"
#include "vendor/intel.h"
#include "util/alloc.h"
#include "util/diag.h"
#include "util/fileio.h"

#define CPU_DIR "/sys/devices/system/cpu"

static char *under(const char *root, const char *path)
{
	return xasprintf("%s%s", root ? root : "", path);
}

static bool exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

/* A small text file, NUL-terminated and trailing blanks dropped; false
 * when it cannot be read. */
static bool read_text(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return false;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n < 0)
		return false;
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		n--;
	buf[n] = '\0';
	return true;
}

static bool has_word(const char *list, const char *word)
{
	size_t n = strlen(word);

	for (const char *p = list; (p = strstr(p, word)); p += n)
		if ((p == list || p[-1] == ',' || p[-1] == ' ' || p[-1] == '\n') &&
		    (!p[n] || p[n] == ',' || p[n] == ' ' || p[n] == '\n'))
			return true;
	return false;
}

int late_read_system(const char *root, struct late_system *sys, struct diags *d)
{
	char caps[256] = "";
	char *p;
	bool guest = false;

	memset(sys, 0, sizeof(*sys));
	sys->root = root;
	if (host_cpus(root, &sys->cpus, &sys->n_cpus, d))
		return -1;
	p = under(root, "/proc/xen/capabilities");
	read_text(p, caps, sizeof(caps));
	free(p);
	p = under(root, "/sys/hypervisor/type");
	read_text(p, sys->hypervisor, sizeof(sys->hypervisor));
	free(p);
	p = under(root, "/proc/sys/kernel/osrelease");
	/* A directory name below /lib/firmware: one component. */
	if (!read_text(p, sys->release, sizeof(sys->release)) ||
	    strchr(sys->release, '/') || !strcmp(sys->release, "..") ||
	    !strcmp(sys->release, "."))
		sys->release[0] = '\0';
	free(p);
	/* firmware_class.path=: the kernel reads that directory first.  Only
	 * an absolute one is taken (the kernel joins it with the name as is). */
	p = under(root, "/sys/module/firmware_class/parameters/path");
	if (!read_text(p, sys->fw_path, sizeof(sys->fw_path)) || sys->fw_path[0] != '/')
		sys->fw_path[0] = '\0';
	free(p);
	p = under(root, CPU_DIR "/microcode");
	sys->microcode_sysfs = exists(p);
	free(p);
	p = under(root, CPU_DIR "/microcode/reload");
	sys->reload = exists(p);
	free(p);

	for (size_t i = 0; i < sys->n_cpus; i++)
		guest |= sys->cpus[i].guest;
	if (has_word(caps, "control_d"))
		sys->host = LATE_XEN_DOM0;
	else if (guest || sys->hypervisor[0])
		sys->host = LATE_GUEST;
	else
		sys->host = LATE_BARE_METAL;
	return 0;
}

void late_system_free(struct late_system *sys)
{
	free(sys->cpus);
	memset(sys, 0, sizeof(*sys));
}

uint32_t late_min_req_ver(const struct ucode_item *it)
{
	/* Every Intel item was validated: its 48-byte header is whole. */
	return it->vendor == UC_VENDOR_INTEL ? uc_le32(it->data + 40) : 0;
}

/* ---- the plan ---- */

static enum uc_consumer consumer_of(const struct late_system *sys)
{
	return sys->host == LATE_XEN_DOM0 ? UC_XEN_4_17 : UC_LINUX_NEWEST;
}

/* Does the update apply to c?  Platform flags unknown: any platform. */
static bool applies(const struct ucode_item *it, const struct host_cpu *c,
		    enum uc_consumer k)
{
	if (it->vendor != c->vendor)
		return false;
	if (it->vendor == UC_VENDOR_INTEL) {
		if (c->pf_known)
			return uc_intel_match(&it->intel, c->sig, c->pf, k);
		for (uint32_t i = 0; i < uc_intel_nsigs(&it->intel); i++) {
			uint32_t sig, pf;

			uc_intel_sig(&it->intel, i, &sig, &pf);
			if (sig == c->sig)
				return true;
		}
		return false;
	}
	uint32_t sigs[64];
	unsigned int n = ucode_amd_cpus(it, sigs, 64);

	for (unsigned int i = 0; i < n; i++)
		if (sigs[i] == c->sig)
			return true;
	return it->family >= 0x17 && uc_amd_zen_sig(it->rev) == c->sig;
}

/* Is revision b newer than a, as the loader compares them? */
static bool newer(enum uc_vendor v, uint32_t a, uint32_t b, enum uc_consumer k)
{
	if (v == UC_VENDOR_INTEL)
		return uc_intel_rev_cmp(a, b, k) > 0;
	return b > a;
}

static const struct ucode_item *best_patch(const struct ucode_set *set,
					   const struct host_cpu *c,
					   enum uc_consumer k)
{
	const struct ucode_item *best = NULL;

	for (size_t i = 0; i < set->n; i++) {
		const struct ucode_item *it = &set->items[i];

		if (it->selected && applies(it, c, k) &&
		    (!best || newer(c->vendor, best->rev, it->rev, k)))
			best = it;
	}
	return best;
}

static bool early_only(const struct ucode_item *it)
{
	static const char suffix[] = ".initramfs";
	size_t n = it->source ? strlen(it->source) : 0;

	return n >= sizeof(suffix) - 1 &&
	       !strcmp(it->source + n - (sizeof(suffix) - 1), suffix);
}

void late_plan(const struct late_system *sys, const struct ucode_set *set,
	       bool force, struct late_plan *plan)
{
	enum uc_consumer k = consumer_of(sys);
	bool linux_rules = sys->host != LATE_XEN_DOM0;
	uint32_t boot_sig = sys->n_cpus ? sys->cpus[0].sig : 0;

	memset(plan, 0, sizeof(*plan));
	plan->rows = xmalloc((sys->n_cpus ? sys->n_cpus : 1) * sizeof(*plan->rows));
	plan->n = sys->n_cpus;
	for (size_t i = 0; i < sys->n_cpus; i++) {
		const struct host_cpu *c = &sys->cpus[i];
		struct late_row *r = &plan->rows[i];
		unsigned int why = 0;

		memset(r, 0, sizeof(*r));
		r->cpu = c;
		r->patch = best_patch(set, c, k);
		if (!r->patch) {
			r->verdict = LATE_NOTHING;
			continue;
		}
		if (c->rev_known && !newer(c->vendor, c->rev, r->patch->rev, k)) {
			r->verdict = LATE_CURRENT;
			continue;
		}
		if (sys->host == LATE_GUEST)
			why |= LATE_WHY_GUEST;
		if (linux_rules && !sys->microcode_sysfs)
			why |= LATE_WHY_NO_LOADER;
		else if (linux_rules && !sys->reload)
			why |= LATE_WHY_NO_RELOAD;
		if (c->sig != boot_sig)
			why |= LATE_WHY_OTHER_SIG;
		if (early_only(r->patch))
			why |= LATE_WHY_EARLY_ONLY;
		if (linux_rules && !c->rev_known)
			why |= LATE_WHY_REV_UNKNOWN;
		if (linux_rules && c->vendor == UC_VENDOR_AMD)
			why |= LATE_WHY_AMD;
		if (linux_rules && c->vendor == UC_VENDOR_INTEL) {
			uint32_t min = late_min_req_ver(r->patch);

			if (!min)
				why |= LATE_WHY_MINREV_NONE;
			else if (c->rev_known && min > c->rev)
				why |= LATE_WHY_MINREV_ABOVE;
		}
		r->why = why;
		if (why && ((why & LATE_WHY_FIRM) || !force)) {
			r->verdict = LATE_REFUSED;
			plan->n_refused++;
		} else {
			r->verdict = LATE_UPDATE;
			r->forced = why != 0;
			plan->n_update++;
		}
	}
}

void late_plan_free(struct late_plan *plan)
{
	free(plan->rows);
	memset(plan, 0, sizeof(*plan));
}

/* ---- words ---- */

struct text {
	char *buf;
	size_t size, len;
};

__attribute__((format(printf, 2, 3)))
static void add(struct text *t, const char *fmt, ...)
{
	va_list ap;
	int k;

	if (t->len >= t->size)
		return;
	va_start(ap, fmt);
	k = vsnprintf(t->buf + t->len, t->size - t->len, fmt, ap);
	va_end(ap);
	if (k > 0)
		t->len += (size_t)k < t->size - t->len ? (size_t)k : t->size - t->len;
}

void late_cpu_text(const struct host_cpu *c, char *buf, size_t size)
{
	struct text t = { buf, size, 0 };
	char fms[16];

	cpu_sig_fms(c->sig, fms, sizeof(fms));
	add(&t, "CPU %u: %s %s (%#010x)", c->index,
	    c->vendor == UC_VENDOR_AMD ? "amd" : "intel", fms, c->sig);
	if (c->vendor == UC_VENDOR_INTEL)
		add(&t, c->pf_known ? " pf %#04x" : " pf unknown", c->pf);
}

static void add_reasons(struct text *t, const struct late_system *sys,
			const struct late_row *r)
{
	const struct ucode_item *p = r->patch;
	const char *sep = "";
	char fms[16];

	if (r->why & LATE_WHY_GUEST) {
		if (sys->hypervisor[0])
			add(t, "a virtual machine guest (/sys/hypervisor/type %s%s): the "
			    "host loads microcode, not its guests", sys->hypervisor,
			    !strcmp(sys->hypervisor, "xen")
				    ? "; a Xen dom0 has control_d in /proc/xen/capabilities, "
				      "is xenfs mounted?" : "");
		else
			add(t, "a virtual machine guest (hypervisor CPU flag): the host "
			    "loads microcode, not its guests");
		sep = "; ";
	}
	if (r->why & LATE_WHY_NO_LOADER) {
		add(t, "%sthe kernel's microcode loader is not active here (no "
		    CPU_DIR "/microcode)", sep);
		sep = "; ";
	}
	if (r->why & LATE_WHY_NO_RELOAD) {
		add(t, "%sthis kernel cannot load microcode late: no " CPU_DIR
		    "/microcode/reload (built without CONFIG_MICROCODE_LATE_LOADING, "
		    "as Debian 12's kernels are)", sep);
		sep = "; ";
	}
	if (r->why & LATE_WHY_OTHER_SIG) {
		cpu_sig_fms(sys->cpus[0].sig, fms, sizeof(fms));
		add(t, "%sthe late loader applies the boot CPU's update (%s) "
		    "only, and this CPU is another model or stepping", sep, fms);
		sep = "; ";
	}
	if (r->why & LATE_WHY_EARLY_ONLY) {
		add(t, "%s%#010x comes from %s, which the distribution marks "
		    "early-only (*.initramfs)", sep, p->rev, p->source);
		sep = "; ";
	}
	if (r->why & LATE_WHY_REV_UNKNOWN) {
		add(t, "%sits running revision is unknown, so whether a late load "
		    "is safe cannot be told", sep);
		sep = "; ";
	}
	if (r->why & LATE_WHY_AMD) {
		add(t, "%sLinux counts every late AMD load as unsafe (it taints "
		    "the kernel)", sep);
		sep = "; ";
	}
	if (r->why & LATE_WHY_MINREV_NONE) {
		add(t, "%s%#010x names no minimum revision (min_req_ver 0): newer "
		    "Linux calls it unsafe to load late", sep, p->rev);
		sep = "; ";
	}
	if (r->why & LATE_WHY_MINREV_ABOVE)
		add(t, "%s%#010x may be loaded late only over revision %#010x or "
		    "newer (min_req_ver), and this CPU runs %#010x", sep, p->rev,
		    late_min_req_ver(p), r->cpu->rev);
}

void late_row_text(const struct late_system *sys, const struct late_row *r,
		   char *buf, size_t size)
{
	struct text t = { buf, size, 0 };
	const struct host_cpu *c = r->cpu;

	buf[0] = '\0';
	switch (r->verdict) {
	case LATE_NOTHING:
		add(&t, "no update selected for it");
		if (c->rev_known)
			add(&t, " (running %#010x)", c->rev);
		return;
	case LATE_CURRENT:
		add(&t, "already current (%#010x", c->rev);
		if (r->patch->rev != c->rev)
			add(&t, "; the newest selected is %#010x", r->patch->rev);
		add(&t, ")");
		return;
	case LATE_UPDATE:
		if (c->rev_known)
			add(&t, "update %#010x -> %#010x", c->rev, r->patch->rev);
		else
			add(&t, "update (running revision unknown) -> %#010x",
			    r->patch->rev);
		if (r->forced) {
			add(&t, "; --force past: ");
			add_reasons(&t, sys, r);
		}
		return;
	case LATE_REFUSED:
		add(&t, "refused: ");
		add_reasons(&t, sys, r);
		if (!(r->why & LATE_WHY_FIRM))
			add(&t, " (--force loads it anyway)");
		return;
	}
}

/* ---- the raw file ---- */

int late_blob(struct ucode_set *set, const struct late_system *sys,
	      const struct late_plan *plan, uint32_t sig, struct blob_out *out,
	      struct diags *d)
{
	enum uc_consumer k = consumer_of(sys);
	struct selection sel = { 0 };
	bool *keep = xmalloc((set->n ? set->n : 1) * sizeof(*keep));
	enum uc_vendor v = sys->n_cpus ? sys->cpus[0].vendor : UC_VENDOR_INTEL;
	int r;

	for (size_t i = 0; i < set->n; i++) {
		const struct ucode_item *it = &set->items[i];

		keep[i] = false;
		for (size_t j = 0; j < plan->n && !keep[i]; j++) {
			const struct late_row *row = &plan->rows[j];

			if (row->verdict != LATE_UPDATE || (sig && row->cpu->sig != sig))
				continue;
			/* Platform unknown: every variant, the loader picks. */
			keep[i] = row->patch == it ||
				  (it->selected && !row->cpu->pf_known &&
				   applies(it, row->cpu, k));
		}
	}
	for (size_t j = 0; j < plan->n; j++) {
		const struct late_row *row = &plan->rows[j];
		struct cpu_spec spec = {
			.sig = row->cpu->sig,
			.pf_mask = row->cpu->pf_known ? row->cpu->pf : 0,
		};

		if (row->verdict == LATE_UPDATE && (!sig || row->cpu->sig == sig))
			selection_add(&sel, &spec, true, row->cpu->vendor);
	}
	for (size_t i = 0; i < set->n; i++)
		set->items[i].selected = keep[i];
	free(keep);
	r = emit_vendor_file(set, &sel, v, out, d);
	selection_free(&sel);
	return r;
}

/* ---- bare metal: the firmware file ---- */

static void firmware_name(const struct host_cpu *c, char *buf, size_t size)
{
	unsigned int fam = uc_x86_family(c->sig);

	if (c->vendor == UC_VENDOR_INTEL)
		snprintf(buf, size, "intel-ucode/%02x-%02x-%02x", fam,
			 uc_x86_model(c->sig), uc_x86_stepping(c->sig));
	else if (fam >= 0x15)
		snprintf(buf, size, "amd-ucode/microcode_amd_fam%02xh.bin", fam);
	else
		snprintf(buf, size, "amd-ucode/microcode_amd.bin");
}

static const struct late_row *boot_row(const struct late_plan *plan)
{
	for (size_t i = 0; i < plan->n; i++)
		if (plan->rows[i].verdict == LATE_UPDATE &&
		    plan->rows[i].cpu->sig == plan->rows[0].cpu->sig)
			return &plan->rows[i];
	return NULL;
}

int late_firmware(const struct late_system *sys, const struct late_plan *plan,
		  struct late_firmware *fw, struct diags *d)
{
	const struct late_row *row = boot_row(plan);
	/* request_firmware's order: firmware_class.path=, updates/RELEASE,
	 * updates, RELEASE, the directory itself.  The first three are the
	 * administrator's: a file there is set aside and put back. */
	const char *dirs[5] = { NULL, NULL, "/lib/firmware/updates", NULL, "/lib/firmware" };
	enum { ADMIN_DIRS = 3 };
	char rel_updates[256], rel[256];
	char *admin_dir = NULL;

	memset(fw, 0, sizeof(*fw));
	if (!row)
		return 0;
	firmware_name(row->cpu, fw->name, sizeof(fw->name));
	if (sys->release[0]) {
		snprintf(rel_updates, sizeof(rel_updates), "/lib/firmware/updates/%s",
			 sys->release);
		snprintf(rel, sizeof(rel), "/lib/firmware/%s", sys->release);
		dirs[1] = rel_updates;
		dirs[3] = rel;
	}
	if (sys->fw_path[0])
		dirs[0] = sys->fw_path;
	for (int i = 0; i < 5 && !fw->found; i++) {
		char *p;

		if (!dirs[i])
			continue;
		p = xasprintf("%s%s/%s", sys->root ? sys->root : "", dirs[i], fw->name);
		if (exists(p)) {
			fw->found = p;
			if (i < ADMIN_DIRS)
				admin_dir = xstrdup(dirs[i]);
		} else {
			free(p);
		}
	}
	if (fw->found) {
		struct diags quiet = { 0 };
		uint8_t *data;
		size_t len;
		struct uc_cpu cpu = {
			.vendor = row->cpu->vendor, .sig = row->cpu->sig,
			.pf = row->cpu->pf_known ? row->cpu->pf : 0,
		};
		struct uc_load_result res;

		if (read_file(fw->found, &data, &len, &quiet) == 0) {
			if (!uc_would_load(data, len, UC_INPUT_RAW, &cpu,
					   UC_LINUX_NEWEST, &res)) {
				fw->found_has_rev = true;
				fw->found_rev = res.rev;
				fw->found_gives = res.rev == row->patch->rev;
			}
			free(data);
		}
		diags_free(&quiet);
	}
	/* Ours goes where packages put nothing and the loader looks before
	 * them: the administrator's directory the file was found in, else
	 * updates/. */
	fw->target = xasprintf("%s%s/%s", sys->root ? sys->root : "",
			       admin_dir ? admin_dir : "/lib/firmware/updates",
			       fw->name);
	fw->target_exists = admin_dir != NULL;
	free(admin_dir);
	/* What an interrupted run set aside must not be set aside again
	 * (over itself): that would lose it. */
	{
		char *aside = xasprintf("%s.mkucode-aside", fw->target);
		int r = 0;

		if (exists(aside))
			r = diag_error(d, aside, "an interrupted 'mkucode late' set this "
				       "aside: move it back to %s first; nothing loaded",
				       fw->target);
		free(aside);
		return r;
	}
}

void late_firmware_free(struct late_firmware *fw)
{
	free(fw->found);
	free(fw->target);
	memset(fw, 0, sizeof(*fw));
}

/* mkdir -p of path's directory; the directories made go into made[]
 * (deepest last) so that they can be removed again. */
static int make_dirs(const char *path, char **made, int *n_made, int max)
{
	char *dir = xstrdup(path);
	char *slash = strrchr(dir, '/');

	*n_made = 0;
	if (!slash)
		goto out;
	*slash = '\0';
	for (char *p = dir + 1; ; p++) {
		if (*p != '/' && *p)
			continue;
		char c = *p;

		*p = '\0';
		if (mkdir(dir, 0755) == 0) {
			if (*n_made < max)
				made[(*n_made)++] = xstrdup(dir);
		} else if (errno != EEXIST) {
			int e = errno;

			free(dir);
			errno = e;
			return -1;
		}
		*p = c;
		if (!c)
			break;
	}
out:
	free(dir);
	return 0;
}

static int write_blob(const char *path, const struct blob_out *b)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	uint64_t at = 0;

	if (fd < 0)
		return -1;
	for (size_t i = 0; i < b->n; i++) {
		if (write_all_at(fd, b->pieces[i].data, b->pieces[i].len, at)) {
			int e = errno;

			close(fd);
			unlink(path);
			errno = e;
			return -1;
		}
		at += b->pieces[i].len;
	}
	if (close(fd)) {
		int e = errno;

		unlink(path);
		errno = e;
		return -1;
	}
	return 0;
}

/* "1" to reload (opened as fd), as `echo 1 >reload` does: the kernel's
 * answer is the write's.  0, or an errno value. */
static int write_reload(int fd)
{
	int err = 0;

	if (write(fd, "1\n", 2) != 2)
		err = errno ? errno : EIO;
	if (close(fd) && !err)
		err = errno;
	return err;
}

int late_reload(const struct late_system *sys, const struct late_plan *plan,
		const struct late_firmware *fw, const struct blob_out *blob,
		struct late_result *results, struct diags *d)
{
	struct diags reread = { 0 };
	struct host_cpu *now = NULL;
	size_t n_now = 0;
	char *aside = NULL, *tmp = NULL, *made[8];
	char *reload = under(sys->root, CPU_DIR "/microcode/reload");
	int n_made = 0, err, fd;
	bool placed = false;
	sigset_t block, old;

	/* Opened first: without the right to write it (not root), nothing
	 * is placed and nothing is loaded. */
	fd = open(reload, O_WRONLY | O_CLOEXEC);
	if (fd < 0) {
		diag_sys(d, reload, errno, "cannot open it for writing; nothing loaded");
		free(reload);
		return -1;
	}
	free(reload);

	/* From placing to putting back, an interrupt would leave our file
	 * shadowing the distribution's: hold the usual ones back. */
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGHUP);
	sigaddset(&block, SIGQUIT);
	sigprocmask(SIG_BLOCK, &block, &old);
	if (fw->name[0] && !fw->found_gives) {
		if (make_dirs(fw->target, made, &n_made, 8)) {
			diag_sys(d, fw->target, errno, "cannot make its directory");
			goto undo_dirs;
		}
		tmp = xasprintf("%s.mkucode-new", fw->target);
		unlink(tmp);
		if (write_blob(tmp, blob)) {
			diag_sys(d, tmp, errno, "cannot write");
			goto undo_dirs;
		}
		if (fw->target_exists) {
			aside = xasprintf("%s.mkucode-aside", fw->target);
			if (rename(fw->target, aside)) {
				diag_sys(d, fw->target, errno, "cannot set it aside");
				unlink(tmp);
				goto undo_dirs;
			}
		}
		if (rename(tmp, fw->target)) {
			diag_sys(d, fw->target, errno, "cannot place");
			unlink(tmp);
			if (aside)
				rename(aside, fw->target);
			goto undo_dirs;
		}
		placed = true;
	}

	err = write_reload(fd);
	fd = -1;

	/* What the CPUs run now; a CPU that cannot be read is "unknown". */
	if (host_cpus(sys->root, &now, &n_now, &reread))
		n_now = 0;
	diags_free(&reread);
	for (size_t i = 0; i < plan->n; i++) {
		const struct late_row *row = &plan->rows[i];
		struct late_result *res = &results[i];

		memset(res, 0, sizeof(*res));
		for (size_t j = 0; j < n_now; j++)
			if (now[j].index == row->cpu->index && now[j].rev_known) {
				res->rev = now[j].rev;
				res->rev_known = true;
			}
		if (row->verdict != LATE_UPDATE)
			res->outcome = LATE_STILL;
		else if (err)
			res->outcome = LATE_KERNEL_REFUSED;
		else if (res->rev_known && res->rev == row->patch->rev)
			res->outcome = LATE_DONE;
		else
			res->outcome = LATE_FAILED;
		res->err = err;
	}
	free(now);

	/* The firmware directories as they were: the kernel read the file
	 * during the write, and a later distribution update must not be
	 * shadowed by ours. */
	if (placed && unlink(fw->target))
		diag_sys(d, fw->target, errno, "cannot remove what was placed");
	if (aside && rename(aside, fw->target))
		diag_sys(d, aside, errno, "cannot put it back as %s", fw->target);
	free(aside);
	free(tmp);
	while (n_made > 0) {
		rmdir(made[--n_made]);
		free(made[n_made]);
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	return 0;

undo_dirs:
	close(fd);
	free(tmp);
	free(aside);
	while (n_made > 0) {
		rmdir(made[--n_made]);
		free(made[n_made]);
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	return -1;
}

/* ---- Xen dom0: xen-ucode ---- */

static bool executable_file(const char *p)
{
	struct stat st;

	return stat(p, &st) == 0 && S_ISREG(st.st_mode) && access(p, X_OK) == 0;
}

char *late_find_xen_ucode(const char *root)
{
	/* Debian puts the Xen tools in /usr/lib/xen-VERSION/bin, others in
	 * /usr/lib/xen/bin or /usr/libexec/xen/bin; a wrapper on PATH wins. */
	static const char *const libexec[] = {
		"/usr/lib/xen-*/bin", "/usr/lib/xen/bin", "/usr/libexec/xen/bin",
		"/usr/lib64/xen/bin", NULL,
	};
	const char *path = getenv("PATH");
	char *copy = xstrdup(path && *path ? path : "/usr/sbin:/usr/bin:/sbin:/bin");
	char *save = NULL, *found = NULL;

	for (char *dir = strtok_r(copy, ":", &save); dir && !found;
	     dir = strtok_r(NULL, ":", &save)) {
		char *p;

		if (*dir != '/')
			continue;   /* "" or relative: not a system path */
		p = xasprintf("%s%s/xen-ucode", root ? root : "", dir);
		if (executable_file(p))
			found = p;
		else
			free(p);
	}
	free(copy);
	for (int i = 0; libexec[i] && !found; i++) {
		char *pattern = xasprintf("%s%s/xen-ucode", root ? root : "", libexec[i]);
		glob_t g;

		if (glob(pattern, 0, NULL, &g) == 0) {
			/* The newest version sorts last. */
			for (size_t j = g.gl_pathc; j-- > 0 && !found;)
				if (executable_file(g.gl_pathv[j]))
					found = xstrdup(g.gl_pathv[j]);
			globfree(&g);
		}
		free(pattern);
	}
	return found;
}

int late_xen_ucode(const char *xen_ucode, const struct blob_out *blob,
		   struct diags *d)
{
	const char *tmpdir = getenv("TMPDIR");
	char *tmp = xasprintf("%s/mkucode-late-XXXXXX",
			      tmpdir && *tmpdir ? tmpdir : "/tmp");
	int fd = mkstemp(tmp), status, rc = -1;
	uint64_t at = 0;
	pid_t pid;

	if (fd < 0) {
		diag_sys(d, tmp, errno, "cannot make a temporary file");
		free(tmp);
		return -1;
	}
	for (size_t i = 0; i < blob->n; i++) {
		if (write_all_at(fd, blob->pieces[i].data, blob->pieces[i].len, at)) {
			diag_sys(d, tmp, errno, "cannot write");
			close(fd);
			goto out;
		}
		at += blob->pieces[i].len;
	}
	if (close(fd)) {
		diag_sys(d, tmp, errno, "cannot write");
		goto out;
	}
	pid = fork();
	if (pid < 0) {
		diag_sys(d, xen_ucode, errno, "cannot run");
		goto out;
	}
	if (pid == 0) {
		execl(xen_ucode, xen_ucode, tmp, (char *)NULL);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR) {
			diag_sys(d, xen_ucode, errno, "cannot wait for it");
			goto out;
		}
	rc = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
out:
	unlink(tmp);
	free(tmp);
	return rc;
}

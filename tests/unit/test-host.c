// SPDX-License-Identifier: GPL-2.0-or-later
/* host_cpus(): fake machines under a temporary root, then this machine. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "unit.h"
#include "domain/cpu.h"
#include "util/diag.h"

static char root[1024];

static void mkdirs(const char *path)
{
	char p[4096];

	snprintf(p, sizeof(p), "%s", path);
	for (char *s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		ck_assert_msg(mkdir(p, 0755) == 0 || errno == EEXIST, "mkdir %s: %s",
			      p, strerror(errno));
		*s = '/';
	}
}

/* root/rel with contents, parents created. */
static void put(const char *rel, const void *data, size_t len)
{
	char p[4096];
	FILE *f;

	ck_assert_int_lt(snprintf(p, sizeof(p), "%s/%s", root, rel), (int)sizeof(p));
	mkdirs(p);
	f = fopen(p, "we");
	ck_assert_msg(f != NULL, "%s: %s", p, strerror(errno));
	ck_assert_uint_eq(fwrite(data, 1, len, f), len);
	ck_assert_int_eq(fclose(f), 0);
}

static void puts_(const char *rel, const char *text)
{
	put(rel, text, strlen(text));
}

/* Remove root/rel. */
static void unput(const char *rel)
{
	char p[4096];

	ck_assert_int_lt(snprintf(p, sizeof(p), "%s/%s", root, rel), (int)sizeof(p));
	ck_assert_msg(remove(p) == 0, "%s: %s", p, strerror(errno));
}

static void make_root(void)
{
	const char *tmp = getenv("TMPDIR");

	snprintf(root, sizeof(root), "%s/test-host-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	ck_assert_ptr_nonnull(mkdtemp(root));
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void remove_root(void)
{
	nftw(root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* The only diagnostic is a note, about the run (no file), saying text. */
static void assert_one_note(const struct diags *d, const char *text)
{
	ck_assert_uint_eq(d->n, 1);
	ck_assert_uint_eq(d->errors, 0);
	ck_assert_int_eq(d->v[0].level, DIAG_NOTE);
	ck_assert_ptr_null(d->v[0].file);
	ck_assert(d->v[0].offset == DIAG_NO_OFFSET);
	ck_assert_int_eq(d->v[0].code, 0);
	ck_assert_str_eq(d->v[0].text, text);
}

/* One /proc/cpuinfo processor block; microcode NULL leaves the field out. */
static void cpuinfo_block(char *buf, size_t size, unsigned int proc,
			  const char *vendor, unsigned int family,
			  unsigned int model, unsigned int stepping,
			  const char *microcode)
{
	size_t len = strlen(buf);

	snprintf(buf + len, size - len,
		 "processor\t: %u\n"
		 "vendor_id\t: %s\n"
		 "cpu family\t: %u\n"
		 "model\t\t: %u\n"
		 "model name\t: Some CPU @ 2.00GHz\n"
		 "stepping\t: %u\n"
		 "%s%s%s"
		 "cpu MHz\t\t: 2000.000\n"
		 "flags\t\t: fpu vme de pse tsc msr\n"
		 "\n",
		 proc, vendor, family, model, stepping,
		 microcode ? "microcode\t: " : "", microcode ? microcode : "",
		 microcode ? "\n" : "");
}

/*
 * Intel, 4 CPUs, CPU 2 offline:
 *   cpu0  processor_flags 0x2, version 0xf4
 *   cpu1  no processor_flags,  version 0xf4
 *   cpu3  processor_flags 0x2, no version (cpuinfo's 0xf0 is used)
 */
static void intel_box(void)
{
	char ci[8192] = "";

	puts_("sys/devices/system/cpu/online", "0-1,3\n");
	puts_("sys/devices/system/cpu/possible", "0-3\n");
	for (unsigned int i = 0; i < 4; i++) {
		if (i == 2)
			continue;
		cpuinfo_block(ci, sizeof(ci), i, "GenuineIntel", 6, 158, 10, "0xf0");
	}
	puts_("proc/cpuinfo", ci);
	puts_("sys/devices/system/cpu/cpu0/microcode/processor_flags", "0x2\n");
	puts_("sys/devices/system/cpu/cpu0/microcode/version", "0xf4\n");
	puts_("sys/devices/system/cpu/cpu1/microcode/version", "0xf4\n");
	puts_("sys/devices/system/cpu/cpu2/microcode/processor_flags", "0x40\n");
	puts_("sys/devices/system/cpu/cpu2/microcode/version", "0x1\n");
	puts_("sys/devices/system/cpu/cpu3/microcode/processor_flags", "0x2\n");
}

START_TEST(intel_box_sysfs)
{
	struct host_cpu *c;
	size_t n;
	struct diags d = { 0 };

	intel_box();
	ck_assert_int_eq(host_cpus(root, &c, &n, &d), 0);
	ck_assert_uint_eq(n, 3);

	ck_assert_uint_eq(c[0].index, 0);
	ck_assert_uint_eq(c[1].index, 1);
	ck_assert_uint_eq(c[2].index, 3);
	for (size_t i = 0; i < n; i++) {
		ck_assert(c[i].vendor == UC_VENDOR_INTEL);
		ck_assert_uint_eq(c[i].sig, 0x906ea);
		ck_assert(c[i].rev_known);
	}
	ck_assert(c[0].pf_known);
	ck_assert_uint_eq(c[0].pf, 0x2);
	ck_assert(!c[1].pf_known);
	ck_assert_uint_eq(c[1].pf, 0);
	ck_assert(c[2].pf_known);
	ck_assert_uint_eq(c[2].pf, 0x2);
	ck_assert_uint_eq(c[0].rev, 0xf4); /* sysfs wins over cpuinfo */
	ck_assert_uint_eq(c[1].rev, 0xf4);
	ck_assert_uint_eq(c[2].rev, 0xf0); /* cpuinfo */

	assert_one_note(&d, "--host: platform flags of CPU 1 unreadable: taking "
			"every platform variant (as root, 'modprobe msr' makes "
			"them readable)");
	ck_assert(!c[0].guest && !c[1].guest && !c[2].guest);
	diags_free(&d);

	/* What was found, each kind of CPU once. */
	host_cpus_note(c, n, &d);
	assert_one_note(&d, "--host: CPU 0: intel 06-9e-0a (0x000906ea), pf 0x02, "
			"revision 0x000000f4; CPU 1: intel 06-9e-0a (0x000906ea), "
			"pf unknown, revision 0x000000f4; CPU 3: intel 06-9e-0a "
			"(0x000906ea), pf 0x02, revision 0x000000f0");
	diags_free(&d);
	free(c);
}
END_TEST

/* MSR 0x17 wins over sysfs; several unreadable CPUs make one note. */
START_TEST(intel_box_msr)
{
	struct host_cpu *c;
	size_t n;
	struct diags d = { 0 };
	uint8_t msr[0x17 + 8] = { 0 };
	uint64_t v = (uint64_t)5 << 50 | 0x1234; /* platform id 5 */

	intel_box();
	puts_("sys/devices/system/cpu/online", "0-3\n");
	memcpy(msr + 0x17, &v, sizeof(v));
	put("dev/cpu/0/msr", msr, sizeof(msr));
	put("dev/cpu/3/msr", msr, 0x17 + 4); /* short read: not used */
	{
		char ci[8192] = "";

		for (unsigned int i = 0; i < 4; i++)
			cpuinfo_block(ci, sizeof(ci), i, "GenuineIntel", 6, 142, 9,
				      i == 2 ? NULL : "0xf0");
		puts_("proc/cpuinfo", ci);
	}
	unput("sys/devices/system/cpu/cpu2/microcode/processor_flags");
	unput("sys/devices/system/cpu/cpu2/microcode/version");

	ck_assert_int_eq(host_cpus(root, &c, &n, &d), 0);
	ck_assert_uint_eq(n, 4);
	ck_assert_uint_eq(c[0].sig, 0x806e9);
	ck_assert(c[0].pf_known);
	ck_assert_uint_eq(c[0].pf, 1u << 5);
	ck_assert(!c[1].pf_known);
	ck_assert(!c[2].pf_known);
	ck_assert(c[3].pf_known);
	ck_assert_uint_eq(c[3].pf, 0x2);
	ck_assert(!c[2].rev_known);
	ck_assert_uint_eq(c[2].rev, 0);
	ck_assert_uint_eq(d.n, 2);
	ck_assert_uint_eq(d.errors, 0);
	ck_assert_int_eq(d.v[0].level, DIAG_NOTE);
	ck_assert_str_eq(d.v[0].text, "--host: platform flags of CPUs 1-2 unreadable: "
			 "taking every platform variant (as root, 'modprobe msr' "
			 "makes them readable)");
	ck_assert_int_eq(d.v[1].level, DIAG_NOTE);
	ck_assert_str_eq(d.v[1].text, "--host: current microcode revision of CPU 2 unknown");
	diags_free(&d);
	free(c);
}
END_TEST

/* AMD with nothing but /proc/cpuinfo and the online list. */
START_TEST(amd_box_cpuinfo_only)
{
	struct host_cpu *c;
	size_t n;
	struct diags d = { 0 };
	char ci[8192] = "";

	puts_("sys/devices/system/cpu/online", "0-1\n");
	cpuinfo_block(ci, sizeof(ci), 0, "AuthenticAMD", 25, 33, 2, "0xa201016");
	cpuinfo_block(ci, sizeof(ci), 1, "AuthenticAMD", 25, 33, 2, "0xa201016");
	puts_("proc/cpuinfo", ci);

	ck_assert_int_eq(host_cpus(root, &c, &n, &d), 0);
	ck_assert_uint_eq(n, 2);
	for (size_t i = 0; i < n; i++) {
		ck_assert_uint_eq(c[i].index, i);
		ck_assert(c[i].vendor == UC_VENDOR_AMD);
		ck_assert_uint_eq(c[i].sig, 0x00a20f12);
		ck_assert(c[i].pf_known);
		ck_assert_uint_eq(c[i].pf, 0);
		ck_assert(c[i].rev_known);
		ck_assert_uint_eq(c[i].rev, 0xa201016);
	}
	ck_assert_uint_eq(d.n, 0);
	host_cpus_note(c, n, &d);
	assert_one_note(&d, "--host: CPUs 0-1: amd 19-21-02 (0x00a20f12), "
			"revision 0x0a201016");
	diags_free(&d);
	free(c);
}
END_TEST

START_TEST(amd_box_without_revision)
{
	struct host_cpu *c;
	size_t n;
	struct diags d = { 0 };
	char ci[8192] = "";

	puts_("sys/devices/system/cpu/online", "0-2\n");
	for (unsigned int i = 0; i < 3; i++)
		cpuinfo_block(ci, sizeof(ci), i, "AuthenticAMD", 23, 49, 0, NULL);
	puts_("proc/cpuinfo", ci);

	ck_assert_int_eq(host_cpus(root, &c, &n, &d), 0);
	ck_assert_uint_eq(n, 3);
	ck_assert_uint_eq(c[2].sig, 0x00830f10);
	ck_assert(!c[2].rev_known);
	assert_one_note(&d, "--host: current microcode revision of CPUs 0-2 unknown");
	diags_free(&d);
	free(c);
}
END_TEST

START_TEST(hygon_counts_as_amd)
{
	struct host_cpu *c;
	size_t n;
	struct diags d = { 0 };
	char ci[4096] = "";

	puts_("sys/devices/system/cpu/online", "0\n");
	cpuinfo_block(ci, sizeof(ci), 0, "HygonGenuine", 24, 0, 1, "0x900006");
	puts_("proc/cpuinfo", ci);

	ck_assert_int_eq(host_cpus(root, &c, &n, &d), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert(c[0].vendor == UC_VENDOR_AMD);
	ck_assert_uint_eq(c[0].sig, 0x00900f01);
	assert_one_note(&d, "--host: CPU 0 HygonGenuine: treated as AMD");
	diags_free(&d);
	free(c);
}
END_TEST

/*
 * A guest: "hypervisor" among the flags (a word, not part of one).  When
 * nothing is selected for it, the warning names its CPUs and says why a
 * guest usually gets none.
 */
START_TEST(guest_is_told)
{
	struct host_cpu *c;
	size_t n;
	struct diags d = { 0 };

	puts_("sys/devices/system/cpu/online", "0-1\n");
	puts_("proc/cpuinfo",
	      "processor\t: 0\nvendor_id\t: GenuineIntel\ncpu family\t: 6\n"
	      "model\t\t: 158\nstepping\t: 10\nmicrocode\t: 0xffffffff\n"
	      "flags\t\t: fpu vme hypervisor lahf_lm\n\n"
	      "processor\t: 1\nvendor_id\t: GenuineIntel\ncpu family\t: 6\n"
	      "model\t\t: 158\nstepping\t: 10\nmicrocode\t: 0xffffffff\n"
	      "flags\t\t: fpu nohypervisor hypervisors\n\n");
	puts_("sys/devices/system/cpu/cpu0/microcode/processor_flags", "0x2\n");
	puts_("sys/devices/system/cpu/cpu1/microcode/processor_flags", "0x2\n");
	ck_assert_int_eq(host_cpus(root, &c, &n, &d), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert(c[0].guest);
	ck_assert(!c[1].guest);
	ck_assert_uint_eq(d.n, 0);

	host_cpus_unserved(c, n, &d);
	ck_assert_uint_eq(d.n, 1);
	ck_assert_uint_eq(d.errors, 0);
	ck_assert_int_eq(d.v[0].level, DIAG_WARNING);
	ck_assert_ptr_null(d.v[0].file);
	ck_assert_str_eq(d.v[0].text, "--host: no microcode selected for this "
			 "machine's CPUs (intel 06-9e-0a (0x000906ea), pf 0x02, "
			 "revision 0xffffffff); this machine is a virtual machine "
			 "guest (hypervisor CPU flag): guests usually cannot load "
			 "microcode, the host loads it");
	diags_free(&d);

	/* Bare metal: the CPUs, no guest hint. */
	c[0].guest = false;
	host_cpus_unserved(c, n, &d);
	ck_assert_str_eq(d.v[0].text, "--host: no microcode selected for this "
			 "machine's CPUs (intel 06-9e-0a (0x000906ea), pf 0x02, "
			 "revision 0xffffffff)");
	diags_free(&d);
	free(c);
}
END_TEST

/* Fakes that must fail, each with errno, one error and its errno field
 * (set when a file could not be read). */
static const struct {
	const char *online;     /* NULL: no online file */
	const char *vendor;
	unsigned int cpus_in_cpuinfo;
	int err;
	int sys;
	const char *msg;
} broken[] = {
	{ NULL, "GenuineIntel", 1, ENOENT, ENOENT, "devices/system/cpu/online" },
	{ "", "GenuineIntel", 1, EINVAL, 0, "not a CPU list" },
	{ "0-x\n", "GenuineIntel", 1, EINVAL, 0, "not a CPU list" },
	{ "3-1\n", "GenuineIntel", 4, EINVAL, 0, "not a CPU list" },
	{ "0,,1\n", "GenuineIntel", 2, EINVAL, 0, "not a CPU list" },
	{ "0-99999999\n", "GenuineIntel", 1, EINVAL, 0, "not a CPU list" },
	{ "0-1\n", "GenuineIntel", 1, ENOENT, 0, "no entry for online CPU 1" },
	{ "0\n", "CentaurHauls", 1, ENOTSUP, 0, "\"CentaurHauls\" CPU" },
	{ "0\n", NULL, 1, ENOENT, ENOENT, "cannot read" }, /* no cpuinfo at all */
};

START_TEST(broken_root_fails)
{
	struct host_cpu *c = (struct host_cpu *)1;
	size_t n = 99;
	struct diags d = { 0 };
	char ci[8192] = "";

	puts_("sys/devices/system/cpu/possible", "0\n");
	if (broken[_i].online)
		puts_("sys/devices/system/cpu/online", broken[_i].online);
	if (broken[_i].vendor) {
		for (unsigned int i = 0; i < broken[_i].cpus_in_cpuinfo; i++)
			cpuinfo_block(ci, sizeof(ci), i, broken[_i].vendor, 6, 158,
				      10, "0xf0");
		puts_("proc/cpuinfo", ci);
	}

	errno = 0;
	ck_assert_int_eq(host_cpus(root, &c, &n, &d), -1);
	ck_assert_msg(errno == broken[_i].err, "errno %d (%s), want %d", errno,
		      strerror(errno), broken[_i].err);
	ck_assert_ptr_null(c);
	ck_assert_uint_eq(n, 0);
	ck_assert_uint_eq(d.n, 1);
	ck_assert_uint_eq(d.errors, 1);
	ck_assert_int_eq(d.v[0].level, DIAG_ERROR);
	ck_assert_ptr_null(d.v[0].file);
	ck_assert(d.v[0].offset == DIAG_NO_OFFSET);
	ck_assert_int_eq(d.v[0].sys, broken[_i].sys);
	ck_assert_msg(!strncmp(d.v[0].text, "--host: ", 8) &&
		      strstr(d.v[0].text, broken[_i].msg),
		      "message \"%s\", want \"%s\"", d.v[0].text, broken[_i].msg);
	diags_free(&d);
}
END_TEST

START_TEST(cpuinfo_without_stepping_fails)
{
	struct host_cpu *c;
	size_t n;
	struct diags d = { 0 };

	puts_("sys/devices/system/cpu/online", "0\n");
	puts_("proc/cpuinfo", "processor\t: 0\nvendor_id\t: GenuineIntel\n"
	      "cpu family\t: 6\nmodel\t\t: 158\nstepping\t: unknown\n\n");
	ck_assert_int_eq(host_cpus(root, &c, &n, &d), -1);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_uint_eq(d.errors, 1);
	ck_assert_str_eq(d.v[0].text, "--host: /proc/cpuinfo gives no cpu family, "
			 "model and stepping for CPU 0");
	diags_free(&d);
}
END_TEST

/* This machine (x86): CPUID per CPU, the affinity mask left as it was. */
START_TEST(this_machine)
{
	struct host_cpu *c, *ci;
	size_t n, nci;
	struct diags d = { 0 }, d_ci = { 0 };
	cpu_set_t before, after;

	ck_assert_int_eq(sched_getaffinity(0, sizeof(before), &before), 0);
	ck_assert_int_eq(host_cpus(NULL, &c, &n, &d), 0);
	ck_assert_int_eq(sched_getaffinity(0, sizeof(after), &after), 0);
	ck_assert(CPU_EQUAL(&before, &after));

	ck_assert_uint_ge(n, 1);
	for (size_t i = 0; i < n; i++) {
		ck_assert(c[i].vendor == UC_VENDOR_INTEL || c[i].vendor == UC_VENDOR_AMD);
		ck_assert_uint_ne(c[i].sig, 0);
		ck_assert(c[i].vendor == UC_VENDOR_INTEL || c[i].pf_known);
		if (i)
			ck_assert_uint_gt(c[i].index, c[i - 1].index);
	}
	fprintf(stderr, "this machine: %zu CPUs; CPU %u %s sig 0x%08x pf %s0x%x rev %s0x%x\n"
		"  note: %s\n", n, c[0].index,
		c[0].vendor == UC_VENDOR_INTEL ? "Intel" : "AMD", c[0].sig,
		c[0].pf_known ? "" : "(unknown) ", c[0].pf,
		c[0].rev_known ? "" : "(unknown) ", c[0].rev, d.n ? d.v[0].text : "(none)");
	ck_assert_uint_eq(d.errors, 0);

	/* root "" reads the same machine through /proc/cpuinfo only. */
	if (access("/proc/cpuinfo", R_OK) == 0 &&
	    host_cpus("", &ci, &nci, &d_ci) == 0) {
		ck_assert_uint_eq(nci, n);
		for (size_t i = 0; i < n; i++) {
			ck_assert_uint_eq(ci[i].index, c[i].index);
			ck_assert_uint_eq(ci[i].sig, c[i].sig);
			ck_assert(ci[i].vendor == c[i].vendor);
			ck_assert(ci[i].rev_known == c[i].rev_known);
			ck_assert_uint_eq(ci[i].rev, c[i].rev);
		}
		free(ci);
	}
	diags_free(&d_ci);
	free(c);
	diags_free(&d);
}
END_TEST

static Suite *host_suite(void)
{
	Suite *s = suite_create("host");
	TCase *fake = tcase_create("fake-root");
	TCase *real = tcase_create("this-machine");

	tcase_add_checked_fixture(fake, make_root, remove_root);
	tcase_add_test(fake, intel_box_sysfs);
	tcase_add_test(fake, intel_box_msr);
	tcase_add_test(fake, amd_box_cpuinfo_only);
	tcase_add_test(fake, amd_box_without_revision);
	tcase_add_test(fake, hygon_counts_as_amd);
	tcase_add_test(fake, guest_is_told);
	tcase_add_loop_test(fake, broken_root_fails, 0,
			    (int)(sizeof(broken) / sizeof(broken[0])));
	tcase_add_test(fake, cpuinfo_without_stepping_fails);
	suite_add_tcase(s, fake);
	tcase_add_test(real, this_machine);
	suite_add_tcase(s, real);
	return s;
}

UNIT_MAIN(host_suite)

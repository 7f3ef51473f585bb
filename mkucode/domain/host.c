// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * This machine's CPUs, for --host.
 *
 * Every CPU listed in /sys/devices/system/cpu/online is described from:
 *
 *   vendor, signature  CPUID leaves 0 and 1 executed on that CPU: the calling
 *                      thread is pinned to it with sched_setaffinity and its
 *                      original mask is restored before returning.  When a
 *                      CPU cannot be pinned to (a cpuset, a seccomp filter),
 *                      /proc/cpuinfo's vendor_id, "cpu family", "model" and
 *                      "stepping" of that processor are used instead, and
 *                      the note says so.  HygonGenuine counts as AMD (noted);
 *                      any other vendor is an error (ENOTSUP).
 *   platform flags     Intel only: MSR 0x17 bits 52:50 (pf = 1 << id) read
 *                      from /dev/cpu/N/msr (needs the msr module and root),
 *                      else sysfs cpuN/microcode/processor_flags (already the
 *                      mask), else unknown (pf_known false, noted: callers
 *                      take every platform variant).  AMD has none: pf 0,
 *                      pf_known true.
 *   revision           sysfs cpuN/microcode/version, else the "microcode"
 *                      field of /proc/cpuinfo, else unknown (noted).
 *
 * With root != NULL the running CPU is never asked: no CPUID and no affinity
 * changes.  Every file above is read below root (root/sys/devices/system/cpu/
 * online, root/proc/cpuinfo, root/dev/cpu/N/msr, root/sys/.../microcode/...)
 * and vendor and signature come from root/proc/cpuinfo alone.  Tests fake a
 * machine this way; root "" reads the real files the same way.
 *
 * Nothing is printed: errors and notes go to the caller's diagnostics, each
 * a sentence starting "--host: ".  A CPU whose /proc/cpuinfo flags include
 * "hypervisor" (CPUID(1).ECX bit 31 when CPUID runs) is a guest.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#define HAVE_CPUID 1
#else
#define HAVE_CPUID 0
#endif

#include "domain/cpu.h"
#include "util/diag.h"

/* Far above Linux's largest NR_CPUS (8192); guards against absurd lists. */
#define MAX_CPUS 65536u

#define CPU_DIR "/sys/devices/system/cpu"

/* ---- a growing string for notes and errors ---- */

struct strbuf {
	char *s;
	size_t len;
	bool oom;
};

static void sb_vadd(struct strbuf *b, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));
static void sb_vadd(struct strbuf *b, const char *fmt, va_list ap)
{
	va_list aq;
	int k;
	char *t;

	if (b->oom)
		return;
	va_copy(aq, ap);
	k = vsnprintf(NULL, 0, fmt, aq);
	va_end(aq);
	if (k < 0) {
		b->oom = true;
		return;
	}
	t = realloc(b->s, b->len + (size_t)k + 1);
	if (!t) {
		b->oom = true;
		return;
	}
	b->s = t;
	vsnprintf(b->s + b->len, (size_t)k + 1, fmt, ap);
	b->len += (size_t)k;
}

static void sb_add(struct strbuf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void sb_add(struct strbuf *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	sb_vadd(b, fmt, ap);
	va_end(ap);
}

/* ---- files ---- */

static int rpath(char *buf, size_t size, const char *root, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int rpath(char *buf, size_t size, const char *root, const char *fmt, ...)
{
	va_list ap;
	int k, m;

	k = snprintf(buf, size, "%s", root ? root : "");
	if (k < 0 || (size_t)k >= size)
		goto toolong;
	va_start(ap, fmt);
	m = vsnprintf(buf + k, size - (size_t)k, fmt, ap);
	va_end(ap);
	if (m < 0 || (size_t)m >= size - (size_t)k)
		goto toolong;
	return 0;
toolong:
	errno = ENAMETOOLONG;
	return -1;
}

/* A small text file, NUL-terminated; 0 or -1 with errno. */
static int read_small(const char *path, char *buf, size_t size)
{
	size_t got = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	while (got < size - 1) {
		ssize_t r = read(fd, buf + got, size - 1 - got);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			int e = errno;
			close(fd);
			errno = e;
			return -1;
		}
		if (r == 0)
			break;
		got += (size_t)r;
	}
	close(fd);
	buf[got] = '\0';
	return 0;
}

/* "0x1f\n", "1f": a whole string as a 32-bit hex number. */
static bool parse_hex32(const char *s, uint32_t *v)
{
	uint64_t acc = 0;
	const char *start;

	while (*s == ' ' || *s == '\t')
		s++;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		s += 2;
	start = s;
	for (int d; (d = hex_digit(*s)) >= 0; s++) {
		acc = acc * 16 + (unsigned int)d;
		if (acc > UINT32_MAX)
			return false;
	}
	if (s == start)
		return false;
	while (*s == ' ' || *s == '\t' || *s == '\n')
		s++;
	if (*s)
		return false;
	*v = (uint32_t)acc;
	return true;
}

/* Decimal digits at *p, advancing it; false when none or too big. */
static bool parse_dec(const char **p, unsigned int *v)
{
	const char *s = *p;
	unsigned long acc = 0;

	if (*s < '0' || *s > '9')
		return false;
	for (; *s >= '0' && *s <= '9'; s++) {
		acc = acc * 10 + (unsigned int)(*s - '0');
		if (acc > UINT32_MAX)
			return false;
	}
	*v = (unsigned int)acc;
	*p = s;
	return true;
}

/* root/sys/devices/system/cpu/cpuN/microcode/NAME as a hex number. */
static bool microcode_attr(const char *root, unsigned int cpu, const char *name,
			   uint32_t *v)
{
	char path[4096], buf[64];

	if (rpath(path, sizeof(path), root, CPU_DIR "/cpu%u/microcode/%s", cpu,
		  name) < 0 ||
	    read_small(path, buf, sizeof(buf)) < 0)
		return false;
	return parse_hex32(buf, v);
}

/* ---- /sys/devices/system/cpu/online ---- */

static int cmp_uint(const void *a, const void *b)
{
	unsigned int x = *(const unsigned int *)a, y = *(const unsigned int *)b;

	return x < y ? -1 : x > y;
}

/* "0-3,8\n" into a sorted, duplicate-free array. */
static int parse_cpu_list(const char *s, unsigned int **out, size_t *n)
{
	unsigned int *v = NULL;
	size_t k = 0, cap = 0;

	while (*s && *s != '\n') {
		unsigned int a, b;

		if (!parse_dec(&s, &a))
			goto bad;
		b = a;
		if (*s == '-') {
			s++;
			if (!parse_dec(&s, &b) || b < a)
				goto bad;
		}
		if (b >= MAX_CPUS)
			goto bad;
		for (unsigned int c = a; c <= b; c++) {
			if (k == cap) {
				size_t nc = cap ? cap * 2 : 64;
				unsigned int *t;

				if (nc > MAX_CPUS)
					nc = MAX_CPUS;
				if (k == nc)
					goto bad;
				t = realloc(v, nc * sizeof(*v));
				if (!t) {
					free(v);
					return -1; /* errno ENOMEM */
				}
				v = t;
				cap = nc;
			}
			v[k++] = c;
		}
		if (*s == ',')
			s++;
		else if (*s && *s != '\n')
			goto bad;
	}
	if (*s == '\n')
		s++;
	if (*s || k == 0)
		goto bad;
	qsort(v, k, sizeof(*v), cmp_uint);
	{
		size_t w = 1;

		for (size_t i = 1; i < k; i++)
			if (v[i] != v[w - 1])
				v[w++] = v[i];
		k = w;
	}
	*out = v;
	*n = k;
	return 0;
bad:
	free(v);
	errno = EINVAL;
	return -1;
}

/* ---- /proc/cpuinfo ---- */

struct cpuinfo_rec {
	unsigned int proc;
	char vendor[16]; /* "" when absent */
	bool have_family, have_model, have_stepping, have_rev;
	bool hypervisor;         /* "hypervisor" among its flags */
	unsigned int family, model, stepping;
	uint32_t rev;
};

static int cmp_rec(const void *a, const void *b)
{
	const struct cpuinfo_rec *x = a, *y = b;

	return x->proc < y->proc ? -1 : x->proc > y->proc;
}

static char *trim_right(char *s, char *end)
{
	while (end > s && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\n'))
		end--;
	*end = '\0';
	return s;
}

/* Is word one of the blank-separated words of list? */
static bool has_word(const char *list, const char *word)
{
	size_t n = strlen(word);

	for (const char *p = list; (p = strstr(p, word)); p += n)
		if ((p == list || p[-1] == ' ' || p[-1] == '\t') &&
		    (p[n] == '\0' || p[n] == ' ' || p[n] == '\t'))
			return true;
	return false;
}

static bool dec_field(const char *val, unsigned int *v)
{
	return parse_dec(&val, v) && *val == '\0';
}

/* Records sorted by processor number; 0 or -1 with errno. */
static int read_cpuinfo(const char *path, struct cpuinfo_rec **out, size_t *n)
{
	FILE *f = fopen(path, "re");
	struct cpuinfo_rec *v = NULL, *cur = NULL;
	size_t k = 0, cap = 0, linecap = 0;
	char *line = NULL;
	ssize_t len;

	if (!f)
		return -1;
	while ((len = getline(&line, &linecap, f)) >= 0) {
		char *colon = strchr(line, ':'), *key, *val;

		if (!colon)
			continue;
		key = trim_right(line, colon);
		val = colon + 1;
		while (*val == ' ' || *val == '\t')
			val++;
		trim_right(val, line + len);

		if (strcmp(key, "processor") == 0) {
			if (k == cap) {
				size_t nc = cap ? cap * 2 : 16;
				struct cpuinfo_rec *t;

				if (nc > MAX_CPUS || !(t = realloc(v, nc * sizeof(*v)))) {
					int e = nc > MAX_CPUS ? EFBIG : errno;

					free(v);
					free(line);
					fclose(f);
					errno = e;
					return -1;
				}
				v = t;
				cap = nc;
			}
			cur = &v[k++];
			memset(cur, 0, sizeof(*cur));
			if (!dec_field(val, &cur->proc)) {
				k--; /* not a number: ignore this record */
				cur = NULL;
			}
			continue;
		}
		if (!cur)
			continue;
		if (strcmp(key, "vendor_id") == 0) {
			snprintf(cur->vendor, sizeof(cur->vendor), "%s", val);
		} else if (strcmp(key, "cpu family") == 0) {
			cur->have_family = dec_field(val, &cur->family);
		} else if (strcmp(key, "model") == 0) {
			cur->have_model = dec_field(val, &cur->model);
		} else if (strcmp(key, "stepping") == 0) {
			cur->have_stepping = dec_field(val, &cur->stepping);
		} else if (strcmp(key, "microcode") == 0) {
			cur->have_rev = parse_hex32(val, &cur->rev);
		} else if (strcmp(key, "flags") == 0) {
			cur->hypervisor = has_word(val, "hypervisor");
		}
	}
	free(line);
	fclose(f);
	if (k)
		qsort(v, k, sizeof(*v), cmp_rec);
	*out = v;
	*n = k;
	return 0;
}

static const struct cpuinfo_rec *find_rec(const struct cpuinfo_rec *v, size_t n,
					  unsigned int proc)
{
	struct cpuinfo_rec key = { .proc = proc };

	if (!n)
		return NULL;
	return bsearch(&key, v, n, sizeof(*v), cmp_rec);
}

/* ---- CPUID on a chosen CPU ---- */

struct pin {
	cpu_set_t *orig; /* NULL: pinning unavailable */
	size_t nbits, size;
	int err;         /* why pinning is unavailable */
};

static void pin_init(struct pin *p, unsigned int max_cpu)
{
	size_t nbits = max_cpu + 1u < 1024u ? 1024u : max_cpu + 1u;

	memset(p, 0, sizeof(*p));
	for (;;) {
		cpu_set_t *s = CPU_ALLOC(nbits);
		size_t size = CPU_ALLOC_SIZE(nbits);

		if (!s) {
			p->err = errno;
			return;
		}
		if (sched_getaffinity(0, size, s) == 0) {
			p->orig = s;
			p->nbits = nbits;
			p->size = size;
			return;
		}
		p->err = errno;
		CPU_FREE(s);
		/* EINVAL: the kernel's mask is larger than ours. */
		if (p->err != EINVAL || nbits >= (size_t)1 << 22)
			return;
		nbits *= 2;
	}
}

static int pin_to(const struct pin *p, unsigned int cpu)
{
	cpu_set_t *s;
	int r, e;

	if (cpu >= p->nbits) {
		errno = EINVAL;
		return -1;
	}
	s = CPU_ALLOC(p->nbits);
	if (!s)
		return -1;
	CPU_ZERO_S(p->size, s);
	CPU_SET_S(cpu, p->size, s);
	r = sched_setaffinity(0, p->size, s);
	e = errno;
	CPU_FREE(s);
	if (r < 0) {
		errno = e;
		return -1;
	}
	/* The kernel migrates the caller before returning; make sure. */
	if (sched_getcpu() != (int)cpu) {
		errno = EAGAIN;
		return -1;
	}
	return 0;
}

/* Restore the original mask; 0 or -1 with errno. */
static int pin_done(struct pin *p, bool pinned)
{
	int r = 0;

	if (!p->orig)
		return 0;
	if (pinned && sched_setaffinity(0, p->size, p->orig) < 0)
		r = -1;
	CPU_FREE(p->orig);
	p->orig = NULL;
	return r;
}

/* CPUID leaves 0 and 1 on the CPU we run on. */
static bool cpuid_here(char vendor[13], uint32_t *sig, bool *guest)
{
#if HAVE_CPUID
	unsigned int a, b, c, d;

	if (!__get_cpuid(0, &a, &b, &c, &d) || a < 1)
		return false;
	memcpy(vendor, &b, 4);
	memcpy(vendor + 4, &d, 4);
	memcpy(vendor + 8, &c, 4);
	vendor[12] = '\0';
	if (!__get_cpuid(1, &a, &b, &c, &d))
		return false;
	*sig = a;
	*guest = c >> 31;
	return true;
#else
	(void)vendor;
	(void)sig;
	(void)guest;
	return false;
#endif
}

/* ---- platform flags ---- */

#define MSR_IA32_PLATFORM_ID 0x17

static bool msr_pf(const char *root, unsigned int cpu, uint32_t *pf)
{
	char path[4096];
	uint64_t v;
	int fd;
	ssize_t r;

	if (rpath(path, sizeof(path), root, "/dev/cpu/%u/msr", cpu) < 0)
		return false;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	r = pread(fd, &v, sizeof(v), MSR_IA32_PLATFORM_ID);
	close(fd);
	if (r != (ssize_t)sizeof(v))
		return false;
	*pf = 1u << ((v >> 50) & 7);
	return true;
}

static bool sysfs_pf(const char *root, unsigned int cpu, uint32_t *pf)
{
	uint32_t v;

	if (!microcode_attr(root, cpu, "processor_flags", &v) || v > 0xff)
		return false;
	*pf = v;
	return true;
}

/* ---- notes ---- */

/* " 3" or "s 0-2,5": the CPUs whose flag is set, after the word "CPU". */
static void add_cpu_list(struct strbuf *b, const struct host_cpu *c,
			 const bool *flag, size_t n)
{
	size_t count = 0;
	bool first = true;

	for (size_t i = 0; i < n; i++)
		count += flag[i];
	sb_add(b, count == 1 ? " " : "s ");
	for (size_t i = 0; i < n;) {
		size_t j;

		if (!flag[i]) {
			i++;
			continue;
		}
		/* a run of consecutive CPU numbers, all flagged */
		for (j = i; j + 1 < n && flag[j + 1] &&
			    c[j + 1].index == c[j].index + 1; j++)
			;
		sb_add(b, "%s%u", first ? "" : ",", c[i].index);
		if (j > i)
			sb_add(b, "-%u", c[j].index);
		first = false;
		i = j + 1;
	}
}

static bool any(const bool *flag, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (flag[i])
			return true;
	return false;
}

/* ---- the whole machine ---- */

/* The sentence in b as a note, then b emptied. */
static void flush_note(struct strbuf *b, struct diags *d)
{
	if (b->len && !b->oom)
		diag_note(d, NULL, "--host: %s", b->s);
	free(b->s);
	memset(b, 0, sizeof(*b));
}

int host_cpus(const char *root, struct host_cpu **cpus, size_t *n,
	      struct diags *d)
{
	char path[4096], buf[8192];
	unsigned int *online = NULL;
	size_t nonline = 0, nrec = 0;
	struct cpuinfo_rec *rec = NULL;
	int cpuinfo_errno = 0;
	struct host_cpu *out = NULL;
	bool *fallback = NULL, *hygon = NULL, *nopf = NULL, *norev = NULL;
	struct strbuf msg = { 0 };
	struct pin pin = { 0 };
	bool use_cpuid = root == NULL && HAVE_CPUID, pinned = false;
	int fallback_errno = 0, err = 0;

	*cpus = NULL;
	*n = 0;

	if (rpath(path, sizeof(path), root, CPU_DIR "/online") < 0 ||
	    read_small(path, buf, sizeof(buf)) < 0) {
		err = errno;
		diag_add(d, DIAG_ERROR, NULL, DIAG_NO_OFFSET, 0, err,
			 "--host: cannot read %s", path);
		goto fail;
	}
	if (parse_cpu_list(buf, &online, &nonline) < 0) {
		err = errno;
		if (err == EINVAL)
			diag_error(d, NULL, "--host: %s is not a CPU list: \"%.40s\"",
				   path, trim_right(buf, buf + strlen(buf)));
		else
			diag_add(d, DIAG_ERROR, NULL, DIAG_NO_OFFSET, 0, err,
				 "--host: reading %s", path);
		goto fail;
	}

	if (rpath(path, sizeof(path), root, "/proc/cpuinfo") < 0 ||
	    read_cpuinfo(path, &rec, &nrec) < 0)
		cpuinfo_errno = errno;

	out = calloc(nonline, sizeof(*out));
	fallback = calloc(nonline, sizeof(*fallback));
	hygon = calloc(nonline, sizeof(*hygon));
	nopf = calloc(nonline, sizeof(*nopf));
	norev = calloc(nonline, sizeof(*norev));
	if (!out || !fallback || !hygon || !nopf || !norev) {
		err = ENOMEM;
		diag_add(d, DIAG_ERROR, NULL, DIAG_NO_OFFSET, 0, err, "--host");
		goto fail;
	}

	if (use_cpuid) {
		pin_init(&pin, online[nonline - 1]);
		if (!pin.orig)
			fallback_errno = pin.err;
	}

	for (size_t i = 0; i < nonline; i++) {
		struct host_cpu *c = &out[i];
		unsigned int cpu = online[i];
		const struct cpuinfo_rec *r = find_rec(rec, nrec, cpu);
		char vendor[16] = "";
		bool have_sig = false;
		char what[64];

		c->index = cpu;
		if (use_cpuid) {
			if (pin.orig) {
				if (pin_to(&pin, cpu) == 0) {
					pinned = true;
					have_sig = cpuid_here(vendor, &c->sig, &c->guest);
					if (!have_sig)
						fallback_errno = ENOTSUP;
				} else {
					pinned = true; /* may have moved: restore */
					fallback_errno = errno;
				}
			}
			fallback[i] = !have_sig;
		}
		if (!have_sig) {
			if (!r) {
				err = cpuinfo_errno ? cpuinfo_errno : ENOENT;
				if (rpath(path, sizeof(path), root, "/proc/cpuinfo") < 0)
					snprintf(path, sizeof(path), "/proc/cpuinfo");
				if (cpuinfo_errno)
					diag_add(d, DIAG_ERROR, NULL, DIAG_NO_OFFSET,
						 0, cpuinfo_errno,
						 "--host: cannot read %s", path);
				else
					diag_error(d, NULL, "--host: %s has no entry "
						   "for online CPU %u", path, cpu);
				goto fail;
			}
			if (!r->have_family || !r->have_model || !r->have_stepping) {
				err = EINVAL;
				diag_error(d, NULL, "--host: /proc/cpuinfo gives no "
					   "cpu family, model and stepping for "
					   "CPU %u", cpu);
				goto fail;
			}
			snprintf(what, sizeof(what),
				 "--host: CPU %u in /proc/cpuinfo", cpu);
			if (cpu_sig_from_fms(r->family, r->model, r->stepping,
					     &c->sig, what, d) < 0) {
				err = EINVAL;
				goto fail;
			}
			snprintf(vendor, sizeof(vendor), "%s", r->vendor);
			c->guest = r->hypervisor;
		}

		if (strcmp(vendor, "GenuineIntel") == 0) {
			c->vendor = UC_VENDOR_INTEL;
		} else if (strcmp(vendor, "AuthenticAMD") == 0) {
			c->vendor = UC_VENDOR_AMD;
		} else if (strcmp(vendor, "HygonGenuine") == 0) {
			c->vendor = UC_VENDOR_AMD;
			hygon[i] = true;
		} else {
			err = ENOTSUP;
			diag_error(d, NULL, "--host: CPU %u is %s%s%s: mkucode "
				   "handles Intel and AMD microcode only", cpu,
				   vendor[0] ? "a \"" : "of unknown vendor",
				   vendor, vendor[0] ? "\" CPU" : "");
			goto fail;
		}

		if (c->vendor == UC_VENDOR_INTEL) {
			c->pf_known = msr_pf(root, cpu, &c->pf) ||
				      sysfs_pf(root, cpu, &c->pf);
			if (!c->pf_known)
				c->pf = 0;
			nopf[i] = !c->pf_known;
		} else {
			c->pf = 0;
			c->pf_known = true;
		}

		if (microcode_attr(root, cpu, "version", &c->rev)) {
			c->rev_known = true;
		} else if (r && r->have_rev) {
			c->rev = r->rev;
			c->rev_known = true;
		} else {
			c->rev = 0;
			norev[i] = true;
		}
	}

	if (pin_done(&pin, pinned) < 0)
		diag_add(d, DIAG_NOTE, NULL, DIAG_NO_OFFSET, 0, errno,
			 "--host: could not restore the CPU affinity");

	if (any(fallback, nonline)) {
		sb_add(&msg, "could not run CPUID on CPU");
		add_cpu_list(&msg, out, fallback, nonline);
		sb_add(&msg, " (%s): vendor and signature taken from /proc/cpuinfo",
		       fallback_errno == ENOTSUP ? "CPUID leaf 1 unavailable"
						 : strerror(fallback_errno));
		flush_note(&msg, d);
	}
	if (any(hygon, nonline)) {
		sb_add(&msg, "CPU");
		add_cpu_list(&msg, out, hygon, nonline);
		sb_add(&msg, " HygonGenuine: treated as AMD");
		flush_note(&msg, d);
	}
	if (any(nopf, nonline)) {
		sb_add(&msg, "platform flags of CPU");
		add_cpu_list(&msg, out, nopf, nonline);
		sb_add(&msg, " unreadable: taking every platform variant "
		       "(as root, 'modprobe msr' makes them readable)");
		flush_note(&msg, d);
	}
	if (any(norev, nonline)) {
		sb_add(&msg, "current microcode revision of CPU");
		add_cpu_list(&msg, out, norev, nonline);
		sb_add(&msg, " unknown");
		flush_note(&msg, d);
	}

	free(online);
	free(rec);
	free(fallback);
	free(hygon);
	free(nopf);
	free(norev);
	*cpus = out;
	*n = nonline;
	return 0;

fail:
	pin_done(&pin, pinned);
	free(online);
	free(rec);
	free(out);
	free(fallback);
	free(hygon);
	free(nopf);
	free(norev);
	free(msg.s);
	errno = err ? err : EIO;
	return -1;
}

/* "intel 06-9e-0a (0x000906ea), pf 0x02, revision 0x000000f4" */
static void describe(struct strbuf *b, const struct host_cpu *c)
{
	char fms[16];

	cpu_sig_fms(c->sig, fms, sizeof(fms));
	sb_add(b, "%s %s (%#010x)", c->vendor == UC_VENDOR_INTEL ? "intel" : "amd",
	       fms, c->sig);
	if (c->vendor == UC_VENDOR_INTEL) {
		if (c->pf_known)
			sb_add(b, ", pf %#04x", c->pf);
		else
			sb_add(b, ", pf unknown");
	}
	if (c->rev_known)
		sb_add(b, ", revision %#010x", c->rev);
	else
		sb_add(b, ", revision unknown");
}

static bool same_cpu(const struct host_cpu *a, const struct host_cpu *b)
{
	return a->vendor == b->vendor && a->sig == b->sig &&
	       a->pf_known == b->pf_known && a->pf == b->pf &&
	       a->rev_known == b->rev_known && a->rev == b->rev;
}

/* Each kind of CPU in cpus once, joined by "; ", with_numbers: after the
 * CPUs of that kind ("CPUs 0-3: "). */
static void describe_kinds(struct strbuf *b, const struct host_cpu *cpus,
			   size_t n, bool with_numbers)
{
	bool *kind = calloc(n ? n : 1, sizeof(*kind));
	bool first = true;

	if (!kind) {
		b->oom = true;
		return;
	}
	for (size_t i = 0; i < n; i++) {
		bool seen = false;

		for (size_t j = 0; j < i && !seen; j++)
			seen = same_cpu(&cpus[j], &cpus[i]);
		if (seen)
			continue;
		for (size_t j = 0; j < n; j++)
			kind[j] = same_cpu(&cpus[j], &cpus[i]);
		if (!first)
			sb_add(b, "; ");
		first = false;
		if (with_numbers) {
			sb_add(b, "CPU");
			add_cpu_list(b, cpus, kind, n);
			sb_add(b, ": ");
		}
		describe(b, &cpus[i]);
	}
	free(kind);
}

void host_cpus_note(const struct host_cpu *cpus, size_t n, struct diags *d)
{
	struct strbuf b = { 0 };

	describe_kinds(&b, cpus, n, true);
	flush_note(&b, d);
}

void host_cpus_unserved(const struct host_cpu *cpus, size_t n, struct diags *d)
{
	struct strbuf b = { 0 };
	bool guest = false;

	for (size_t i = 0; i < n; i++)
		guest |= cpus[i].guest;
	sb_add(&b, "no microcode selected for this machine's CPUs (");
	describe_kinds(&b, cpus, n, false);
	sb_add(&b, ")%s", guest ? "; this machine is a virtual machine guest "
		"(hypervisor CPU flag): guests usually cannot load microcode, "
		"the host loads it" : "");
	if (!b.oom)
		diag_warning(d, NULL, "--host: %s", b.s);
	free(b.s);
}

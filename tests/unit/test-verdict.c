// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The verdict model without the command: rows, per-loader answers,
 * problems (code, file, offset, loaders), status and diagnostics, on ucgen
 * fixtures.  Offsets are found by a newc walk of the test's own.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "unit.h"
#include "ucgen.h"
#include "cpio/cpio.h"
#include "domain/verdict.h"
#include "util/diag.h"
#include "util/exit.h"

#define ALL (VERDICT_BIT(UC_LINUX_6_1) | VERDICT_BIT(UC_LINUX_NEWEST) | \
	     VERDICT_BIT(UC_XEN_4_17) | VERDICT_BIT(UC_XEN_NEWER))

static char dir[64];

static void make_dir(void)
{
	snprintf(dir, sizeof(dir), "/tmp/test-verdict.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void remove_dir(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
}

static const char *write_file(const char *name, const struct ucgen_buf *b)
{
	static char paths[4][128];
	static unsigned int next;
	char *path = paths[next++ % 4];
	FILE *f;

	snprintf(path, sizeof(paths[0]), "%s/%s", dir, name);
	f = fopen(path, "wb");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(b->data, 1, b->len, f), b->len);
	ck_assert_int_eq(fclose(f), 0);
	return path;
}

static uint32_t hex8(const uint8_t *p)
{
	char s[9];

	memcpy(s, p, 8);
	s[8] = 0;
	return (uint32_t)strtoul(s, NULL, 16);
}

/* Offset of the header (or data) of the first member called name. */
static size_t member_off(const struct ucgen_buf *b, const char *name, bool data)
{
	size_t off = 0;

	while (off + 110 <= b->len) {
		uint32_t namesize, filesize;
		size_t d;

		if (!memcmp(b->data + off, "\0\0\0\0", 4)) {
			off += 4;
			continue;
		}
		ck_assert(!memcmp(b->data + off, "070701", 6));
		filesize = hex8(b->data + off + 6 + 6 * 8);
		namesize = hex8(b->data + off + 6 + 11 * 8);
		d = (off + 110 + namesize + 3) & ~(size_t)3;
		if (!strcmp((const char *)b->data + off + 110, name))
			return data ? d : off;
		off = (d + filesize + 3) & ~(size_t)3;
	}
	ck_abort_msg("no member %s", name);
	return 0;
}

static void intel_806c1(struct ucgen_buf *b)
{
	struct ucgen_intel u = { .sig = 0x806c1, .pf = 0x80, .rev = 0xb4,
				 .datasize = 2000, .fill_seed = 5 };

	ck_assert_int_eq(ucgen_intel(&u, b), 0);
}

/* An early cpio holding blob as GenuineIntel.bin; data 16-aligned or not. */
static void early_cpio(const struct ucgen_buf *blob, bool aligned,
		       struct ucgen_buf *out)
{
	const struct ucgen_cpio_entry e[] = {
		{ "kernel", 040755, NULL, 0 },
		{ "kernel/x86", 040755, NULL, 0 },
		{ "kernel/x86/microcode", 040755, NULL, 0 },
		{ UC_CPIO_PATH_INTEL, 0100644, blob->data, blob->len },
	};
	struct ucgen_cpio_opts o = { .data_align = aligned ? 16 : 0 };

	ck_assert_int_eq(ucgen_cpio(e, 4, &o, out), 0);
}

static const struct verdict_cpu cpu_806c1 = {
	{ UC_VENDOR_INTEL, 0x806c1, 0x80, 0 }, true, false,
};

static void run(const struct early_input *files, size_t n, bool xen_only,
		const struct verdict_cpu *cpus, size_t n_cpus,
		struct verdict *v, struct diags *d)
{
	struct verdict_query q = { files, n, xen_only, cpus, n_cpus };

	ck_assert_int_eq(verdict_run(&q, v, d), 0);
}

static void assert_loads(const struct verdict_row *w, unsigned int loaders,
			 uint32_t rev)
{
	for (size_t k = 0; k < VERDICT_LOADERS; k++) {
		const struct verdict_answer *a = &w->loader[k];
		bool want = loaders & VERDICT_BIT(verdict_loaders[k]);

		ck_assert_int_eq(a->counts, want);
		if (want) {
			ck_assert_msg(!a->err, "%s: %s", uc_consumer_name(verdict_loaders[k]),
				      a->why ? a->why : uc_errname(a->err));
			ck_assert_uint_eq(a->rev, rev);
			ck_assert_ptr_null(a->why);
		}
	}
}

/* GNU cpio's layout: the Intel data off 16-byte alignment; every loader
 * loads, the problem names its exact data offset; 4.  Read by name and
 * from an open descriptor alike. */
START_TEST(misaligned_intel_member)
{
	struct ucgen_buf blob = { 0 }, img = { 0 };
	struct verdict v;
	struct diags d = { 0 };
	struct early_input f;
	size_t data;

	intel_806c1(&blob);
	early_cpio(&blob, false, &img);
	data = member_off(&img, UC_CPIO_PATH_INTEL, true);
	ck_assert_uint_ne(data % 16, 0);
	f = (struct early_input){ .path = write_file("gnu.cpio", &img), .fd = -1 };
	for (int by_fd = 0; by_fd < 2; by_fd++) {
		if (by_fd)
			ck_assert_int_ge(f.fd = open(f.path, O_RDONLY), 0);
		run(&f, 1, false, &cpu_806c1, 1, &v, &d);
		ck_assert_int_eq(v.kind, UC_INPUT_CPIO);
		ck_assert_int_eq(v.status, EXIT_SHOULD_FIX);
		ck_assert_uint_eq(d.errors, 0);
		ck_assert_uint_eq(v.n_rows, 1);
		assert_loads(&v.rows[0], ALL, 0xb4);
		ck_assert_int_eq(v.rows[0].status, EXIT_SHOULD_FIX);
		ck_assert_uint_eq(v.rows[0].n_problems, 1);
		ck_assert_int_eq(v.rows[0].problems[0].code, -UC_ERR_MISALIGNED);
		ck_assert_str_eq(v.rows[0].problems[0].file, f.path);
		ck_assert_uint_eq(v.rows[0].problems[0].offset, data);
		ck_assert_uint_eq(v.rows[0].problems[0].loaders, ALL);
		ck_assert_str_eq(v.rows[0].problems[0].message,
				 uc_strerror(-UC_ERR_MISALIGNED));
		verdict_free(&v);
		diags_free(&d);
	}
	ck_assert_int_eq(close(f.fd), 0);
	ucgen_buf_free(&blob);
	ucgen_buf_free(&img);
}
END_TEST

/* The aligned cpio is clean: 0, no problem, no diagnostic. */
START_TEST(aligned_is_clean)
{
	struct ucgen_buf blob = { 0 }, img = { 0 };
	struct verdict v;
	struct diags d = { 0 };
	struct early_input f;

	intel_806c1(&blob);
	early_cpio(&blob, true, &img);
	f = (struct early_input){ .path = write_file("aligned.cpio", &img), .fd = -1 };
	run(&f, 1, false, &cpu_806c1, 1, &v, &d);
	ck_assert_int_eq(v.status, EXIT_OK);
	ck_assert_uint_eq(v.rows[0].n_problems, 0);
	ck_assert_uint_eq(d.n, 0);
	assert_loads(&v.rows[0], ALL, 0xb4);
	verdict_free(&v);
	ucgen_buf_free(&blob);
	ucgen_buf_free(&img);
}
END_TEST

/* GRUB's `initrd early.cpio initrd.img`: the separate early image shadows
 * the one prepended to the initrd, whose copy is never read: a problem in
 * the second file at its own offset; 4. */
START_TEST(shadowing_early_image)
{
	static const uint8_t gz[] = { 0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 2, 3,
				      'n', 'o', 't', ' ', 'r', 'e', 'a', 'd' };
	struct ucgen_buf blob = { 0 }, early = { 0 }, initrd = { 0 };
	struct verdict v;
	struct diags d = { 0 };
	struct early_input f[2];
	size_t header;

	intel_806c1(&blob);
	early_cpio(&blob, true, &early);
	early_cpio(&blob, true, &initrd);
	for (int i = 0; i < 20; i++)
		ck_assert_int_eq(ucgen_buf_append(&initrd, gz, sizeof(gz)), 0);
	header = member_off(&initrd, UC_CPIO_PATH_INTEL, false);
	f[0] = (struct early_input){ .path = write_file("early.cpio", &early), .fd = -1 };
	f[1] = (struct early_input){ .path = write_file("initrd.img", &initrd), .fd = -1 };
	run(f, 2, false, &cpu_806c1, 1, &v, &d);
	ck_assert_int_eq(v.status, EXIT_SHOULD_FIX);
	ck_assert_uint_eq(d.errors, 0);
	ck_assert_uint_eq(v.n_rows, 1);
	assert_loads(&v.rows[0], ALL, 0xb4);
	ck_assert_uint_eq(v.rows[0].n_problems, 1);
	ck_assert_int_eq(v.rows[0].problems[0].code, -UC_ERR_DUPLICATE_MEMBER);
	ck_assert_str_eq(v.rows[0].problems[0].file, f[1].path);
	ck_assert_uint_eq(v.rows[0].problems[0].offset, header);
	ck_assert_uint_eq(v.rows[0].problems[0].loaders, ALL);
	verdict_free(&v);
	diags_free(&d);

	/* The other order: the loaders stop at the compressed data and never
	 * reach the early image, whose copy is the dead one. */
	f[0] = (struct early_input){ .path = write_file("initrd.img", &initrd), .fd = -1 };
	f[1] = (struct early_input){ .path = write_file("early.cpio", &early), .fd = -1 };
	run(f, 2, false, &cpu_806c1, 1, &v, &d);
	ck_assert_int_eq(v.status, EXIT_SHOULD_FIX);
	assert_loads(&v.rows[0], ALL, 0xb4);
	ck_assert_uint_eq(v.rows[0].n_problems, 1);
	ck_assert_int_eq(v.rows[0].problems[0].code, -UC_ERR_DUPLICATE_MEMBER);
	ck_assert_str_eq(v.rows[0].problems[0].file, f[1].path);
	ck_assert_uint_eq(v.rows[0].problems[0].offset,
			  member_off(&early, UC_CPIO_PATH_INTEL, false));
	/* And a note says where they stop: at the initrd's compressed data. */
	ck_assert_uint_eq(d.n, 1);
	ck_assert_int_eq(d.v[0].level, DIAG_NOTE);
	ck_assert_str_eq(d.v[0].file, f[0].path);
	verdict_free(&v);
	diags_free(&d);
	ucgen_buf_free(&blob);
	ucgen_buf_free(&early);
	ucgen_buf_free(&initrd);
}
END_TEST

/* A CPU the image has nothing for: 3, whatever the others get; each
 * loader that counts says why. */
START_TEST(cpu_with_nothing)
{
	const struct verdict_cpu cpus[2] = {
		cpu_806c1, { { UC_VENDOR_INTEL, 0x906ec, 0x01, 0 }, true, false },
	};
	struct ucgen_buf blob = { 0 }, img = { 0 };
	struct verdict v;
	struct diags d = { 0 };
	struct early_input f;

	intel_806c1(&blob);
	early_cpio(&blob, true, &img);
	f = (struct early_input){ .path = write_file("one.cpio", &img), .fd = -1 };
	run(&f, 1, false, cpus, 2, &v, &d);
	ck_assert_int_eq(v.status, EXIT_NO_MICROCODE);
	ck_assert_uint_eq(v.n_rows, 2);
	ck_assert_int_eq(v.rows[0].status, EXIT_OK);
	ck_assert_int_eq(v.rows[1].status, EXIT_NO_MICROCODE);
	ck_assert_uint_eq(v.rows[1].asked, 1);
	for (size_t k = 0; k < VERDICT_LOADERS; k++) {
		ck_assert(v.rows[1].loader[k].counts);
		ck_assert_int_eq(v.rows[1].loader[k].err, -UC_ERR_NO_MATCH);
		ck_assert_str_eq(v.rows[1].loader[k].why, uc_strerror(-UC_ERR_NO_MATCH));
	}
	verdict_free(&v);
	diags_free(&d);
	ucgen_buf_free(&blob);
	ucgen_buf_free(&img);
}
END_TEST

/* A raw vendor file is a Xen module of its own: only Xen's answer counts
 * (Linux's are not asked), a note says so; 0. */
START_TEST(raw_file_is_xen_only)
{
	struct ucgen_buf blob = { 0 };
	struct verdict v;
	struct diags d = { 0 };
	struct early_input f;

	intel_806c1(&blob);
	f = (struct early_input){ .path = write_file("GenuineIntel.bin", &blob), .fd = -1 };
	run(&f, 1, false, &cpu_806c1, 1, &v, &d);
	ck_assert_int_eq(v.kind, UC_INPUT_RAW);
	ck_assert_int_eq(v.status, EXIT_OK);
	assert_loads(&v.rows[0], VERDICT_BIT(UC_XEN_4_17) | VERDICT_BIT(UC_XEN_NEWER),
		     0xb4);
	ck_assert_uint_eq(d.n, 1);
	ck_assert_int_eq(d.v[0].level, DIAG_NOTE);
	ck_assert_str_eq(d.v[0].file, f.path);
	verdict_free(&v);
	diags_free(&d);
	ucgen_buf_free(&blob);
}
END_TEST

/* A raw file cannot be joined with initrds: an error, no verdict. */
START_TEST(raw_file_not_joined)
{
	struct ucgen_buf blob = { 0 }, img = { 0 };
	struct verdict v;
	struct diags d = { 0 };
	struct early_input f[2];
	struct verdict_query q = { f, 2, false, &cpu_806c1, 1 };

	intel_806c1(&blob);
	early_cpio(&blob, true, &img);
	f[0] = (struct early_input){ .path = write_file("GenuineIntel.bin", &blob), .fd = -1 };
	f[1] = (struct early_input){ .path = write_file("early.cpio", &img), .fd = -1 };
	ck_assert_int_eq(verdict_run(&q, &v, &d), -1);
	ck_assert_int_eq(v.status, EXIT_ERROR);
	ck_assert_uint_eq(v.n_rows, 0);
	ck_assert_uint_eq(d.errors, 1);
	ck_assert_str_eq(d.v[0].file, f[0].path);
	verdict_free(&v);
	diags_free(&d);
	ucgen_buf_free(&blob);
	ucgen_buf_free(&img);
}
END_TEST

/* A Xen entry: only Xen counts, also for an initrd; a Linux-only defect
 * would not matter, and the answer is Xen's. */
START_TEST(xen_entry_counts_xen_only)
{
	struct ucgen_buf blob = { 0 }, img = { 0 };
	struct verdict v;
	struct diags d = { 0 };
	struct early_input f;

	intel_806c1(&blob);
	early_cpio(&blob, false, &img);
	f = (struct early_input){ .path = write_file("gnu.cpio", &img), .fd = -1 };
	run(&f, 1, true, &cpu_806c1, 1, &v, &d);
	ck_assert_int_eq(v.kind, UC_INPUT_CPIO);
	assert_loads(&v.rows[0], VERDICT_BIT(UC_XEN_4_17) | VERDICT_BIT(UC_XEN_NEWER),
		     0xb4);
	/* The misalignment is every loader's: here Xen's. */
	ck_assert_int_eq(v.status, EXIT_SHOULD_FIX);
	ck_assert_uint_eq(v.rows[0].n_problems, 1);
	ck_assert_uint_eq(v.rows[0].problems[0].loaders,
			  VERDICT_BIT(UC_XEN_4_17) | VERDICT_BIT(UC_XEN_NEWER));
	verdict_free(&v);
	diags_free(&d);
	ucgen_buf_free(&blob);
	ucgen_buf_free(&img);
}
END_TEST

/* A broken cpio header: the rows stand, the status is 1, the error names
 * the header's offset and the core's code. */
START_TEST(malformed_is_an_error)
{
	const struct ucgen_cpio_entry e[] = {
		{ "kernel", 040755, NULL, 0 },
		{ UC_CPIO_PATH_INTEL, 0100644, NULL, 0 },
	};
	struct ucgen_cpio_opts o = { .data_align = 16, .defect = UCGEN_CPIO_BAD_HEX,
				     .defect_index = 1 };
	struct ucgen_buf blob = { 0 }, img = { 0 }, good = { 0 };
	struct ucgen_cpio_entry e2[2];
	struct verdict v;
	struct diags d = { 0 };
	struct early_input f;
	const struct diag *g;
	size_t header;

	intel_806c1(&blob);
	memcpy(e2, e, sizeof(e));
	e2[1].data = blob.data;
	e2[1].size = blob.len;
	ck_assert_int_eq(ucgen_cpio(e2, 2, &o, &img), 0);
	o.defect = UCGEN_CPIO_VALID;
	ck_assert_int_eq(ucgen_cpio(e2, 2, &o, &good), 0);
	header = member_off(&good, UC_CPIO_PATH_INTEL, false);
	f = (struct early_input){ .path = write_file("badhex.cpio", &img), .fd = -1 };
	run(&f, 1, false, &cpu_806c1, 1, &v, &d);
	ck_assert_int_eq(v.status, EXIT_ERROR);
	ck_assert_uint_eq(v.n_rows, 1);
	g = diag_first_error(&d);
	ck_assert_ptr_nonnull(g);
	ck_assert_str_eq(g->file, f.path);
	ck_assert_uint_eq(g->offset, header);
	ck_assert_int_eq(g->code, -UC_ERR_CPIO_BAD_HEX);
	verdict_free(&v);
	diags_free(&d);
	ucgen_buf_free(&blob);
	ucgen_buf_free(&img);
	ucgen_buf_free(&good);
}
END_TEST

/* ---- a pipe, spooled, answers as the file ---- */

static uint32_t seed;

static uint32_t rnd(uint32_t n)
{
	seed = seed * 1103515245u + 12345u;
	return (seed >> 8) % n;
}

/* n bytes of non-zero filler. */
static void filler(struct ucgen_buf *b, size_t n)
{
	uint8_t chunk[4096];

	for (size_t i = 0; i < sizeof(chunk); i++)
		chunk[i] = (uint8_t)(1 + (i * 7 + seed) % 251);
	while (n) {
		size_t k = n < sizeof(chunk) ? n : sizeof(chunk);

		ck_assert_int_eq(ucgen_buf_append(b, chunk, k), 0);
		n -= k;
	}
}

/*
 * A random stream: archives of members the loaders skip (some longer
 * than the spool's window of 256 KiB), vendor files (one of them long),
 * names near the window's length, padding words (some whose first byte
 * only is zero), then compressed data, junk or nothing; sometimes cut
 * short inside a member; sometimes no cpio at all (raw, text).
 */
static void random_stream(struct ucgen_buf *b)
{
	static const uint8_t gz[] = { 0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 2, 3 };
	static char long_name[8000];
	struct ucgen_buf intel = { 0 }, big = { 0 }, amd = { 0 }, junk = { 0 };
	struct ucgen_intel is = { .sig = 0x806c1, .pf = 0x80, .rev = 0xb4 };
	struct ucgen_intel bs = { .sig = 0x906ea, .pf = 0x22, .rev = 0xf4,
				  .datasize = 300u << 10 };
	struct ucgen_amd as = { 0 };
	unsigned int archives = 1 + rnd(3);

	memset(long_name, 'n', sizeof(long_name) - 1);
	is.fill_seed = rnd(100);
	ck_assert_int_eq(ucgen_intel(&is, &intel), 0);
	ck_assert_int_eq(ucgen_intel(&bs, &big), 0);
	as.n_equiv = 1;
	as.equiv[0].installed_cpu = 0x00a20f12;
	as.n_patch = 1;
	as.patch[0].patch_id = 0x0a201205;
	ck_assert_int_eq(ucgen_amd(&as, &amd), 0);
	filler(&junk, (400u << 10) + rnd(4096));

	switch (rnd(8)) {
	case 0:         /* a raw Intel file longer than the window */
		ck_assert_int_eq(ucgen_buf_append(b, big.data, big.len), 0);
		goto done;
	case 1:         /* text, or zero words first */
		if (rnd(2)) {
			static const uint8_t w[8] = { 0, 'a', 'b', 'c', 0, 0, 0, 0 };

			ck_assert_int_eq(ucgen_buf_append(b, w, sizeof(w)), 0);
		}
		filler(b, rnd(2) ? 100 : (300u << 10));
		goto done;
	default:
		break;
	}
	for (unsigned int a = 0; a < archives; a++) {
		struct ucgen_cpio_entry e[8];
		struct ucgen_cpio_opts o = { .data_align = rnd(2) ? 16 : 0 };
		unsigned int n = 1 + rnd(6);

		for (unsigned int i = 0; i < n; i++) {
			switch (rnd(9)) {
			case 0: e[i] = (struct ucgen_cpio_entry){ "kernel/x86/microcode", 040755, NULL, 0 }; break;
			case 1: e[i] = (struct ucgen_cpio_entry){ "usr/lib/big", 0100644, junk.data, junk.len }; break;
			case 2: e[i] = (struct ucgen_cpio_entry){ "etc/small", 0100644, junk.data, rnd(100) }; break;
			case 3: e[i] = (struct ucgen_cpio_entry){ UC_CPIO_PATH_INTEL, 0100644, intel.data, intel.len }; break;
			case 4: e[i] = (struct ucgen_cpio_entry){ UC_CPIO_PATH_INTEL, 0100644, big.data, big.len }; break;
			case 5: e[i] = (struct ucgen_cpio_entry){ UC_CPIO_PATH_AMD, 0100644, amd.data, amd.len }; break;
			case 6: e[i] = (struct ucgen_cpio_entry){ long_name, 0100644, junk.data, rnd(40) }; break;
			case 7: e[i] = (struct ucgen_cpio_entry){ UC_CPIO_PATH_INTEL ".old", 0100644, big.data, big.len }; break;
			default: e[i] = (struct ucgen_cpio_entry){ "kernel", 040755, NULL, 0 }; break;
			}
		}
		o.no_trailer = !rnd(6);
		ck_assert_int_eq(ucgen_cpio(e, n, &o, b), 0);
		if (!rnd(3)) {
			/* Padding: whole zero words, or zero first bytes only. */
			static const uint8_t w[4] = { 0, 1, 2, 3 };
			uint8_t z[512] = { 0 };

			if (rnd(2))
				ck_assert_int_eq(ucgen_buf_append(b, w, 4), 0);
			ck_assert_int_eq(ucgen_buf_append(b, z, 4 * rnd(128)), 0);
		}
	}
	switch (rnd(4)) {
	case 0:
		ck_assert_int_eq(ucgen_buf_append(b, gz, sizeof(gz)), 0);
		filler(b, rnd(2) ? 50 : (600u << 10));
		break;
	case 1:
		filler(b, 1 + rnd(200));
		break;
	case 2:         /* cut short, maybe inside a member */
		b->len -= rnd((uint32_t)(b->len / 2));
		break;
	default:
		break;
	}
done:
	ucgen_buf_free(&intel);
	ucgen_buf_free(&big);
	ucgen_buf_free(&amd);
	ucgen_buf_free(&junk);
}

/* A pipe with b's bytes in it, written by a child; the read end. */
static int pipe_of(const struct ucgen_buf *b, pid_t *child)
{
	int p[2];

	ck_assert_int_eq(pipe(p), 0);
	*child = fork();
	ck_assert_int_ge(*child, 0);
	if (!*child) {
		size_t off = 0;

		close(p[0]);
		while (off < b->len) {
			ssize_t k = write(p[1], b->data + off, b->len - off);

			if (k <= 0)
				_exit(1);
			off += (size_t)k;
		}
		_exit(0);
	}
	close(p[1]);
	return p[0];
}

static void assert_same(const struct verdict *a, const struct verdict *b,
			const struct diags *da, const struct diags *db)
{
	ck_assert_int_eq(b->status, a->status);
	ck_assert_int_eq(b->kind, a->kind);
	ck_assert_uint_eq(b->n_rows, a->n_rows);
	for (size_t i = 0; i < a->n_rows; i++) {
		const struct verdict_row *x = &a->rows[i], *y = &b->rows[i];

		ck_assert(!memcmp(&x->cpu, &y->cpu, sizeof(x->cpu)));
		ck_assert_int_eq(y->status, x->status);
		for (size_t k = 0; k < VERDICT_LOADERS; k++) {
			ck_assert_int_eq(y->loader[k].err, x->loader[k].err);
			ck_assert_uint_eq(y->loader[k].rev, x->loader[k].rev);
			ck_assert_str_eq(y->loader[k].why ? y->loader[k].why : "-",
					 x->loader[k].why ? x->loader[k].why : "-");
		}
		ck_assert_uint_eq(y->n_problems, x->n_problems);
		for (size_t j = 0; j < x->n_problems; j++) {
			ck_assert_int_eq(y->problems[j].code, x->problems[j].code);
			ck_assert_uint_eq(y->problems[j].offset, x->problems[j].offset);
			ck_assert_uint_eq(y->problems[j].loaders, x->problems[j].loaders);
			ck_assert_str_eq(y->problems[j].message, x->problems[j].message);
		}
	}
	ck_assert_uint_eq(db->n, da->n);
	for (size_t i = 0; i < da->n; i++) {
		char la[4096], lb[4096];

		diag_format(&da->v[i], "t", la, sizeof(la));
		diag_format(&db->v[i], "t", lb, sizeof(lb));
		ck_assert_str_eq(lb, la);
	}
}

START_TEST(spooled_pipe_answers_as_the_file)
{
	const struct verdict_cpu cpus[] = {
		cpu_806c1,
		{ { UC_VENDOR_INTEL, 0x906ea, 0, 0 }, false, false },
		{ { UC_VENDOR_AMD, 0x00a20f12, 0, 0 }, false, false },
	};

	seed = 1;
	for (int round = 0; round < 120; round++) {
		struct ucgen_buf b = { 0 };
		struct verdict vf, vp;
		struct diags df = { 0 }, dp = { 0 };
		struct early_input f;
		struct verdict_query q = { &f, 1, false, cpus, 3 };
		int rf, rp, status;
		pid_t child;

		random_stream(&b);
		f = (struct early_input){ .path = write_file("stream", &b), .fd = -1 };
		rf = verdict_run(&q, &vf, &df);
		f.fd = pipe_of(&b, &child);
		{
			int copy = verdict_spool(f.fd, f.path, &dp);

			ck_assert_int_ge(copy, 0);
			close(f.fd);
			f.fd = copy;
		}
		ck_assert_int_eq(waitpid(child, &status, 0), child);
		/* The writer is never cut off: the stream is read to its end. */
		ck_assert_msg(WIFEXITED(status) && !WEXITSTATUS(status), "round %d", round);
		rp = verdict_run(&q, &vp, &dp);
		ck_assert_msg(rp == rf, "round %d: %d, file %d", round, rp, rf);
		assert_same(&vf, &vp, &df, &dp);
		ck_assert_int_eq(close(f.fd), 0);
		verdict_free(&vf);
		verdict_free(&vp);
		diags_free(&df);
		diags_free(&dp);
		ucgen_buf_free(&b);
	}
}
END_TEST

static Suite *verdict_suite(void)
{
	Suite *s = suite_create("verdict");
	TCase *tc = tcase_create("verdict");

	tcase_add_checked_fixture(tc, make_dir, remove_dir);
	tcase_add_test(tc, misaligned_intel_member);
	tcase_add_test(tc, aligned_is_clean);
	tcase_add_test(tc, shadowing_early_image);
	tcase_add_test(tc, cpu_with_nothing);
	tcase_add_test(tc, raw_file_is_xen_only);
	tcase_add_test(tc, raw_file_not_joined);
	tcase_add_test(tc, xen_entry_counts_xen_only);
	tcase_add_test(tc, malformed_is_an_error);
	tcase_add_test(tc, spooled_pipe_answers_as_the_file);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(verdict_suite)

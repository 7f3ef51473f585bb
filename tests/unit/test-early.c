// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The early part read in bounded steps must answer as the whole image:
 * on random images (archives of members the loaders ignore, vendor files,
 * shadowing and unreachable names, cpio defects, padding, what follows),
 * whole or split into several files, the core's scanner, validator and
 * "what would load" give the same results on the buffer early_read()
 * builds, with offsets mapped back by early_locate(), as on the whole.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "unit.h"
#include "ucgen.h"
#include "cpio/cpio.h"
#include "domain/early.h"
#include "loaders/load.h"
#include "validate/check.h"

static uint32_t seed;

static uint32_t rnd(uint32_t n)
{
	seed = seed * 1103515245u + 12345u;
	return (seed >> 8) % n;
}

struct issues {
	struct uc_issue v[64];
	size_t n;
};

static void collect(void *ctx, const struct uc_issue *is)
{
	struct issues *s = ctx;

	if (s->n < 64)
		s->v[s->n++] = *is;
}

static uint64_t stream_off(const struct early_part *ep, size_t off)
{
	uint64_t foff;
	size_t f = early_locate(ep, off, &foff);

	return ep->files[f].start + foff;
}

/* One random image into b; returns how many archives it has. */
static void make_image(struct ucgen_buf *b)
{
	struct ucgen_buf intel = { 0 }, amd = { 0 };
	struct ucgen_intel is = { .sig = 0x806c1, .pf = 0x80, .rev = 0xb4 };
	struct ucgen_amd as = { 0 };
	static const uint8_t junk[40] = "some file data that nobody looks at...";
	unsigned int archives = 1 + rnd(3);
	static char long_name[6000];

	/* Longer than what is read first for a header and its name. */
	memset(long_name, 'n', sizeof(long_name) - 1);

	is.fill_seed = rnd(100);
	ck_assert_int_eq(ucgen_intel(&is, &intel), 0);
	is.sig = 0x906ea;
	is.pf = 0x22;
	ck_assert_int_eq(ucgen_intel(&is, &intel), 0);
	as.n_equiv = 1;
	as.equiv[0].installed_cpu = 0x00a20f12;
	as.n_patch = 1;
	as.patch[0].patch_id = 0x0a201205;
	ck_assert_int_eq(ucgen_amd(&as, &amd), 0);

	for (unsigned int a = 0; a < archives; a++) {
		struct ucgen_cpio_entry e[8];
		struct ucgen_cpio_opts o = { 0 };
		unsigned int n = 1 + rnd(6);

		for (unsigned int i = 0; i < n; i++) {
			switch (rnd(10)) {
			case 9: e[i] = (struct ucgen_cpio_entry){ long_name, 0100644, junk, rnd(40) }; break;
			case 0: e[i] = (struct ucgen_cpio_entry){ "kernel", 040755, NULL, 0 }; break;
			case 1: e[i] = (struct ucgen_cpio_entry){ "kernel/x86/microcode", 040755, NULL, 0 }; break;
			case 2:
			case 3: e[i] = (struct ucgen_cpio_entry){ "etc/some/file", 0100644, junk, rnd(40) }; break;
			case 4: e[i] = (struct ucgen_cpio_entry){ UC_CPIO_PATH_INTEL, 0100644, intel.data, intel.len }; break;
			case 5: e[i] = (struct ucgen_cpio_entry){ UC_CPIO_PATH_AMD, 0100644, amd.data, amd.len }; break;
			case 6: e[i] = (struct ucgen_cpio_entry){ UC_CPIO_PATH_INTEL ".old", 0100644, intel.data, 2048 }; break;
			case 7: e[i] = (struct ucgen_cpio_entry){ "./" UC_CPIO_PATH_AMD, 0100644, amd.data, amd.len }; break;
			default: e[i] = (struct ucgen_cpio_entry){ UC_CPIO_PATH_INTEL, 040755, NULL, 0 }; break;
			}
		}
		o.data_align = rnd(2) ? 16 : 0;
		o.pad_to = rnd(3) ? 0 : 512;
		o.no_trailer = !rnd(6);
		if (!rnd(4)) {
			o.defect = 1 + rnd(UCGEN_CPIO_DEFECT_MAX - 1);
			o.defect_index = rnd(n + 1);
		}
		/* Some defects need a trailer or a file; then none. */
		if (ucgen_cpio(e, n, &o, b)) {
			o.defect = UCGEN_CPIO_VALID;
			ck_assert_int_eq(ucgen_cpio(e, n, &o, b), 0);
		}
		if (!rnd(4)) {
			uint8_t z[64] = { 0 };

			ucgen_buf_append(b, z, 4 * rnd(16));
		}
	}
	switch (rnd(4)) {
	case 0: {
		static const uint8_t gz[] = { 0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 2, 3 };

		ucgen_buf_append(b, gz, sizeof(gz));
		ucgen_buf_append(b, junk, sizeof(junk));
		for (unsigned int i = 0; i < 100; i++)
			ucgen_buf_append(b, junk, sizeof(junk));
		break;
	}
	case 1: {
		uint8_t z[300] = { 0 };

		ucgen_buf_append(b, z, rnd(300));
		break;
	}
	case 2:
		ucgen_buf_append(b, junk, 1 + rnd(39));
		break;
	default:
		break;
	}
	ucgen_buf_free(&intel);
	ucgen_buf_free(&amd);
}

static const struct uc_cpu cpus[] = {
	{ UC_VENDOR_INTEL, 0x806c1, 0x80, 0 },
	{ UC_VENDOR_INTEL, 0x906ea, 0x02, 0 },
	{ UC_VENDOR_INTEL, 0x906ea, 0x01, 0xff },
	{ UC_VENDOR_AMD, 0x00a20f12, 0, 0 },
};

/* Results on the whole image and on the early part, compared. */
static void compare(const uint8_t *img, size_t len, const struct early_part *ep)
{
	struct issues whole = { .n = 0 }, part = { .n = 0 };
	struct uc_cpio_layout lw, lp;

	uc_check_image(img, len, collect, &whole);
	uc_check_image(ep->buf, ep->len, collect, &part);
	ck_assert_uint_eq(whole.n, part.n);
	for (size_t i = 0; i < whole.n; i++) {
		ck_assert_uc(part.v[i].err, whole.v[i].err);
		ck_assert_uint_eq(stream_off(ep, part.v[i].offset), whole.v[i].offset);
		ck_assert_int_eq(part.v[i].consumer, whole.v[i].consumer);
	}
	uc_cpio_layout(img, len, &lw);
	uc_cpio_layout(ep->buf, ep->len, &lp);
	ck_assert_uc(lp.stop, lw.stop);
	ck_assert_uc(lp.broken, lw.broken);
	ck_assert_uint_eq(stream_off(ep, lp.stop_offset), lw.stop_offset);
	ck_assert_uint_eq(ep->stop, lw.stop_offset);
	for (size_t c = 0; c < sizeof(cpus) / sizeof(cpus[0]); c++) {
		for (int k = 0; k < UC_CONSUMER_MAX; k++) {
			struct uc_load_result rw, rp;
			int ew = uc_would_load(img, len, UC_INPUT_CPIO, &cpus[c], k, &rw);
			int ep_ = uc_would_load(ep->buf, ep->len, UC_INPUT_CPIO, &cpus[c],
						k, &rp);

			ck_assert_uc(ep_, ew);
			ck_assert_uint_eq(rp.rev, rw.rev);
			ck_assert_uc(rp.file_err, rw.file_err);
			if (rw.file_err)
				ck_assert_uint_eq(stream_off(ep, rp.file_err_offset),
						  rw.file_err_offset);
			if (!ew)
				ck_assert_uint_eq(stream_off(ep, rp.patch_offset),
						  rw.patch_offset);
		}
	}
}

static void write_file(const char *path, const uint8_t *p, size_t n)
{
	FILE *f = fopen(path, "wb");

	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(p, 1, n, f), n);
	ck_assert_int_eq(fclose(f), 0);
}

START_TEST(test_random_images)
{
	char dir[] = "/tmp/test-early-XXXXXX", a[64], b[64];

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(a, sizeof(a), "%s/a", dir);
	snprintf(b, sizeof(b), "%s/b", dir);
	for (uint32_t round = 0; round < 3000; round++) {
		struct ucgen_buf img = { 0 };
		const char *paths[2] = { a, b };
		struct early_opts o = { round & 1, (size_t)64 << 20 };
		struct early_part ep;
		struct diags d = { 0 };
		size_t split;

		seed = round;
		make_image(&img);
		/* Split at a multiple of 4: joined, the kernel sees the same. */
		split = img.len ? (rnd((uint32_t)img.len + 1)) & ~(size_t)3 : 0;
		if (rnd(2)) {
			write_file(a, img.data, img.len);
			ck_assert_int_eq(early_read(&ep, paths, 1, &o, &d), 0);
		} else {
			write_file(a, img.data, split);
			write_file(b, img.data + split, img.len - split);
			ck_assert_int_eq(early_read(&ep, paths, 2, &o, &d), 0);
		}
		ck_assert_uint_eq(ep.total, img.len);
		compare(img.data, img.len, &ep);
		if (o.verbatim)
			ck_assert_mem_eq(ep.buf, img.data, ep.len);
		early_free(&ep);
		diags_free(&d);
		ucgen_buf_free(&img);
	}
	unlink(a);
	unlink(b);
	rmdir(dir);
}
END_TEST

/* A file not a multiple of 4 is padded with zeros before the next. */
START_TEST(test_join_pads_to_4)
{
	char dir[] = "/tmp/test-early-XXXXXX", a[64], b[64];
	struct ucgen_buf one = { 0 }, two = { 0 };
	struct ucgen_cpio_entry e = { "x", 0100644, "abc", 3 };
	const char *paths[2] = { a, b };
	struct early_opts o = { false, (size_t)1 << 20 };
	struct early_part ep;
	struct diags d = { 0 };
	uint64_t off;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(a, sizeof(a), "%s/a", dir);
	snprintf(b, sizeof(b), "%s/b", dir);
	ck_assert_int_eq(ucgen_cpio(&e, 1, NULL, &one), 0);
	ucgen_buf_append(&one, "\0\0", 2);      /* 2 bytes past a multiple of 4 */
	e.name = UC_CPIO_PATH_INTEL;
	ck_assert_int_eq(ucgen_cpio(&e, 1, NULL, &two), 0);
	write_file(a, one.data, one.len);
	write_file(b, two.data, two.len);
	ck_assert_int_eq(early_read(&ep, paths, 2, &o, &d), 0);
	ck_assert_uint_eq(ep.files[1].start, (one.len + 3) & ~(size_t)3);
	ck_assert_uint_eq(ep.total, ep.files[1].start + two.len);
	ck_assert_uint_eq(ep.stop, ep.total);
	{
		struct uc_cpio_entry f;

		ck_assert_int_eq(uc_cpio_find(ep.buf, ep.len, UC_CPIO_PATH_INTEL, &f), 0);
		ck_assert_uint_eq(early_locate(&ep, f.offset, &off), 1);
		ck_assert_uint_eq(off, 0);
	}
	early_free(&ep);
	ucgen_buf_free(&one);
	ucgen_buf_free(&two);
	unlink(a);
	unlink(b);
	rmdir(dir);
}
END_TEST

/*
 * A long name that the window read so far holds only part of: read again
 * from its header, not refused.  The header sits 5000 bytes before the end
 * of the first 256 KiB window; the name is 6000 bytes.
 */
START_TEST(test_long_name_at_window_end)
{
	char dir[] = "/tmp/test-early-XXXXXX", a[64];
	static uint8_t pad[257028];
	static char name[6000];
	struct ucgen_buf img = { 0 }, intel = { 0 };
	struct ucgen_intel is = { .sig = 0x806c1, .pf = 0x80, .rev = 0xb4 };
	struct ucgen_cpio_entry e[3] = {
		{ "pad", 0100644, pad, sizeof(pad) },
		{ name, 0100644, "x", 1 },
		{ UC_CPIO_PATH_INTEL, 0100644, NULL, 0 },
	};
	const char *paths[1] = { a };
	struct early_opts o = { false, (size_t)1 << 20 };
	struct early_part ep;
	struct diags d = { 0 };

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(a, sizeof(a), "%s/a", dir);
	memset(name, 'n', sizeof(name) - 1);
	ck_assert_int_eq(ucgen_intel(&is, &intel), 0);
	e[2].data = intel.data;
	e[2].size = intel.len;
	ck_assert_int_eq(ucgen_cpio(e, 3, NULL, &img), 0);
	write_file(a, img.data, img.len);
	ck_assert_int_eq(early_read(&ep, paths, 1, &o, &d), 0);
	compare(img.data, img.len, &ep);
	ck_assert_uint_eq(ep.entries, 4);
	early_free(&ep);
	diags_free(&d);
	ucgen_buf_free(&img);
	ucgen_buf_free(&intel);
	unlink(a);
	rmdir(dir);
}
END_TEST

/* A name longer than a window is refused, not read without bound. */
START_TEST(test_name_too_long)
{
	char dir[] = "/tmp/test-early-XXXXXX", a[64];
	static char name[300 << 10];
	struct ucgen_buf img = { 0 };
	struct ucgen_cpio_entry e = { name, 0100644, "x", 1 };
	const char *paths[1] = { a };
	struct early_opts o = { false, (size_t)1 << 20 };
	struct early_part ep;
	struct diags d = { 0 };

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(a, sizeof(a), "%s/a", dir);
	memset(name, 'n', sizeof(name) - 1);
	ck_assert_int_eq(ucgen_cpio(&e, 1, NULL, &img), 0);
	write_file(a, img.data, img.len);
	ck_assert_int_eq(early_read(&ep, paths, 1, &o, &d), -1);
	ck_assert_uint_eq(d.errors, 1);
	ck_assert_uint_eq(d.v[0].offset, 0);
	ck_assert_ptr_nonnull(strstr(d.v[0].text, "name longer than"));
	diags_free(&d);
	ucgen_buf_free(&img);
	unlink(a);
	rmdir(dir);
}
END_TEST

/* Past o->max: EARLY_TOO_BIG, so a caller can skip the file. */
START_TEST(test_too_big)
{
	char dir[] = "/tmp/test-early-XXXXXX", a[64];
	static uint8_t data[8192];
	struct ucgen_buf img = { 0 };
	struct ucgen_cpio_entry e = { UC_CPIO_PATH_INTEL, 0100644, data, sizeof(data) };
	const char *paths[1] = { a };
	struct early_opts o = { false, 4096 };
	struct early_part ep;
	struct diags d = { 0 };

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(a, sizeof(a), "%s/a", dir);
	ck_assert_int_eq(ucgen_cpio(&e, 1, NULL, &img), 0);
	write_file(a, img.data, img.len);
	ck_assert_int_eq(early_read(&ep, paths, 1, &o, &d), EARLY_TOO_BIG);
	ck_assert_uint_eq(d.errors, 1);
	o.max = 1 << 20;
	ck_assert_int_eq(early_read(&ep, paths, 1, &o, &d), 0);
	early_free(&ep);
	diags_free(&d);
	ucgen_buf_free(&img);
	unlink(a);
	rmdir(dir);
}
END_TEST

/*
 * Parts of one file (a UKI's .ucode and .initrd sections) joined as
 * systemd-stub joins them: each read at its offset, padded to 4, offsets
 * reported in the whole file; a part past the file's end is an error.
 */
START_TEST(test_parts_of_a_file)
{
	char dir[] = "/tmp/test-early-XXXXXX", a[64];
	struct ucgen_buf img = { 0 }, one = { 0 }, two = { 0 };
	struct ucgen_cpio_entry e = { "x", 0100644, "abc", 3 };
	struct early_opts o = { false, (size_t)1 << 20 };
	struct early_input in[2];
	struct early_part ep;
	struct diags d = { 0 };
	struct uc_cpio_entry f;
	uint64_t off, at1, at2;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(a, sizeof(a), "%s/uki.efi", dir);
	ck_assert_int_eq(ucgen_cpio(&e, 1, NULL, &one), 0);
	ucgen_buf_append(&one, "\0\0", 2);
	e.name = UC_CPIO_PATH_INTEL;
	ck_assert_int_eq(ucgen_cpio(&e, 1, NULL, &two), 0);
	/* MZ junk, part one, junk that is no cpio, part two, junk. */
	ucgen_buf_append(&img, "MZ headers and code.", 20);
	at1 = img.len;
	ucgen_buf_append(&img, one.data, one.len);
	ucgen_buf_append(&img, "\x7f" "ELF and more", 13);
	at2 = img.len;
	ucgen_buf_append(&img, two.data, two.len);
	ucgen_buf_append(&img, "trailing junk", 13);
	write_file(a, img.data, img.len);

	in[0] = (struct early_input){ .path = a, .fd = -1, .part = true,
				      .offset = at1, .size = one.len };
	in[1] = (struct early_input){ .path = a, .fd = -1, .part = true,
				      .offset = at2, .size = two.len };
	ck_assert_int_eq(early_read_inputs(&ep, in, 2, &o, &d), 0);
	ck_assert_uint_eq(d.n, 0);
	ck_assert_uint_eq(ep.files[1].start, (one.len + 3) & ~(size_t)3);
	/* The walk runs through both parts: the junk between is not read. */
	ck_assert_uint_eq(ep.stop, ep.total);
	ck_assert_int_eq(uc_cpio_find(ep.buf, ep.len, UC_CPIO_PATH_INTEL, &f), 0);
	ck_assert_uint_eq(early_locate(&ep, f.offset, &off), 1);
	ck_assert_uint_eq(off, at2);
	ck_assert_uint_eq(early_file_at(&ep, ep.files[1].start + 6, &off), 1);
	ck_assert_uint_eq(off, at2 + 6);
	early_free(&ep);

	/* One byte more than the file holds. */
	in[1].size = img.len - at2 + 1;
	ck_assert_int_eq(early_read_inputs(&ep, in, 2, &o, &d), -1);
	ck_assert_uint_eq(d.n, 1);
	ck_assert_uint_eq(d.v[0].offset, at2);
	ck_assert_ptr_nonnull(strstr(d.v[0].text, "ends past the file's end"));
	diags_free(&d);
	ucgen_buf_free(&img);
	ucgen_buf_free(&one);
	ucgen_buf_free(&two);
	unlink(a);
	rmdir(dir);
}
END_TEST

static Suite *early_suite(void)
{
	Suite *s = suite_create("early");
	TCase *tc = tcase_create("early");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_random_images);
	tcase_add_test(tc, test_join_pads_to_4);
	tcase_add_test(tc, test_parts_of_a_file);
	tcase_add_test(tc, test_long_name_at_window_end);
	tcase_add_test(tc, test_name_too_long);
	tcase_add_test(tc, test_too_big);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(early_suite)

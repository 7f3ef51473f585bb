// SPDX-License-Identifier: GPL-2.0-or-later
/* util/fdout: what goes in comes out, in order, copied or referenced. */
#define _GNU_SOURCE
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/fdout.h"
#include "unit.h"

#define SRC_LEN ((size_t)8 << 20)

static uint8_t *pattern(size_t len, uint32_t seed)
{
	uint8_t *p = malloc(len);

	ck_assert_ptr_nonnull(p);
	for (size_t i = 0; i < len; i++) {
		seed = seed * 1103515245u + 12345u;
		p[i] = (uint8_t)(seed >> 16);
	}
	return p;
}

static int temp_file(void)
{
	char path[] = "/tmp/test-fdout.XXXXXX";
	int fd = mkstemp(path);

	ck_assert_int_ge(fd, 0);
	unlink(path);
	return fd;
}

/* The file's bytes are exactly want[0..len). */
static void assert_file(int fd, const uint8_t *want, size_t len)
{
	uint8_t *got = malloc(len + 1);
	size_t n = 0;
	ssize_t r;

	ck_assert_ptr_nonnull(got);
	while ((r = pread(fd, got + n, len + 1 - n, (off_t)n)) > 0)
		n += (size_t)r;
	ck_assert_uint_eq(n, len);
	ck_assert_int_eq(memcmp(got, want, len), 0);
	free(got);
}

/*
 * Copies (whose source is scribbled over at once), references (adjacent
 * ones too), more pieces than one vector holds, pieces larger than the
 * copy buffer and than a write: the file holds them in order.
 */
START_TEST(copies_and_references_in_order)
{
	static const size_t sizes[] = { 1, 3, 110, 4096, 65536, 262143, 262144,
					262145, 1 << 20, (1 << 20) + 7, 3 << 20 };
	uint8_t *src = pattern(SRC_LEN, 1), *want = malloc(SRC_LEN * 4);
	uint8_t *scratch = malloc(SRC_LEN);
	size_t wlen = 0, at = 0;
	struct fd_out o;
	int fd = temp_file();

	ck_assert_ptr_nonnull(want);
	ck_assert_ptr_nonnull(scratch);
	fd_out_init(&o, fd);
	for (unsigned int i = 0; i < 300 + 4 * 11; i++) {
		size_t len = i < 300 ? 1 + i % 97 : sizes[i % 11];
		bool ref = (i / 3) % 2;

		if (at + len > SRC_LEN)
			at = 0;
		memcpy(want + wlen, src + at, len);
		wlen += len;
		if (ref) {
			ck_assert_int_eq(fd_out_put_ref(&o, src + at, len), 0);
		} else {
			memcpy(scratch, src + at, len);
			ck_assert_int_eq(fd_out_put(&o, scratch, len), 0);
			memset(scratch, 0xa5, len);
		}
		/* Every other reference starts where the last one ended. */
		at += len + (i % 2) * 13;
	}
	ck_assert_int_eq(fd_out_finish(&o), 0);
	ck_assert_uint_eq(o.off, wlen);
	assert_file(fd, want, wlen);
	close(fd);
	free(src);
	free(want);
	free(scratch);
}
END_TEST

/* A write that fails sticks: nothing later is taken, finish says why. */
START_TEST(failure_sticks)
{
	uint8_t *src = pattern((size_t)2 << 20, 2);
	int fd = open("/dev/null", O_RDONLY);
	struct fd_out o;

	ck_assert_int_ge(fd, 0);
	fd_out_init(&o, fd);
	ck_assert_int_eq(fd_out_put_ref(&o, src, (size_t)2 << 20), -1);
	ck_assert_int_eq(o.err, EBADF);
	ck_assert_int_eq(fd_out_put(&o, src, 10), -1);
	ck_assert_int_eq(fd_out_finish(&o), -1);
	ck_assert_int_eq(errno, EBADF);
	close(fd);
	free(src);
}
END_TEST

static Suite *fdout_suite(void)
{
	Suite *s = suite_create("fdout");
	TCase *tc = tcase_create("fdout");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, copies_and_references_in_order);
	tcase_add_test(tc, failure_sticks);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(fdout_suite)

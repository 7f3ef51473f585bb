/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Shared bits of the Check unit tests of the freestanding core. */
#ifndef UNIT_H
#define UNIT_H

#include <check.h>
#include <stdlib.h>

#include "ucode_err.h"

/* Assert an exact result code, printing both names when they differ. */
#define ck_assert_uc(got, want)                                              \
	do {                                                                 \
		int g_ = (got), w_ = (want);                                 \
		ck_assert_msg(g_ == w_, "%s: got %d (%s), want %d (%s)", #got, \
			      g_, uc_errname(g_), w_, uc_errname(w_));       \
	} while (0)

/* One main per test program: run the suite, exit non-zero on any failure. */
#define UNIT_MAIN(make_suite)                                                \
	int main(void)                                                       \
	{                                                                    \
		SRunner *sr = srunner_create(make_suite());                  \
		int failed;                                                  \
		srunner_run_all(sr, CK_NORMAL);                              \
		failed = srunner_ntests_failed(sr);                          \
		srunner_free(sr);                                            \
		return failed ? EXIT_FAILURE : EXIT_SUCCESS;                 \
	}

#endif /* UNIT_H */

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Exit codes of the command-line contract. */
#ifndef MKUCODE_UTIL_EXIT_H
#define MKUCODE_UTIL_EXIT_H


enum {
	EXIT_OK = 0,
	EXIT_ERROR = 1,
	EXIT_USAGE = 2,
	EXIT_NO_MICROCODE = 3,
	EXIT_SHOULD_FIX = 4,    /* every CPU gets microcode; something to fix */
};

#endif /* MKUCODE_UTIL_EXIT_H */

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The end of every verb that prints: what it wrote must have got out. */
#ifndef MKUCODE_UTIL_STDOUT_H
#define MKUCODE_UTIL_STDOUT_H

/*
 * Flush and close standard output.  0, or -1 after "mkucode: standard
 * output: <why>" when a write failed (a full disk, a closed pipe): a verb
 * whose answer did not get out has failed.
 */
int finish_stdout(void);

#endif /* MKUCODE_UTIL_STDOUT_H */

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Standard output's last word: what was written there really was. */
#ifndef MKUCODE_UTIL_STDOUT_H
#define MKUCODE_UTIL_STDOUT_H

/*
 * Flush and close standard output.  0, or -1 after printing
 * "mkucode: standard output: <strerror>" (a full disk, a closed pipe, an
 * earlier write error).  Later calls return the first call's result.
 */
int finish_stdout(void);

#endif /* MKUCODE_UTIL_STDOUT_H */

/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Messages printed at once, for verbs: "mkucode: " (error), "mkucode:
 * warning: ", "mkucode: note: ".  Modules report through util/diag.h.
 */
#ifndef MKUCODE_UTIL_MSG_H
#define MKUCODE_UTIL_MSG_H

#include <stdbool.h>

extern const char *program_name;
extern bool quiet;

/* "mkucode: <msg>" on stderr.  error() returns -1 so callers can return it. */
__attribute__((format(printf, 1, 2))) int error(const char *fmt, ...);
__attribute__((format(printf, 1, 2))) void warning(const char *fmt, ...);
/* Informational notes; silenced by --quiet. */
__attribute__((format(printf, 1, 2))) void note(const char *fmt, ...);

#endif /* MKUCODE_UTIL_MSG_H */

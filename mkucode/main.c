// SPDX-License-Identifier: GPL-2.0-or-later
/* mkucode: dispatch to a verb; building the early cpio is the default. */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "verbs/verbs.h"
#include "util/exit.h"
#include "util/msg.h"
#include "util/stdout.h"

static const struct verb {
	const char *name;
	int (*fn)(int argc, char **argv);
} verbs[] = {
	{ "build", cmd_build },
	{ "list", cmd_list },
	{ "verify", cmd_verify },
	{ "strip", cmd_strip },
	{ "extract", cmd_extract },
	{ "status", cmd_status },
	{ "refresh", cmd_refresh },
	{ "stanza", cmd_stanza },
};

#define N_VERBS (sizeof(verbs) / sizeof(verbs[0]))

/*
 * A first argument that reads like a mistyped verb ("lst", "help"): lower
 * case letters and dashes, and no file of that name, so no SOURCE either.
 */
static bool looks_like_verb(const char *arg)
{
	struct stat st;

	if (!*arg || arg[0] == '-')
		return false;
	for (const char *p = arg; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (p > arg && *p == '-')))
			return false;
	return stat(arg, &st) != 0;
}

static int dispatch(int argc, char **argv)
{
	/* getopt names argv[0] in its messages: make that "mkucode". */
	static char name[] = "mkucode";

	if (argc > 1) {
		for (size_t i = 0; i < N_VERBS; i++)
			if (!strcmp(argv[1], verbs[i].name)) {
				argv[1] = name;
				return verbs[i].fn(argc - 1, argv + 1);
			}
		if (!strcmp(argv[1], "help")) {
			print_help();
			return EXIT_OK;
		}
		if (looks_like_verb(argv[1])) {
			error("'%s' is not a verb (build, list, verify, strip, "
			      "extract, status, refresh, stanza), nor a SOURCE that exists", argv[1]);
			usage_hint();
			return EXIT_USAGE;
		}
	}
	if (argc > 0)
		argv[0] = name;
	return cmd_build(argc, argv);
}

int main(int argc, char **argv)
{
	int rc = dispatch(argc, argv);

	/* Every verb: output that did not reach standard output is an error,
	 * whatever the answer it carried (verify's 3 or 4 included). */
	if (finish_stdout() && rc != EXIT_USAGE)
		rc = EXIT_ERROR;
	return rc;
}

// SPDX-License-Identifier: GPL-2.0-or-later
/* mkucode: dispatch to a verb; building the early cpio is the default. */
#include <stdio.h>
#include <string.h>

#include "verbs/verbs.h"

static const struct verb {
	const char *name;
	int (*fn)(int argc, char **argv);
} verbs[] = {
	{ "list", cmd_list },
	{ "verify", cmd_verify },
	{ "strip", cmd_strip },
	{ "extract", cmd_extract },
};

int main(int argc, char **argv)
{
	/* getopt names argv[0] in its messages: make that "mkucode". */
	static char name[] = "mkucode";

	if (argc > 1) {
		for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
			if (!strcmp(argv[1], verbs[i].name)) {
				argv[1] = name;
				return verbs[i].fn(argc - 1, argv + 1);
			}
	}
	if (argc > 0)
		argv[0] = name;
	return cmd_build(argc, argv);
}

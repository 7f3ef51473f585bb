// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The verbs that edit or read an initrd image's early part:
 *   mkucode strip IMAGE
 *   mkucode extract IMAGE -o FILE
 */
#include <getopt.h>
#include <stdio.h>

#include "verbs/verbs.h"
#include "domain/image.h"
#include "util/exit.h"
#include "util/msg.h"
#include "util/replace.h"

static const struct option image_options[] = {
	{ "output", required_argument, NULL, 'o' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/* IMAGE and, for extract, -o FILE; 0 or an exit code. */
static int image_args(int argc, char **argv, bool want_output,
		      const char **image, const char **output)
{
	int c;

	while ((c = getopt_long(argc, argv, want_output ? "o:qh" : "qh",
				image_options, NULL)) != -1) {
		switch (c) {
		case 'o': *output = optarg; break;
		case 'q': quiet = true; break;
		case 'h': print_help(); return -EXIT_OK;
		default: usage_hint(); return -EXIT_USAGE;
		}
	}
	if (optind != argc - 1) {
		error(optind == argc ? "no IMAGE given" : "one IMAGE at a time");
		usage_hint();
		return -EXIT_USAGE;
	}
	if (want_output && !*output) {
		error("nothing to write: give -o FILE");
		usage_hint();
		return -EXIT_USAGE;
	}
	*image = argv[optind];
	return 1;
}

int cmd_strip(int argc, char **argv)
{
	const char *path = NULL, *unused = NULL;
	struct image im;
	struct image_result res;
	int r = image_args(argc, argv, false, &path, &unused);

	if (r <= 0)
		return -r;
	if (image_open(&im, path))
		return EXIT_ERROR;
	if (!im.microcode) {
		note("%s: no early microcode, unchanged", im.path);
		image_close(&im);
		return EXIT_OK;
	}
	r = image_replace_early(&im, NULL, NULL, 0, &res);
	if (!r)
		report_image(&im, &res, "early microcode removed", "nothing to remove");
	image_close(&im);
	return r ? EXIT_ERROR : EXIT_OK;
}

int cmd_extract(int argc, char **argv)
{
	const char *path = NULL, *output = NULL;
	struct image im;
	int r = image_args(argc, argv, true, &path, &output);

	if (r <= 0)
		return -r;
	if (image_open(&im, path))
		return EXIT_ERROR;
	if (!im.archives) {
		error("%s: no early cpio at the front, nothing written", im.path);
		image_close(&im);
		return EXIT_ERROR;
	}
	r = write_file_atomic(output, im.map, im.early_end);
	if (!r)
		note("%s: %u early archive(s), %zu bytes, %zu microcode member(s)",
		     output, im.archives, im.early_end, im.microcode);
	image_close(&im);
	return r ? EXIT_ERROR : EXIT_OK;
}

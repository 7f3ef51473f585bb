// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The verbs that edit or read an initrd image's early part:
 *   mkucode strip IMAGE
 *   mkucode extract IMAGE -o FILE
 * extract reads a pipe ("-": standard input) from a copy (util/spool.h);
 * strip has nothing to replace there and refuses it.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "verbs/verbs.h"
#include "domain/image.h"
#include "util/alloc.h"
#include "util/exit.h"
#include "util/msg.h"
#include "util/replace.h"
#include "util/spool.h"

static const struct option image_options[] = {
	{ "output", required_argument, NULL, 'o' },
	{ "force", no_argument, NULL, 'f' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/* IMAGE and, for extract, -o FILE and --force; 0 or an exit code. */
static int image_args(int argc, char **argv, bool want_output,
		      const char **image, const char **output, bool *force)
{
	int c;

	while ((c = getopt_long(argc, argv, want_output ? "o:qh" : "qh",
				image_options, NULL)) != -1) {
		switch (c) {
		case 'o': *output = optarg; break;
		case 'f':
			if (!want_output)
				goto usage;
			*force = true;
			break;
		case 'q': quiet = true; break;
		case 'h': print_help(); return -EXIT_OK;
		default: goto usage;
		}
	}
	if (optind != argc - 1) {
		error(optind == argc ? "no IMAGE given" : "one IMAGE at a time");
		goto usage;
	}
	if (want_output && !*output) {
		error("nothing to write: give -o FILE");
		goto usage;
	}
	*image = argv[optind];
	return 1;
usage:
	usage_hint();
	return -EXIT_USAGE;
}

/* Print what the modules said; the exit code for r. */
static int finish(struct diags *d, int r)
{
	diag_print(d, stderr, quiet);
	diags_free(d);
	return r ? EXIT_ERROR : EXIT_OK;
}

int cmd_strip(int argc, char **argv)
{
	const char *path = NULL, *unused = NULL;
	struct diags d = { 0 };
	struct image im;
	struct image_result res;
	bool force = false;
	int r = image_args(argc, argv, false, &path, &unused, &force);

	if (r <= 0)
		return -r;
	if (!strcmp(path, "-")) {
		error("strip rewrites IMAGE in place: '-' (standard input) has "
		      "nothing to replace");
		usage_hint();
		return EXIT_USAGE;
	}
	if (image_open(&im, path, true, &d))
		return finish(&d, -1);
	if (!im.microcode) {
		diag_note(&d, im.path, "no early microcode, unchanged");
		image_close(&im);
		return finish(&d, 0);
	}
	r = image_replace_early(&im, NULL, NULL, 0, &res);
	diag_print(&d, stderr, quiet);
	if (!r)
		report_image(&im, &res, "early microcode removed", "nothing to remove");
	image_close(&im);
	return finish(&d, r);
}

/* The output must not be the image: that would replace it with its early
 * part (and lock it twice). */
static int refuse_same(const struct image *im, const char *output,
		       struct diags *d)
{
	struct stat st;

	if (strcmp(output, "-") && !stat(output, &st) &&
	    st.st_dev == im->st.st_dev && st.st_ino == im->st.st_ino)
		return diag_error(d, output, "is the image itself: extract writes "
				  "a separate file; nothing written");
	return 0;
}

/* What d says about file from now on names it as name. */
static void rename_in(struct diags *d, const char *file, const char *name)
{
	for (size_t i = 0; i < d->n; i++) {
		if (d->v[i].file && !strcmp(d->v[i].file, file)) {
			free(d->v[i].file);
			d->v[i].file = xstrdup(name);
		}
	}
}

/*
 * image_open() to read, also for a pipe or standard input ("-"), which is
 * first copied into a temporary file, unlinked once open; messages then
 * name it as given.  A regular file on standard input is read in place.
 */
static int open_to_extract(struct image *im, const char *path, struct diags *d)
{
	bool is_stdin = !strcmp(path, "-");
	const char *name = is_stdin ? SPOOL_STDIN_NAME : path;
	struct stat st;
	char *copy = NULL, *real;
	int fd, spooled, r;

	if (!is_stdin && (stat(path, &st) ||
			  !(S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode))))
		return image_open(im, path, false, d);
	fd = is_stdin ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return diag_sys(d, path, errno, "cannot open");
	if (is_stdin && !spool_needed(fd)) {
		spooled = -1;
		copy = xstrdup("/dev/stdin");
	} else {
		spooled = spool_named(fd, name, &copy, d);
		if (!is_stdin)
			close(fd);
		if (spooled < 0)
			return -1;
	}
	real = realpath(copy, NULL);
	r = image_open(im, copy, false, d);
	if (spooled >= 0) {
		unlink(copy);
		close(spooled);
	}
	rename_in(d, copy, name);
	if (real)
		rename_in(d, real, name);
	if (!r) {
		free(im->path);
		im->path = xstrdup(name);
	}
	free(real);
	free(copy);
	return r;
}

int cmd_extract(int argc, char **argv)
{
	const char *path = NULL, *output = NULL;
	struct diags d = { 0 };
	struct replacement out;
	struct image im;
	bool force = false;
	int r = image_args(argc, argv, true, &path, &output, &force);

	if (r <= 0)
		return -r;
	if (open_to_extract(&im, path, &d))
		return finish(&d, -1);
	if (!im.archives) {
		diag_error(&d, im.path, "no early cpio at the front, nothing written");
		image_close(&im);
		return finish(&d, -1);
	}
	r = refuse_same(&im, output, &d) ||
	    replace_open(&out, output, REPLACE_STDOUT, &d);
	if (!r) {
		r = (!force && image_refuse_initrd(out.old_fd, output, &d)) ||
		    replace_create(&out) || image_write_early_part(&im, &out) ||
		    replace_commit(&out);
		replace_close(&out);
	}
	if (!r)
		diag_note(&d, output, "%u early archive(s), %zu bytes, %zu microcode "
			  "member(s)", im.archives, im.early_end, im.microcode);
	image_close(&im);
	return finish(&d, r);
}

// SPDX-License-Identifier: GPL-2.0-or-later
/* Standard output's write errors, found at the end instead of never. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "util/msg.h"
#include "util/stdout.h"

int finish_stdout(void)
{
	/* An earlier failed write left the error flag but no errno. */
	int err = ferror(stdout) ? EIO : 0;

	errno = 0;
	if (fflush(stdout))
		err = errno ? errno : EIO;
	/* A full NFS quota may only show at close.  Nothing to close: fine. */
	if (fclose(stdout) && !err && errno != EBADF)
		err = errno ? errno : EIO;
	if (err)
		return error("standard output: %s", strerror(err));
	return 0;
}

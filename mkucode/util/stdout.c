// SPDX-License-Identifier: GPL-2.0-or-later
/* Closing standard output, and saying so when that fails. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdio_ext.h>
#include <string.h>

#include "util/msg.h"
#include "util/stdout.h"

int finish_stdout(void)
{
	static bool finished;
	static int result;
	int err = 0;

	bool pending;

	if (finished)
		return result;
	finished = true;
	pending = __fpending(stdout) > 0;
	errno = 0;
	if (fflush(stdout) || ferror(stdout))
		err = errno ? errno : EIO;
	/* Closed before we ran and never written to: nothing was lost. */
	if (fclose(stdout) && !err && (pending || errno != EBADF))
		err = errno ? errno : EIO;
	if (err)
		result = error("standard output: %s", strerror(err));
	return result;
}

/* SPDX-License-Identifier: GPL-2.0-or-later OR BSD-2-Clause */
/*
 * The freestanding core in one include, for a hypervisor, boot loader or
 * firmware that embeds it: the early-cpio scanner and writer (cpio/), the
 * CPU vendors' formats (vendor/), what each loader would load (loaders/)
 * and the validator (validate/).  Put this directory on the include path
 * and, to embed, provide ucode_env.h's names (see that header).
 *
 * Everything under lib/ is licensed GPL-2.0-or-later OR BSD-2-Clause, at
 * the embedder's choice (LICENSES/GPL-2.0-or-later.txt and
 * LICENSES/BSD-2-Clause.txt); it includes nothing from outside lib/.  The
 * mkucode command around it is GPL-2.0-or-later.
 */
#ifndef UCODE_H
#define UCODE_H

#include "ucode_env.h"
#include "ucode_err.h"
#include "ucode_consumer.h"
#include "cpio/cpio.h"
#include "vendor/intel.h"
#include "vendor/dat.h"
#include "vendor/amd.h"
#include "loaders/load.h"
#include "validate/check.h"

#endif /* UCODE_H */

#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# replay.sh EXE TARGET UCGEN SEEDDIR - the meson test fuzz-replay-TARGET.
#
# Writes TARGET's seed corpus into SEEDDIR/TARGET (tests/fuzz/seeds), then
# runs the replay build of the target (EXE) on it and on every committed
# regression input in tests/fuzz/regressions/TARGET/.  Any broken property,
# crash or sanitizer report fails the test.
set -euo pipefail
if (($# != 4)); then
	echo "usage: $0 EXE TARGET UCGEN SEEDDIR" >&2
	exit 2
fi
exe=$1 target=$2 ucgen=$3 seeds=$4
here=$(cd "$(dirname "$0")" && pwd)

"$here/seeds" "$target" "$seeds/$target" "$ucgen"
inputs=("$seeds/$target")
if [[ -d $here/regressions/$target ]]; then
	inputs+=("$here/regressions/$target")
fi
"$exe" "${inputs[@]}" 2>"$seeds/$target.log" || {
	rc=$?
	tail -n 40 "$seeds/$target.log" >&2
	exit "$rc"
}

#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# `mkucode list` of an initrd whose microcode sits in the compressed main
# part, where no loader reads it: a note naming the member, its size, the
# compression and where that part starts; the rows and the JSON stay what
# the loaders reach.
#
#   run-mainpart.sh MKUCODE UCGEN
#
# Images: an early cpio by ucgen, then a main cpio by ucgen through each
# compressor that is installed.  Offsets are the byte counts of the pieces,
# never copied from mkucode's output.  Output is TAP.

# The checks run small `bash -c '...' _ ARGS` scripts: $1... expand there.
# shellcheck disable=SC2016

set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=../lib/suite.sh
. "$(dirname "$(realpath "$0")")/../lib/suite.sh"
suite_args MKUCODE UCGEN -- "$@"
suite_tmpdir

INTEL_MEMBER=kernel/x86/microcode/GenuineIntel.bin
"$UCGEN" intel --sig 0x906ea --pf 0x22 --rev 0xf4 -o intel.bin
"$UCGEN" intel --sig 0x806c1 --pf 0x80 --rev 0xb4 -o early-intel.bin
printf 'module data\n' >module.ko
printf '#!/bin/sh\n' >init
"$UCGEN" cpio --pad 512 kernel/ kernel/x86/ kernel/x86/microcode/ \
	"$INTEL_MEMBER=early-intel.bin" -o early-ucode.cpio
"$UCGEN" cpio early/ early/note=init -o early-plain.cpio
"$UCGEN" cpio --pad 512 usr/ usr/lib/ usr/lib/module.ko=module.ko \
	kernel/x86/microcode/ "$INTEL_MEMBER=intel.bin" init=init -o main-ucode.cpio
"$UCGEN" cpio --pad 512 usr/ usr/lib/ usr/lib/module.ko=module.ko init=init \
	-o main-plain.cpio
size() { stat -c %s "$1"; }
UCODE_SIZE=$(size intel.bin)

# l ARGS...: mkucode list, stdout in .out, stderr in .err, status in RC
l() {
	RC=0
	"$MKUCODE" list "$@" >.out 2>.err || RC=$?
}

for c in "gzip gzip -n -c" "bzip2 bzip2 -c" "lzma lzma -c" "xz xz -c" \
	"lzo lzop -c" "lz4 lz4 -l -c" "zstd zstd -q -c"; do
	name=${c%% *}
	cmd=${c#* }
	tool=${cmd%% *}
	if ! command -v "$tool" >/dev/null; then
		tap ok "$name: microcode in the main part" "SKIP $tool not installed"
		continue
	fi
	$cmd <main-ucode.cpio >main.z
	cat early-plain.cpio main.z >"img.$name"
	start=$(printf '0x%x' "$(size early-plain.cpio)")
	l "img.$name"
	want="mkucode: note: img.$name: $INTEL_MEMBER ($UCODE_SIZE bytes) is in the $name-compressed part at offset $start, where no loader reads it"
	if [ "$RC" = 0 ] && grep -qxF "$want" .err && [ "$(wc -l <.out)" = 1 ]; then
		tap ok "$name: the note names member, size, compression and offset; no row"
	else
		tap notok "$name: no note as wanted (exit $RC)
want: $want
$(cat .err .out)"
	fi
done

# Early microcode in front, microcode in the main part too: the row is the
# early one, the note says where the other sits.
gzip -n -c <main-ucode.cpio >main.gz
cat early-ucode.cpio main.gz >both.img
l --json both.img
tap_check "rows and JSON are the early part's alone" bash -c '
	[ "$(jq length .out)" = 1 ] &&
	[ "$(jq -r ".[0].source" .out)" = "both.img:$1" ] &&
	[ "$(jq ".[0].revision" .out)" = 180 ] &&
	grep -qF "is in the gzip-compressed part at offset $2," .err' _ \
	"$INTEL_MEMBER" "$(printf '0x%x' "$(size early-ucode.cpio)")"
l -q both.img
tap_check "-q silences the note" bash -c '[ ! -s .err ]'

# No microcode in the main part: no note about it.
gzip -n -c <main-plain.cpio >plain.gz
cat early-ucode.cpio plain.gz >clean.img
l clean.img
tap_check "a clean main part gets no note" bash -c '
	[ "$1" = 0 ] && ! grep -q "where no loader" .err' _ "$RC"

# Two compressed parts, the microcode in the second.
bzip2 -c <main-plain.cpio >first.bz2
cat early-plain.cpio first.bz2 main.gz >two.img
l two.img
tap_check "the second of two parts, at its own offset" grep -qF \
	"is in the gzip-compressed part at offset $(printf '0x%x' \
	$(($(size early-plain.cpio) + $(size first.bz2)))), where" .err

# A truncated main part: a warning naming the file and where the input
# ended; list still lists and succeeds.
head -c $(($(size both.img) - 100)) both.img >cut.img
l cut.img
tap_check "truncated: a warning at the end of the file, exit 0" bash -c '
	[ "$1" = 0 ] &&
	grep -qE "^mkucode: warning: cut.img: offset $2: gzip-compressed part from offset $3: .*; the main part not read further$" .err &&
	[ "$(wc -l <.out)" = 2 ]' _ "$RC" "$(printf '0x%x' $(($(size both.img) - 100)))" \
	"$(printf '0x%x' "$(size early-ucode.cpio)")"

tap_done

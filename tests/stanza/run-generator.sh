#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# syslinux/mkucode-syslinux on /boot trees (tests/status/trees.sh shapes),
# its configs against golden/generator.txt, and each config read back by
# `mkucode status --root TREE`.
#
#   run-generator.sh [--update] MKUCODE UCGEN GENERATOR [SRCDIR]
#
# mkucode is found by name, as the generator calls it: a directory with a
# `mkucode` link to MKUCODE goes first on PATH.  The generator runs under
# dash when it is installed (POSIX sh), else sh.
#   good      three kernels and Xen, /boot on the root filesystem: two
#             initrds carry the microcode, one does not but a stock-named
#             early image does.  status: exit 0, the recovery labels
#             noted as the way back.
#   separate  a separate /boot given as the root (paths /vmlinuz-V),
#             written with -o into extlinux.conf: status exit 0.
#   none      a kernel whose initrd carries nothing and no early image: a
#             plain label with mkucode's reason, which status reports
#             (exit 3); a kernel without initrd (no label); exit 0.
#   no-kernel nothing to write: exit 1.
# Output is TAP.

set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=../lib/suite.sh
. "$(dirname "$(realpath "$0")")/../lib/suite.sh"
suite_args "[--update]" MKUCODE UCGEN GENERATOR "[SRCDIR]" -- "$@"
suite_need gzip seq diff
SH=$(command -v dash || command -v sh)
suite_tmpdir
mkdir bin
ln -s "$MKUCODE" bin/mkucode
export PATH=$T/bin:$PATH

# shellcheck source=../status/trees.sh
. "$HERE/../status/trees.sh"
trees_microcode

tree good 0x1
for v in 6.1.0-25-amd64 6.1.0-26-amd64 6.1.0-27-amd64; do kernel good $v; done
mk --prepend good/boot/initrd.img-6.1.0-27-amd64 b4.bin
mk --prepend good/boot/initrd.img-6.1.0-26-amd64 b4.bin
cp b4.cpio good/boot/intel-ucode.img
echo "xen 4.17" >good/boot/xen-4.17-amd64.gz
mkdir -p good/boot/extlinux

tree separate 0x1
kernel separate 6.1.0-27-amd64
mk --prepend separate/boot/initrd.img-6.1.0-27-amd64 b4.bin
mkdir -p separate/boot/extlinux

tree none 0x1
kernel none 6.1.0-27-amd64
echo "kernel 6.2" >none/boot/vmlinuz-6.2.0-1-amd64
mkdir -p none/boot/syslinux

tree empty 0x1

: >"$T/generator.txt"
# run NAME CMD...: the transcript (command, stdout, stderr, exit) appended.
run() {
	local name=$1
	shift
	{
		transcript "$(echo "\$ $*   # $name" | sed -e "s|$GENERATOR|mkucode-syslinux|" \
			-e "s|$SH |sh |" -e "s|$MKUCODE|mkucode|g")" "$@"
		echo
	} >>"$T/generator.txt"
}

run good "$SH" "$GENERATOR" --root good --append "root=/dev/vda1 ro" --mboot /boot/syslinux/mboot.c32
tap_check "good: exit 0" test "$RC" -eq 0
cp .out good/boot/extlinux/extlinux.conf
tap_check "good: DEFAULT is the newest kernel's Xen label" \
	grep -qx 'DEFAULT xen-6.1.0-27-amd64' good/boot/extlinux/extlinux.conf
tap_check "good: a Xen recovery label without ucode=, dom0 single" \
	grep -qx $'\tAPPEND /boot/xen-4.17-amd64.gz --- /boot/vmlinuz-6.1.0-27-amd64 root=/dev/vda1 ro single --- /boot/initrd.img-6.1.0-27-amd64' \
	good/boot/extlinux/extlinux.conf
tap_check "good: a Linux recovery label with dis_ucode_ldr" \
	grep -qx $'\tAPPEND root=/dev/vda1 ro single dis_ucode_ldr' good/boot/extlinux/extlinux.conf
tap_check "good: the kernel without microcode in its initrd gets the early image first" \
	grep -qx $'\tINITRD /boot/intel-ucode.img,/boot/initrd.img-6.1.0-25-amd64' \
	good/boot/extlinux/extlinux.conf
tap_check "good: every normal Xen label has ucode=scan" \
	bash -c '[ "$(grep -c "APPEND /boot/xen.*ucode=scan ---" "$1")" -eq 3 ]' _ \
	good/boot/extlinux/extlinux.conf
run good-status in_dir good mkucode status --root .
tap_check "good: mkucode status --root: exit 0" test "$RC" -eq 0

run separate "$SH" "$GENERATOR" --root separate/boot --timeout 0 -o separate/boot/extlinux/extlinux.conf
tap_check "separate: exit 0, nothing on stdout" bash -c '[ "$1" -eq 0 ] && [ ! -s .out ]' _ "$RC"
run separate-config cat separate/boot/extlinux/extlinux.conf
tap_check "separate: paths from the /boot partition" \
	grep -qx $'\tLINUX /vmlinuz-6.1.0-27-amd64' separate/boot/extlinux/extlinux.conf
run separate-status in_dir separate mkucode status --root .
tap_check "separate: mkucode status --root: exit 0" test "$RC" -eq 0

run none "$SH" "$GENERATOR" --root none -o none/boot/syslinux/syslinux.cfg
tap_check "none: exit 0, mkucode's reason on stderr" \
	bash -c '[ "$1" -eq 0 ] && grep -q "^mkucode-syslinux: linux-6.1.0-27-amd64: " .err' _ "$RC"
run none-config cat none/boot/syslinux/syslinux.cfg
run none-status in_dir none mkucode status --root .
tap_check "none: status says the label loads no microcode (exit 3)" test "$RC" -eq 3

run no-kernel "$SH" "$GENERATOR" --root empty
tap_check "no-kernel: exit 1" test "$RC" -eq 1
run usage "$SH" "$GENERATOR" --bogus
tap_check "usage: exit 2" test "$RC" -eq 2
RC=0
env PATH=/usr/bin:/bin "$SH" "$GENERATOR" --root good >.out 2>.err || RC=$?
tap_check "without mkucode on PATH: exit 0, silent" \
	bash -c '[ "$1" -eq 0 ] && [ ! -s .out ] && [ ! -s .err ]' _ "$RC"

golden_check generator.txt "$T/generator.txt" "golden generator"

tap_done

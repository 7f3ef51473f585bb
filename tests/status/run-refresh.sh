#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# `mkucode refresh` on /boot trees made by ucgen and mkucode (trees.sh).
#
#   run-refresh.sh MKUCODE UCGEN FAULTINJECT
#
# FAULTINJECT is tests/image/faultinject.so, the LD_PRELOAD shim that fails
# one write with EIO.  What is asserted: the stale and the microcode-less
# initrds of a Debian /boot with three kernels are refreshed and verify to
# the newest; the current one is untouched (inode, mtime, bytes); a second
# run changes nothing; --dry-run changes nothing and names what it would
# do; an EIO on one image leaves it as it was and the others refreshed
# (exit 1); early images, UKIs and xen.efi are named, never rewritten.
# Output is TAP.

set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=../lib/suite.sh
. "$(dirname "$(realpath "$0")")/../lib/suite.sh"
suite_args MKUCODE UCGEN FAULTINJECT -- "$@"
suite_need gzip seq cmp stat
suite_tmpdir refresh

# shellcheck source=trees.sh
. "$HERE/trees.sh"
trees_microcode

V25=boot/initrd.img-6.1.0-25-amd64     # no microcode
V26=boot/initrd.img-6.1.0-26-amd64     # stale: 0xb2
V27=boot/initrd.img-6.1.0-27-amd64     # current: 0xb4

# identity FILE: inode, mtime to the nanosecond, and the bytes' checksum.
identity() { echo "$(stat -c '%i %y' "$1") $(cksum <"$1")"; }
snapshot() {
	local f
	for f in "$@"; do identity "$f"; done
}

# refresh DIR ARGS...: run it in DIR, output in $T/out, $T/err, rc in RC.
refresh() {
	local dir=$1
	shift
	RC=0
	(cd "$T/$dir" && "$MKUCODE" refresh --root . "$@" >"$T/out" 2>"$T/err") || RC=$?
}

# linux_rev DIR IMAGE: the revision Linux (newest) loads for 06-8c-01/0x80.
linux_rev() {
	(cd "$T/$1" && "$MKUCODE" verify -q --cpu 0x806c1,0x80 "$2") |
		awk '$1 == "intel" { print $6 }'
}

# DESC=TEXT expect COMMAND...: one test, ok when COMMAND succeeds; its
# status is COMMAND's, so `|| show` adds the transcript to a failure.
expect() {
	if "$@"; then
		tap ok "$DESC"
	else
		tap notok "$DESC"
		return 1
	fi
}
show() { { echo "[exit $RC]"; cat "$T/out"; echo "[stderr]"; cat "$T/err"; } | tap_diag; }

# ---------------------------------------------------------------- refresh
debian3 d
before27=$(identity d/$V27)
refresh d
DESC="refresh: exit 0" expect test "$RC" = 0 || show
DESC="refresh: the none and stale images are replaced, the current one unchanged" \
	expect diff -u - "$T/out" <<EOF || show
./$V25: early microcode replaced
./$V26: early microcode replaced
./$V27: unchanged
EOF
for v in $V25 $V26; do
	DESC="refresh: $v verifies to the newest (0x000000b4)" \
		expect test "$(linux_rev d "$v")" = 0x000000b4
done
DESC="refresh: the current image keeps inode, mtime and bytes" \
	expect test "$(identity d/$V27)" = "$before27"
DESC="refresh: no temporary file is left in /boot" \
	expect test "$(find d/boot -mindepth 1 | wc -l)" = 6

after=$(snapshot d/$V25 d/$V26 d/$V27)
refresh d
DESC="second run: exit 0, every image unchanged" expect diff -u - "$T/out" <<EOF || show
./$V25: unchanged
./$V26: unchanged
./$V27: unchanged
EOF
DESC="second run: exit 0" expect test "$RC" = 0
DESC="second run: no image touched (inode, mtime, bytes)" \
	expect test "$(snapshot d/$V25 d/$V26 d/$V27)" = "$after"

# ---------------------------------------------------------------- --cpu
debian3 c
refresh c --cpu 0x806c1,0x80
DESC="--cpu: the line gives the revisions before and after" \
	expect diff -u - "$T/out" <<EOF || show
./$V25: early microcode replaced: intel 0x000806c1 rev none -> 0x000000b4
./$V26: early microcode replaced: intel 0x000806c1 rev 0x000000b2 -> 0x000000b4
./$V27: unchanged
EOF
refresh c --cpu 0x806c1,0x80 ../b6.bin
DESC="a newer SOURCE: every image is replaced, 0xb4 -> 0xb6" \
	expect diff -u - "$T/out" <<EOF || show
./$V25: early microcode replaced: intel 0x000806c1 rev 0x000000b4 -> 0x000000b6
./$V26: early microcode replaced: intel 0x000806c1 rev 0x000000b4 -> 0x000000b6
./$V27: early microcode replaced: intel 0x000806c1 rev 0x000000b4 -> 0x000000b6
EOF
DESC="a newer SOURCE: $V27 verifies to 0x000000b6" \
	expect test "$(linux_rev c $V27)" = 0x000000b6

# ---------------------------------------------------------------- --dry-run
debian3 n
before=$(snapshot n/$V25 n/$V26 n/$V27)
refresh n --dry-run --cpu 0x806c1,0x80
DESC="--dry-run: exit 0" expect test "$RC" = 0 || show
DESC="--dry-run: names what it would replace" expect diff -u - "$T/out" <<EOF || show
./$V25: would replace the early microcode: intel 0x000806c1 rev none -> 0x000000b4
./$V26: would replace the early microcode: intel 0x000806c1 rev 0x000000b2 -> 0x000000b4
./$V27: unchanged
EOF
DESC="--dry-run: no image changed (inode, mtime, bytes)" \
	expect test "$(snapshot n/$V25 n/$V26 n/$V27)" = "$before"

# --dry-run says what the real run does, layout included: the same
# microcode in an early cpio of another shape (no directory members, as a
# hand-made one) is rewritten, so --dry-run says it would be.
tree layout 0x1
"$UCGEN" cpio kernel/x86/microcode/GenuineIntel.bin=b4.bin -o other-layout.cpio
cat other-layout.cpio main.cpio.gz >layout/$V27
echo "kernel 6.1.0-27" >layout/boot/vmlinuz-6.1.0-27-amd64
before=$(snapshot layout/$V27)
refresh layout --dry-run --cpu 0x806c1,0x80
DESC="--dry-run: the same microcode in another layout would be replaced" \
	expect diff -u - "$T/out" <<EOF || show
./$V27: would replace the early microcode: intel 0x000806c1 rev 0x000000b4 -> 0x000000b4
EOF
DESC="--dry-run: that image unchanged" \
	expect test "$(snapshot layout/$V27)" = "$before"
refresh layout --cpu 0x806c1,0x80
DESC="the real run does what --dry-run said" expect diff -u - "$T/out" <<EOF || show
./$V27: early microcode replaced: intel 0x000806c1 rev 0x000000b4 -> 0x000000b4
EOF
refresh layout --dry-run --cpu 0x806c1,0x80
DESC="--dry-run after it: unchanged" expect diff -u - "$T/out" <<EOF || show
./$V27: unchanged
EOF

# ---------------------------------------------------------------- EIO
# The first image replaced is 6.1.0-25's (paths are sorted): a run that
# logs the shim's calls says where its temporary file is created; the
# first write after that call then fails with EIO.
debian3 log
(cd log && LD_PRELOAD=$FAULTINJECT FAULT_LOG=$T/fault.log \
	"$MKUCODE" refresh -q --root . >/dev/null 2>&1)
at=$(awk '$2 == "openat-create" { print $1; exit }' "$T/fault.log")
debian3 e
before25=$(identity e/$V25)
before27=$(identity e/$V27)
RC=0
(cd e && LD_PRELOAD=$FAULTINJECT FAULT_MODE=eio FAULT_AT=$at \
	"$MKUCODE" refresh --root . >"$T/out" 2>"$T/err") || RC=$?
DESC="EIO on one image: exit 1" expect test "$RC" = 1 || show
DESC="EIO on one image: it failed, unchanged; the others went on" \
	expect grep -qx "./$V25: failed: write error: Input/output error; the image is unchanged" "$T/out" || show
DESC="EIO on one image: the error names it on stderr" \
	expect grep -q "^mkucode: $(realpath e/$V25): .*Input/output error" "$T/err" || show
DESC="EIO on one image: it keeps inode, mtime and bytes" \
	expect test "$(identity e/$V25)" = "$before25"
DESC="EIO on one image: the stale one is refreshed anyway" \
	expect grep -qx "./$V26: early microcode replaced" "$T/out"
DESC="EIO on one image: the stale one verifies to 0x000000b4" \
	expect test "$(linux_rev e $V26)" = 0x000000b4
DESC="EIO on one image: the current one untouched" \
	expect test "$(identity e/$V27)" = "$before27"
DESC="EIO on one image: no temporary file is left in /boot" \
	expect test "$(find e/boot -mindepth 1 | wc -l)" = 6

# ---------------------------------------------------------------- not rewritten
debian3 x
cp b2.cpio x/boot/intel-ucode.img
mkdir -p x/boot/efi/EFI/Linux
echo "MZ not a real PE" >x/boot/efi/EFI/Linux/debian-6.1.0-27-amd64.efi
echo "MZ not a real PE" >x/boot/xen-4.17-amd64.efi
printf '[global]\ndefault=debian\n[debian]\nucode=GenuineIntel.bin\n' \
	>x/boot/xen-4.17-amd64.cfg
others="x/boot/intel-ucode.img x/boot/efi/EFI/Linux/debian-6.1.0-27-amd64.efi x/boot/xen-4.17-amd64.efi"
# shellcheck disable=SC2086
before=$(snapshot $others)
refresh x
DESC="early image, UKI, xen.efi: exit 0" expect test "$RC" = 0 || show
for f in boot/intel-ucode.img boot/efi/EFI/Linux/debian-6.1.0-27-amd64.efi \
	boot/xen-4.17-amd64.efi; do
	DESC="$f: named as not rewritten, with how to update it" \
		expect grep -q "^\./$f: not rewritten (.*): .*mkucode\|^\./$f: not rewritten (.*): rebuild it with ukify" "$T/out" || show
done
# shellcheck disable=SC2086
DESC="early image, UKI, xen.efi: none touched" expect test "$(snapshot $others)" = "$before"
# A UKI it can read: how to rebuild that one, signed or not.
if command -v objcopy >/dev/null && [[ -r $UKI_STUB ]]; then
	uki x/boot/efi/EFI/Linux/signed.efi 256.7 b2.cpio main.cpio.gz signed
	uki x/boot/efi/EFI/Linux/old-stub.efi stock b2.cpio main.cpio.gz
	refresh x
	DESC="a signed UKI: rebuilt with a new .ucode and signed again" \
		expect grep -qx "\./boot/efi/EFI/Linux/signed.efi: not rewritten (a signed unified kernel image): mkucode -o ucode.cpio, then rebuild the UKI with it as .ucode (ukify build --microcode=ucode.cpio, or objcopy --update-section .ucode=ucode.cpio), and sign it again (sbsign --key KEY --cert CERT)" "$T/out" || show
	DESC="a UKI on systemd-stub 252: the microcode goes into its initrd" \
		expect grep -q "^\./boot/efi/EFI/Linux/old-stub.efi: not rewritten (a unified kernel image): mkucode --prepend INITRD, then rebuild the UKI from that initrd" "$T/out" || show
else
	tap notok "a signed UKI: objcopy and $UKI_STUB (binutils, systemd-boot-efi) needed"
fi

# ---------------------------------------------------------------- refusals
debian3 s
before=$(snapshot s/$V25 s/$V26 s/$V27)
refresh s --cpu 0x906ea,0x2
DESC="nothing selected: exit 1" expect test "$RC" = 1 || show
DESC="nothing selected: said, no image changed" \
	expect grep -q "no microcode selected; no image changed" "$T/err"
DESC="nothing selected: every image keeps inode, mtime and bytes" \
	expect test "$(snapshot s/$V25 s/$V26 s/$V27)" = "$before"
refresh s --all --cpu 0x806c1
DESC="--all with --cpu: exit 2 (usage)" expect test "$RC" = 2

# An initrd that is no initrd (a text file by that name): failed, the
# others refreshed.
debian3 t
echo "not an initrd" >t/$V25
before25=$(identity t/$V25)
refresh t
DESC="a text file named like an initrd: exit 1" expect test "$RC" = 1 || show
DESC="a text file named like an initrd: refused, left as it was" \
	expect test "$(identity t/$V25)" = "$before25"
DESC="a text file named like an initrd: the others refreshed" \
	expect grep -qx "./$V26: early microcode replaced" "$T/out"

tap_done

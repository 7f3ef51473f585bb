#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# `mkucode stanza` against golden transcripts, and each entry it prints
# proven by the peers that read it.
#
#   run-stanza.sh [--update] MKUCODE UCGEN [SRCDIR]
#
# The files are made here, in a `mktemp -d` tree shaped by
# tests/status/trees.sh (one Intel CPU 06-8c-01 running 0x1, firmware 0xb4),
# from ucgen microcode and the real mkucode.  Each case's transcript -- the
# command, standard output, standard error after "[stderr]", "[exit N]" --
# goes to the group's golden file (golden/GROUP.txt: grub, syslinux,
# refused, usage).  --update rewrites them; read the diff before committing.
#
# Every entry printed is also:
#   - for GRUB, accepted by grub-script-check (grub-common);
#   - pasted into the tree's grub.cfg or extlinux.conf and read back by
#     `mkucode status --json` (domain/boot/grub, syslinux, and the audit):
#     one entry, the files asked for in load order, the command line, status
#     0 and no problem (entry-check.py);
#   - for a GRUB Xen entry, one module2 line per file, none naming another
#     file in its arguments (GRUB 2.06's single-line form fails here).
# Output is TAP.

set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=../lib/suite.sh
. "$(dirname "$(realpath "$0")")/../lib/suite.sh"
suite_args "[--update]" MKUCODE UCGEN "[SRCDIR]" -- "$@"
suite_need gzip seq diff python3 grub-script-check
suite_tmpdir

# shellcheck source=../status/trees.sh
. "$HERE/../status/trees.sh"
trees_microcode
ug amd --equiv 0xa20f12 --patch 0xa201210 --date 0x03152024 --seed 7 -o amd.bin

# The tree: a kernel whose initrd carries Intel and AMD microcode, an
# initrd without any, early images, raw vendor files, Xen.
tree t 0x1
B=t/boot
kernel t 6.1.0-27-amd64
mk --prepend $B/initrd.img-6.1.0-27-amd64 b4.bin amd.bin
cp main.cpio.gz $B/plain.img
cp b4.cpio $B/early.img
cp b2.cpio $B/early-b2.img
mk -o $B/amd-early.img amd.bin
mkdir raw
mk --raw raw b4.bin amd.bin
cp raw/GenuineIntel.bin raw/AuthenticAMD.bin $B/
cat raw/GenuineIntel.bin raw/AuthenticAMD.bin >$B/both.bin
cat raw/AuthenticAMD.bin raw/GenuineIntel.bin >$B/both-amd-first.bin
truncate -s 65M $B/huge.bin
ug cpio kernel/ kernel/x86/ kernel/x86/microcode/ \
	kernel/x86/microcode/GenuineIntel.bin=b4.bin init=init -o in-main.cpio
gzip -9 -n -c in-main.cpio >$B/in-main.img
echo "xen 4.17" >$B/xen-4.17-amd64.gz
echo "kernel" >"$B/my kernel"
cp main.cpio.gz $B/old.img
mk --prepend $B/old.img b2.bin
cp main.cpio.gz $B/plain,old.img
K=/boot/vmlinuz-6.1.0-27-amd64
I=/boot/initrd.img-6.1.0-27-amd64
X=/boot/xen-4.17-amd64.gz
mkdir -p $B/grub $B/extlinux
pristine=$(cd t && find . -type f -exec sha256sum {} + | sort)

# ---------------------------------------------------------------- cases

# Extra arguments of the status run (default: the tree's CPU and firmware).
SARGS=()
GROUP=
in_t() { (cd t && "$@"); }
group() {
	GROUP=$1
	: >"$T/$GROUP.txt"
}

# stanza NAME ARGS...: mkucode stanza ARGS in t, the transcript appended to
# the group's; $T/NAME.out holds standard output, RC the exit status.
stanza() {
	local name=$1
	shift
	{
		transcript "\$ mkucode stanza$(printf ' %q' "$@")   # $name" \
			in_t "$MKUCODE" stanza "$@"
		echo
	} >>"$T/$GROUP.txt"
	cp "$T/.out" "$T/$name.out"
}

# good NAME ORIGIN KIND FILES... [-- CMDLINE] -- ARGS...: a case that must
# print an entry, which the peers then read.
good() {
	local name=$1 origin=$2 kind=$3 cfg
	shift 3
	local expect=()
	while [[ $1 != -- ]]; do expect+=("$1"); shift; done
	shift
	if [[ $1 == cmdline ]]; then
		expect+=(-- "$2")
		shift 2
		[[ $1 == -- ]] && shift
	fi
	stanza "$name" "$@"
	tap_check "$name: exit 0, an entry on stdout" \
		bash -c '[ "$1" -eq 0 ] && [ -s "$2" ]' _ "$RC" "$T/$name.out"
	if [[ $origin == grub ]]; then
		tap_check "$name: grub-script-check accepts it" grub-script-check "$T/$name.out"
		cfg=$B/grub/grub.cfg
		rm -f $B/extlinux/extlinux.conf
	else
		cfg=$B/extlinux/extlinux.conf
		rm -f $B/grub/grub.cfg
	fi
	cp "$T/$name.out" "$cfg"
	(cd t && "$MKUCODE" status -q --root . --json "${SARGS[@]}" >"$T/.json" \
		2>"$T/.err") || true
	tap_check "$name: status reads it back as asked, status 0" \
		python3 "$HERE/entry-check.py" "$T/.json" "$origin" "$kind" "${expect[@]}"
	rm -f "$cfg"
	if [[ $origin == grub && $kind == xen ]]; then
		tap_check "$name: one module2 line per file, no file named in arguments" \
			python3 - "$T/$name.out" "${expect[@]}" <<-'EOF'
				import shlex, sys
				text, expect = open(sys.argv[1]).read(), sys.argv[2:]
				files = [e.split(":", 1)[1] for e in expect if e.startswith("module:")]
				lines = [shlex.split(l) for l in text.splitlines() if l.strip().startswith("module2")]
				assert [l[2] for l in lines] == files, (lines, files)
				for l in lines:
				    assert l[1] == "--nounzip", l
				    assert not [w for w in l[3:] if w.startswith("/")], l
			EOF
	fi
}

# bad NAME RC ARGS...: a refusal: exit RC, nothing on stdout (its message
# is in the golden transcript).
bad() {
	local name=$1 want=$2
	shift 2
	stanza "$name" "$@"
	tap_check "$name: exit $want, nothing on stdout" \
		bash -c '[ "$1" -eq "$2" ] && [ ! -s "$3" ]' _ "$RC" "$want" "$T/$name.out"
}

group grub
good grub-linux grub linux kernel:$K initrd:$I -- cmdline "root=/dev/vda1 ro quiet" -- \
	grub --root . --kernel $K --initrd $I --append "root=/dev/vda1   ro quiet"
good grub-linux-early grub linux kernel:$K initrd:/boot/early.img initrd:/boot/plain.img -- \
	grub --root . --kernel $K --initrd /boot/plain.img --early /boot/early.img
# One early image per vendor, both read (status: both CPUs, both newest).
SARGS=(--cpu 06-8c-01,0x80 --cpu 0xa20f12 ../b4.bin ../amd.bin)
good grub-linux-two-early grub linux kernel:$K initrd:/boot/early.img \
	initrd:/boot/amd-early.img initrd:/boot/plain.img -- \
	grub --root . --kernel $K --initrd /boot/plain.img --early /boot/early.img \
	--early /boot/amd-early.img
good grub-xen-two-early grub xen xen:$X module:$K module:/boot/plain.img \
	module:/boot/early.img module:/boot/amd-early.img -- cmdline "ucode=scan" -- \
	grub --root . --xen $X --kernel $K --initrd /boot/plain.img --early /boot/early.img \
	--early /boot/amd-early.img
SARGS=()
good grub-linux-quoting grub linux kernel:$K initrd:$I -- \
	cmdline 'root=/dev/vda1 $x a;b {c} # d * [e]' -- \
	grub --root . --kernel $K --initrd $I --append 'root=/dev/vda1 $x a;b {c} # d * [e]' \
	--title "It's \$HOME {x} & more"
good grub-linux-space grub linux "kernel:/boot/my kernel" initrd:$I -- \
	grub --root . --kernel "/boot/my kernel" --initrd $I
good grub-xen-scan grub xen xen:$X module:$K module:$I -- \
	cmdline "dom0_mem=2G,max:2G ucode=scan" -- \
	grub --root . --xen $X --xen-args "dom0_mem=2G,max:2G" --kernel $K \
	--initrd $I --append "root=/dev/vda1 ro"
good grub-xen-early grub xen xen:$X module:$K module:/boot/plain.img module:/boot/early.img -- \
	cmdline "ucode=scan" -- \
	grub --root . --xen $X --kernel $K --initrd /boot/plain.img --early /boot/early.img
good grub-xen-raw grub xen xen:$X module:$K module:/boot/plain.img module:/boot/GenuineIntel.bin -- \
	cmdline "ucode=2" -- \
	grub --root . --xen $X --kernel $K --initrd /boot/plain.img --raw /boot/GenuineIntel.bin \
	--append "root=/dev/vda1 ro"
good grub-linux-cpu grub linux kernel:$K initrd:$I -- \
	grub --root . --cpu 06-8c-01 --kernel $K --initrd $I
good grub-linux-vendor grub linux kernel:$K initrd:$I -- \
	grub --root . --vendor intel --kernel $K --initrd $I

# Every printable character in a title and a file name: GRUB reads back
# exactly what was meant (stanza checks with its parser before printing;
# grub-script-check and status check here).
nasty=$'k $x ${y} \'s "d" \\b ;&|<>(){}[]*?!#~`=%^@,.+-_:'
cp "$B/vmlinuz-6.1.0-27-amd64" "$B/$nasty"
good grub-every-char grub linux "kernel:/boot/$nasty" initrd:$I -- \
	grub --root . --kernel "/boot/$nasty" --initrd $I --title "T: $nasty"
rm -f "$B/$nasty"

group syslinux
good sys-linux syslinux linux kernel:$K initrd:$I -- \
	cmdline "BOOT_IMAGE=$K root=/dev/vda1 ro initrd=$I" -- \
	syslinux --root . --kernel $K --initrd $I --append "root=/dev/vda1 ro"
good sys-linux-early syslinux linux kernel:$K initrd:/boot/early.img initrd:/boot/plain.img -- \
	cmdline "BOOT_IMAGE=$K initrd=/boot/early.img,/boot/plain.img" -- \
	syslinux --root . --kernel $K --initrd /boot/plain.img --early /boot/early.img
SARGS=(--cpu 06-8c-01,0x80 --cpu 0xa20f12 ../b4.bin ../amd.bin)
good sys-linux-two-early syslinux linux kernel:$K initrd:/boot/amd-early.img \
	initrd:/boot/early.img initrd:/boot/plain.img -- \
	cmdline "BOOT_IMAGE=$K initrd=/boot/amd-early.img,/boot/early.img,/boot/plain.img" -- \
	syslinux --root . --kernel $K --initrd /boot/plain.img --early /boot/amd-early.img \
	--early /boot/early.img
SARGS=()
good sys-xen-scan syslinux xen xen:$X module:$K module:$I -- \
	cmdline "dom0_mem=2G ucode=scan" -- \
	syslinux --root . --xen $X --xen-args dom0_mem=2G --kernel $K --initrd $I \
	--append "root=/dev/vda1 ro" --title "Debian with Xen"
SARGS=(--cpu 0xa20f12 ../amd.bin)
good sys-xen-raw syslinux xen xen:$X module:$K module:/boot/plain.img module:/boot/AuthenticAMD.bin -- \
	cmdline "ucode=2" -- \
	syslinux --root . --vendor amd --xen $X --kernel $K --initrd /boot/plain.img \
	--raw /boot/AuthenticAMD.bin
SARGS=()
good sys-xen-mboot syslinux xen xen:$X module:$K module:$I -- \
	cmdline "ucode=scan" -- \
	syslinux --root . --xen $X --kernel $K --initrd $I --mboot /boot/syslinux/mboot.c32

group refused
bad no-microcode 1 grub --root . --kernel $K --initrd /boot/plain.img
bad early-shadows 1 grub --root . --kernel $K --initrd $I --early /boot/early.img
bad xen-early-dead 1 grub --root . --xen $X --kernel $K --initrd $I --early /boot/early.img
bad xen-raw-dead 1 syslinux --root . --xen $X --kernel $K --initrd $I --raw /boot/GenuineIntel.bin
bad raw-both-vendors 1 grub --root . --xen $X --kernel $K --initrd /boot/plain.img --raw /boot/both.bin
bad raw-both-amd-first 1 grub --root . --xen $X --kernel $K --initrd /boot/plain.img \
	--raw /boot/both-amd-first.bin
bad raw-huge 1 grub --root . --xen $X --kernel $K --initrd /boot/plain.img --raw /boot/huge.bin
bad raw-without-xen 1 grub --root . --kernel $K --initrd /boot/plain.img --raw /boot/GenuineIntel.bin
bad raw-is-cpio 1 grub --root . --xen $X --kernel $K --initrd /boot/plain.img --raw /boot/early.img
bad early-same-vendor 1 grub --root . --kernel $K --initrd /boot/plain.img \
	--early /boot/early.img --early /boot/early-b2.img
bad early-no-cpio 1 grub --root . --kernel $K --initrd /boot/plain.img --early /boot/plain.img
bad missing-files 1 grub --root . --xen /boot/xen-4.99.gz --kernel /boot/vmlinuz-7 \
	--initrd /boot/initrd.img-7 --early /boot/nothing.img
bad cpu-not-served 1 grub --root . --cpu 06-9e-0a --kernel $K --initrd $I
bad one-cpu-not-served 1 grub --root . --cpu 06-8c-01 --cpu 06-9e-0a --kernel $K --initrd $I
bad xen-raw-cpu-not-served 1 grub --root . --cpu 0xa20f12 --xen $X --kernel $K \
	--initrd /boot/plain.img --raw /boot/GenuineIntel.bin
bad xen-raw-other-vendor 1 grub --root . --cpu 06-8c-01,0x80 --xen $X --kernel $K \
	--initrd /boot/plain.img --raw /boot/AuthenticAMD.bin
bad compressed-part 1 grub --root . --kernel $K --initrd /boot/in-main.img
bad early-before-cpio 1 grub --root . --kernel $K --initrd /boot/plain.img \
	--early /boot/early-b2.img --initrd /boot/early.img
bad shadowed-initrds 1 syslinux --root . --kernel $K --initrd /boot/old.img --initrd $I
bad xen-no-initrd 1 grub --root . --xen $X --kernel $K --raw /boot/GenuineIntel.bin
bad xen-two-initrds 1 grub --root . --xen $X --kernel $K --initrd $I --initrd /boot/plain.img
bad xen-args-ucode 1 grub --root . --xen $X --xen-args "ucode=1" --kernel $K --initrd $I
bad append-initrd 1 syslinux --root . --kernel $K --initrd $I --append "initrd=/boot/plain.img"
bad grub-quote 1 grub --root . --kernel $K --initrd $I --append 'foo="a b"'
bad grub-backslash 1 grub --root . --xen $X --kernel $K --initrd $I --xen-args 'a\b'
bad grub-newline 1 grub --root . --kernel $K --initrd $I --title $'two\nlines'
bad sys-space 1 syslinux --root . --kernel "/boot/my kernel" --initrd $I
bad sys-comma 1 syslinux --root . --kernel $K --early /boot/early.img --initrd /boot/plain,old.img
bad sys-dashes 1 syslinux --root . --xen $X --kernel $K --initrd $I --append "a --- b"
bad sys-dashes-end 1 syslinux --root . --xen $X --xen-args "x ---" --kernel $K --initrd $I
bad sys-caret 1 syslinux --root . --kernel $K --initrd $I --title "^Debian"

group usage
bad no-loader 2 --root . --kernel $K --initrd $I
bad wrong-loader 2 lilo --root . --kernel $K --initrd $I
bad extra-arg 2 grub --root . --kernel $K --initrd $I extra
bad no-kernel 2 grub --root . --initrd $I
bad early-and-raw 2 grub --root . --xen $X --kernel $K --initrd $I --early /boot/early.img \
	--raw /boot/GenuineIntel.bin
bad xen-args-alone 2 grub --root . --xen-args dom0_mem=1G --kernel $K --initrd $I
bad mboot-grub 2 grub --root . --xen $X --kernel $K --initrd $I --mboot /mboot.c32
bad mboot-linux 2 syslinux --root . --kernel $K --initrd $I --mboot /mboot.c32
bad relative 2 grub --root . --kernel vmlinuz --initrd $I
bad all-and-cpu 2 grub --root . --all --cpu 06-8c-01 --kernel $K --initrd $I

# Nothing of the tree changed: stanza only reads.
tap_check "the tree is unchanged" \
	bash -c '[ "$(cd t && find . -type f -exec sha256sum {} + | sort)" = "$1" ]' _ "$pristine"

# ------------------------------------------------- syslinux's INITRD a,b
#
# ldlinux starts each initrd after the first at the next multiple of 4
# bytes, the gap zeroed; the kernel's scan walks the stream on 4-byte
# boundaries and steps over zeros.  odd.img is a cpio without microcode,
# 16n+1 bytes long: the early cpio after it starts at 16n+4, where the
# kernel finds it but Intel's data is off its 16-byte alignment (status 4,
# UC_ERR_MISALIGNED).  Were the gap 4 KiB the data would be aligned
# (status 0); back to back (cat) the archive is off the 4-byte grid and
# nothing is found (exit 3).  stanza puts the early image first, at 0.
group initrd-align
ug cpio init=init -o first.cpio
size=$(stat -c %s first.cpio)
{ cat first.cpio; head -c $(((16 - size % 16) % 16 + 1)) /dev/zero; } >$B/odd.img
printf 'DEFAULT odd\nLABEL odd\n\tLINUX %s\n\tINITRD /boot/odd.img,/boot/early.img\n' $K \
	>$B/extlinux/extlinux.conf
# record NAME CMD...: a command's transcript in the group's golden.
record() {
	local name=$1
	shift
	{
		transcript "$(echo "\$ $*   # $name" | sed "s|$MKUCODE|mkucode|g")" "$@"
		echo
	} >>"$T/$GROUP.txt"
}
record status-odd-early in_t "$MKUCODE" status -q --root .
tap_check "INITRD odd,early: the cpio is found after the 4-byte gap, misaligned" \
	grep -q 'linux-6.1 0x000000b4, linux 0x000000b4.*to fix' "$T/.out"
tap_check "INITRD odd,early: UC_ERR_MISALIGNED named" grep -q 'UC_ERR_MISALIGNED' "$T/.out"
record verify-as-loaders-join "$MKUCODE" verify --cpu 06-8c-01,0x80 $B/odd.img $B/early.img
tap_check "verify odd.img early.img (joined as loaders join them): exit 4" test "$RC" -eq 4
cat $B/odd.img $B/early.img >joined.img
record verify-back-to-back "$MKUCODE" verify --cpu 06-8c-01,0x80 joined.img
tap_check "the same bytes back to back: exit 3 (the 4-byte start matters)" test "$RC" -eq 3
rm -f $B/extlinux/extlinux.conf

# ---------------------------------------------------------------- golden

for g in grub syslinux refused usage initrd-align; do
	golden_check "$g.txt" "$T/$g.txt" "golden $g"
done

tap_done

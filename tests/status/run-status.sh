#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# `mkucode status` on a catalogue of /boot trees, against golden output.
#
#   run-status.sh [--update] MKUCODE UCGEN [SRCDIR]
#
# Each tree is made here, in a `mktemp -d` directory, from ucgen microcode
# and the real mkucode (-o, --prepend): no binary is committed.  Each case
# runs `mkucode status --root .` inside its tree (so paths read ./boot/...)
# and compares the transcript -- the command, standard output, standard
# error after "[stderr]", and "[exit N]" -- with SRCDIR/golden/NAME.txt.
# --update rewrites the golden files from what the binary does now; read
# the diff before committing.  Output is TAP.
#
# The trees (only kernels and initrds in /boot: entries the configs define
# are the parsers' tests, and built directly in tests/unit/test-audit.c):
#   debian3      three Debian kernels: one current, one stale, one whose
#                initrd has no microcode (exit 3)
#   early-stale  a stale separate intel-ucode.img in front of a current
#                prepended initrd: shadowed, stale (exit 4)
#   current      one current kernel (exit 0); against a newer SOURCE given
#                on the command line it is stale (exit 4)
#   running      no microcode in the initrd, but the CPU already runs the
#                newest: nothing is missing (exit 0)
#   efi          a current kernel, a kernel without initrd (missing), an
#                early image no entry loads, a UKI and xen.efi with its .cfg:
#                what refresh cannot update, said in notes (exit 3)
#   malformed    an initrd whose early cpio is broken: exit 1, the file and
#                offset named
#   grub-xen     a grub.cfg (read by domain/boot/grub) with a Linux entry, a
#                Xen entry with ucode=scan, one without it (the fix is one
#                word: exit 4), GRUB 2.06's one-line module2 with a
#                separate early image (dom0 would get the cpio)
#   grub-xen-other-vendor  ucode=2 naming an AMD raw file on this Intel
#                CPU: said as such, not as a broken Intel file (exit 3)
#   bls-extlinux a BLS entry (two initrds: a stale early image first) and an
#                extlinux.conf with a Linux label and an mboot.c32 Xen label
#                (domain/boot/bls, domain/boot/syslinux)
#   compressed   an initrd whose only microcode sits in the gzip-compressed
#                main part, as a misconfigured generator writes it (exit 3)
#   uki-*        UKIs made with objcopy --add-section from Debian's
#                systemd-stub (trees.sh: uki), .sdmagic saying 256 where the
#                stub must hand over .ucode: a current .ucode (exit 0); a
#                stale one in a signed UKI (exit 4, the fix says to sign it
#                again); .ucode and .initrd both carrying it, the same
#                (loaded-twice) or .initrd's newer (shadowed); .initrd alone
#                with the microcode prepended (exit 0); Debian 12's own stub
#                (252), which never hands over .ucode (uki-ucode-ignored,
#                exit 3); .initrd with its microcode only in the gzip main
#                part (exit 3); a raw GenuineIntel.bin as .ucode, which
#                the kernel does not read (exit 3); truncated inside .initrd and .initrd
#                overlapping .ucode (exit 1, the offset named)

set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=../lib/suite.sh
. "$(dirname "$(realpath "$0")")/../lib/suite.sh"
suite_args "[--update]" MKUCODE UCGEN "[SRCDIR]" -- "$@"
suite_need gzip seq diff objcopy od
[[ -r /usr/lib/systemd/boot/efi/linuxx64.efi.stub ]] ||
	suite_skip "no systemd stub (systemd-boot-efi) to make UKIs from"
suite_tmpdir status

# The trees' shapes (microcode, tree, kernel, debian3), shared with
# run-refresh.sh.
# shellcheck source=trees.sh
. "$HERE/trees.sh"
trees_microcode

debian3 debian3

tree early-stale 0x1
kernel early-stale 6.1.0-27-amd64
mk --prepend early-stale/boot/initrd.img-6.1.0-27-amd64 b4.bin
cp b2.cpio early-stale/boot/intel-ucode.img

tree current 0x1
kernel current 6.1.0-27-amd64
mk --prepend current/boot/initrd.img-6.1.0-27-amd64 b4.bin

tree running 0xb4
kernel running 6.1.0-27-amd64

tree efi 0x1
kernel efi 6.1.0-27-amd64
mk --prepend efi/boot/initrd.img-6.1.0-27-amd64 b4.bin
echo "kernel 6.1.0-28" >efi/boot/vmlinuz-6.1.0-28-amd64
cp b4.cpio efi/boot/early-ucode.cpio
mkdir -p efi/boot/efi/EFI/Linux
uki efi/boot/efi/EFI/Linux/debian-6.1.0-27-amd64.efi 256.7 b4.cpio main.cpio.gz
echo "MZ not a real PE" >efi/boot/xen-4.17-amd64.efi
printf '[global]\ndefault=debian\n[debian]\nkernel=vmlinuz-6.1.0-27-amd64 ro\nramdisk=initrd.img-6.1.0-27-amd64\nucode=GenuineIntel.bin\n' \
	>efi/boot/xen-4.17-amd64.cfg
cp b4.bin efi/boot/GenuineIntel.bin

tree malformed 0x1
kernel malformed 6.1.0-27-amd64
ug cpio --defect filesize-past-end --defect-index 3 kernel/ kernel/x86/ \
	kernel/x86/microcode/ kernel/x86/microcode/GenuineIntel.bin=b4.bin \
	-o malformed.cpio
cat malformed.cpio main.cpio.gz >malformed/boot/initrd.img-6.1.0-27-amd64

tree grub-xen 0x1
kernel grub-xen 6.1.0-27-amd64
mk --prepend grub-xen/boot/initrd.img-6.1.0-27-amd64 b4.bin
cp b4.cpio grub-xen/boot/intel-ucode.img
echo "xen 4.17" >grub-xen/boot/xen-4.17-amd64.gz
ug amd --equiv 0xa20f12 --patch 0xa201210 --date 0x03152024 --seed 7 -o amd.bin
mkdir amd-raw
mk --raw amd-raw amd.bin
cp amd-raw/AuthenticAMD.bin grub-xen/boot/
mkdir -p grub-xen/boot/grub
cat >grub-xen/boot/grub/grub.cfg <<'EOF'
set default=0
menuentry 'Debian GNU/Linux' --class debian {
	linux /boot/vmlinuz-6.1.0-27-amd64 root=/dev/vda1 ro quiet
	initrd /boot/initrd.img-6.1.0-27-amd64
}
menuentry 'Debian GNU/Linux, with Xen hypervisor (ucode=scan)' {
	multiboot2 /boot/xen-4.17-amd64.gz placeholder ucode=scan
	module2 /boot/vmlinuz-6.1.0-27-amd64 placeholder root=/dev/vda1 ro
	module2 --nounzip /boot/initrd.img-6.1.0-27-amd64
}
menuentry 'Debian GNU/Linux, with Xen hypervisor (no ucode=)' {
	multiboot2 /boot/xen-4.17-amd64.gz placeholder
	module2 /boot/vmlinuz-6.1.0-27-amd64 placeholder root=/dev/vda1 ro
	module2 --nounzip /boot/initrd.img-6.1.0-27-amd64
}
menuentry 'Debian GNU/Linux, with Xen hypervisor (GRUB 2.06 one module line)' {
	multiboot2 /boot/xen-4.17-amd64.gz placeholder ucode=scan
	module2 /boot/vmlinuz-6.1.0-27-amd64 placeholder root=/dev/vda1 ro
	module2 --nounzip /boot/intel-ucode.img /boot/initrd.img-6.1.0-27-amd64
}
EOF

# The same kernel and Xen, and one entry whose ucode=2 names an AMD raw file.
tree grub-xen-other-vendor 0x1
cp -r grub-xen/boot/. grub-xen-other-vendor/boot/
cat >grub-xen-other-vendor/boot/grub/grub.cfg <<'EOF'
menuentry 'Debian GNU/Linux, with Xen hypervisor (an AMD raw module)' {
	multiboot2 /boot/xen-4.17-amd64.gz placeholder ucode=2
	module2 /boot/vmlinuz-6.1.0-27-amd64 placeholder root=/dev/vda1 ro
	module2 --nounzip /boot/initrd.img-6.1.0-27-amd64
	module2 --nounzip /boot/AuthenticAMD.bin
}
EOF

tree bls-extlinux 0x1
kernel bls-extlinux 6.1.0-27-amd64
mk --prepend bls-extlinux/boot/initrd.img-6.1.0-27-amd64 b4.bin
cp b2.cpio bls-extlinux/boot/early-b2.cpio
echo "xen 4.17" >bls-extlinux/boot/xen-4.17-amd64.gz
mkdir -p bls-extlinux/boot/loader/entries bls-extlinux/boot/extlinux
cat >bls-extlinux/boot/loader/entries/debian-6.1.0-27.conf <<'EOF'
title      Debian GNU/Linux 12
version    6.1.0-27-amd64
linux      /vmlinuz-6.1.0-27-amd64
initrd     /early-b2.cpio
initrd     /initrd.img-6.1.0-27-amd64
options    root=/dev/vda1 ro
EOF
cat >bls-extlinux/boot/extlinux/extlinux.conf <<'EOF'
DEFAULT linux
LABEL linux
  KERNEL /vmlinuz-6.1.0-27-amd64
  INITRD /initrd.img-6.1.0-27-amd64
  APPEND root=/dev/vda1 ro
LABEL xen
  KERNEL mboot.c32
  APPEND /xen-4.17-amd64.gz ucode=scan --- /vmlinuz-6.1.0-27-amd64 root=/dev/vda1 --- /initrd.img-6.1.0-27-amd64
EOF

tree compressed 0x1
echo "kernel 6.1.0-27" >compressed/boot/vmlinuz-6.1.0-27-amd64
ug cpio kernel/ kernel/x86/ kernel/x86/microcode/ \
	kernel/x86/microcode/GenuineIntel.bin=b4.bin init=init -o in-main.cpio
gzip -9 -n -c in-main.cpio >compressed/boot/initrd.img-6.1.0-27-amd64

# uki-tree NAME STUB-VERSION UCODE INITRD [signed]: a tree whose one entry
# is a UKI in /boot/efi/EFI/Linux.
uki_tree() {
	tree "$1" 0x1
	mkdir -p "$1/boot/efi/EFI/Linux"
	uki "$1/boot/efi/EFI/Linux/debian-6.1.0-27-amd64.efi" "${@:2}"
}
cp main.cpio.gz prepended-b4.img
mk --prepend prepended-b4.img b4.bin
uki_tree uki-fresh 256.7 b4.cpio main.cpio.gz
uki_tree uki-stale 256.7 b2.cpio main.cpio.gz signed
uki_tree uki-twice 256.7 b4.cpio prepended-b4.img
cp b2.cpio ucode-b2.cpio
uki_tree uki-shadowed 256.7 ucode-b2.cpio prepended-b4.img
uki_tree uki-initrd-only 256.7 - prepended-b4.img
uki_tree uki-old-stub stock b4.cpio main.cpio.gz
uki_tree uki-compressed 256.7 - compressed/boot/initrd.img-6.1.0-27-amd64
uki_tree uki-raw-ucode 256.7 b4.bin main.cpio.gz
uki_tree uki-truncated 256.7 b4.cpio main.cpio.gz
f=uki-truncated/boot/efi/EFI/Linux/debian-6.1.0-27-amd64.efi
# Cut inside .initrd: the section table says more than the file holds.
truncate -s $(($(od -An -tu4 -j$(($(pe_section "$f" .initrd) + 20)) -N4 "$f" | tr -d ' ') + 0x100)) "$f"
uki_tree uki-overlap 256.7 b4.cpio main.cpio.gz
f=uki-overlap/boot/efi/EFI/Linux/debian-6.1.0-27-amd64.efi
pe_u32 "$f" $(($(pe_section "$f" .initrd) + 20)) \
	"$(od -An -tu4 -j$(($(pe_section "$f" .ucode) + 20)) -N4 "$f" | tr -d ' ')"

# xen_efi_tree NAME [FILE=SOURCE...]: a tree whose ESP holds
# EFI/debian/xen-4.17-amd64.efi (what the firmware starts; its bytes are
# not read) beside the dom0 kernel and the FILEs, and the configuration
# from standard input as EFI/debian/xen.cfg (the last name xen.efi tries).
xen_efi_tree() {
	local d=$1/boot/efi/EFI/debian f
	tree "$1" 0x1
	mkdir -p "$d"
	echo "MZ xen.efi" >"$d/xen-4.17-amd64.efi"
	echo "kernel 6.1.0-27" >"$d/vmlinuz-6.1.0-27-amd64"
	for f in "${@:2}"; do
		cp "${f#*=}" "$d/${f%%=*}"
	done
	cat >"$d/xen.cfg"
}
# A raw file for the CPU in ucode= (in [global]: the section has none),
# comments, a tab ending the kernel's options as Xen reads it.
xen_efi_tree xen-efi-raw initrd.img=main.cpio.gz GenuineIntel.bin=b4.bin <<'EOF'
# xen.efi's configuration
[global]
default=debian
ucode=GenuineIntel.bin   # the raw microcode module
[debian]
options=console=vga loglvl=all
kernel=vmlinuz-6.1.0-27-amd64 root=/dev/vda1 ro	ignored after the tab
ramdisk=initrd.img
EOF
xen_efi_tree xen-efi-stale initrd.img=main.cpio.gz ucode.bin=b2.bin <<'EOF'
[global]
default=debian
[debian]
kernel=vmlinuz-6.1.0-27-amd64 root=/dev/vda1 ro
ramdisk=initrd.img
ucode=ucode.bin
EOF
xen_efi_tree xen-efi-scan initrd.img=prepended-b4.img <<'EOF'
[global]
default=debian
[debian]
options=console=vga ucode=scan
kernel=vmlinuz-6.1.0-27-amd64 root=/dev/vda1 ro
ramdisk=initrd.img
EOF
xen_efi_tree xen-efi-no-ucode initrd.img=prepended-b4.img <<'EOF'
[global]
default=debian
[debian]
options=console=vga
kernel=vmlinuz-6.1.0-27-amd64 root=/dev/vda1 ro
ramdisk=initrd.img
EOF
# No default=: the first of each value in the file, the headers ignored;
# a ucode= file missing; the last line without a newline (ignored).
xen_efi_tree xen-efi-none initrd.img=main.cpio.gz <<'EOF'
[other]
kernel=vmlinuz-6.1.0-27-amd64 root=/dev/vda1 ro
ramdisk=initrd.img
ucode=missing.bin
[debian]
kernel=vmlinuz-elsewhere
EOF
printf 'options=ucode=scan' >>xen-efi-none/boot/efi/EFI/debian/xen.cfg
xen_efi_tree xen-efi-cpio initrd.img=main.cpio.gz ucode.cpio=b4.cpio <<'EOF'
[global]
default=debian
[debian]
kernel=vmlinuz-6.1.0-27-amd64 root=/dev/vda1 ro
ramdisk=initrd.img
ucode=ucode.cpio
EOF
xen_efi_tree xen-efi-bad-default initrd.img=main.cpio.gz <<'EOF'
[global]
default=debain
[debian]
kernel=vmlinuz-6.1.0-27-amd64 root=/dev/vda1 ro
EOF
xen_efi_tree xen-efi-utf16 </dev/null
printf '\377\376[\000g\000' >xen-efi-utf16/boot/efi/EFI/debian/xen.cfg

# ---------------------------------------------------------------- cases

# case NAME TREE ARGS...: run status in TREE, compare with golden/NAME.txt.
case_() {
	local name=$1 dir=$2
	shift 2
	transcript "\$ mkucode status $*   # in $dir" \
		in_dir "$T/$dir" "$MKUCODE" status "$@" >"$T/$name.txt"
	golden_check "$name.txt" "$T/$name.txt" "$name"
}

case_ debian3 debian3 --root .
case_ debian3-json debian3 --root . --json
case_ early-stale early-stale --root .
case_ early-stale-json early-stale --root . --json
case_ current current --root .
case_ current-newer-source current --root . ../b6.bin
case_ running running --root .
case_ cpu-option running --root . --cpu 0x806c1,0x80
case_ all-cpus current --root . --all
case_ cpu-without-update current --root . --cpu 0x906ea,0x2
case_ efi efi --root .
case_ malformed malformed --root .
case_ usage current --root . --all --cpu 0x806c1
case_ grub-xen grub-xen --root .
case_ grub-xen-json grub-xen --root . --json
case_ grub-xen-other-vendor grub-xen-other-vendor --root .
case_ bls-extlinux bls-extlinux --root .
case_ compressed compressed --root .
case_ uki-fresh uki-fresh --root .
case_ uki-stale uki-stale --root .
case_ uki-stale-json uki-stale --root . --json
case_ uki-twice uki-twice --root .
case_ uki-twice-json uki-twice --root . --json
case_ uki-shadowed uki-shadowed --root .
case_ uki-initrd-only uki-initrd-only --root .
case_ uki-old-stub uki-old-stub --root .
case_ uki-compressed uki-compressed --root .
case_ uki-raw-ucode uki-raw-ucode --root .
case_ uki-truncated uki-truncated --root .
case_ uki-overlap uki-overlap --root .
case_ xen-efi-raw xen-efi-raw --root .
case_ xen-efi-raw-json xen-efi-raw --root . --json
case_ xen-efi-stale xen-efi-stale --root .
case_ xen-efi-scan xen-efi-scan --root .
case_ xen-efi-no-ucode xen-efi-no-ucode --root .
case_ xen-efi-none xen-efi-none --root .
case_ xen-efi-cpio xen-efi-cpio --root .
case_ xen-efi-bad-default xen-efi-bad-default --root .
case_ xen-efi-utf16 xen-efi-utf16 --root .

# What the goldens say, asserted on their own: the exit codes.
for want in debian3:3 early-stale:4 current:0 current-newer-source:4 running:0 \
	cpu-option:3 all-cpus:0 cpu-without-update:0 efi:3 malformed:1 usage:2 \
	grub-xen:4 grub-xen-other-vendor:3 bls-extlinux:4 compressed:3 uki-fresh:0 uki-stale:4 uki-twice:4 \
	uki-shadowed:4 uki-initrd-only:0 uki-old-stub:3 uki-compressed:3 uki-raw-ucode:3 uki-truncated:1 uki-overlap:1 \
	xen-efi-raw:0 xen-efi-stale:4 xen-efi-scan:0 xen-efi-no-ucode:4 xen-efi-none:3 \
	xen-efi-cpio:4 xen-efi-bad-default:1 xen-efi-utf16:1; do
	name=${want%%:*}
	tap_check "$name: exit ${want#*:}" grep -qx "\[exit ${want#*:}\]" "$T/$name.txt"
done

# The JSON is JSON, with the keys doc/json.md promises on every element.
if command -v python3 >/dev/null; then
	for name in debian3-json early-stale-json uki-stale-json uki-twice-json \
		xen-efi-raw-json; do
		awk 'NR > 1 && /^\[(stderr|exit)/ { exit } NR > 1' "$T/$name.txt" \
			>"$T/$name.json"
		tap_check "$name: an array of entries with the documented keys" \
			python3 -c '
import json, sys
entries = json.load(open(sys.argv[1]))
assert entries, entries
ek = {"origin", "config", "line", "title", "kind", "status", "unresolved",
      "files", "cmdline", "cpus", "problems"}
ck = {"vendor", "signature", "pf", "pf_known", "running", "linux_6_1",
      "linux", "xen_4_17", "xen", "newest", "status", "problems"}
pk = {"code", "file", "offset", "line", "loaders", "message"}
for e in entries:
    assert set(e) == ek, set(e) ^ ek
    assert e["cpus"], e
    for f in e["files"]:
        assert set(f) == {"role", "path", "file", "args", "line", "section",
                          "offset", "size"}, f
        # A part names its section, with where it lies; a file does not.
        assert (f["section"] is None) == (f["offset"] is None) == \
            (f["size"] is None), f
        assert (f["section"] is not None) == (e["origin"] == "uki"), f
    for c in e["cpus"]:
        assert set(c) == ck, set(c) ^ ck
        # A Linux entry: Xen never counts; a Xen entry: Linux never does.
        if e["kind"] == "linux":
            assert c["xen_4_17"] is None and c["xen"] is None, c
        else:
            assert c["linux_6_1"] is None and c["linux"] is None, c
        for p in c["problems"] + e["problems"]:
            assert set(p) == pk, set(p) ^ pk
' "$T/$name.json"
	done
fi

tap_done

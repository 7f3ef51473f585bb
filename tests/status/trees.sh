# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
# tests/status/trees.sh - the /boot trees' shapes, shared by the status
# suites; sourced with T (a scratch directory, the current one), UCGEN and
# MKUCODE set.
#
# Microcode: 06-8c-01 (0x806c1, platform 0x80): b2.bin is stale, b4.bin
# the newest the trees' firmware has, b6.bin newer still; b2.cpio and
# b4.cpio their early cpios; main.cpio.gz an initrd's main part alone.

ug() { "$UCGEN" "$@"; }
mk() { "$MKUCODE" -q "$@"; }

trees_microcode() {
	ug intel --sig 0x806c1 --pf 0x80 --rev 0xb2 --date 0x01102023 --seed 2 -o b2.bin
	ug intel --sig 0x806c1 --pf 0x80 --rev 0xb4 --date 0x09072023 --seed 4 -o b4.bin
	ug intel --sig 0x806c1 --pf 0x80 --rev 0xb6 --date 0x02022024 --seed 6 -o b6.bin
	mk -o b2.cpio b2.bin
	mk -o b4.cpio b4.bin
	seq 1 2000 >init
	ug cpio init=init -o main.cpio
	gzip -9 -n -c main.cpio >main.cpio.gz
}

# tree NAME RUNNING: $T/NAME with the firmware (0xb4) and one CPU, 06-8c-01
# platform 0x80 running RUNNING, in its /proc and /sys (what --host reads).
tree() {
	local d=$T/$1
	mkdir -p "$d/boot" "$d/lib/firmware/intel-ucode" "$d/proc" \
		"$d/sys/devices/system/cpu/cpu0/microcode"
	cp b4.bin "$d/lib/firmware/intel-ucode/06-8c-01"
	echo 0 >"$d/sys/devices/system/cpu/online"
	cat >"$d/proc/cpuinfo" <<-EOT
		processor	: 0
		vendor_id	: GenuineIntel
		cpu family	: 6
		model		: 140
		model name	: Synthetic CPU
		stepping	: 1
		microcode	: $2
		flags		: fpu vme de pse tsc msr

	EOT
	echo "$2" >"$d/sys/devices/system/cpu/cpu0/microcode/version"
	echo 0x80 >"$d/sys/devices/system/cpu/cpu0/microcode/processor_flags"
}

# kernel TREE V: /boot/vmlinuz-V and an initrd.img-V of the main part alone.
kernel() {
	echo "kernel $2" >"$T/$1/boot/vmlinuz-$2"
	cp main.cpio.gz "$T/$1/boot/initrd.img-$2"
}

# debian3 TREE: three Debian kernels, 6.1.0-25 without microcode, 6.1.0-26
# stale (0xb2), 6.1.0-27 current (0xb4).
debian3() {
	tree "$1" 0x1
	kernel "$1" 6.1.0-25-amd64
	kernel "$1" 6.1.0-26-amd64
	kernel "$1" 6.1.0-27-amd64
	mk --prepend "$T/$1/boot/initrd.img-6.1.0-27-amd64" b4.bin
	mk --prepend "$T/$1/boot/initrd.img-6.1.0-26-amd64" b2.bin
}

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

# The systemd stub (Debian's systemd-boot-efi) that UKIs are made from.
UKI_STUB=/usr/lib/systemd/boot/efi/linuxx64.efi.stub

# pe_u32 FILE OFFSET VALUE: write a little-endian 32-bit VALUE in place.
pe_u32() {
	printf "$(printf '\\%03o\\%03o\\%03o\\%03o' $(($3 & 255)) $(($3 >> 8 & 255)) \
		$(($3 >> 16 & 255)) $(($3 >> 24 & 255)))" |
		dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}

# pe_section FILE NAME: the offset of NAME's entry in FILE's section table.
pe_section() {
	local lfanew nsect opt table i name
	lfanew=$(od -An -tu4 -j60 -N4 "$1" | tr -d ' ')
	nsect=$(od -An -tu2 -j$((lfanew + 6)) -N2 "$1" | tr -d ' ')
	opt=$(od -An -tu2 -j$((lfanew + 20)) -N2 "$1" | tr -d ' ')
	table=$((lfanew + 24 + opt))
	for ((i = 0; i < nsect; i++)); do
		name=$(dd if="$1" bs=1 skip=$((table + 40 * i)) count=8 status=none | tr -d '\0')
		if [[ $name == "$2" ]]; then
			echo $((table + 40 * i))
			return
		fi
	done
	return 1
}

# uki OUT STUB-VERSION UCODE INITRD [signed]: a UKI made as ukify's objcopy
# route makes it from Debian's stub, with .ucode UCODE ("-": none) and
# .initrd INITRD.  STUB-VERSION other than the stub's own is written into
# .sdmagic (the version systemd-stub reports), as a newer stub's would
# read; "signed" gives it a certificate table, as sbsign would (the
# signature itself is not checked by anyone here).
uki() {
	local out=$1 version=$2 ucode=$3 initrd=$4 dir opt lfanew
	dir=$(mktemp -d)
	echo "root=/dev/vda1 ro" >"$dir/cmdline"
	echo "6.1.0-27-amd64" >"$dir/uname"
	echo "not a kernel" >"$dir/linux"
	local args=(--add-section .cmdline="$dir/cmdline" --change-section-vma .cmdline=0x30000
		--add-section .uname="$dir/uname" --change-section-vma .uname=0x31000)
	if [[ $ucode != - ]]; then
		args+=(--add-section .ucode="$ucode" --change-section-vma .ucode=0x40000)
	fi
	args+=(--add-section .linux="$dir/linux" --change-section-vma .linux=0x50000
		--add-section .initrd="$initrd" --change-section-vma .initrd=0x60000)
	if [[ $version != stock ]]; then
		# As long as the stub's string, NUL-padded.
		local magic="#### LoaderInfo: systemd-stub $version ####"
		{
			printf '%s' "$magic"
			head -c $((0x34 - ${#magic})) /dev/zero
		} >"$dir/sdmagic"
		args+=(--update-section .sdmagic="$dir/sdmagic")
	fi
	objcopy "${args[@]}" "$UKI_STUB" "$out"
	if [[ ${5:-} == signed ]]; then
		lfanew=$(od -An -tu4 -j60 -N4 "$out" | tr -d ' ')
		opt=$((lfanew + 24))
		# Data directory 4 (PE32+: directories from +112), 8 bytes at
		# the file's end, as a certificate table appended would be.
		pe_u32 "$out" $((opt + 112 + 32)) "$(stat -c %s "$out")"
		pe_u32 "$out" $((opt + 112 + 36)) 8
		head -c 8 /dev/zero >>"$out"
	fi
	rm -rf "$dir"
}

#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# `mkucode late` on fake running systems, against golden transcripts.
#
#   run-late.sh [--update] MKUCODE UCGEN RELOADHOOK [SRCDIR]
#
# Each system is a `--root` tree made here: /proc/cpuinfo, the kernel's
# microcode sysfs (cpuN/microcode/{version,processor_flags}, microcode/
# reload) or its absence, /proc/xen/capabilities, /sys/hypervisor/type,
# /lib/firmware with ucgen microcode.  A case runs `mkucode late --root .`
# in a fresh copy of its tree and compares the command, standard output,
# standard error after "[stderr]" and "[exit N]" with golden/NAME.txt
# (--update rewrites them; read the diff before committing).
#
# The reload path: RELOADHOOK (reloadhook.c, LD_PRELOAD) runs a command
# while mkucode writes `reload`, as the kernel loads during that write:
# the command changes the version files (or not), or the write fails.
# Xen: a fake xen-ucode in the tree's /usr/lib/xen-4.17/bin keeps what it
# was handed and exits as told.  Output is TAP.

set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=../lib/suite.sh
. "$(dirname "$(realpath "$0")")/../lib/suite.sh"
suite_args "[--update]" MKUCODE UCGEN RELOADHOOK "[SRCDIR]" -- "$@"
suite_tmpdir
unset LATE_RELOAD_RUN LATE_RELOAD_ERRNO
export TMPDIR=$T

ug() { "$UCGEN" "$@"; }

# ---------------------------------------------------------------- microcode
# 06-8c-01 platform 0x80: b4 may be loaded late over 0xb0 or newer, b6
# over 0xb4; b4z names no minimum (min_req_ver 0), b4h needs 0xb3.
ug intel --sig 0x806c1 --pf 0x80 --rev 0xb4 --min-req-ver 0xb0 --seed 4 -o b4.bin
ug intel --sig 0x806c1 --pf 0x80 --rev 0xb6 --min-req-ver 0xb4 --seed 6 -o b6.bin
ug intel --sig 0x806c1 --pf 0x80 --rev 0xb4 --seed 5 -o b4z.bin
ug intel --sig 0x806c1 --pf 0x80 --rev 0xb4 --min-req-ver 0xb3 --seed 7 -o b4h.bin
# 06-8c-02, another stepping: its own update.
ug intel --sig 0x806c2 --pf 0x80 --rev 0x2c --min-req-ver 0x20 --seed 8 -o s2.bin
# AMD family 19h, 0x00a20f12 (equivalence id 0xa212).
ug amd --equiv 0xa20f12:0xa212 --patch 0xa201210:0xa212 -o fam19.bin

# ---------------------------------------------------------------- trees

# tree NAME: an empty system.
tree() {
	mkdir -p "$T/$1/proc" "$T/$1/sys/devices/system/cpu" \
		"$T/$1/lib/firmware/intel-ucode" "$T/$1/lib/firmware/amd-ucode"
	: >"$T/$1/proc/cpuinfo"
}

# cpu NAME N intel|amd FAMILY MODEL STEPPING REV FLAGS [sysfs]: CPU N in
# /proc/cpuinfo (decimal family/model/stepping, as Linux prints them;
# REV "" for no microcode line) and, with "sysfs", the kernel loader's
# cpuN/microcode files (platform 0x80 for Intel).
cpu() {
	local d=$T/$1 vendor=GenuineIntel
	[[ $3 == amd ]] && vendor=AuthenticAMD
	{
		echo "processor	: $2"
		echo "vendor_id	: $vendor"
		echo "cpu family	: $4"
		echo "model		: $5"
		echo "stepping	: $6"
		[[ -z $7 ]] || echo "microcode	: $7"
		echo "flags		: fpu tsc msr $8"
		echo
	} >>"$d/proc/cpuinfo"
	if [[ ${9:-} == sysfs ]]; then
		mkdir -p "$d/sys/devices/system/cpu/cpu$2/microcode"
		echo "$7" >"$d/sys/devices/system/cpu/cpu$2/microcode/version"
		[[ $3 == amd ]] ||
			echo 0x80 >"$d/sys/devices/system/cpu/cpu$2/microcode/processor_flags"
	fi
}

online() { echo "$2" >"$T/$1/sys/devices/system/cpu/online"; }
loader() { mkdir -p "$T/$1/sys/devices/system/cpu/microcode"; }
reload() { loader "$1"; : >"$T/$1/sys/devices/system/cpu/microcode/reload"; }
dom0() {
	mkdir -p "$T/$1/proc/xen" "$T/$1/sys/hypervisor"
	echo "control_d" >"$T/$1/proc/xen/capabilities"
	echo xen >"$T/$1/sys/hypervisor/type"
}
# xen_ucode NAME STATUS: a xen-ucode that keeps its argument as
# ../NAME.handed and its command line in ../NAME.argv, and exits STATUS.
xen_ucode() {
	mkdir -p "$T/$1/usr/lib/xen-4.17/bin"
	cat >"$T/$1/usr/lib/xen-4.17/bin/xen-ucode" <<-EOT
		#!/bin/sh
		echo "\$0 \$*" | sed "s|$T/mkucode-late-[A-Za-z0-9_]*|TMPFILE|" >"$T/$1.argv"
		cp "\$1" "$T/$1.handed"
		[ $2 = 0 ] || echo "Failed to update microcode. (err: Input/output error)" >&2
		exit $2
	EOT
	chmod +x "$T/$1/usr/lib/xen-4.17/bin/xen-ucode"
}

# bare metal, one CPU 06-8c-01 running 0xb2, late loading on, b4 installed
tree bare
cpu bare 0 intel 6 140 1 0xb2 "" sysfs
online bare 0
reload bare
cp b4.bin bare/lib/firmware/intel-ucode/06-8c-01

# running 0xb4 already: current, or (a newer SOURCE) b6 to place; with
# no firmware installed; with an administrator's file in updates/
tree current
cpu current 0 intel 6 140 1 0xb4 "" sysfs
online current 0
reload current
cp b4.bin current/lib/firmware/intel-ucode/06-8c-01
tree nofw
cpu nofw 0 intel 6 140 1 0xb4 "" sysfs
online nofw 0
reload nofw
tree admin
cpu admin 0 intel 6 140 1 0xb4 "" sysfs
online admin 0
reload admin
cp b4.bin admin/lib/firmware/intel-ucode/06-8c-01
mkdir -p admin/lib/firmware/updates/intel-ucode
cp b4.bin admin/lib/firmware/updates/intel-ucode/06-8c-01

# firmware_class.path=/opt/fw, read before /lib/firmware/updates: the
# administrator's b4 there is what the kernel reads, so b6 goes there
tree fwpath
cpu fwpath 0 intel 6 140 1 0xb4 "" sysfs
online fwpath 0
reload fwpath
cp b4.bin fwpath/lib/firmware/intel-ucode/06-8c-01
mkdir -p fwpath/sys/module/firmware_class/parameters fwpath/opt/fw/intel-ucode
echo /opt/fw >fwpath/sys/module/firmware_class/parameters/path
cp b4.bin fwpath/opt/fw/intel-ucode/06-8c-01

# reload that cannot be opened for writing (a directory here; not root,
# on a real system)
tree reloaddir
cpu reloaddir 0 intel 6 140 1 0xb2 "" sysfs
online reloaddir 0
loader reloaddir
mkdir reloaddir/sys/devices/system/cpu/microcode/reload
cp b4.bin reloaddir/lib/firmware/intel-ucode/06-8c-01

# the same, two CPUs, one already at 0xb4
tree bare2
cpu bare2 0 intel 6 140 1 0xb2 "" sysfs
cpu bare2 1 intel 6 140 1 0xb4 "" sysfs
online bare2 0-1
reload bare2
cp b4.bin bare2/lib/firmware/intel-ucode/06-8c-01

# two CPUs at 0xb2
tree two
cpu two 0 intel 6 140 1 0xb2 "" sysfs
cpu two 1 intel 6 140 1 0xb2 "" sysfs
online two 0-1
reload two
cp b4.bin two/lib/firmware/intel-ucode/06-8c-01

# a kernel with the loader but without late loading (Debian 12's)
tree noreload
cpu noreload 0 intel 6 140 1 0xb2 "" sysfs
online noreload 0
loader noreload
cp b4.bin noreload/lib/firmware/intel-ucode/06-8c-01

# no microcode loader at all
tree noloader
cpu noloader 0 intel 6 140 1 0xb2 ""
online noloader 0
cp b4.bin noloader/lib/firmware/intel-ucode/06-8c-01

# min_req_ver 0, and above the running revision
tree minrev0
cpu minrev0 0 intel 6 140 1 0xb2 "" sysfs
online minrev0 0
reload minrev0
cp b4z.bin minrev0/lib/firmware/intel-ucode/06-8c-01
tree minrevhigh
cpu minrevhigh 0 intel 6 140 1 0xb2 "" sysfs
online minrevhigh 0
reload minrevhigh
cp b4h.bin minrevhigh/lib/firmware/intel-ucode/06-8c-01

# min_req_ver equal to the running revision: safe
tree minrevequal
cpu minrevequal 0 intel 6 140 1 0xb3 "" sysfs
online minrevequal 0
reload minrevequal
cp b4h.bin minrevequal/lib/firmware/intel-ucode/06-8c-01

# Debian's early-only name: the late loader would not find it
tree earlyonly
cpu earlyonly 0 intel 6 140 1 0xb2 "" sysfs
online earlyonly 0
reload earlyonly
cp b4.bin earlyonly/lib/firmware/intel-ucode/06-8c-01.initramfs

# mixed steppings: CPU 1 is 06-8c-02
tree mixed
cpu mixed 0 intel 6 140 1 0xb4 "" sysfs
cpu mixed 1 intel 6 140 2 0x2a "" sysfs
online mixed 0-1
reload mixed
cp b4.bin mixed/lib/firmware/intel-ucode/06-8c-01
cp s2.bin mixed/lib/firmware/intel-ucode/06-8c-02

# AMD family 19h
tree amd
cpu amd 0 amd 25 33 2 0xa201205 "" sysfs
online amd 0
reload amd
cp fam19.bin amd/lib/firmware/amd-ucode/microcode_amd_fam19h.bin

# a KVM guest: the hypervisor flag, no loader
tree guest
cpu guest 0 intel 6 140 1 0xb2 hypervisor
online guest 0
cp b4.bin guest/lib/firmware/intel-ucode/06-8c-01

# a Xen guest, or a dom0 whose xenfs is not mounted: /sys/hypervisor/type
# says xen, /proc/xen/capabilities is not there
tree domu
mkdir -p domu/sys/hypervisor
echo xen >domu/sys/hypervisor/type
cpu domu 0 intel 6 140 1 0xb2 hypervisor
online domu 0
cp b4.bin domu/lib/firmware/intel-ucode/06-8c-01

# what an interrupted run set aside, left in updates/
tree aside
cpu aside 0 intel 6 140 1 0xb4 "" sysfs
online aside 0
reload aside
cp b4.bin aside/lib/firmware/intel-ucode/06-8c-01
mkdir -p aside/lib/firmware/updates/intel-ucode
cp b4.bin aside/lib/firmware/updates/intel-ucode/06-8c-01.mkucode-aside

# a Xen dom0: the hypervisor flag, no microcode sysfs; two vCPUs
tree dom0
dom0 dom0
cpu dom0 0 intel 6 140 1 0xb2 hypervisor
cpu dom0 1 intel 6 140 1 0xb2 hypervisor
online dom0 0-1
cp b4z.bin dom0/lib/firmware/intel-ucode/06-8c-01
tree dom0-xu
dom0 dom0-xu
cpu dom0-xu 0 intel 6 140 1 0xb2 hypervisor
online dom0-xu 0
cp b4z.bin dom0-xu/lib/firmware/intel-ucode/06-8c-01
xen_ucode dom0-xu 0
tree dom0-fail
dom0 dom0-fail
cpu dom0-fail 0 intel 6 140 1 0xb2 hypervisor
online dom0-fail 0
cp b4.bin dom0-fail/lib/firmware/intel-ucode/06-8c-01
xen_ucode dom0-fail 1
# AMD in a dom0: Xen's rules, no refusal
tree dom0-amd
dom0 dom0-amd
cpu dom0-amd 0 amd 25 33 2 0xa201205 hypervisor
online dom0-amd 0
cp fam19.bin dom0-amd/lib/firmware/amd-ucode/microcode_amd_fam19h.bin
# the running revision unknown (no microcode line)
tree dom0-norev
dom0 dom0-norev
cpu dom0-norev 0 intel 6 140 1 "" hypervisor
online dom0-norev 0
cp b4.bin dom0-norev/lib/firmware/intel-ucode/06-8c-01

# ---------------------------------------------------------------- cases

# case_ NAME TREE [VAR=VALUE...] -- ARGS...: run late in a fresh copy of
# TREE (kept as $T/run-NAME), with the environment given.
case_() {
	local name=$1 dir=$2 got run=$T/run-$1
	shift 2
	local -a env=()
	while [[ $1 != -- ]]; do
		env+=("$1")
		shift
	done
	shift
	got=$T/$name.txt
	rm -rf "$run"
	cp -a "$T/$dir" "$run"
	transcript "\$ mkucode late $*   # in $dir" \
		in_dir "$run" env "${env[@]}" "$MKUCODE" late "$@" >"$got"
	golden_check "$name.txt" "$got" "$name"
}

V0=sys/devices/system/cpu/cpu0/microcode/version
V1=sys/devices/system/cpu/cpu1/microcode/version
P=LD_PRELOAD=$RELOADHOOK

case_ bare-dry-run bare -- --root . --dry-run
case_ bare-updated bare "$P" "LATE_RELOAD_RUN=echo 0xb4 >$V0" -- --root .
case_ bare-unchanged bare "$P" "LATE_RELOAD_RUN=true" -- --root .
case_ bare-kernel-refused bare "$P" LATE_RELOAD_ERRNO=22 -- --root .
case_ reload-unwritable reloaddir -- --root . ../b6.bin --force
# A newer SOURCE than the installed firmware: placed in updates/ for the
# reload (the hook keeps what the kernel would read then).
case_ bare-placed current "$P" \
	"LATE_RELOAD_RUN=cp lib/firmware/updates/intel-ucode/06-8c-01 ../placed.bin; echo 0xb6 >$V0" \
	-- --root . ../b6.bin
case_ nofw-dry-run nofw -- --root . --dry-run ../b6.bin
case_ admin-placed admin "$P" \
	"LATE_RELOAD_RUN=cp lib/firmware/updates/intel-ucode/06-8c-01 ../admin.bin; echo 0xb6 >$V0" \
	-- --root . ../b6.bin
case_ fwpath-placed fwpath "$P" \
	"LATE_RELOAD_RUN=cp opt/fw/intel-ucode/06-8c-01 ../fwpath.bin; echo 0xb6 >$V0" \
	-- --root . ../b6.bin
case_ current current -- --root .
case_ none-selected bare -- --root . --date-before 2000-01-01
case_ bare2-updated bare2 "$P" "LATE_RELOAD_RUN=echo 0xb4 >$V0" -- --root .
case_ two-updated two "$P" "LATE_RELOAD_RUN=echo 0xb4 >$V0; echo 0xb4 >$V1" -- --root .
# One CPU took it, the other did not: failed, exit 1.
case_ two-partial two "$P" "LATE_RELOAD_RUN=echo 0xb4 >$V0" -- --root .
case_ noreload noreload -- --root . --dry-run
case_ noreload-force noreload -- --root . --force
case_ noloader noloader -- --root .
case_ minrev0 minrev0 -- --root . --dry-run
case_ minrev0-force minrev0 -- --root . --dry-run --force
case_ minrev-above minrevhigh -- --root . --dry-run
case_ minrev-equal minrevequal -- --root . --dry-run
case_ earlyonly earlyonly -- --root . --dry-run
case_ mixed mixed -- --root . --dry-run
case_ mixed-force mixed -- --root . --dry-run --force
case_ amd amd -- --root . --dry-run
case_ amd-force amd -- --root . --dry-run --force
case_ guest guest -- --root . --dry-run
case_ domu domu -- --root . --dry-run
case_ aside aside -- --root . --dry-run ../b6.bin
case_ dom0-dry-run dom0 -- --root . --dry-run
case_ dom0-run-no-xen-ucode dom0 -- --root .
case_ dom0-xen-ucode dom0-xu -- --root .
case_ dom0-xen-ucode-fails dom0-fail -- --root .
case_ dom0-norev dom0-norev -- --root . --dry-run
case_ dom0-amd dom0-amd -- --root . --dry-run

# What the goldens say, asserted on their own: the exit codes.
for want in bare-dry-run:0 bare-updated:0 bare-unchanged:1 bare-kernel-refused:1 reload-unwritable:1 \
	bare-placed:0 nofw-dry-run:0 admin-placed:0 fwpath-placed:0 current:3 none-selected:3 bare2-updated:0 two-updated:0 two-partial:1 noreload:1 noreload-force:1 \
	noloader:1 minrev0:1 minrev0-force:0 minrev-above:1 minrev-equal:0 earlyonly:1 mixed:1 \
	mixed-force:1 amd:1 amd-force:0 guest:1 domu:1 aside:1 dom0-dry-run:0 \
	dom0-run-no-xen-ucode:1 dom0-xen-ucode:0 dom0-xen-ucode-fails:1 \
	dom0-norev:0 dom0-amd:0; do
	name=${want%%:*}
	tap_check "$name: exit ${want#*:}" grep -qx "\[exit ${want#*:}\]" "$T/$name.txt"
done

# The hand-offs' bytes.  bare-placed: the kernel read b6 from updates/,
# and afterwards the firmware directories are as they were.
tap_check "bare-placed: the kernel read b6.bin from updates/" cmp placed.bin b6.bin
tap_check "bare-placed: updates/ is gone again" \
	test ! -e run-bare-placed/lib/firmware/updates
tap_check "bare-placed: the distribution's file is untouched" \
	cmp run-bare-placed/lib/firmware/intel-ucode/06-8c-01 b4.bin
tap_check "reload-unwritable: nothing placed" \
	test ! -e run-reload-unwritable/lib/firmware/updates
tap_check "admin-placed: the kernel read b6.bin where the admin's file was" \
	cmp admin.bin b6.bin
# shellcheck disable=SC2016 # the script is sh's
tap_check "admin-placed: the admin's file is back, nothing else left" \
	sh -c 'cmp run-admin-placed/lib/firmware/updates/intel-ucode/06-8c-01 b4.bin &&
		[ "$(ls run-admin-placed/lib/firmware/updates/intel-ucode)" = 06-8c-01 ]'
tap_check "fwpath-placed: the kernel read b6.bin from firmware_class.path's directory" \
	cmp fwpath.bin b6.bin
# shellcheck disable=SC2016 # the script is sh's
tap_check "fwpath-placed: the file there is back, updates/ never made" \
	sh -c 'cmp run-fwpath-placed/opt/fw/intel-ucode/06-8c-01 b4.bin &&
		[ "$(ls run-fwpath-placed/opt/fw/intel-ucode)" = 06-8c-01 ] &&
		[ ! -e run-fwpath-placed/lib/firmware/updates ]'
tap_check "bare-updated: reload got \"1\"" grep -qx 1 run-bare-updated/sys/devices/system/cpu/microcode/reload
# Xen: xen-ucode got one argument, a raw file holding exactly b4z.
tap_check "dom0-xen-ucode: xen-ucode FILE" \
	grep -qx './usr/lib/xen-4.17/bin/xen-ucode TMPFILE' dom0-xu.argv
tap_check "dom0-xen-ucode: the raw file is the host's update" cmp dom0-xu.handed b4z.bin
tap_check "dom0-xen-ucode: the temporary file is gone" \
	sh -c '! ls '"$T"'/mkucode-late-* 2>/dev/null'

tap_done

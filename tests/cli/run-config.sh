#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The configuration (/etc/mkucode.conf, /etc/mkucode.conf.d/*.conf) and
# --root, asserted directly on fake system trees.
#
#   run-config.sh MKUCODE UCGEN [SRCDIR]
#
# MKUCODE and UCGEN are the built binaries; SRCDIR is tests/cli (for the
# shipped ../../etc/mkucode.conf).  Each tree has firmware in the system
# locations, a fake machine (/proc, /sys) and whatever configuration a
# test writes.  What a build selected is read back with `mkucode list
# --json` and python3.  Output is TAP.

# The checks run small `bash -c '...' _ ARGS` scripts: $1... expand there.
# shellcheck disable=SC2016

set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=../lib/suite.sh
. "$(dirname "$(realpath "$0")")/../lib/suite.sh"
suite_args MKUCODE UCGEN "[SRCDIR]" -- "$@"
SHIPPED=$SRCDIR/../../etc/mkucode.conf
suite_need python3
suite_tmpdir
export MKUCODE UCGEN

# Fixtures: three updates in the system locations, a fourth elsewhere.
mkdir -p fw/intel-ucode fw/amd-ucode alt
"$UCGEN" intel --sig 0x906ea --pf 0x22 --rev 0xf0 --date 0x03152022 --seed 1 \
	-o fw/intel-ucode/06-9e-0a
"$UCGEN" intel --sig 0x806c1 --pf 0x80 --rev 0xb4 --date 0x09072023 --seed 5 \
	-o fw/intel-ucode/06-8c-01
"$UCGEN" amd --equiv 0x00a20f12 --patch 0x0a201205 --date 0x02022024 --seed 7 \
	-o fw/amd-ucode/microcode_amd_fam19h.bin
"$UCGEN" intel --sig 0x50654 --pf 0xb7 --rev 0x2007006 --date 0x03062023 --seed 4 \
	-o alt/06-55-04

# mktree DIR: the firmware under DIR/lib/firmware, a machine of two CPUs
# 06-9e-0a (platform 0x2), no configuration.
mktree() {
	local dir=$1 cpu
	rm -rf "$dir"
	mkdir -p "$dir/lib/firmware" "$dir/srv" "$dir/sys/devices/system/cpu" \
		"$dir/proc" "$dir/etc"
	cp -r fw/intel-ucode fw/amd-ucode "$dir/lib/firmware/"
	cp -r alt "$dir/srv/alt"
	echo 0-1 >"$dir/sys/devices/system/cpu/online"
	for cpu in 0 1; do
		printf 'processor\t: %s\nvendor_id\t: GenuineIntel\ncpu family\t: 6\nmodel\t\t: 158\nstepping\t: 10\nmicrocode\t: 0x1\nflags\t\t: fpu msr\n\n' \
			"$cpu" >>"$dir/proc/cpuinfo"
		mkdir -p "$dir/sys/devices/system/cpu/cpu$cpu/microcode"
		echo 0x1 >"$dir/sys/devices/system/cpu/cpu$cpu/microcode/version"
		echo 0x2 >"$dir/sys/devices/system/cpu/cpu$cpu/microcode/processor_flags"
	done
}

# sigs IMAGE...: the signatures mkucode lists in them, sorted, one line.
sigs() {
	"$MKUCODE" list --json "$@" | python3 -c '
import json, sys
print(" ".join(sorted("%#x" % e["signature"] for e in json.load(sys.stdin))))'
}
# built WANT ARGS...: a build with ARGS (-q -o out.img added) succeeds and
# selects exactly the signatures WANT.
built() {
	local want=$1 got
	shift
	rm -f out.img
	"$MKUCODE" build -q -o out.img "$@" || return
	got=$(sigs out.img)
	[ "$got" = "$want" ] || { echo "selected '$got', want '$want'"; return 1; }
}
# conf TEXT [FILE]: the tree's main file (or etc/FILE) holds TEXT.
conf() {
	mkdir -p "sys/etc/mkucode.conf.d"
	printf '%s\n' "$1" >"sys/etc/${2:-mkucode.conf}"
}
# verify_sigs WANT ARGS...: the CPUs verify answers for.
verify_sigs() {
	local want=$1 got
	shift
	got=$("$MKUCODE" verify --json "$@" | python3 -c '
import json, sys
print(" ".join(sorted("%#x" % e["signature"] for e in json.load(sys.stdin))))') || true
	[ "$got" = "$want" ] || { echo "verify answered for '$got', want '$want'"; return 1; }
}

SYSTEM="0x806c1 0x906ea 0xa20f12"

# ---- no configuration ----
mktree sys
tap_check "no configuration: all, newest of each, from the tree's firmware" \
	built "$SYSTEM" --root sys
tap_check "the shipped file selects what no file does" bash -c '
	cp "$1" sys/etc/mkucode.conf &&
	"$MKUCODE" -q -o shipped.img --root sys &&
	rm sys/etc/mkucode.conf &&
	"$MKUCODE" -q -o none.img --root sys &&
	cmp shipped.img none.img' _ "$SHIPPED"
tap_check "list --root reads the tree's firmware locations" bash -c '
	"$MKUCODE" list --root sys/ >list.txt &&
	grep -q "  sys/lib/firmware/intel-ucode/06-9e-0a\$" list.txt &&
	! grep -q "srv/alt" list.txt'
tap_check "--root 'sys/' is --root 'sys'" built "$SYSTEM" --root sys/

# ---- the configured selection ----
conf "select = host"
tap_check "select = host: the tree's CPUs" built "0x906ea" --root sys
conf "cpu = 06-8c-01 0x00a20f12"
tap_check "cpu = SPEC...: those CPUs" built "0x806c1 0xa20f12" --root sys
conf $'cpu = 06-8c-01\ncpu = 0x00a20f12'
tap_check "cpu accumulates over lines" built "0x806c1 0xa20f12" --root sys
conf $'cpu = 06-8c-01\ncpu =\ncpu = 06-9e-0a'
tap_check "an empty cpu = resets the list" built "0x906ea" --root sys
conf "cpu = !06-8c-01"
tap_check "cpu = !SPEC excludes from all" built "0x906ea 0xa20f12" --root sys
conf $'select = host\ncpu = 0x00a20f12'
tap_check "select = host with cpu: both" built "0x906ea 0xa20f12" --root sys
conf "vendor = amd"
tap_check "vendor = amd" built "0xa20f12" --root sys
conf $'date-after = 2023-01-01\ndate-before = 2024-01-01'
tap_check "date-after and date-before" built "0x806c1" --root sys
conf "source = /srv/alt"
tap_check "source = PATH, read under the root" built "0x50654" --root sys
conf $'source = /srv/alt\nsource = /lib/firmware/amd-ucode'
tap_check "source accumulates" built "0x50654 0xa20f12" --root sys
tap_check "list uses the configured sources, in order, under the root" bash -c '
	"$MKUCODE" list --json --root sys | python3 -c "
import json, sys
got = [e[\"source\"] for e in json.load(sys.stdin)]
want = [\"sys/srv/alt/06-55-04\", \"sys/lib/firmware/amd-ucode/microcode_amd_fam19h.bin\"]
sys.exit(0 if got == want else \"got %s\" % got)"'

# downgrade: an older copy named after the newer one wins only with it.
mkdir -p sys/srv/old
"$UCGEN" intel --sig 0x906ea --pf 0x22 --rev 0xe0 --date 0x03152021 --seed 9 \
	-o sys/srv/old/06-9e-0a
conf $'source = /lib/firmware/intel-ucode /srv/old\ncpu = 06-9e-0a\ndowngrade = yes'
tap_check "downgrade = yes: the last given wins" bash -c '
	"$MKUCODE" -q -o out.img --root sys &&
	"$MKUCODE" list --json out.img | python3 -c "
import json, sys
sys.exit(0 if [e[\"revision\"] for e in json.load(sys.stdin)] == [0xe0] else 1)"'

# ---- drop-ins ----
conf "select = host"
conf "select = all" mkucode.conf.d/50-all.conf
tap_check "a drop-in overrides the main file" built "$SYSTEM" --root sys
rm sys/etc/mkucode.conf.d/50-all.conf
conf "# nothing"
conf "vendor = intel" mkucode.conf.d/10-intel.conf
conf "vendor = amd" mkucode.conf.d/9-amd.conf
conf "vendor = nobody" mkucode.conf.d/9-amd.conf.disabled
conf "vendor = nobody" mkucode.conf.d/.hidden.conf
tap_check "drop-ins in byte order of their names; others ignored" \
	built "0xa20f12" --root sys
rm -rf sys/etc/mkucode.conf.d
conf "select = host"
tap_check "select = host (main file), vendor from a drop-in" bash -c '
	mkdir -p sys/etc/mkucode.conf.d &&
	echo "vendor = amd" >sys/etc/mkucode.conf.d/a.conf &&
	"$MKUCODE" -q --allow-empty -o out.img --root sys &&
	[ -z "$("$MKUCODE" list out.img | tail -n +2)" ]'
rm -rf sys/etc/mkucode.conf.d

# ---- the command line wins ----
conf $'select = host\nvendor = intel\nsource = /srv/alt\nsource = /lib/firmware/intel-ucode'
tap_check "configured: host, intel, two sources" built "0x906ea" --root sys
tap_check "--cpu replaces the configured selection as a whole" \
	built "0x806c1" --root sys --cpu 06-8c-01
tap_check "--all replaces it" built "0x50654 0x806c1 0x906ea" --root sys --all
tap_check "--vendor replaces it (no host left)" built "0x50654 0x806c1 0x906ea" \
	--root sys --vendor intel
tap_check "--date-after replaces it" built "0x806c1" --root sys --date-after 2023-06-01
tap_check "a SOURCE argument replaces the configured sources" \
	built "0x906ea" --root sys sys/lib/firmware
tap_check "a SOURCE argument is an ordinary path, not under the root" \
	built "0x50654" --root sys --all alt

# ---- verify ----
mktree sys
"$MKUCODE" -q -o all.img "$T/fw"
tap_check "verify, no configuration: the tree's CPUs" verify_sigs "0x906ea" --root sys all.img
conf "cpu = 06-8c-01 0x00a20f12"
tap_check "verify: the configured CPUs" verify_sigs "0x806c1 0xa20f12" --root sys all.img
conf $'select = host\ncpu = 06-8c-01'
tap_check "verify: select = host and a cpu" verify_sigs "0x806c1 0x906ea" --root sys all.img
tap_check "verify --host replaces the configured CPUs" \
	verify_sigs "0x906ea" --root sys --host all.img
tap_check "verify --cpu replaces them" verify_sigs "0xa20f12" --root sys --cpu 0x00a20f12 all.img
conf "vendor = amd"
tap_check "verify: a configured vendor alone asks about the machine" \
	verify_sigs "0x906ea" --root sys all.img

# ---- malformed configuration: file and line, exit 1, nothing written ----
mktree sys
conf $'# comment\nselect = host\ncpus = 06-9e-0a'
tap_check "build: unknown key names file and line, exit 1, no output" bash -c '
	rc=0; "$MKUCODE" -o bad.img --root sys 2>err || rc=$?
	[ $rc -eq 1 ] && [ ! -e bad.img ] &&
	[ "$(cat err)" = "mkucode: sys/etc/mkucode.conf: line 3: unknown key '\''cpus'\''" ]'
tap_check "--prepend: the image stays as it was" bash -c '
	printf "initrd" | gzip >initrd.img && cp initrd.img initrd.orig &&
	rc=0; "$MKUCODE" --prepend initrd.img --root sys 2>err || rc=$?
	[ $rc -eq 1 ] && cmp initrd.img initrd.orig'
tap_check "list and verify refuse it too (exit 1)" bash -c '
	rc=0; "$MKUCODE" list --root sys >out 2>err || rc=$?
	[ $rc -eq 1 ] && [ ! -s out ] && grep -q "line 3: unknown key" err &&
	rc=0; "$MKUCODE" verify --root sys all.img >out 2>err || rc=$?
	[ $rc -eq 1 ] && [ ! -s out ] && grep -q "line 3: unknown key" err'
tap_check "the command line does not excuse a broken file" bash -c '
	rc=0; "$MKUCODE" -o bad.img --root sys --all sys/lib/firmware 2>/dev/null || rc=$?
	[ $rc -eq 1 ] && [ ! -e bad.img ]'
rm sys/etc/mkucode.conf
conf $'vendor = intel\n\ndowngrade = maybe' mkucode.conf.d/20-x.conf
conf "source = relative/path" mkucode.conf.d/30-y.conf
tap_check "every bad drop-in line is named, in order" bash -c '
	rc=0; "$MKUCODE" -o bad.img --root sys 2>err || rc=$?
	[ $rc -eq 1 ] && [ ! -e bad.img ] &&
	diff -u - err <<-EOF
	mkucode: sys/etc/mkucode.conf.d/20-x.conf: line 3: downgrade: '\''maybe'\'' is neither yes nor no
	mkucode: sys/etc/mkucode.conf.d/30-y.conf: line 1: source '\''relative/path'\'' is not an absolute path
	EOF'
rm -rf sys/etc/mkucode.conf.d
mkdir -p sys/etc/mkucode.conf.d/dir.conf
tap_check "a drop-in that is no regular file is an error" bash -c '
	rc=0; "$MKUCODE" -o bad.img --root sys 2>err || rc=$?
	[ $rc -eq 1 ] && [ ! -e bad.img ] &&
	[ "$(cat err)" = "mkucode: sys/etc/mkucode.conf.d/dir.conf: not a regular file" ]'
rm -rf sys/etc/mkucode.conf.d
tap_check "--root naming no directory is an error (exit 1), for every verb" bash -c '
	for v in "build -o x.img" list verify; do
		rc=0; "$MKUCODE" $v --root nowhere all.img 2>err || rc=$?
		[ ! -e x.img ] || exit 1
		[ $rc -eq 1 ] && [ "$(cat err)" = "mkucode: --root '\''nowhere'\'': No such file or directory" ] || exit 1
	done
	rc=0; "$MKUCODE" -o x.img --root all.img 2>err || rc=$?
	[ $rc -eq 1 ] && [ "$(cat err)" = "mkucode: --root '\''all.img'\'': not a directory" ]'
tap_check "command-line dates take the configuration's exact form (usage, exit 2)" bash -c '
	for d in 2023-02-30 2023-1-01 " 2023-01-01" 2023-01-01x; do
		rc=0; "$MKUCODE" -o x.img --date-after "$d" fw 2>err || rc=$?
		[ $rc -eq 2 ] && [ ! -e x.img ] &&
		grep -qx "mkucode: '\''$d'\'' is not a date of the form YYYY-MM-DD" err || exit 1
	done'
tap_check "--host-root is gone (usage, exit 2)" bash -c '
	rc=0; "$MKUCODE" -o x.img --host-root sys 2>/dev/null || rc=$?
	[ $rc -eq 2 ]'

tap_done

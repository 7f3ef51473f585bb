#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Command-line tests of mkucode against golden files.
#
#   run-cli.sh [--update] MKUCODE UCGEN [SRCDIR]
#
# MKUCODE and UCGEN are the built binaries (build/mkucode/mkucode and
# build/tests/gen/ucgen); SRCDIR is this directory (default: where the script
# lives).  Every fixture is made afresh by ucgen in a `mktemp -d` directory
# (removed on exit) with fixed seeds and dates, and the REAL binary is run on
# it.  Each golden file, SRCDIR/golden/*.txt, is a transcript: the command,
# its exit status, its standard output and its standard error, with the
# temporary directory written as @TMP@ and the mkucode binary as @MKUCODE@.
# Checks that are not transcripts (byte equality, sha256 of an output that
# must not change, alignment computed by the tests' own newc reader
# (tests/lib/newc.py), offsets ucgen says its defects are at, JSON field
# types) are asserted directly.
#
# --update   rewrite SRCDIR/golden/ from what the binary does now (and delete
#            golden files no case writes any more).  Read `git diff` of the
#            golden directory before committing: every line is what a user
#            sees.
#
# Output is TAP (meson: protocol 'tap').  Known mkucode bugs are `# TODO`
# tests: they check the right behaviour, fail without failing the suite, and
# turn into an unexpected pass (a failure in meson) once the bug is fixed, so
# the marker gets removed.  Needs bash, python3, gzip, xz, zstd, od, awk,
# sha256sum, cmp, diff.

# The checks run small `bash -c '...' _ ARGS` scripts: $1... expand there.
# shellcheck disable=SC2016

set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=../lib/suite.sh
. "$(dirname "$(realpath "$0")")/../lib/suite.sh"
suite_args "[--update]" MKUCODE UCGEN "[SRCDIR]" -- "$@"
suite_need python3 gzip xz zstd od awk sha256sum cmp diff
suite_tmpdir
OUT=$T/.results # transcripts of this run, one file per golden
mkdir "$OUT"

# ---------------------------------------------------------------- TAP helpers

# tap, tap_check, tap_diag and tap_done come from tests/lib/tap.sh.

# known_bug DESCRIPTION COMMAND...: COMMAND checks the RIGHT behaviour; it
# fails while the bug is there (TAP TODO, not a failure).
known_bug() {
	local desc=$1 out
	shift
	if out=$("$@" 2>&1); then
		tap ok "$desc" "TODO known bug now fixed: make it a normal check"
	else
		tap notok "$desc" "TODO known mkucode bug"
		[[ -z $out ]] || printf '%s\n' "$out" | tap_diag
	fi
}

# ------------------------------------------------------------- transcripts

esc_re() { printf '%s' "$1" | sed 's/[][\.*^$|/]/\\&/g'; }
T_RE=$(esc_re "$T")
MK_RE=$(esc_re "$MKUCODE")
UG_RE=$(esc_re "$UCGEN")

normalise() {
	sed -e "s/$MK_RE/@MKUCODE@/g" -e "s/$UG_RE/@UCGEN@/g" -e "s/$T_RE/@TMP@/g"
}

RC=0 # exit status of the last run

# run GOLDEN [VAR=VALUE...] PROGRAM ARGS...: run in $T, append the transcript
# to golden file GOLDEN.txt.  PROGRAM "mkucode" is the binary under test.
# Leaves stdout in $T/.out, stderr in $T/.err, the exit status in RC.
run() {
	local golden=$1
	shift
	local -a envs=() cmd=()
	local arg
	while [[ $# -gt 0 && $1 == [A-Z_]*=* ]]; do
		envs+=("$1")
		shift
	done
	cmd=("$@")
	[[ ${cmd[0]} != mkucode ]] || cmd[0]=$MKUCODE
	RC=0
	env "${envs[@]}" "${cmd[@]}" >"$T/.out" 2>"$T/.err" || RC=$?
	{
		printf '$'
		((${#envs[@]} == 0)) || printf ' %s' "${envs[@]}"
		for arg in "$@"; do
			if [[ $arg =~ ^[][A-Za-z0-9_./,=:+@%-]+$ ]]; then
				printf ' %s' "$arg"
			else
				printf " '%s'" "${arg//\'/\'\\\'\'}"
			fi
		done
		printf '\n[exit %d]\n' "$RC"
		if [[ -s $T/.out ]]; then
			echo '--- stdout'
			cat "$T/.out"
		fi
		if [[ -s $T/.err ]]; then
			echo '--- stderr'
			cat "$T/.err"
		fi
		echo
	} | normalise >>"$OUT/$golden.txt"
}

# note GOLDEN TEXT: a comment line in a transcript, for the reader.
note() { printf '# %s\n\n' "$2" >>"$OUT/$1.txt"; }

mk() { "$MKUCODE" "$@"; }
ug() { "$UCGEN" "$@"; }

# The tests' newc reader (tests/lib/newc.py) as a command: one line per
# member, data offsets and their alignment, through TRAILER!!!.
# `cpio.py dump FILE` or `cpio.py extract FILE MEMBER OUT`.
cat >"$T/cpio.py" <<'EOF'
import os
import sys

sys.path.insert(0, os.environ["TESTS_LIB"])
import newc  # noqa: E402

b = open(sys.argv[2], "rb").read()
try:
    entries, end = newc.archive_entries(b)
    trailer = newc.parse_header(b, entries[-1].end if entries else 0)
except newc.Malformed as e:
    raise SystemExit(str(e))
if sys.argv[1] == "dump":
    for e in entries + [trailer]:
        print("%#06x %s mode=%06o ino=%d uid=%d gid=%d nlink=%d mtime=%d "
              "namesize=%d size=%d data=%#x data%%16=%d"
              % (e.offset, e.name, e.mode, e.ino, e.uid, e.gid, e.nlink, e.mtime,
                 e.namesize, e.filesize, e.data_offset, e.data_offset % 16))
    print("end %#x, file length %#x" % (end, len(b)))
else:
    for e in entries:
        if e.name == sys.argv[3]:
            open(sys.argv[4], "wb").write(e.data)
            break
    else:
        raise SystemExit("no member " + sys.argv[3])
EOF
cpio_dump() { python3 "$T/cpio.py" dump "$@"; }
cpio_extract() { python3 "$T/cpio.py" extract "$@"; }

INTEL_MEMBER=kernel/x86/microcode/GenuineIntel.bin
AMD_MEMBER=kernel/x86/microcode/AuthenticAMD.bin

# Intel .dat text from a binary: a comment header, then four little-endian
# dwords per line as `0x%08x,` (what Intel's microcode.dat looks like).
to_dat() {
	printf '/*\n * Synthetic Intel microcode for mkucode tests, from %s\n */\n' "$1"
	od -An -v -tx4 --endian=little -w16 "$1" |
		awk '{ s = ""; for (i = 1; i <= NF; i++) s = s sprintf("0x%s,%s", $i, i < NF ? "\t" : ""); print s }'
}

sha() { sha256sum "$1" | cut -d' ' -f1; }
no_temp_left() { ! compgen -G "$1/*.mkucode-*" >/dev/null; }

# ------------------------------------------------------------------ fixtures
#
# src/: the main tree.
#   intel-ucode/06-9e-0a         0x906ea pf 0x22 rev 0xf0 2022-03-15, then
#                                0x906ea pf 0x01 rev 0xf2 2023-06-01
#   intel-ucode/06-9e-0a.update  0x906ea pf 0x22 rev 0xf4 2023-08-01 (newer)
#   intel-ucode/06-55-04         0x50654 pf 0xb7 rev 0x2007006 2023-03-06,
#                                extended table {0x50657, 0xbf}, 3 KiB
#   intel-ucode/06-8c-01         0x806c1 pf 0x80 rev 0xb4 2023-09-07
#   intel-ucode/06-8c-01.copy    the same bytes again
#   amd-ucode/microcode_amd_fam17h.bin   0x800f12 -> 0x8012 patch 0x0800126e,
#                                0x800f82 -> 0x8082 patch 0x0800820d, 2021-11-11
#   amd-ucode/microcode_amd_fam19h.bin   0xa20f12 -> 0xa212 patch 0x0a201205,
#                                2024-02-02
#   amd-ucode/microcode_amd_fam19h.bin.asc, README: not microcode
mkdir -p src/intel-ucode src/amd-ucode
I=src/intel-ucode
A=src/amd-ucode
ug intel --sig 0x906ea --pf 0x22 --rev 0xf0 --date 0x03152022 --seed 1 -o $I/06-9e-0a
ug intel --sig 0x906ea --pf 0x01 --rev 0xf2 --date 0x06012023 --seed 2 -o $I/06-9e-0a --append
ug intel --sig 0x906ea --pf 0x22 --rev 0xf4 --date 0x08012023 --seed 3 -o $I/06-9e-0a.update
ug intel --sig 0x50654 --pf 0xb7 --rev 0x2007006 --date 0x03062023 --datasize 2800 \
	--ext 0x50657,0xbf --seed 4 -o $I/06-55-04
ug intel --sig 0x806c1 --pf 0x80 --rev 0xb4 --date 0x09072023 --seed 5 -o $I/06-8c-01
cp $I/06-8c-01 $I/06-8c-01.copy
ug amd --equiv 0x00800f12 --equiv 0x00800f82 --patch 0x0800126e --patch 0x0800820d \
	--date 0x11112021 --seed 6 -o $A/microcode_amd_fam17h.bin
ug amd --equiv 0x00a20f12 --patch 0x0a201205 --date 0x02022024 --seed 7 \
	-o $A/microcode_amd_fam19h.bin
printf 'Synthetic microcode for the mkucode CLI tests.\n' >src/README
printf -- '-----BEGIN PGP SIGNATURE-----\n\nc3ludGhldGlj\n-----END PGP SIGNATURE-----\n' \
	>$A/microcode_amd_fam19h.bin.asc

# gz/, xz/, zst/: every file of src/ compressed (the suffixes are for people;
# mkucode goes by content).
for z in gz xz zst; do
	mkdir -p "$z/intel-ucode" "$z/amd-ucode"
	while IFS= read -r f; do
		case $z in
		gz) gzip -9 -n -c "src/$f" >"$z/$f.gz" ;;
		xz) xz -c "src/$f" >"$z/$f.xz" ;;
		zst) zstd -q -c "src/$f" >"$z/$f.zst" ;;
		esac
	done < <(cd src && find . -type f -printf '%P\n' | sort)
done

# prepacked.cpio: an early cpio made by ucgen (16-aligned) with both AMD
# containers and the 06-8c-01 update.
cat $A/microcode_amd_fam17h.bin $A/microcode_amd_fam19h.bin >amd-all.bin
ug cpio --align16 --mtime 1600000000 kernel/ kernel/x86/ kernel/x86/microcode/ \
	"$AMD_MEMBER=amd-all.bin" "$INTEL_MEMBER=$I/06-8c-01" -o prepacked.cpio

# mixed/: the same microcode as src/ in every other form: compressed
# copies, .dat text, the prepacked cpio.
mkdir mixed
cp gz/intel-ucode/06-9e-0a.gz mixed/
cp xz/intel-ucode/06-9e-0a.update.xz mixed/
cp zst/intel-ucode/06-55-04.zst mixed/
to_dat $I/06-8c-01 >mixed/microcode-06-8c-01.dat
cp prepacked.cpio mixed/early.cpio
cp src/README mixed/

# initrd.img: the prepacked early cpio, then a gzip-compressed main cpio.
printf '#!/bin/sh\necho synthetic init\n' >init
printf 'root:x:0:0::/root:/bin/sh\n' >passwd
ug cpio --mtime 1600000000 init=init etc/ etc/passwd=passwd -o main.cpio
gzip -9 -n -c main.cpio >main.cpio.gz
cat prepacked.cpio main.cpio.gz >initrd.img

# misaligned.cpio: a plain newc cpio (no --align16): GenuineIntel.bin data
# at offset 0x20c, 12 mod 16.
ug cpio kernel/ kernel/x86/ kernel/x86/microcode/ "$INTEL_MEMBER=$I/06-8c-01" \
	-o misaligned.cpio

# ============================================================== build

note build 'The main tree: README and .asc are skipped with a note; the copy of 06-8c-01 goes in once; 06-9e-0a pf 0x22 rev 0xf0 loses to rev 0xf4.'
run build mkucode -o out.img src
tap_check 'build src: exit 0' test "$RC" -eq 0
run build mkucode list out.img
run build python3 cpio.py dump out.img

tap_check 'build: two runs give the same bytes' \
	bash -c '"$1" -q -o again.img src && cmp out.img again.img' _ "$MKUCODE"
for z in gz xz zst; do
	tap_check "build: $z-compressed tree gives the same bytes as the plain one" \
		bash -c '"$1" -q -o "$2.img" "$2" && cmp out.img "$2.img"' _ "$MKUCODE" "$z"
done
tap_check 'build: mixed tree (gz, xz, zst, .dat, early cpio) gives the same bytes' \
	bash -c '"$1" -q -o mixed.img mixed && cmp out.img mixed.img' _ "$MKUCODE"
tap_check 'build: src plus the prepacked cpio gives the same bytes as src' \
	bash -c '"$1" -q -o plus.img prepacked.cpio src && cmp out.img plus.img' _ "$MKUCODE"
tap_check 'build: .dat text gives the same bytes as the binary' \
	bash -c '"$1" -q -o dat.img mixed/microcode-06-8c-01.dat &&
		"$1" -q -o bin.img src/intel-ucode/06-8c-01 && cmp dat.img bin.img' _ "$MKUCODE"
tap_check 'build: an initrd as a source gives what its early cpio gives' \
	bash -c '"$1" -q -o i1.img initrd.img && "$1" -q -o i2.img prepacked.cpio && cmp i1.img i2.img' \
	_ "$MKUCODE"
note build 'The .dat text and a whole initrd as sources.'
run build mkucode -o dat.img mixed/microcode-06-8c-01.dat
run build mkucode -o initrd-src.img initrd.img
run build mkucode list initrd-src.img

# ============================================================== output

tap_check 'output: -o - writes the same bytes as -o FILE' \
	bash -c '"$1" -q -o - src | cmp - out.img' _ "$MKUCODE"

mkdir rawdir
note output '--raw: the vendor files without the cpio.'
run output mkucode --raw rawdir src
run output ls rawdir
run output mkucode list rawdir
cpio_extract out.img "$INTEL_MEMBER" intel.member
cpio_extract out.img "$AMD_MEMBER" amd.member
tap_check 'output: --raw GenuineIntel.bin is the cpio member' cmp rawdir/GenuineIntel.bin intel.member
tap_check 'output: --raw AuthenticAMD.bin is the cpio member' cmp rawdir/AuthenticAMD.bin amd.member
mkdir rawintel
run output mkucode -q --vendor intel --raw rawintel src
run output ls rawintel
run output mkucode --raw no-such-dir src
cp -r rawdir rawstale
tap_check '--raw leaves no stale AuthenticAMD.bin of an earlier run when the selection has no AMD microcode' \
	bash -c '"$1" -q --vendor intel --raw rawstale src && [ ! -e rawstale/AuthenticAMD.bin ]' _ "$MKUCODE"

note output 'SOURCE_DATE_EPOCH sets every mtime, nothing else.'
run output SOURCE_DATE_EPOCH=1700000000 mkucode -q -o sde.img src
run output python3 cpio.py dump sde.img
sde_only_mtimes() {
	diff <(cpio_dump out.img | sed 's/ mtime=[0-9]*//') <(cpio_dump sde.img | sed 's/ mtime=[0-9]*//') &&
		cpio_extract sde.img "$INTEL_MEMBER" sde.intel && cmp sde.intel intel.member &&
		cpio_extract sde.img "$AMD_MEMBER" sde.amd && cmp sde.amd amd.member &&
		! cmp -s out.img sde.img
}
tap_check 'output: SOURCE_DATE_EPOCH changes only mtime fields' sde_only_mtimes
tap_check 'output: two SOURCE_DATE_EPOCH runs are identical' \
	bash -c 'SOURCE_DATE_EPOCH=1700000000 "$1" -q -o sde2.img src && cmp sde.img sde2.img' _ "$MKUCODE"

intel_data_mod16() {
	python3 "$T/cpio.py" dump "$1" | awk -v m="$INTEL_MEMBER" '$2 == m { sub(/.*data%16=/, ""); print }'
}
tap_check 'output: Intel data 16-aligned (independent parser)' test "$(intel_data_mod16 out.img)" = 0
tap_check 'output: Intel data 16-aligned with SOURCE_DATE_EPOCH' test "$(intel_data_mod16 sde.img)" = 0
tap_check 'output: Intel data 16-aligned when Intel is the only vendor' \
	bash -c '"$1" -q --vendor intel -o intel-only.img src' _ "$MKUCODE"
tap_check 'output: ... and its offset is 0 mod 16' test "$(intel_data_mod16 intel-only.img)" = 0
tap_check 'output: the first Intel header sits at the member data offset (od)' \
	bash -c 'off=$(python3 cpio.py dump out.img | awk -v m='"$INTEL_MEMBER"' '"'"'$2 == m { sub(/.*data=/, ""); sub(/ .*/, ""); print }'"'"') &&
		[ $((off % 16)) -eq 0 ] &&
		[ "$(od -An -j $((off)) -N 4 -tx4 --endian=little out.img | tr -d " ")" = 00000001 ] &&
		[ "$(od -An -j $((off + 20)) -N 4 -tx4 --endian=little out.img | tr -d " ")" = 00000001 ]'
for img in out.img intel-only.img sde.img; do
	tap_check "output: verify of $img reports no alignment problem" \
		bash -c '! "$1" verify --cpu 0x906ea,0x2 "$2" 2>&1 | grep -Ei "align"' _ "$MKUCODE" "$img"
done

# Atomicity: a failing build leaves an existing -o FILE byte-for-byte alone.
mkdir atomic
cp out.img atomic/initrd-ucode.img
chmod 0640 atomic/initrd-ucode.img
GOOD_SHA=$(sha atomic/initrd-ucode.img)
ug intel --sig 0x806c1 --pf 0x80 --rev 0xb5 --seed 5 --defect bad-checksum -o broken.bin
atomic_case() { # atomic_case DESCRIPTION MKUCODE-ARGS...
	local desc=$1
	shift
	run atomic mkucode "$@"
	tap_check "atomic: $desc: exit 1" test "$RC" -eq 1
	tap_check "atomic: $desc: existing output unchanged" test "$(sha atomic/initrd-ucode.img)" = "$GOOD_SHA"
	tap_check "atomic: $desc: no temporary file left" no_temp_left atomic
}
atomic_case 'malformed blob' -o atomic/initrd-ucode.img src broken.bin
atomic_case 'empty selection' -q -o atomic/initrd-ucode.img --cpu 0x906ec src
atomic_case 'unreadable source' -q -o atomic/initrd-ucode.img src no-such-file
# A temporary name over NAME_MAX: creating it fails even for root.
LONG=atomic/$(printf 'x%.0s' {1..250})
cp out.img "$LONG"
LONG_SHA=$(sha "$LONG")
run atomic mkucode -q -o "$LONG" src
tap_check 'atomic: temp file cannot be created: exit 1' test "$RC" -eq 1
tap_check 'atomic: temp file cannot be created: output unchanged' test "$(sha "$LONG")" = "$LONG_SHA"
tap_check 'atomic: temp file cannot be created: no temp left' no_temp_left atomic
rm -f "$LONG"
if [[ $(id -u) != 0 ]]; then
	chmod a-w atomic
	RC=0
	mk -q -o atomic/initrd-ucode.img src 2>/dev/null || RC=$?
	chmod u+w atomic
	tap_check 'atomic: read-only directory: exit 1' test "$RC" -eq 1
	tap_check 'atomic: read-only directory: output unchanged' test "$(sha atomic/initrd-ucode.img)" = "$GOOD_SHA"
	tap_check 'atomic: read-only directory: no temp left' no_temp_left atomic
else
	tap ok 'atomic: read-only directory' 'SKIP running as root'
fi
RC=0
mk -q -o - src >/dev/full 2>"$T/.err" || RC=$?
tap_check 'atomic: standard output full: exit 1' test "$RC" -eq 1
tap_check 'atomic: standard output full: says so' grep -qx 'mkucode: standard output: No space left on device' "$T/.err"
mkdir atomic/dir-target
run atomic mkucode -q -o atomic/dir-target src
tap_check 'atomic: a directory as -o is refused, exit 1' test "$RC" -eq 1
# A successful replacement keeps the file's mode and leaves no temp file.
mk -q -o atomic/initrd-ucode.img --vendor amd src
tap_check 'atomic: replacing keeps the mode' test "$(stat -c %a atomic/initrd-ucode.img)" = 640
tap_check 'atomic: replacing leaves no temp file' no_temp_left atomic
tap_check 'atomic: replacing did replace' test "$(sha atomic/initrd-ucode.img)" != "$GOOD_SHA"

# ============================================================== selection

# sel GOLDEN [MKUCODE-ARGS...]: build sel.img from the args, then list it.
sel() {
	local golden=$1
	shift
	rm -f sel.img
	run "$golden" mkucode -q -o sel.img "$@"
	if [[ -e sel.img ]]; then
		run "$golden" mkucode list --json sel.img
	fi
}

note select 'Default: newest of each signature/platform, every vendor.'
sel select src
note select 'A signature: both platform variants, newest of each.'
sel select --cpu 0x906ea src
note select 'Signature and platform mask, 8-digit form: only the pf 0x22 update (rev 0xf4).'
sel select --cpu 0x000906ea,0x2 src
note select 'FF-MM-SS with a platform mask: only the pf 0x01 update.'
sel select --cpu 06-9e-0a,0x1 src
note select 'FF-MM-SS without a mask.'
sel select --cpu 06-8c-01 src
note select 'A signature found only in an extended signature table: the 06-55-04 update.'
sel select --cpu 0x50657,0x80 src
note select 'Exclusion alone: everything but 0x906ea.'
sel select --cpu '!0x906ea' src
note select 'Exclusion of one platform: 0x906ea pf 0x22 stays.'
sel select --cpu 0x906ea --cpu '!0x906ea,0x1' src
note select 'Inclusion and exclusion of the same CPU: exclusion wins, nothing left.'
sel select --cpu 0x906ea --cpu '!06-9e-0a' src
note select '--vendor.'
sel select --vendor amd src
sel select --vendor intel --cpu '!06-8c-01' src
note select 'AMD by signature: only the 0x800f82 patch of the family 17h container.'
sel select --cpu 0x800f82 src
sel select --cpu 19-21-02 src
note select 'Dates are strict: 2023-06-01 is neither before nor after 2023-06-01.'
sel select --date-before 2023-06-01 src
sel select --date-after 2023-06-01 src
sel select --date-after 2022-12-31 --date-before 2023-09-01 --vendor intel src
note select 'The newer file first: without --downgrade rev 0xf4 wins, with it the last given (0xf0).'
sel select --cpu 0x906ea,0x2 $I/06-9e-0a.update $I/06-9e-0a
sel select --downgrade --cpu 0x906ea,0x2 $I/06-9e-0a.update $I/06-9e-0a
note select 'Nothing selected: an error, unless --allow-empty.'
sel select --cpu 0x906ec src
sel select --allow-empty --cpu 0x906ec src
run select python3 cpio.py dump sel.img
note select 'Same signature, platform and revision with other bytes: an error naming both.'
ug intel --sig 0x806c1 --pf 0x80 --rev 0xb4 --date 0x09072023 --seed 99 -o impostor.bin
sel select src impostor.bin

# --host with fake machines.
# mkroot DIR ONLINE VENDOR FAMILY MODEL STEPPING [PF]: every CPU in ONLINE
# (a list like 0-3 or 0,2) gets a /proc/cpuinfo record, sysfs microcode
# version 0x1, and processor_flags PF when given.
mkroot() {
	local dir=$1 online=$2 vendor=$3 fam=$4 model=$5 step=$6 pf=${7:-}
	local cpu
	mkdir -p "$dir/sys/devices/system/cpu" "$dir/proc"
	echo "$online" >"$dir/sys/devices/system/cpu/online"
	: >"$dir/proc/cpuinfo"
	local -a cpus=() parts=()
	local part
	IFS=, read -ra parts <<<"$online"
	for part in "${parts[@]}"; do
		if [[ $part == *-* ]]; then
			mapfile -t -O "${#cpus[@]}" cpus < <(seq "${part%-*}" "${part#*-}")
		else
			cpus+=("$part")
		fi
	done
	for cpu in "${cpus[@]}"; do
		cat >>"$dir/proc/cpuinfo" <<-EOF
			processor	: $cpu
			vendor_id	: $vendor
			cpu family	: $fam
			model		: $model
			model name	: Synthetic CPU
			stepping	: $step
			microcode	: 0x1
			flags		: fpu vme de pse tsc msr

		EOF
		mkdir -p "$dir/sys/devices/system/cpu/cpu$cpu/microcode"
		echo 0x1 >"$dir/sys/devices/system/cpu/cpu$cpu/microcode/version"
		if [[ -n $pf ]]; then
			echo "$pf" >"$dir/sys/devices/system/cpu/cpu$cpu/microcode/processor_flags"
		fi
	done
}
mkroot host-intel 0-3 GenuineIntel 6 158 10 0x2
mkroot host-intel-nopf 0-1 GenuineIntel 6 158 10
mkroot host-amd 0,2 AuthenticAMD 25 33 2
mkroot host-hygon 0 HygonGenuine 24 0 1
mkroot host-via 0 CentaurHauls 6 15 14
# A guest on a CPU none of src/ serves: 06-9e-0c, the hypervisor flag set.
mkroot host-vm 0-1 GenuineIntel 6 158 12 0x2
sed -i 's/^flags\t*: .*/& hypervisor/' host-vm/proc/cpuinfo
mkroot host-bare 0-1 GenuineIntel 6 158 12 0x2
mkdir -p host-empty

note host 'A 4-CPU Intel 06-9e-0a with platform flags 0x2: the pf 0x22 update only.'
sel host --host --root host-intel src
note host 'Platform flags unreadable: every platform variant, with a note.'
rm -f sel.img
run host mkucode -o sel.img --host --root host-intel-nopf src/intel-ucode
run host mkucode list --json sel.img
note host 'An AMD family 19h machine (CPUs 0 and 2 online): the family 19h patch only.'
sel host --host --root host-amd src
note host '--host and --cpu add up.'
sel host --host --root host-amd --cpu 06-8c-01 src
note host 'A Hygon CPU counts as AMD; another vendor is an error.'
run host mkucode --allow-empty -o sel.img --host --root host-hygon src/amd-ucode
sel host --host --root host-via src
note host 'No sysfs CPU list: an error naming the file.'
sel host --host --root "$T/host-empty" src
note host 'verify --host reads the same fake machine.'
run host mkucode verify --host --root host-intel out.img
run host mkucode verify --root host-amd out.img
note host 'What --host found is a note: vendor, FF-MM-SS, signature, pf, running revision.'
run host mkucode -o sel.img --host --root host-intel src
tap_check 'host: a note names the CPUs found' \
	grep -qx 'mkucode: note: --host: CPUs 0-3: intel 06-9e-0a (0x000906ea), pf 0x02, revision 0x00000001' "$T/.err"
note host 'Nothing for this machine: a warning naming its CPUs (-q keeps it), and for a guest why.'
run host mkucode -q -o sel.img --host --root host-bare src
tap_check 'host: nothing selected for --host: exit 1' test "$RC" -eq 1
tap_check 'host: nothing selected for --host: the warning names the signature, no guest hint' \
	bash -c 'grep -q "^mkucode: warning: --host: no microcode selected for this machine.s CPUs (intel 06-9e-0c (0x000906ec), pf 0x02" "$1" &&
		! grep -q "virtual machine" "$1"' _ "$T/.err"
run host mkucode -q -o sel.img --host --root host-vm src
tap_check 'host: a guest is told that guests usually cannot load microcode' \
	grep -q '^mkucode: warning: --host: no microcode selected .*06-9e-0c.*virtual machine guest' "$T/.err"
run host mkucode -q --allow-empty -o sel.img --host --root host-vm src
tap_check 'host: --allow-empty: exit 0, still the warning' \
	bash -c '[ "$1" -eq 0 ] && grep -q "^mkucode: warning: --host: no microcode selected" "$2"' _ "$RC" "$T/.err"

# ============================================================== list

run list mkucode list src
run list mkucode list --json src
note list 'Files and directories mixed; compressed copies, .dat text and a cpio inside a directory.'
run list mkucode list -q src/intel-ucode/06-55-04 src/amd-ucode mixed
note list 'An early cpio, and a whole initrd (early cpio + gzip main cpio).'
run list mkucode list prepacked.cpio
run list mkucode list --json prepacked.cpio
run list mkucode list initrd.img
run list mkucode list --json initrd.img
note list 'A cpio without microcode, and nothing at all.'
run list mkucode list main.cpio
run list mkucode list --json README-missing
run list mkucode list --json src/README
note list '"-" is standard input, and /dev/stdin (a pipe) is read like a file.'
RC=0
# shellcheck disable=SC2002 # a pipe is the point, not a redirected file
cat src/intel-ucode/06-55-04 | mk list - >"$T/.out" 2>"$T/.err" || RC=$?
tap_check 'list - from a pipe: exit 0, the update, named standard input' \
	bash -c '[ "$1" -eq 0 ] && grep -q "^intel .*0x02007006 .* standard input$" "$2" && [ ! -s "$3" ]' _ "$RC" "$T/.out" "$T/.err"
RC=0
# shellcheck disable=SC2002 # a pipe is the point, not a redirected file
cat src/intel-ucode/06-55-04 | mk list /dev/stdin >"$T/.out" 2>"$T/.err" || RC=$?
tap_check 'list /dev/stdin from a pipe: exit 0, the update' \
	bash -c '[ "$1" -eq 0 ] && grep -q "^intel .*0x02007006 .* /dev/stdin$" "$2"' _ "$RC" "$T/.out"
tap_check 'list - from a redirected file: the update' \
	bash -c '"$1" list - <src/intel-ucode/06-55-04 | grep -q "0x02007006 .* standard input$"' _ "$MKUCODE"
tap_check 'list - of compressed data from a pipe: what the file gives' \
	bash -c 'diff <(cat gz/intel-ucode/06-55-04.gz | "$1" list -q - | sed "s/standard input//") \
		<("$1" list -q gz/intel-ucode/06-55-04.gz | sed "s|gz/intel-ucode/06-55-04.gz||")' _ "$MKUCODE"
tap_check 'build from - (a pipe) gives the bytes the file gives' \
	bash -c 'cat mixed/early.cpio | "$1" -q -o stdin.img - && "$1" -q -o file.img mixed/early.cpio && cmp stdin.img file.img' _ "$MKUCODE"
tap_check 'build from /dev/stdin (a pipe) gives the bytes the file gives' \
	bash -c 'cat mixed/early.cpio | "$1" -q -o devstdin.img /dev/stdin && cmp devstdin.img file.img' _ "$MKUCODE"
run list bash -c 'printf "not microcode\n" | "$1" list -' _ "$MKUCODE"
note list 'A date field that is no date (BCD month 0x13): the raw field, in text and JSON (date null, date_raw).'
ug amd --equiv 0x00800f12 --patch 0x0800126e --date 0x13092011 --seed 6 -o bad-date-amd.bin
run list mkucode list bad-date-amd.bin
run list mkucode list --json bad-date-amd.bin
tap_check 'list: an invalid date shows as the raw field 0x13092011' \
	bash -c '"$1" list bad-date-amd.bin | grep -q " 0x13092011 "' _ "$MKUCODE"
tap_check 'list --json: an invalid date is null, the raw field beside it' \
	bash -c '"$1" list --json bad-date-amd.bin | python3 -c "
import json, sys
r = json.load(sys.stdin)[0]
assert r[\"date\"] is None and r[\"date_raw\"] == 0x13092011, r"' _ "$MKUCODE"
tap_check 'list --json: a valid date has no date_raw' \
	bash -c '"$1" list --json src | python3 -c "
import json, sys
assert all(\"date_raw\" not in r for r in json.load(sys.stdin))"' _ "$MKUCODE"

python_json_check() { # FILE: list --json output has the man page's fields
	python3 - "$1" <<-'EOF'
		import json, re, sys
		rows = json.load(open(sys.argv[1]))
		assert isinstance(rows, list) and rows, rows
		for r in rows:
		    assert r['vendor'] in ('intel', 'amd'), r
		    for k in ('signature', 'revision', 'size'):
		        assert type(r[k]) is int, (k, r)
		    assert re.fullmatch(r'\d{4}-\d\d-\d\d', r['date']), r
		    assert isinstance(r['source'], str), r
		    key = 'pf_mask' if r['vendor'] == 'intel' else 'equiv_id'
		    assert type(r[key]) is int, (key, r)
	EOF
}
mk list -q --json src >list.json
tap_check 'list --json: the man page'"'"'s fields and types' python_json_check list.json
mk list --json initrd.img >list-initrd.json
tap_check 'list --json of an initrd: the man page'"'"'s fields and types' python_json_check list-initrd.json

# ============================================================== verify

note verify 'CPUs present: exit 0.  The 0x50657 CPU is covered by the extended table.'
run verify mkucode verify --cpu 0x906ea,0x2 --cpu 06-55-07,0x80 --cpu 0xa20f12 out.img
tap_check 'verify: all CPUs served: exit 0' test "$RC" -eq 0
note verify 'A CPU without microcode: exit 3 and the reason.'
run verify mkucode verify --cpu 0x906ea,0x2 --cpu 0x906ec out.img
tap_check 'verify: a CPU without microcode: exit 3' test "$RC" -eq 3
run verify mkucode verify --json --cpu 0x906ea,0x2 --cpu 0x800f82 --cpu 0x906ec out.img
cp "$T/.out" verify.json
tap_check 'verify --json: one element per CPU with vendor, signature, pf, linux, xen' \
	python3 - verify.json <<-'EOF'
		import json, sys
		rows = json.load(open(sys.argv[1]))
		assert [r['signature'] for r in rows] == [0x906ea, 0x800f82, 0x906ec], rows
		for r in rows:
		    assert r['vendor'] in ('intel', 'amd'), r
		    assert type(r['signature']) is int and type(r['pf']) is int, r
		    for k in ('linux', 'xen'):
		        assert r[k] is None or type(r[k]) is int, (k, r)
		assert rows[0]['linux'] == rows[0]['xen'] == 0xf4, rows[0]
		assert rows[1]['vendor'] == 'amd' and rows[1]['linux'] == 0x0800820d, rows[1]
		assert rows[2]['linux'] is None and rows[2]['xen'] is None, rows[2]
	EOF
note verify '--vendor decides for a signature that could be either.'
run verify mkucode verify --vendor amd --cpu 0x800f12 out.img
note verify 'An AMD CPU and an image without AMD microcode.'
run verify mkucode verify --cpu 0xa20f12 intel-only.img
note verify 'A whole initrd.'
run verify mkucode verify --cpu 0x806c1,0x80 --cpu 0x800f12 initrd.img
note verify 'GenuineIntel.bin data at 0x20c (12 mod 16): a problem naming the offset, exit 4.'
run verify python3 cpio.py dump misaligned.cpio
run verify mkucode verify --cpu 0x806c1,0x80 misaligned.cpio
tap_check 'verify: misaligned Intel data is something to fix (exit 4)' test "$RC" -eq 4
off=$(cpio_dump misaligned.cpio |
	awk -v m="$INTEL_MEMBER" '$2 == m { sub(/.*data=/, ""); sub(/ .*/, ""); print }')
tap_check "verify: misaligned Intel data: the row names offset $off, where the member's data starts" \
	grep -q "problem: misaligned.cpio: offset $off: .*16-byte aligned" "$T/.out"
note verify 'Raw vendor files (--raw output): only Xen reads these.'
run verify mkucode verify --cpu 0x906ea,0x1 rawdir/GenuineIntel.bin
run verify mkucode verify --json --cpu 0x800f12 rawdir/AuthenticAMD.bin
note verify 'Neither an initrd nor a vendor file: read as each CPU vendor would (Xen ucode=<n>).'
head -c 4 rawdir/AuthenticAMD.bin | tr 'D' 'E' >bad-magic-amd.bin
tail -c +5 rawdir/AuthenticAMD.bin >>bad-magic-amd.bin
run verify mkucode verify --cpu 0x800f12 bad-magic-amd.bin
printf 'not microcode\n' >text.bin
run verify mkucode verify --cpu 0x906ea,0x1 --cpu 0x800f12 text.bin
tap_check 'verify: neither initrd nor vendor file is an error (exit 1)' test "$RC" -eq 1
note verify 'An empty early cpio (--allow-empty).'
mk -q --allow-empty --cpu 0x906ec -o empty.img src
run verify mkucode verify --cpu 0x906ea empty.img

# ============================================================== errors

# One file: a valid update first, then the defect, so the offset is not 0.
# DEFECT_AT[FILE]: where ucgen put the broken update, container or section
# (--print-offset), the offset every message about FILE must name.
mkdir -p defects
declare -A DEFECT_AT=()
while IFS= read -r d; do
	[[ $d != valid ]] || continue
	f=defects/intel-$d.bin
	ug intel --sig 0x806c1 --pf 0x80 --rev 0xb4 --date 0x09072023 --seed 5 -o "$f"
	DEFECT_AT[$f]=$(ug intel --sig 0x906ea --pf 0x22 --rev 0xf0 --date 0x03152022 --seed 1 \
		--defect "$d" -o "$f" --append --print-offset)
done < <(ug defects intel)
while IFS= read -r d; do
	[[ $d != valid ]] || continue
	f=defects/amd-$d.bin
	ug amd --equiv 0x00800f12 --patch 0x0800126e --date 0x11112021 --seed 6 -o "$f"
	DEFECT_AT[$f]=$(ug amd --equiv 0x00a20f12 --patch 0x0a201205 --patch 0x0a201206 \
		--date 0x02022024 --seed 7 --defect "$d" --defect-index 1 -o "$f" --append \
		--print-offset)
done < <(ug defects amd)

defect_case() { # defect_case GOLDEN FILE FIRST-REV
	local golden=$1 f=$2 rev=$3 off=${DEFECT_AT[$2]} name
	name=$(basename "$f" .bin)
	run "$golden" mkucode -o defect.img "$f"
	tap_check "$name: exit 1" test "$RC" -eq 1
	tap_check "$name: one message naming the file and offset $off, where ucgen put the defect" \
		grep -qx "mkucode: $f: offset $off: .*" "$T/.err"
	tap_check "$name: only one line on stderr" test "$(wc -l <"$T/.err")" -eq 1
	tap_check "$name: nothing written" test ! -e defect.img
	rm -f defect.img
	RC=0
	mk -q --ignore-broken -o defect.img "$f" 2>"$T/.err" || RC=$?
	local ok_ignore=(bash -c '[ "$1" -eq 0 ] && grep -q "^mkucode: warning: $2: offset $6: " "$3" &&
		"$4" list -q defect.img | grep -q " $5 "' _ "$RC" "$f" "$T/.err" "$MKUCODE" "$rev" "$off")
	if [[ $name == amd-bad-magic ]]; then
		tap_check "$name --ignore-broken: exit 0, a warning at $off, the valid container before it kept" "${ok_ignore[@]}"
	else
		tap_check "$name --ignore-broken: exit 0, a warning at $off, the update before it kept" "${ok_ignore[@]}"
	fi
	rm -f defect.img
}
for f in defects/intel-*.bin; do
	defect_case errors-intel "$f" 0x000000b4
done
for f in defects/amd-*.bin; do
	if [[ $f == defects/amd-bad-magic.bin ]]; then
		# The loaders read what follows a container as a patch section.
		tap_check "amd-bad-magic: the message names the section after the first container, ${DEFECT_AT[$f]}" \
			bash -c '"$1" -q -o defect.img "$2" 2>&1 | grep -qx "mkucode: $2: offset $3: AMD patch section has the wrong type"' \
			_ "$MKUCODE" "$f" "${DEFECT_AT[$f]}"
		defect_case errors-amd-bad-magic "$f" 0x0800126e
		continue
	fi
	defect_case errors-amd "$f" 0x0800126e
done
tap_check 'amd-section-bad-type --ignore-broken keeps patch 0x0a201205 before the bad section' \
	bash -c '"$1" -q --ignore-broken -o keep.img defects/amd-section-bad-type.bin 2>/dev/null &&
		"$1" list keep.img | grep -q 0x0a201205' _ "$MKUCODE"
tap_check 'amd-trailing-junk --ignore-broken keeps both patches of the container before the junk' \
	bash -c '"$1" -q --ignore-broken -o keep2.img defects/amd-trailing-junk.bin 2>/dev/null &&
		"$1" list keep2.img | grep -q 0x0a201206' _ "$MKUCODE"

note errors 'Broken compressed sources: the decompressor error, or a warning with --ignore-broken.'
head -c 400 gz/intel-ucode/06-55-04.gz >defects/truncated.gz
head -c 300 xz/intel-ucode/06-55-04.xz >defects/truncated.xz
head -c 300 zst/intel-ucode/06-55-04.zst >defects/truncated.zst
for z in gz xz zst; do
	run errors mkucode -q -o err.img "defects/truncated.$z"
	tap_check "truncated .$z: exit 1" test "$RC" -eq 1
	run errors mkucode -q --ignore-broken -o ignored.img "defects/truncated.$z" $I/06-8c-01
	tap_check "truncated .$z --ignore-broken: exit 0" test "$RC" -eq 0
done
note errors 'A broken update inside compressed data: the offset counts decompressed bytes, and the message says so.'
gzip -n -c defects/intel-bad-checksum.bin >defects/bad-checksum.gz
run errors mkucode -q -o err.img defects/bad-checksum.gz
off=${DEFECT_AT[defects/intel-bad-checksum.bin]}
tap_check "errors: a broken update in gzip data: offset $off of the decompressed data" \
	grep -qx "mkucode: defects/bad-checksum.gz: offset $off: .*checksum mismatch (offset in the decompressed data)" "$T/.err"
note errors 'A broken update inside a source cpio names the member and the offset in the cpio.'
ug cpio --align16 kernel/ kernel/x86/ kernel/x86/microcode/ \
	"$INTEL_MEMBER=defects/intel-bad-checksum.bin" -o defects/broken-member.cpio
run errors mkucode -q -o err.img defects/broken-member.cpio
note errors 'Sources that do not exist; SOURCE_DATE_EPOCH that is not a time.'
run errors mkucode -q -o err.img no-such-file
run errors mkucode -q -o err.img "$T/no-such-dir/"
run errors SOURCE_DATE_EPOCH=yesterday mkucode -q -o err.img src
run errors SOURCE_DATE_EPOCH=4294967296 mkucode -q -o err.img src
tap_check 'errors: nothing written by any failing build' test ! -e err.img

# -o FILE leaves the Intel checksums to the read-back check of what it
# wrote; -o - cannot take back what it wrote, so it checks them first.
# Either way the run stops at the first problem in the order sources are
# read, and says nothing after it.
note errors 'The first problem in source order is the one reported, whatever follows it: a later broken file, a file that is not microcode, a same-revision copy, a filter that leaves the broken update out; a broken file comes before a same-revision impostor, which selection finds after gathering.'
ug intel --sig 0x906ea --pf 0x22 --rev 0xf0 --date 0x03152022 --seed 1 -o defects/good-906ea.bin
ug intel --sig 0x906ea --pf 0x22 --rev 0xf0 --date 0x03152022 --seed 1 --defect bad-checksum \
	-o defects/corrupt-906ea.bin
printf 'not microcode\n' >defects/README
ug intel --sig 0x906ea --pf 0x22 --rev 0xf0 --date 0x03152022 --seed 98 -o defects/impostor-906ea.bin
for out in err.img -; do
	run errors mkucode -o "$out" defects/intel-bad-checksum.bin defects/intel-bad-header-version.bin
	run errors mkucode -o "$out" defects/intel-bad-checksum.bin defects/README
	run errors mkucode -o "$out" defects/good-906ea.bin defects/corrupt-906ea.bin
	run errors mkucode -o "$out" --cpu 0x806c1 defects/intel-bad-checksum.bin
	# Gathering notes the README before selection finds the impostor.
	run errors mkucode -o "$out" defects/good-906ea.bin defects/impostor-906ea.bin defects/README
	run errors mkucode -o "$out" defects/good-906ea.bin defects/impostor-906ea.bin \
		defects/intel-bad-checksum.bin
done
tap_check 'a same-revision impostor: -o FILE says what -o - says, nothing written' \
	bash -c 'a=$("$1" -o err.img $2 2>&1 >/dev/null); b=$("$1" -o - $2 2>&1 >/dev/null)
		[ "$a" = "$b" ] && grep -q "but has the same signature and revision" <<<"$a" &&
		[ ! -e err.img ]' _ "$MKUCODE" 'defects/good-906ea.bin defects/impostor-906ea.bin defects/README'
for args in 'defects/intel-bad-checksum.bin defects/intel-bad-header-version.bin' \
	'defects/intel-bad-checksum.bin defects/README' \
	'defects/good-906ea.bin defects/corrupt-906ea.bin' \
	'--cpu 0x806c1 defects/intel-bad-checksum.bin'; do
	# shellcheck disable=SC2086 # word splitting wanted
	tap_check "first problem ($args): -o FILE says what -o - says, one line, nothing written" \
		bash -c 'a=$("$1" -o err.img $2 2>&1 >/dev/null); b=$("$1" -o - $2 2>&1 >/dev/null)
			[ "$a" = "$b" ] && [ "$(printf "%s\n" "$a" | wc -l)" -eq 1 ] &&
			grep -q "checksum mismatch" <<<"$a" && [ ! -e err.img ]' _ "$MKUCODE" "$args"
done

# Corrupt cpio sources and images: said, not silently skipped.
off=$(ug cpio --align16 --defect bad-hex --defect-index 3 kernel/ kernel/x86/ kernel/x86/microcode/ \
	"$INTEL_MEMBER=$I/06-8c-01" -o defects/cpio-bad-hex.cpio --print-offset)
tap_check "a cpio source with a corrupt header (bad-hex) is an error naming its offset $off" \
	bash -c '! "$1" -q -o badhex.img defects/cpio-bad-hex.cpio src 2>err &&
		grep -q "cpio-bad-hex.cpio: offset $2: " err' _ "$MKUCODE" "$off"
tap_check "verify names the corrupt cpio header (bad-hex) of an image, at $off" \
	bash -c '"$1" verify --cpu 0x806c1,0x80 defects/cpio-bad-hex.cpio 2>&1 >/dev/null |
		grep -q "cpio-bad-hex.cpio: offset $2: "' _ "$MKUCODE" "$off"

# ============================================================== usage

note usage 'Usage errors: exit 2 and a hint.'
for spec in zz 0x906ea,0x100 06-9e 06-9e-0a-1 0x06-9e-0a 0x1 '!' ''; do
	run usage mkucode -o x.img --cpu "$spec" src
	tap_check "usage: --cpu '$spec': exit 2" test "$RC" -eq 2
done
run usage mkucode -o x.img --raw rawdir src
tap_check 'usage: -o and --raw: exit 2' test "$RC" -eq 2
run usage mkucode src
tap_check 'usage: no output option: exit 2' test "$RC" -eq 2
run usage mkucode --all --cpu 06-9e-0a -o x.img src
tap_check 'usage: --all with --cpu: exit 2' test "$RC" -eq 2
# getopt would read "--all" as --allow-empty if --all were not an option.
run usage mkucode -q --all -o all.img src
tap_check 'usage: --all is the default selection' cmp all.img out.img
run usage mkucode -o x.img --vendor via src
run usage mkucode -o x.img --date-before 2023-13-01 src
run usage mkucode verify
run usage mkucode verify --cpu 06-9e out.img
tap_check 'usage: nothing written' test ! -e x.img
for args in '--bogus -o x.img src' 'list --bogus src' 'verify --bogus out.img'; do
	RC=0
	# shellcheck disable=SC2086 # word splitting intended
	mk $args >/dev/null 2>"$T/.err" || RC=$?
	tap_check "usage: $args: exit 2" test "$RC" -eq 2
	tap_check "usage: $args: names the option and hints at --help" \
		bash -c 'grep -q "unrecognized option .--bogus" "$1" && grep -qx "Try .mkucode --help. for more information." "$1"' _ "$T/.err"
	tap_check "usage: $args: message starts with 'mkucode' (not argv[0] or the verb)" \
		bash -c 'head -1 "$1" | grep -q "^mkucode"' _ "$T/.err"
done
note usage '"build" is the default verb said explicitly; an unknown verb-like word is a usage error; "help" is --help.'
run usage mkucode build -q -o build-verb.img src
tap_check 'usage: mkucode build -o FILE SOURCE gives what mkucode -o FILE SOURCE gives' cmp build-verb.img out.img
run usage mkucode lst src
tap_check 'usage: unknown verb lst: exit 2' test "$RC" -eq 2
tap_check 'usage: unknown verb lst: said so, naming the verbs' \
	grep -qx "mkucode: 'lst' is not a verb (build, list, verify, strip, extract, status, refresh, stanza, late), nor a SOURCE that exists" "$T/.err"
run usage mkucode help-me
tap_check 'usage: unknown verb help-me: exit 2' test "$RC" -eq 2
RC=0
mk help >help-verb.txt 2>"$T/.err" || RC=$?
tap_check 'usage: mkucode help: exit 0, the help on stdout' \
	bash -c '[ "$1" -eq 0 ] && head -1 help-verb.txt | grep -qx Usage: && [ ! -s "$2" ]' _ "$RC" "$T/.err"
mkdir -p words
cp -r src/intel-ucode src/amd-ucode words/
tap_check 'usage: a SOURCE named like a word, given first, is a SOURCE' \
	bash -c 'cd words && "$1" intel-ucode amd-ucode -q -o ../words.img && cd .. && cmp words.img out.img' _ "$MKUCODE"
# --vendor in any case.
for v in Intel INTEL AMD Amd; do
	lower=$(tr '[:upper:]' '[:lower:]' <<<"$v")
	tap_check "usage: --vendor $v is --vendor $lower" \
		bash -c '"$1" -q --vendor "$2" -o v1.img src && "$1" -q --vendor "$3" -o v2.img src && cmp v1.img v2.img' \
		_ "$MKUCODE" "$v" "$lower"
done
# Standard output that cannot be written: exit 1 and a message, for every verb.
for args in 'list src' 'list --json src' '--help' 'help' '--version' 'verify --cpu 0x906ea,0x2 out.img' \
	'verify --json --cpu 0x906ea,0x2 out.img' '-o - src' 'build -o - src' 'list --help' \
	'extract initrd.img -o -' 'verify --cpu 0x906ec out.img'; do
	RC=0
	# shellcheck disable=SC2086 # word splitting intended
	mk $args >/dev/full 2>"$T/.err" || RC=$?
	tap_check "usage: $args >/dev/full: exit 1" test "$RC" -eq 1
	tap_check "usage: $args >/dev/full: says so, once" \
		bash -c '[ "$(grep -cx "mkucode: standard output: No space left on device" "$1")" -eq 1 ]' _ "$T/.err"
done
tap_check 'usage: standard output closed and unused: not an error' \
	bash -c '"$1" -q -o closed.img src >&-' _ "$MKUCODE"
# -q after every verb.
cp initrd.img strip-q.img
for args in 'build -q -o q.img src' '-q -o q.img src' 'list -q src' \
	'verify -q --host --root host-intel out.img' 'strip -q strip-q.img' \
	'extract -q initrd.img -o q-early.img'; do
	RC=0
	# shellcheck disable=SC2086 # word splitting intended
	mk $args >/dev/null 2>"$T/.err" || RC=$?
	tap_check "usage: $args: exit 0, nothing on stderr" \
		bash -c '[ "$1" -eq 0 ] && [ ! -s "$2" ]' _ "$RC" "$T/.err"
	# shellcheck disable=SC2086
	mk ${args/-q /} >/dev/null 2>"$T/.err" || true
	tap_check "usage: ${args/-q /} (no -q) does say something: -q silenced it" test -s "$T/.err"
done

RC=0
mk --help >help.txt || RC=$?
tap_check '--help: exit 0, usage on stdout' bash -c '[ "$1" -eq 0 ] && head -1 help.txt | grep -qx Usage:' _ "$RC"
tap_check '--version: exit 0' bash -c '"$1" --version | grep -q "^mkucode "' _ "$MKUCODE"

# ============================================================== compare

rm -f "$OUT"/*.tmp
for f in "$OUT"/*.txt; do
	[[ -s $f ]] || rm -f "$f"
done
if [[ -n $UPDATE ]]; then
	mkdir -p "$GOLDEN"
	for f in "$GOLDEN"/*.txt; do
		[[ -e $f ]] || continue
		if [[ ! -e $OUT/$(basename "$f") ]]; then
			rm -f "$f"
			echo "# removed stale $(basename "$f")"
		fi
	done
	for f in "$OUT"/*.txt; do
		if ! cmp -s "$f" "$GOLDEN/$(basename "$f")"; then
			cp "$f" "$GOLDEN/"
			echo "# updated $(basename "$f")"
		fi
	done
fi
for f in "$OUT"/*.txt; do
	g=$GOLDEN/$(basename "$f")
	if [[ -e $g ]] && diff -u "$g" "$f" >"$T/.diff"; then
		tap ok "golden $(basename "$f")"
	else
		tap notok "golden $(basename "$f")"
		if [[ -e $g ]]; then tap_diag <"$T/.diff"; else echo "# $g missing (run with --update)"; fi
	fi
done
for g in "$GOLDEN"/*.txt; do
	[[ -e $g ]] || continue
	if [[ ! -e $OUT/$(basename "$g") ]]; then
		tap notok "golden $(basename "$g") is written by no case (run with --update)"
	fi
done

tap_done

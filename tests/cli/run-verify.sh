#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# `mkucode verify` and bounded reading of images, asserted directly.
#
#   run-verify.sh MKUCODE UCGEN [SRCDIR]
#
# MKUCODE and UCGEN are the built binaries; SRCDIR is tests/cli (for the man
# page's jq example, ../../doc/mkucode.8).  Fixtures are made by ucgen in a
# `mktemp -d` directory; offsets are computed by an independent newc parser,
# never copied from mkucode's output.  Output is TAP.  Needs bash, python3,
# gzip; jq and GNU time where they are checked (skipped without them).

# The checks run small `bash -c '...' _ ARGS` scripts: $1... expand there.
# shellcheck disable=SC2016

set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=../lib/suite.sh
. "$(dirname "$(realpath "$0")")/../lib/suite.sh"
suite_args MKUCODE UCGEN "[SRCDIR]" -- "$@"
MANPAGE=$SRCDIR/../../doc/mkucode.8
suite_need python3 gzip bzip2 truncate
suite_tmpdir

# The address-space cap of the bounded-memory checks (KiB).  A sanitizer
# build reserves terabytes of shadow memory up front: there the checks run
# without the cap (they still check what mkucode answers, not its memory).
VM_LIMIT=262144
if ldd "$MKUCODE" 2>/dev/null | grep -q 'libasan'; then
	VM_LIMIT=unlimited
	echo "# sanitizer build: the 256 MiB address-space cap is off"
fi
export VM_LIMIT

RC=0
# v ARGS...: run mkucode, stdout in .out, stderr in .err, status in RC
v() {
	RC=0
	"$MKUCODE" "$@" >"$T/.out" 2>"$T/.err" || RC=$?
}
ug() { "$UCGEN" "$@"; }

# Offset of a member's header (or, with data, its data), the N-th (from 1)
# member of that name, as the loaders' walk meets it (tests/lib/newc.py).
cat >cpio_off.py <<'EOF'
import os, sys
sys.path.insert(0, os.environ["TESTS_LIB"])
import newc
path, name, which, nth = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
hits = [e for e in newc.scan(open(path, "rb").read()).entries if e.name == name]
if len(hits) < nth:
    sys.exit("no member %s #%d" % (name, nth))
e = hits[nth - 1]
print(hex(e.offset if which == "header" else e.data_offset))
EOF
cpio_off() { python3 cpio_off.py "$@"; }

INTEL_MEMBER=kernel/x86/microcode/GenuineIntel.bin
AMD_MEMBER=kernel/x86/microcode/AuthenticAMD.bin

# ---------------------------------------------------------------- fixtures
# intel.bin: 0x806c1 pf 0x80 rev 0xb4; 906ea.bin: 0x906ea pf 0x22 rev 0xf4
# and pf 0x01 rev 0xf2; amd.bin: 0xa20f12 patch 0x0a201205.
ug intel --sig 0x806c1 --pf 0x80 --rev 0xb4 --date 0x09072023 --seed 5 -o intel.bin
ug intel --sig 0x906ea --pf 0x22 --rev 0xf4 --date 0x08012023 --seed 3 -o 906ea.bin
ug intel --sig 0x906ea --pf 0x01 --rev 0xf2 --date 0x06012023 --seed 2 -o 906ea.bin --append
ug amd --equiv 0x00a20f12 --patch 0x0a201205 --date 0x02022024 --seed 7 -o amd.bin
DIRS=(kernel/ kernel/x86/ kernel/x86/microcode/)
# aligned.cpio: what mkucode writes; gnu.cpio: a plain newc (GNU cpio, as
# dracut runs it): GenuineIntel.bin data 12 mod 16.
ug cpio --align16 "${DIRS[@]}" "$INTEL_MEMBER=intel.bin" "$AMD_MEMBER=amd.bin" -o aligned.cpio
ug cpio "${DIRS[@]}" "$INTEL_MEMBER=intel.bin" -o gnu.cpio
ug cpio --align16 "${DIRS[@]}" "$INTEL_MEMBER=906ea.bin" -o variants.cpio
seq 1 2000 >init # enough that its gzip is more than a header's length
ug cpio init=init -o main.cpio
gzip -9 -n -c main.cpio >main.cpio.gz
cat aligned.cpio main.cpio.gz >initrd.img

# ============================================ 1. problems belong to the rows

GNU_DATA=$(cpio_off gnu.cpio "$INTEL_MEMBER" data 1)
tap_check 'fixture: GNU cpio puts the Intel data off 16-byte alignment' \
	bash -c '(( $1 % 16 ))' _ "$GNU_DATA"
v verify --cpu 0x806c1,0x80 gnu.cpio
tap_check 'misaligned (GNU cpio) image: exit 4, not 1' test "$RC" -eq 4
tap_check 'misaligned: the row names the file and offset' \
	grep -qx "intel 0x000806c1 pf 0x80: problem: gnu.cpio: offset $GNU_DATA: Intel microcode data is not 16-byte aligned (linux-6.1, linux, xen-4.17, xen)" .out
tap_check 'misaligned: nothing on standard error (no contradiction)' test ! -s .err
v verify --json --cpu 0x806c1,0x80 gnu.cpio
tap_check 'misaligned --json: problems with code, offset, loaders; every loader loads' \
	python3 -c '
import json, sys
rows = json.load(open(".out"))
assert len(rows) == 1, rows
r = rows[0]
assert all(r[k] == 0xb4 for k in ("linux_6_1", "linux", "xen_4_17", "xen")), r
p = r["problems"]
assert len(p) == 1, p
assert p[0]["code"] == "UC_ERR_MISALIGNED", p
assert p[0]["offset"] == int(sys.argv[1], 16) and p[0]["file"] == "gnu.cpio", p
assert p[0]["loaders"] == ["linux-6.1", "linux", "xen-4.17", "xen"], p
' "$GNU_DATA"
v verify --cpu 0x806c1,0x80 aligned.cpio
tap_check 'aligned image: exit 0, no problem line' \
	bash -c '[ "$1" -eq 0 ] && ! grep -q problem .out && [ ! -s .err ]' _ "$RC"

# A harmless dead second copy: 4, not 1.
ug cpio --align16 "${DIRS[@]}" "$INTEL_MEMBER=intel.bin" "$INTEL_MEMBER=intel.bin" -o dup.cpio
DUP=$(cpio_off dup.cpio "$INTEL_MEMBER" header 2)
v verify --json --cpu 0x806c1,0x80 dup.cpio
tap_check 'a dead second copy: exit 4' test "$RC" -eq 4
tap_check 'a dead second copy: UC_ERR_DUPLICATE_MEMBER at the second header' \
	python3 -c '
import json, sys
p = json.load(open(".out"))[0]["problems"]
assert [(x["code"], x["offset"]) for x in p] == [("UC_ERR_DUPLICATE_MEMBER", int(sys.argv[1], 16))], p
' "$DUP"

# A CPU with nothing: 3 even with problems elsewhere.
v verify --cpu 0x806c1,0x80 --cpu 0x906ec,0x1 gnu.cpio
tap_check 'some CPU gets nothing: exit 3' test "$RC" -eq 3

# Malformed input stays 1, with the error on standard error.
ug cpio --align16 --defect bad-hex --defect-index 3 "${DIRS[@]}" "$INTEL_MEMBER=intel.bin" -o badhex.cpio
BADHEX=$(cpio_off aligned.cpio "$INTEL_MEMBER" header 1)
v verify --cpu 0x806c1,0x80 badhex.cpio
tap_check 'a broken cpio header: exit 1, the error names the offset' \
	bash -c '[ "$1" -eq 1 ] && grep -qx "mkucode: badhex.cpio: offset $2: cpio header field is not hexadecimal" .err' _ "$RC" "$BADHEX"

# The man page's jq example fails on an image with problems.
if command -v jq >/dev/null && [[ -r $MANPAGE ]]; then
	filter=$(grep -o 'jq \\-e \\(aq.*\\(aq' "$MANPAGE" | head -1 |
		sed -e 's/^jq \\-e \\(aq//' -e 's/\\(aq$//' -e 's/\\-/-/g')
	tap_check 'man page: the jq example is found' test -n "$filter"
	tap_check 'man page jq example: fails on the misaligned image' \
		bash -c '! "$1" verify --json --cpu 0x806c1,0x80 gnu.cpio | jq -e "$2" >/dev/null' _ "$MKUCODE" "$filter"
	tap_check 'man page jq example: passes on the aligned image' \
		bash -c '"$1" verify --json --cpu 0x806c1,0x80 aligned.cpio | jq -e "$2" >/dev/null' _ "$MKUCODE" "$filter"
else
	tap ok 'man page jq example' "SKIP jq or the man page not found"
fi

# ====================================== 2. write errors on standard output

if [[ -w /dev/full ]]; then
	RC=0
	"$MKUCODE" verify --cpu 0x806c1,0x80 aligned.cpio >/dev/full 2>.err || RC=$?
	tap_check 'verify >/dev/full: exit 1 and says so' \
		bash -c '[ "$1" -eq 1 ] && grep -qx "mkucode: standard output: No space left on device" .err' _ "$RC"
	RC=0
	"$MKUCODE" verify --json --cpu 0x806c1,0x80 gnu.cpio >/dev/full 2>.err || RC=$?
	tap_check 'verify --json >/dev/full: exit 1, not 4' test "$RC" -eq 1
else
	tap ok 'verify >/dev/full' "SKIP no /dev/full"
fi

# ============================================================ 3. messages

gzip -9 -n -c aligned.cpio >early.cpio.gz
v verify --cpu 0x806c1,0x80 early.cpio.gz
tap_check 'gzip-compressed early cpio: exit 3, and why the kernel will not load it' \
	bash -c '[ "$1" -eq 3 ] && grep -q "early.cpio.gz begins with gzip-compressed data, and the kernel takes microcode only from an uncompressed cpio at the very start" .out' _ "$RC"
# Any compression of the kernel's table is named, not only the three
# SOURCEs may use (bzip2 and lz4 initrds exist).
bzip2 -9 -c aligned.cpio >early.cpio.bz2
v verify --cpu 0x806c1,0x80 early.cpio.bz2
tap_check 'bzip2-compressed early cpio: exit 3, named as bzip2' \
	bash -c '[ "$1" -eq 3 ] && grep -q "early.cpio.bz2 begins with bzip2-compressed data" .out' _ "$RC"
tap_check '... while list finds the update in it' \
	bash -c '"$1" list early.cpio.gz | grep -q " 0x000000b4 "' _ "$MKUCODE"

v verify --cpu 0x806c1,0x80 initrd.img
tap_check 'an initrd: a note says where the loaders stop and that compressed data begins there' \
	grep -qx "mkucode: note: initrd.img: the microcode loaders read up to offset $(printf '%#x' "$(stat -c %s aligned.cpio)"), where gzip-compressed data begins, which they do not look into" .err

# A fake machine: CPUs 0-1, FAMILY-MODEL-STEPPING with processor_flags PF,
# running revision REV; without processor_flags the platform is unknown.
mkhost() { # DIR FAMILY MODEL STEPPING REV [PF]
	local dir=$1 cpu
	mkdir -p "$dir/sys/devices/system/cpu" "$dir/proc"
	echo 0-1 >"$dir/sys/devices/system/cpu/online"
	: >"$dir/proc/cpuinfo"
	for cpu in 0 1; do
		printf 'processor\t: %s\nvendor_id\t: GenuineIntel\ncpu family\t: %s\nmodel\t\t: %s\nstepping\t: %s\nmicrocode\t: %s\n\n' \
			"$cpu" "$2" "$3" "$4" "$5" >>"$dir/proc/cpuinfo"
		mkdir -p "$dir/sys/devices/system/cpu/cpu$cpu/microcode"
		echo "$5" >"$dir/sys/devices/system/cpu/cpu$cpu/microcode/version"
		[[ -z ${6:-} ]] || echo "$6" >"$dir/sys/devices/system/cpu/cpu$cpu/microcode/processor_flags"
	done
}
mkhost old 6 140 1 0x1 0x80
mkhost current 6 140 1 0xb4 0x80
v verify --root old aligned.cpio
tap_check 'running revision: a RUNNING column with 0x00000001' \
	bash -c 'head -1 .out | grep -q RUNNING && grep -q "^intel  *0x000806c1  *0x80  *0x00000001  *0x000000b4" .out && [ "$1" -eq 0 ]' _ "$RC"
v verify --json --root current aligned.cpio
tap_check 'already current: running 0xb4, nothing to load, exit 0' \
	bash -c '[ "$1" -eq 0 ] && python3 -c "
import json
r = json.load(open(\".out\"))[0]
assert r[\"running\"] == 0xb4 and r[\"linux\"] is None and r[\"xen_4_17\"] is None, r
assert \"already current: the image\x27s 0x000000b4 is not newer than the running 0x000000b4\" in r[\"why\"], r
"' _ "$RC"
v verify --json --cpu 0x806c1,0x80 aligned.cpio
tap_check 'running is null when unknown (--cpu)' \
	python3 -c 'import json; r = json.load(open(".out"))[0]; assert r["running"] is None, r'

# ===================================================== 4. platform unknown

v verify --json --cpu 0x906ea variants.cpio
tap_check 'platform unknown: one row per variant, each its own revision, exit 0' \
	bash -c '[ "$1" -eq 0 ] && python3 -c "
import json
rows = json.load(open(\".out\"))
assert [(r[\"pf\"], r[\"pf_known\"]) for r in rows] == [(0x22, False), (0x01, False)], rows
for r, rev in zip(rows, (0xf4, 0xf2)):
    assert all(r[k] == rev for k in (\"linux_6_1\", \"linux\", \"xen_4_17\", \"xen\")), r
"' _ "$RC"
mkhost nopf 6 158 10 0x1
v verify --root nopf variants.cpio
tap_check 'platform unknown from --host (no processor_flags): the same rows, marked' \
	bash -c '[ "$1" -eq 0 ] && grep -q "^intel  *0x000906ea  *0x22?  *0x00000001  *0x000000f4  *0x000000f4  *0x000000f4  *0x000000f4" .out &&
		grep -q "^intel  *0x000906ea  *0x01?  *0x00000001  *0x000000f2  *0x000000f2  *0x000000f2  *0x000000f2" .out &&
		grep -q "platform unknown" .out' _ "$RC"
# Only one variant has an update for the CPU's own platform: not knowing it
# must not turn the answer into "nothing to load".
ug intel --sig 0x906ea --pf 0x01 --rev 0xf2 --seed 2 -o only01.bin
ug cpio --align16 "${DIRS[@]}" "$INTEL_MEMBER=only01.bin" -o only01.cpio
v verify --cpu 0x906ea only01.cpio
tap_check 'platform unknown never changes the exit status (one variant: 0)' test "$RC" -eq 0
v verify --cpu 0xa20f12,0x2 aligned.cpio
tap_check 'a PF_MASK with an AMD signature is ignored, with a note' \
	bash -c '[ "$1" -eq 0 ] && grep -q "note: .*PF_MASK 0x2 ignored" .err' _ "$RC"

# ===================================================== 5. bounded reading

# max RSS in KiB of a command, or empty without GNU time.
maxrss() {
	if /usr/bin/time -f %M true >/dev/null 2>&1; then
		/usr/bin/time -f %M -o .rss "$@" >/dev/null 2>&1 || true
		tail -1 .rss
	fi
}
# initrd-1g.img: the early cpio, gzip data, then a sparse tail to 1 GiB.
cp initrd.img initrd-1g.img
truncate -s 1G initrd-1g.img
rss=$(maxrss "$MKUCODE" verify --cpu 0x806c1,0x80 initrd-1g.img)
if [[ -n $rss ]]; then
	tap_check "verify of a 1 GiB initrd stays under 64 MiB (max RSS ${rss} KiB)" test "$rss" -lt 65536
	rss=$(maxrss "$MKUCODE" list initrd-1g.img)
	tap_check "list of a 1 GiB initrd stays under 64 MiB (max RSS ${rss} KiB)" test "$rss" -lt 65536
else
	tap ok 'max RSS of verify and list' "SKIP no GNU time"
fi
tap_check 'verify of a 1 GiB initrd with 256 MiB of address space: exit 0' \
	bash -c 'ulimit -v "$VM_LIMIT"; "$1" verify --cpu 0x806c1,0x80 initrd-1g.img >/dev/null' _ "$MKUCODE"
tap_check 'list of a 1 GiB initrd with 256 MiB of address space finds the update' \
	bash -c 'ulimit -v "$VM_LIMIT"; "$1" list initrd-1g.img | grep -q " 0x000000b4 "' _ "$MKUCODE"

# big-cpio.img: the early cpio, then an uncompressed archive whose one
# member is 1 GiB of (sparse) data: walked past, not read.
python3 - <<'EOF'
import os
size = 1 << 30
name = b'usr/lib/big\0'
hdr = b'070701' + b''.join(b'%08X' % v for v in (
    1, 0o100644, 0, 0, 1, 0, size, 0, 0, 0, 0, len(name), 0))
with open('big-cpio.img', 'wb') as f:
    f.write(open('aligned.cpio', 'rb').read())
    f.write(hdr + name)
    f.write(b'\0' * ((-(110 + len(name))) % 4))
    f.seek(size, os.SEEK_CUR)
    tr = b'TRAILER!!!\0'
    f.write(b'070701' + b''.join(b'%08X' % v for v in (
        0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, len(tr), 0)) + tr + b'\0\0\0')
EOF
tap_check 'verify past a 1 GiB uncompressed member with 256 MiB of address space: exit 0' \
	bash -c 'ulimit -v "$VM_LIMIT"; "$1" verify --cpu 0x806c1,0x80 big-cpio.img >/dev/null' _ "$MKUCODE"

# hole.img: the early cpio, a 1 GiB hole of zeros (padding the loaders
# skip), then the early cpio again: walked across at once, the copy found.
cp aligned.cpio hole.img
truncate -s 1G hole.img
cat aligned.cpio >>hole.img
HOLE=$(printf '%#x' $((1 << 30 | $(cpio_off aligned.cpio "$INTEL_MEMBER" header 1))))
tap_check 'a 1 GiB hole of zero padding: skipped within 256 MiB, the copy after it found' \
	bash -c 'ulimit -v "$VM_LIMIT"; timeout 20 "$1" verify --cpu 0x806c1,0x80 hole.img >out; [ $? -eq 4 ] &&
		grep -q "problem: hole.img: offset $2: a second copy" out' _ "$MKUCODE" "$HOLE"

# A raw vendor file is small: a 200 GB one (an Intel header, then a hole)
# is refused without being read.
cp intel.bin huge-raw.bin
truncate -s 200G huge-raw.bin
tap_check 'verify of a 200 GB "raw vendor file": exit 1 at once, its size named' \
	bash -c 'ulimit -v "$VM_LIMIT"; timeout 20 "$1" verify --cpu 0x806c1,0x80 huge-raw.bin 2>err; [ $? -eq 1 ] &&
		grep -qx "mkucode: huge-raw.bin: 214748364800 bytes, more than the 64 MiB a raw microcode file may be; not read" err' _ "$MKUCODE"
rm -f huge-raw.bin

# A sparse 200 GB file among the firmware: skipped at once, named with its size.
mkdir fw
cp intel.bin fw/06-8c-01
truncate -s 200G fw/huge
tap_check 'list: a sparse 200 GB file is skipped with a warning naming it and its size' \
	bash -c 'ulimit -v "$VM_LIMIT"; timeout 20 "$1" list fw >out 2>err &&
		grep -q "warning: fw/huge: 214748364800 bytes, more than the 64 MiB a microcode source may be; skipped" err &&
		grep -q " 0x000000b4 " out' _ "$MKUCODE"
tap_check 'build: the same, and the rest is built' \
	bash -c 'ulimit -v "$VM_LIMIT"; timeout 20 "$1" -q -o fw.cpio fw 2>err && "$1" list fw.cpio | grep -q " 0x000000b4 "' _ "$MKUCODE"
rm -f fw/huge

# ================================================= 6. several IMAGEs joined

# GRUB `initrd early.cpio initrd.img`: the separate early image shadows the
# prepended one, a dead second copy in the second file.
SECOND=$(cpio_off initrd.img "$INTEL_MEMBER" header 1)
v verify --cpu 0x806c1,0x80 aligned.cpio initrd.img
tap_check 'early.cpio then initrd.img: exit 4' test "$RC" -eq 4
tap_check 'early.cpio then initrd.img: the dead copy named in initrd.img at its own offset' \
	grep -qx "intel 0x000806c1 pf 0x80: problem: initrd.img: offset $SECOND: a second copy of the microcode file that the loaders never read (linux-6.1, linux, xen-4.17, xen)" .out
v verify --json --cpu 0x806c1,0x80 aligned.cpio initrd.img
tap_check 'early.cpio then initrd.img --json: the problem names the file' \
	python3 -c '
import json, sys
p = json.load(open(".out"))[0]["problems"]
assert [(x["code"], x["file"], x["offset"]) for x in p] == [("UC_ERR_DUPLICATE_MEMBER", "initrd.img", int(sys.argv[1], 16))], p
' "$SECOND"
# initrd.img first: its early cpio ends in compressed data, where the
# loaders stop; the early image after it is never read: a dead copy.
FIRST=$(cpio_off aligned.cpio "$INTEL_MEMBER" header 1)
v verify --cpu 0x806c1,0x80 initrd.img aligned.cpio
tap_check 'initrd.img then early.cpio: exit 4, the unread copy named in early.cpio' \
	bash -c '[ "$1" -eq 4 ] && grep -qx "intel 0x000806c1 pf 0x80: problem: aligned.cpio: offset $2: a second copy of the microcode file that the loaders never read (linux-6.1, linux, xen-4.17, xen)" .out' _ "$RC" "$FIRST"
# An initrd without early microcode, then the early image: nothing loads,
# and the reason says where the loaders stopped and what to change.
v verify --cpu 0x806c1,0x80 main.cpio.gz aligned.cpio
tap_check 'main.cpio.gz then early.cpio: exit 3, the early cpio must come first' \
	bash -c '[ "$1" -eq 3 ] && grep -q "no early cpio: main.cpio.gz begins with gzip-compressed data, and the kernel takes microcode only from an uncompressed cpio at the very start; aligned.cpio has one, but the loaders stop reading in main.cpio.gz at offset 0 (gzip-compressed data): the early cpio must come first" .out' _ "$RC"
# A first file that is not a multiple of 4 long is padded as the loaders do:
# the second file's member keeps its alignment relative to the joined buffer.
printf '\0\0' >two-zeros
cat aligned.cpio two-zeros >odd.cpio
ug cpio --align16 "${DIRS[@]}" "$AMD_MEMBER=amd.bin" -o amd-only.cpio
v verify --cpu 0xa20f12 odd.cpio amd-only.cpio
tap_check 'an odd-sized first file: joined with padding to 4, the duplicate AMD file found in the second' \
	bash -c '[ "$1" -eq 4 ] && grep -q "problem: amd-only.cpio: offset $2: a second copy" .out' _ "$RC" \
	"$(cpio_off amd-only.cpio "$AMD_MEMBER" header 1)"

# ============================================ 7. standard input and pipes

# A pipe is copied into an unlinked temporary file in $TMPDIR: none is left.
mkdir spool
export TMPDIR=$T/spool
# vp INPUT ARGS...: mkucode ARGS with INPUT piped in (not redirected)
vp() {
	local input=$1
	shift
	RC=0
	# shellcheck disable=SC2002 # a pipe, not a redirected file
	cat "$input" | "$MKUCODE" "$@" >"$T/.out" 2>"$T/.err" || RC=$?
}
vp gnu.cpio verify --cpu 0x806c1,0x80 -
tap_check 'verify - from a pipe: exit 4, the problem names standard input at the data offset' \
	bash -c '[ "$1" -eq 4 ] && grep -qx "intel 0x000806c1 pf 0x80: problem: standard input: offset $2: Intel microcode data is not 16-byte aligned (linux-6.1, linux, xen-4.17, xen)" .out' _ "$RC" "$GNU_DATA"
vp initrd.img verify --cpu 0x806c1,0x80 /dev/stdin
tap_check 'verify /dev/stdin from a pipe: exit 0, the stop named in /dev/stdin' \
	bash -c '[ "$1" -eq 0 ] && grep -qx "mkucode: note: /dev/stdin: the microcode loaders read up to offset $2, where gzip-compressed data begins, which they do not look into" .err' \
	_ "$RC" "$(printf '%#x' "$(stat -c %s aligned.cpio)")"
RC=0
"$MKUCODE" verify --json --cpu 0x806c1,0x80 - <gnu.cpio >.out 2>.err || RC=$?
tap_check 'verify - with a file on standard input: read in place, the same problem' \
	python3 -c '
import json, sys
p = json.load(open(".out"))[0]["problems"]
assert [(x["code"], x["file"], x["offset"]) for x in p] == [("UC_ERR_MISALIGNED", "standard input", int(sys.argv[1], 16))], p
' "$GNU_DATA"
vp initrd.img verify --json --cpu 0x806c1,0x80 aligned.cpio -
tap_check 'verify early.cpio - (the initrd piped): the dead copy named in standard input at its offset' \
	python3 -c '
import json, sys
p = json.load(open(".out"))[0]["problems"]
assert [(x["code"], x["file"], x["offset"]) for x in p] == [("UC_ERR_DUPLICATE_MEMBER", "standard input", int(sys.argv[1], 16))], p
' "$SECOND"
vp intel.bin verify --json --cpu 0x806c1,0x80 -
tap_check 'verify - of a piped raw vendor file: Xen loads 0xb4, Linux is not asked' \
	bash -c '[ "$1" -eq 0 ] && python3 -c "
import json
r = json.load(open(\".out\"))[0]
assert r[\"xen\"] == r[\"xen_4_17\"] == 0xb4 and r[\"linux\"] is None, r
"' _ "$RC"
# Piped or named, the same answer: rows, problems, notes, errors, status.
same_piped() {
	local f j a b
	for f in aligned.cpio gnu.cpio dup.cpio badhex.cpio early.cpio.gz initrd.img \
		intel.bin variants.cpio; do
		for j in "" --json; do
			a=$("$MKUCODE" verify --cpu 0x806c1,0x80 --cpu 0x906ea $j "$f" 2>&1; echo "exit $?")
			# shellcheck disable=SC2002 # a pipe, not a redirected file
			b=$(cat "$f" | "$MKUCODE" verify --cpu 0x806c1,0x80 --cpu 0x906ea $j - 2>&1; echo "exit $?")
			[[ ${a//$f/standard input} == "$b" ]] || { echo "$f $j:"; diff <(echo "${a//$f/standard input}") <(echo "$b"); return 1; }
		done
	done
}
tap_check 'verify - from a pipe answers as verify FILE, on every fixture' same_piped
v verify --cpu 0x806c1,0x80 - - </dev/null
tap_check 'verify - -: standard input once only, a usage error' test "$RC" -eq 2
tap_check 'a 1 GiB stream on standard input: verified within 256 MiB of address space' \
	bash -c '{ cat initrd.img; head -c 1G /dev/zero; } |
		(ulimit -v "$VM_LIMIT"; timeout 60 "$1" verify --cpu 0x806c1,0x80 - >out) && grep -q "0x000000b4" out' _ "$MKUCODE"
# What is kept of a pipe is what the loaders read: 300 MiB of data after
# the early cpio pass through without being stored.  Seen while mkucode
# waits for the end of the stream: its temporary file's allocated size.
spool_blocks() { # PID: allocated bytes of the deleted file it has open
	local fd
	for fd in /proc/"$1"/fd/*; do
		if [[ $(readlink "$fd") == *'(deleted)'* ]]; then
			echo $(($(stat -L -c '%b * %B' "$fd")))
			return
		fi
	done
	echo none
}
if [[ -d /proc/self/fd ]] && command -v mkfifo >/dev/null; then
	mkfifo stream.fifo
	"$MKUCODE" verify --cpu 0x806c1,0x80 stream.fifo >fifo.out 2>fifo.err &
	pid=$!
	exec {w}>stream.fifo
	cat initrd.img >&"$w"
	head -c 300M < <(yes 'not microcode, not stored') >&"$w"
	kept=$(spool_blocks "$pid")
	exec {w}>&-
	RC=0
	wait "$pid" || RC=$?
	tap_check "a pipe: only what the loaders read is stored (${kept} bytes for 300 MiB)" \
		bash -c '[ "$1" != none ] && [ "$1" -lt $((4 << 20)) ]' _ "$kept"
	tap_check '... and the answer is the file'"'"'s: exit 0, 0xb4 for every loader' \
		bash -c '[ "$1" -eq 0 ] && grep -q "^intel  *0x000806c1  *0x80  *-  *0x000000b4  *0x000000b4  *0x000000b4  *0x000000b4" fifo.out' _ "$RC"
else
	tap ok 'a pipe: only what the loaders read is stored' "SKIP no /proc or mkfifo"
fi
vp initrd.img extract - -o from-stdin.cpio
tap_check 'extract - -o FILE from a pipe: the early cpio, byte for byte' \
	bash -c '[ "$1" -eq 0 ] && cmp from-stdin.cpio aligned.cpio' _ "$RC"
vp initrd.img extract /dev/stdin -o from-dev-stdin.cpio
tap_check 'extract /dev/stdin -o FILE from a pipe: the same' \
	bash -c '[ "$1" -eq 0 ] && cmp from-dev-stdin.cpio aligned.cpio' _ "$RC"
vp main.cpio.gz extract - -o none.cpio
tap_check 'extract - of an initrd without an early cpio: exit 1, naming standard input' \
	bash -c '[ "$1" -eq 1 ] && grep -qx "mkucode: standard input: no early cpio at the front, nothing written" .err && [ ! -e none.cpio ]' _ "$RC"
tap_check 'no temporary copy is left in $TMPDIR' bash -c '[ -z "$(ls -A spool)" ]'
unset TMPDIR
v strip - <initrd.img
tap_check 'strip -: a usage error, nothing to replace' \
	bash -c '[ "$1" -eq 2 ] && grep -q "nothing to replace" .err' _ "$RC"
v --prepend - aligned.cpio <initrd.img
tap_check '--prepend -: a usage error, nothing to replace' \
	bash -c '[ "$1" -eq 2 ] && grep -q "nothing to replace" .err' _ "$RC"

tap_done

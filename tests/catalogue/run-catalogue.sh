#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The catalogue of malformed inputs, each through the real binary.
#
#   run-catalogue.sh MKUCODE UCGEN
#
# Every input below is made by ucgen (build/tests/gen/ucgen) in its own
# directory, which also holds what a careless run could damage: a --raw
# directory from a good build, a good initrd for --prepend, a good update.
# Each command that reads the input must then
#   - exit 1,
#   - print exactly one line on standard error: the message of the table,
#     which names the file, the byte offset and the problem,
#   - leave the directory as it was: the same listing (names, types, modes,
#     sizes) and the same sha256 of every file, so no output, no temporary
#     file and no change to an existing file.
# The commands (-q silences notes, never errors):
#   build       mkucode -q -o out.cpio INPUT
#   raw         mkucode -q --raw rawdir INPUT
#   list        mkucode list -q INPUT
#   verify      mkucode verify -q --cpu 0x906ea,0x22 --cpu 0xa20f12 INPUT
#   prepend     mkucode -q --prepend image.img INPUT      (INPUT as a SOURCE)
# and for inputs whose cpio structure is broken (kind "image"), INPUT as
# the IMAGE, which must stay byte for byte:
#   prepend-image  mkucode -q --prepend INPUT good.bin
#   strip          mkucode strip -q INPUT
# --prepend and strip name the IMAGE by its real path and say why they
# refuse: their message must hold "INPUT: offset OFFSET: " and the problem.
#
# Output is TAP (tests/lib/tap.sh), one test per input and command, and
# one per input ucgen broke on purpose: the table's OFFSET is where ucgen
# says it put the defect (ucgen --print-offset).  Known bugs are TAP TODO
# (see KNOWN below): they fail without failing the suite and become an
# unexpected pass, a failure, once fixed, so the entry gets removed.

# The checks run small `bash -c '...' _ ARGS` scripts: $1... expand there.
# shellcheck disable=SC2016

set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=../lib/suite.sh
. "$(dirname "$(realpath "$0")")/../lib/suite.sh"
suite_args MKUCODE UCGEN -- "$@"
suite_need sha256sum find sort gzip python3
suite_tmpdir

# ---------------------------------------------------------------- the table
#
# CASE: the input (made by make_input below); KIND: bin (a vendor file),
# member (a cpio whose microcode member is broken), image (a cpio whose
# structure is broken); MEMBER: the member build and list name after the
# file ("-" for none); OFFSET and PROBLEM: what every message says.
# The expected message of build, raw, list and prepend is
#   mkucode: INPUT[:MEMBER]: offset OFFSET: PROBLEM
# and of verify
#   mkucode: INPUT: offset OFFSET: PROBLEM
# INPUT is CASE.bin or CASE.cpio.  Offsets 0x800 / 0xcb4 / 0x1968: the bad
# update or container follows a good one; 0x178: the fourth cpio member.

M=kernel/x86/microcode
I_MEMBER=$M/GenuineIntel.bin
A_MEMBER=$M/AuthenticAMD.bin

TABLE=$(cat <<'EOF'
# CASE                          KIND   MEMBER OFFSET PROBLEM
intel-truncated-header          bin    -      0x800  Intel microcode header truncated
intel-bad-header-version        bin    -      0x800  Intel microcode header version is not 1
intel-bad-loader-version        bin    -      0x800  Intel microcode loader version is not 1
intel-datasize-exceeds-total    bin    -      0x800  Intel microcode data size exceeds total size
intel-datasize-huge             bin    -      0x800  Intel microcode data size exceeds total size
intel-totalsize-huge            bin    -      0x800  Intel microcode update truncated
intel-truncated-body            bin    -      0x800  Intel microcode update truncated
intel-bad-checksum              bin    -      0x800  Intel microcode checksum mismatch
intel-ext-truncated             bin    -      0x800  extended signature table truncated
intel-ext-size-mismatch         bin    -      0x800  extended signature table size mismatch
intel-ext-bad-checksum          bin    -      0x800  extended signature table checksum mismatch
intel-ext-bad-entry-checksum    bin    -      0x800  extended signature checksum mismatch
intel-trailing-zeros            bin    -      0x800  trailing bytes after the last Intel microcode update
amd-truncated-header            bin    -      0xcb4  AMD container header truncated
amd-bad-magic                   bin    -      0xcb4  AMD patch section has the wrong type
amd-equiv-bad-type              bin    -      0xcb4  AMD equivalence table section has the wrong type
amd-equiv-len-zero              bin    -      0xcb4  AMD equivalence table size is not a non-zero multiple of 16
amd-equiv-len-not-16            bin    -      0xcb4  AMD equivalence table size is not a non-zero multiple of 16
amd-equiv-len-huge              bin    -      0xcb4  AMD equivalence table runs past the end of the data
amd-equiv-past-end              bin    -      0xcb4  AMD equivalence table runs past the end of the data
amd-equiv-no-terminator         bin    -      0xcb4  AMD equivalence table lacks its zero terminator entry
amd-section-bad-type            bin    -      0x1968 AMD patch section has the wrong type
amd-patch-too-small             bin    -      0x1968 AMD patch smaller than its header
amd-patch-past-end              bin    -      0x1968 AMD patch runs past the end of the data
amd-patch-size-huge             bin    -      0x1968 AMD patch runs past the end of the data
amd-chipset-specific            bin    -      0x1968 AMD patch is chipset-specific (nb/sb device id set)
amd-patch-too-big-fam14h        bin    -      0xce0  AMD patch exceeds the size limit for its family
amd-trailing-junk               bin    -      0x25f0 AMD patch section has the wrong type
cpio-bad-magic                  image  -      0x178  bad cpio magic (not newc 070701/070702)
cpio-bad-hex                    image  -      0x178  cpio header field is not hexadecimal
cpio-namesize-zero              image  -      0x178  cpio name size is zero
cpio-namesize-huge              image  -      0x178  cpio name runs past the end of the data
cpio-name-unterminated          image  -      0x178  cpio name is not NUL-terminated
cpio-filesize-past-end          image  -      0x178  cpio file data runs past the end of the data
cpio-filesize-huge              image  -      0x178  cpio file data runs past the end of the data
cpio-truncated-header           image  -      0x178  cpio header truncated
cpio-no-trailer                 image  -      0xa10  cpio archive has no TRAILER!!! entry
cpio-dir-at-microcode-path      image  -      0x178  the microcode path names a directory or another non-regular file
cpio-intel-member-bad-checksum  member intel  0xa10  Intel microcode checksum mismatch
cpio-amd-member-bad-magic       member amd    0x210  bad AMD container magic
EOF
)

# Known bugs, TAP TODO until fixed: "CASE COMMAND why".
KNOWN=$(cat <<'EOF'
EOF
)

# ------------------------------------------------------------- the inputs

ug() { "$UCGEN" "$@"; }

# A good Intel update (2048 bytes) and a good AMD container (0xcb4 bytes):
# what comes before each defect, and what the good files are made of.
ug intel --sig 0x806c1 --pf 0x80 --rev 0xb4 --date 0x09072023 --seed 5 -o "$T/good-intel.bin"
ug amd --equiv 0x00800f12 --patch 0x0800126e --date 0x11112021 --seed 6 -o "$T/good-amd.bin"
cpio_members=(kernel/ kernel/x86/ "$M/")

# member_at CPIO MEMBER: $T/at, an offset in the member's data, made an
# offset in CPIO by where newc.py finds that data.
member_at() {
	local inner
	inner=$(cat "$T/at")
	python3 - "$TESTS_LIB" "$1" "$2" "$inner" >"$T/at" <<-'EOF'
		import sys
		sys.path.insert(0, sys.argv[1])
		import newc
		member = newc.find(open(sys.argv[2], "rb").read(), sys.argv[3])
		print(hex(member.data_offset + int(sys.argv[4], 16)))
	EOF
}

# ucgen_put_it_at OFFSET: $T/at says OFFSET.
ucgen_put_it_at() {
	local at
	at=$(cat "$T/at")
	[[ $at == "$1" ]] || { echo "ucgen put the defect at $at"; return 1; }
}

# make_input CASE FILE: and, when ucgen made the defect, where it says it
# put it in $T/at (else $T/at is empty).
make_input() {
	local c=$1 f=$2 d
	: >"$T/at"
	case $c in
	intel-trailing-zeros)
		cp "$T/good-intel.bin" "$f"
		head -c 1024 /dev/zero >>"$f" ;;
	intel-*)
		cp "$T/good-intel.bin" "$f"
		ug intel --sig 0x906ea --pf 0x22 --rev 0xf0 --date 0x03152022 --seed 1 \
			--defect "${c#intel-}" --append -o "$f" --print-offset >"$T/at" ;;
	amd-patch-too-big-fam14h)
		# Family 14h takes patches of at most 1824 bytes.
		cp "$T/good-amd.bin" "$f"
		ug amd --equiv 0x00500f10 --patch 0x05000119:0x5010:2048 --append -o "$f" ;;
	amd-*)
		cp "$T/good-amd.bin" "$f"
		ug amd --equiv 0x00a20f12 --patch 0x0a201205 --patch 0x0a201206 \
			--date 0x02022024 --seed 7 --defect "${c#amd-}" --defect-index 1 \
			--append -o "$f" --print-offset >"$T/at" ;;
	cpio-no-trailer)
		ug cpio --align16 --no-trailer -o "$f" "${cpio_members[@]}" \
			"$I_MEMBER=$T/good-intel.bin" --print-offset >"$T/at" ;;
	cpio-dir-at-microcode-path)
		ug cpio --align16 -o "$f" "${cpio_members[@]}" "$I_MEMBER/" ;;
	cpio-intel-member-bad-checksum)
		make_input intel-bad-checksum "$T/member.bin"
		ug cpio --align16 -o "$f" "${cpio_members[@]}" "$I_MEMBER=$T/member.bin"
		member_at "$f" "$I_MEMBER" ;;
	cpio-amd-member-bad-magic)
		ug amd --equiv 0x00a20f12 --patch 0x0a201205 --defect bad-magic -o "$T/member.bin" \
			--print-offset >"$T/at"
		ug cpio --align16 -o "$f" "${cpio_members[@]}" "$A_MEMBER=$T/member.bin"
		member_at "$f" "$A_MEMBER" ;;
	cpio-*)
		d=${c#cpio-}
		ug cpio --align16 --defect "$d" --defect-index 3 -o "$f" "${cpio_members[@]}" \
			"$I_MEMBER=$T/good-intel.bin" --print-offset >"$T/at" ;;
	*)
		echo "make_input: no recipe for $c" >&2
		return 1 ;;
	esac
}

# What each case directory starts with: a --raw directory and an initrd
# from a good build, and a good update to prepend.
mkdir "$T/proto" "$T/proto/rawdir"
ug cpio init/ "init/hello=$T/good-intel.bin" -o "$T/main.cpio"
"$MKUCODE" -q --raw "$T/proto/rawdir" "$T/good-intel.bin" "$T/good-amd.bin"
"$MKUCODE" -q -o "$T/early.cpio" "$T/good-intel.bin" "$T/good-amd.bin"
{ cat "$T/early.cpio"; gzip -n -c "$T/main.cpio"; } >"$T/proto/image.img"
cp "$T/good-intel.bin" "$T/proto/good.bin"

# The state a command must not change: every name, its type, mode and
# size, and the sha256 of every file.
snapshot() {
	(cd "$1" && find . -printf '%p %y %m %s\n' | sort &&
		find . -type f -print0 | sort -z | xargs -0 -r sha256sum)
}

# check CASE COMMAND HOW WANT -- ARGV...: run ARGV in the case directory.
# HOW "exact": stderr must be WANT; "image": stderr must be one line
# starting with "mkucode: ", holding WANT ("INPUT: offset OFF: ") and
# ending in or holding the PROBLEM ($problem).
check() {
	local c=$1 cmd=$2 how=$3 want=$4 dir=$T/cases/$1 rc=0 before after todo line
	local -a why=()
	shift 5
	before=$(snapshot "$dir")
	(cd "$dir" && "$@") >"$T/out" 2>"$T/err" || rc=$?
	after=$(snapshot "$dir")
	((rc == 1)) || why+=("exit status $rc, want 1")
	if [[ $(wc -l <"$T/err") -ne 1 ]]; then
		why+=("$(wc -l <"$T/err") lines on stderr, want 1")
	fi
	line=$(head -n 1 "$T/err")
	if [[ $how == exact ]]; then
		[[ $line == "$want" ]] || why+=("message is not: $want")
	elif [[ $line != "mkucode: "*"$want"*"$problem"* ]]; then
		why+=("message lacks: $want ... $problem")
	fi
	[[ $before == "$after" ]] ||
		why+=("the directory changed:" "$(diff <(echo "$before") <(echo "$after") || true)")
	todo=$(awk -v c="$c" -v m="$cmd" '$1 == c && $2 == m { $1 = $2 = ""; sub(/^ +/, ""); print }' \
		<<<"$KNOWN")
	if ((${#why[@]} == 0)); then
		tap ok "$c: $cmd" "${todo:+TODO $todo}"
	else
		tap notok "$c: $cmd" "${todo:+TODO $todo}"
		{
			printf '%s\n' "${why[@]}"
			echo "stderr:"
			cat "$T/err"
		} | tap_diag
	fi
}

# ---------------------------------------------------------------- the runs

mk=$MKUCODE
while read -r c kind member off problem; do
	[[ -n $c && $c != \#* ]] || continue
	dir=$T/cases/$c
	mkdir -p "$T/cases"
	cp -a "$T/proto" "$dir"
	input=$c.bin
	[[ $kind == bin ]] || input=$c.cpio
	make_input "$c" "$dir/$input"
	case $member in
	-) named=$input ;;
	intel) named=$input:$I_MEMBER ;;
	amd) named=$input:$A_MEMBER ;;
	esac
	gathered="mkucode: $named: offset $off: $problem"
	verified="mkucode: $input: offset $off: $problem"
	echo "# $c: $gathered"
	if [[ -s $T/at ]]; then
		tap_check "$c: offset $off is where ucgen put the defect" ucgen_put_it_at "$off"
	fi

	check "$c" build exact "$gathered" -- "$mk" -q -o out.cpio "$input"
	check "$c" raw exact "$gathered" -- "$mk" -q --raw rawdir "$input"
	check "$c" list exact "$gathered" -- "$mk" list -q "$input"
	check "$c" verify exact "$verified" -- \
		"$mk" verify -q --cpu 0x906ea,0x22 --cpu 0xa20f12 "$input"
	check "$c" prepend exact "$gathered" -- "$mk" -q --prepend image.img "$input"
	if [[ $kind == image ]]; then
		check "$c" prepend-image image "$input: offset $off: " -- \
			"$mk" -q --prepend "$input" good.bin
		check "$c" strip image "$input: offset $off: " -- "$mk" strip -q "$input"
	fi
	rm -rf "$dir"
done <<<"$TABLE"

cases=$(grep -cv '^#' <<<"$TABLE")
echo "# $cases malformed inputs"
tap_done

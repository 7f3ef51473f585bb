#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Checks ucgen output against the independent python checker ucgen-check.py.
# usage: check-py.sh amd|intel|cpio UCGEN PYTHON3 CHECKER   (TAP; 1..0 without python3)
set -u
MODE=$1 UCGEN=$2 PY=${3:-} CHK=$4
# shellcheck source-path=SCRIPTDIR source=../lib/tap.sh
. "$(dirname "$0")/../lib/tap.sh"
if [ -z "$PY" ] || [ ! -x "$PY" ]; then
	tap_skip_all "python3 not found"
	exit 0
fi
T=$(mktemp -d) || exit 1
trap 'rm -rf "$T"' EXIT INT TERM
pass() { tap ok "$*"; }
fail() { tap notok "$*"; }

# want KIND FILE RESULT [LINE...]: checker result ("ok" or "error: X") and lines
want() {
	k=$1 f=$2 r=$3; shift 3
	"$PY" "$CHK" "$k" "$T/$f" >"$T/out" 2>&1
	last=$(tail -n 1 "$T/out")
	[ "$last" = "$r" ] || { fail "$f: expected '$r', got: $(cat "$T/out")"; return; }
	for l in "$@"; do
		grep -qxF -- "$l" "$T/out" || { fail "$f: missing line '$l' in: $(cat "$T/out")"; return; }
	done
	pass "$f: $r"
}
size() { wc -c <"$T/$1" | tr -d ' '; }
# rule DEFECT: the checker names the rule broken; a *-huge defect breaks the
# same rule as its small twin, with a value that wraps 32 bits.
rule() {
	case $1 in
	datasize-huge) echo datasize-exceeds-total ;;
	totalsize-huge) echo truncated-body ;;
	equiv-len-huge) echo equiv-past-end ;;
	patch-size-huge) echo patch-past-end ;;
	filesize-huge) echo filesize-past-end ;;
	*) echo "$1" ;;
	esac
}

amd_tests() {
	# id encodings: C helper vs the python checker's own derivation
	[ "$("$UCGEN" amd-ids 0x00A70F52 6)" = "equiv a752 patch 0a705206" ] &&
	[ "$("$UCGEN" amd-ids 0x00100F43)" = "equiv 1043 patch 01004300" ] &&
		pass "amd-ids encodings" || fail "amd-ids encodings"
	# valid: Zen3 with derived ids, Fam10h shared id, two containers
	"$UCGEN" amd --equiv 0x00A70F52 --equiv 0x00A20F12 --patch 0x0A705206 \
		--patch 0x0A201210:0:5568:0x0A201200 -o "$T/zen.bin" &&
		want amd zen.bin ok "equiv 00a70f52 a752" "equiv 00a20f12 a212" \
			"patch 0a705206 a752 3200 date 01012024 minrev 00000000" \
			"patch 0a201210 a212 5568 date 01012024 minrev 0a201200"
	"$UCGEN" amd --equiv 0x100F43 --equiv 0x100F53:0x1043 --patch 0x010000db:0x1043:960 \
		--date 0x09102010 -o "$T/f10.bin" &&
		"$UCGEN" amd --equiv 0x00800F12 --patch 0x08001250 --append -o "$T/f10.bin" &&
		want amd f10.bin ok "container 1" "patch 010000db 1043 960 date 09102010 minrev 00000000" \
			"patch 08001250 8012 3200 date 01012024 minrev 00000000"
	[ "$(size zen.bin)" = $((4 + 8 + 48 + 8 + 3200 + 8 + 5568)) ] &&
		pass "zen.bin size" || fail "zen.bin size $(size zen.bin)"
	for d in $("$UCGEN" defects amd); do
		[ "$d" = valid ] && continue
		for idx in 0 1; do
			"$UCGEN" amd --equiv 0x00A70F52 --equiv 0x00A20F12 --patch 0x0A705206 \
				--patch 0x0A201210 --defect "$d" --defect-index $idx -o "$T/d-$d-$idx.bin" ||
				{ fail "ucgen amd --defect $d"; continue; }
			want amd "d-$d-$idx.bin" "error: $(rule "$d")"
		done
	done
	"$UCGEN" amd --equiv 0x00A70F52 --patch 0x0A705206 --defect patch-past-end \
		--defect-index 1 -o "$T/x.bin" 2>/dev/null
	[ $? = 2 ] && pass "bad --defect-index exits 2" || fail "bad --defect-index"
}

intel_tests() {
	"$UCGEN" intel --sig 0x906ea --pf 0x22 --rev 0xf4 -o "$T/v.bin" &&
		"$UCGEN" intel --sig 0xf29 --pf 0x2 --rev 0x2e --old-style --append -o "$T/v.bin" &&
		"$UCGEN" intel --sig 0x906ea --pf 0x22 --rev 0xf5 --ext 0x906eb,0x2 --append -o "$T/v.bin" &&
		want intel v.bin ok "blob sig 000906ea pf 22 rev 000000f4 date 01012024 size 2048" \
			"blob sig 00000f29 pf 02 rev 0000002e date 01012024 size 2048" "  ext sig 000906eb pf 02"
	for d in $("$UCGEN" defects intel); do
		[ "$d" = valid ] && continue
		# datasize % 4 != 0 makes totalsize % 1024 != 0 unavoidable
		exp=$(rule "$d")
		[ "$d" = datasize-not-4 ] && exp="datasize-not-4,totalsize-not-1k"
		for v in "" "--ext 0x906eb,0x2 --ext 0x906ec,0x1" "--old-style" "--datasize 5000 --total-pad 3000"; do
			# shellcheck disable=SC2086
			"$UCGEN" intel --sig 0x906ea --pf 0x22 --rev 0xf4 $v --defect "$d" -o "$T/d.bin" ||
				{ fail "ucgen intel --defect $d $v"; continue; }
			cp "$T/d.bin" "$T/d-$d.bin"
			want intel "d-$d.bin" "error: $exp"
		done
	done
}

cpio_tests() {
	"$UCGEN" intel --sig 0x906ea --pf 0x22 --rev 0xf4 -o "$T/GenuineIntel.bin" &&
	"$UCGEN" amd --equiv 0x00A70F52 --patch 0x0A705206 -o "$T/AuthenticAMD.bin" &&
	"$UCGEN" acpi --sig SSDT --oem-table-id TESTTBL -o "$T/t.aml" || { fail "inputs"; return; }
	want acpi t.aml ok "acpi SSDT oem UCGEN  table TESTTBL  len 36"
	M=kernel/x86/microcode
	set -- kernel/ kernel/x86/ $M/ "$M/GenuineIntel.bin=$T/GenuineIntel.bin" \
		"$M/AuthenticAMD.bin=$T/AuthenticAMD.bin" kernel/firmware/ kernel/firmware/acpi/ \
		"kernel/firmware/acpi/t.aml=$T/t.aml"
	"$UCGEN" cpio -o "$T/plain.cpio" "$@" &&
		want cpio plain.cpio ok "entry kernel mode 40755 size 0 data 120 namesize 7" \
			"entry $M/GenuineIntel.bin mode 100644 size 2048 data 524 namesize 38"
	"$UCGEN" cpio --align16 --pad 1024 -o "$T/a16.cpio" "$@" && want cpio a16.cpio ok
	bad=$(grep '^entry .* mode 100644' "$T/out" | awk '$8 % 16 != 0')
	[ -z "$bad" ] && pass "align16: all file data 16-aligned" || fail "align16: $bad"
	[ $(($(size a16.cpio) % 1024)) = 0 ] && pass "pad 1024" || fail "pad 1024"
	if command -v cpio >/dev/null 2>&1; then
		for a in plain a16; do
			n=$(cd "$T" && cpio -it --quiet <"$a.cpio" | wc -l)
			(cd "$T" && cpio -i --quiet --to-stdout "$M/GenuineIntel.bin" <"$a.cpio" >"x-$a.bin")
			[ "$n" = 8 ] && cmp -s "$T/x-$a.bin" "$T/GenuineIntel.bin" &&
				pass "GNU cpio reads $a.cpio" || fail "GNU cpio on $a.cpio ($n entries)"
		done
	fi
	for d in $("$UCGEN" defects cpio); do
		[ "$d" = valid ] && continue
		for idx in 0 3 8; do
			"$UCGEN" cpio --defect "$d" --defect-index $idx --pad 512 -o "$T/d-$d-$idx.cpio" "$@" ||
				{ fail "ucgen cpio --defect $d"; continue; }
			want cpio "d-$d-$idx.cpio" "error: $(rule "$d")"
		done
	done
	"$UCGEN" cpio --no-trailer -o "$T/nt.cpio" "$@" && want cpio nt.cpio "error: no-trailer"
}

case $MODE in
amd) amd_tests ;;
intel) intel_tests ;;
cpio) cpio_tests ;;
*) echo "unknown mode $MODE"; exit 2 ;;
esac
tap_done

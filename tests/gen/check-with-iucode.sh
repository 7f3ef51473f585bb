#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Cross-checks ucgen's Intel blobs with Debian's iucode_tool (strict mode).
# usage: check-with-iucode.sh UCGEN [IUCODE_TOOL]    (exit 77 = skipped)
set -u
UCGEN=$1
IUCODE=${2:-}
if [ -z "$IUCODE" ] || [ ! -x "$IUCODE" ]; then
	echo "SKIP: iucode_tool not found"
	exit 77
fi
T=$(mktemp -d) || exit 1
trap 'rm -rf "$T"' EXIT INT TERM
# shellcheck source-path=SCRIPTDIR source=../lib/tap.sh
. "$(dirname "$0")/../lib/tap.sh"
pass() { tap ok "$*"; }
fail() { tap notok "$*"; }

# gen FILE ARGS...: run ucgen intel, fail the test if it errors
gen() {
	f=$1; shift
	"$UCGEN" intel "$@" -o "$T/$f" || { fail "ucgen intel $* exited $?"; return 1; }
}

# accept FILE EXPECTED-LINE...: iucode_tool -l must succeed and print each line
accept() {
	f=$1; shift
	if ! "$IUCODE" -l "$T/$f" >"$T/out" 2>&1; then
		fail "$f rejected: $(cat "$T/out")"; return
	fi
	for l in "$@"; do
		grep -qF -- "$l" "$T/out" || { fail "$f: missing '$l' in: $(cat "$T/out")"; return; }
	done
	pass "$f accepted ($*)"
}

# reject FILE MESSAGE [OPTS]: iucode_tool -l must fail with MESSAGE
reject() {
	f=$1; msg=$2; shift 2
	if "$IUCODE" "$@" -l "$T/$f" >"$T/out" 2>&1; then
		fail "$f accepted, expected '$msg'"; return
	fi
	grep -qF -- "$msg" "$T/out" || { fail "$f: wrong error: $(cat "$T/out")"; return; }
	pass "$f rejected: $msg"
}

# bytes FILE OFFSET LEN: hex of a byte range
bytes() { od -An -tx1 -j "$2" -N "$3" "$T/$1" | tr -d ' \n'; }
size() { wc -c <"$T/$1" | tr -d ' '; }

# ---- valid blobs
gen v1.bin --sig 0x906ea --pf 0x22 --rev 0xf4 &&
	accept v1.bin "sig 0x000906ea, pf_mask 0x22, 2024-01-01, rev 0x00f4, size 2048"
gen v2.bin --sig 0x906ea --pf 0x22 --rev 0xf4 --ext 0x906eb,0x02 --ext 0x906ec,0x22 &&
	accept v2.bin "sig 0x000906ea, pf_mask 0x22, 2024-01-01, rev 0x00f4, size 3072" \
		"sig 0x000906eb, pf_mask 0x02" "sig 0x000906ec, pf_mask 0x22"
gen v3.bin --sig 0xf29 --pf 0x2 --rev 0x2e --old-style &&
	accept v3.bin "sig 0x00000f29, pf_mask 0x02, 2024-01-01, rev 0x002e, size 2048" &&
	{ [ "$(bytes v3.bin 28 8)" = 0000000000000000 ] && [ "$(size v3.bin)" = 2048 ] &&
		pass "v3.bin has datasize=totalsize=0, 2048 bytes" || fail "v3.bin not old-style"; }
gen v4.bin --sig 0x50657 --pf 0xbf --rev 0x5003707 --date 0x03152023 --datasize 100000 --seed 7 &&
	accept v4.bin "sig 0x00050657, pf_mask 0xbf, 2023-03-15, rev 0x5003707, size 100352"
gen v5.bin --sig 0x806c1 --pf 0x80 --rev 0xb8 --datasize 976 &&
	accept v5.bin "sig 0x000806c1, pf_mask 0x80, 2024-01-01, rev 0x00b8, size 1024"
gen v6.bin --sig 0x206a7 --pf 0x12 --rev 0x2f --ext 0x206a8,0x1 --ext 0x206a9,0x2 \
	--ext 0x206aa,0x4 --ext 0x206ab,0x8 --ext 0x206ac,0x10 --ext 0x206ad,0x20 \
	--ext 0x206ae,0x40 --ext 0x206af,0x80 --datasize 1908 &&
	accept v6.bin "size 3072" "sig 0x000206af, pf_mask 0x80"
# byte-exact round trip through iucode_tool
if "$IUCODE" -q -w "$T/rt.bin" "$T/v2.bin" && cmp -s "$T/rt.bin" "$T/v2.bin"; then
	pass "iucode_tool -w reproduces v2.bin byte for byte"
else
	fail "iucode_tool -w round trip of v2.bin differs"
fi
# concatenation with --append
gen multi.bin --sig 0x306c3 --pf 0x32 --rev 0x28 &&
	"$UCGEN" intel --sig 0x306c3 --pf 0x04 --rev 0x27 --append -o "$T/multi.bin" &&
	"$UCGEN" intel --sig 0x40651 --pf 0x72 --rev 0x26 --ext 0x40661,0x32 --append -o "$T/multi.bin" &&
	accept multi.bin "sig 0x000306c3, pf_mask 0x32, 2024-01-01, rev 0x0028" \
		"sig 0x000306c3, pf_mask 0x04, 2024-01-01, rev 0x0027" \
		"sig 0x00040651, pf_mask 0x72, 2024-01-01, rev 0x0026" "001/003: sig 0x00040661, pf_mask 0x32"
# determinism and seed/rev sensitivity of the data bytes
gen s1.bin --sig 0x906ea --pf 0x22 --rev 0xf4 --seed 1 && gen s1b.bin --sig 0x906ea --pf 0x22 --rev 0xf4 --seed 1 &&
	gen s2.bin --sig 0x906ea --pf 0x22 --rev 0xf4 --seed 2 && gen s3.bin --sig 0x906ea --pf 0x22 --rev 0xf5 --seed 1 &&
	{ cmp -s "$T/s1.bin" "$T/s1b.bin" && ! cmp -s "$T/s1.bin" "$T/s2.bin" &&
		[ "$(bytes s1.bin 48 64)" != "$(bytes s3.bin 48 64)" ] &&
		pass "data deterministic, differs with seed and rev" || fail "data determinism/seed"; }

# ---- defects: every defect ucgen knows must have an expectation here
expect() {
	case $1 in
	truncated-header)       echo "invalid file format" ;;
	bad-header-version)     echo "unknown microcode format" ;;
	datasize-exceeds-total) echo "invalid microcode data" ;;
	truncated-body)         echo "invalid microcode data" ;;
	totalsize-not-1k)       echo "invalid microcode data" ;;
	datasize-not-4)         echo "invalid microcode data" ;;
	bad-checksum)           echo "incorrect microcode checksum" ;;
	ext-truncated)          echo "bad extended signature table" ;;
	ext-size-mismatch)      echo "bad extended signature table" ;;
	ext-bad-checksum)       echo "incorrect extended signature table checksum" ;;
	ext-bad-entry-checksum) echo "incorrect extended signature checksum" ;;
	datasize-huge)          echo "invalid microcode data" ;;
	totalsize-huge)         echo "invalid microcode data" ;;
	bad-loader-version)     echo "ACCEPT" ;; # iucode_tool never checks ldrver
	*)                      echo "UNKNOWN" ;;
	esac
}
for d in $("$UCGEN" defects intel); do
	[ "$d" = valid ] && continue
	msg=$(expect "$d")
	[ "$msg" = UNKNOWN ] && { fail "no expectation for defect $d"; continue; }
	for variant in plain ext old; do
		case $variant in
		plain) set -- --sig 0x906ea --pf 0x22 --rev 0xf4 ;;
		ext)   set -- --sig 0x906ea --pf 0x22 --rev 0xf4 --ext 0x906eb,0x2 --ext 0x906ec,0x20 ;;
		old)   set -- --sig 0xf29 --pf 0x2 --rev 0x2e --old-style ;;
		esac
		f=d-$d-$variant.bin
		gen "$f" "$@" --defect "$d" || continue
		if [ "$msg" = ACCEPT ]; then
			accept "$f" "rev 0x"
			[ "$(bytes "$f" 20 4)" = 02000000 ] && pass "$f ldrver=2" || fail "$f ldrver not 2"
		else
			reject "$f" "$msg"
		fi
	done
done
# totalsize-not-1k must break only iucode_tool's strict 1 KiB rule
for variant in "" "--ext 0x906eb,0x2"; do
	# shellcheck disable=SC2086
	gen nk.bin --sig 0x906ea --pf 0x22 --rev 0xf4 $variant --defect totalsize-not-1k &&
		if "$IUCODE" --no-strict-checks -l "$T/nk.bin" 2>&1 | grep -q "sig 0x000906ea, pf_mask 0x22"; then
			pass "totalsize-not-1k ${variant:-plain} accepted with --no-strict-checks"
		else
			fail "totalsize-not-1k ${variant:-plain} rejected even with --no-strict-checks"
		fi
done

tap_done

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# packaging/initramfs-tools/hooks/mkucode at mkinitramfs's hook stage, with
# Debian 12's own intel_microcode and amd64_microcode hooks (from the
# cached intel-microcode / amd64-microcode packages) run before it in the
# order initramfs-tools' tsort of PREREQs gives.  In a private mount
# namespace (unshare -m) a test tree is mounted over /lib/firmware and a
# copy of /etc (with the test's /etc/default files) over /etc; this
# machine's own files are never changed.  The image is the early archive
# file mkinitramfs would put in front, then a gzip main part.
#   run-initramfs-tools.sh SOURCE-ROOT MKUCODE UCGEN
set -u
src=$(cd "$1" && pwd)
mkucode=$(cd "$(dirname "$2")" && pwd)/$(basename "$2")
ucgen=$(realpath "$3")
# shellcheck source=../lib/suite.sh
. "$src/tests/lib/suite.sh"
hook=$src/packaging/initramfs-tools/hooks/mkucode
debs=${MKUCODE_CACHE:-$HOME/.cache/mkucode}/debs

if [ "${4:-}" != --inner ]; then
	command -v iucode_tool >/dev/null 2>&1 || suite_skip "iucode_tool not found (./setup)"
	ls "$debs"/intel-microcode_*.deb "$debs"/amd64-microcode_*.deb >/dev/null 2>&1 ||
		suite_skip "no intel-microcode/amd64-microcode .deb in $debs (tests/data/fetch-firmware)"
	suite_mount_ns
	exec "${MOUNT_NS[@]}" bash "$0" "$@" --inner
fi

suite_tmpdir mkucode-itools

# Debian's hooks, made to read this test's hook-functions (initramfs-tools
# is not installed here) and nothing else changed.
mkdir -p "$T/deb" "$T/hooks" "$T/bin" "$T/fw/intel-ucode" "$T/fw/amd-ucode"
for d in "$debs"/intel-microcode_*.deb "$debs"/amd64-microcode_*.deb; do
	dpkg-deb -x "$d" "$T/deb"
done
for h in intel_microcode amd64_microcode; do
	sed "s|/usr/share/initramfs-tools/hook-functions|$T/hook-functions|" \
		"$T/deb/usr/share/initramfs-tools/hooks/$h" >"$T/hooks/$h"
	chmod +x "$T/hooks/$h"
done
cp "$hook" "$T/hooks/mkucode"
# prepend_earlyinitramfs as initramfs-tools 0.142 defines it: FILE's bytes
# are added to the early archive file.
cat >"$T/hook-functions" <<'HF'
prepend_earlyinitramfs() { [ -e "$1" ] && cat "$1" >>"$__TMPEARLYCPIO"; }
manual_add_modules() { :; }
force_load() { :; }
HF
ln -s "$mkucode" "$T/bin/mkucode"

# Firmware: two Intel CPUs, one of them twice (old and new), two AMD.
"$ucgen" intel --sig 0x906ea --pf 0x22 --rev 0xf4 -o "$T/fw/intel-ucode/06-9e-0a"
"$ucgen" intel --sig 0x50654 --pf 0xb7 --rev 0x2007006 -o "$T/fw/intel-ucode/06-55-04"
"$ucgen" intel --sig 0x306c3 --pf 0x32 --rev 0x28 -o "$T/fw/intel-ucode/06-3c-03"
"$ucgen" amd --equiv 0x800f12 --patch 0x08001250 -o "$T/fw/amd-ucode/microcode_amd_fam17h.bin"
"$ucgen" amd --equiv 0xa00f11 --patch 0x0a0011d1 -o "$T/fw/amd-ucode/microcode_amd_fam19h.bin"
cpus=(--cpu 06-9e-0a,0x22 --cpu 0x50654,0xb7 --cpu 0x306c3,0x32 --cpu 0x800f12 --cpu 0xa00f11)

mount -t tmpfs tmpfs /lib/firmware
cp -r "$T/fw/intel-ucode" "$T/fw/amd-ucode" /lib/firmware/
mkdir "$T/etc"
cp -a /etc/. "$T/etc/"
rm -f "$T/etc/mkucode.conf"; rm -rf "$T/etc/mkucode.conf.d"
mount --bind "$T/etc" /etc

printf 'main part\n' >"$T/main"
gzip -n -c "$T/main" >"$T/main.gz"

# mkinit CASE [HOOK...]: the hooks (default: all three, in tsort order) as
# mkinitramfs runs them; then $T/CASE.img = early archive file + main part.
order=$(cd "$T/hooks" && for h in *; do echo "$h $h"; for p in $("./$h" prereqs); do echo "$p $h"; done; done | tsort | tr '\n' ' ')
mkinit() {
	local case=$1 h
	shift
	rm -rf "$T/dest"; mkdir -p "$T/dest"
	: >"$T/$case.early"
	: >"$T/$case.err"
	for h in ${@:-$order}; do
		[ -f "$T/hooks/$h" ] || continue
		[ "$h" = mkucode ] && cp "$T/$case.early" "$T/$case.before"
		env PATH="${HOOKPATH:-$T/bin:$PATH}" DESTDIR="$T/dest" verbose=n version=6.1.0-test \
			MODULES=most TMPDIR="$T" __TMPEARLYCPIO="$T/$case.early" \
			"$T/hooks/$h" >>"$T/$case.out" 2>>"$T/$case.err"
		echo "$h=$?" >>"$T/$case.rc"
	done
	cat "$T/$case.early" "$T/main.gz" >"$T/$case.img"
}
# The signatures and revisions an image holds, one line each (duplicates
# kept: a stacked copy shows twice).
held() { "$mkucode" list "$1" 2>/dev/null | awk 'NR > 1 { print $1, $2, $3, $4 }' | sort; }
want() { "$mkucode" build -q -o "$T/want.cpio" "$@" 2>/dev/null && held "$T/want.cpio"; }

conf() {   # the /etc/default files, as the user edited them
	printf '%s\n' "IUCODE_TOOL_INITRAMFS=${1:-early}" "IUCODE_TOOL_SCANCPUS=no" \
		"IUCODE_TOOL_EXTRA_OPTIONS=\"${3:-}\"" >/etc/default/intel-microcode
	printf '%s\n' "AMD64UCODE_INITRAMFS=${2:-early}" >/etc/default/amd64-microcode
}

tap_check "PREREQ: the hook runs after Debian's intel_microcode and amd64_microcode (tsort: $order)" \
	sh -c 'set -- $1; [ "$3" = mkucode ]' _ "$order"

conf early early
mkinit debian intel_microcode amd64_microcode
tap_check "control: Debian's hooks alone stack two early archives, Intel's and AMD's" \
	sh -c '[ "$(grep -c "TRAILER!!!" "$1")" = 2 ] && "$2" list "$1" | grep -q "^intel" && "$2" list "$1" | grep -q "^amd"' \
	_ "$T/debian.img" "$mkucode"

mkinit default
tap_check "every hook exits 0" sh -c '! grep -v "=0$" "$1"' _ "$T/default.rc"
tap_check "Debian's copies replaced, not stacked: the image holds exactly mkucode's selection, once" \
	test "$(held "$T/default.img")" = "$(want)"
tap_check "mkucode verify: exit 0 for every CPU (aligned, no dead second copy)" \
	"$mkucode" verify -q "${cpus[@]}" "$T/default.img"
tap_check "one early archive in front (Debian's two merged into mkucode's: one TRAILER!!!)" \
	test "$(grep -c 'TRAILER!!!' "$T/default.early")" = 1
tap_check "the hook is silent when all goes well" test ! -s "$T/default.err"

conf no early
mkinit intel_off
tap_check "IUCODE_TOOL_INITRAMFS=no: no Intel microcode, mkucode's AMD selection" \
	test "$(held "$T/intel_off.img")" = "$(want --vendor amd)"

conf early no
mkinit amd_off
tap_check "AMD64UCODE_INITRAMFS=no: no AMD microcode, mkucode's Intel selection" \
	test "$(held "$T/amd_off.img")" = "$(want --vendor intel)"

conf no no
mkinit both_off
tap_check "both no: no early microcode at all, silently" \
	sh -c '[ ! -s "$1" ] && [ ! -s "$2" ]' _ "$T/both_off.early" "$T/both_off.err"

conf early early '-s !0x906ea -s!0x50654,0xb7 -q'
mkinit exclude
tap_check "IUCODE_TOOL_EXTRA_OPTIONS -s !SIG and -s!SIG,PF: those CPUs left out" \
	test "$(held "$T/exclude.img")" = "$(want --cpu '!0x906ea' --cpu '!0x50654,0xb7')"
tap_check "... and the rest kept (0x306c3 and both AMD)" \
	sh -c 'h=$(cat); echo "$h" | grep -q 0x000306c3 && [ "$(echo "$h" | grep -c ^amd)" = 2 ] && ! echo "$h" | grep -q 0x000906ea' \
	<<<"$(held "$T/exclude.img")"
tap_check "... and no warning for options that select nothing (-q)" test ! -s "$T/exclude.err"

conf early early '-s 0x906ea --date-before=2020-01-01 -s !0x306c3,,lt:0x30 -s ! -s !0x306c3'
mkinit unmapped
tap_check "unmappable IUCODE_TOOL_EXTRA_OPTIONS: one warning each, naming the option" \
	sh -c 'grep -q "warning: .*'"'"'-s 0x906ea'"'"' has no effect" "$1" &&
		grep -q "warning: .*'"'"'--date-before=2020-01-01'"'"' has no effect" "$1" &&
		grep -q "warning: .*'"'"'-s !0x306c3,,lt:0x30'"'"' has no effect" "$1" &&
		grep -q "warning: .*'"'"'-s !'"'"' has no effect" "$1"' _ "$T/unmapped.err"
tap_check "... the mappable exclusion still applies, the hook exits 0" \
	sh -c '! printf "%s\n" "$1" | grep -q 0x000306c3 && grep -qx mkucode=0 "$2"' _ "$(held "$T/unmapped.img")" "$T/unmapped.rc"

conf early early
mkinit alone mkucode
tap_check "no other hook: the early archive file gets mkucode's cpio (prepend_earlyinitramfs's way)" \
	sh -c '[ "$("$1" list "$2" | awk "NR>1{print \$1,\$2,\$3,\$4}" | sort)" = "$3" ]' _ "$mkucode" "$T/alone.img" "$(want)"

# Failures: the early part stays as the other hooks made it, exit 0, loud.
mkdir "$T/stubbin"
printf '#!/bin/sh\nexit 1\n' >"$T/stubbin/mkucode"
chmod +x "$T/stubbin/mkucode"
HOOKPATH="$T/stubbin:$PATH" mkinit stub
tap_check "a failing mkucode (stub exiting 1): exit 0, the early archive file byte-identical" \
	sh -c 'grep -qx mkucode=0 "$1" && cmp "$2" "$3"' _ "$T/stub.rc" "$T/stub.before" "$T/stub.early"
tap_check "a failing mkucode: a warning on stderr" grep -q '^mkucode: warning: ' "$T/stub.err"

printf '\377\377\377\377' | dd of=/lib/firmware/intel-ucode/06-55-04 bs=1 seek=64 conv=notrunc 2>/dev/null
mkinit corrupt
tap_check "a corrupted firmware file, the real mkucode: exit 0, the early archive file byte-identical" \
	sh -c 'grep -qx mkucode=0 "$1" && cmp "$2" "$3" && [ -s "$3" ]' _ "$T/corrupt.rc" "$T/corrupt.before" "$T/corrupt.early"
tap_check "a corrupted firmware file: mkucode's error and the hook's warning on stderr" \
	sh -c 'grep -q "06-55-04" "$1" && grep -q "^mkucode: warning: " "$1"' _ "$T/corrupt.err"
cp "$T/fw/intel-ucode/06-55-04" /lib/firmware/intel-ucode/06-55-04

HOOKPATH=/usr/bin:/bin:/usr/sbin:/sbin mkinit absent
tap_check "no mkucode installed: exit 0, silent, the early archive file byte-identical" \
	sh -c 'grep -qx mkucode=0 "$1" && [ ! -s "$2" ] && cmp "$3" "$4"' _ "$T/absent.rc" "$T/absent.err" "$T/absent.before" "$T/absent.early"
tap_done

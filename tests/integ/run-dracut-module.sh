#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# dracut-module/90mkucode without dracut: its install() runs, as in dracut
# 059, in a bash that holds dracut's variables (early_microcode, hostonly,
# fw_dir, early_cpio_dir, acpi_override, acpi_table_dir); then what dracut
# does after the modules is done here the way dracut.sh does it (marker,
# ACPI tables, "find . -print0 | sort -z | cpio --null -H newc -o" with GNU
# cpio).  The early cpio must hold exactly mkucode's selection, verify clean
# (exit 0: Intel data 16-byte aligned) for every residue the other members
# leave, keep the marker and the ACPI tables; and when mkucode fails, dracut's
# own microcode block must be left to run, with a loud warning.
# Then the same with Debian 12's real dracut 059 (dracut-core, downloaded
# once into the cache by tests/data/fetch-firmware and unpacked, never
# installed), run from a copy of its tree that holds this module.
#   run-dracut-module.sh SOURCE-ROOT MKUCODE UCGEN
set -u
src=$(cd "$1" && pwd)
mkucode=$2
ucgen=$3
. "$src/tests/lib/tap.sh"
module=$src/dracut-module/90mkucode/module-setup.sh

command -v cpio >/dev/null 2>&1 || { tap_skip_all "GNU cpio not found"; exit 77; }
cpio --version 2>/dev/null | grep -q 'GNU cpio' || { tap_skip_all "cpio is not GNU cpio"; exit 77; }

T=$(mktemp -d "${TMPDIR:-/tmp}/mkucode-dracut.XXXXXX")
trap '[ -n "${KEEP:-}" ] || rm -rf "$T"' EXIT
export LC_ALL=C           # dracut.sh exports it
mkdir -p "$T/bin" "$T/fwA/intel-ucode" "$T/fwB/amd-ucode" "$T/fwB/intel-ucode"
ln -s "$(cd "$(dirname "$mkucode")" && pwd)/$(basename "$mkucode")" "$T/bin/mkucode"

# Firmware on dracut's path, split over two directories as fw_dir allows.
"$ucgen" intel --sig 0x906ea --pf 0x22 --rev 0xf4 -o "$T/fwA/intel-ucode/06-9e-0a"
"$ucgen" intel --sig 0x906ea --pf 0x22 --rev 0xf0 -o "$T/fwB/intel-ucode/06-9e-0a"
"$ucgen" intel --sig 0x50654 --pf 0xb7 --rev 0x2007006 -o "$T/fwA/intel-ucode/06-55-04"
"$ucgen" amd --equiv 0x800f12 --patch 0x08001250 -o "$T/fwB/amd-ucode/microcode_amd_fam17h.bin"
# This machine's CPU, as mkucode --host sees it, gets an update too, so that
# hostonly selects something here whatever the CPU.
host=$("$mkucode" build --host --allow-empty -o /dev/null "$T/fwA" 2>&1 |
	sed -n 's/.*--host: CPUs [^:]*: \([a-z]*\) [0-9a-f-]* (\(0x[0-9a-f]*\)).*/\1 \2/p' | head -1)
host_vendor=${host% *}
host_sig=${host#* }
case $host_vendor in
intel) "$ucgen" intel --sig "$host_sig" --pf 0xff --rev 0x7ffffff0 -o "$T/fwA/intel-ucode/host" ;;
amd) "$ucgen" amd --equiv "$host_sig" --patch "$("$ucgen" amd-ids "$host_sig" | sed 's/.* patch //;s/^/0x/')" \
	-o "$T/fwB/amd-ucode/host.bin" ;;
esac
fw_dir="$T/fwA $T/fwB $T/nonexistent"
cpus=(--cpu 06-9e-0a,0x22 --cpu 0x50654,0xb7 --cpu 0x800f12)

# run_module CASE [VAR=VALUE...]: install() in a bash holding dracut's
# variables; prints them afterwards into $T/CASE.vars.
run_module() {
	local case=$1
	shift
	rm -rf "$T/$case"
	mkdir -p "$T/$case/earlycpio" "$T/$case/tmp"
	env PATH="${MODPATH:-$T/bin:$PATH}" LC_ALL=C bash -c '
		early_microcode=yes hostonly= acpi_override= acpi_table_dir=
		early_cpio_dir=$1/earlycpio DRACUT_TMPDIR=$1/tmp fw_dir=$2
		DRACUT_CP="cp --reflink=auto --sparse=auto --preserve=mode,timestamps,links -dfr"
		shift 3
		for a in "$@"; do eval "${a%%=*}=\${a#*=}"; done
		. "$0"
		check; echo "check=$?"
		install; echo "install=$?"
		echo "early_microcode=$early_microcode"
		echo "create_early_cpio=${create_early_cpio:-}"
	' "$module" "$T/$case" "$fw_dir" -- "$@" >"$T/$case.vars" 2>"$T/$case.err"
}

# dracut's part after the modules (dracut.sh 059, in order): its own
# microcode block when early_microcode is still yes (here: the
# non-hostonly cat of every vendor file, for the fallback cases), the ACPI
# tables, the marker, the GNU cpio pack.  Writes $T/CASE.cpio.
dracut_after() {
	local case=$1 acpi=${2:-} d=$T/$1/earlycpio/d f fw
	# shellcheck disable=SC1090
	. "$T/$case.vars"
	if [ "$early_microcode" = yes ]; then
		mkdir -p "$d/kernel/x86/microcode"
		for fw in $fw_dir; do
			for f in "$fw"/amd-ucode/*; do [ -f "$f" ] && cat "$f" >>"$d/kernel/x86/microcode/AuthenticAMD.bin" && create_early_cpio=yes; done
			for f in "$fw"/intel-ucode/*; do [ -f "$f" ] && cat "$f" >>"$d/kernel/x86/microcode/GenuineIntel.bin" && create_early_cpio=yes; done
		done
	fi
	if [ -n "$acpi" ]; then
		mkdir -p "$d/kernel/firmware/acpi"
		for f in "$acpi"/*.aml; do cp -dfr "$f" "$d/kernel/firmware/acpi"; create_early_cpio=yes; done
	fi
	[ "$create_early_cpio" = yes ] || return 0
	echo 1 >"$d/early_cpio"
	(cd "$d" && find . -print0 | sort -z | cpio --null -R 0:0 -H newc -o --quiet) >"$T/$case.cpio"
}

# What mkucode selects, straight: the module's result must be these bytes.
mkdir "$T/want" "$T/want-host"
"$mkucode" build -q --raw "$T/want" "$T/fwA/intel-ucode" "$T/fwB/intel-ucode" "$T/fwB/amd-ucode"
"$mkucode" build -q -o "$T/configured.cpio" "$T/fwA/intel-ucode" "$T/fwB/intel-ucode" "$T/fwB/amd-ucode"
"$mkucode" build -q --host --raw "$T/want-host" "$T/configured.cpio"

same_selection() {   # CPIO WANTDIR
	local x=$T/x.$$
	rm -rf "$x"; mkdir "$x"
	(cd "$x" && cpio -i -d --quiet <"$1") || return 1
	for f in AuthenticAMD.bin GenuineIntel.bin; do
		if [ -e "$2/$f" ]; then cmp "$2/$f" "$x/kernel/x86/microcode/$f" || return 1
		else [ ! -e "$x/kernel/x86/microcode/$f" ] || { echo "unexpected $f"; return 1; }; fi
	done
	[ "$(cat "$x/early_cpio")" = 1 ] || { echo "no early_cpio marker"; return 1; }
}

run_module plain
tap_check "check() includes the module when mkucode is on PATH" grep -qx check=0 "$T/plain.vars"
tap_check "install() switches dracut's microcode block off and asks for the early cpio" \
	sh -c 'grep -qx early_microcode=no "$1" && grep -qx create_early_cpio=yes "$1" && grep -qx install=0 "$1"' _ "$T/plain.vars"
dracut_after plain
tap_check "the early cpio holds exactly mkucode's selection from fw_dir (both directories), and dracut's marker" \
	same_selection "$T/plain.cpio" "$T/want"
tap_check "mkucode verify: exit 0 (every CPU served, Intel data 16-byte aligned)" \
	"$mkucode" verify -q "${cpus[@]}" "$T/plain.cpio"
tap_check "one early archive: the cpio is a single newc archive (one TRAILER!!!)" \
	test "$(grep -c 'TRAILER!!!' "$T/plain.cpio")" = 1

# ACPI tables of every size residue: the members before GenuineIntel.bin
# take each offset mod 16, and the alignment member must fix each.
pads=""
for n in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16; do
	acpi=$T/tables$n
	mkdir -p "$acpi"
	head -c $((36 + n)) /dev/urandom >"$acpi/ssdt$n.aml"
	[ $((n % 3)) -eq 0 ] && head -c $((100 + 7 * n)) /dev/urandom >"$acpi/dsdt-with-a-longer-name$n.aml"
	run_module "acpi$n" acpi_override=yes acpi_table_dir="$acpi"
	dracut_after "acpi$n" "$acpi"
	d=$T/acpi$n/earlycpio/d
	pads="$pads $(stat -c %s "$d/kernel/x86/microcode/GenuineIntel.align" 2>/dev/null || echo none)"
	out=$("$mkucode" verify -q "${cpus[@]}" "$T/acpi$n.cpio" 2>&1); rc=$?
	x=$T/xa$n; mkdir "$x"; (cd "$x" && cpio -i -d --quiet <"$T/acpi$n.cpio")
	if [ $rc -eq 0 ] && same_selection "$T/acpi$n.cpio" "$T/want" >/dev/null &&
	   cmp -s "$acpi/ssdt$n.aml" "$x/kernel/firmware/acpi/ssdt$n.aml"; then
		tap ok "ACPI table of $((36 + n)) bytes: verify exit 0, the selection and the table in the one early cpio"
	else
		tap notok "ACPI table of $((36 + n)) bytes: verify exit 0, the selection and the table in the one early cpio"
		echo "verify exit $rc: $out" | tap_diag
	fi
done
# The Intel data met every offset mod 16 before alignment: 0 (no member),
# 8 (the member's 152-byte header alone), 4 and 12 (4 and 12 bytes of data).
tap_check "the alignment member took every form (none, 0, 4, 12 bytes) across the cases:$pads" \
	sh -c 'for l in none 0 4 12; do case " $1 " in *" $l "*) ;; *) exit 1 ;; esac; done' _ "$pads"
# The control: the same trees packed without the member do not verify.
bad=0
for n in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16; do
	d=$T/acpi$n/earlycpio/d
	[ -e "$d/kernel/x86/microcode/GenuineIntel.align" ] || continue
	rm "$d/kernel/x86/microcode/GenuineIntel.align"
	(cd "$d" && find . -print0 | sort -z | cpio --null -R 0:0 -H newc -o --quiet) >"$T/bare.cpio"
	"$mkucode" verify -q "${cpus[@]}" "$T/bare.cpio" >/dev/null 2>&1
	[ $? -eq 4 ] || bad=$((bad + 1))
done
tap_check "control: without the alignment member GNU cpio's layout is misaligned (verify exit 4) wherever it was added" \
	test "$bad" -eq 0

# hostonly: the configured selection narrowed to this machine's CPUs.
run_module hostonly hostonly=yes
dracut_after hostonly
tap_check "hostonly: exactly what mkucode --host selects (this machine: $host_vendor $host_sig)" \
	same_selection "$T/hostonly.cpio" "$T/want-host"
tap_check "hostonly: something was selected" \
	sh -c 'ls "$1" | grep -q .' _ "$T/want-host"

# --sysroot: the configuration is the sysroot's, not this machine's.
mkdir -p "$T/target/etc" "$T/want-sysroot"
echo "cpu = 0x50654,0xb7" >"$T/target/etc/mkucode.conf"
"$mkucode" build -q --cpu 0x50654,0xb7 --raw "$T/want-sysroot" "$T/fwA/intel-ucode" \
	"$T/fwB/intel-ucode" "$T/fwB/amd-ucode"
run_module sysroot dracutsysrootdir="$T/target"
dracut_after sysroot
tap_check "--sysroot: the sysroot's mkucode.conf selects (cpu = 0x50654,0xb7 only)" \
	same_selection "$T/sysroot.cpio" "$T/want-sysroot"
echo "no-such-key = 1" >"$T/target/etc/mkucode.conf"
run_module sysroot-bad dracutsysrootdir="$T/target"
tap_check "--sysroot: a broken sysroot configuration is mkucode's failure, dracut's own block runs" \
	sh -c 'grep -qx early_microcode=yes "$1" && grep -q "mkucode: warning" "$2"' _ \
	"$T/sysroot-bad.vars" "$T/sysroot-bad.err"

# early_microcode=no (--no-early-microcode): the module does nothing.
run_module off early_microcode=no
tap_check "--no-early-microcode: the module leaves dracut's variables and folder alone" \
	sh -c 'grep -qx early_microcode=no "$1" && grep -qx create_early_cpio= "$1" && [ -z "$(ls -A "$2")" ]' \
	_ "$T/off.vars" "$T/off/earlycpio"

# mkucode failing (a stub exiting 1): dracut's own behaviour, loudly.
mkdir "$T/stubbin"
printf '#!/bin/sh\necho "mkucode stub: failing" >&2\nexit 1\n' >"$T/stubbin/mkucode"
chmod +x "$T/stubbin/mkucode"
MODPATH="$T/stubbin:$PATH" run_module failing
tap_check "a failing mkucode: early_microcode stays yes, nothing placed, install() returns 0" \
	sh -c 'grep -qx early_microcode=yes "$1" && grep -qx create_early_cpio= "$1" && grep -qx install=0 "$1" &&
		! ls "$2"/d/kernel/x86/microcode/* 2>/dev/null | grep -q .' _ "$T/failing.vars" "$T/failing/earlycpio"
tap_check "a failing mkucode: a warning on stderr" \
	grep -q '^mkucode: warning: mkucode could not select the early microcode (exit 1); dracut builds the early microcode itself' "$T/failing.err"
dracut_after failing
tap_check "a failing mkucode: dracut's own cat of the vendor files makes the early cpio" \
	sh -c 'x=$(mktemp -d); cd "$x" && cpio -i -d --quiet <"$1" && [ -s kernel/x86/microcode/GenuineIntel.bin ] && [ ! -e kernel/x86/microcode/GenuineIntel.align ]; r=$?; rm -rf "$x"; exit $r' _ "$T/failing.cpio"

# A corrupted firmware file, with the real mkucode: the same fallback.
cp "$T/fwA/intel-ucode/06-55-04" "$T/saved"
printf '\377\377\377\377' | dd of="$T/fwA/intel-ucode/06-55-04" bs=1 seek=100 conv=notrunc 2>/dev/null
run_module corrupt
tap_check "a corrupted firmware file: early_microcode stays yes (dracut's behaviour), install() returns 0" \
	sh -c 'grep -qx early_microcode=yes "$1" && grep -qx install=0 "$1"' _ "$T/corrupt.vars"
tap_check "a corrupted firmware file: mkucode's error and the module's warning on stderr" \
	sh -c 'grep -q "06-55-04" "$1" && grep -q "^mkucode: warning:" "$1"' _ "$T/corrupt.err"
cp "$T/saved" "$T/fwA/intel-ucode/06-55-04"

# ---- Debian 12's real dracut 059 (dracut-core, unpacked into the cache by
# tests/data/fetch-firmware, not installed), run from a copy of its tree
# with this module added: the image dracut writes by itself. ----
cache=${MKUCODE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/mkucode}
if dc=$("$src/tests/data/fetch-firmware" --package dracut-core --dest "$cache/dracut-core" 2>"$T/fetch.err" | tail -1) &&
   [ -x "$dc/usr/bin/dracut" ]; then
	tap ok "dracut-core unpacked: $(cat "$dc/.mkucode-stamp")"
	mkdir -p "$T/dr/usr" "$T/conf.d" "$T/tables"
	cp -a "$dc/usr/lib" "$dc/usr/bin" "$T/dr/usr/"
	cp -r "$src/dracut-module/90mkucode" "$T/dr/usr/lib/dracut/modules.d/"
	mkdir "$T/dr/usr/lib/dracut/modules.d/99nothing"
	printf 'check() { return 0; }\ndepends() { return 0; }\ninstall() { :; }\n' \
		>"$T/dr/usr/lib/dracut/modules.d/99nothing/module-setup.sh"
	head -c 45 /dev/urandom >"$T/tables/t.aml"
	printf 'acpi_override="yes"\nacpi_table_dir="%s"\n' "$T/tables" >"$T/dracut.conf"
	real_dracut() {   # CASE BINDIR MODULES [OPTION...]: $T/CASE.img
		local case=$1 bin=$2 mods=$3
		shift 3
		DRACUT_PATH="$bin /usr/sbin /usr/bin /sbin /bin" dracutbasedir="$T/dr/usr/lib/dracut" \
			bash "$T/dr/usr/bin/dracut" --conf "$T/dracut.conf" --confdir "$T/conf.d" \
			--no-kernel -m "$mods" --early-microcode --fwdir "$T/fwA:$T/fwB" \
			--force --no-compress "$@" "$T/$case.img" 6.1.0-test >"$T/$case.log" 2>&1
	}
	real_dracut real "$T/bin" "mkucode nothing" --no-hostonly
	tap_check "real dracut 059 with the module: verify exit 0 (aligned, every CPU)" \
		"$mkucode" verify -q "${cpus[@]}" "$T/real.img"
	tap_check "real dracut: exactly mkucode's selection, dracut's marker, in its one early cpio" \
		sh -c 'skip=$("$1/usr/lib/dracut/skipcpio" "$2" | wc -c); total=$(wc -c <"$2");
			head -c $((total - skip)) "$2" >"$3" && [ "$(grep -c "TRAILER!!!" "$3")" = 1 ]' \
		_ "$T/dr" "$T/real.img" "$T/real.early"
	tap_check "... the selection" same_selection "$T/real.early" "$T/want"
	tap_check "... the ACPI table kept" \
		sh -c 'x=$(mktemp -d) && cd "$x" && cpio -i -d --quiet <"$1" && cmp kernel/firmware/acpi/t.aml "$2"; r=$?; rm -rf "$x"; exit $r' \
		_ "$T/real.early" "$T/tables/t.aml"
	tap_check "... dracut's own microcode block did not run (no 'Constructing')" \
		sh -c '! grep -q "Constructing" "$1"' _ "$T/real.log"
	real_dracut stock "$T/bin" "nothing" --no-hostonly
	tap_check "control: real dracut without the module: Intel data misaligned (verify exit 4)" \
		sh -c '"$1" verify -q "$2" "$3" "$4" "$5" "$6" "$7" "$8" >/dev/null 2>&1; [ $? -eq 4 ]' _ "$mkucode" "${cpus[@]}" "$T/stock.img"
	real_dracut realhost "$T/bin" "mkucode nothing" --hostonly
	tap_check "real dracut --hostonly: the image has its early cpio" \
		sh -c 'skip=$("$1/usr/lib/dracut/skipcpio" "$2" | wc -c); total=$(wc -c <"$2");
			head -c $((total - skip)) "$2" >"$3"' _ "$T/dr" "$T/realhost.img" "$T/realhost.early"
	tap_check "... the selection" same_selection "$T/realhost.early" "$T/want-host"
	real_dracut realfail "$T/stubbin" "mkucode nothing" --no-hostonly
	tap_check "real dracut, mkucode failing: dracut succeeds with its own microcode block, the warning in its output" \
		sh -c '[ -s "$1" ] && grep -q "Constructing GenuineIntel.bin" "$2" && grep -q "mkucode: warning: mkucode could not select" "$2"' \
		_ "$T/realfail.img" "$T/realfail.log"
else
	tap notok "dracut-core unpacked (tests/data/fetch-firmware --package dracut-core)"
	tap_diag <"$T/fetch.err"
fi

# No mkucode at all: check() leaves the module out, silently.
MODPATH=/usr/bin:/bin run_module absent
tap_check "no mkucode on PATH: check() returns 1, silently" \
	sh -c 'grep -qx check=1 "$1" && [ ! -s "$2" ]' _ "$T/absent.vars" "$T/absent.err"
tap_done

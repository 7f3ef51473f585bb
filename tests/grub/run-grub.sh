#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The real grub-mkconfig (this machine's grub-common; and a newer Debian
# release's templates, downloaded, when they can be) on test /boot trees,
# with and without mkucode's grub.d files as `meson install` puts them.
#
#   run-grub.sh MKUCODE UCGEN BUILD_ROOT
#
# grub-mkconfig runs in a private mount namespace (mkconfig.sh): nothing of
# this machine's /boot, /etc or /usr is written.  Needs root (exit 77 without).
# What is asserted, on the generated grub.cfg (check-cfg.py):
#  - stock output shows the bugs: no ucode=scan, a stale intel-ucode.img in
#    front of prepended initrds, GRUB 2.06's one-line module2 (so the checks
#    can fail);
#  - with the drop-in: grub-script-check passes, Xen's normal entries carry
#    ucode=scan once and the recovery ones none (after Debian's xen.cfg set
#    the Xen command line, and when the user already has ucode=scan), each
#    module line loads one file with the initrd first, no entry loads the
#    stale image, `mkucode status --root TREE` exits 0, standard output
#    stays empty;
#  - the drop-in changes nothing without mkucode on PATH or with
#    MKUCODE_GRUB=no;
#  - GRUB 2.06 with a deliberately separate early image and Xen: no broken
#    line; 25_mkucode writes entries with the image (mkucode stanza) or says
#    why not;
#  - the same on trixie's grub-common (2.12) templates and grub-mkconfig
#    (a TAP SKIP when they cannot be downloaded).
# Output is TAP.

set -uo pipefail

# shellcheck source-path=SCRIPTDIR source=../lib/suite.sh
. "$(dirname "$(realpath "$0")")/../lib/suite.sh"
# shellcheck disable=SC2034 # UCGEN is trees.sh's
suite_args MKUCODE UCGEN BUILD -- "$@"
SRC=$(dirname "$(dirname "$HERE")")
[[ $(id -u) -eq 0 ]] || suite_skip "needs root (a private mount namespace for grub-mkconfig)"
suite_need unshare grub-mkconfig grub-script-check grub-file gzip python3 meson
suite_tmpdir

# shellcheck source=../status/trees.sh
. "$SRC/tests/status/trees.sh"
trees_microcode

CHECK=$HERE/check-cfg.py
MKCONFIG=$HERE/mkconfig.sh

# ---------------------------------------------------------------- installed files
meson install -C "$BUILD" --no-rebuild --quiet --tags grub --destdir "$T/dest" >"$T/install.log" 2>&1 ||
	{ cat "$T/install.log" >&2; exit 1; }
DROPIN=$(find "$T/dest" -path '*/default/grub.d/zz-mkucode.cfg')
TEMPLATE=$(find "$T/dest" -path '*/grub.d/25_mkucode')
DESC="meson install puts zz-mkucode.cfg in SYSCONFDIR/default/grub.d and 25_mkucode (executable) in SYSCONFDIR/grub.d"
if [[ -f $DROPIN && -x $TEMPLATE ]]; then tap ok "$DESC"; else tap notok "$DESC"; fi

mkdir -p bin nobin
ln -s "$MKUCODE" bin/mkucode

# Debian's /etc/default/grub.d/xen.cfg, from xen-hypervisor-common.
# (fetch-firmware's cache: downloaded once, then offline.)
CACHE=${MKUCODE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/mkucode}
XENCOMMON=$CACHE/grub/xen-common
"$SRC/tests/data/fetch-firmware" --package xen-hypervisor-common --dest "$XENCOMMON" \
	>/dev/null 2>"$T/fetch.log" || { tap_diag <"$T/fetch.log"; XENCOMMON=; }
XENCFG=$XENCOMMON/etc/default/grub.d/xen.cfg
DESC="Debian's xen.cfg (xen-hypervisor-common) is at hand"
if [[ -n $XENCOMMON && -f $XENCFG ]]; then tap ok "$DESC"; else tap notok "$DESC"; fi

# ---------------------------------------------------------------- trees
# xen_stand_in FILE: a gzip file grub-file takes for a multiboot2 kernel
# (20_linux_xen then writes multiboot2/module2 lines, as for Xen 4.17).
xen_stand_in() {
	python3 - "$1" <<-'EOF'
		import gzip, struct, sys
		magic, arch, size = 0xE85250D6, 0, 24
		header = struct.pack('<IIII', magic, arch, size, -(magic + arch + size) & 0xffffffff)
		header += struct.pack('<HHI', 0, 0, 8)          # the end tag
		with open(sys.argv[1], 'wb') as f:
		    f.write(gzip.compress(b'\0' * 64 + header + b'Xen stand-in\n', mtime=0))
	EOF
}

# debian_xen TREE PREPEND: two Debian kernels able to be dom0, Xen 4.17, and
# a stale intel-ucode.img (0xb2); PREPEND yes puts 0xb4 in the initrds.
debian_xen() {
	local v
	tree "$1" 0x1
	mkdir -p "$T/$1/boot/grub"
	for v in 6.1.0-26-amd64 6.1.0-27-amd64; do
		kernel "$1" "$v"
		printf 'CONFIG_XEN=y\nCONFIG_XEN_DOM0=y\n' >"$T/$1/boot/config-$v"
		[[ $2 != yes ]] || mk --prepend "$T/$1/boot/initrd.img-$v" b4.bin
	done
	xen_stand_in "$T/$1/boot/xen-4.17-amd64.gz"
	printf 'CONFIG_XEN=y\n' >"$T/$1/boot/xen-4.17-amd64.config"
	cp b2.cpio "$T/$1/boot/intel-ucode.img"
}

# etc_default DIR MKUCODE [GRUB-LINES...]: an /etc/default with grub (the
# lines given), Debian's xen.cfg and, MKUCODE yes, mkucode's drop-in.
etc_default() {
	local dir=$T/$1 with=$2
	shift 2
	mkdir -p "$dir/grub.d"
	{
		echo 'GRUB_DEFAULT=0'
		echo 'GRUB_TIMEOUT=5'
		echo 'GRUB_DISTRIBUTOR=Debian'
		echo 'GRUB_CMDLINE_LINUX_DEFAULT="quiet"'
		echo 'GRUB_CMDLINE_LINUX=""'
		echo 'XEN_OVERRIDE_GRUB_DEFAULT=0'
		local line
		for line in "$@"; do echo "$line"; done
	} >"$dir/grub"
	[[ ! -f $XENCFG ]] || cp "$XENCFG" "$dir/grub.d/xen.cfg"
	[[ $with != yes ]] || cp "$DROPIN" "$dir/grub.d/"
}

# grub_d DIR TEMPLATES [MKUCODE]: TEMPLATES' files and, MKUCODE yes, the
# installed 25_mkucode.
grub_d() {
	mkdir -p "$T/$1"
	cp -p "$2"/* "$T/$1/"
	rm -f "$T/$1/25_mkucode"    # a copy installed on this machine is not stock
	[[ ${3:-} != yes ]] || cp -p "$TEMPLATE" "$T/$1/"
}

# mkconfig TREE DEFAULT GRUB_D [MKCONFIG-ARGS...]: grub-mkconfig into
# TREE/boot/grub/grub.cfg; exit status in RC, stdout in $T/out, stderr $T/err.
mkconfig() {
	local tree=$1 def=$2 gd=$3
	shift 3
	RC=0
	"$MKCONFIG" --boot "$T/$tree/boot" --default "$T/$def" --grub-d "$T/$gd" "$@" \
		-o "$T/$tree/boot/grub/grub.cfg" >"$T/out" 2>"$T/err" || RC=$?
	CFG=$T/$tree/boot/grub/grub.cfg
}

# DESC=TEXT expect COMMAND...: ok when COMMAND succeeds (its output as
# comments when it fails); refute: ok when it fails.
expect() {
	local out
	if out=$("$@" 2>&1); then
		tap ok "$DESC"
	else
		tap notok "$DESC"
		printf '%s\n' "$out" | tap_diag
		return 1
	fi
}
refute() {
	if "$@" >/dev/null 2>&1; then tap notok "$DESC"; else tap ok "$DESC"; fi
}
show() { { echo "[exit $RC]"; cat "$T/out"; echo "[stderr]"; cat "$T/err"; } | tap_diag; }

# status_rc TREE: `mkucode status --root TREE`'s exit status.
status_rc() {
	local rc=0
	"$MKUCODE" status --root "$T/$1" >"$T/status.out" 2>&1 || rc=$?
	echo "$rc"
}

# all_checks LABEL: the drop-in's promises on $CFG.
all_checks() {
	DESC="$1: grub-script-check passes" expect grub-script-check "$CFG"
	DESC="$1: Linux, Xen and Xen recovery entries were made" expect "$CHECK" "$CFG" entries
	DESC="$1: Xen normal entries carry ucode=scan once, recovery entries no ucode=" \
		expect "$CHECK" "$CFG" ucode-scan
	DESC="$1: every module line loads one file" expect "$CHECK" "$CFG" one-file-modules
	DESC="$1: the initrd is the first module after the dom0 kernel" \
		expect "$CHECK" "$CFG" initrd-first
	DESC="$1: no entry loads the stale intel-ucode.img in front of the prepended initrd" \
		expect "$CHECK" "$CFG" not=intel-ucode.img initrd-only
}

# ---------------------------------------------------------------- GRUB 2.06, stock
GRUB_TEMPLATES=/etc/grub.d
VERSION=$(grub-mkconfig --version)
tap_diag <<<"installed: $VERSION"

debian_xen stock yes
etc_default def-stock no
grub_d gd-stock "$GRUB_TEMPLATES"
mkconfig stock def-stock gd-stock --path bin
DESC="stock: grub-mkconfig exits 0" expect test "$RC" = 0 || show
cp "$CFG" "$T/stock.cfg"
DESC="stock: Xen entries have no ucode= (the bug the drop-in fixes)" expect "$CHECK" "$CFG" no-ucode
DESC="stock: 20_linux_xen writes the early image and the initrd on one module line" \
	refute "$CHECK" "$CFG" one-file-modules
DESC="stock: the stale intel-ucode.img is loaded in front of the prepended initrd" \
	refute "$CHECK" "$CFG" not=intel-ucode.img
DESC="stock: mkucode status flags it (exit not 0)" refute test "$(status_rc stock)" = 0

# ---------------------------------------------------------------- GRUB 2.06, drop-in
debian_xen mk yes
etc_default def-mk yes
grub_d gd-mk "$GRUB_TEMPLATES" yes
mkconfig mk def-mk gd-mk --path bin
DESC="drop-in: grub-mkconfig exits 0" expect test "$RC" = 0 || show
all_checks "drop-in"
DESC="drop-in: nothing on standard output" expect test ! -s "$T/out"
DESC="drop-in: the note names the image it no longer loads" \
	expect grep -q 'mkucode: note: .*not loading /boot/intel-ucode.img' "$T/err"
DESC="drop-in: no warning (no early image is kept on purpose)" refute grep -q 'mkucode: warning' "$T/err"
DESC="drop-in: 25_mkucode adds nothing (no separate image is kept)" \
	refute grep -q 'BEGIN /etc/grub.d/25_mkucode ###.\{1,\}' <(tr '\n' ' ' <"$CFG" | grep -o 'BEGIN /etc/grub.d/25_mkucode ###.*END /etc/grub.d/25_mkucode' | sed 's/###  *### END.*//')
RC=$(status_rc mk)
DESC="drop-in: mkucode status --root TREE exits 0" expect test "$RC" = 0 || tap_diag <"$T/status.out"

# The harness's own --mkucode BUILD (what tests/boot uses) composes the same.
cp "$CFG" "$T/composed.cfg"
mkdir -p "$T/def-plain"
cp -a "$T/def-mk/." "$T/def-plain/" && rm "$T/def-plain/grub.d/zz-mkucode.cfg"
RC=0
"$MKCONFIG" --boot "$T/mk/boot" --default "$T/def-plain" --grub-d "$T/gd-stock" --mkucode "$BUILD" \
	-o "$T/harness.cfg" >"$T/out" 2>"$T/err" || RC=$?
DESC="mkconfig.sh --mkucode BUILD: the same grub.cfg as the installed files give" \
	expect bash -c "test $RC = 0 && diff -u '$T/composed.cfg' '$T/harness.cfg'"

# The stand-in grub-probe's answers are set through the environment (for
# a grub.cfg that finds its files on an ISO): the search line follows.
mkconfig mk def-mk gd-mk --path bin --env MKCONFIG_PROBE_FS_UUID=2026-12-01-00-00-00-00 \
	--env MKCONFIG_PROBE_PARTMAP= --env MKCONFIG_PROBE_FS=iso9660
DESC="mkconfig.sh --env MKCONFIG_PROBE_*: the entries search that file system" \
	expect bash -c "grep -q 'search --no-floppy --fs-uuid --set=root .*2026-12-01-00-00-00-00' '$CFG' &&
		grep -q 'insmod iso9660' '$CFG' && ! grep -q 'part_msdos' '$CFG' && grub-script-check '$CFG'"

# Without Xen: the stale image is still not put in front (10_linux alone).
debian_xen linux yes
rm "$T/linux/boot/xen-4.17-amd64.gz"
mkconfig linux def-mk gd-mk --path bin
DESC="no Xen, drop-in: Linux entries load the prepended initrd alone, not the stale intel-ucode.img" \
	expect "$CHECK" "$CFG" not=intel-ucode.img initrd-only
RC=$(status_rc linux)
DESC="no Xen, drop-in: mkucode status --root TREE exits 0" expect test "$RC" = 0 || tap_diag <"$T/status.out"

# Some initrds carry microcode, one does not: it is named, with the fix.
debian_xen mixed yes
cp main.cpio.gz "$T/mixed/boot/initrd.img-6.1.0-26-amd64"
mkconfig mixed def-mk gd-mk --path bin
DESC="an initrd without microcode beside ones with: a warning names it and says mkucode refresh" \
	expect grep -q "warning: no early microcode in /boot/initrd.img-6.1.0-26-amd64: run 'mkucode refresh'" "$T/err"

# Sourced alone, twice, by dash under set -e (as grub-mkconfig's /bin/sh
# does once): no exit, nothing on standard output, ucode=scan once.
RC=0
unshare -m sh -c 'mount --make-rprivate / && mount --bind "$1" /boot &&
	PATH=$2:$PATH GRUB_EARLY_INITRD_LINUX_STOCK="intel-ucode.img amd-ucode.img" dash -e -c ". \"\$0\"; . \"\$0\"; echo \"END \$GRUB_CMDLINE_XEN_DEFAULT|\$GRUB_EARLY_INITRD_LINUX_STOCK\" >&2" "$3"' \
	sh "$T/mk/boot" "$T/bin" "$DROPIN" >"$T/out" 2>"$T/err" || RC=$?
DESC="sourced twice under dash -e: it returns, ucode=scan once, the stale image off the list, nothing on standard output" \
	expect bash -c "test $RC = 0 && test ! -s '$T/out' && grep -qx 'END ucode=scan|amd-ucode.img' '$T/err'" || show

# Debian's xen.cfg sets the Xen command line: the drop-in adds to it.
sed 's/^#GRUB_CMDLINE_XEN_DEFAULT=""/GRUB_CMDLINE_XEN_DEFAULT="dom0_mem=1024M,max:1024M"/' \
	"$T/def-mk/grub.d/xen.cfg" >"$T/xen.cfg" && mv "$T/xen.cfg" "$T/def-mk/grub.d/xen.cfg"
mkconfig mk def-mk gd-mk --path bin
DESC="xen.cfg sets GRUB_CMDLINE_XEN_DEFAULT: its value stays, ucode=scan follows" \
	expect grep -q 'multiboot2.*placeholder *dom0_mem=1024M,max:1024M ucode=scan ' "$CFG"
DESC="xen.cfg sets GRUB_CMDLINE_XEN_DEFAULT: still ucode=scan once, none in recovery" \
	expect "$CHECK" "$CFG" ucode-scan
DESC="the drop-in sorts after xen.cfg in the C locale" \
	expect test "$(cd "$T/def-mk/grub.d" && LC_ALL=C; printf '%s\n' *.cfg | tail -n 1)" = zz-mkucode.cfg

# The user has ucode=scan already: not twice.
etc_default def-user yes 'GRUB_CMDLINE_XEN_DEFAULT="ucode=scan"'
mkconfig mk def-user gd-mk --path bin
DESC="user's own ucode=scan: still exactly once" expect "$CHECK" "$CFG" ucode-scan
etc_default def-user0 yes 'GRUB_CMDLINE_XEN_DEFAULT="ucode=0"'
mkconfig mk def-user0 gd-mk --path bin
DESC="user's own ucode=0: kept, no ucode=scan added" \
	expect bash -c "grep -q 'multiboot2.* ucode=0 ' '$CFG' && ! grep -q 'ucode=scan' '$CFG'"

# Without mkucode on PATH, and with MKUCODE_GRUB=no: the output without the
# drop-in (both with 25_mkucode, which writes nothing then).
cp "$T/def-mk/grub.d/xen.cfg" "$T/def-stock/grub.d/xen.cfg"
mkconfig stock def-stock gd-mk --path bin
cp "$CFG" "$T/nodropin.cfg"
mkconfig mk def-mk gd-mk --path nobin
# The two trees differ only in their name; so do the configs.
DESC="mkucode not installed: the drop-in changes nothing" expect diff -u "$T/nodropin.cfg" "$CFG"
etc_default def-off yes 'MKUCODE_GRUB=no'
cp "$T/def-mk/grub.d/xen.cfg" "$T/def-off/grub.d/xen.cfg"
mkconfig mk def-off gd-mk --path bin
cp "$CFG" "$T/off.cfg"
etc_default def-offstock no 'MKUCODE_GRUB=no'
cp "$T/def-mk/grub.d/xen.cfg" "$T/def-offstock/grub.d/xen.cfg"
mkconfig stock def-offstock gd-mk --path bin
DESC="MKUCODE_GRUB=no: the drop-in changes nothing" expect diff -u "$CFG" "$T/off.cfg"

# A mkucode that fails and writes on standard output: grub-mkconfig still
# succeeds, nothing of it reaches grub.cfg, and still no broken line.
mkdir -p badbin
printf '#!/bin/sh\necho JUNK-FROM-MKUCODE\necho JUNK-ON-STDERR >&2\nexit 1\n' >badbin/mkucode
chmod +x badbin/mkucode
mkconfig mk def-mk gd-mk --path badbin
DESC="a failing mkucode: grub-mkconfig exits 0" expect test "$RC" = 0 || show
DESC="a failing mkucode: nothing it prints reaches grub.cfg or standard output" \
	refute grep -q JUNK-FROM "$CFG" "$T/out"
DESC="a failing mkucode: grub-script-check passes, one file a module line, ucode=scan" \
	expect bash -c "grub-script-check '$CFG' && '$CHECK' '$CFG' entries one-file-modules initrd-first ucode-scan"

# GRUB_EARLY_INITRD_LINUX_CUSTOM in front of initrds that carry microcode,
# with Xen: the stock entries get no broken line, and 25_mkucode's stanza
# refuses the two sources that would shadow each other, saying so.
debian_xen custom yes
rm "$T/custom/boot/intel-ucode.img"
cp b4.cpio "$T/custom/boot/my-ucode.cpio"
etc_default def-custom yes 'GRUB_EARLY_INITRD_LINUX_CUSTOM="my-ucode.cpio"'
mkconfig custom def-custom gd-mk --path bin
DESC="GRUB_EARLY_INITRD_LINUX_CUSTOM, Xen, GRUB 2.06: grub-mkconfig exits 0" expect test "$RC" = 0 || show
DESC="GRUB_EARLY_INITRD_LINUX_CUSTOM, Xen, GRUB 2.06: one file a module line, the initrd first" \
	expect "$CHECK" "$CFG" one-file-modules initrd-first
DESC="GRUB_EARLY_INITRD_LINUX_CUSTOM on prepended initrds: a warning says it shadows them" \
	expect grep -q 'warning: GRUB_EARLY_INITRD_LINUX_CUSTOM puts my-ucode.cpio in front of initrds that carry' "$T/err"
DESC="GRUB_EARLY_INITRD_LINUX_CUSTOM on prepended initrds: 25_mkucode writes no entry and says why" \
	expect bash -c "grep -q '25_mkucode: no entry' '$T/err' && ! grep -q '^menuentry.*early microcode' '$CFG'"

# ---------------------------------------------------------------- deliberate early image
# The initrds carry no microcode; intel-ucode.img (0xb4) is the early image
# on purpose.  GRUB 2.06's 20_linux_xen would write the broken line.
debian_xen early no
cp b4.cpio "$T/early/boot/intel-ucode.img"
mkconfig early def-stock gd-stock --path bin
DESC="GRUB 2.06, early image, Xen, stock: the broken line is there" \
	refute "$CHECK" "$CFG" one-file-modules
mkconfig early def-mk gd-mk --path bin
DESC="GRUB 2.06, early image, Xen, drop-in: grub-mkconfig exits 0" expect test "$RC" = 0 || show
DESC="GRUB 2.06, early image, Xen, drop-in: grub-script-check passes" expect grub-script-check "$CFG"
DESC="GRUB 2.06, early image, Xen, drop-in: no module line names two files" \
	expect "$CHECK" "$CFG" one-file-modules initrd-first
DESC="GRUB 2.06, early image, Xen, drop-in: the warning says why" \
	expect grep -q 'mkucode: warning: GRUB 2.06.* one module2 line' "$T/err"
if "$MKUCODE" stanza --help >/dev/null 2>&1; then
	DESC="GRUB 2.06, early image, Xen: 25_mkucode's entries load the image on a line of its own" \
		expect bash -c "sed -n '/BEGIN .*25_mkucode/,/END .*25_mkucode/p' '$CFG' >'$T/own.cfg' &&
			'$CHECK' '$T/own.cfg' one-file-modules initrd-first early=intel-ucode.img &&
			grep -q '^menuentry' '$T/own.cfg'"
else
	DESC="GRUB 2.06, early image, Xen: without 'mkucode stanza' 25_mkucode refuses, saying why" \
		expect grep -q "25_mkucode: this mkucode has no 'stanza' verb" "$T/err"
fi

# One image per vendor: 25_mkucode's entries load both, in 10_linux's order.
"$UCGEN" amd --equiv 0xa20f12 --patch 0xa201210 -o amd.bin
"$MKUCODE" -q -o "$T/early/boot/amd-ucode.img" amd.bin
mkconfig early def-mk gd-mk --path bin
if "$MKUCODE" stanza --help >/dev/null 2>&1; then
	DESC="GRUB 2.06, an early image per vendor, Xen: 25_mkucode's entries load both, a line each" \
		expect bash -c "sed -n '/BEGIN .*25_mkucode/,/END .*25_mkucode/p' '$CFG' >'$T/own.cfg' &&
			'$CHECK' '$T/own.cfg' one-file-modules initrd-first early=intel-ucode.img,amd-ucode.img &&
			grep -q '^menuentry' '$T/own.cfg'" || show
fi
rm "$T/early/boot/amd-ucode.img"

# The same without Xen: 10_linux loads the image in front, as meant.
rm "$T/early/boot/xen-4.17-amd64.gz"
mkconfig early def-mk gd-mk --path bin
DESC="early image, no Xen, drop-in: Linux entries load it in front of the initrd, as meant" \
	expect "$CHECK" "$CFG" early=intel-ucode.img
DESC="early image, no Xen, drop-in: no warning" refute grep -q 'mkucode: warning' "$T/err"

# ---------------------------------------------------------------- raw module
# MKUCODE_GRUB_XEN_RAW names a raw vendor file (mkucode --raw): no stock
# template loads one; 25_mkucode's Xen entries do, ucode=<n> naming it.
debian_xen raw no
rm "$T/raw/boot/intel-ucode.img"
mkdir -p "$T/raw/boot/xen-ucode"
mk --raw "$T/raw/boot/xen-ucode" b4.bin
etc_default def-raw yes 'MKUCODE_GRUB_XEN_RAW=/boot/xen-ucode/GenuineIntel.bin' \
	'GRUB_CMDLINE_LINUX_XEN_REPLACE_DEFAULT="quiet console=hvc0"'
mkconfig raw def-raw gd-mk --path bin
DESC="raw module: grub-mkconfig exits 0, grub-script-check passes" \
	expect bash -c "test $RC = 0 && grub-script-check '$CFG'" || show
sed -n '/BEGIN .*25_mkucode/,/END .*25_mkucode/p' "$CFG" >"$T/own.cfg"
DESC="raw module: 25_mkucode's Xen entries load kernel, initrd, GenuineIntel.bin, ucode=<n> naming it" \
	expect bash -c "grep -q '^menuentry' '$T/own.cfg' && '$CHECK' '$T/own.cfg' raw=xen-ucode/GenuineIntel.bin one-file-modules"
DESC="raw module: dom0's command line is GRUB_CMDLINE_LINUX_XEN_REPLACE_DEFAULT's, as in the stock Xen entries" \
	expect bash -c "grep -q 'module2 --nounzip /boot/vmlinuz-6.1.0-27-amd64 .*quiet console=hvc0' '$T/own.cfg' &&
		grep -q 'module2.*/boot/vmlinuz-6.1.0-27-amd64 placeholder root=.* quiet console=hvc0' '$CFG'"
sed '/BEGIN .*25_mkucode/,/END .*25_mkucode/d' "$CFG" >"$T/stock-part.cfg"
DESC="raw module: the stock entries do not load it" \
	expect "$CHECK" "$T/stock-part.cfg" not=xen-ucode/GenuineIntel.bin one-file-modules
debian_xen raw-carry yes
rm "$T/raw-carry/boot/intel-ucode.img"
mkdir -p "$T/raw-carry/boot/xen-ucode"
mk --raw "$T/raw-carry/boot/xen-ucode" b4.bin
mkconfig raw-carry def-raw gd-mk --path bin
DESC="raw module beside initrds that carry microcode: no entry (they would shadow each other), and why" \
	expect bash -c "test $RC = 0 && grep -q '25_mkucode: no entry' '$T/err' && ! grep -q 'raw microcode' '$CFG'"
etc_default def-raw-bad yes 'MKUCODE_GRUB_XEN_RAW=/srv/GenuineIntel.bin'
mkconfig raw def-raw-bad gd-mk --path bin
DESC="raw module outside /boot: no entry, and why" \
	expect bash -c "test $RC = 0 && grep -q 'MKUCODE_GRUB_XEN_RAW: /srv/GenuineIntel.bin: not under /boot' '$T/err' && ! grep -q 'raw microcode' '$CFG'"

# ---------------------------------------------------------------- newer templates
# trixie's grub-common (2.12), extracted, never installed: its grub-mkconfig,
# grub-mkconfig_lib and templates.
NEWER=$CACHE/grub/trixie
if "$SRC/tests/data/fetch-firmware" --suite trixie --package grub-common \
	--dest "$NEWER" >"$T/fetch.log" 2>&1; then
	tap ok "trixie's grub-common downloaded: $(cut -d' ' -f2 "$NEWER/.mkucode-stamp")"
	grub_d gd-new-stock "$NEWER/etc/grub.d"
	grub_d gd-new-mk "$NEWER/etc/grub.d" yes
	etc_default def-new-stock no
	etc_default def-new-mk yes

	debian_xen new yes
	mkconfig new def-new-stock gd-new-stock --grub-common "$NEWER" --path bin
	DESC="2.12 stock: grub-mkconfig exits 0" expect test "$RC" = 0 || show
	DESC="2.12 stock: one file per module line (fixed upstream)" expect "$CHECK" "$CFG" one-file-modules
	DESC="2.12 stock: the stale intel-ucode.img still shadows the prepended initrd" \
		refute "$CHECK" "$CFG" not=intel-ucode.img
	DESC="2.12 stock: no ucode=" expect "$CHECK" "$CFG" no-ucode
	mkconfig new def-new-mk gd-new-mk --grub-common "$NEWER" --path bin
	DESC="2.12 drop-in: grub-mkconfig exits 0" expect test "$RC" = 0 || show
	all_checks "2.12 drop-in"
	RC=$(status_rc new)
	DESC="2.12 drop-in: mkucode status --root TREE exits 0" expect test "$RC" = 0 || tap_diag <"$T/status.out"

	debian_xen new-early no
	cp b4.cpio "$T/new-early/boot/intel-ucode.img"
	mkconfig new-early def-new-mk gd-new-mk --grub-common "$NEWER" --path bin
	DESC="2.12, early image, Xen, drop-in: the stock entries keep it, one file a line, initrd first" \
		expect "$CHECK" "$CFG" one-file-modules initrd-first early=intel-ucode.img ucode-scan
	DESC="2.12, early image, Xen, drop-in: no warning, no entries of 25_mkucode" \
		refute grep -q 'mkucode: warning\|25_mkucode:' "$T/err"
else
	# Optional: a newer release's templates are a second opinion, and the
	# mirror may not serve that suite; the 2.06 checks above stand alone.
	tap_diag <"$T/fetch.log"
	tap notok "trixie's grub-common (2.12) templates" "SKIP could not be downloaded (see above)"
fi

tap_done

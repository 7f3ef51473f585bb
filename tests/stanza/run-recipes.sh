#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The boot-loader recipes of README.md ("## Boot loaders", its ```sh
# blocks) and of mkucode(8) (the .EX blocks of STANZA), run verbatim, each
# on a fresh fake machine, and what they leave read back.
#
#   run-recipes.sh MKUCODE UCGEN GENERATOR SRCROOT
#
# The machine (tests/status/trees.sh): one Intel CPU 06-8c-01 running 0x1,
# firmware 0xb4, a Debian kernel whose initrd is a gzip main part alone, Xen
# 4.17, GRUB's /etc/grub.d/40_custom, a TFTP root with the same kernel.
# Each recipe runs under `bash -e` in a private mount namespace (unshare
# -m, or -r -m) where that tree's boot/ is /boot, a scratch directory /etc/grub.d, and
# the TFTP root /srv/tftp, so the real system is never touched; on PATH,
# `mkucode` is the build under test, given `--root` of the tree for the
# verbs that read the machine (build, status, refresh) so that --host and
# the default SOURCEs are the fake ones; uname says the fake kernel,
# update-grub does nothing, mkucode-syslinux is GENERATOR.
#
# After each: the entries it appended to 40_custom, as grub.cfg, pass
# grub-script-check and `mkucode status --root` (exit 0: every entry loads
# the newest for the CPU, nothing to fix); a syslinux config it wrote, the
# same through status.  Needs a mount namespace (root, or an unprivileged
# user namespace); output is TAP.

set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=../lib/suite.sh
. "$(dirname "$(realpath "$0")")/../lib/suite.sh"
suite_args MKUCODE UCGEN GENERATOR SRCROOT -- "$@"
suite_need unshare mount gzip seq python3 grub-script-check
for d in /boot /etc/grub.d /srv; do
	[[ -d $d ]] || suite_skip "no $d to mount over"
done
suite_mount_ns
suite_tmpdir
V=6.1.0-27-amd64

# shellcheck source=../status/trees.sh
. "$HERE/../status/trees.sh"
trees_microcode

# ------------------------------------------------------------ the recipes

# README: the ```sh blocks of "## Boot loaders".
awk -v dir="$T" '
	/^## / { in_sec = ($0 == "## Boot loaders"); next }
	!in_sec { next }
	/^```sh$/ { n++; f = sprintf("%s/readme-%02d.sh", dir, n); printf "" >f; next }
	/^```$/ { if (f != "") close(f); f = ""; next }
	f != "" { print >>f }
' "$SRCROOT/README.md"
# mkucode(8): the .EX blocks of STANZA, roff escapes undone.
awk -v dir="$T" '
	/^\.SH/ { in_sec = ($0 ~ /^\.SH "?STANZA"?[[:space:]]*$/); next }
	!in_sec { next }
	/^\.EX/ { n++; f = sprintf("%s/man-%02d.sh", dir, n); printf "" >f; next }
	/^\.EE/ { close(f); f = ""; next }
	f != "" { print >>f }
' "$SRCROOT/doc/mkucode.8"
for b in "$T"/man-*.sh; do
	[[ -e $b ]] || continue
	sed -i -e 's/\\-/-/g' -e "s/\\\\(aq/'/g" -e 's/\\(dq/"/g' -e 's/\\&//g' \
		-e 's/\\e/\\/g' "$b"
done
recipes=("$T"/readme-*.sh "$T"/man-*.sh)
tap_check "README has boot-loader recipes" test -e "$T/readme-01.sh"
tap_check "mkucode(8) STANZA has recipes" test -e "$T/man-01.sh"

mkdir bin
cat >bin/mkucode <<EOF
#!/bin/sh
# The verbs that read the machine read the fake one.
for a; do [ "\$a" = --root ] && exec "$MKUCODE" "\$@"; done
case \${1:-} in
list|verify|strip|extract|stanza) exec "$MKUCODE" "\$@" ;;
status|refresh) v=\$1; shift; exec "$MKUCODE" "\$v" --root "\$MACHINE" "\$@" ;;
esac
exec "$MKUCODE" --root "\$MACHINE" "\$@"
EOF
printf '#!/bin/sh\n[ "$1" = -r ] && echo %s || echo Linux\n' "$V" >bin/uname
printf '#!/bin/sh\nexit 0\n' >bin/update-grub
chmod +x bin/mkucode bin/uname bin/update-grub
ln -s "$GENERATOR" bin/mkucode-syslinux

# A fresh machine in $T/m-NAME.
machine() {
	local m=$T/m-$1
	rm -rf "$m" "$T/$1"
	tree "$1" 0x1
	mv "$T/$1" "$m"
	echo "kernel $V" >"$m/boot/vmlinuz-$V"
	cp main.cpio.gz "$m/boot/initrd.img-$V"
	echo "xen 4.17" >"$m/boot/xen-4.17-amd64.gz"
	mkdir -p "$m/grub.d" "$m/boot/grub"
	printf '#!/bin/sh\nexec tail -n +3 $0\n' >"$m/grub.d/40_custom"
	# The TFTP root: a machine of its own, its boot/ served as /srv/tftp.
	tree "$1-tftp" 0x1
	mv "$T/$1-tftp" "$m/tftp"
	echo "kernel $V" >"$m/tftp/boot/vmlinuz-$V"
	cp main.cpio.gz "$m/tftp/boot/initrd.img-$V"
	mk --prepend "$m/tftp/boot/initrd.img-$V" b4.bin
	mkdir -p "$m/tftp/boot/pxelinux.cfg" "$m/srv"
	ln -s "$m/tftp/boot" "$m/srv/tftp"
}

for r in "${recipes[@]}"; do
	name=${r##*/}
	name=${name%.sh}
	machine "$name"
	m=$T/m-$name
	RC=0
	MACHINE=$m PATH=$T/bin:$PATH "${MOUNT_NS[@]}" bash -c '
		set -e
		mount --bind "$1/boot" /boot
		mount --bind "$1/grub.d" /etc/grub.d
		mount --bind "$1/srv" /srv
		cd "$1"
		bash -e "$2"
	' _ "$m" "$r" >"$T/.stdout" 2>"$T/.out" || RC=$?
	desc="$name: runs (exit 0)"$'\n'"$(sed 's/^/  /' "$r")"
	if ((RC)); then
		tap notok "$desc"
		cat "$T/.stdout" "$T/.out" | tap_diag
		continue
	fi
	tap ok "$desc"
	# What it appended to 40_custom, or printed, as GRUB would read it; a
	# syslinux label it printed, as extlinux would.
	tail -n +3 "$m/grub.d/40_custom" >"$m/boot/grub/grub.cfg"
	if grep -q '^menuentry ' "$T/.stdout"; then
		cat "$T/.stdout" >>"$m/boot/grub/grub.cfg"
	elif grep -q '^LABEL ' "$T/.stdout"; then
		mkdir -p "$m/boot/extlinux"
		cp "$T/.stdout" "$m/boot/extlinux/extlinux.conf"
	fi
	if [[ -s $m/boot/grub/grub.cfg ]]; then
		tap_check "$name: the GRUB entries pass grub-script-check" \
			grub-script-check "$m/boot/grub/grub.cfg"
		tap_check "$name: one module2 line per file, no file among its arguments" \
			python3 -c 'import shlex, sys
for line in open(sys.argv[1]):
    w = shlex.split(line)
    if w and w[0] == "module2":
        w = [x for x in w[1:] if not x.startswith("--")]
        assert not [x for x in w[1:] if x.startswith("/")], line' "$m/boot/grub/grub.cfg"
	else
		rm -f "$m/boot/grub/grub.cfg"
	fi
	for tree in "$m" "$m/tftp"; do
		# Only a machine the recipe wrote a config for.
		cfgs=0
		for c in grub/grub.cfg extlinux/extlinux.conf pxelinux.cfg/default; do
			[[ ! -s $tree/boot/$c ]] || cfgs=$((cfgs + 1))
		done
		((cfgs)) || continue
		RC=0
		"$MKUCODE" status -q --root "$tree" >"$T/.out" 2>&1 || RC=$?
		tap_check "$name: mkucode status --root ${tree#"$T"/}: exit 0 (status said $RC)" \
			test "$RC" -eq 0
		((RC == 0)) || tap_diag <"$T/.out"
	done
done

tap_done

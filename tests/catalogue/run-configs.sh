#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Malformed configurations through the real binary: boot-loader configs
# (grub.cfg, BLS entries, extlinux/syslinux, pxelinux) read by `status` and
# mkucode.conf read by every verb.
#
#   run-configs.sh MKUCODE
#
# Each case is a /boot tree with one current kernel and one broken file.
# `mkucode status -q --root TREE` (and, for mkucode.conf, `refresh -q` and a
# build) must exit 1, print exactly one line on standard error naming the
# file, the line and the problem (the text of the table below), and leave
# the tree as it was: the same listing and the same sha256 of every file.
# Output is TAP (tests/lib/tap.sh).

set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=../lib/suite.sh
. "$(dirname "$(realpath "$0")")/../lib/suite.sh"
suite_args MKUCODE -- "$@"
suite_tmpdir

# name | file under the tree | its bytes (printf format) | the one message
TABLE='grub-unclosed|boot/grub/grub.cfg|menuentry "Debian" {\n\tlinux /vmlinuz-6.1\n|boot/grub/grub.cfg: offset 0: line 1: `menuentry` without its `}`
grub-quote|boot/grub/grub.cfg|set root="hd0\nmenuentry x {\n}\n|boot/grub/grub.cfg: offset 0x9: line 1: a "..." quote that does not end
grub-nul|boot/grub/grub.cfg|menuentry x {\n\0}\n|boot/grub/grub.cfg: offset 0xe: line 2: a NUL byte: not a text file
bls-no-path|boot/loader/entries/a.conf|title x\nlinux\n|boot/loader/entries/a.conf: offset 0x8: line 2: `linux` without a path
bls-nothing|boot/loader/entries/a.conf|title x\noptions quiet\n|boot/loader/entries/a.conf: no `linux`, `efi` or `uki` line: not a boot entry
extlinux-kernel|boot/extlinux/extlinux.conf|LABEL a\n KERNEL\n|boot/extlinux/extlinux.conf: offset 0x8: line 2: KERNEL without a file
pxelinux-initrd|srv/tftp/pxelinux.cfg/default|LABEL a\n KERNEL vmlinuz\n INITRD a,,b\n|srv/tftp/pxelinux.cfg/default: offset 0x18: line 3: an empty name in the initrd list of `a,,b`
conf-key|etc/mkucode.conf|cpus = 06-8c-01\n|etc/mkucode.conf: line 1: unknown key '"'"'cpus'"'"'
conf-value|etc/mkucode.conf.d/10-x.conf|select = some\n|etc/mkucode.conf.d/10-x.conf: line 1: select: '"'"'some'"'"' is neither all nor host'

# A tree with one current kernel: the broken file is all that is wrong.
tree() {
	mkdir -p "$1/boot" "$1/etc"
	echo kernel >"$1/boot/vmlinuz-6.1"
	printf '\x1f\x8b\x08\0\0\0\0\0\0\3\3\0\0\0\0\0\0\0\0\0' >"$1/boot/initrd.img-6.1"
}

snapshot() { (cd "$1" && find . -printf '%p %y %m %s\n' | sort && find . -type f -exec sha256sum {} + | sort); }

# one CASE DIR MESSAGE ARGS...: exit 1, the one message, nothing changed
one() {
	local name=$1 dir=$2 want=$3 rc=0 before
	shift 3
	before=$(snapshot "$dir")
	"$MKUCODE" "$@" >"$T/.out" 2>"$T/.err" || rc=$?
	if [[ $rc -eq 1 ]] && [[ $(wc -l <"$T/.err") -eq 1 ]] &&
		[[ $(cat "$T/.err") == "mkucode: $want" ]] &&
		[[ $(snapshot "$dir") == "$before" ]]; then
		tap ok "$name"
	else
		tap notok "$name"
		{
			echo "exit $rc; want: mkucode: $want"
			cat "$T/.err"
		} | tap_diag
	fi
}

while IFS='|' read -r name file bytes message; do
	dir=$T/$name
	tree "$dir"
	mkdir -p "$(dirname "$dir/$file")"
	# shellcheck disable=SC2059 # the table's bytes are a printf format
	printf "$bytes" >"$dir/$file"
	# Messages name files as found under --root: DIR/...
	one "status: $name" "$name" "$name/$message" \
		status -q --root "$name" --cpu 0x806c1,0x80
	case $file in
	etc/*)
		one "refresh: $name" "$name" "$name/$message" \
			refresh -q --root "$name"
		one "build: $name" "$name" "$name/$message" \
			-q --root "$name" -o "$name/out.cpio"
		;;
	esac
done <<<"$TABLE"

tap_done

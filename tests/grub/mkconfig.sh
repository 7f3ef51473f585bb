#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# tests/grub/mkconfig.sh - run the real grub-mkconfig on a test /boot and
# /etc/default, in a private mount namespace: this machine's /boot, /etc
# and /usr are never written.
#
# Usage:
#   mkconfig.sh --boot DIR --default DIR [--grub-d DIR] [--grub-common ROOT]
#               [--mkucode BUILD] [--path DIR]... [--env NAME=VALUE]... -o FILE
#
#   --boot DIR         bound over /boot (kernels, initrds, xen-*.gz, config-V);
#                      DIR/grub is made if missing
#   --default DIR      bound over /etc/default (grub, grub.d/*.cfg)
#   --grub-d DIR       bound over /etc/grub.d (default: this machine's)
#   --grub-common ROOT an unpacked grub-common (dpkg-deb -x): its
#                      usr/sbin/grub-mkconfig and usr/share/grub run instead
#                      of the installed ones (its etc/grub.d is not used
#                      unless given as --grub-d)
#   --mkucode BUILD    with mkucode's GRUB files from the meson build
#                      directory BUILD (meson install --tags grub --destdir
#                      into a scratch directory): zz-mkucode.cfg added to
#                      a copy of the --default tree, 25_mkucode to a copy
#                      of the grub.d tree, BUILD/mkucode/mkucode on PATH
#                      as mkucode; the given trees are not changed
#   --path DIR         put DIR in front of PATH (where `mkucode` is found)
#   --env NAME=VALUE   set in grub-mkconfig's environment
#   -o FILE            the generated grub.cfg (grub-mkconfig -o FILE)
#
# For example (as root), what update-grub would write for a test tree:
#   tests/grub/mkconfig.sh --boot T/boot --default T/etc/default \
#       --mkucode build -o T/boot/grub/grub.cfg
#
# grub-probe and grub-mkrelpath are replaced by the stand-ins beside this
# script (grub-probe's answers can be set with --env MKCONFIG_PROBE_<TARGET>=...,
# see grub-probe here), bound over /usr/sbin/grub-probe and
# /usr/bin/grub-mkrelpath, which grub-mkconfig calls by those paths; by
# default one ext4 disk holds / and /boot.
# grub-mkconfig runs with LC_ALL=C and a minimal environment; its standard
# error is passed through; its exit status is this script's.  Exit 77 when
# the namespace cannot be made (not root, no unshare).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
prog=${0##*/}
die() { printf '%s: error: %s\n' "$prog" "$*" >&2; exit 1; }
usage() { sed -n '/^# Usage:/,/^# -o FILE/p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }

boot='' default='' grubd='' common='' out='' build=''
path_pre=''
envs=()
while [[ $# -gt 0 ]]; do
	case $1 in
	--boot) boot=$2; shift ;;
	--default) default=$2; shift ;;
	--grub-d) grubd=$2; shift ;;
	--grub-common) common=$2; shift ;;
	--mkucode) build=$2; shift ;;
	--path) path_pre=$path_pre${path_pre:+:}$(cd "$2" && pwd); shift ;;
	--env) [[ $2 == [A-Za-z_]*=* ]] || die "--env wants NAME=VALUE"; envs+=("$2"); shift ;;
	-o) out=$2; shift ;;
	*) usage ;;
	esac
	shift
done
[[ -n $boot && -n $default && -n $out ]] || usage
[[ -d $boot ]] || die "$boot: not a directory"
# Debian's 05_debian_theme works in /boot/grub and fails without it.
mkdir -p "$boot/grub"
[[ -d $default ]] || die "$default: not a directory"
[[ -z $grubd || -d $grubd ]] || die "$grubd: not a directory"

if [[ $(id -u) -ne 0 ]] || ! command -v unshare >/dev/null; then
	echo "$prog: needs root and unshare(1) for a private mount namespace" >&2
	exit 77
fi
for f in /usr/sbin/grub-mkconfig /usr/sbin/grub-probe /usr/bin/grub-mkrelpath; do
	[[ -e $f ]] || die "$f missing (install grub-common)"
done

abs() { (cd "$(dirname "$1")" && printf '%s/%s\n' "$(pwd)" "$(basename "$1")"); }
boot=$(cd "$boot" && pwd)
default=$(cd "$default" && pwd)
[[ -z $grubd ]] || grubd=$(cd "$grubd" && pwd)
out=$(abs "$out")
mkconfig=/usr/sbin/grub-mkconfig
pkgdatadir=/usr/share/grub
if [[ -n $common ]]; then
	common=$(cd "$common" && pwd)
	mkconfig=$common/usr/sbin/grub-mkconfig
	pkgdatadir=$common/usr/share/grub
	[[ -x $mkconfig && -r $pkgdatadir/grub-mkconfig_lib ]] ||
		die "$common holds no usr/sbin/grub-mkconfig and usr/share/grub/grub-mkconfig_lib"
fi

scratch=
trap '[[ -z $scratch ]] || rm -rf "$scratch"' EXIT
if [[ -n $build ]]; then
	build=$(cd "$build" && pwd)
	[[ -x $build/mkucode/mkucode ]] || die "$build: no mkucode/mkucode (not a built meson build directory?)"
	scratch=$(mktemp -d)
	meson install -C "$build" --no-rebuild --quiet --tags grub --destdir "$scratch/dest" >&2 ||
		die "meson install --tags grub failed"
	dropin=$(find "$scratch/dest" -path '*/default/grub.d/zz-mkucode.cfg')
	template=$(find "$scratch/dest" -path '*/grub.d/25_mkucode')
	[[ -f $dropin && -f $template ]] || die "meson install put no zz-mkucode.cfg / 25_mkucode"
	mkdir -p "$scratch/default" "$scratch/grub.d" "$scratch/bin"
	cp -a "$default/." "$scratch/default/"
	mkdir -p "$scratch/default/grub.d"
	cp "$dropin" "$scratch/default/grub.d/"
	cp -a "${grubd:-/etc/grub.d}/." "$scratch/grub.d/"
	cp -p "$template" "$scratch/grub.d/"
	ln -s "$build/mkucode/mkucode" "$scratch/bin/mkucode"
	default=$scratch/default
	grubd=$scratch/grub.d
	path_pre=$scratch/bin${path_pre:+:}$path_pre
fi

# The namespace's script: bind the trees, then exec grub-mkconfig.
# shellcheck disable=SC2016
inner='
set -e
boot=$1 default=$2 grubd=$3 here=$4 mkconfig=$5 out=$6
shift 6
mount --make-rprivate /
mount --bind "$boot" /boot
mount --bind "$default" /etc/default
[ -z "$grubd" ] || mount --bind "$grubd" /etc/grub.d
mount --bind "$here/grub-probe" /usr/sbin/grub-probe
mount --bind "$here/grub-mkrelpath" /usr/bin/grub-mkrelpath
exec env -i "$@" "$mkconfig" -o "$out"
'
unshare -m sh -c "$inner" sh "$boot" "$default" "$grubd" "$here" "$mkconfig" "$out" \
	PATH="${path_pre}${path_pre:+:}/usr/sbin:/usr/bin:/sbin:/bin" \
	LC_ALL=C HOME=/root pkgdatadir="$pkgdatadir" "${envs[@]}"

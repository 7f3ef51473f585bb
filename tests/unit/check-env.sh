#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The environment contract of lib/ucode_env.h is complete: the names it
# lists are exactly those tests/unit/env-minimal.h defines, each is used by
# the core, and every lib/ source compiles against that header with no
# header search path but lib/ and tests/unit/, for each architecture given,
# into an object that needs no symbol from outside.
# usage: check-env.sh SOURCE_ROOT CC NM READELF ARCH-FLAG MACHINE [CC-ARGS...]
set -eu
root=$1 cc=$2 nm=$3 readelf=$4 arch=$5 machine=$6
shift 6
env_h=$root/lib/ucode_env.h
minimal=$root/tests/unit/env-minimal.h
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# The documented list: the words after "types:", "constants:", "functions:".
sed -n 's/^ \*   \(types\|constants\|functions\): *//p' "$env_h" |
	tr -s ' ' '\n' | sed '/^$/d' | sort >"$tmp/documented"
# What the replacement defines: typedef names, macros, functions.
{
	sed -n 's/^typedef .* \([A-Za-z_][A-Za-z0-9_]*\);$/\1/p' "$minimal"
	sed -n 's/^#define \([A-Za-z_][A-Za-z0-9_]*\) .*/\1/p' "$minimal"
	sed -n 's/^static inline [^(]*[ *]\([A-Za-z_][A-Za-z0-9_]*\)(.*/\1/p' "$minimal"
} | sort >"$tmp/defined"
if [ "$(wc -l <"$tmp/documented")" -lt 10 ]; then
	echo "$env_h: no list of names found" >&2
	exit 1
fi
if ! diff -u "$tmp/documented" "$tmp/defined" >"$tmp/diff"; then
	echo "the names $env_h lists (-) and those $minimal defines (+) differ:" >&2
	cat "$tmp/diff" >&2
	exit 1
fi
# Each listed name is one the core really uses (the list is no wish list).
for name in $(cat "$tmp/documented"); do
	if ! find "$root/lib" -name '*.[ch]' ! -name ucode_env.h \
		-exec grep -qw "$name" {} + ; then
		echo "$env_h lists $name, which no lib/ source uses" >&2
		exit 1
	fi
done

# Compile every core source against it; -nostdinc: no libc header at all.
sources=$(sed -n "s/^  '\(.*\.c\)',\$/\1/p" "$root/lib/meson.build")
objs=
for src in $sources; do
	obj=$tmp/$(echo "$src" | tr / _).o
	"$cc" "$arch" -ffreestanding -nostdinc -fno-builtin -fno-stack-protector \
		-fno-pic -fno-tree-loop-distribute-patterns -O2 -Wall -Wextra -Werror \
		"$@" -I"$root/lib" -I"$root/tests/unit" \
		'-DUCODE_ENV_HEADER="env-minimal.h"' -c "$root/lib/$src" -o "$obj"
	objs="$objs $obj"
done
[ -n "$objs" ] || { echo "no sources in lib/meson.build" >&2; exit 1; }
# shellcheck disable=SC2086
"$cc" "$arch" -nostdlib -r -o "$tmp/core.o" $objs
sh "$root/tests/unit/check-freestanding.sh" "$nm" "$readelf" "$tmp/core.o" "$machine"

#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# check-man.sh MKUCODE MANPAGE
#
# The options `MKUCODE --help` lists and the options MANPAGE documents under
# OPTIONS (the tags of its .TP entries) must be the same set: every long
# option, and every short option that --help pairs with one ("-o, --output").
# Exit 0 when they agree, 1 (with the differences on stderr) when not,
# 2 on bad usage.
set -eu

prog=${0##*/}
[ $# -eq 2 ] || { echo "usage: $prog MKUCODE MANPAGE" >&2; exit 2; }
exe=$1 man=$2
[ -r "$man" ] || { echo "$prog: $man: cannot read" >&2; exit 2; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/check-man.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

help=$("$exe" --help) || { echo "$prog: '$exe --help' failed" >&2; exit 1; }

# --help: every --long anywhere (usage lines included), and -x of "-x, --long".
{
	printf '%s\n' "$help" | grep -oE -- '--[a-z][a-z0-9-]*'
	printf '%s\n' "$help" | grep -oE -- '(^|[[:space:]])-[[:alnum:]],' |
		tr -d ' \t,'
} | sort -u >"$tmp/help"

# The man page: the line after each .TP between ".SH OPTIONS" and the next
# .SH, with roff escapes undone (\- is a hyphen, \fX and \& are fonts/zero
# width); then every option on those tag lines.
awk '
	/^\.SH/ { in_opts = ($0 ~ /^\.SH "?OPTIONS"?[[:space:]]*$/); next }
	!in_opts { next }
	tag { print; tag = 0; next }
	/^\.TP/ { tag = 1 }
' "$man" |
	sed -e 's/\\-/-/g' -e 's/\\f[A-Z]//g' -e 's/\\f\[[A-Z]*\]//g' \
	    -e 's/\\&//g' -e 's/"//g' |
	grep -oE -- '(^|[^[:alnum:]-])--?[[:alnum:]][a-z0-9-]*' |
	sed -e 's/^[^-]*//' | sort -u >"$tmp/man"

[ -s "$tmp/help" ] || { echo "$prog: no options found in --help" >&2; exit 1; }
[ -s "$tmp/man" ] || { echo "$prog: no OPTIONS entries found in $man" >&2; exit 1; }

status=0
missing=$(comm -23 "$tmp/help" "$tmp/man")
extra=$(comm -13 "$tmp/help" "$tmp/man" || true)
if [ -n "$missing" ]; then
	echo "$prog: in --help but not under OPTIONS in $man:" >&2
	printf '%s\n' "$missing" | sed 's/^/  /' >&2
	status=1
fi
if [ -n "$extra" ]; then
	echo "$prog: under OPTIONS in $man but not in --help:" >&2
	printf '%s\n' "$extra" | sed 's/^/  /' >&2
	status=1
fi
[ $status -ne 0 ] || echo "$prog: $(wc -l <"$tmp/help") options agree"
exit $status

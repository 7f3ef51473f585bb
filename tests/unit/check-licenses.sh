#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# lib/ is dual-licensed so either kind of embedder may take it: every file
# there says so on its first line and includes only headers of lib/ (a
# GPL-only header would make the whole GPL-only); the command and its tests
# stay GPL-2.0-or-later; both licence texts are in LICENSES/.
# usage: check-licenses.sh SOURCE_ROOT
set -eu
cd "$1"
dual='SPDX-License-Identifier: GPL-2.0-or-later OR BSD-2-Clause'
gpl='SPDX-License-Identifier: GPL-2.0-or-later'
bad=0

for f in LICENSES/GPL-2.0-or-later.txt LICENSES/BSD-2-Clause.txt; do
	[ -s "$f" ] || { echo "$f: missing" >&2; bad=1; }
done
grep -q 'GNU GENERAL PUBLIC LICENSE' LICENSES/GPL-2.0-or-later.txt 2>/dev/null &&
grep -q 'Version 2, June 1991' LICENSES/GPL-2.0-or-later.txt ||
	{ echo "LICENSES/GPL-2.0-or-later.txt: not the GPL version 2 text" >&2; bad=1; }
grep -q 'Redistributions in binary form must reproduce' LICENSES/BSD-2-Clause.txt 2>/dev/null ||
	{ echo "LICENSES/BSD-2-Clause.txt: not the BSD 2-clause text" >&2; bad=1; }

for f in $(find lib -type f | sort); do
	if ! head -n 1 "$f" | grep -q "$dual\( \*/\)\{0,1\}\$"; then
		echo "$f: first line does not say '$dual'" >&2
		bad=1
	fi
	case "$f" in
	*.c|*.h)
		for inc in $(sed -n 's/^#[ \t]*include[ \t]*"\([^"]*\)".*/\1/p' "$f"); do
			[ -f "$(dirname "$f")/$inc" ] || [ -f "lib/$inc" ] || {
				echo "$f: includes \"$inc\", which is not in lib/" >&2
				bad=1
			}
		done
		if grep -q '^#[ \t]*include[ \t]*<' "$f" &&
		   [ "$f" != lib/ucode_env.h ]; then
			echo "$f: includes a system header; only ucode_env.h may" >&2
			bad=1
		fi ;;
	esac
done

for f in $(find mkucode -name '*.[ch]' | sort); do
	if ! head -n 1 "$f" | grep -q "$gpl\( \*/\)\{0,1\}\$"; then
		echo "$f: first line does not say '$gpl'" >&2
		bad=1
	fi
done
grep -q "license *: *\[.*'GPL-2.0-or-later OR BSD-2-Clause'" meson.build ||
	{ echo "meson.build: license does not name lib/'s dual licence" >&2; bad=1; }
[ $bad = 0 ] && echo "licences: lib/ dual, the command GPL-2.0-or-later"
exit $bad

# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=sh
# tests/lib/tap.sh - TAP for the shell suites; POSIX sh, so bash too.
#
#   . tests/lib/tap.sh
#   tap ok|notok DESCRIPTION [DIRECTIVE]   one test line; DIRECTIVE is
#                                          "SKIP why" or "TODO why", and a
#                                          not-ok line with one is no failure
#   tap_check DESCRIPTION COMMAND...       ok when COMMAND succeeds, else
#                                          not ok with its output as comments
#   tap_diag                               standard input as "# " comments
#   tap_done                               the plan; status 0 when every test
#                                          passed, 1 when one failed or none ran
#   tap_skip_all WHY                       instead of any test: the plan 1..0
#                                          with the reason; status 0
#
# A DESCRIPTION of several lines keeps its first on the test line and prints
# the rest as comments.  NTEST and NFAIL count tests and failures.

NTEST=0
NFAIL=0
_tap_nl='
'

tap_diag() { sed 's/^/# /'; }

tap() {
	NTEST=$((NTEST + 1))
	_tap_line="ok $NTEST"
	if [ "$1" != ok ]; then
		_tap_line="not ok $NTEST"
		[ -n "${3:-}" ] || NFAIL=$((NFAIL + 1))
	fi
	_tap_line="$_tap_line - ${2%%"$_tap_nl"*}"
	[ -z "${3:-}" ] || _tap_line="$_tap_line # $3"
	printf '%s\n' "$_tap_line"
	case $2 in
	*"$_tap_nl"*) printf '%s\n' "${2#*"$_tap_nl"}" | tap_diag ;;
	esac
}

tap_check() {
	_tap_desc=$1
	shift
	if _tap_out=$("$@" 2>&1); then
		tap ok "$_tap_desc"
	else
		tap notok "$_tap_desc"
		[ -z "$_tap_out" ] || printf '%s\n' "$_tap_out" | tap_diag
	fi
}

tap_done() {
	echo "1..$NTEST"
	[ "$NFAIL" -eq 0 ] && [ "$NTEST" -gt 0 ]
}

tap_skip_all() {
	echo "1..0 # SKIP $*"
}

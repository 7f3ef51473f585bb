# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
# tests/lib/suite.sh - the prologue and golden transcripts of the bash
# suites (it sources tap.sh: tap, tap_check, tap_done are there).
#
#   . "$(dirname "$(realpath "$0")")/../lib/suite.sh"
#   suite_args WORD... -- "$@"   the command line.  WORDs are the usage:
#                                "[--update]" takes a leading --update
#                                (UPDATE=1, else empty); NAME a path, set to
#                                its realpath; "[NAME]" one that may be left
#                                out (default: the script's directory).
#                                GOLDEN=$SRCDIR/golden.  Usage: exit 2
#   suite_need TOOL...           the whole suite skipped without one
#   suite_skip WHY               the plan 1..0 with the reason; exit 0
#   suite_tmpdir [NAME]          T, a fresh directory (NAME.XXXXXX), removed
#                                on exit unless KEEP is set; cd there; the
#                                environment that changes what mkucode
#                                prints (SOURCE_DATE_EPOCH, locale, zone)
#                                fixed
#   suite_mount_ns               MOUNT_NS, the command that runs the rest of
#                                its words in a private mount namespace
#                                (unshare -m as root, else -r -m: root in a
#                                user namespace only); skip without one
#   in_dir DIR CMD...            CMD run in DIR (in a subshell)
#   transcript HEADER CMD...     CMD run, standard output in $T/.out, error
#                                in $T/.err, status in RC; prints HEADER,
#                                the output, "[stderr]" and the error when
#                                there is any, "[exit RC]"
#   golden_check NAME FILE DESC  the test DESC: FILE is golden/NAME; with
#                                --update, FILE becomes golden/NAME
#
# HERE is the script's directory, TESTS_LIB this one's (exported, for the
# Python helpers).

HERE=$(dirname "$(realpath "$0")")
TESTS_LIB=$(dirname "$(realpath "${BASH_SOURCE[0]}")")
export TESTS_LIB
# shellcheck source=tap.sh
. "$TESTS_LIB/tap.sh"

suite_args() {
	local -a words=() args
	local usage word min=0 max=0 i
	while [[ $1 != -- ]]; do
		words+=("$1")
		shift
	done
	shift
	usage="usage: $0 ${words[*]}"
	UPDATE=
	if [[ ${words[0]} == "[--update]" ]]; then
		words=("${words[@]:1}")
		if [[ ${1:-} == --update ]]; then
			UPDATE=1
			shift
		fi
	fi
	for word in "${words[@]}"; do
		[[ $word == "["* ]] || min=$((min + 1))
		max=$((max + 1))
	done
	if (($# < min || $# > max)); then
		echo "$usage" >&2
		exit 2
	fi
	args=("$@")
	for i in "${!words[@]}"; do
		word=${words[i]}
		if [[ $word == "["* ]]; then
			word=${word#[}
			word=${word%]}
			printf -v "$word" %s "$(realpath "${args[i]:-$HERE}")"
		else
			printf -v "$word" %s "$(realpath "${args[i]}")"
		fi
	done
	GOLDEN=${SRCDIR:-$HERE}/golden
}

suite_skip() {
	tap_skip_all "$*"
	exit 0
}

suite_need() {
	local tool
	for tool in "$@"; do
		command -v "$tool" >/dev/null || suite_skip "$tool not found"
	done
}

# shellcheck disable=SC2120 # NAME is optional
suite_tmpdir() {
	T=$(mktemp -d "${TMPDIR:-/tmp}/${1:-tmp}.XXXXXXXXXX")
	if [[ -n ${KEEP:-} ]]; then
		echo "# kept: $T"
	else
		# chmod: a case may leave a directory read-only.
		trap 'chmod -R u+w "$T" 2>/dev/null; rm -rf "$T"' EXIT
	fi
	cd "$T" || exit 1
	unset SOURCE_DATE_EPOCH
	export LC_ALL=C TZ=UTC
}

suite_mount_ns() {
	MOUNT_NS=(unshare -m --propagation private)
	[[ $(id -u) -eq 0 ]] || MOUNT_NS=(unshare -r -m --propagation private)
	"${MOUNT_NS[@]}" true 2>/dev/null ||
		suite_skip "cannot make a mount namespace (${MOUNT_NS[*]})"
}

in_dir() { (cd "$1" && shift && "$@"); }

transcript() {
	local header=$1
	shift
	RC=0
	"$@" >"$T/.out" 2>"$T/.err" || RC=$?
	printf '%s\n' "$header"
	cat "$T/.out"
	if [[ -s $T/.err ]]; then
		echo "[stderr]"
		cat "$T/.err"
	fi
	echo "[exit $RC]"
}

golden_check() {
	local name=$1 got=$2 desc=$3
	if [[ -n $UPDATE ]]; then
		mkdir -p "$GOLDEN"
		cp "$got" "$GOLDEN/$name"
		tap ok "$desc (golden updated)"
	elif diff -u "$GOLDEN/$name" "$got" >"$T/.diff" 2>&1; then
		tap ok "$desc"
	else
		tap notok "$desc"
		tap_diag <"$T/.diff"
	fi
}

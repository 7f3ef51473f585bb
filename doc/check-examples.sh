#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# check-examples.sh MKUCODE UCGEN MANPAGE
#
# Runs the shell recipes of MANPAGE's EXAMPLES on a fake Debian 12 machine
# and boots the result the way GRUB 2.06's generated entries would, so a
# recipe that leaves a machine without microcode, or without a working Xen
# entry, fails here.
#
# The machine: one Intel CPU 06-9e-0a (pf bit 1) whose initrd carries
# Debian's older microcode (rev 0xf4) in an early cpio in front of a gzip
# initramfs, newer microcode (rev 0xf8) in the firmware directory, a
# kernel, Xen, /etc/default/grub and Debian's commented /etc/default/grub.d/
# xen.cfg.  Each .EX block whose first word is a shell command (not a
# boot-loader stanza line) runs in turn under bash, with /boot, /etc, /lib,
# /usr and /var moved into the fake root; `mkucode` reads the fake CPU
# (--root) and the fake firmware, and uname, update-grub and
# update-initramfs are stand-ins.
#
# Then, as GRUB 2.06's grub-mkconfig would: the configuration is sourced
# (GRUB_EARLY_INITRD_LINUX_STOCK first, /etc/default/grub, grub.d/*.cfg); the
# early images are the STOCK and CUSTOM names present in /boot.
#   Linux entry: early images then the initrd, each padded to 4 bytes, is
#     what the kernel gets; every loader of `mkucode verify` must load 0xf8
#     from it, with exit 0.
#   Xen entries (20_linux_xen): 2.06 writes all images on one module line,
#     so dom0's module is the first of them, and it must be the initrd
#     itself; the normal entry's command line is GRUB_CMDLINE_XEN plus
#     GRUB_CMDLINE_XEN_DEFAULT, the recovery entry's GRUB_CMDLINE_XEN alone;
#     both must say ucode=scan (generated entries carry no raw module), and
#     Xen 4.17 and newer must load 0xf8 from that module.
# Exit 0 when all hold, 1 (saying what broke) when not, 2 on bad usage.
set -euo pipefail

prog=${0##*/}
[[ $# -eq 3 ]] || { echo "usage: $prog MKUCODE UCGEN MANPAGE" >&2; exit 2; }
mk=$(realpath "$1") ucgen=$(realpath "$2") man=$3
[[ -r $man ]] || { echo "$prog: $man: cannot read" >&2; exit 2; }

T=$(mktemp -d "${TMPDIR:-/tmp}/check-examples.XXXXXX")
trap 'rm -rf "$T"' EXIT
root=$T/root host=$T/host bin=$T/bin
kver=6.1.0-40-amd64 sig=0x906ea old=0xf4 new=0xf8
initrd=$root/boot/initrd.img-$kver
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

# ------------------------------------------------------------- the machine

mkdir -p "$root"/{boot,etc/default/grub.d,lib/firmware/intel-ucode} \
	"$host/proc" "$host/sys/devices/system/cpu/cpu0/microcode" "$T/old" "$T/main" "$T/cwd"
echo 0 >"$host/sys/devices/system/cpu/online"
echo 0x1 >"$host/sys/devices/system/cpu/cpu0/microcode/version"
echo 0x2 >"$host/sys/devices/system/cpu/cpu0/microcode/processor_flags"
cat >"$host/proc/cpuinfo" <<EOF
processor	: 0
vendor_id	: GenuineIntel
cpu family	: 6
model		: 158
model name	: Synthetic CPU
stepping	: 10
microcode	: 0x1
flags		: fpu vme de pse tsc msr

EOF
"$ucgen" intel --sig $sig --pf 0x22 --rev $old -o "$T/old/06-9e-0a"
"$ucgen" intel --sig $sig --pf 0x22 --rev $new -o "$root/lib/firmware/intel-ucode/06-9e-0a"
"$mk" -q -o "$T/debian-early.cpio" "$T/old"
echo 'echo init' >"$T/main/init"
"$ucgen" cpio -o "$T/main.cpio" "init=$T/main/init"
{ cat "$T/debian-early.cpio"; gzip -n -c "$T/main.cpio"; } >"$initrd"
printf 'kernel\n' >"$root/boot/vmlinuz-$kver"
printf 'xen\n' >"$root/boot/xen-4.17-amd64.gz"
cat >"$root/etc/default/grub" <<'EOF'
GRUB_DEFAULT=0
GRUB_TIMEOUT=5
GRUB_DISTRIBUTOR=`lsb_release -i -s 2> /dev/null || echo Debian`
GRUB_CMDLINE_LINUX_DEFAULT="quiet"
GRUB_CMDLINE_LINUX=""
EOF
cat >"$root/etc/default/grub.d/xen.cfg" <<'EOF'
#XEN_OVERRIDE_GRUB_DEFAULT=0
#GRUB_CMDLINE_XEN_DEFAULT=""
#GRUB_CMDLINE_XEN=""
EOF

mkdir -p "$bin"
cat >"$bin/mkucode" <<EOF
#!/bin/sh
# Every verb reads the fake CPU; a build also reads the fake firmware.
case \${1:-} in
verify) shift; exec "$mk" verify --root "$host" "\$@" ;;
list|strip|extract) exec "$mk" "\$@" ;;
esac
exec "$mk" --root "$host" "\$@" "$root/lib/firmware"
EOF
printf '#!/bin/sh\n[ "$1" = -r ] && echo %s || echo Linux\n' "$kver" >"$bin/uname"
printf '#!/bin/sh\nexit 0\n' >"$bin/update-grub"
cp "$bin/update-grub" "$bin/grub-mkconfig"
cp "$bin/update-grub" "$bin/update-initramfs"
chmod +x "$bin"/*

# ------------------------------------------------------------- the recipes

# The .EX blocks of EXAMPLES, roff escapes undone, one file each.
awk -v dir="$T" '
	/^\.SH/ { in_ex = ($0 ~ /^\.SH "?EXAMPLES"?[[:space:]]*$/); next }
	!in_ex { next }
	/^\.EX/ { n++; f = sprintf("%s/block-%02d", dir, n); printf "" >f; next }
	/^\.EE/ { close(f); f = ""; next }
	f != "" { print >>f }
' "$man"
blocks=("$T"/block-*)
[[ -e ${blocks[0]} ]] || { echo "$prog: no .EX blocks under EXAMPLES in $man" >&2; exit 1; }

ran=0
for b in "${blocks[@]}"; do
	sed -i -e 's/\\-/-/g' -e "s/\\\\(aq/'/g" -e 's/\\(dq/"/g' -e 's/\\&//g' \
		-e 's/\\e/\\/g' "$b"
	first=$(awk 'NF { print $1; exit }' "$b")
	case $first in
	menuentry|multiboot|multiboot2|module|module2|linux|initrd|LABEL|KERNEL|APPEND|DEFAULT)
		continue ;; # a boot-loader stanza, not a shell recipe
	esac
	sed -i -E "s#(^|[[:space:]\"'=>(])/(boot|etc|lib|usr|var)(/|[[:space:]]|\$)#\\1$root/\\2\\3#g" "$b"
	# Never let a path the rewrite missed reach the real system.
	if sed "s#$root/##g" "$b" | grep -qE '(^|[^[:alnum:]_.-])/(boot|etc|lib|usr|var)([^[:alnum:]_.-]|$)'; then
		fail "${b##*/}: a path under /boot, /etc, /lib, /usr or /var this test cannot move: not run"
		continue
	fi
	echo "# recipe ${b##*/}:"
	sed 's/^/#   /' "$b"
	(cd "$T/cwd" && PATH=$bin:$PATH bash "$b") >"$T/out" 2>&1 ||
		echo "#   (exit $?)"
	sed 's/^/#   | /' "$T/out"
	ran=$((ran + 1))
done
((ran)) || fail "no shell recipe under EXAMPLES"

# ------------------------------------------------------------- GRUB 2.06

# loads FILE: verify's exit status and JSON for the fake CPU, as lines
# "status N" then "KEY REV" per loader (REV decimal, or None for null).
loads() {
	local rc=0
	"$bin/mkucode" verify --json --host "$1" >"$T/v.json" 2>"$T/v.err" || rc=$?
	echo "status $rc"
	python3 -c 'import json, sys
for cpu in json.load(open(sys.argv[1])):
    for k in ("linux_6_1", "linux", "xen_4_17", "xen"):
        print(k, cpu[k])' "$T/v.json" 2>/dev/null || true
}
want_loads() { # ENTRY FILE KEY...: each loader KEY loads $new from FILE, exit 0
	local entry=$1 file=$2 got
	shift 2
	got=$(loads "$file")
	[[ $got == "status 0"* ]] ||
		fail "$entry: mkucode verify ${file#"$T"/}: exit ${got%%$'\n'*}: $(cat "$T/v.err")"
	for k; do
		[[ $got == *"$k $((new))"* ]] ||
			fail "$entry: $k does not load $new from ${file#"$T"/}: $(grep "^$k " <<<"$got")"
	done
}

early=() xen_normal='' xen_recovery='' # set by the eval
eval "$(
	set +u # as grub-mkconfig sources them
	GRUB_EARLY_INITRD_LINUX_STOCK="intel-uc.img intel-ucode.img amd-uc.img amd-ucode.img early_ucode.cpio microcode.cpio"
	# shellcheck disable=SC1090,SC1091
	. "$root/etc/default/grub"
	for f in "$root"/etc/default/grub.d/*.cfg; do
		# shellcheck disable=SC1090
		[[ -e $f ]] && . "$f"
	done
	early=()
	for n in $GRUB_EARLY_INITRD_LINUX_STOCK ${GRUB_EARLY_INITRD_LINUX_CUSTOM:-}; do
		[[ -e $root/boot/$n ]] && early+=("$root/boot/$n")
	done
	declare -p early
	printf 'xen_normal=%q\nxen_recovery=%q\n' \
		"${GRUB_CMDLINE_XEN:-} ${GRUB_CMDLINE_XEN_DEFAULT:-}" "${GRUB_CMDLINE_XEN:-}"
)"
images=("${early[@]}" "$initrd")
echo "# GRUB 2.06: images ${images[*]#"$root"}; Xen: \"$xen_normal\", recovery \"$xen_recovery\""

# What the Linux entry hands the kernel: the images back to back, 4-aligned.
for f in "${images[@]}"; do
	cat "$f"
	head -c $(((4 - $(stat -c %s "$f") % 4) % 4)) /dev/zero
done >"$T/linux-initrd"
want_loads "Linux entry" "$T/linux-initrd" linux_6_1 linux

# The Xen entries: one module line, only its first file loaded, for dom0.
dom0=${images[0]}
if [[ $dom0 != "$initrd" ]]; then
	fail "Xen entries: GRUB 2.06 writes 'module2 --nounzip ${images[*]#"$root"}': dom0 gets ${dom0#"$root"} as its initrd, not ${initrd#"$root"}"
fi
for entry in normal recovery; do
	var=xen_$entry
	[[ " ${!var} " == *" ucode=scan "* ]] ||
		fail "Xen $entry entry: its command line \"${!var}\" has no ucode=scan: Xen ignores the microcode"
done
want_loads "Xen entry" "$dom0" xen_4_17 xen

if ((fails)); then
	echo "$prog: $fails problem(s) with the EXAMPLES of $man"
	exit 1
fi
echo "$prog: $ran recipes: the Linux and the Xen entries get microcode $new"

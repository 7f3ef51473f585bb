#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The Debian package: dpkg-buildpackage -b -us -uc on a copy of the source
# tree (never in it) makes ONE binary package, mkucode, that holds every
# integration at its distribution path, the firmware triggers and the
# conffiles; its postinst refreshes on configure and triggered and never
# fails on mkucode's account.
#   run-packaging.sh SOURCE-ROOT
set -u
src=$(cd "$1" && pwd)
. "$src/tests/lib/tap.sh"

for p in dpkg-buildpackage dpkg-deb dh; do
	command -v "$p" >/dev/null 2>&1 || { tap_skip_all "$p not found (./setup installs it)"; exit 77; }
done

work=$(mktemp -d "${TMPDIR:-/tmp}/mkucode-deb.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir "$work/src"
# The tree as committed plus what is not ignored: no build directories.
if git -C "$src" rev-parse --git-dir >/dev/null 2>&1; then
	git -C "$src" ls-files -co --exclude-standard -z |
		(cd "$src" && tar --null -T - -cf -) | tar -C "$work/src" -xf -
else
	tar -C "$src" --exclude='./build*' -cf - . | tar -C "$work/src" -xf -
fi

if (cd "$work/src" && DEB_BUILD_OPTIONS="parallel=$(nproc)" \
	dpkg-buildpackage -b -us -uc) >"$work/build.log" 2>&1; then
	tap ok "dpkg-buildpackage -b -us -uc builds in a copy of the tree"
else
	tap notok "dpkg-buildpackage -b -us -uc builds in a copy of the tree"
	tail -40 "$work/build.log" | tap_diag
	tap_done
	exit 1
fi

tap_check "the build's test step runs the unit and cli suites only" \
	grep -q 'meson test --suite unit --suite cli' "$work/build.log"

# shellcheck disable=SC2012
debs=$(cd "$work" && ls -- *.deb 2>/dev/null | tr '\n' ' ')
deb=$(echo "$work"/mkucode_*.deb)
tap_check "one binary package, mkucode (built: $debs)" \
	test "$debs" = "${deb##*/} "
tap_check "the source tree is untouched: no debian/mkucode, no obj-* in it" \
	sh -c '! ls -d "$1"/debian/mkucode "$1"/obj-* 2>/dev/null | grep -q .' _ "$src"

dpkg-deb -c "$deb" | awk '{ print $1, $NF }' >"$work/contents"
for f in \
	'-rwxr-xr-x ./usr/sbin/mkucode' \
	'-rw-r--r-- ./etc/mkucode.conf' \
	'-rwxr-xr-x ./usr/lib/dracut/modules.d/90mkucode/module-setup.sh' \
	'-rwxr-xr-x ./usr/share/initramfs-tools/hooks/mkucode' \
	'-rwxr-xr-x ./etc/kernel/postinst.d/zy-mkucode' \
	'-rwxr-xr-x ./usr/lib/kernel/install.d/91-mkucode.install' \
	'-rw-r--r-- ./etc/default/grub.d/zz-mkucode.cfg' \
	'-rwxr-xr-x ./etc/grub.d/25_mkucode' \
	'-rwxr-xr-x ./usr/sbin/mkucode-syslinux' \
	'-rw-r--r-- ./usr/share/man/man8/mkucode.8.gz' \
	'-rw-r--r-- ./usr/share/man/man5/mkucode.conf.5.gz'; do
	tap_check "dpkg-deb -c: $f" grep -qxF -- "$f" "$work/contents"
done
tap_check "dpkg-deb -c: no pacman hook in the Debian package" \
	sh -c '! grep -q libalpm "$1"' _ "$work/contents"

mkdir "$work/ctl"
dpkg-deb -e "$deb" "$work/ctl"
tap_check "dpkg-deb -I: the package is mkucode" \
	sh -c 'dpkg-deb -I "$1" | grep -qx " Package: mkucode"' _ "$deb"
expect_triggers='interest-noawait /lib/firmware/intel-ucode
interest-noawait /lib/firmware/amd-ucode
interest-noawait /usr/lib/firmware/intel-ucode
interest-noawait /usr/lib/firmware/amd-ucode'
tap_check "dpkg-deb -I triggers: one interest-noawait line per firmware directory" \
	test "$(dpkg-deb -I "$deb" triggers | grep '^interest')" = "$expect_triggers"
# The GRUB files stay after dpkg -r too: both do nothing without mkucode.
tap_check "conffiles: /etc/mkucode.conf, the GRUB files and the kernel hook (kept by dpkg -r)" \
	test "$(LC_ALL=C sort "$work/ctl/conffiles")" = "/etc/default/grub.d/zz-mkucode.cfg
/etc/grub.d/25_mkucode
/etc/kernel/postinst.d/zy-mkucode
/etc/mkucode.conf"

# The postinst with a mkucode stub: refresh on configure and on triggered,
# and a failing refresh is a warning, not a failed package.
mkdir -p "$work/bin"
cat >"$work/bin/mkucode" <<'STUB'
#!/bin/sh
echo "$*" >>"$MKUCODE_STUB_LOG"
exit "${MKUCODE_STUB_EXIT:-0}"
STUB
chmod +x "$work/bin/mkucode"
log=$work/stub.log
run_postinst() {
	: >"$log"
	PATH="$work/bin:$PATH" MKUCODE_STUB_LOG=$log MKUCODE_STUB_EXIT=$1 \
		sh "$work/ctl/postinst" "${@:2}" >"$work/out" 2>"$work/err"
}
run_postinst 0 triggered "/lib/firmware/intel-ucode /usr/lib/firmware/amd-ucode"; rc=$?
tap_check "postinst triggered: exit 0, mkucode refresh run once" \
	sh -c '[ "$1" -eq 0 ] && [ "$(cat "$2")" = "refresh -q" ]' _ "$rc" "$log"
run_postinst 1 triggered "/lib/firmware/intel-ucode"; rc=$?
tap_check "postinst triggered, refresh failing: exit 0 and a warning on stderr" \
	sh -c '[ "$1" -eq 0 ] && grep -q "^mkucode: warning: .mkucode refresh. failed (triggered by /lib/firmware/intel-ucode)" "$2"' _ "$rc" "$work/err"
if [ -d /lib/firmware/intel-ucode ] || [ -d /lib/firmware/amd-ucode ] ||
   [ -d /usr/lib/firmware/intel-ucode ] || [ -d /usr/lib/firmware/amd-ucode ]; then
	run_postinst 1 configure ""; rc=$?
	tap_check "postinst configure, refresh failing: exit 0, refresh run, a warning" \
		sh -c '[ "$1" -eq 0 ] && [ "$(cat "$2")" = "refresh -q" ] && grep -q "^mkucode: warning:" "$3"' _ "$rc" "$log" "$work/err"
else
	run_postinst 1 configure ""; rc=$?
	tap_check "postinst configure without vendor firmware: exit 0, nothing run" \
		sh -c '[ "$1" -eq 0 ] && [ ! -s "$2" ] && [ ! -s "$3" ]' _ "$rc" "$log" "$work/err"
fi
PATH=/usr/bin:/bin sh "$work/ctl/postinst" triggered /lib/firmware/intel-ucode >"$work/out" 2>"$work/err"; rc=$?
tap_check "postinst without mkucode on PATH: exit 0, silent" \
	sh -c '[ "$1" -eq 0 ] && [ ! -s "$2" ] && [ ! -s "$3" ]' _ "$rc" "$work/out" "$work/err"
tap_done

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The kernel hooks:
#  - packaging/kernel/postinst.d/zy-mkucode, run as kernel packages run it
#    (run-parts --exit-on-error --arg=VERSION --arg=IMAGE), its place in
#    run-parts' order against the generators' and boot loaders' hooks;
#  - packaging/kernel-install/91-mkucode.install, run by this machine's real
#    kernel-install (systemd 252) among its real plugins, bls layout, with a
#    test /boot, ESP and /etc/kernel;
#  - debian/mkucode.postinst "triggered" with the real mkucode: every
#    installed kernel's initrd refreshed.
# In a private mount namespace (unshare -m): test trees over /boot,
# /lib/firmware and /usr/lib/kernel/install.d; nothing of this machine's
# changes.  Failures: a mkucode stub exiting 1 and a corrupted firmware
# file with the real mkucode leave the image byte-identical, exit 0, warn.
#   run-kernel-hooks.sh SOURCE-ROOT MKUCODE UCGEN
set -u
src=$(cd "$1" && pwd)
mkucode=$(cd "$(dirname "$2")" && pwd)/$(basename "$2")
ucgen=$(realpath "$3")
# shellcheck source=../lib/suite.sh
. "$src/tests/lib/suite.sh"
hook=$src/packaging/kernel/postinst.d/zy-mkucode
plugin=$src/packaging/kernel-install/91-mkucode.install

if [ "${4:-}" != --inner ]; then
	for p in run-parts kernel-install unshare; do
		command -v "$p" >/dev/null 2>&1 || suite_skip "$p not found (./setup)"
	done
	[ -d /usr/lib/kernel/install.d ] && [ -d /boot ] ||
		suite_skip "no /usr/lib/kernel/install.d or /boot to mount over"
	suite_mount_ns
	exec "${MOUNT_NS[@]}" bash "$0" "$@" --inner
fi

suite_tmpdir mkucode-khooks
V=6.1.0-99-amd64

mkdir -p "$T/bin" "$T/stubbin" "$T/fw/intel-ucode" "$T/fw/amd-ucode" "$T/boot"
ln -s "$mkucode" "$T/bin/mkucode"
printf '#!/bin/sh\nexit 1\n' >"$T/stubbin/mkucode"
chmod +x "$T/stubbin/mkucode"
"$ucgen" intel --sig 0x906ea --pf 0x22 --rev 0xf4 -o "$T/fw/intel-ucode/06-9e-0a"
"$ucgen" intel --sig 0x50654 --pf 0xb7 --rev 0x2007006 -o "$T/fw/intel-ucode/06-55-04"
"$ucgen" amd --equiv 0x800f12 --patch 0x08001250 -o "$T/fw/amd-ucode/microcode_amd_fam17h.bin"
cpus=(--cpu 06-9e-0a,0x22 --cpu 0x50654,0xb7 --cpu 0x800f12)
mount -t tmpfs tmpfs /lib/firmware
cp -r "$T/fw/intel-ucode" "$T/fw/amd-ucode" /lib/firmware/
mount --bind "$T/boot" /boot

# An initrd as a generator without mkucode's integration makes it: a gzip
# main part only.
head -c 200000 /dev/urandom >"$T/payload"
(cd "$T" && echo payload | cpio -o -H newc --quiet | gzip -n) >"$T/initrd.orig"
printf 'not a kernel, a test file\n' >"$T/vmlinuz.orig"
fresh_boot() {
	rm -rf /boot/*
	cp "$T/vmlinuz.orig" "/boot/vmlinuz-$V"
	cp "$T/initrd.orig" "/boot/initrd.img-$V"
}
"$mkucode" build -q -o "$T/want.early"
main_part_kept() {   # IMAGE: its bytes after the early part are the original initrd
	local n
	n=$(stat -c %s "$T/initrd.orig")
	tail -c "$n" "$1" | cmp -s - "$T/initrd.orig"
}
held() { "$mkucode" list "$1" 2>/dev/null | awk 'NR > 1 { print $1, $2, $3, $4, $5 }'; }
with_mkucode() {   # IMAGE: exactly mkucode's selection in front, main part kept, verified
	[ "$(held "$1")" = "$(held "$T/want.early")" ] && main_part_kept "$1" &&
		"$mkucode" verify -q "${cpus[@]}" "$1" >/dev/null
}

cat >"$T/with_mkucode_sh" <<WM
#!/bin/bash
$(declare -f held main_part_kept with_mkucode)
T='$T' mkucode='$mkucode'
cpus=(${cpus[*]})
with_mkucode "\$1"
WM
chmod +x "$T/with_mkucode_sh"
with_mkucode_sh=$T/with_mkucode_sh

# ---- /etc/kernel/postinst.d ----
mkdir "$T/postinst.d"
for h in apt-auto-removal dkms dracut initramfs-tools unattended-upgrades \
	 zz-flash-kernel zz-systemd-boot zz-update-grub; do
	printf '#!/bin/sh\necho %s >>"$ORDER_LOG"\n' "$h" >"$T/postinst.d/$h"
done
cp "$hook" "$T/postinst.d/zy-mkucode"
cp "$hook" "$T/postinst.d/zy-mkucode.sh"
chmod +x "$T/postinst.d"/*
order=$(run-parts --test "$T/postinst.d" | sed 's|.*/||' | tr '\n' ' ')
tap_check "run-parts order: after dracut and initramfs-tools, before zz-flash-kernel, zz-systemd-boot, zz-update-grub ($order)" \
	test "$order" = "apt-auto-removal dkms dracut initramfs-tools unattended-upgrades zy-mkucode zz-flash-kernel zz-systemd-boot zz-update-grub "
tap_check "run-parts skips a name with a dot (zy-mkucode.sh is not run): the hook's name has none" \
	sh -c 'case "$1" in *zy-mkucode.sh*) exit 1 ;; esac' _ "$order"
tap_check "lexical sort (C locale) agrees" \
	test "$(printf '%s\n' dracut initramfs-tools zy-mkucode zz-systemd-boot zz-update-grub | LC_ALL=C sort | tr '\n' ' ')" = \
	"dracut initramfs-tools zy-mkucode zz-systemd-boot zz-update-grub "
rm "$T/postinst.d/zy-mkucode.sh"

# The generator's hook makes the initrd; ours must find it there.
printf '#!/bin/sh\ncp "%s" "/boot/initrd.img-$1"\necho initramfs-tools >>"$ORDER_LOG"\n' "$T/initrd.orig" \
	>"$T/postinst.d/initramfs-tools"
postinst() {   # CASE [PATH]: the kernel package's run-parts call
	rm -rf /boot/*
	cp "$T/vmlinuz.orig" "/boot/vmlinuz-$V"
	: >"$T/order.log"
	env PATH="${2:-$T/bin:$PATH}" ORDER_LOG="$T/order.log" DEB_MAINT_PARAMS="configure" \
		run-parts --report --exit-on-error --arg="$V" --arg="/boot/vmlinuz-$V" "$T/postinst.d" \
		>"$T/$1.out" 2>"$T/$1.err"
	echo $? >"$T/$1.rc"
}
postinst ok
tap_check "postinst.d: run-parts succeeds, the generator's hook ran before ours" \
	sh -c '[ "$(cat "$1")" = 0 ] && [ "$(tr "\n" " " <"$2")" = "apt-auto-removal dkms dracut initramfs-tools unattended-upgrades zz-flash-kernel zz-systemd-boot zz-update-grub " ]' \
	_ "$T/ok.rc" "$T/order.log"
tap_check "postinst.d: /boot/initrd.img-$V holds exactly mkucode's selection in front, main part byte for byte, verify exit 0" \
	with_mkucode "/boot/initrd.img-$V"
cp "/boot/initrd.img-$V" "$T/done.img"
stat -c '%i %Y' "/boot/initrd.img-$V" >"$T/done.stat"
env PATH="$T/bin:$PATH" "$T/postinst.d/zy-mkucode" "$V" "/boot/vmlinuz-$V" >/dev/null 2>&1
tap_check "postinst.d: a second run leaves an initrd that already holds it untouched (same inode, mtime, bytes)" \
	sh -c '[ "$(stat -c "%i %Y" "$1")" = "$(cat "$2")" ] && cmp -s "$1" "$3"' _ "/boot/initrd.img-$V" "$T/done.stat" "$T/done.img"

postinst stub "$T/stubbin:$PATH"
tap_check "postinst.d, mkucode failing (stub): run-parts still succeeds, the initrd byte-identical to the generator's" \
	sh -c '[ "$(cat "$1")" = 0 ] && cmp -s "$2" "$3"' _ "$T/stub.rc" "/boot/initrd.img-$V" "$T/initrd.orig"
tap_check "postinst.d, mkucode failing: a warning on stderr" grep -q '^mkucode: warning: /boot/initrd.img-' "$T/stub.err"

printf '\377\377\377\377' | dd of=/lib/firmware/intel-ucode/06-55-04 bs=1 seek=64 conv=notrunc 2>/dev/null
postinst corrupt
tap_check "postinst.d, a corrupted firmware file: run-parts succeeds, the initrd byte-identical, mkucode's error and a warning" \
	sh -c '[ "$(cat "$1")" = 0 ] && cmp -s "$2" "$3" && grep -q 06-55-04 "$4" && grep -q "^mkucode: warning:" "$4"' \
	_ "$T/corrupt.rc" "/boot/initrd.img-$V" "$T/initrd.orig" "$T/corrupt.err"
cp "$T/fw/intel-ucode/06-55-04" /lib/firmware/intel-ucode/06-55-04

postinst absent /usr/bin:/bin:/usr/sbin:/sbin
tap_check "postinst.d, mkucode not installed (the conffile outlives dpkg -r): silent, exit 0, initrd untouched" \
	sh -c '[ "$(cat "$1")" = 0 ] && [ ! -s "$2" ] && cmp -s "$3" "$4"' _ "$T/absent.rc" "$T/absent.err" "/boot/initrd.img-$V" "$T/initrd.orig"

cp "$T/initrd.orig" "/boot/initrd.img-$V"
env PATH="$T/bin:$PATH" DEB_MAINT_PARAMS="abort-upgrade 6.1.0-98" "$T/postinst.d/zy-mkucode" "$V" "/boot/vmlinuz-$V" \
	>"$T/abort.out" 2>&1
rc=$?
tap_check "postinst.d, DEB_MAINT_PARAMS not configure (abort-upgrade): exit 0, the initrd untouched" \
	sh -c '[ "$3" -eq 0 ] && cmp -s "$1" "$2"' _ "/boot/initrd.img-$V" "$T/initrd.orig" "$rc"

# As Debian's kernel postinst calls it: DEB_MAINT_PARAMS="$*" of the
# postinst (configure and the version configured before), and the image in
# a boot directory of its own.
mkdir -p "$T/altboot"
cp "$T/vmlinuz.orig" "$T/altboot/vmlinuz-$V"
cp "$T/initrd.orig" "$T/altboot/initrd.img-$V"
env PATH="$T/bin:$PATH" DEB_MAINT_PARAMS="configure 6.1.0-97-amd64" "$T/postinst.d/zy-mkucode" "$V" "$T/altboot/vmlinuz-$V" \
	>"$T/alt.out" 2>&1
rc=$?
tap_check "postinst.d, DEB_MAINT_PARAMS='configure OLD-VERSION', IMAGE outside /boot: exit 0, the initrd beside IMAGE refreshed" \
	sh -c '[ "$1" -eq 0 ] && "$2" "$3"' _ "$rc" "$with_mkucode_sh" "$T/altboot/initrd.img-$V"

rm -f "$T/postinst.d/initramfs-tools"
postinst noinitrd
tap_check "postinst.d, no initrd (yet): silent, exit 0" \
	sh -c '[ "$(cat "$1")" = 0 ] && [ ! -s "$2" ]' _ "$T/noinitrd.rc" "$T/noinitrd.err"

# ---- the Debian package's postinst, triggered, with the real mkucode ----
V2=6.1.0-98-amd64
fresh_boot
cp "$T/vmlinuz.orig" "/boot/vmlinuz-$V2"
cp "$T/initrd.orig" "/boot/initrd.img-$V2"
env PATH="$T/bin:$PATH" sh "$src/debian/mkucode.postinst" triggered "/lib/firmware/intel-ucode" \
	>"$T/trig.out" 2>"$T/trig.err"
rc=$?
tap_check "dpkg trigger (postinst triggered): exit 0, every installed kernel's initrd refreshed" \
	sh -c '[ "$1" -eq 0 ] && "$2" "/boot/initrd.img-$3" && "$2" "/boot/initrd.img-$4"' _ "$rc" "$with_mkucode_sh" "$V" "$V2"
cp "$T/initrd.orig" "/boot/initrd.img-$V"
cp "$T/initrd.orig" "/boot/initrd.img-$V2"
printf '\377\377\377\377' | dd of=/lib/firmware/intel-ucode/06-55-04 bs=1 seek=64 conv=notrunc 2>/dev/null
env PATH="$T/bin:$PATH" sh "$src/debian/mkucode.postinst" triggered "/lib/firmware/intel-ucode" \
	>"$T/trigbad.out" 2>"$T/trigbad.err"
rc=$?
tap_check "dpkg trigger, a corrupted firmware file: exit 0, both initrds byte-identical, mkucode's error and a warning" \
	sh -c '[ "$1" -eq 0 ] && cmp -s "$2" "/boot/initrd.img-$3" && cmp -s "$2" "/boot/initrd.img-$4" &&
		grep -q 06-55-04 "$5" && grep -q "^mkucode: warning: .mkucode refresh. failed" "$5"' \
	_ "$rc" "$T/initrd.orig" "$V" "$V2" "$T/trigbad.err"
cp "$T/fw/intel-ucode/06-55-04" /lib/firmware/intel-ucode/06-55-04

# ---- kernel-install (systemd 252) ----
mkdir -p "$T/plugins" "$T/etc-kernel" "$T/esp"
cp -a /usr/lib/kernel/install.d/. "$T/plugins/"
cp "$plugin" "$T/plugins/91-mkucode.install"
mount --bind "$T/plugins" /usr/lib/kernel/install.d
echo layout=bls >"$T/etc-kernel/install.conf"
echo "root=/dev/test ro" >"$T/etc-kernel/cmdline"
mid=0123456789abcdef0123456789abcdef
kinstall() {   # CASE PATH [INITRD...]
	local case=$1 path=$2
	shift 2
	rm -rf "${T:?}/esp/"*
	env PATH="$path" KERNEL_INSTALL_CONF_ROOT="$T/etc-kernel" BOOT_ROOT="$T/esp" MACHINE_ID=$mid \
		kernel-install --verbose add "$V" "/boot/vmlinuz-$V" "$@" >"$T/$case.out" 2>"$T/$case.err"
	echo $? >"$T/$case.rc"
}
entry=$T/esp/$mid/$V
fresh_boot
cp "/boot/initrd.img-$V" "$T/src.img"
stat -c '%i %Y' "/boot/initrd.img-$V" >"$T/src.stat"
kinstall ki "$T/bin:$PATH"
tap_check "kernel-install add: exit 0; plugins run in order 85-initrd, 90-loaderentry, 91-mkucode" \
	sh -c '[ "$(cat "$1")" = 0 ] && grep -o "[0-9][0-9]-[a-z]*\.install add" "$2" | tr "\n" " " | grep -q "85-initrd.install add 90-loaderentry.install add 91-mkucode.install add"' \
	_ "$T/ki.rc" "$T/ki.out"
tap_check "kernel-install: the entry's initrd (staged by 85-initrd) carries mkucode's early microcode, main part byte for byte" \
	with_mkucode "$entry/initrd.img-$V"
tap_check "kernel-install: the loader entry names that initrd" \
	grep -q "^initrd .*/$mid/$V/initrd.img-$V\$" "$T/esp/loader/entries/$mid-$V.conf"
tap_check "kernel-install: the source /boot/initrd.img-$V is untouched (inode, mtime, bytes)" \
	sh -c '[ "$(stat -c "%i %Y" "$1")" = "$(cat "$2")" ] && cmp -s "$1" "$3"' _ "/boot/initrd.img-$V" "$T/src.stat" "$T/src.img"

kinstall kiarg "$T/bin:$PATH" "/boot/initrd.img-$V"
tap_check "kernel-install add with an INITRD argument: exit 0" test "$(cat "$T/kiarg.rc")" = 0
tap_check "... that initrd in the entry holds mkucode's selection, main part byte for byte, verify exit 0" \
	with_mkucode "$entry/initrd.img-$V"

kinstall kistub "$T/stubbin:$PATH"
tap_check "kernel-install, mkucode failing (stub): exit 0, the entry's initrd byte-identical to the source, a warning" \
	sh -c '[ "$(cat "$1")" = 0 ] && cmp -s "$2" "$3" && grep -q "^mkucode: warning: " "$4"' \
	_ "$T/kistub.rc" "$entry/initrd.img-$V" "$T/initrd.orig" "$T/kistub.err"

printf '\377\377\377\377' | dd of=/lib/firmware/intel-ucode/06-55-04 bs=1 seek=64 conv=notrunc 2>/dev/null
kinstall kicorrupt "$T/bin:$PATH"
tap_check "kernel-install, a corrupted firmware file: exit 0, the entry's initrd byte-identical, mkucode's error and a warning" \
	sh -c '[ "$(cat "$1")" = 0 ] && cmp -s "$2" "$3" && grep -q 06-55-04 "$4" && grep -q "^mkucode: warning: " "$4"' \
	_ "$T/kicorrupt.rc" "$entry/initrd.img-$V" "$T/initrd.orig" "$T/kicorrupt.err"
cp "$T/fw/intel-ucode/06-55-04" /lib/firmware/intel-ucode/06-55-04

kinstall kiabsent /usr/bin:/bin:/usr/sbin:/sbin
tap_check "kernel-install, mkucode not installed: exit 0, the entry's initrd as copied, nothing from the plugin" \
	sh -c '[ "$(cat "$1")" = 0 ] && cmp -s "$2" "$3" && ! grep -q mkucode "$4"' \
	_ "$T/kiabsent.rc" "$entry/initrd.img-$V" "$T/initrd.orig" "$T/kiabsent.err"

env PATH="$T/bin:$PATH" KERNEL_INSTALL_LAYOUT=bls sh "$plugin" add "$V" "$entry" >"$T/short.out" 2>&1
tap_check "the plugin given fewer arguments than 'add VERSION DIR KERNEL' (dash): exit 0, silent" \
	sh -c '[ "$1" -eq 0 ] && [ ! -s "$2" ]' _ "$?" "$T/short.out"

echo layout=other >"$T/etc-kernel/install.conf"
kinstall kiother "$T/bin:$PATH"
tap_check "kernel-install, layout=other: exit 0, the plugin does nothing" \
	sh -c '[ "$(cat "$1")" = 0 ] && [ ! -e "$2" ] && ! grep -q "^mkucode" "$3"' _ "$T/kiother.rc" "$entry/initrd.img-$V" "$T/kiother.err"
tap_done

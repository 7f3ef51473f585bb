#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# meson install (into a DESTDIR) puts every integration where its peer reads
# it, executable where it is run, byte for byte the source; no hook name
# run-parts would skip.
#   run-install.sh SOURCE-ROOT BUILD-ROOT
set -u
src=$(cd "$1" && pwd)
build=$2
. "$src/tests/lib/tap.sh"

T=$(mktemp -d "${TMPDIR:-/tmp}/mkucode-install.XXXXXX")
trap 'rm -rf "$T"' EXIT
if ! meson install -C "$build" --no-rebuild --destdir "$T/root" >"$T/log" 2>&1; then
	tap notok "meson install --destdir"
	tap_diag <"$T/log"
	tap_done
	exit 1
fi
tap ok "meson install --destdir"

meson introspect --buildoptions "$build" >"$T/options.json"
opt() {   # the configured value of a meson option
	python3 -c 'import json,sys; print(next(o["value"] for o in json.load(open(sys.argv[1])) if o["name"] == sys.argv[2]))' \
		"$T/options.json" "$1"
}
check_file() {   # INSTALLED SOURCE MODE
	local f=$T/root$1
	if [ -f "$f" ] && cmp -s "$f" "$src/$2" && [ "$(stat -c %a "$f")" = "$3" ]; then
		tap ok "$1 (mode $3)"
	else
		tap notok "$1 (mode $3)"
		ls -l "$f" 2>&1 | tap_diag
	fi
}
check_file "$(opt dracutmoduledir)/90mkucode/module-setup.sh" dracut-module/90mkucode/module-setup.sh 755
check_file "$(opt initramfstoolsdir)/hooks/mkucode" packaging/initramfs-tools/hooks/mkucode 755
check_file "$(opt kernelhookdir)/postinst.d/zy-mkucode" packaging/kernel/postinst.d/zy-mkucode 755
check_file "$(opt kernelinstalldir)/91-mkucode.install" packaging/kernel-install/91-mkucode.install 755
check_file "$(opt alpmhookdir)/95-mkucode.hook" packaging/pacman/mkucode.hook 644
check_file "$(opt confdir)/mkucode.conf" etc/mkucode.conf 644
check_file "$(opt confdir)/default/grub.d/zz-mkucode.cfg" grub.d/zz-mkucode.cfg 644
check_file "$(opt confdir)/grub.d/25_mkucode" grub.d/25_mkucode 755
tap_check "confdir is /etc by default, whatever the prefix ($(opt prefix))" test "$(opt confdir)" = /etc
# The installed command reads the configuration where it was installed: a
# key it does not know, put there, is an error naming that file.
conf=$T/root$(opt confdir)/mkucode.conf
echo "no-such-key = 1" >>"$conf"
"$T/root$(opt prefix)/$(opt sbindir)/mkucode" status --root "$T/root" >/dev/null 2>"$T/err"
rc=$?
tap_check "the installed mkucode reads $(opt confdir)/mkucode.conf (exit $rc)" \
	grep -qF "$conf: line " "$T/err"
tap_check "the defaults are the paths Debian's dracut, initramfs-tools, kernel packages and systemd read" \
	test "$(opt dracutmoduledir) $(opt initramfstoolsdir) $(opt kernelinstalldir) $(opt kernelhookdir)" = \
	"/usr/lib/dracut/modules.d /usr/share/initramfs-tools /usr/lib/kernel/install.d /etc/kernel"
tap_check "no run-parts hook has a dot in its name" \
	sh -c '[ -z "$(find "$1$2/postinst.d" "$1$3/hooks" -type f -name "*.*")" ] && [ -n "$(find "$1$2/postinst.d" "$1$3/hooks" -type f)" ]' \
	_ "$T/root" "$(opt kernelhookdir)" "$(opt initramfstoolsdir)"
tap_check "every integration file is POSIX sh (sh -n) or bash (bash -n) as its first line says" \
	sh -c 'for f in "$@"; do case $(head -1 "$f") in "#!/bin/sh") sh -n "$f" ;; "#!/bin/bash") bash -n "$f" ;; *) false ;; esac || { echo "$f"; exit 1; }; done' _ \
	"$src/dracut-module/90mkucode/module-setup.sh" "$src/packaging/initramfs-tools/hooks/mkucode" \
	"$src/packaging/kernel/postinst.d/zy-mkucode" "$src/packaging/kernel-install/91-mkucode.install" \
	"$src/debian/mkucode.postinst"
if command -v checkbashisms >/dev/null 2>&1; then
	tap_check "checkbashisms: the sh files use POSIX sh only" checkbashisms \
		"$src/packaging/initramfs-tools/hooks/mkucode" "$src/packaging/kernel/postinst.d/zy-mkucode" \
		"$src/packaging/kernel-install/91-mkucode.install" "$src/debian/mkucode.postinst"
fi
tap_done

#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Boot-loader tests: real boot loaders read the entries `mkucode stanza`
writes and hand Xen 4.17 and Debian's kernel the files, under QEMU (TCG).

usage: loadertest.py CASE MKUCODE PROBE FETCH BUILD_ROOT
       loadertest.py --list

  grub-bios-xen-intel, grub-bios-xen-amd
                a grub-mkrescue ISO booted by SeaBIOS whose grub.cfg is
                `mkucode stanza grub` output: Xen (multiboot2, module2
                --nounzip) tries the revision `mkucode verify --json`
                predicts for Xen 4.17 (Intel: ucode=scan on a prepended
                initrd; AMD: ucode=<n> on a raw module from mkucode --raw),
                and dom0's initrd is the real initrd, byte for byte in size.
                Then the config the real grub-mkconfig writes (GRUB 2.06,
                tests/grub/mkconfig.sh, mkucode's drop-in and template as
                meson installs them, Debian's xen.cfg) for a /boot with a
                prepended initrd and a stale intel-ucode.img: its default
                Xen entry does the same, from the ext4 disk that config
                searches; for Intel also the stock config, the control:
                dom0 gets the stale image, Xen no ucode=
  grub-bios-xen-early
                GRUB 2.06, Xen and a deliberately separate early image: the
                drop-in leaves no module2 line naming two files, and
                25_mkucode's entry boots (the image on a line of its own)
  grub-bios-linux
                the Linux entry of stanza grub (an early image first) and of
                grub-mkconfig (the prepended initrd alone, the stale image
                left out): Debian's kernel reaches init, which finds the
                microcode files with the checksums of the ones mkucode wrote
  grub-efi-xen-amd
                the same ISO through OVMF (UEFI GRUB, Xen's multiboot2 EFI
                path), ucode=scan on a prepended initrd; and the Xen entry
                grub-mkconfig writes with the drop-in, through OVMF too
  isolinux-xen-intel, isolinux-xen-amd
                ISOLINUX + mboot.c32 with `mkucode stanza syslinux` entries:
                ucode=scan on a prepended initrd, ucode=<n> on a raw module
                (mboot.c32 uncompresses gzip modules: a gzip initrd reaches
                dom0 uncompressed, and its size is checked so)
  isolinux-linux
                ISOLINUX's Linux entry from stanza syslinux, INITRD early,initrd
                (an AMD model this time): init finds mkucode's files
  pxelinux-xen-amd
                PXELINUX over QEMU's built-in TFTP (user networking, nothing
                leaves QEMU), pxelinux.cfg/default by syslinux/mkucode-syslinux
                (its DEFAULT label the Xen entry stanza syslinux prints)
  stanza-refuses
                no boot: an entry whose raw module has nothing for the
                emulated CPU is refused (exit 1, nothing on stdout, why on
                stderr), in both forms

GRUB's normal mode loads gzio itself (a core of biosdisk and iso9660 alone
lists it), so multiboot2 takes Debian's xen-4.17-amd64.gz as it is; module2
--nounzip hands the modules over unchanged (dom0's initrd size says so).

The helpers (boot, make_image, verify, the CPU table) are boottest.py's.
Exits 77 only when the test cannot run at all (no QEMU, no boot loader
files); CI treats a skip as failure.  Logs, trees and ISOs stay in
$MKUCODE_BOOT_KEEP/CASE when that is set, else in a temporary directory.
"""
import gzip
import os
import re
import shutil
import struct
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import boottest as bt  # noqa: E402
from boottest import CPUS, VENDOR_FILE, check, hexrev, run  # noqa: E402

# Xen's console on the first serial port, everything it says; dom0 is never
# reached far enough to need a console of its own.
XEN_ARGS = "console=com1 com1=115200 loglvl=all"
DOM0_ARGS = "console=hvc0"

# Building dom0, Xen names its initrd's place: the end minus the start is
# the size of the module it handed over.  It comes after the BSP's
# microcode load, so a boot ends here.
XEN_DOM0_INITRD = r"\(XEN\)\s+Init\. ramdisk: ([0-9a-f]+)->([0-9a-f]+)"
XEN_UNTIL = rf"{XEN_DOM0_INITRD}|\(XEN\) Panic|{bt.LOADER_FAILED}"

# The boot loaders' own files, from Debian's packages.
SYSLINUX_BIOS = "/usr/lib/syslinux/modules/bios"
ISOLINUX_BIN = "/usr/lib/ISOLINUX/isolinux.bin"
PXELINUX_0 = "/usr/lib/PXELINUX/pxelinux.0"
MBOOT_FILES = ["ldlinux.c32", "mboot.c32", "libcom32.c32"]
OVMF_CODE = "/usr/share/OVMF/OVMF_CODE_4M.fd"
OVMF_VARS = "/usr/share/OVMF/OVMF_VARS_4M.fd"
NEEDS = {
    "grub": [("grub-mkrescue", "grub-common"), ("xorriso", "xorriso"),
             ("/usr/lib/grub/i386-pc/multiboot2.mod", "grub-pc-bin"),
             ("mkfs.ext4", "e2fsprogs"), ("grub-script-check", "grub-common")],
    "efi": [("/usr/lib/grub/x86_64-efi/multiboot2.mod", "grub-efi-amd64-bin"),
            ("mformat", "mtools"), (OVMF_CODE, "ovmf"), (OVMF_VARS, "ovmf")],
    "isolinux": [("xorriso", "xorriso"), (ISOLINUX_BIN, "isolinux")]
    + [(os.path.join(SYSLINUX_BIOS, f), "syslinux-common") for f in MBOOT_FILES],
    "pxelinux": [(PXELINUX_0, "pxelinux"), ("/usr/lib/ipxe/qemu/efi-e1000.rom", "ipxe-qemu")]
    + [(os.path.join(SYSLINUX_BIOS, f), "syslinux-common") for f in MBOOT_FILES],
}

# Serial console, the first entry at once.
GRUB_HEAD = """serial --unit=0 --speed=115200
terminal_input serial
terminal_output serial
set default=0
set timeout=0
"""
SYSLINUX_HEAD = "SERIAL 0 115200\nPROMPT 0\nTIMEOUT 0\nDEFAULT {label}\n"


def show(what, text):
    print(f"  {what}:")
    for line in text.splitlines():
        print(f"  | {line}")


def need(what):
    for path, package in NEEDS[what]:
        found = os.path.exists(path) if path.startswith("/") else shutil.which(path)
        if not found:
            print(f"SKIP: {path} not found (./setup installs {package})")
            sys.exit(77)


# ------------------------------------------------------------------ trees

class Tree:
    """What a boot loader sees: ROOT/boot with Debian's kernel, Xen 4.17 as
    Debian installs it (gzip) and the initrds a case puts there.  Paths
    handed to mkucode stanza and written in entries are /boot/NAME."""

    def __init__(self, env, name):
        self.env, self.root = env, env.path(name)
        os.makedirs(os.path.join(self.root, "boot"))
        self.version = os.path.basename(env.kernel)[len("vmlinuz-"):]
        self.kernel = self.add(env.kernel, f"vmlinuz-{self.version}")
        self.xen = self.add(env.xen + ".gz", "xen-4.17-amd64.gz")

    def add(self, src, name):
        shutil.copyfile(src, self.host("/boot/" + name))
        return "/boot/" + name

    def host(self, path):
        return os.path.join(self.root, path.lstrip("/"))

    def stanza(self, form, args):
        """mkucode stanza FORM for files in this tree: the entry it prints."""
        p = run([self.env.mkucode, "stanza", form, "--root", self.root,
                 "--kernel", self.kernel] + args)
        entry = p.stdout
        show(f"stanza {form}", entry)
        return entry


def initrd_image(env, tree, selection):
    """A prepended initrd in the tree (mkucode --prepend through make_image)."""
    name = f"initrd.img-{tree.version}"
    env.make_image(tree.host("/boot/" + name), selection, env.initramfs())
    return "/boot/" + name


def plain_initrd(env, tree):
    return tree.add(env.initramfs(), f"initrd.img-{tree.version}")


def raw_module(env, tree, vendor, selection):
    """mkucode --raw for the selection, the vendor's file put in the tree."""
    out = env.make_raw(env.path("raw"), selection)
    return tree.add(os.path.join(out, VENDOR_FILE[vendor]), VENDOR_FILE[vendor])


def xen_want(env, tree, path, model):
    """The revision verify --json says Xen 4.17 loads from this file on the
    model (an image carrying a cpio, or a raw module)."""
    vendor, sig, pf, _ = CPUS[model]
    v, rc = env.verify(tree.host(path), vendor, sig, pf)
    want = v["xen_4_17"]
    check(rc == 0 and want is not None,
          f"mkucode verify says Xen 4.17 loads {hexrev(want)} on {model} ({sig:#x}) "
          f"from {path}")
    return want


# ------------------------------------------------------------------ media

def grub_iso(env, tree, cfg, name):
    """A grub-mkrescue ISO of the tree (BIOS and UEFI both) with this
    grub.cfg: QEMU's arguments for it."""
    os.makedirs(tree.host("/boot/grub"), exist_ok=True)
    with open(tree.host("/boot/grub/grub.cfg"), "w") as f:
        f.write(cfg)
    iso = env.path(name + ".iso")
    run(["grub-mkrescue", "-o", iso, tree.root])
    return ["-cdrom", iso]


def ovmf(env):
    """UEFI firmware: OVMF's code read-only, a private copy of its variables."""
    vars_copy = env.path("OVMF_VARS.fd")
    shutil.copyfile(OVMF_VARS, vars_copy)
    return ["-machine", "q35",
            "-drive", f"if=pflash,format=raw,unit=0,readonly=on,file={OVMF_CODE}",
            "-drive", f"if=pflash,format=raw,unit=1,file={vars_copy}"]


def data_disk(env, tree, cfg, name):
    """The disk a generated grub.cfg names: grub-mkconfig ran with tests/grub's
    grub-probe stand-in, which says / and /boot are one ext2-family file
    system on (hd0,msdos1) with a UUID; the disk is made so (an MBR, one
    partition at 1 MiB, ext4 of that UUID holding the tree), and the config
    finds its files there unchanged.  QEMU's arguments for it."""
    m = re.search(r"search .*--fs-uuid --set=root (?:--hint\S*\s+)*([0-9a-f-]{36})\b", cfg)
    check(m is not None, f"{name}: the generated grub.cfg searches a file system UUID")
    uuid = m.group(1) if m else "00000000-0000-0000-0000-000000000000"
    used = sum(os.path.getsize(os.path.join(d, f))
               for d, _, files in os.walk(tree.root) for f in files)
    mib = used * 5 // 4 // (1 << 20) + 16
    fs = env.path(name + ".ext4")
    run(["mkfs.ext4", "-q", "-F", "-U", uuid, "-L", "root", "-d", tree.root, fs, f"{mib}M"])
    disk = env.path(name + ".disk")
    mbr = bytearray(512)
    start, sectors = 2048, os.path.getsize(fs) // 512
    # One entry: not active, CHS "use LBA", type 0x83 (Linux), LBA extent.
    mbr[446:462] = struct.pack("<B3sB3sII", 0, b"\xfe\xff\xff", 0x83, b"\xfe\xff\xff",
                               start, sectors)
    mbr[510:512] = b"\x55\xaa"
    with open(disk, "wb") as out, open(fs, "rb") as f:
        out.write(mbr + bytes(start * 512 - 512))
        shutil.copyfileobj(f, out)
    os.unlink(fs)
    return ["-drive", f"file={disk},format=raw,if=ide,index=0,media=disk"]


def syslinux_cfg(entry):
    label = re.search(r"^LABEL (\S+)", entry, re.M)
    check(label is not None, "stanza syslinux printed a LABEL")
    return SYSLINUX_HEAD.format(label=label.group(1) if label else "none") + entry


def isolinux_iso(env, tree, entry, name):
    """An ISOLINUX CD of the tree: isolinux.bin and the mboot.c32 modules in
    /isolinux (the directory ISOLINUX runs KERNEL mboot.c32 from)."""
    d = tree.host("/isolinux")
    os.makedirs(d)
    for src in [ISOLINUX_BIN] + [os.path.join(SYSLINUX_BIOS, f) for f in MBOOT_FILES]:
        shutil.copy(src, d)
    with open(os.path.join(d, "isolinux.cfg"), "w") as f:
        f.write(syslinux_cfg(entry))
    iso = env.path(name + ".iso")
    run(["xorriso", "-as", "mkisofs", "-quiet", "-o", iso, "-b", "isolinux/isolinux.bin",
         "-c", "isolinux/boot.cat", "-no-emul-boot", "-boot-load-size", "4",
         "-boot-info-table", tree.root])
    return ["-cdrom", iso]


def generated_syslinux(env, tree):
    """What syslinux/mkucode-syslinux writes for the tree (Xen's label the
    DEFAULT, booted after a tenth of a second)."""
    bindir = env.path("bin")
    os.makedirs(bindir, exist_ok=True)
    if not os.path.exists(os.path.join(bindir, "mkucode")):
        os.symlink(env.mkucode, os.path.join(bindir, "mkucode"))
    p = subprocess.run(["sh", SYSLINUX_GENERATOR, "--root", tree.root, "--append", DOM0_ARGS,
                        "--xen-args", XEN_ARGS, "--timeout", "1"],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                       env=dict(os.environ, PATH=bindir + os.pathsep + os.environ["PATH"]))
    for line in p.stderr.splitlines():
        print(f"  mkucode-syslinux says: {line}")
    check(p.returncode == 0, f"mkucode-syslinux exits 0 (exit {p.returncode})")
    show("mkucode-syslinux", p.stdout)
    return p.stdout


def pxelinux_tftp(env, tree, cfg):
    """The tree as a TFTP root for PXELINUX, served by QEMU's user-mode
    network (restrict=on: the guest reaches nothing but QEMU's own DHCP
    and TFTP); the e1000's iPXE ROM loads pxelinux.0."""
    for src in [PXELINUX_0] + [os.path.join(SYSLINUX_BIOS, f) for f in MBOOT_FILES]:
        shutil.copy(src, tree.root)
    os.makedirs(tree.host("/pxelinux.cfg"))
    with open(tree.host("/pxelinux.cfg/default"), "w") as f:
        f.write(cfg)
    return ["-netdev", f"user,id=n0,restrict=on,tftp={tree.root},bootfile=pxelinux.0",
            "-device", "e1000,netdev=n0", "-boot", "n"]


# ------------------------------------------------------------------ grub-mkconfig

HERE = os.path.dirname(os.path.abspath(__file__))
MKCONFIG = os.path.join(HERE, "..", "grub", "mkconfig.sh")
CHECK_CFG = os.path.join(HERE, "..", "grub", "check-cfg.py")
SYSLINUX_GENERATOR = os.path.join(HERE, "..", "..", "syslinux", "mkucode-syslinux")
FETCH_FIRMWARE = os.path.join(HERE, "..", "data", "fetch-firmware")
STALE_CPU = "0x50657"  # Cascade Lake: microcode for another machine's CPU


def grub_files(env):
    """mkucode's GRUB files as `meson install` puts them: (the drop-in, the
    template)."""
    dest = env.path("dest")
    if not os.path.isdir(dest):
        run(["meson", "install", "-C", env.build, "--no-rebuild", "--quiet",
             "--tags", "grub", "--destdir", dest])
    found = {}
    for d, _, files in os.walk(dest):
        for f in files:
            found[os.path.relpath(os.path.join(d, f), dest)] = os.path.join(d, f)
    dropin = [v for k, v in found.items() if k.endswith("default/grub.d/zz-mkucode.cfg")]
    template = [v for k, v in found.items() if k.endswith("grub.d/25_mkucode")]
    check(len(dropin) == 1 and len(template) == 1,
          "meson install puts zz-mkucode.cfg and 25_mkucode in place")
    return dropin[0], template[0]


def xen_cfg(env):
    """Debian's /etc/default/grub.d/xen.cfg (xen-hypervisor-common),
    unpacked into the cache as tests/grub does."""
    dest = os.path.join(env.cache, "grub", "xen-common")
    run([FETCH_FIRMWARE, "--package", "xen-hypervisor-common", "--dest", dest])
    return os.path.join(dest, "etc", "default", "grub.d", "xen.cfg")


def mkconfig_tree(env, name, selection=()):
    """A Debian /boot after an upgrade: the kernel (its config says it can be
    dom0), Xen 4.17 with its config, the initrd with the microcode
    prepended, and a stale stock-named early image, intel-ucode.img, which
    GRUB 2.06 would load in front of the initrd (Linux) or on the initrd's
    module2 line (Xen)."""
    tree = Tree(env, name)
    cache = os.path.dirname(os.path.dirname(env.kernel))
    tree.add(os.path.join(cache, "boot", f"config-{tree.version}"), f"config-{tree.version}")
    xcache = os.path.dirname(os.path.dirname(env.xen))
    tree.add(os.path.join(xcache, "boot", "xen-4.17-amd64.config"), "xen-4.17-amd64.config")
    initrd = initrd_image(env, tree, list(selection))
    stale = "/boot/intel-ucode.img"
    run([env.mkucode, "-q", f"--cpu={STALE_CPU}", "-o", tree.host(stale)] + env.sources)
    return tree, initrd, stale


def mkconfig(env, tree, lines, stock=False):
    """The real grub-mkconfig (tests/grub/mkconfig.sh: a private mount
    namespace, this machine's grub-common and /etc/grub.d) on the tree, with
    /etc/default/grub of these lines, Debian's xen.cfg and, unless stock,
    mkucode's drop-in and template; the grub.cfg it wrote."""
    tag = "stock" if stock else "mkucode"
    default = env.path(f"default-{tag}")
    os.makedirs(os.path.join(default, "grub.d"))
    with open(os.path.join(default, "grub"), "w") as f:
        f.write("".join(line + "\n" for line in lines))
    shutil.copy(xen_cfg(env), os.path.join(default, "grub.d"))
    grubd = env.path(f"grub.d-{tag}")
    shutil.copytree("/etc/grub.d", grubd)
    if not stock:
        dropin, template = grub_files(env)
        shutil.copy(dropin, os.path.join(default, "grub.d"))
        shutil.copy(template, grubd)
    bindir = env.path("bin")
    if not os.path.isdir(bindir):
        os.makedirs(bindir)
        os.symlink(env.mkucode, os.path.join(bindir, "mkucode"))
    out = env.path(f"grub-{tag}.cfg")
    p = subprocess.run(["bash", MKCONFIG, "--boot", tree.host("/boot"), "--default", default,
                        "--grub-d", grubd, "--path", bindir, "-o", out],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if p.returncode == 77:
        print(f"SKIP: {MKCONFIG} cannot run here: {p.stderr.strip()}")
        sys.exit(77)
    for line in p.stderr.splitlines():
        print(f"  grub-mkconfig ({tag}) says: {line}")
    check(p.returncode == 0 and p.stdout == "",
          f"grub-mkconfig ({tag}) exits 0 and prints nothing on standard output "
          f"(exit {p.returncode})")
    p = subprocess.run(["grub-script-check", out], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True)
    bt.tap.ok(p.returncode == 0, f"grub-mkconfig ({tag}): grub-script-check passes", p.stdout)
    with open(out) as f:
        cfg = f.read()
    tree_cfg = tree.host("/boot/grub/grub.cfg")
    os.makedirs(os.path.dirname(tree_cfg), exist_ok=True)
    shutil.copyfile(out, tree_cfg)
    return cfg


def entry_of(cfg, title):
    """The menuentry block whose title starts with title."""
    m = re.search(rf"^\s*menuentry '{re.escape(title)}[^\n]*\n(.*?)^\s*}}", cfg, re.M | re.S)
    return m.group(0) if m else ""


# The serial console, the first (or the Xen) entry at once; Debian's Xen
# defaults (xen.cfg) decide which.
MKCONFIG_GRUB = [
    "GRUB_DISTRIBUTOR=Debian",
    "GRUB_TIMEOUT=0",
    "GRUB_TERMINAL=serial",
    'GRUB_SERIAL_COMMAND="serial --unit=0 --speed=115200"',
    "GRUB_DISABLE_OS_PROBER=true",
    f'GRUB_CMDLINE_LINUX_DEFAULT="{bt.LINUX_CMDLINE}"',
    'GRUB_CMDLINE_LINUX=""',
    f'GRUB_CMDLINE_XEN="{XEN_ARGS}"',
]
MKCONFIG_LINUX = MKCONFIG_GRUB + ["GRUB_DEFAULT=0", "XEN_OVERRIDE_GRUB_DEFAULT=0"]
MKCONFIG_XEN = MKCONFIG_GRUB + ["XEN_OVERRIDE_GRUB_DEFAULT=1"]


def grub_mkconfig_medium(env, tree, cfg, name):
    """GRUB from a rescue ISO whose grub.cfg is the generated one, the
    files on the disk that config searches."""
    disk = data_disk(env, tree, cfg, name)
    iso_tree = env.path(name + "-iso")
    os.makedirs(os.path.join(iso_tree, "boot", "grub"))
    with open(os.path.join(iso_tree, "boot", "grub", "grub.cfg"), "w") as f:
        f.write(cfg)
    iso = env.path(name + ".iso")
    run(["grub-mkrescue", "-o", iso, iso_tree])
    return disk + ["-cdrom", iso, "-boot", "d"]


# ------------------------------------------------------------------ boots

TIMES = []


def xen_boot(env, name, model, medium, want, tree, initrd, timeout=180, gunzips=False):
    """Boot Xen from a boot loader: it must try the revision verify
    predicted, and hand dom0 the real initrd (its size, to the byte).
    gunzips: the loader uncompresses gzip modules (mboot.c32 does; GRUB's
    module2 --nounzip does not), so a gzip initrd arrives uncompressed."""
    rev, b = bt.xen_run(env, name, model, medium, XEN_UNTIL,
                        "dom0's initrd (Init. ramdisk)", timeout)
    TIMES.append((name, b.seconds))
    for line in b.find(r"\(XEN\) microcode: CPU0 .*"):
        print(f"  {name}: {line.group(0)}")
    check(rev is not None and rev == want,
          f"{name}: Xen 4.17 tried {hexrev(rev)}, verify says {hexrev(want)}")
    ramdisk = b.find(XEN_DOM0_INITRD)
    data = bt.read(tree.host(initrd))
    size = len(gzip.decompress(data) if gunzips and data[:2] == b"\x1f\x8b" else data)
    got = int(ramdisk[0].group(2), 16) - int(ramdisk[0].group(1), 16) if ramdisk else None
    check(got == size, f"{name}: dom0's initrd is {initrd}: {got} bytes, the file "
          f"{size}{' uncompressed' if size != len(data) else ''}")
    return b


def linux_boot(env, name, model, medium, want):
    b = bt.linux_run(env, name, model, medium, want)
    TIMES.append((name, b.seconds))
    return b


# ------------------------------------------------------------------ cases

def case_grub_xen(env, model, raw=False, efi=False):
    vendor, sig, _, _ = CPUS[model]
    need("grub")
    if efi:
        need("efi")
    tree = Tree(env, "stanza")
    if not raw:
        # The distribution's default: all microcode prepended to the initrd.
        initrd = initrd_image(env, tree, [])
        entry = tree.stanza("grub", ["--append", DOM0_ARGS, "--initrd", initrd,
                                     "--xen", tree.xen, "--xen-args", XEN_ARGS])
        check("ucode=scan" in entry, "stanza grub: the Xen entry has ucode=scan")
        ucode = initrd
    else:
        # A raw module of this CPU's microcode beside a plain initrd.
        initrd = plain_initrd(env, tree)
        ucode = raw_module(env, tree, vendor, [f"--cpu={sig:#x}"])
        entry = tree.stanza("grub", ["--append", DOM0_ARGS, "--initrd", initrd,
                                     "--xen", tree.xen, "--xen-args", XEN_ARGS,
                                     "--raw", ucode])
        check(re.search(r"multiboot2 .* ucode=\d+\b", entry),
              "stanza grub: the Xen entry has ucode=<n> for the raw module")
    want = xen_want(env, tree, ucode, model)
    medium = grub_iso(env, tree, GRUB_HEAD + entry, "grub-stanza")
    name = f"grub-{'efi' if efi else 'bios'}-stanza-xen"
    b = xen_boot(env, name, model, (ovmf(env) if efi else []) + medium, want, tree, initrd)
    if efi:
        check(b.find(r"\(XEN\) EFI RAM map"), f"{name}: Xen came through UEFI (EFI RAM map)")
        mkconfig_xen(env, model, efi=True)
    else:
        mkconfig_xen(env, model)
        if model == "Skylake-Server":
            mkconfig_xen(env, model, stock=True)


XEN_TITLE = "Debian GNU/Linux, with Xen hypervisor"


def mkconfig_xen(env, model, stock=False, efi=False):
    """The Xen entry grub-mkconfig writes with mkucode's drop-in: ucode=scan,
    the initrd alone on its module2 line, the stale image nowhere; Xen
    loads what verify predicts and dom0 gets the initrd.  stock: the same
    without the drop-in, the control that shows what it fixes (GRUB 2.06's
    one module2 line for the image and the initrd: GRUB loads the first
    file, dom0 gets the stale image, and no ucode=).  efi: through OVMF."""
    tag = "stock" if stock else "mkconfig"
    tree, initrd, stale = mkconfig_tree(env, tag)
    cfg = mkconfig(env, tree, MKCONFIG_XEN, stock)
    entry = entry_of(cfg, XEN_TITLE)
    show(f"grub-mkconfig ({tag}) Xen entry", entry)
    check(entry, f"grub-mkconfig ({tag}) wrote '{XEN_TITLE}'")
    check(re.search(rf'^\s*set default="{re.escape(XEN_TITLE)}"', cfg, re.M),
          f"grub-mkconfig ({tag}): Debian's xen.cfg made the Xen entry the default")
    multiboot = re.search(r"^\s*multiboot2\s.*$", entry, re.M)
    modules = re.findall(r"^\s*module2\s+(.*)$", entry, re.M)
    name = f"grub-{'efi' if efi else 'bios'}-{tag}-xen"
    medium = (ovmf(env) if efi else []) + grub_mkconfig_medium(env, tree, cfg, f"grub-{tag}")
    if stock:
        check(multiboot and "ucode=" not in multiboot.group(0),
              f"grub-mkconfig ({tag}): no ucode= on the multiboot2 line")
        check(len(modules) == 2 and modules[1].split()[-2:] == [stale, initrd],
              f"grub-mkconfig ({tag}): GRUB 2.06's one module2 line for {stale} and {initrd}")
        rev, b = bt.xen_run(env, name, model, medium, XEN_UNTIL,
                            "dom0's initrd (Init. ramdisk)", 180)
        TIMES.append((name, b.seconds))
        check(rev is None, f"{name}: Xen (no ucode=) tried nothing ({hexrev(rev)})")
        ramdisk = b.find(XEN_DOM0_INITRD)
        got = int(ramdisk[0].group(2), 16) - int(ramdisk[0].group(1), 16) if ramdisk else None
        size = os.path.getsize(tree.host(stale))
        check(got == size, f"{name}: dom0's initrd is the stale {stale} ({got} bytes, it has "
              f"{size}), not {initrd}: the bug the drop-in fixes is real")
        return
    check(multiboot and multiboot.group(0).split().count("ucode=scan") == 1,
          f"grub-mkconfig ({tag}): ucode=scan once on the multiboot2 line")
    check(len(modules) == 2 and modules[1].split() == ["--nounzip", initrd],
          f"grub-mkconfig ({tag}): the initrd alone on the module2 line after the kernel")
    check(stale not in cfg, f"grub-mkconfig ({tag}): no entry loads {stale}")
    want = xen_want(env, tree, initrd, model)
    b = xen_boot(env, name, model, medium, want, tree, initrd)
    if efi:
        check(b.find(r"\(XEN\) EFI RAM map"), f"{name}: Xen came through UEFI (EFI RAM map)")


def case_grub_xen_early(env):
    """GRUB 2.06, Xen and a deliberately separate early image (the initrds
    carry no microcode): with the drop-in no module2 line names two files,
    and 25_mkucode's entry (mkucode stanza) boots: Xen scans the image on a
    module line of its own, dom0 gets the initrd."""
    need("grub")
    model = "Skylake-Server"
    tree = Tree(env, "early")
    cache = os.path.dirname(os.path.dirname(env.kernel))
    tree.add(os.path.join(cache, "boot", f"config-{tree.version}"), f"config-{tree.version}")
    initrd = plain_initrd(env, tree)
    early = "/boot/intel-ucode.img"
    run([env.mkucode, "-q", "--vendor=intel", "-o", tree.host(early)] + env.sources)
    title = (f"Debian GNU/Linux, with Xen 4.17-amd64 and Linux {tree.version} "
             f"(early microcode {os.path.basename(early)})")
    cfg = mkconfig(env, tree, MKCONFIG_GRUB + [f'GRUB_DEFAULT="{title}"',
                                               "XEN_OVERRIDE_GRUB_DEFAULT=0"])
    p = subprocess.run([sys.executable, CHECK_CFG, env.path("grub-mkucode.cfg"),
                        "one-file-modules", "initrd-first"],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    bt.tap.ok(p.returncode == 0, "grub-mkconfig with the drop-in: no module2 line names two "
              "files, the initrd is the first module after the dom0 kernel", p.stdout)
    entry = entry_of(cfg, title)
    show("25_mkucode's Xen entry", entry)
    modules = [m.split() for m in re.findall(r"^\s*module2\s+(.*)$", entry, re.M)]
    check(len(modules) == 3 and modules[1][-1] == initrd and modules[2][-1] == early,
          f"25_mkucode: '{title}': the dom0 kernel, {initrd}, then {early}, a line each")
    want = xen_want(env, tree, early, model)
    medium = grub_mkconfig_medium(env, tree, cfg, "grub-early")
    xen_boot(env, "grub-bios-mkconfig-early-xen", model, medium, want, tree, initrd)


# The Intel and AMD CPUs of the Linux cases; the early image holds both.
LINUX_CPUS = (CPUS["Skylake-Server"], CPUS["EPYC-Rome"])
LINUX_SELECTION = [f"--cpu={cpu[1]:#x}" for cpu in LINUX_CPUS]


def early_linux_entry(env, form):
    """A separate early image in front of a plain initrd, and the Linux
    entry `stanza FORM` writes for them: (tree, early, initrd, entry, want)."""
    tree = Tree(env, "stanza")
    initrd = plain_initrd(env, tree)
    early = "/boot/early-ucode.cpio"
    run([env.mkucode, "-q"] + LINUX_SELECTION + ["-o", tree.host(early)] + env.sources)
    entry = tree.stanza(form, ["--append", bt.LINUX_CMDLINE, "--initrd", initrd,
                               "--early", early])
    want = bt.linux_want(env, [tree.host(early), tree.host(initrd)], LINUX_SELECTION,
                         LINUX_CPUS)
    return tree, early, initrd, entry, want


def case_grub_linux(env):
    need("grub")
    model = "Skylake-Server"
    selection = LINUX_SELECTION
    tree, early, initrd, entry, want = early_linux_entry(env, "grub")
    check(re.search(rf"^\s*initrd {re.escape(early)} {re.escape(initrd)}\s*$", entry, re.M),
          "stanza grub: the early image is the first initrd, the real one after it")
    medium = grub_iso(env, tree, GRUB_HEAD + entry, "grub-stanza")
    linux_boot(env, "grub-bios-stanza-linux", model, medium, want)

    # grub-mkconfig with the drop-in: the prepended initrd alone, though a
    # stale intel-ucode.img lies in /boot.
    tree, initrd, stale = mkconfig_tree(env, "mkconfig", selection)
    cfg = mkconfig(env, tree, MKCONFIG_LINUX)
    entry = entry_of(cfg, "Debian GNU/Linux")
    show("grub-mkconfig Linux entry", entry)
    check(re.search(rf"^\s*initrd\s+{re.escape(initrd)}\s*$", entry, re.M),
          f"grub-mkconfig: the Linux entry loads {initrd} alone, not {stale} in front")
    want = bt.linux_want(env, tree.host(initrd), selection, LINUX_CPUS)
    medium = grub_mkconfig_medium(env, tree, cfg, "grub-mkconfig")
    linux_boot(env, "grub-bios-mkconfig-linux", model, medium, want)


def case_syslinux_xen(env, model, raw=False, pxe=False):
    vendor, sig, _, _ = CPUS[model]
    need("pxelinux" if pxe else "isolinux")
    tree = Tree(env, "stanza")
    if not raw:
        initrd = initrd_image(env, tree, [])
        entry = tree.stanza("syslinux", ["--append", DOM0_ARGS, "--initrd", initrd,
                                         "--xen", tree.xen, "--xen-args", XEN_ARGS])
        check(re.search(r"^\s*APPEND \S+ .*ucode=scan .*--- ", entry, re.M),
              "stanza syslinux: the Xen entry has ucode=scan")
        ucode = initrd
    else:
        initrd = plain_initrd(env, tree)
        ucode = raw_module(env, tree, vendor, [f"--cpu={sig:#x}"])
        entry = tree.stanza("syslinux", ["--append", DOM0_ARGS, "--initrd", initrd,
                                         "--xen", tree.xen, "--xen-args", XEN_ARGS,
                                         "--raw", ucode])
        check(re.search(rf"ucode=-?\d+ .*--- {re.escape(initrd)} --- {re.escape(ucode)}\s*$",
                        entry, re.M),
              "stanza syslinux: ucode=<n>, the real initrd first, the raw module after it")
    check(re.search(r"^\s*KERNEL mboot\.c32\s*$", entry, re.M),
          "stanza syslinux: KERNEL mboot.c32")
    want = xen_want(env, tree, ucode, model)
    if pxe:
        # pxelinux.cfg/default as mkucode-syslinux writes it for the tree
        # (its labels are stanza syslinux's), with the serial console put
        # first, where syslinux wants SERIAL.
        cfg = generated_syslinux(env, tree)
        default = re.search(r"^DEFAULT (\S+)$", cfg, re.M)
        label = re.search(rf"^LABEL {re.escape(default.group(1))}\n(?:\t.*\n)*", cfg, re.M) \
            if default else None
        check(label and label.group(0).split("\n", 1)[1] == entry.split("\n", 1)[1],
              "mkucode-syslinux: its DEFAULT label is the Xen entry stanza syslinux prints")
        medium = pxelinux_tftp(env, tree, "SERIAL 0 115200\n" + cfg)
        # TFTP of 17 MB through QEMU's slirp takes its time.
        xen_boot(env, "pxelinux-generator-xen", model, medium, want, tree, initrd, 300,
                 gunzips=True)
    else:
        medium = isolinux_iso(env, tree, entry, "isolinux-stanza")
        xen_boot(env, "isolinux-stanza-xen", model, medium, want, tree, initrd,
                 gunzips=True)


def case_isolinux_linux(env):
    """ISOLINUX's Linux entry from stanza syslinux with an early image:
    INITRD early,initrd, which syslinux loads one after the other (each
    start 4-byte aligned); the kernel reaches init with mkucode's files."""
    need("isolinux")
    model = "EPYC-Rome"
    tree, early, initrd, entry, want = early_linux_entry(env, "syslinux")
    check(re.search(rf"^\s*INITRD {re.escape(early)},{re.escape(initrd)}\s*$", entry, re.M),
          "stanza syslinux: INITRD names the early image first, the initrd after it")
    medium = isolinux_iso(env, tree, entry, "isolinux-stanza")
    linux_boot(env, "isolinux-stanza-linux", model, medium, want)


def case_stanza_refuses(env):
    """A raw module with nothing for the CPU asked: no entry, in both forms."""
    tree = Tree(env, "stanza")
    initrd = plain_initrd(env, tree)
    amd = CPUS["EPYC-Rome"]
    ucode = raw_module(env, tree, "amd", [f"--cpu={amd[1]:#x}"])
    for model in ("Skylake-Server", "EPYC-Milan"):
        vendor, sig, pf, _ = CPUS[model]
        spec = f"--cpu={sig:#x},{pf:#x}" if vendor == "intel" else f"--cpu={sig:#x}"
        for form in ("grub", "syslinux"):
            p = subprocess.run([env.mkucode, "stanza", form, spec, "--root", tree.root,
                                "--kernel", tree.kernel, "--initrd", initrd,
                                "--xen", tree.xen, "--raw", ucode],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            said = " | ".join(p.stderr.strip().splitlines())
            print(f"  stanza {form} {spec} (exit {p.returncode}): {said}")
            check(p.returncode == 1 and p.stdout == "",
                  f"stanza {form} {spec}: exit 1 and no entry for a raw module of "
                  f"{amd[1]:#x} only (exit {p.returncode})")
            check(re.search(rf"{sig:#010x}.*no loader would load microcode", said),
                  f"stanza {form} {spec}: says no loader would load microcode for {sig:#x}")
    # The module's own CPU gets its entry (the refusal is about the CPU).
    p = run([env.mkucode, "stanza", "grub", f"--cpu={amd[1]:#x}", "--root", tree.root,
             "--kernel", tree.kernel, "--initrd", initrd, "--xen", tree.xen, "--raw", ucode])
    check("ucode=" in p.stdout, f"stanza grub --cpu={amd[1]:#x}: the entry for the module's CPU")


CASES = {
    "grub-bios-xen-intel": lambda env: case_grub_xen(env, "Skylake-Server"),
    "grub-bios-xen-amd": lambda env: case_grub_xen(env, "EPYC-Rome", raw=True),
    "grub-bios-xen-early": case_grub_xen_early,
    "grub-bios-linux": case_grub_linux,
    "grub-efi-xen-amd": lambda env: case_grub_xen(env, "EPYC-Milan", efi=True),
    "isolinux-xen-intel": lambda env: case_syslinux_xen(env, "Denverton"),
    "isolinux-xen-amd": lambda env: case_syslinux_xen(env, "EPYC-Rome", raw=True),
    "isolinux-linux": case_isolinux_linux,
    "pxelinux-xen-amd": lambda env: case_syslinux_xen(env, "EPYC-Milan", pxe=True),
    "stanza-refuses": case_stanza_refuses,
}


def main():
    if sys.argv[1:] == ["--list"]:
        print("\n".join(CASES))
        return 0
    if len(sys.argv) != 6 or sys.argv[1] not in CASES:
        sys.exit(__doc__)
    case, mkucode, probe_elf, fetch, build = sys.argv[1:]
    work, _holder = bt.work_dir(case, "mkucode-loader-")
    env = bt.Env(os.path.abspath(mkucode), os.path.abspath(probe_elf), fetch, work)
    env.build = os.path.abspath(build)
    print(f"{case}: kernel {os.path.basename(env.kernel)}, work {work}", flush=True)
    start = time.monotonic()
    CASES[case](env)
    for name, seconds in TIMES:
        print(f"# boot {name}: {seconds:.1f}s")
    print(f"# {case}: {bt.tap.count() - len(bt.tap.failures())}/{bt.tap.count()} checks "
          f"passed in {time.monotonic() - start:.1f}s")
    return bt.tap.done()


if __name__ == "__main__":
    sys.exit(main())

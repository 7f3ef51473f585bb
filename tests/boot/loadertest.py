#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Boot-loader tests: real boot loaders read the entries `mkucode stanza`
writes and hand Xen 4.17 and Debian's kernel the files, under QEMU (TCG).

usage: loadertest.py CASE MKUCODE PROBE FETCH
       loadertest.py --list

  grub-bios-xen-intel, grub-bios-xen-amd
                a grub-mkrescue ISO booted by SeaBIOS whose grub.cfg is
                `mkucode stanza grub` output: Xen (multiboot2, module2
                --nounzip) tries the revision `mkucode verify --json`
                predicts for Xen 4.17 (Intel: ucode=scan on a prepended
                initrd; AMD: ucode=<n> on a raw module from mkucode --raw),
                and dom0's initrd is the real initrd, byte for byte in size
  grub-bios-linux
                the same ISO's Linux entry (an early image first): Debian's
                kernel reaches init, which finds the microcode files with
                the checksums of the ones mkucode wrote
  grub-efi-xen-amd
                the same ISO through OVMF (UEFI GRUB, Xen's multiboot2 EFI
                path), ucode=scan on a prepended initrd
  isolinux-xen-intel, isolinux-xen-amd
                ISOLINUX + mboot.c32 with `mkucode stanza syslinux` entries:
                ucode=scan on a prepended initrd, ucode=<n> on a raw module
                (mboot.c32 uncompresses gzip modules: a gzip initrd reaches
                dom0 uncompressed, and its size is checked so)
  pxelinux-xen-amd
                PXELINUX over QEMU's built-in TFTP (user networking, nothing
                leaves QEMU), pxelinux.cfg/default from stanza syslinux
  stanza-refuses
                no boot: an entry whose raw module has nothing for the
                emulated CPU is refused (exit 1, nothing on stdout, why on
                stderr), in both forms

The helpers (boot, make_image, verify, the CPU table) are boottest.py's.
Exits 77 only when the test cannot run at all (no QEMU, no boot loader
files); CI treats a skip as failure.  Logs, trees and ISOs stay in
$MKUCODE_BOOT_KEEP/CASE when that is set, else in a temporary directory.
"""
import gzip
import os
import re
import shutil
import subprocess
import sys
import tempfile
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
             ("/usr/lib/grub/i386-pc/multiboot2.mod", "grub-pc-bin")],
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

    def stanza(self, form, args, selection=()):
        """mkucode stanza FORM for files in this tree: the entry it prints."""
        p = run([self.env.mkucode, "stanza", form] + list(selection)
                + ["--root", self.root, "--kernel", self.kernel] + args)
        entry = p.stdout
        print(f"  stanza {form}:\n" + "".join(f"  | {l}\n" for l in entry.splitlines()))
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


def pxelinux_tftp(env, tree, entry):
    """The tree as a TFTP root for PXELINUX, served by QEMU's user-mode
    network (restrict=on: the guest reaches nothing but QEMU's own DHCP
    and TFTP); the e1000's iPXE ROM loads pxelinux.0."""
    for src in [PXELINUX_0] + [os.path.join(SYSLINUX_BIOS, f) for f in MBOOT_FILES]:
        shutil.copy(src, tree.root)
    os.makedirs(tree.host("/pxelinux.cfg"))
    with open(tree.host("/pxelinux.cfg/default"), "w") as f:
        f.write(syslinux_cfg(entry))
    return ["-netdev", f"user,id=n0,restrict=on,tftp={tree.root},bootfile=pxelinux.0",
            "-device", "e1000,netdev=n0", "-boot", "n"]


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


def case_grub_linux(env):
    need("grub")
    model = "Skylake-Server"
    intel, amd = CPUS["Skylake-Server"], CPUS["EPYC-Rome"]
    selection = [f"--cpu={intel[1]:#x}", f"--cpu={amd[1]:#x}"]
    tree = Tree(env, "stanza")
    # A separate early image in front of a plain initrd.
    initrd = plain_initrd(env, tree)
    early = "/boot/early-ucode.cpio"
    run([env.mkucode, "-q"] + selection + ["-o", tree.host(early)] + env.sources)
    entry = tree.stanza("grub", ["--append", bt.LINUX_CMDLINE, "--initrd", initrd,
                                 "--early", early])
    check(re.search(rf"^\s*initrd {re.escape(early)} {re.escape(initrd)}\s*$", entry, re.M),
          "stanza grub: the early image is the first initrd, the real one after it")
    want = bt.linux_want(env, [tree.host(early), tree.host(initrd)], selection, (intel, amd))
    medium = grub_iso(env, tree, GRUB_HEAD + entry, "grub-stanza")
    linux_boot(env, "grub-bios-stanza-linux", model, medium, want)


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
        medium = pxelinux_tftp(env, tree, entry)
        # TFTP of 10 MB through QEMU's slirp takes its time.
        xen_boot(env, "pxelinux-stanza-xen", model, medium, want, tree, initrd, 300,
                 gunzips=True)
    else:
        medium = isolinux_iso(env, tree, entry, "isolinux-stanza")
        xen_boot(env, "isolinux-stanza-xen", model, medium, want, tree, initrd,
                 gunzips=True)


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
    "grub-bios-linux": case_grub_linux,
    "grub-efi-xen-amd": lambda env: case_grub_xen(env, "EPYC-Milan", efi=True),
    "isolinux-xen-intel": lambda env: case_syslinux_xen(env, "Denverton"),
    "isolinux-xen-amd": lambda env: case_syslinux_xen(env, "EPYC-Rome", raw=True),
    "pxelinux-xen-amd": lambda env: case_syslinux_xen(env, "EPYC-Milan", pxe=True),
    "stanza-refuses": case_stanza_refuses,
}


def main():
    if sys.argv[1:] == ["--list"]:
        print("\n".join(CASES))
        return 0
    if len(sys.argv) != 5 or sys.argv[1] not in CASES:
        sys.exit(__doc__)
    case, mkucode, probe_elf, fetch = sys.argv[1:]
    keep = os.environ.get("MKUCODE_BOOT_KEEP")
    if keep:
        work = os.path.join(keep, case)
        shutil.rmtree(work, ignore_errors=True)
        os.makedirs(work)
    else:
        tmp = tempfile.TemporaryDirectory(prefix="mkucode-loader-")
        work = tmp.name
    env = bt.Env(os.path.abspath(mkucode), os.path.abspath(probe_elf), fetch, work)
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

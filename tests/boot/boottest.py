#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Boot tests: the real consumers read what mkucode writes, under QEMU (TCG).

usage: boottest.py CASE MKUCODE PROBE FETCH
       boottest.py --list

  xen-MODEL     for a QEMU CPU model whose signature Debian's firmware covers:
                Xen 4.17 with ucode=scan on images made by prepending
                mkucode's output (--cpu and all microcode), and with
                ucode=-1 / ucode=1 on raw files from mkucode --raw; the
                revision Xen tries equals what `mkucode verify --json` says
                Xen 4.17 loads and what the freestanding probe finds
  xen-negative  no microcode for the emulated CPU, an Intel blob and an AMD
                container (its equivalence table, its magic) corrupted after
                writing: Xen tries nothing, verify says why, the probe agrees
  linux-gzip, linux-xz, linux-zstd
                Debian's kernel boots an image prepended to a busybox
                initramfs so compressed; its init finds the microcode files
                with the checksums of the ones mkucode wrote
  linux-acpi    an early archive with an ACPI table goes through the prepend
                too, and the kernel reports the table found in the initrd
  late-xen      `mkucode late` in a Xen 4.17 dom0 (Debian's kernel, with
                Debian's xen-ucode and its libraries in the initramfs):
                Xen's console shows it tried the revision mkucode planned,
                and mkucode reports xen-ucode's failure (TCG)
  late-linux    `mkucode late` on Debian's kernel alone: no reload
                (CONFIG_MICROCODE_LATE_LOADING is off), refused, and why

TCG ignores microcode writes, so Xen's "update rev A to B failed" is the sign
that it found and tried patch B.  Each boot ends as soon as the awaited line
appears.  Exits 77 only when the test cannot run at all (no QEMU, nothing
fetched); CI treats a skip as failure.  Logs and images stay in
$MKUCODE_BOOT_KEEP/CASE when that is set, else in a temporary directory.
"""
import hashlib
import json
import os
import re
import select
import shutil
import struct
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import newc  # noqa: E402
import tap  # noqa: E402

QEMU = "qemu-system-x86_64"

# How images are made (make_image below is the only place that cares):
# by `mkucode --prepend IMAGE`, or, with False, by `mkucode -o` and cat, the
# way the tests ran before --prepend existed.
USE_PREPEND = True

# QEMU CPU models under TCG: the CPUID(1).EAX they report, the platform
# flags a loader computes there (TCG reads platform id 0: pf bit 0) and the
# microcode revision we make the CPU report (QEMU's ucode-rev property,
# Intel's revision in bits 63:32, AMD's patch level in 31:0), below every
# patch so that Xen wants to load.  The firmware has patches for each:
# 06-55-04 (pf 0xb7), 06-5f-01 (pf 0x01), fam17h 0x830f10, fam19h 0xa00f11.
CPUS = {
    "Skylake-Server": ("intel", 0x00050654, 0x01, 0x1),
    "Denverton": ("intel", 0x000506F1, 0x01, 0x1),
    "EPYC-Rome": ("amd", 0x00830F10, 0x00, 0x01000065),
    "EPYC-Milan": ("amd", 0x00A00F11, 0x00, 0x01000065),
}


def qemu_cpu(model):
    """-cpu for a model: our revision, and no hypervisor bit, so that Linux
    does not stand aside as it does in a VM (Xen 4.17 never does)."""
    vendor, _, _, rev = CPUS[model]
    ucode_rev = rev << 32 if vendor == "intel" else rev
    return ["-cpu", f"{model},-hypervisor,ucode-rev={ucode_rev:#x}"]


VENDOR_FILE = {"intel": "GenuineIntel.bin", "amd": "AuthenticAMD.bin"}
UCODE_DIR = "kernel/x86/microcode/"

CASES = ["xen-" + m for m in CPUS] + ["xen-negative", "linux-gzip", "linux-xz",
                                       "linux-zstd", "linux-acpi", "late-xen",
                                       "late-linux"]


def check(ok, msg):
    return tap.ok(ok, msg)


def run(cmd, ok=(0,)):
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if p.returncode not in ok:
        sys.exit(f"error: {' '.join(cmd)} exited {p.returncode}: {p.stderr.strip()}")
    return p


def read(path):
    with open(path, "rb") as f:
        return f.read()


def hexrev(rev):
    return "none" if rev is None else f"{rev:#x}"


# ------------------------------------------------------------------ newc cpio
# tests/lib/newc.py, independent of the core, writes the busybox initramfs
# and the ACPI archive and reads back what mkucode wrote.


# ------------------------------------------------------------------ QEMU

class Boot:
    """One QEMU run: its serial lines, the awaited match and how long."""

    def __init__(self, lines, match, seconds):
        self.lines, self.match, self.seconds = lines, match, seconds

    def find(self, pattern):
        return [m for m in (re.search(pattern, l) for l in self.lines) if m]


def boot(work, name, args, until, timeout):
    """Run QEMU until a serial line matches the regex until, QEMU exits or
    timeout seconds pass; then kill it at once.  The log goes to work."""
    cmd = [QEMU, "-accel", "tcg", "-m", "512", "-smp", "1", "-nodefaults",
           "-display", "none", "-monitor", "none", "-serial", "stdio",
           "-no-reboot"] + args
    start = time.monotonic()
    lines, match, buf = [], None, b""
    with open(os.path.join(work, name + ".log"), "wb") as log:
        log.write(("# " + " ".join(cmd) + "\n").encode())
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT)
        try:
            while match is None:
                left = start + timeout - time.monotonic()
                if left <= 0 or not select.select([proc.stdout], [], [], left)[0]:
                    break
                chunk = os.read(proc.stdout.fileno(), 65536)
                if not chunk:
                    break
                log.write(chunk)
                buf += chunk
                *done, buf = buf.split(b"\n")
                for raw in done:
                    line = raw.decode(errors="replace").rstrip("\r")
                    lines.append(line)
                    if match is None:
                        match = re.search(until, line)
        finally:
            proc.kill()
            proc.wait()
    seconds = time.monotonic() - start
    print(f"  {name}: {'matched' if match else 'no match'} after {seconds:.1f}s"
          f" ({len(lines)} lines, log {name}.log)", flush=True)
    if match is None or re.search(LOADER_FAILED, match.string):
        # The work directory may be gone by the time someone reads this.
        for line in lines[-25:]:
            print(f"  | {line}")
    return Boot(lines, match, seconds)


# ------------------------------------------------------------------ context

def is_static(path):
    """True for an ELF with no program interpreter: it runs alone in the
    initramfs, without a libc beside it."""
    try:
        with open(path, "rb") as f:
            elf = f.read(1 << 20)
    except OSError:
        return False
    if elf[:4] != b"\x7fELF" or elf[4] != 2:  # 64-bit only: our guest is x86_64
        return False
    phoff, = struct.unpack_from("<Q", elf, 0x20)
    phentsize, phnum = struct.unpack_from("<HH", elf, 0x36)
    types = [struct.unpack_from("<I", elf, phoff + i * phentsize)[0] for i in range(phnum)]
    return 3 not in types  # PT_INTERP


class Env:
    def __init__(self, mkucode, probe, fetch, work):
        self.mkucode, self.probe, self.work = mkucode, probe, work
        self.fetch = fetch
        if shutil.which(QEMU) is None:
            print(f"SKIP: {QEMU} not found (./setup installs qemu-system-x86)")
            sys.exit(77)
        p = subprocess.run(["bash", fetch], stdout=subprocess.PIPE, text=True)
        if p.returncode != 0:
            print("SKIP: cannot fetch the kernel, Xen or the firmware")
            sys.exit(77)
        paths = dict(l.split("=", 1) for l in p.stdout.splitlines() if "=" in l)
        self.kernel, self.xen = paths["kernel"], paths["xen"]
        # fetch's cache: CACHE/firmware, CACHE/boot, and what else tests keep there.
        self.cache = os.path.dirname(paths["firmware"])
        fw = os.path.join(paths["firmware"], "lib", "firmware")
        self.sources = [os.path.join(fw, "intel-ucode"), os.path.join(fw, "amd-ucode")]
        self.busybox = shutil.which("busybox") or "/bin/busybox"
        if not is_static(self.busybox):
            print(f"SKIP: {self.busybox} is not a static binary (./setup installs busybox-static)")
            sys.exit(77)

    def path(self, name):
        return os.path.join(self.work, name)

    # The one place that turns a selection and an initrd into an image.
    def make_image(self, out, selection, initrd):
        if USE_PREPEND:
            shutil.copyfile(initrd, out)
            run([self.mkucode, "-q"] + selection + ["--prepend", out] + self.sources)
        else:
            early = out + ".early"
            run([self.mkucode, "-q"] + selection + ["-o", early] + self.sources)
            with open(out, "wb") as f:
                for part in (early, initrd):
                    with open(part, "rb") as p:
                        shutil.copyfileobj(p, f)
        return out

    def make_raw(self, out_dir, selection):
        os.makedirs(out_dir, exist_ok=True)
        run([self.mkucode, "-q"] + selection + ["--raw", out_dir] + self.sources)
        return out_dir

    def verify(self, image, vendor, sig, pf):
        """verify --json for one CPU: (the element, exit status)."""
        spec = f"{sig:#x},{pf:#x}" if vendor == "intel" else f"{sig:#x}"
        p = run([self.mkucode, "verify", "--json", "--cpu", spec, image], ok=(0, 3))
        return json.loads(p.stdout)[0], p.returncode

    def initramfs(self, compress="gzip"):
        """A busybox initramfs whose init prints what the Linux cases need."""
        out = self.path(f"initramfs.cpio.{compress}")
        if os.path.exists(out):
            return out
        init = INIT_SCRIPT.encode()
        with open(self.busybox, "rb") as f:
            bb = f.read()
        raw = newc.archive([("bin", 0o040755), ("dev", 0o040755), ("proc", 0o040755),
                            ("dev/console", 0o020600, b"", (5, 1)),
                            ("bin/busybox", 0o100755, bb), ("init", 0o100755, init)])
        # The kernel's xz decoder knows CRC32 only.
        cmd = {"gzip": ["gzip", "-9n"], "xz": ["xz", "--check=crc32", "-6"],
               "zstd": ["zstd", "-q", "-19"]}[compress]
        with open(out, "wb") as f:
            subprocess.run(cmd, input=raw, stdout=f, check=True)
        return out


INIT_SCRIPT = """#!/bin/busybox sh
bb=/bin/busybox
$bb mount -t proc proc /proc
echo "boottest: init running"
for f in /kernel/x86/microcode/*.bin; do
	[ -f "$f" ] && echo "boottest: sha256 $($bb sha256sum "$f")"
done
$bb dmesg | $bb grep -E 'microcode|ACPI table found in initrd|Table Upgrade' |
while read -r line; do echo "boottest: dmesg $line"; done
echo "boottest: init done"
$bb poweroff -f
"""


# ------------------------------------------------------------------ the probe

def probe(env, name, model, modules):
    """Boot the probe with these modules: {index: {(input, consumer): rev}}
    and the CPU it read."""
    args = ["-kernel", env.probe, "-initrd", ",".join(modules)]
    b = boot(env.work, name, qemu_cpu(model) + args, r"^probe: (done|error)", 60)
    check(b.match is not None and b.match.group(1) == "done",
          f"{name}: the probe ran to its end")
    cpu = b.find(r"^probe: cpu (\w+) sig (0x[0-9a-f]+) pf (0x[0-9a-f]+) rev (0x[0-9a-f]+)")
    answers = {}
    for m in b.find(r"^probe: module (\d+) \(\d+ bytes\) (cpio|raw) ([\w.-]+): "
                    r"(?:rev (0x[0-9a-f]+)|none: (.*))"):
        answers.setdefault(int(m.group(1)), {})[(m.group(2), m.group(3))] = \
            int(m.group(4), 16) if m.group(4) else None
        print("  probe says: " + m.group(0)[len("probe: "):])
    return (cpu[0].groups() if cpu else None), answers


# ------------------------------------------------------------------ Xen

XEN_TRIED = r"microcode: CPU0 update(?:d from revision|) (?:rev )?(0x[0-9a-f]+) to (0x[0-9a-f]+)"
# After the BSP's early load; with one CPU nothing loads microcode later.
XEN_PAST = r"\(XEN\) Brought up \d+ CPUs"


def xen(env, name, model, cmdline, modules):
    """Boot Xen 4.17 with the dom0 kernel and modules; the revision it tried
    (the patch it found), or None when it reached SMP bring-up first."""
    args = ["-kernel", env.xen, "-append", f"console=com1 loglvl=all {cmdline}",
            "-initrd", ",".join([env.kernel] + modules)]
    return xen_run(env, name, model, args, f"{XEN_TRIED}|{XEN_PAST}",
                   "neither a microcode attempt nor SMP bring-up")


def xen_run(env, name, model, args, until, awaited, timeout=120):
    """Boot Xen 4.17 on a model with QEMU args that load it (directly or
    through a boot loader) until the regex until; awaited says what it
    stands for.  The revision Xen tried, or None, and the Boot."""
    b = boot(env.work, name, qemu_cpu(model) + args, until, timeout)
    for m in b.find(r"\(XEN\) (.*(?:[Mm]icrocode|ucode).*)"):
        print("  xen says: " + m.group(1))
    check(bool(b.find(r"BSP microcode revision")), f"{name}: Xen reached its microcode init")
    if b.match is None:
        check(False, f"{name}: Xen printed {awaited}")
        return None, b
    tried = b.find(XEN_TRIED)
    if tried:
        want = CPUS[model][3]
        check(int(tried[0].group(1), 16) == want,
              f"{name}: Xen read the CPU's revision as {tried[0].group(1)}, QEMU's is {want:#x}")
    return (int(tried[0].group(2), 16) if tried else None), b


def case_xen(env, model):
    vendor, sig, pf, rev = CPUS[model]
    vfile = VENDOR_FILE[vendor]
    initrd = env.initramfs()
    spec = [f"--cpu={sig:#x}"]
    images = {
        "cpu.img": env.make_image(env.path("cpu.img"), spec, initrd),
        "all.img": env.make_image(env.path("all.img"), [], initrd),
        "raw-cpu": os.path.join(env.make_raw(env.path("raw-cpu"), spec), vfile),
        "raw-all": os.path.join(env.make_raw(env.path("raw-all"), []), vfile),
    }
    want, verified = {}, {}
    for key, path in images.items():
        v, rc = env.verify(path, vendor, sig, pf)
        want[key], verified[key] = v["xen_4_17"], v
        check(rc == 0 and want[key] is not None,
              f"{key}: mkucode verify says Xen 4.17 loads {hexrev(want[key])} on {sig:#x}")
    check(len(set(want.values())) == 1, f"the four images offer Xen the same patch: {want}")

    # The probe: every module read as Xen 4.17 would (cpio for images, raw
    # for the raw files) and as Linux 6.1 would.
    order = list(images)
    cpu, got = probe(env, "probe", model, [images[k] for k in order])
    check(cpu is not None and (cpu[0], int(cpu[1], 16), int(cpu[2], 16), int(cpu[3], 16))
          == (vendor, sig, pf, rev),
          f"probe reads CPU {cpu} on {model}, the table says {vendor} {sig:#x} "
          f"pf {pf:#x} rev {rev:#x}")
    for i, key in enumerate(order):
        how = "raw" if key.startswith("raw") else "cpio"
        rev = got.get(i, {}).get((how, "xen-4.17"), "missing")
        check(rev == want[key],
              f"{key}: the probe finds {hexrev(rev) if rev != 'missing' else rev} for Xen 4.17, "
              f"verify {hexrev(want[key])}")
        if how == "cpio":
            v = verified[key]
            rev = got.get(i, {}).get(("cpio", "linux-6.1"), "missing")
            check(rev == v["linux_6_1"],
                  f"{key}: the probe and verify agree on Linux 6.1: {hexrev(v['linux_6_1'])}")

    # Xen itself.  Module 0 is dom0's kernel; ucode=<n> counts from it.
    runs = [
        ("xen-scan-cpu", "ucode=scan", [images["cpu.img"]], "cpu.img"),
        ("xen-scan-all", "ucode=scan", [images["all.img"]], "all.img"),
        ("xen-raw-last-cpu", "ucode=-1", [initrd, images["raw-cpu"]], "raw-cpu"),
        ("xen-raw-index-all", "ucode=1", [images["raw-all"], initrd], "raw-all"),
    ]
    for name, cmdline, modules, key in runs:
        rev, _ = xen(env, name, model, cmdline, modules)
        check(rev is not None and rev == want[key],
              f"{name}: Xen 4.17 ({cmdline}) tried {hexrev(rev)}, verify says {hexrev(want[key])}")


def corrupt(path, member, offset):
    """Flip a byte of a member of the image's early cpio (or of a raw file
    when member is None), after mkucode wrote it.  Returns where the member's
    data starts in the file (0 for a raw file)."""
    data = bytearray(read(path))
    start = newc.find(bytes(data), member).data_offset if member is not None else 0
    data[start + offset] ^= 0xff
    with open(path, "wb") as f:
        f.write(data)
    return start


def case_xen_negative(env):
    initrd = env.initramfs()
    ivendor, isig, ipf, _ = CPUS["Skylake-Server"]
    avendor, asig, apf, _ = CPUS["EPYC-Rome"]

    # Microcode for other CPUs only: Cascade Lake's (06-55-07) and AMD's.
    other = env.make_image(env.path("other.img"),
                           ["--cpu=0x50657", f"--cpu={asig:#x}",
                            f"--cpu={CPUS['EPYC-Milan'][1]:#x}"], initrd)
    # Intel: one data byte of the update flipped, its checksum now wrong.
    bad_intel = env.make_image(env.path("bad-intel.img"), [f"--cpu={isig:#x}"], initrd)
    # verify names the update, the first in GenuineIntel.bin, by its offset.
    bad_intel_at = corrupt(bad_intel, UCODE_DIR + VENDOR_FILE["intel"], 48 + 100)
    # AMD, raw for ucode=-1: the equivalence table's section type broken
    # (the magic kept, so the file is still recognisably an AMD container).
    bad_amd = os.path.join(env.make_raw(env.path("raw-bad"), [f"--cpu={asig:#x}"]),
                           VENDOR_FILE["amd"])
    corrupt(bad_amd, None, 4)
    # The same with the container magic broken: no longer an AMD file by its
    # content, but ucode=<n> still hands it to Xen's AMD parser.
    bad_magic = os.path.join(env.make_raw(env.path("raw-bad-magic"), [f"--cpu={asig:#x}"]),
                             VENDOR_FILE["amd"])
    corrupt(bad_magic, None, 1)

    # (name, image, CPU, Xen's command line and modules, verify's reason,
    # Xen's message: none when nothing matches, Xen 4.17 is silent then.)
    cases = [
        ("other", other, ivendor, isig, ipf, "Skylake-Server", "ucode=scan",
         [other], r"xen-4\.17: no microcode for this CPU", None),
        ("bad-intel", bad_intel, ivendor, isig, ipf, "Skylake-Server", "ucode=scan",
         [bad_intel], rf"offset {bad_intel_at:#x}: Intel microcode checksum mismatch",
         r"microcode: Bad checksum"),
        ("bad-amd", bad_amd, avendor, asig, apf, "EPYC-Rome", "ucode=-1",
         [initrd, bad_amd], r"equivalence table section has the wrong type",
         r"microcode: Bad equivalent cpu table"),
        ("bad-amd-magic", bad_magic, avendor, asig, apf, "EPYC-Rome", "ucode=-1",
         [initrd, bad_magic], r"offset 0: read as an AMD container: bad AMD container magic",
         r"microcode: Wrong microcode patch file magic"),
    ]
    for key, image, vendor, sig, pf, model, cmdline, modules, why, xen_why in cases:
        # Exit 3: a valid image with nothing for this CPU; exit 1: bad input,
        # named on stderr (the JSON, when there is one, says why too).
        spec = f"{sig:#x},{pf:#x}" if vendor == "intel" else f"{sig:#x}"
        p = run([env.mkucode, "verify", "--json", "--cpu", spec, image], ok=(1, 3))
        said = " | ".join(p.stderr.strip().splitlines())
        if p.stdout.strip():
            v = json.loads(p.stdout)[0]
            check(v["xen_4_17"] is None, f"{key}: verify says Xen 4.17 loads nothing")
            said = (said + " " + (v["why"] or "")).strip()
        print(f"  verify says (exit {p.returncode}): {said}")
        check(re.search(why, said, re.I) is not None,
              f"{key}: verify says why: /{why}/")
        how = "raw" if cmdline != "ucode=scan" else "cpio"
        _, got = probe(env, f"probe-{key}", model, [image])
        rev = got.get(0, {}).get((how, "xen-4.17"), "missing")
        check(rev is None, f"{key}: the probe finds nothing for Xen 4.17 ({rev})")
        rev, b = xen(env, f"xen-{key}", model, cmdline, modules)
        check(rev is None and b.match is not None,
              f"{key}: Xen 4.17 ({cmdline}) tried nothing before SMP bring-up")
        if xen_why:
            check(bool(b.find(xen_why)), f"{key}: Xen says /{xen_why}/")


# ------------------------------------------------------------------ Linux

def acpi_table():
    """A minimal valid SSDT: a bare 36-byte header, checksum byte set so the
    whole table sums to zero."""
    hdr = bytearray(struct.pack("<4sIBB6s8sI4sI", b"SSDT", 36, 2, 0, b"MKUCOD",
                                b"BOOTTEST", 1, b"MKUC", 1))
    hdr[9] = -sum(hdr) & 0xff
    return bytes(hdr)


# quiet: the serial line is slow under TCG; init prints what we need.
LINUX_CMDLINE = "console=ttyS0 quiet panic=-1 rdinit=/init"


def linux_want(env, image, selection, cpus):
    """What the guest's init must find: {path: sha256} of the microcode
    files in the early cpio of image (the first of a list of initrds) as
    mkucode wrote them (the same bytes as mkucode --raw of the selection),
    checked to be what Linux 6.1 loads on each of cpus, say verify."""
    images = image if isinstance(image, list) else [image]
    members = newc.members(read(images[0]))
    raw = env.make_raw(env.path("raw"), selection)
    want = {}
    for vendor in ("intel", "amd"):
        name = UCODE_DIR + VENDOR_FILE[vendor]
        data = members.get(name)
        check(data is not None, f"the image's early cpio holds {name}")
        if data is None:
            continue
        rawdata = read(os.path.join(raw, VENDOR_FILE[vendor]))
        check(data == rawdata, f"{VENDOR_FILE[vendor]} in the image equals mkucode --raw's")
        want["/" + name] = hashlib.sha256(data).hexdigest()
    # The guest's rootfs gets the files from any uncompressed cpio, even one
    # the early loader never reaches; verify says the loader reaches them.
    for cpu in cpus:
        spec = f"{cpu[1]:#x},{cpu[2]:#x}" if cpu[0] == "intel" else f"{cpu[1]:#x}"
        p = run([env.mkucode, "verify", "--json", "--cpu", spec] + images, ok=(0, 3))
        v = json.loads(p.stdout)[0]
        check(v["linux_6_1"] is not None,
              f"verify: Linux 6.1 loads {hexrev(v['linux_6_1'])} on {cpu[1]:#x} "
              f"from {' + '.join(os.path.basename(i) for i in images)}")
    return want


def linux_run(env, name, model, args, want, timeout=240):
    """Boot Debian's kernel (QEMU args that load it, directly or through a
    boot loader) to our init's end; the files init finds must be want."""
    b = boot(env.work, name, qemu_cpu(model) + args,
             r"^boottest: init done|Kernel panic|" + LOADER_FAILED, timeout)
    check(bool(b.find(r"^boottest: init running")), f"{name}: the kernel reached our init")
    check(b.match is not None and "init done" in b.match.group(0), f"{name}: init ran to its end")
    got = {m.group(2): m.group(1) for m in b.find(r"^boottest: sha256 ([0-9a-f]{64})\s+(\S+)")}
    for m in b.find(r"^boottest: dmesg (.*)"):
        print("  linux says: " + m.group(1))
    for path, digest in want.items():
        check(got.get(path) == digest,
              f"{name}: {path} in the guest: sha256 {got.get(path)}, mkucode wrote {digest}")
    return b


# What a boot loader prints when an entry fails: the boot ends there rather
# than at the timeout (GRUB waits for a key, syslinux falls back to its
# prompt, which a working config with PROMPT 1 shows too).
LOADER_FAILED = (r"^(?:\x1b\[[0-9;]*[A-Za-z])*error: |Press any key to continue|Boot failed"
                 r"|Could not find kernel|Unable to locate configuration file")


def case_linux(env, compress, acpi=False):
    intel, amd = CPUS["Skylake-Server"], CPUS["EPYC-Rome"]
    selection = [f"--cpu={intel[1]:#x}", f"--cpu={amd[1]:#x}"]
    base = env.initramfs(compress)
    if acpi:
        # The early archive the image already has: an ACPI override.
        table = acpi_table()
        withacpi = env.path("acpi-" + os.path.basename(base))
        with open(withacpi, "wb") as f:
            f.write(newc.archive([("kernel", 0o040755), ("kernel/firmware", 0o040755),
                                  ("kernel/firmware/acpi", 0o040755),
                                  ("kernel/firmware/acpi/mkucode.aml", 0o100644, table)]))
            f.write(read(base))
        base = withacpi
    image = env.make_image(env.path(f"linux-{compress}.img"), selection, base)
    want = linux_want(env, image, selection, (intel, amd))
    if acpi:
        check("kernel/firmware/acpi/mkucode.aml" in newc.members(read(image)),
              "the ACPI table is still in the image's early archives")

    args = ["-kernel", env.kernel, "-initrd", image, "-append", LINUX_CMDLINE]
    b = linux_run(env, f"linux-{compress}" + ("-acpi" if acpi else ""), "Skylake-Server",
                  args, want)
    if acpi:
        check(bool(b.find(r"ACPI: SSDT ACPI table found in initrd "
                          r"\[kernel/firmware/acpi/mkucode.aml\]")),
              "the kernel found the ACPI table in the initrd")
        check(bool(b.find(r"Table Upgrade: install \[SSDT-MKUCOD-BOOTTEST\]")),
              "the kernel installed the table")


# ------------------------------------------------------------------ late

def ldd_closure(binary, lib_dirs):
    """The shared objects binary loads as the host's loader resolves them,
    lib_dirs first: [(path in the guest, file on the host)], the program
    interpreter included.  The guest runs the same Debian userland."""
    env = dict(os.environ, LD_LIBRARY_PATH=":".join(lib_dirs))
    p = subprocess.run(["ldd", binary], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True, env=env)
    if p.returncode != 0 or "not found" in p.stdout:
        sys.exit(f"error: ldd {binary}: {p.stdout.strip()} {p.stderr.strip()}")
    out = []
    for line in p.stdout.splitlines():
        m = re.match(r"\s*(\S+) => (/\S+) \(", line)
        if m:
            out.append(("lib/" + m.group(1), m.group(2)))
            continue
        m = re.match(r"\s*(/\S+) \(", line)
        if m:  # the interpreter, at the path the ELF names
            out.append((m.group(1).lstrip("/"), m.group(1)))
    return out


LATE_INIT = """#!/bin/busybox sh
bb=/bin/busybox
$bb mount -t proc proc /proc
$bb mount -t sysfs sysfs /sys
$bb mount -t devtmpfs devtmpfs /dev
for m in /lib/modules/*.ko; do [ -f "$m" ] && $bb insmod "$m"; done
[ -d /proc/xen ] && $bb mount -t xenfs xenfs /proc/xen
echo "boottest: init running"
export LD_LIBRARY_PATH=/lib
( /bin/mkucode late --dry-run 2>&1; echo "exit $?" ) |
while read -r line; do echo "boottest: dry: $line"; done
( /bin/mkucode late 2>&1; echo "exit $?" ) |
while read -r line; do echo "boottest: late: $line"; done
echo "boottest: init done"
$bb poweroff -f
"""


def late_initramfs(env, name, model, xen):
    """An uncompressed initramfs: busybox, mkucode and its libraries, the
    firmware file for model's signature; for a dom0 also xen-ucode (where
    Debian installs it, so that mkucode's search finds it), its libraries
    and the Xen modules."""
    fl = subprocess.run(["bash", os.path.join(os.path.dirname(env.fetch), "fetch-late")],
                        stdout=subprocess.PIPE, text=True)
    if fl.returncode != 0:
        print("SKIP: cannot fetch xen-ucode or the Xen modules")
        sys.exit(77)
    paths = dict(l.split("=", 1) for l in fl.stdout.splitlines() if "=" in l)
    sig = CPUS[model][1]
    fms = f"{sig >> 8 & 0xf:02x}-{(sig >> 4 & 0xf) | (sig >> 12 & 0xf0):02x}-{sig & 0xf:02x}"
    entries = {d: (d, 0o040755) for d in
               ("bin", "dev", "proc", "sys", "tmp", "lib", "lib64", "lib/modules",
                "lib/firmware", "lib/firmware/intel-ucode", "usr", "usr/lib",
                "usr/lib/xen-4.17", "usr/lib/xen-4.17/bin")}
    files = [("bin/busybox", env.busybox), ("bin/mkucode", env.mkucode),
             (f"lib/firmware/intel-ucode/{fms}", os.path.join(env.sources[0], fms))]
    files += ldd_closure(env.mkucode, [])
    if xen:
        tools = paths["xen_tools"]
        xu = os.path.join(tools, "xen-utils-4.17", "usr/lib/xen-4.17/bin/xen-ucode")
        libdirs = [os.path.join(tools, d, "usr/lib/x86_64-linux-gnu")
                   for d in sorted(os.listdir(tools))]
        files += [("usr/lib/xen-4.17/bin/xen-ucode", xu)] + ldd_closure(xu, libdirs)
        files += [(f"lib/modules/{m}", os.path.join(paths["xen_modules"], m))
                  for m in ("xen-privcmd.ko", "xenfs.ko")]
    for guest, host in files:
        with open(host, "rb") as f:
            entries[guest] = (guest, 0o100755, f.read())
    members = list(entries.values()) + [("dev/console", 0o020600, b"", (5, 1)),
                                        ("init", 0o100755, LATE_INIT.encode())]
    out = env.path(name + ".cpio")
    with open(out, "wb") as f:
        f.write(newc.archive(members))
    return out, fms


def late_lines(b, run="late"):
    """What `mkucode late` (run "dry": with --dry-run) printed in the guest."""
    return [m.group(1) for m in b.find(rf"^boottest: {run}: (.*)")]


def case_late_xen(env):
    model = "Denverton"
    initrd, fms = late_initramfs(env, "late-xen", model, xen=True)
    # dom0's console is Xen's (hvc0), so one serial line carries both.
    # smap=0 smep=0: under TCG, Xen 4.17 with SMAP on faults reading a PV
    # dom0's stack during its first trap and crashes it (the other Xen
    # cases stop before dom0 starts).
    args = ["-kernel", env.xen,
            "-append", "console=com1 loglvl=all guest_loglvl=all dom0_mem=320M smap=0 smep=0",
            "-initrd", f"{env.kernel} console=hvc0 rdinit=/init,{initrd}"]
    b = boot(env.work, "late-xen", qemu_cpu(model) + args,
             r"^boottest: init done|Kernel panic|Panic on CPU", 240)
    said = late_lines(b)
    for line in said:
        print("  mkucode says: " + line)
    for m in b.find(r"\(XEN\) (.*(?:[Mm]icrocode|ucode|cores are to update).*)"):
        print("  xen says: " + m.group(1))
    check(b.match is not None and "init done" in b.match.group(0), "dom0's init ran to its end")
    dry = late_lines(b, "dry")
    check(any(l.startswith("would run: /usr/lib/xen-4.17/bin/xen-ucode FILE") for l in dry)
          and "exit 0" in dry, f"--dry-run: the xen-ucode command line, exit 0 ({dry[-1:]})")
    check(any(l.startswith("a Xen dom0") for l in said), "mkucode saw a Xen dom0")
    plan = [re.search(rf"^CPU 0: intel {fms} .*: update (\S+) -> (0x[0-9a-f]+)$", l)
            for l in said]
    plan = [m for m in plan if m]
    check(bool(plan), f"mkucode planned an update of CPU 0 ({fms})")
    if not plan:
        return
    want = int(plan[0].group(2), 16)
    check(plan[0].group(1) == f"{CPUS[model][3]:#010x}",
          f"mkucode read the running revision {plan[0].group(1)} from dom0's /proc/cpuinfo")
    check(any(l.startswith("running: /usr/lib/xen-4.17/bin/xen-ucode FILE") for l in said),
          "mkucode found xen-ucode in /usr/lib/xen-4.17/bin and ran it")
    tried = b.find(XEN_TRIED)
    check(bool(tried) and int(tried[-1].group(2), 16) == want,
          f"Xen tried {tried[-1].group(2) if tried else 'nothing'}, mkucode planned {want:#x}")
    check(bool(b.find(r"\(XEN\) .*Late loading aborted: CPU0 failed to update ucode")),
          "Xen says the late load failed (TCG ignores the write)")
    check(any(l.startswith("xen-ucode failed (exit 1)") for l in said),
          "mkucode reports xen-ucode's failure")
    check("exit 1" in said, f"mkucode late exits 1 ({[l for l in said if l.startswith('exit')]})")


def case_late_linux(env):
    model = "Skylake-Server"
    initrd, fms = late_initramfs(env, "late-linux", model, xen=False)
    args = ["-kernel", env.kernel, "-initrd", initrd,
            "-append", "console=ttyS0 quiet panic=-1 rdinit=/init"]
    b = boot(env.work, "late-linux", qemu_cpu(model) + args,
             r"^boottest: init done|Kernel panic", 180)
    said = late_lines(b)
    for line in said:
        print("  mkucode says: " + line)
    check(b.match is not None and "init done" in b.match.group(0), "init ran to its end")
    dry = late_lines(b, "dry")
    check("exit 1" in dry and any(l.startswith("nothing loaded") for l in dry),
          f"--dry-run refuses too: exit 1 ({dry[-1:]})")
    check(any(l.startswith("bare metal, a kernel without late loading") for l in said),
          "mkucode saw bare metal without late loading")
    check(any(re.search(rf"^CPU 0: intel {fms} .*: refused: .*no "
                        r"/sys/devices/system/cpu/microcode/reload", l) for l in said),
          "CPU 0 refused: no reload")
    check(any(l.startswith("nothing loaded") for l in said), "nothing loaded")
    check("exit 1" in said, "mkucode late exits 1")


# ------------------------------------------------------------------ main

def work_dir(case, prefix):
    """The case's scratch directory: MKUCODE_BOOT_KEEP/CASE, afresh and
    kept, or a temporary one.  Returns (path, holder); the directory lasts
    as long as holder does."""
    keep = os.environ.get("MKUCODE_BOOT_KEEP")
    if not keep:
        tmp = tempfile.TemporaryDirectory(prefix=prefix)
        return tmp.name, tmp
    work = os.path.join(keep, case)
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    return work, None


def main():
    if sys.argv[1:] == ["--list"]:
        print("\n".join(CASES))
        return 0
    if len(sys.argv) != 5 or sys.argv[1] not in CASES:
        sys.exit(__doc__)
    case, mkucode, probe_elf, fetch = sys.argv[1:]
    work, _holder = work_dir(case, "mkucode-boot-")
    env = Env(os.path.abspath(mkucode), os.path.abspath(probe_elf), fetch, work)
    print(f"{case}: images {'by mkucode --prepend' if USE_PREPEND else 'by mkucode -o + cat'}, "
          f"kernel {os.path.basename(env.kernel)}, work {work}", flush=True)

    start = time.monotonic()
    if case.startswith("xen-") and case[4:] in CPUS:
        case_xen(env, case[4:])
    elif case == "xen-negative":
        case_xen_negative(env)
    elif case == "late-xen":
        case_late_xen(env)
    elif case == "late-linux":
        case_late_linux(env)
    elif case == "linux-acpi":
        case_linux(env, "gzip", acpi=True)
    else:
        case_linux(env, case[len("linux-"):])
    print(f"# {case}: {tap.count() - len(tap.failures())}/{tap.count()} checks passed "
          f"in {time.monotonic() - start:.1f}s")
    return tap.done()


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""System tests: mkucode's own .deb in a real Debian 12 tree, with Debian's
kernel, initramfs-tools or dracut, and the vendor firmware packages.

usage: systemtest.py CASE MKUCODE UCGEN
       systemtest.py --list

  initramfs-tools  a kernel installed without mkucode (Debian's stock
                   initrd, kept for later); mkucode's .deb installed; two
                   more kernels installed: each initrd holds exactly what
                   mkucode builds from the tree's firmware (verify exit 0,
                   Intel data 16-byte aligned, one early archive);
                   update-initramfs -u -k all keeps it so (timed);
                   dpkg -r mkucode: the next build is the stock one (early
                   members and main-part file list), no hook says a word;
                   mkucode reinstalled; a rebuilt intel-microcode .deb with a
                   higher revision for 06-55-04: mkucode's dpkg trigger
                   refreshes every kernel's initrd, main parts byte for byte
                   unchanged (timed against update-initramfs -u -k all);
                   the same for a rebuilt amd64-microcode (fam19h, one
                   patch for 0x00a00f11, one revision higher);
                   Xen 4.17 with ucode=scan under QEMU tries the revision
                   verify predicts; a corrupted firmware file: the kernel
                   package still installs, the warning is in dpkg's output,
                   the image is initramfs-tools' own and boots to its init
  dracut           mkucode's .deb installed, two kernels installed: dracut's
                   images hold exactly mkucode's selection, one early
                   archive; dracut --regenerate-all -f, with no hook after
                   it, writes images that verify clean; dpkg -r mkucode:
                   dracut's trigger rebuilds the images with dracut's own
                   early microcode, no word of mkucode

The bumped intel-microcode and amd64-microcode are installed with dpkg
--no-triggers, each followed by mkucode's trigger alone (the first timed;
main parts compared), then initramfs-tools' once for both (their postinsts
ask for update-initramfs -u, which rebuilds the newest kernel's image; it
must verify too).

The trees come from tests/system/systree.py (a cached debootstrap); the
.deb from dpkg-buildpackage on this source tree (tests/system/debbuild.py).
Host tools read the results: MKUCODE (this build) for list and verify, and
tests/lib/newc.py, independent of mkucode, for the archive layout.  Root is
needed (debootstrap, chroot, unshare): without it the test exits 77.
Logs, the trees and the images stay in $MKUCODE_SYSTEM_KEEP/CASE when that
is set, else in a temporary directory removed at the end.
$MKUCODE_SYSTEM_DEB=FILE tests that .deb instead of building one;
$MKUCODE_SYSTEM_REFRESH=1 debootstraps the cached trees again.
"""
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
sys.path.insert(0, os.path.join(HERE, "..", "boot"))
sys.path.insert(0, HERE)
import newc  # noqa: E402
import tap  # noqa: E402
import systree  # noqa: E402
import debbuild  # noqa: E402

CASES = ["initramfs-tools", "dracut"]
UCODE_DIR = "kernel/x86/microcode/"
INTEL_BIN = UCODE_DIR + "GenuineIntel.bin"
AMD_BIN = UCODE_DIR + "AuthenticAMD.bin"

# The CPU the Xen boot emulates and the firmware file the rebuilt
# intel-microcode replaces: QEMU's Skylake-Server is 06-55-04.
XEN_MODEL = "Skylake-Server"
BUMP_FILE = "06-55-04"
# The file the rebuilt amd64-microcode replaces, and the CPU its one patch
# is for: family 19h, QEMU's EPYC-Milan (0x00a00f11).
AMD_BUMP_FILE = "microcode_amd_fam19h.bin"
AMD_BUMP_SIG = 0x00A00F11


def read(path):
    with open(path, "rb") as f:
        return f.read()


def sha(data):
    return hashlib.sha256(data).hexdigest()


class Ctx:
    """What every step needs: the host mkucode and ucgen, the work
    directory, its log and the timings."""

    def __init__(self, mkucode, ucgen, work):
        self.mkucode, self.ucgen, self.work = mkucode, ucgen, work
        self.log = os.path.join(work, "steps.log")
        self.times = {}

    def host(self, argv, step, ok=(0,), input=None):
        return systree.run_logged(argv, self.log, step, ok=ok, input=input)

    def note_time(self, what, seconds):
        self.times[what] = seconds
        tap.diag(f"time: {what}: {seconds:.2f}s")


# ------------------------------------------------------------------ images

class Image:
    """An initrd as the loaders walk it: its early archives (newc.scan, not
    mkucode's reader), their members, and the bytes after them."""

    def __init__(self, path):
        self.path = path
        self.data = read(path)
        sc = newc.scan(self.data)
        self.archives = sc.archives
        self.main_offset = sc.end
        self.main = self.data[sc.end:]
        self.members = {e.name: e for e in sc.entries if e.is_regular}

    def early_digest(self):
        """{name: sha256} of the early regular files: what a loader reads."""
        return {n: sha(e.data) for n, e in self.members.items()}

    def intel_misaligned(self):
        e = self.members.get(INTEL_BIN)
        return e is not None and e.data_offset % 16 != 0

    def main_names(self):
        """The file names in the compressed main part (decompressed with
        the host's tools, by magic)."""
        magic = self.main[:4]
        tool = {b"\x28\xb5\x2f\xfd": ["zstd", "-dcq"], b"\x1f\x8b\x08\x00": ["gzip", "-dc"],
                b"\xfd7zX": ["xz", "-dc"]}
        cmd = None
        for m, c in tool.items():
            if magic.startswith(m[:3]):
                cmd = c
        if cmd is None:
            raise systree.StepError(f"{self.path}: main part at {self.main_offset:#x} "
                                    f"starts {magic.hex()}: no known compression")
        raw = subprocess.run(cmd, input=self.main, stdout=subprocess.PIPE, check=True).stdout
        names, pos = set(), 0
        while pos < len(raw):
            if raw[pos] == 0:
                pos += 4
                continue
            entries, pos = newc.archive_entries(raw, pos)
            names.update(e.name for e in entries)
        return names


def selection(ctx, path, step):
    """mkucode list --json of path: the updates, without where they were."""
    _, out, _ = ctx.host([ctx.mkucode, "list", "--json", path], step)
    return sorted((tuple(sorted((k, v) for k, v in e.items() if k != "source"))
                   for e in json.loads(out)), key=repr)


def cpu_specs(updates):
    """--cpu options for every CPU the updates are for (Intel: the lowest
    platform bit of each mask)."""
    specs = set()
    for u in map(dict, updates):
        if u["vendor"] == "intel":
            pf = u["pf_mask"]
            specs.add(f"--cpu={u['signature']:#x},{pf & -pf:#x}")
        else:
            specs.add(f"--cpu={u['signature']:#x}")
    return sorted(specs)


def expected_build(ctx, tree, name, extra=()):
    """What mkucode builds from the tree's firmware and configuration, as
    the tree's hooks would: the host's mkucode --root TREE."""
    out = os.path.join(ctx.work, name + ".cpio")
    ctx.host([ctx.mkucode, "-q", "--root", tree.root] + list(extra) + ["-o", out],
             f"expected selection ({name})")
    return selection(ctx, out, f"list {name}")


def check_exact(ctx, path, want, label):
    """The image carries exactly want, in one early archive, aligned, and
    verify finds nothing to fix for any CPU of it."""
    try:
        img = Image(path)
    except OSError as e:
        return tap.ok(False, f"{label}: {path} readable", str(e))
    ok = tap.ok(img.archives == 1, f"{label}: one early archive",
                f"{img.archives} archives before the main part at {img.main_offset:#x}")
    got = selection(ctx, path, f"list {label}")
    ok &= tap.ok(got == want, f"{label}: exactly mkucode's selection ({len(want)} updates)",
                 f"got {len(got)}: missing {[dict(u) for u in want if u not in got][:5]}, "
                 f"extra {[dict(u) for u in got if u not in want][:5]}")
    ok &= tap.ok(not img.intel_misaligned(), f"{label}: Intel data 16-byte aligned",
                 f"{INTEL_BIN} data at {img.members[INTEL_BIN].data_offset:#x}"
                 if INTEL_BIN in img.members else "")
    rc, out, err = ctx.host([ctx.mkucode, "verify", "--json"] + cpu_specs(want) + [path],
                            f"verify {label}", ok=(0, 1, 3, 4))
    problems = [p for cpu in json.loads(out or "[]") for p in cpu["problems"]]
    ok &= tap.ok(rc == 0 and not problems, f"{label}: mkucode verify exit 0, no problems",
                 f"exit {rc}: {err.strip()[:500]} {problems[:3]}")
    return ok


# ------------------------------------------------------------------ packages

def bumped_package(ctx, deb, subdir, name, make):
    """Debian's firmware package deb rebuilt with a version above its own
    and SUBDIR/NAME replaced: make(old_updates, path) writes the new file
    (ucgen, valid checksums).  Returns the .deb's path and the first old
    update, as mkucode list gives it."""
    pkg = os.path.basename(deb).split("_")[0]
    d = os.path.join(ctx.work, pkg + "-bumped")
    ctx.host(["dpkg-deb", "-R", deb, d], f"dpkg-deb -R {pkg}")
    fw = [os.path.join(top, f) for top, _, files in os.walk(d) for f in files
          if f == name and top.endswith(subdir)]
    if len(fw) != 1:
        raise systree.StepError(f"{pkg}: {len(fw)} files named {subdir}/{name}")
    old = selection(ctx, fw[0], "list the file to replace")
    make(old, fw[0])
    rel = os.path.relpath(fw[0], d)
    md5 = os.path.join(d, "DEBIAN", "md5sums")
    lines = []
    for line in open(md5):
        digest, file = line.split(None, 1)
        if file.strip() == rel:
            digest = hashlib.md5(read(fw[0])).hexdigest()
        lines.append(f"{digest}  {file.strip()}\n")
    with open(md5, "w") as f:
        f.writelines(lines)
    control = os.path.join(d, "DEBIAN", "control")
    text = open(control).read()
    version = re.search(r"^Version: (\S+)$", text, re.M).group(1)
    with open(control, "w") as f:
        f.write(text.replace(f"Version: {version}", f"Version: {version}+mkucode1"))
    out = os.path.join(ctx.work, pkg + "-bumped.deb")
    ctx.host(["dpkg-deb", "--root-owner-group", "-b", d, out], f"dpkg-deb -b {pkg}")
    shutil.rmtree(d)
    return out, dict(old[0])


def bumped_intel_microcode(ctx, deb, rev):
    """intel-microcode with intel-ucode/BUMP_FILE one update for the same
    signature and platforms at revision rev: (deb, signature, pf mask)."""
    def make(old, path):
        u = dict(old[0])
        ctx.host([ctx.ucgen, "intel", "--sig", hex(u["signature"]), "--pf", hex(u["pf_mask"]),
                  "--rev", hex(rev), "--date", "0x12012026", "-o", path],
                 "ucgen the bumped update")
    out, u = bumped_package(ctx, deb, "intel-ucode", BUMP_FILE, make)
    return out, u["signature"], u["pf_mask"]


def bumped_amd64_microcode(ctx, deb, sig, rev):
    """amd64-microcode with amd-ucode/AMD_BUMP_FILE one container: sig's
    equivalence entry and its patch at revision rev."""
    def make(old, path):
        equiv = next(dict(u)["equiv_id"] for u in old if dict(u)["signature"] == sig)
        ctx.host([ctx.ucgen, "amd", "--equiv", f"{sig:#x}:{equiv:#x}",
                  "--patch", f"{rev:#x}:{equiv:#x}", "--date", "0x12012026", "-o", path],
                 "ucgen the bumped container")
    return bumped_package(ctx, deb, "amd-ucode", AMD_BUMP_FILE, make)[0]


def install_deferred(tree, deb, what):
    """dpkg --no-triggers -i of the bumped package WHAT (a host .deb) in the
    tree; one test: its files left mkucode's trigger pending.  Returns the
    .deb's path in the tree."""
    inside = "/tmp/" + os.path.basename(deb)
    shutil.copy(deb, tree.path(inside))
    tree.timed(["dpkg", "--no-triggers", "-i", inside],
               f"dpkg --no-triggers -i {what} (bumped)")
    _, pending, _ = tree.run(["dpkg-query", "-W", "-f", "${Package} ${Status}\\n"],
                             "dpkg-query triggers")
    tap.ok(re.search(r"^mkucode .*triggers-pending", pending, re.M) is not None,
           f"the bumped {what}'s files trigger mkucode",
           "\n".join(l for l in pending.splitlines() if "trigger" in l))
    return inside


def install(tree, deb, step, **kw):
    """dpkg -i of a host .deb in the tree: (seconds, rc, stdout, stderr)."""
    inside = "/tmp/" + os.path.basename(deb)
    shutil.copy(deb, tree.path(inside))
    try:
        return tree.timed(["dpkg", "-i", inside], step, **kw)
    finally:
        os.unlink(tree.path(inside))


def mkucode_said(text):
    return [l for l in text.splitlines() if "mkucode" in l]


def mkucode_messages(text):
    """Lines in mkucode's message shape (dpkg's own "Removing mkucode" is
    not one)."""
    return [l for l in text.splitlines() if re.search(r"(^|\s)mkucode: ", l)]


# ------------------------------------------------------------------ Xen and Linux under QEMU

class QemuEnv:
    """What boottest's boot() and xen() read: the work directory, Debian's
    kernel and Xen 4.17 (tests/boot/fetch)."""

    def __init__(self, work):
        import boottest
        self.boottest = boottest
        self.work = work
        if shutil.which(boottest.QEMU) is None:
            raise systree.StepError(f"{boottest.QEMU} not found (./setup installs it)")
        p = subprocess.run(["bash", systree.FETCH_BOOT], stdout=subprocess.PIPE, text=True)
        if p.returncode != 0:
            raise systree.StepError("tests/boot/fetch failed: no Debian kernel or Xen")
        paths = dict(l.split("=", 1) for l in p.stdout.splitlines() if "=" in l)
        self.kernel, self.xen = paths["kernel"], paths["xen"]


def xen_boot(ctx, image, label):
    """Xen 4.17, ucode=scan, the image as dom0's initrd, on XEN_MODEL: the
    revision it tries is the one verify says Xen 4.17 loads."""
    q = QemuEnv(ctx.work)
    vendor, sig, pf, _ = q.boottest.CPUS[XEN_MODEL]
    _, out, _ = ctx.host([ctx.mkucode, "verify", "--json", f"--cpu={sig:#x},{pf:#x}", image],
                         f"verify {label} for {XEN_MODEL}", ok=(0, 3, 4))
    want = json.loads(out)[0]["xen_4_17"]
    tap.ok(want is not None, f"{label}: verify says Xen 4.17 loads "
           f"{q.boottest.hexrev(want)} on {XEN_MODEL} ({sig:#x}, pf {pf:#x})")
    rev, _ = q.boottest.xen(q, "xen-" + label, XEN_MODEL, "ucode=scan", [image])
    tap.ok(rev is not None and rev == want,
           f"{label}: Xen 4.17 (ucode=scan) tried {q.boottest.hexrev(rev)}, "
           f"verify says {q.boottest.hexrev(want)}")
    return want


def linux_boot_to_init(ctx, image, label):
    """Debian's kernel with the image: initramfs-tools' init runs (break=top
    stops it there, before it looks for a root file system)."""
    q = QemuEnv(ctx.work)
    args = ["-kernel", q.kernel, "-initrd", image,
            "-append", "console=ttyS0 panic=-1 break=top"]
    b = q.boottest.boot(ctx.work, "linux-" + label, q.boottest.qemu_cpu(XEN_MODEL) + args,
                        r"Spawning shell within the initramfs|Kernel panic", 300)
    tap.ok(b.match is not None and "Spawning" in b.match.group(0),
           f"{label}: Debian's kernel unpacked the image and ran initramfs-tools' init "
           f"(break=top) in {b.seconds:.0f}s")


# ------------------------------------------------------------------ the cases

def kernels(ctx, count):
    """Debian's kernel package and count-1 renamed copies: [(deb, version)]."""
    k = systree.kernel_deb()
    debs = [k] + [systree.renamed_kernel(k, i, ctx.log) for i in range(1, count)]
    return [(d, systree.kernel_abi(d)[1]) for d in debs]


def case_initramfs_tools(ctx, cache, deb):
    fw = systree.firmware_debs()
    base = cache.tree("initramfs-tools", systree.depends_names(deb))
    tree = systree.Work(base, os.path.join(ctx.work, "tree"), ctx.log)
    ks = kernels(ctx, 3)
    initrd = {v: tree.path(f"/boot/initrd.img-{v}") for _, v in ks}

    # 1. A kernel without mkucode: Debian's stock initrd, remembered.
    k1deb, k1 = ks[0]
    t, *_ = install(tree, k1deb, f"dpkg -i {k1} (no mkucode)")
    ctx.note_time(f"dpkg -i kernel {k1}, stock", t)
    stock = Image(initrd[k1])
    stock_early, stock_names = stock.early_digest(), stock.main_names()
    tap.diag(f"stock {k1}: {stock.archives} early archive(s), members "
             f"{sorted(stock_early)}, {len(stock_names)} files in the main part")

    # 2. mkucode's .deb.
    t, rc, out, err = install(tree, deb, "dpkg -i mkucode")
    tap.ok(rc == 0, "mkucode's .deb installs")
    conffiles = [l.split()[0] for l in tree.run(
        ["dpkg-query", "-W", "-f", "${Conffiles}\\n", "mkucode"], "conffiles")[1].splitlines()
        if l.strip()]
    tap.diag(f"mkucode conffiles: {conffiles}")
    want = expected_build(ctx, tree, "selection")

    # 3. Two kernels installed with mkucode there.
    for kdeb, v in ks[1:]:
        t, rc, out, err = install(tree, kdeb, f"dpkg -i {v}")
        ctx.note_time(f"dpkg -i kernel {v}", t)
        tap.ok(not [l for l in mkucode_said(out + err) if "error" in l or "warning" in l],
               f"dpkg -i {v}: no mkucode warning or error", "\n".join(mkucode_said(out + err)))
        check_exact(ctx, initrd[v], want, f"kernel {v} installed")

    # 4. update-initramfs -u -k all keeps every image so.
    t, rc, out, err = tree.timed(["update-initramfs", "-u", "-k", "all"],
                                 "update-initramfs -u -k all")
    ctx.note_time("update-initramfs -u -k all (3 kernels)", t)
    for _, v in ks:
        check_exact(ctx, initrd[v], want, f"update-initramfs -u -k all: {v}")

    # 5. dpkg -r mkucode: the conffiles stay, the next build is the stock one.
    _, out, err = tree.run(["dpkg", "-r", "mkucode"], "dpkg -r mkucode")
    tap.ok(not mkucode_messages(out + err), "dpkg -r mkucode: no mkucode message",
           "\n".join(mkucode_messages(out + err)))
    _, status, _ = tree.run(["dpkg-query", "-W", "-f", "${Status}", "mkucode"],
                            "dpkg-query mkucode")
    tap.ok(status == "deinstall ok config-files",
           f"dpkg -r mkucode: only the conffiles remain ({status})")
    for c in conffiles:
        tap.ok(os.path.exists(tree.path(c)), f"dpkg -r mkucode: conffile {c} still there")
    _, rc, out, err = tree.timed(["update-initramfs", "-u", "-k", k1],
                                 f"update-initramfs -u -k {k1} without mkucode")
    tap.ok(not mkucode_said(err) and not mkucode_said(out),
           "without mkucode: update-initramfs says nothing of mkucode",
           "\n".join(mkucode_said(out + err)))
    after = Image(initrd[k1])
    tap.ok(after.early_digest() == stock_early,
           f"without mkucode: {k1}'s early part is Debian's stock one "
           f"({len(stock_early)} members, the same bytes)",
           f"stock {sorted(stock_early)}, now {sorted(after.early_digest())}")
    tap.ok(after.main_names() == stock_names,
           f"without mkucode: {k1}'s main part holds the stock files",
           f"only stock: {sorted(stock_names - after.main_names())[:10]}, "
           f"only now: {sorted(after.main_names() - stock_names)[:10]}")

    # 6. mkucode again: its postinst puts its selection back in front of all.
    install(tree, deb, "dpkg -i mkucode (again)")
    for _, v in ks:
        check_exact(ctx, initrd[v], want, f"mkucode reinstalled (its postinst refreshes): {v}")

    # 7. A newer intel-microcode: mkucode's trigger refreshes every image
    # and rebuilds none.  --no-triggers defers the trigger processing, so
    # that mkucode's trigger runs (and is timed) on its own, before
    # initramfs-tools' own (intel-microcode's postinst asks for
    # update-initramfs -u: it rebuilds the newest kernel's image).
    before = {v: Image(initrd[v]) for _, v in ks}
    sig = dict(selection(ctx, tree.path("/lib/firmware/intel-ucode", BUMP_FILE),
                         f"list {BUMP_FILE}")[0])["signature"]
    newest = max(dict(u)["revision"] for u in want
                 if dict(u)["vendor"] == "intel" and dict(u)["signature"] == sig)
    bumped, sig, pf = bumped_intel_microcode(ctx, fw["intel-microcode"], newest + 1)
    inside = install_deferred(tree, bumped, "intel-microcode")
    t, rc, out, err = tree.timed(["dpkg", "--triggers-only", "mkucode"],
                                 "dpkg --triggers-only mkucode")
    ctx.note_time("mkucode's trigger (3 kernels)", t)
    trigger_time = t
    tap.diag("mkucode's trigger said:\n" + (out + err).strip())
    want2 = expected_build(ctx, tree, "selection-bumped")
    tap.ok(want2 != want and any(dict(u)["revision"] == newest + 1 for u in want2),
           f"the bumped package's selection has {sig:#x} at {newest + 1:#x}")
    for _, v in ks:
        check_exact(ctx, initrd[v], want2, f"after the trigger: {v}")
        now = Image(initrd[v])
        tap.ok(now.main == before[v].main,
               f"after the trigger: {v}'s main part is byte for byte the one before "
               f"({len(now.main)} bytes at {now.main_offset:#x}, was {before[v].main_offset:#x})")
    os.unlink(tree.path(inside))

    # 7b. The same for amd64-microcode (its own trigger path, amd-ucode/).
    amd_sig = AMD_BUMP_SIG
    amd_newest = max(dict(u)["revision"] for u in want2
                     if dict(u)["vendor"] == "amd" and dict(u)["signature"] == amd_sig)
    bumped = bumped_amd64_microcode(ctx, fw["amd64-microcode"], amd_sig, amd_newest + 1)
    inside = install_deferred(tree, bumped, "amd64-microcode")
    tree.timed(["dpkg", "--triggers-only", "mkucode"], "dpkg --triggers-only mkucode (amd)")
    want3 = expected_build(ctx, tree, "selection-bumped-amd")
    tap.ok(any(dict(u)["vendor"] == "amd" and dict(u)["signature"] == amd_sig and
               dict(u)["revision"] == amd_newest + 1 for u in want3),
           f"the bumped amd64-microcode's selection has {amd_sig:#x} at {amd_newest + 1:#x}")
    for _, v in ks:
        check_exact(ctx, initrd[v], want3, f"after the amd64-microcode trigger: {v}")
        tap.ok(Image(initrd[v]).main == before[v].main,
               f"after the amd64-microcode trigger: {v}'s main part is byte for byte the one before")
    os.unlink(tree.path(inside))
    want2 = want3

    tree.run(["dpkg", "--triggers-only", "--pending"], "dpkg --triggers-only --pending")
    for _, v in ks:
        check_exact(ctx, initrd[v], want2, f"after initramfs-tools' trigger too: {v}")
        tap.diag(f"{v}: initramfs-tools' own trigger (update-initramfs -u) "
                 f"{'rebuilt' if Image(initrd[v]).main != before[v].main else 'left'} its main part")
    tap.diag(f"time: mkucode's trigger / update-initramfs -u -k all, same kernels, "
             f"same run: {trigger_time / ctx.times['update-initramfs -u -k all (3 kernels)']:.4f}")

    # 8. Xen 4.17 under QEMU reads one of these images.
    rev = xen_boot(ctx, initrd[k1], f"initrd-{k1}")
    tap.ok(rev == newest + 1, f"Xen's patch is the bumped package's ({newest + 1:#x})")

    # 9. A corrupted firmware file: the kernel still installs, loudly, and
    # its image is initramfs-tools' own.
    fwfile = tree.path("/lib/firmware/intel-ucode", BUMP_FILE)
    data = bytearray(read(fwfile))
    data[48 + 100] ^= 0xff
    with open(fwfile, "wb") as f:
        f.write(data)
    kdeb, v = ks[2]
    t, rc, out, err = install(tree, kdeb, f"dpkg -i {v} (corrupt firmware)")
    said = mkucode_said(out + err)
    tap.ok(rc == 0, f"corrupt {BUMP_FILE}: dpkg -i {v} still succeeds")
    tap.ok(any("warning" in l or "error" in l for l in said) and
           any(BUMP_FILE in l for l in said),
           f"corrupt {BUMP_FILE}: dpkg's output names it in a mkucode warning",
           "\n".join(said) or (out + err)[-1500:])
    tap.diag("dpkg said of mkucode:\n" + "\n".join(said))
    img = Image(initrd[v])
    names = img.main_names()
    tap.ok("init" in names and any(n.endswith(f"lib/modules/{v}/modules.dep") for n in names),
           f"corrupt {BUMP_FILE}: {v}'s image is initramfs-tools' (init, modules of {v})")
    rc, out, err = ctx.host([ctx.mkucode, "verify", "--json"] + cpu_specs(want) + [initrd[v]],
                            "verify the corrupt case's image", ok=(0, 3, 4, 1))
    problems = [p for cpu in json.loads(out or "[]") for p in cpu["problems"]]
    tap.ok(rc in (0, 3) and not problems,
           f"corrupt {BUMP_FILE}: what the early part holds trips no loader (verify exit {rc})",
           err[-500:])
    linux_boot_to_init(ctx, initrd[v], f"corrupt-{v}")
    return tree


def case_dracut(ctx, cache, deb):
    base = cache.tree("dracut", systree.depends_names(deb))
    tree = systree.Work(base, os.path.join(ctx.work, "tree"), ctx.log)
    ks = kernels(ctx, 2)
    initrd = {v: tree.path(f"/boot/initrd.img-{v}") for _, v in ks}
    # Generic images: hostonly would pick this machine's CPUs, which the
    # firmware may not cover.
    with open(tree.path("/etc/dracut.conf.d/50-system-test.conf"), "w") as f:
        f.write('hostonly="no"\n')

    t, rc, out, err = install(tree, deb, "dpkg -i mkucode")
    want = expected_build(ctx, tree, "selection")
    for kdeb, v in ks:
        t, rc, out, err = install(tree, kdeb, f"dpkg -i {v}")
        ctx.note_time(f"dpkg -i kernel {v}", t)
        check_exact(ctx, initrd[v], want, f"kernel {v} installed")

    # No hook runs after dracut here: these are the images dracut writes
    # by itself, mkucode's module inside it.
    t, *_ = tree.timed(["dracut", "--regenerate-all", "-f"], "dracut --regenerate-all -f")
    ctx.note_time("dracut --regenerate-all -f (2 kernels)", t)
    for _, v in ks:
        check_exact(ctx, initrd[v], want, f"dracut --regenerate-all -f, by itself: {v}")
    v = ks[0][1]

    # dracut's own trigger rebuilds every image when a module goes away:
    # that is the next build, without mkucode.
    _, out, err = tree.run(["dpkg", "-r", "mkucode"], "dpkg -r mkucode")
    tap.ok(re.search(r"^Processing triggers for dracut", out, re.M) is not None,
           "dpkg -r mkucode: dracut's trigger rebuilds the images", out[-500:])
    tap.ok(not mkucode_messages(out + err), "dpkg -r mkucode: no mkucode message from "
           "dpkg or dracut", "\n".join(mkucode_messages(out + err)))
    img = Image(initrd[v])
    own = selection(ctx, initrd[v], "list dracut's own")
    tap.ok(img.archives == 1 and {INTEL_BIN, AMD_BIN} <= set(img.members)
           and own and own != want,
           f"without mkucode: {v}'s image holds dracut's own early microcode (one archive, "
           "GenuineIntel.bin and AuthenticAMD.bin, not mkucode's selection)",
           f"{img.archives} archives, members {sorted(img.members)}")
    if INTEL_BIN in img.members:
        tap.diag(f"dracut's own image: {INTEL_BIN} data at "
                 f"{img.members[INTEL_BIN].data_offset:#x}")
    return tree


def main():
    if sys.argv[1:] == ["--list"]:
        print("\n".join(CASES))
        return 0
    if len(sys.argv) != 4 or sys.argv[1] not in CASES:
        sys.exit(__doc__)
    case, mkucode, ucgen = sys.argv[1], os.path.abspath(sys.argv[2]), os.path.abspath(sys.argv[3])
    if os.geteuid() != 0:
        print("SKIP: the system tests need root (debootstrap, chroot, unshare -m)")
        return 77
    for tool in ("debootstrap", "dpkg-buildpackage", "unshare", "chroot", "zstd"):
        if shutil.which(tool) is None:
            print(f"SKIP: {tool} not found (./setup installs it)")
            return 77
    keep = os.environ.get("MKUCODE_SYSTEM_KEEP")
    if keep:
        work = os.path.join(os.path.abspath(keep), case)
        systree.remove_tree(work)
        os.makedirs(work)
    else:
        work = tempfile.mkdtemp(prefix=f"mkucode-system-{case}-")
    ctx = Ctx(mkucode, ucgen, work)
    print(f"# {case}: work {work}, log {ctx.log}", flush=True)
    start = time.monotonic()
    tree = None
    try:
        cache = systree.Cache(work)
        t0 = time.monotonic()
        deb = debbuild.mkucode_deb(work)
        ctx.note_time("mkucode .deb", time.monotonic() - t0)
        tree = {"initramfs-tools": case_initramfs_tools, "dracut": case_dracut}[case](
            ctx, cache, deb)
    except (systree.StepError, subprocess.CalledProcessError, OSError) as e:
        tap.ok(False, f"step failed: {str(e).splitlines()[0]}", str(e))
    except Exception:
        import traceback
        tap.ok(False, "the test itself failed", traceback.format_exc())
    finally:
        if not keep:
            try:
                systree.remove_tree(work)
            except systree.StepError as e:
                print(f"# {e}")
        elif tree is not None:
            print(f"# kept: {work}")
    tap.diag(f"{case}: {tap._default.passed}/{tap._default.count} checks passed in "
             f"{time.monotonic() - start:.0f}s")
    return tap.done()


if __name__ == "__main__":
    sys.exit(main())

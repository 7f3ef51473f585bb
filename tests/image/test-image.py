#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""
The real mkucode on initrd images (--prepend, strip, extract) and on every
file it replaces.

  test-image.py [--mounts] MKUCODE UCGEN FAULTINJECT_SO

Images are shaped like those of dracut (early_cpio marker), initramfs-tools
(one early archive per vendor), mkinitcpio (microcode, ACPI tables, modules
and a hard link in one early archive), a bare compressed image and an
uncompressed main cpio; each main part is gzip, xz or zstd.  The cpio
reading and writing is tests/lib/newc.py, independent of the C code.

Without --mounts: behaviour, metadata, refusals, concurrency, and, for
every writer (-o, --raw, extract -o, --prepend, strip), faults injected with
LD_PRELOAD (EIO on every data call, SIGKILL before every call that changes
a file, SIGTERM before the rename; with and without O_TMPFILE) and races:
another program moving a file over the output or rewriting it in place at
a chosen call (with and without RENAME_EXCHANGE).  With --mounts (root):
ENOSPC on a full tmpfs for every writer and the reflink path on a
loop-mounted XFS; skipped (plan 1..0) when mounting is impossible.
Output is TAP (tests/lib/tap.py).
"""
import hashlib
import json
import os
import shutil
import signal
import stat
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import newc  # noqa: E402
import tap  # noqa: E402
from tap import ok, skip  # noqa: E402

MOUNTS = "--mounts" in sys.argv
args = [a for a in sys.argv[1:] if a != "--mounts"]
MKUCODE, UCGEN, FAULTINJECT = (os.path.abspath(a) for a in args)
SIG, REV_OLD, REV_NEW = 0x50654, 0x10, 0x20
AMD_CPUID = 0x00830F10

# ------------------------------------------------------------------ cpio


def member(name, mode, data=b"", ino=0, nlink=1):
    """One member for newc.archive(), as GNU cpio writes it: the inode and
    link count as given, a real modification time (kept members must keep
    it)."""
    return {"name": name, "mode": mode, "data": data, "ino": ino, "nlink": nlink,
            "mtime": 1700000000}


def archives_at(buf, pos=0):
    """The whole archives from pos on, each after NUL words, up to the first
    thing that is not one: [(entries, offset past the trailer)]."""
    out = []
    while True:
        while pos + 4 <= len(buf) and not any(buf[pos:pos + 4]):
            pos += 4
        try:
            entries, pos = newc.archive_entries(buf, pos)
        except newc.Malformed:
            return out
        out.append((entries, pos))


def norm(name):
    while name.startswith("./") or name.startswith("/"):
        name = name[2:] if name.startswith("./") else name[1:]
    return name


def is_early_archive(entries):
    return any(norm(e.name) in ("early_cpio", "kernel") or
               norm(e.name).startswith("kernel/") for e in entries)


def split_image(buf):
    """(early archives' entries, end of the early part, start of the rest)."""
    archives, pos = [], 0
    for entries, end in archives_at(buf):
        if not is_early_archive(entries):
            break
        archives.append(entries)
        pos = end
    rest = pos
    while rest + 4 <= len(buf) and buf[rest:rest + 4] == b"\0\0\0\0":
        rest += 4
    return archives, pos, rest


def intel_data(buf):
    """The Intel file the loaders find in buf, or None."""
    found = newc.find(buf, "kernel/x86/microcode/GenuineIntel.bin")
    return found.data if found else None


def is_microcode(name):
    n = norm(name)
    return n == "kernel/x86/microcode" or n.startswith("kernel/x86/microcode/")


def kept_members(archives, dropping_dirs):
    """What a rewrite must keep, in order: (name, mode, uid, gid, mtime, data)."""
    out = []
    for a in archives:
        for e in a:
            if is_microcode(e.name):
                continue
            if e.is_dir and norm(e.name) in dropping_dirs:
                continue
            out.append((e.name, e.mode, e.uid, e.gid, e.mtime, e.data))
    return out


# ------------------------------------------------------------------ tools


def run(argv, env=None, **kw):
    return subprocess.run(argv, capture_output=True, env=env, **kw)


def sha(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def read(path):
    with open(path, "rb") as f:
        return f.read()


def write(path, data):
    with open(path, "wb") as f:
        f.write(data)


def ucgen(*a):
    r = run([UCGEN] + [str(x) for x in a])
    if r.returncode:
        sys.exit(f"ucgen {' '.join(map(str, a))}: {r.stderr.decode()}")
    return r.stdout


def compress(data, how):
    cmd = {"gzip": ["gzip", "-n", "-c"], "xz": ["xz", "--check=crc32", "-c"],
           "zstd": ["zstd", "-q", "-c"]}[how]
    return subprocess.run(cmd, input=data, capture_output=True, check=True).stdout


def dir_state(d):
    return sorted((n, sha(os.path.join(d, n)) if os.path.isfile(os.path.join(d, n)) else "")
                  for n in os.listdir(d))


def temps(d):
    return [n for n in os.listdir(d) if ".mkucode-" in n]


T = tempfile.mkdtemp(prefix="mkucode-image-")
os.chdir(T)

# Microcode: old revisions inside the original images, new ones as sources.
OLD_INTEL = ucgen("intel", "--sig", SIG, "--pf", 1, "--rev", REV_OLD, "--date", 0x01012020, "--seed", 1)

def amd_patch(rev):
    return ucgen("amd-ids", AMD_CPUID, rev).split()[3].decode()


OLD_AMD = ucgen("amd", "--equiv", AMD_CPUID, "--patch", "0x" + amd_patch(REV_OLD), "--date", 0x01012020, "--seed", 2)
os.mkdir("src")
ucgen("intel", "--sig", SIG, "--pf", 1, "--rev", REV_NEW, "--date", 0x01012024, "--seed", 3, "-o", "src/intel.bin")
ucgen("amd", "--equiv", AMD_CPUID, "--patch", "0x" + amd_patch(REV_NEW), "--date", 0x01012024,
      "--seed", 4, "-o", "src/amd.bin")
os.mkdir("raw")
r = run([MKUCODE, "-q", "--raw", "raw", "src"])
if r.returncode:
    sys.exit("mkucode --raw: " + r.stderr.decode())
NEW_INTEL, NEW_AMD = read("raw/GenuineIntel.bin"), read("raw/AuthenticAMD.bin")
ACPI = ucgen("acpi", "--sig", "SSDT")
# An early cpio of older microcode: what an -o output held before.
os.mkdir("osrc")
write("osrc/intel.bin", OLD_INTEL)
r = run([MKUCODE, "-q", "-o", "-", "osrc"])
if r.returncode:
    sys.exit("mkucode -o -: " + r.stderr.decode())
OLD_EARLY = r.stdout

DIR, REG = 0o040755, 0o100644


def ucode_dirs(ino):
    return [member("kernel", DIR, ino=ino, nlink=2), member("kernel/x86", DIR, ino=ino + 1, nlink=2),
            member("kernel/x86/microcode", DIR, ino=ino + 2, nlink=2)]


def main_part(how):
    files = [member(".", DIR, ino=1, nlink=3), member("init", 0o100755, b"#!/bin/sh\necho hi\n" * 50, ino=2),
             member("bin", DIR, ino=3), member("bin/data", REG, os.urandom(200000), ino=4)]
    cpio = newc.archive(files)
    return cpio if how == "none" else compress(cpio, how)


def shape(kind, how):
    main = main_part(how)
    if kind == "dracut":
        early = newc.archive([member(".", DIR, ino=100, nlink=3), member("early_cpio", REG, b"1\n", ino=101)] +
                     ucode_dirs(102) +
                     [member("kernel/x86/microcode/GenuineIntel.bin", REG, OLD_INTEL, ino=105)])
    elif kind == "initramfs-tools":
        early = (newc.archive(ucode_dirs(1) + [member("kernel/x86/microcode/AuthenticAMD.bin", REG, OLD_AMD, ino=4)]) +
                 newc.archive(ucode_dirs(1) + [member("kernel/x86/microcode/GenuineIntel.bin", REG, OLD_INTEL, ino=4)]))
    elif kind == "mkinitcpio":
        mod = os.urandom(5000)
        early = newc.archive([member("kernel", DIR, ino=1, nlink=4), member("kernel/firmware", DIR, ino=2),
                      member("kernel/firmware/acpi", DIR, ino=3),
                      member("kernel/firmware/acpi/ssdt.aml", REG, ACPI, ino=4),
                      member("kernel/x86", DIR, ino=5), member("kernel/x86/microcode", DIR, ino=6),
                      member("kernel/x86/microcode/GenuineIntel.bin.old", REG, OLD_INTEL, ino=7),
                      member("kernel/x86/microcode/GenuineIntel.bin", REG, OLD_INTEL, ino=8),
                      member("usr", DIR, ino=9), member("usr/lib", DIR, ino=10),
                      member("usr/lib/modules", DIR, ino=11),
                      # A hard link as GNU cpio writes it: data on the last name.
                      member("usr/lib/modules/a.ko.zst", REG, b"", ino=12, nlink=2),
                      member("usr/lib/modules/b.ko.zst", REG, mod, ino=12, nlink=2),
                      member("usr/lib/modules/c.ko.zst", REG, mod[:100], ino=13)])
    elif kind == "bare":
        early = b""
    elif kind == "uncompressed":
        early = b""
    return early, main


KINDS = ["dracut", "initramfs-tools", "mkinitcpio", "bare"]


def check_prepended(img, orig, main, label, amd=True):
    """The new image: our early archive first, the kept members, the rest."""
    new = read(img)
    o_arch, _, o_rest = split_image(orig)
    n_arch, n_end, n_rest = split_image(new)
    good = ok(len(n_arch) == 1, f"{label}: one early archive", f"{len(n_arch)} archives")
    if not good:
        return
    first = n_arch[0]
    names = [e.name for e in first]
    want = ["kernel", "kernel/x86", "kernel/x86/microcode"] + \
        (["kernel/x86/microcode/AuthenticAMD.bin"] if amd else []) + \
        ["kernel/x86/microcode/GenuineIntel.bin"]
    ok(names[:len(want)] == want, f"{label}: microcode members first", names)
    found = newc.find(new, "kernel/x86/microcode/GenuineIntel.bin")
    ok(found and found.data == NEW_INTEL and found.data_offset % 16 == 0,
       f"{label}: loaders find the new Intel file, 16-byte aligned", found)
    if amd:
        found = newc.find(new, "kernel/x86/microcode/AuthenticAMD.bin")
        ok(found and found.data == NEW_AMD, f"{label}: loaders find the new AMD file", found)
    kept = kept_members(o_arch, {"kernel", "kernel/x86"})
    got = [(e.name, e.mode, e.uid, e.gid, e.mtime, e.data) for e in first[len(want):]]
    ok(got == kept, f"{label}: other early members kept in order",
       f"got {[g[0] for g in got]}\nwant {[k[0] for k in kept]}")
    inos = {}
    for e in first:
        inos.setdefault(e.ino, []).append(e)
    dup = [[e.name for e in g] for g in inos.values()
           if len(g) > 1 and not all(e.nlink > 1 and e.is_regular for e in g)]
    ok(not dup, f"{label}: inodes unique except hard links", dup)
    ok(new[n_rest:] == orig[o_rest:] and orig[o_rest:].endswith(main),
       f"{label}: the rest is byte for byte the original's")
    ok(n_rest % 4096 == o_rest % 4096 and not any(new[n_end:n_rest]) and (n_rest - n_end) % 4 == 0,
       f"{label}: zero padding in 4-byte words keeps the rest's block offset",
       (n_end, n_rest, o_rest))


def prepend(img, *extra, env=None):
    return run([MKUCODE, "-q", "--prepend", img] + list(extra) + ["src"], env=env)


# ------------------------------------------------------------------ shapes


def test_shapes():
    for kind in KINDS:
        for how in ("gzip", "xz", "zstd"):
            label = f"{kind}+{how}"
            early, main = shape(kind, how)
            orig = early + main
            write("img", orig)
            r = prepend("img")
            if not ok(r.returncode == 0, f"{label}: --prepend exits 0", r.stderr.decode()):
                continue
            check_prepended("img", orig, main, label)
            first = read("img")
            ino = os.stat("img").st_ino
            r = prepend("img")
            ok(r.returncode == 0 and read("img") == first and os.stat("img").st_ino == ino,
               f"{label}: a second run changes nothing (same bytes, same inode)", r.stderr.decode())
            v = run([MKUCODE, "verify", "--json", "--cpu", f"{SIG:#x},0x1", "img"])
            try:
                rows = json.loads(v.stdout)
                xen = rows[0]["xen"]
            except (ValueError, KeyError, IndexError):
                xen = None
            ok(v.returncode == 0 and xen == REV_NEW,
               f"{label}: verify says Xen loads the new revision", v.stdout.decode() + v.stderr.decode())
            # strip, on the prepended image and on the original
            for what, data in (("prepended", first), ("original", orig)):
                write("img", data)
                r = run([MKUCODE, "strip", "-q", "img"])
                new = read("img")
                arch, _, rest = split_image(new)
                o_arch, _, o_rest = split_image(data)
                ucode = [e.name for a in arch for e in a if is_microcode(e.name)]
                ok(r.returncode == 0 and not ucode and new[rest:] == data[o_rest:],
                   f"{label}: strip ({what}) removes the microcode, keeps the rest",
                   r.stderr.decode() + str(ucode))
                drop = {"kernel", "kernel/x86"} if kind != "mkinitcpio" else {"kernel/x86"}
                kept = kept_members(o_arch, drop)
                has_substance = any(not (k[1] & 0o040000) and norm(k[0]) != "early_cpio" for k in kept)
                got = [(e.name, e.mode, e.uid, e.gid, e.mtime, e.data) for a in arch for e in a]
                ok(got == (kept if has_substance else []),
                   f"{label}: strip ({what}) keeps the other early members",
                   f"got {[g[0] for g in got]}\nwant {[k[0] for k in kept]}")
                again = run([MKUCODE, "strip", "-q", "img"])
                ok(again.returncode == 0 and read("img") == new, f"{label}: strip ({what}) twice is a no-op")
            # extract
            write("img", orig)
            _, o_end, _ = split_image(orig)
            r = run([MKUCODE, "extract", "-q", "img", "-o", "early.out"])
            if o_end:
                ok(r.returncode == 0 and read("early.out") == orig[:o_end],
                   f"{label}: extract writes the early part", r.stderr.decode())
            else:
                ok(r.returncode == 1 and not os.path.exists("early.out"),
                   f"{label}: extract without an early part fails, writes nothing", r.stderr.decode())
            if os.path.exists("early.out"):
                os.unlink("early.out")
            ok(not temps("."), f"{label}: no temporary file left", temps("."))


def test_uncompressed_main():
    main = main_part("none")
    write("img", main)
    r = prepend("img")
    ok(r.returncode == 0, "uncompressed main cpio: --prepend exits 0", r.stderr.decode())
    check_prepended("img", main, main, "uncompressed main cpio")
    # Both archives are in front for the kernel's unpacker: ours, then the main one.
    new = read("img")
    _, end, rest = split_image(new)
    a = archives_at(new, rest)
    ok(a and [e.name for e in a[0][0]][:2] == [".", "init"],
       "uncompressed main cpio: still an archive after ours")


def kernel_view(archives):
    """Regular files as the kernel's unpacker leaves them: name -> data.
    Within an archive, regular files with nlink >= 2 and the same inode are
    one file; each member with data truncates it to its size and writes."""
    files = {}
    for a in archives:
        first = {}
        for e in a:
            if not e.is_regular:
                continue
            if e.nlink >= 2 and e.ino in first:
                shared = files[first[e.ino]]
                files[e.name] = shared
            else:
                shared = files[e.name] = [b""]
                if e.nlink >= 2:
                    first[e.ino] = e.name
            if e.data:
                shared[0] = e.data
    return {n: d[0] for n, d in files.items()}


def leading_archives(buf):
    """Every uncompressed archive at the front, early or not."""
    return [entries for entries, _ in archives_at(buf)]


def test_links_into_microcode():
    """A kept member hard-linked to a microcode member that holds the data."""
    _, main = shape("dracut", "gzip")
    dirs = [member("lib", DIR, ino=20, nlink=3), member("lib/firmware", DIR, ino=21)]
    cases = {
        "one kept link": [member("lib/firmware/a.bin", REG, b"", ino=10, nlink=2),
                          member("kernel/x86/microcode/GenuineIntel.bin", REG, OLD_INTEL, ino=10, nlink=2)],
        "two kept links": [member("lib/firmware/a.bin", REG, b"", ino=10, nlink=3),
                           member("lib/firmware/b.bin", REG, b"", ino=10, nlink=3),
                           member("kernel/x86/microcode/GenuineIntel.bin", REG, OLD_INTEL, ino=10, nlink=3)],
        "data on the kept link": [member("kernel/x86/microcode/GenuineIntel.bin", REG, b"", ino=10, nlink=2),
                                  member("lib/firmware/a.bin", REG, OLD_INTEL, ino=10, nlink=2)],
    }
    for label, links in cases.items():
        orig = newc.archive(ucode_dirs(1) + dirs + links) + main
        write("img", orig)
        r = prepend("img")
        if not ok(r.returncode == 0, f"links, {label}: --prepend exits 0", r.stderr.decode()):
            continue
        before = kernel_view(split_image(orig)[0])
        after = kernel_view(split_image(read("img"))[0])
        names = [m["name"] for m in links if not is_microcode(m["name"])]
        ok(all(after.get(n) == before[n] == OLD_INTEL for n in names),
           f"links, {label}: the kept names keep the data", {n: len(after.get(n) or b"") for n in names})
        found = newc.find(read("img"), "kernel/x86/microcode/GenuineIntel.bin")
        ok(found and found.data == NEW_INTEL, f"links, {label}: the loaders find the new Intel file")
        again = read("img")
        r = prepend("img")
        ok(r.returncode == 0 and read("img") == again, f"links, {label}: a second run changes nothing")
        write("img", orig)
        r = run([MKUCODE, "strip", "-q", "img"])
        # What stays in front holds no kernel/ member: no longer "early".
        after = kernel_view(leading_archives(read("img")))
        ok(r.returncode == 0 and all(after.get(n) == OLD_INTEL for n in names) and
           not newc.find(read("img"), "kernel/x86/microcode/"),
           f"links, {label}: strip drops the microcode, the kept names keep the data", r.stderr.decode())


def test_hard_linked_image():
    early, main = shape("dracut", "gzip")
    orig = early + main
    write("img", orig)
    os.link("img", "img.link")
    r = prepend("img")
    ok(r.returncode == 0 and b"1 other hard link(s) to this image keep the old content" in r.stderr and
       read("img.link") == orig and read("img") != orig,
       "hard-linked image: replaced under its name, the other link kept, with a warning", r.stderr.decode())
    r = prepend("img")
    ok(r.returncode == 0 and not r.stderr, "hard-linked image: no warning once the link is broken",
       r.stderr.decode())
    os.unlink("img.link")


def test_metadata_and_symlink():
    early, main = shape("dracut", "gzip")
    os.makedirs("boot", exist_ok=True)
    write("boot/initrd.img-6.1.0-test", early + main)
    os.chmod("boot/initrd.img-6.1.0-test", 0o640)
    root = os.geteuid() == 0
    if root:
        os.chown("boot/initrd.img-6.1.0-test", 1234, 5678)
    xattrs = {"user.mkucode": b"kept"}
    if root:
        xattrs["security.mkucode"] = b"label"
    for k, v in xattrs.items():
        try:
            os.setxattr("boot/initrd.img-6.1.0-test", k, v)
        except OSError:
            xattrs = {}
    os.symlink("initrd.img-6.1.0-test", "boot/initrd.img")
    before = os.stat("boot/initrd.img-6.1.0-test")
    r = prepend("boot/initrd.img")
    after = os.stat("boot/initrd.img-6.1.0-test")
    ok(r.returncode == 0 and os.path.islink("boot/initrd.img") and
       os.readlink("boot/initrd.img") == "initrd.img-6.1.0-test",
       "a symlink stays a symlink", r.stderr.decode())
    ok(after.st_ino != before.st_ino and intel_data(read("boot/initrd.img-6.1.0-test")) == NEW_INTEL,
       "the symlink's target is replaced")
    ok(stat.S_IMODE(after.st_mode) == 0o640, "mode kept", oct(after.st_mode))
    if root:
        ok((after.st_uid, after.st_gid) == (1234, 5678), "owner kept", (after.st_uid, after.st_gid))
    else:
        skip("owner kept", "not root")
    if xattrs:
        got = {k: os.getxattr("boot/initrd.img-6.1.0-test", k) for k in xattrs}
        ok(got == xattrs, "extended attributes kept (user.* and security.*)", got)
    else:
        skip("extended attributes kept", "this filesystem has no user xattrs")


def test_refusals():
    os.mkfifo("fifo")
    os.mkdir("adir")
    for what, path in (("a fifo", "fifo"), ("a directory", "adir"), ("a device", "/dev/null")):
        r = prepend(path)
        ok(r.returncode == 1 and b"not a regular file" in r.stderr,
           f"{what} is refused", r.stderr.decode())
    early, main = shape("initramfs-tools", "gzip")
    # An early archive that breaks off before its trailer, then the main image.
    entries, _ = newc.archive_entries(early)
    broken = early[:entries[-1].data_offset + 100] + main
    write("img", broken)
    before = dir_state(".")
    r = prepend("img")
    ok(r.returncode == 1 and b"offset 0x" in r.stderr and b"breaks off" in r.stderr
       and dir_state(".") == before, "a broken early archive: exit 1, named, nothing changed",
       r.stderr.decode())
    for verb in (["strip", "img"], ["extract", "img", "-o", "x.out"]):
        r = run([MKUCODE] + verb)
        ok(r.returncode == 1 and dir_state(".") == before, f"{verb[0]} refuses it too",
           r.stderr.decode())
    write("img", early + main)
    os.mkdir("badsrc")
    ucgen("intel", "--sig", SIG, "--pf", 1, "--rev", 0x30, "--seed", 9, "--defect", "bad-checksum",
          "-o", "badsrc/bad.bin")
    before = dir_state(".")
    r = run([MKUCODE, "-q", "--prepend", "img", "badsrc"])
    ok(r.returncode == 1 and b"badsrc/bad.bin" in r.stderr and dir_state(".") == before,
       "bad microcode: exit 1, image unchanged", r.stderr.decode())
    shutil.rmtree("badsrc")
    r = run([MKUCODE, "-q", "--prepend", "missing.img", "src"])
    ok(r.returncode == 1 and b"missing.img" in r.stderr, "a missing image is named", r.stderr.decode())
    r = run([MKUCODE, "--prepend", "img", "-o", "x", "src"])
    ok(r.returncode == 2, "--prepend with -o is a usage error")


def test_concurrency():
    early, main = shape("initramfs-tools", "zstd")
    orig = early + main
    write("img", orig)
    os.mkdir("src2")
    ucgen("intel", "--sig", SIG, "--pf", 1, "--rev", 0x30, "--date", 0x01012025, "--seed", 5,
          "-o", "src2/intel.bin")
    procs = [subprocess.Popen([MKUCODE, "-q", "--prepend", "img", "src" if i % 2 else "src2"],
                              stderr=subprocess.PIPE) for i in range(8)]
    rcs = [p.wait() for p in procs]
    errs = [p.stderr.read().decode() for p in procs]
    new = read("img")
    found = newc.find(new, "kernel/x86/microcode/GenuineIntel.bin")
    _, _, rest = split_image(new)
    ok(rcs == [0] * 8 and found and new[rest:] == orig[split_image(orig)[2]:] and not temps("."),
       "8 concurrent runs: all succeed, the result is whole, no temporary file",
       f"{rcs} {temps('.')} {errs}")
    shutil.rmtree("src2")


# ------------------------------------------------------------------ faults


def fault_env(mode, at, log=None, extra=None):
    env = dict(os.environ, LD_PRELOAD=FAULTINJECT, **(extra or {}))
    if mode:
        env.update(FAULT_MODE=mode, FAULT_AT=str(at))
    if log:
        env["FAULT_LOG"] = log
    return env


def fault_points(img, orig):
    write(img, orig)
    log = os.path.abspath("fault.log")
    if os.path.exists(log):
        os.unlink(log)
    r = prepend(img, env=fault_env(None, 0, log))
    points = read(log).decode().split("\n") if os.path.exists(log) else []
    return r, [p.split()[1] for p in points if p]


class Writer:
    """One of the writers that replace files, set up in directory d:
    targets (paths in d) with their old content, the command, and the
    content a clean run leaves."""

    def __init__(self, name, d):
        self.name, self.d = name, d
        early, main = shape("dracut", "gzip")
        self.image = early + main
        if name == "-o":
            self.orig = {f"{d}/out": OLD_EARLY}
            self.argv = [MKUCODE, "-q", "-o", f"{d}/out", "src"]
        elif name == "--raw":
            self.orig = {f"{d}/GenuineIntel.bin": OLD_INTEL, f"{d}/AuthenticAMD.bin": OLD_AMD}
            self.argv = [MKUCODE, "-q", "--raw", d, "src"]
        elif name == "extract":
            write("ximg", self.image)
            self.orig = {f"{d}/early": OLD_EARLY}
            self.argv = [MKUCODE, "extract", "-q", "ximg", "-o", f"{d}/early"]
        elif name == "--prepend":
            self.orig = {f"{d}/img": self.image}
            self.argv = [MKUCODE, "-q", "--prepend", f"{d}/img", "src"]
        elif name == "strip":
            self.orig = {f"{d}/img": self.image}
            self.argv = [MKUCODE, "strip", "-q", f"{d}/img"]
        self.target = next(iter(self.orig))
        self.prepare()
        r = self.run()
        if r.returncode:
            sys.exit(f"{name}: {r.stderr.decode()}")
        self.expected = {t: read(t) for t in self.orig}
        if self.expected == self.orig:
            sys.exit(f"{name}: a clean run changes nothing")

    def prepare(self):
        if os.path.exists(self.d):
            shutil.rmtree(self.d)
        os.mkdir(self.d)
        for t, data in self.orig.items():
            write(t, data)
            os.chmod(t, 0o600)

    def run(self, env=None):
        return run(self.argv, env=env)

    def state(self):
        return {t: read(t) if os.path.exists(t) else None for t in self.orig}

    def modes_kept(self):
        return all(stat.S_IMODE(os.stat(t).st_mode) == 0o600 for t in self.orig if os.path.exists(t))

    def whole(self):
        """Each target is its old content or its new one, complete."""
        st = self.state()
        return all(st[t] in (self.orig[t], self.expected[t]) for t in self.orig)

    def points(self, extra=None):
        self.prepare()
        log = os.path.abspath("fault.log")
        if os.path.exists(log):
            os.unlink(log)
        r = self.run(env=fault_env(None, 0, log, extra))
        points = read(log).decode().split("\n") if os.path.exists(log) else []
        return r, [p.split()[1] for p in points if p]


WRITERS = ["-o", "--raw", "extract", "--prepend", "strip"]


def fixed_temp(d, names):
    return all(n.startswith(".") and n.endswith(".mkucode-new") and
               os.path.exists(os.path.join(d, n[1:-len(".mkucode-new")])) for n in names)


def test_faults():
    for name in WRITERS:
        for named in (False, True):
            faults_of(Writer(name, "f"), named)


def faults_of(w, named):
    """EIO and SIGKILL at every call, SIGTERM before the rename.  named:
    as on a filesystem without O_TMPFILE (the fixed temporary name)."""
    extra = {"FAULT_NO_TMPFILE": "1"} if named else {}
    name = w.name + (" (no O_TMPFILE)" if named else "")
    r, points = w.points(extra)
    ok(r.returncode == 0 and w.state() == w.expected and len(points) >= 5,
       f"{name}: the fault shim sees the run ({len(points)} points: {' '.join(points)})",
       r.stderr.decode())

    eio_failed, bad = 0, []
    for at in range(1, len(points) + 1):
        w.prepare()
        r = w.run(env=fault_env("eio", at, extra=extra))
        lines = r.stderr.decode().splitlines()
        if r.returncode == 1:
            eio_failed += 1
            good = (w.state() == w.orig and len(lines) == 1 and "Input/output error" in lines[0]
                    and ("unchanged" in lines[0] or "nothing written" in lines[0]))
        else:
            good = r.returncode == 0 and w.state() == w.expected
        listing = sorted(os.listdir("f")) == sorted(os.path.basename(t) for t in w.orig)
        if not good or not listing or not w.modes_kept():
            bad.append((at, points[at - 1], r.returncode, lines, os.listdir("f")))
    # The last call syncs the directory: the file is in place by then.
    w.prepare()
    r = w.run(env=fault_env("eio", len(points), extra=extra))
    ok(points[-1] == "fsync" and r.returncode == 0 and w.state() == w.expected and
       b"replaced, but syncing its directory failed (Input/output error): whether the rename "
       b"survives a crash is unknown" in r.stderr and len(r.stderr.splitlines()) == 1,
       f"{name}: EIO syncing the directory: exit 0, replaced, one warning saying so", r.stderr.decode())
    ok(not bad and eio_failed > 0,
       f"{name}: EIO at each of {len(points)} points: exit 1 with one message and the old "
       f"files, or exit 0 and the new ones; modes kept; nothing else in the directory "
       f"({eio_failed} runs failed)", bad)

    bad, killed, leftovers = [], 0, []
    for at in range(1, len(points) + 1):
        w.prepare()
        r = w.run(env=fault_env("kill", at, extra=extra))
        killed += r.returncode == -signal.SIGKILL
        good = w.whole() and w.modes_kept()
        left = temps("f")
        if left:
            # Killed while a file has the fixed name (with O_TMPFILE: only
            # after the first file is named: the new one before the swap,
            # the old one after): the next run, holding the lock, removes it.
            leftovers.append(points[at - 1])
            again = w.run()
            good = (good and fixed_temp("f", left) and
                    (named or at - 1 > points.index("linkat")) and
                    again.returncode == 0 and not temps("f") and w.state() == w.expected)
        if not good:
            bad.append((at, points[at - 1], r.returncode, left))
    ok(not bad and killed == len(points),
       f"{name}: SIGKILL before each of {len(points)} calls: old or new files, whole, modes kept, "
       f"nothing left but .NAME.mkucode-new ({' '.join(leftovers) or 'never'}), which the next "
       f"run removes", bad)

    # SIGTERM waits: the file is replaced, then the signal acts.
    w.prepare()
    env = dict(fault_env(None, 0, extra=extra), FAULT_RUN_BEFORE="renameat2",
               FAULT_RUN_CMD="kill -TERM $PPID")
    r = w.run(env=env)
    ok(r.returncode == -signal.SIGTERM and w.state() == w.expected and not temps("f"),
       f"{name}: SIGTERM just before the rename waits until the new file is in place",
       (r.returncode, r.stderr.decode(), temps("f")))


OTHER = b"the other program's file\n" * 100


def race_env(before, cmd, exchange=True):
    env = dict(os.environ, LD_PRELOAD=FAULTINJECT, FAULT_RUN_BEFORE=before, FAULT_RUN_CMD=cmd)
    if not exchange:
        env["FAULT_NO_EXCHANGE"] = "1"
    return env


def test_races():
    """Another program replaces the file while mkucode works on it."""
    write("other", OTHER)
    for name in WRITERS:
        w = Writer(name, "f")
        t = w.target
        ways = {
            "mv over it": (f"cp other {t}.tmp && mv {t}.tmp {t}", lambda old: OTHER),
            "cp onto it": (f"cp other {t}", lambda old: OTHER),
            "truncate it": (f"truncate -s 100 {t}", lambda old: old[:100]),
        }
        for exchange in (True, False):
            for before in ("fsync", "renameat2"):
                for how, (cmd, theirs) in ways.items():
                    w.prepare()
                    r = w.run(env=race_env(before, cmd, exchange))
                    st = w.state()
                    others = all(st[x] == w.orig[x] for x in w.orig if x != t)
                    ok(r.returncode == 1 and st[t] == theirs(w.orig[t]) and others and not temps("f") and
                       r.stderr.decode() == f"mkucode: {t}: changed while mkucode worked; nothing replaced\n",
                       f"{name}: {how} before {before}"
                       f"{'' if exchange else ' (no RENAME_EXCHANGE)'}: theirs kept, exit 1, one message",
                       (r.returncode, r.stderr.decode(), st[t][:40], temps("f")))
    # --raw changes both files or neither: a race on the second (replaced,
    # or removed) puts the first back.
    w = Writer("--raw", "f")
    intel, amd = "f/GenuineIntel.bin", "f/AuthenticAMD.bin"
    for label, argv, call in (("replaced", w.argv, "renameat2"),
                              ("removed", w.argv[:2] + ["--vendor", "intel"] + w.argv[2:], "renameat")):
        w.prepare()
        env = dict(race_env(call, f"cp other {amd}.tmp && mv {amd}.tmp {amd}"),
                   FAULT_RUN_NTH="2" if call == "renameat2" else "1")
        r = run(argv, env=env)
        st = w.state()
        ok(r.returncode == 1 and st[amd] == OTHER and st[intel] == w.orig[intel] and not temps("f") and
           len(r.stderr.splitlines()) == 1 and b"changed while mkucode worked; nothing" in r.stderr,
           f"--raw: AuthenticAMD.bin (to be {label}) replaced by another program: theirs kept, "
           f"GenuineIntel.bin put back, exit 1", (r.returncode, r.stderr.decode(), temps("f")))
    # Cut short while mkucode reads it (cp onto it truncates first): reading
    # the mapped image raises SIGBUS, which must be a clean failure.
    for name in ("--prepend", "strip", "extract"):
        w = Writer(name, "f")
        img = "ximg" if name == "extract" else w.target
        w.prepare()
        r = w.run(env=race_env("openat-create", f"truncate -s 0 {img}"))
        ok(r.returncode == 1 and read(img) == b"" and not temps("f") and len(r.stderr.splitlines()) == 1 and
           b"changed while mkucode" in r.stderr and (name != "extract" or w.state() == w.orig),
           f"{name}: the image cut short while mkucode reads it: exit 1, one message, theirs kept",
           (r.returncode, r.stderr.decode(), temps("f")))
        write("ximg", w.image)
    # A new output that someone else creates meanwhile.
    for name in ("-o", "extract"):
        w = Writer(name, "f")
        w.prepare()
        os.unlink(w.target)
        r = w.run(env=race_env("linkat", f"cp other {w.target}"))
        ok(r.returncode == 1 and read(w.target) == OTHER and not temps("f") and
           b"appeared while mkucode worked; nothing replaced" in r.stderr,
           f"{name}: a new output created meanwhile by another program is kept, exit 1",
           r.stderr.decode())


def test_traps():
    os.makedirs("t", exist_ok=True)
    # --prepend on what is no initrd.
    elf = read("/bin/ls") if os.path.exists("/bin/ls") else b"\x7fELF" + os.urandom(5000)
    bzimage = b"MZ" + os.urandom(0x1fc) + b"\x55\xaa" + b"HdrS" + os.urandom(9000)
    for what, data in (("a kernel", bzimage), ("an ELF program", elf), ("an empty file", b""),
                       ("a text file", b"hello\n" * 100)):
        write("t/x", data)
        r = prepend("t/x")
        ok(r.returncode == 1 and read("t/x") == data and os.listdir("t") == ["x"] and
           (b"not an initrd image" in r.stderr) and len(r.stderr.splitlines()) == 1,
           f"--prepend refuses {what}: exit 1, unchanged", r.stderr.decode())
        r = prepend("t/x", "--force")
        ok(r.returncode == 0 and read("t/x").endswith(data) and intel_data(read("t/x")) == NEW_INTEL,
           f"--prepend --force prepends to {what}", r.stderr.decode())
    early_only = newc.archive(ucode_dirs(1) + [member("kernel/x86/microcode/GenuineIntel.bin", REG, OLD_INTEL, ino=4)])
    for what, data in [("an image that is only an early part", early_only)] + \
            [(f"{fmt} data", magic + os.urandom(3000)) for fmt, magic in
             (("bzip2", b"BZh9"), ("lzma", b"\x5d\x00\x00\x80"), ("lzo", b"\x89LZO"),
              ("lz4", b"\x02\x21\x4c\x18"), ("zstd", b"\x28\xb5\x2f\xfd"), ("xz", b"\xfd7zXZ"))]:
        write("t/x", data)
        r = prepend("t/x")
        ok(r.returncode == 0 and intel_data(read("t/x")) == NEW_INTEL,
           f"--prepend takes {what}", r.stderr.decode())

    # -o and extract -o over an initrd.
    early, main = shape("dracut", "gzip")
    for what, data in (("an initrd", early + main), ("a compressed initrd", main),
                       ("an uncompressed initrd", main_part("none"))):
        write("t/initrd.img", data)
        r = run([MKUCODE, "-q", "-o", "t/initrd.img", "src"])
        ok(r.returncode == 1 and read("t/initrd.img") == data and b"an initrd" in r.stderr and
           len(r.stderr.splitlines()) == 1 and sorted(os.listdir("t")) == ["initrd.img", "x"],
           f"-o refuses to replace {what}", r.stderr.decode())
        write("ximg", early + main)
        r = run([MKUCODE, "extract", "-q", "ximg", "-o", "t/initrd.img"])
        ok(r.returncode == 1 and read("t/initrd.img") == data and b"an initrd" in r.stderr,
           f"extract -o refuses to replace {what}", r.stderr.decode())
    r = run([MKUCODE, "-q", "--force", "-o", "t/initrd.img", "src"])
    ok(r.returncode == 0 and split_image(read("t/initrd.img"))[2] == len(read("t/initrd.img")),
       "-o --force replaces an initrd", r.stderr.decode())
    write("t/early.img", early_only)
    r = run([MKUCODE, "-q", "-o", "t/early.img", "src"])
    ok(r.returncode == 0 and read("t/early.img") != early_only, "-o replaces an early cpio", r.stderr.decode())

    # extract onto its own image, by name, through a symlink, a hard link.
    write("t/img", early + main)
    os.symlink("img", "t/link")
    os.link("t/img", "t/hard")
    for out in ("t/img", "t/link", "t/hard"):
        r = run([MKUCODE, "extract", "-q", "t/img", "-o", out])
        ok(r.returncode == 1 and read("t/img") == early + main and b"is the image itself" in r.stderr
           and os.path.islink("t/link"), f"extract IMAGE -o {out[2:]} (the image) is refused", r.stderr.decode())
    r = run([MKUCODE, "extract", "-q", "t/link", "-o", "t/img"])
    ok(r.returncode == 1 and read("t/img") == early + main, "extract LINK -o IMAGE is refused", r.stderr.decode())

    # extract DIR; --raw into a missing directory.
    r = run([MKUCODE, "extract", "t", "-o", "t/out"])
    ok(r.returncode == 1 and r.stderr.decode() == f"mkucode: {os.path.realpath('t')}: a directory, not an initrd image\n"
       and not os.path.exists("t/out"), "extract DIR says it is a directory, not an initrd image", r.stderr.decode())
    r = run([MKUCODE, "-q", "--raw", "t/missing", "src"])
    ok(r.returncode == 1 and b"t/missing: no such directory" in r.stderr and not os.path.exists("t/missing"),
       "--raw into a missing directory says so and creates nothing", r.stderr.decode())

    # --raw: DIR holds exactly the selection, and each removal is named.
    os.mkdir("t/raw")
    write("t/raw/GenuineIntel.bin", OLD_INTEL)
    write("t/raw/AuthenticAMD.bin", OLD_AMD)
    write("t/raw/README", b"kept\n")
    r = run([MKUCODE, "--vendor", "intel", "--raw", "t/raw", "src"])
    ok(r.returncode == 0 and sorted(os.listdir("t/raw")) == ["GenuineIntel.bin", "README"] and
       b"mkucode: note: t/raw/AuthenticAMD.bin: removed: no AMD microcode selected\n" in r.stderr,
       "--raw --vendor intel removes AuthenticAMD.bin with a note", r.stderr.decode())
    r = run([MKUCODE, "--cpu", "0x906ec", "--allow-empty", "--raw", "t/raw", "src"])
    ok(r.returncode == 0 and os.listdir("t/raw") == ["README"] and
       b"mkucode: note: t/raw/GenuineIntel.bin: removed: no Intel microcode selected\n" in r.stderr,
       "--raw --allow-empty with nothing selected empties DIR of vendor files, with a note", r.stderr.decode())
    r = run([MKUCODE, "-q", "--raw", "t/raw", "src"])
    ok(r.returncode == 0 and read("t/raw/GenuineIntel.bin") == NEW_INTEL and read("t/raw/AuthenticAMD.bin") == NEW_AMD,
       "--raw creates both files again", r.stderr.decode())
    shutil.rmtree("t")


def test_every_writer_keeps():
    """Symlinks followed, owner, mode and xattrs kept, a stale temporary
    removed: for each writer."""
    root = os.geteuid() == 0
    for name in WRITERS:
        w = Writer(name, "k")
        w.prepare()
        t = w.target
        real = t + ".real"
        os.rename(t, real)
        os.symlink(os.path.basename(real), t)
        os.chmod(real, 0o640)
        if root:
            os.chown(real, 1234, 5678)
        try:
            os.setxattr(real, "user.mkucode", b"kept")
            xattr = True
        except OSError:
            xattr = False
        stale = os.path.join("k", "." + os.path.basename(real) + ".mkucode-new")
        write(stale, b"left by a killed run")
        r = w.run()
        st = os.stat(real)
        ok(r.returncode == 0 and os.path.islink(t) and read(real) == w.expected[t] and
           stat.S_IMODE(st.st_mode) == 0o640 and (not root or (st.st_uid, st.st_gid) == (1234, 5678)) and
           (not xattr or os.getxattr(real, "user.mkucode") == b"kept") and not temps("k"),
           f"{name}: through a symlink the target is replaced; owner, mode, xattrs kept; "
           f"the stale temporary file removed", (r.returncode, r.stderr.decode(), temps("k")))
    write("k/.out.mkucode-new", b"left by a killed run")
    r = run([MKUCODE, "-o", "k/out", "src"])
    ok(r.returncode == 0 and not temps("k") and
       f"mkucode: note: k/out: removed {os.path.realpath('k')}/.out.mkucode-new, left by an "
       f"interrupted run\n".encode() in r.stderr, "the removal of a stale temporary file is noted",
       r.stderr.decode())
    shutil.rmtree("k")


# ------------------------------------------------------------------ mounts


def mount(fstype, src, target, opts):
    os.makedirs(target, exist_ok=True)
    argv = ["mount", "-t", fstype] + (["-o", opts] if opts else []) + [src, target]
    return run(argv)


def test_mounts():
    if os.geteuid() != 0:
        sys.exit(tap.skip_all("mounting needs root"))
    # ENOSPC: the new image cannot fit beside the old one.
    r = mount("tmpfs", "tmpfs", "small", "size=1m")
    if r.returncode:
        sys.exit(tap.skip_all(f"cannot mount tmpfs: {r.stderr.decode()}"))
    try:
        early = newc.archive(ucode_dirs(1) + [member("kernel/x86/microcode/GenuineIntel.bin", REG, OLD_INTEL, ino=4)])
        orig = early + compress(os.urandom(600000), "gzip")
        write("small/img", orig)
        before = dir_state("small")
        r = prepend("small/img")
        ok(r.returncode == 1 and b"No space left" in r.stderr and b"unchanged" in r.stderr
           and dir_state("small") == before,
           "ENOSPC on a full tmpfs: exit 1, image and directory unchanged", r.stderr.decode())
        os.unlink("small/img")
        # Every writer, on a tmpfs filled up to the last block.
        for name in WRITERS:
            w = Writer(name, "small/w")
            w.prepare()
            fd = os.open("small/filler", os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
            try:
                while True:
                    os.write(fd, b"\0" * 65536)
            except OSError:
                pass
            try:
                while True:
                    os.write(fd, b"\0")
            except OSError:
                pass
            os.close(fd)
            before = dir_state("small/w")
            r = w.run()
            lines = r.stderr.decode().splitlines()
            ok(r.returncode == 1 and len(lines) == 1 and "No space left" in lines[0] and
               w.state() == w.orig and dir_state("small/w") == before,
               f"{name}: ENOSPC on a full tmpfs: exit 1 with one message, files and directory unchanged",
               r.stderr.decode())
            os.unlink("small/filler")
            shutil.rmtree("small/w")
    finally:
        run(["umount", "small"])

    # Reflink on XFS.
    if not shutil.which("mkfs.xfs"):
        ok(False, "mkfs.xfs is installed (xfsprogs)")
        return
    with open("xfs.img", "wb") as f:
        f.truncate(320 << 20)
    r = run(["mkfs.xfs", "-q", "-f", "-m", "reflink=1", "xfs.img"])
    if r.returncode:
        ok(False, "mkfs.xfs", r.stderr.decode())
        return
    r = mount("xfs", "xfs.img", "xfs", "loop")
    if r.returncode:
        skip("the rest reflinked on a loop-mounted XFS", f"cannot loop-mount XFS: {r.stderr.decode()}")
        return
    try:
        for kind in ("dracut", "initramfs-tools", "bare"):
            early, _ = shape(kind, "gzip")
            main = compress(b"", "gzip") + os.urandom(8 << 20)   # large, shaped like gzip
            orig = early + main
            write("xfs/img", orig)
            # A second name keeps the old blocks alive, so sharing shows.
            if os.path.exists("xfs/img.old"):
                os.unlink("xfs/img.old")
            os.link("xfs/img", "xfs/img.old")
            os.sync()
            r = run([MKUCODE, "--prepend", "xfs/img", "src"])
            ok(r.returncode == 0 and b"(reflinked)" in r.stderr,
               f"XFS {kind}: the rest is reflinked", r.stderr.decode())
            check_prepended("xfs/img", orig, main, f"XFS {kind}")
            fm = run(["filefrag", "-v", "xfs/img"]).stdout.decode()
            ok("shared" in fm, f"XFS {kind}: the new file's extents are shared", fm[-600:])
    finally:
        run(["umount", "xfs"])


try:
    if MOUNTS:
        test_mounts()
    else:
        test_shapes()
        test_uncompressed_main()
        test_links_into_microcode()
        test_hard_linked_image()
        test_metadata_and_symlink()
        test_refusals()
        test_concurrency()
        test_faults()
        test_races()
        test_traps()
        test_every_writer_keeps()
finally:
    os.chdir("/")
    shutil.rmtree(T, ignore_errors=True)
sys.exit(tap.done())

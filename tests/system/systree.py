# SPDX-License-Identifier: GPL-2.0-or-later
"""Debian 12 trees for the system tests: made once with debootstrap, kept in
a cache, used as copies.

    base = systree.Cache()
    tree = base.tree("initramfs-tools", extra)   # the cached base, built if missing
    work = systree.Work(tree, dest)              # a private copy to change
    work.run(["dpkg", "-i", "/tmp/x.deb"])       # chroot, in its own mount namespace

A base is debootstrap --variant=minbase of bookworm from the mirror this
machine's apt uses (tests/data/fetch-firmware --mirror; its configuration
is only read), with the packages a flavour needs (initramfs-tools or dracut,
kmod, linux-base, zstd, and what mkucode's .deb depends on), then Debian's
intel-microcode and amd64-microcode from the firmware cache installed with
dpkg.  Its name carries a digest of what was asked for (suite, mirror,
package names, the local .debs' names and versions) and its .mkucode-stamp
lists every package version installed; a second run finds it by that name
and needs no network.  $MKUCODE_SYSTEM_REFRESH=1 builds it again.

Commands run with chroot inside `unshare -m`: proc, sysfs and a bind of /dev
are mounted in a namespace of their own, so they vanish with the command,
whatever happens to it.  /usr/sbin/policy-rc.d in every tree keeps daemons
from starting.
"""
import fcntl
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.normpath(os.path.join(HERE, "..", ".."))
FETCH_FIRMWARE = os.path.join(SRC, "tests", "data", "fetch-firmware")
FETCH_BOOT = os.path.join(SRC, "tests", "boot", "fetch")

SUITE = "bookworm"
# Changes when what a base holds changes in a way its key does not show.
LAYOUT = 1

# Every flavour: the kernel package's Depends (kmod, linux-base), zstd for
# initramfs-tools' default compression, iucode-tool for intel-microcode.
COMMON = ["kmod", "linux-base", "zstd", "iucode-tool", "cpio"]
FLAVOURS = {
    "initramfs-tools": ["initramfs-tools"],
    "dracut": ["dracut"],
}

CHROOT_ENV = {
    "PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
    "LANG": "C.UTF-8",
    "HOME": "/root",
    "DEBIAN_FRONTEND": "noninteractive",
    "TERM": "dumb",
}

# Runs "$@" chrooted into $1 with /proc, /sys and /dev mounted in this
# (private) mount namespace.
CHROOT_SH = r"""
set -e
t=$1; shift
mount -t proc proc "$t/proc"
mount -t sysfs sysfs "$t/sys"
mount --rbind /dev "$t/dev"
exec chroot "$t" "$@"
"""


def mounted_under(path):
    """Mount points at or below path (of this mount namespace)."""
    path = os.path.realpath(path)
    with open("/proc/self/mounts") as f:
        points = [l.split()[1].replace("\\040", " ") for l in f]
    return [m for m in points if m == path or m.startswith(path + "/")]


def remove_tree(path):
    """rm -rf path, never into a mounted file system."""
    if not os.path.lexists(path):
        return
    busy = mounted_under(path)
    if busy:
        raise StepError(f"not removing {path}: mounted below it: {' '.join(busy)}")
    shutil.rmtree(path)


class StepError(Exception):
    """A step that failed: its name, and where its log is."""


def log(msg):
    print(f"# {msg}", flush=True)


def cache_dir():
    if os.environ.get("MKUCODE_CACHE"):
        root = os.environ["MKUCODE_CACHE"]
    else:
        root = os.path.join(os.environ.get("XDG_CACHE_HOME")
                            or os.path.join(os.environ["HOME"], ".cache"), "mkucode")
    return os.path.join(root, "system")


def debs_dir():
    return os.path.join(os.path.dirname(cache_dir()), "debs")


def run_logged(cmd, logfile, step, env=None, input=None, ok=(0,), timeout=1800):
    """Run cmd, its stdout and stderr appended to logfile; StepError naming
    the step when it exits other than ok.  Returns (rc, stdout, stderr)."""
    start = time.monotonic()
    p = subprocess.run(cmd, input=input, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       env=env, timeout=timeout)
    out, err = p.stdout.decode(errors="replace"), p.stderr.decode(errors="replace")
    with open(logfile, "a") as f:
        f.write(f"\n### {step}: {' '.join(cmd)}\n### exit {p.returncode} after "
                f"{time.monotonic() - start:.1f}s\n--- stdout\n{out}--- stderr\n{err}")
    if p.returncode not in ok:
        tail = "\n".join((out + err).strip().splitlines()[-15:])
        raise StepError(f"{step}: exit {p.returncode} ({' '.join(cmd)})\n{tail}\n"
                        f"(log: {logfile})")
    return p.returncode, out, err


def chroot_cmd(tree, argv):
    return ["unshare", "-m", "--propagation", "private", "sh", "-c", CHROOT_SH,
            "sh", tree] + list(argv)


def deb_field(deb, field):
    return subprocess.run(["dpkg-deb", "-f", deb, field], check=True,
                          stdout=subprocess.PIPE, text=True).stdout.strip()


def depends_names(deb):
    """The package names in deb's Depends (first alternatives, no versions)."""
    names = []
    for dep in deb_field(deb, "Depends").split(","):
        name = dep.split("|")[0].split("(")[0].split(":")[0].strip()
        if name:
            names.append(name)
    return names


def mirror():
    p = subprocess.run(["bash", FETCH_FIRMWARE, "--mirror"], stdout=subprocess.PIPE,
                       text=True, check=True)
    return dict(l.split("=", 1) for l in p.stdout.splitlines() if "=" in l)["main"]


def firmware_debs():
    """Debian's intel-microcode and amd64-microcode .debs, fetched into the
    cache first when missing.  {package: path}"""
    found = {}
    for _ in range(2):
        found = {}
        if os.path.isdir(debs_dir()):
            for name in sorted(os.listdir(debs_dir())):
                pkg = name.split("_")[0]
                if pkg in ("intel-microcode", "amd64-microcode") and name.endswith(".deb"):
                    found[pkg] = os.path.join(debs_dir(), name)
        if len(found) == 2:
            return found
        # fetch-firmware keeps the .debs it downloads beside the firmware.
        subprocess.run(["bash", FETCH_FIRMWARE, "--refresh"], stdout=subprocess.DEVNULL,
                       check=True)
    raise StepError(f"firmware .debs: none in {debs_dir()} after fetch-firmware")


def kernel_deb():
    """Debian's kernel package, the one tests/boot/fetch downloads."""
    for _ in range(2):
        if os.path.isdir(debs_dir()):
            debs = sorted(n for n in os.listdir(debs_dir())
                          if n.startswith("linux-image-6.") and n.endswith("_amd64.deb"))
            if debs:
                return os.path.join(debs_dir(), debs[-1])
        subprocess.run(["bash", FETCH_BOOT], stdout=subprocess.DEVNULL, check=True)
    raise StepError(f"kernel .deb: none in {debs_dir()} after tests/boot/fetch")


def kernel_abi(deb):
    """('linux-image-6.1.0-57-amd64', '6.1.0-57-amd64') of a kernel .deb."""
    pkg = deb_field(deb, "Package")
    return pkg, pkg[len("linux-image-"):]


def renamed_kernel(deb, bump, logfile):
    """Debian's kernel package rebuilt under the ABI name bump above its
    own (6.1.0-57-amd64 -> 6.1.0-58-amd64 for bump 1): the same vmlinuz and
    modules, every path, package name and maintainer script renamed, so that
    dpkg installs it as another kernel beside the first.  Kept in the cache
    beside the bases (zstd, fast to pack and unpack)."""
    pkg, old = kernel_abi(deb)
    head, abi, flavour = old.rsplit("-", 2)
    new = f"{head}-{int(abi) + bump}-{flavour}"
    version = deb_field(deb, "Version")
    outdir = os.path.join(cache_dir(), "kernels")
    out = os.path.join(outdir, f"linux-image-{new}_{version}_from-{old}_amd64.deb")
    if os.path.isfile(out):
        return out
    os.makedirs(outdir, exist_ok=True)
    start = time.monotonic()
    tmp = tempfile.mkdtemp(prefix="rename.", dir=outdir)
    try:
        tree = os.path.join(tmp, "pkg")
        run_logged(["dpkg-deb", "-R", deb, tree], logfile, f"dpkg-deb -R {pkg}")
        # Directories and files whose names carry the ABI, deepest first.
        for top, dirs, files in os.walk(tree, topdown=False):
            for name in dirs + files:
                if old in name:
                    os.rename(os.path.join(top, name),
                              os.path.join(top, name.replace(old, new)))
        for name in ("control", "md5sums", "preinst", "postinst", "prerm", "postrm"):
            p = os.path.join(tree, "DEBIAN", name)
            if os.path.isfile(p):
                with open(p) as f:
                    text = f.read()
                with open(p, "w") as f:
                    f.write(text.replace(old, new))
        part = out + ".part"
        run_logged(["dpkg-deb", "-Zzstd", "-z3", "--root-owner-group", "-b", tree, part],
                   logfile, f"dpkg-deb -b linux-image-{new}")
        os.rename(part, out)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    log(f"kernel {new}: {pkg} renamed in {time.monotonic() - start:.0f}s")
    return out


POLICY_RC_D = "#!/bin/sh\n# tests/system: no daemons in this tree\nexit 101\n"


class Cache:
    """The cached bases, one per flavour and key."""

    def __init__(self, logdir):
        self.dir = cache_dir()
        self.logdir = logdir
        os.makedirs(self.dir, exist_ok=True)

    def tree(self, flavour, extra=()):
        """The base for flavour with the extra packages too: its path, built
        first when no base with this key exists."""
        fw = firmware_debs()
        url = mirror()
        packages = sorted(set(COMMON + FLAVOURS[flavour] + list(extra)))
        key = "\n".join([f"layout {LAYOUT}", f"suite {SUITE}", f"mirror {url}",
                         "include " + ",".join(packages)]
                        + [f"deb {os.path.basename(fw[p])}" for p in sorted(fw)]) + "\n"
        digest = hashlib.sha256(key.encode()).hexdigest()[:12]
        name = f"{flavour}-{digest}"
        path = os.path.join(self.dir, name)
        with open(os.path.join(self.dir, ".lock"), "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if os.environ.get("MKUCODE_SYSTEM_REFRESH") == "1":
                remove_tree(path)
            if os.path.isfile(os.path.join(path, ".mkucode-stamp")):
                log(f"base {name}: cached ({path})")
                return path
            self._build(flavour, path, key, url, packages, fw)
            # Bases of this flavour under other keys are stale now.
            for other in os.listdir(self.dir):
                if other.startswith(flavour + "-") and other != name:
                    remove_tree(os.path.join(self.dir, other))
        return path

    def _build(self, flavour, path, key, url, packages, fw):
        start = time.monotonic()
        logfile = os.path.join(self.logdir, f"base-{flavour}.log")
        new = tempfile.mkdtemp(prefix=os.path.basename(path) + ".new.", dir=self.dir)
        debcache = os.path.join(self.dir, "debootstrap-debs")
        os.makedirs(debcache, exist_ok=True)
        try:
            log(f"base {flavour}: debootstrap --variant=minbase {SUITE} from {url} "
                f"with {','.join(packages)}")
            # In a mount namespace of its own: the /proc and /sys it mounts
            # in the tree go away with it, even when it fails.
            run_logged(["unshare", "-m", "--propagation", "private",
                        "debootstrap", "--variant=minbase", "--components=main",
                        "--include=" + ",".join(packages), f"--cache-dir={debcache}",
                        SUITE, new, url], logfile, f"debootstrap ({flavour})")
            policy = os.path.join(new, "usr", "sbin", "policy-rc.d")
            with open(policy, "w") as f:
                f.write(POLICY_RC_D)
            os.chmod(policy, 0o755)
            tmp = os.path.join(new, "tmp", "debs")
            os.makedirs(tmp)
            for pkg in sorted(fw):
                shutil.copy(fw[pkg], tmp)
            run_logged(chroot_cmd(new, ["sh", "-c", "dpkg -i /tmp/debs/*.deb"]), logfile,
                       f"dpkg -i intel-microcode amd64-microcode ({flavour})", env=CHROOT_ENV)
            shutil.rmtree(tmp)
            # apt's downloads are in debcache; the tree need not keep them.
            subprocess.run(chroot_cmd(new, ["apt-get", "clean"]), env=CHROOT_ENV,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            _, versions, _ = run_logged(chroot_cmd(new, ["dpkg-query", "-W", "-f",
                                                         "${Package} ${Version}\\n"]),
                                        logfile, "dpkg-query", env=CHROOT_ENV)
            with open(os.path.join(new, ".mkucode-key"), "w") as f:
                f.write(key)
            with open(os.path.join(new, ".mkucode-stamp"), "w") as f:
                f.write("".join(sorted(versions.splitlines(keepends=True))))
            remove_tree(path)
            os.rename(new, path)
        except BaseException:
            remove_tree(new)
            raise
        log(f"base {flavour}: built in {time.monotonic() - start:.0f}s")


class Work:
    """A private copy of a base, to change; removed by remove()."""

    def __init__(self, base, dest, logfile):
        self.root, self.logfile = dest, logfile
        start = time.monotonic()
        remove_tree(dest)
        subprocess.run(["cp", "-a", "--reflink=auto", base, dest], check=True)
        log(f"copied {os.path.basename(base)} to {dest} in {time.monotonic() - start:.1f}s")

    def path(self, *parts):
        return os.path.join(self.root, *[p.lstrip("/") for p in parts])

    def run(self, argv, step, ok=(0,), env=None, input=None):
        """argv in the chroot; (rc, stdout, stderr).  StepError if rc not in ok."""
        e = dict(CHROOT_ENV)
        e.update(env or {})
        return run_logged(chroot_cmd(self.root, argv), self.logfile, step, env=e,
                          input=input, ok=ok)

    def timed(self, argv, step, **kw):
        start = time.monotonic()
        r = self.run(argv, step, **kw)
        return (time.monotonic() - start,) + r

    def put(self, src, dest_in_tree):
        """Copy a host file into the tree; its path inside."""
        shutil.copy(src, self.path(dest_in_tree))
        return dest_in_tree

    def remove(self):
        remove_tree(self.root)


if __name__ == "__main__":
    # systree.py FLAVOUR [PACKAGE...]: build (or find) a base, print its path.
    logdir = tempfile.mkdtemp(prefix="mkucode-systree-")
    try:
        print(Cache(logdir).tree(sys.argv[1], sys.argv[2:]))
    except StepError as e:
        sys.exit(f"error: {e}")

# SPDX-License-Identifier: GPL-2.0-or-later
"""mkucode's own .deb for the system tests: `dpkg-buildpackage -b -us -uc`
on a copy of this source tree (the files git knows, committed or not, else
every file outside build directories), kept in the cache under a digest of
those files' names, modes and contents, so that a second run of an
unchanged tree builds nothing.  The suites have run the unit and CLI tests
already: the package build skips them (DEB_BUILD_OPTIONS=nocheck).
"""
import fcntl
import hashlib
import os
import shutil
import subprocess
import tempfile
import time

import systree


def source_files():
    """Paths relative to the source tree that make up the source."""
    p = subprocess.run(["git", "-C", systree.SRC, "ls-files", "-z", "-c", "-o",
                        "--exclude-standard"], stdout=subprocess.PIPE,
                       stderr=subprocess.DEVNULL)
    if p.returncode == 0:
        names = [n for n in p.stdout.decode().split("\0") if n]
        return sorted(n for n in names if os.path.isfile(os.path.join(systree.SRC, n)))
    names = []
    for top, dirs, files in os.walk(systree.SRC):
        dirs[:] = [d for d in dirs if d != ".git" and not d.startswith("build")
                   and not d.startswith("obj-")]
        names += [os.path.relpath(os.path.join(top, f), systree.SRC) for f in files]
    return sorted(names)


def mkucode_deb(logdir):
    """The path of mkucode_VERSION_ARCH.deb built from this source tree
    ($MKUCODE_SYSTEM_DEB instead, when set: a package built elsewhere)."""
    given = os.environ.get("MKUCODE_SYSTEM_DEB")
    if given:
        if not os.path.isfile(given):
            raise systree.StepError(f"MKUCODE_SYSTEM_DEB={given}: no such file")
        return os.path.abspath(given)
    if not os.path.isfile(os.path.join(systree.SRC, "debian", "control")):
        raise systree.StepError(f"mkucode .deb: no debian/control in {systree.SRC}")
    files = source_files()
    h = hashlib.sha256()
    for name in files:
        path = os.path.join(systree.SRC, name)
        mode = os.lstat(path).st_mode
        h.update(f"{name}\0{mode & 0o111:o}\0".encode())
        with open(path, "rb") as f:
            h.update(hashlib.sha256(f.read()).digest())
    digest = h.hexdigest()[:16]
    top = os.path.join(systree.cache_dir(), "mkucode-deb")
    os.makedirs(top, exist_ok=True)
    out = os.path.join(top, digest)
    with open(os.path.join(top, ".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if os.path.isdir(out):
            debs = [d for d in os.listdir(out) if d.endswith(".deb")]
            if len(debs) == 1:
                systree.log(f"mkucode .deb: cached ({out}/{debs[0]})")
                return private_copy(os.path.join(out, debs[0]), logdir)
        start = time.monotonic()
        tmp = tempfile.mkdtemp(prefix="build.", dir=top)
        try:
            src = os.path.join(tmp, "mkucode")
            for name in files:
                dest = os.path.join(src, name)
                os.makedirs(os.path.dirname(dest), exist_ok=True)
                shutil.copy2(os.path.join(systree.SRC, name), dest, follow_symlinks=False)
            env = dict(os.environ)
            env["DEB_BUILD_OPTIONS"] = f"nocheck parallel={os.cpu_count() or 1}"
            for k in list(env):
                if k.startswith("MESON_") or k in ("MALLOC_PERTURB_",):
                    del env[k]
            systree.log("mkucode .deb: dpkg-buildpackage -b -us -uc")
            systree.run_logged(["sh", "-c", f"cd '{src}' && exec dpkg-buildpackage -b -us -uc"],
                               os.path.join(logdir, "dpkg-buildpackage.log"),
                               "dpkg-buildpackage -b -us -uc", env=env)
            debs = [d for d in os.listdir(tmp)
                    if d.startswith("mkucode_") and d.endswith(".deb")]
            if len(debs) != 1:
                raise systree.StepError(f"dpkg-buildpackage made {debs or 'no mkucode_*.deb'}")
            new = out + ".new"
            systree.remove_tree(new)
            os.makedirs(new)
            os.rename(os.path.join(tmp, debs[0]), os.path.join(new, debs[0]))
            systree.remove_tree(out)
            os.rename(new, out)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        # Builds of other source states: the newest few stay, for runs of
        # other checkouts that may be using them.
        others = sorted((os.path.getmtime(os.path.join(top, o)), o) for o in os.listdir(top)
                        if o != digest and not o.startswith("."))
        for _, other in others[:-2]:
            shutil.rmtree(os.path.join(top, other), ignore_errors=True)
        systree.log(f"mkucode .deb: {debs[0]} built in {time.monotonic() - start:.0f}s")
        return private_copy(os.path.join(out, debs[0]), logdir)


def private_copy(deb, logdir):
    """The .deb copied into this run's directory: another run may clean the
    cache meanwhile."""
    mine = os.path.join(logdir, os.path.basename(deb))
    shutil.copy(deb, mine)
    return mine

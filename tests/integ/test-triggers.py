#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The rpm and pacman triggers, without rpm or pacman transactions:

- packaging/rpm/mkucode.spec parses (rpmspec -P, as rpmbuild reads it) and
  has %transfiletriggerin and %transfiletriggerpostun on both firmware
  directories; each scriptlet, run by sh with a mkucode stub on PATH, runs
  "mkucode refresh", exits 0 when it fails with a warning on stderr, and is
  silent without mkucode.
- packaging/pacman/mkucode.hook read by a small parser of alpm's hook format
  ([Trigger]/[Action] sections, "Key = Value", repeated keys): Type = Path,
  the targets match the firmware paths pacman passes (no leading slash),
  When = PostTransaction, an absolute Exec run the same three ways.

    test-triggers.py SOURCE-ROOT
"""
import fnmatch
import os
import shlex
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(sys.argv[1], "tests", "lib"))
import tap  # noqa: E402

src = sys.argv[1]
spec = os.path.join(src, "packaging", "rpm", "mkucode.spec")
hook = os.path.join(src, "packaging", "pacman", "mkucode.hook")
FIRMWARE = ("/usr/lib/firmware/intel-ucode", "/usr/lib/firmware/amd-ucode")

if not shutil.which("rpmspec"):
    sys.exit(tap.skip_all("rpmspec not found (./setup installs rpm)") or 77)

work = tempfile.mkdtemp(prefix="mkucode-triggers.")
stub_dir = os.path.join(work, "bin")
os.mkdir(stub_dir)
log = os.path.join(work, "log")
with open(os.path.join(stub_dir, "mkucode"), "w") as f:
    f.write('#!/bin/sh\necho "$*" >>"$STUB_LOG"\nexit "${STUB_EXIT:-0}"\n')
os.chmod(os.path.join(stub_dir, "mkucode"), 0o755)
bare_path = "/usr/bin:/bin"


def run(argv, stub_exit=None):
    """argv with the stub failing (stub_exit 1), succeeding (0), or absent
    (None): (exit status, stdout, stderr, the stub's calls)."""
    open(log, "w").close()
    env = dict(os.environ, STUB_LOG=log, PATH=bare_path)
    if stub_exit is not None:
        env.update(PATH=f"{stub_dir}:{bare_path}", STUB_EXIT=str(stub_exit))
    p = subprocess.run(argv, env=env, capture_output=True, text=True)
    with open(log) as f:
        return p.returncode, p.stdout, p.stderr, f.read().splitlines()


def check_runs(what, argv):
    rc, out, err, calls = run(argv, 0)
    tap.ok(rc == 0 and calls == ["refresh -q"], f"{what}: runs mkucode refresh",
           f"exit {rc}, calls {calls}, stderr {err!r}")
    rc, out, err, calls = run(argv, 1)
    tap.ok(rc == 0 and err.startswith("mkucode: warning: "),
           f"{what}: a failing mkucode: exit 0 and a warning on stderr",
           f"exit {rc}, stderr {err!r}")
    rc, out, err, calls = run(argv, None)
    tap.ok(rc == 0 and not out and not err, f"{what}: no mkucode: silent, exit 0",
           f"exit {rc}, stdout {out!r}, stderr {err!r}")


# ---- rpm ----
p = subprocess.run(["rpmspec", "-P", spec], capture_output=True, text=True)
tap.ok(p.returncode == 0, "rpmspec -P parses packaging/rpm/mkucode.spec", p.stderr)
lines = p.stdout.splitlines()
SECTIONS = ("%prep", "%build", "%install", "%check", "%files", "%changelog",
            "%post", "%postun", "%pre", "%preun", "%transfiletrigger",
            "%filetrigger", "%description", "%package")
for trigger in ("%transfiletriggerin", "%transfiletriggerpostun"):
    heads = [i for i, line in enumerate(lines) if line.split()[:1] == [trigger]]
    ok = tap.ok(len(heads) == 1, f"rpm: one {trigger}", f"found {len(heads)}")
    if not ok:
        continue
    words = lines[heads[0]].split()
    paths = words[words.index("--") + 1:] if "--" in words else []
    tap.ok(sorted(paths) == sorted(FIRMWARE),
           f"rpm: {trigger} -- on both firmware directories", f"got {paths}")
    body = []
    for line in lines[heads[0] + 1:]:
        if line.startswith(SECTIONS):
            break
        body.append(line)
    script = os.path.join(work, trigger.lstrip("%"))
    with open(script, "w") as f:
        f.write("\n".join(body) + "\n")
    check_runs(f"rpm {trigger} scriptlet", ["sh", script])


# ---- pacman ----
def parse_alpm_hook(path):
    """[(section, key, value)] of an alpm hook; raises on a malformed line."""
    out, section = [], None
    with open(path) as f:
        for n, raw in enumerate(f, 1):
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            if line.startswith("[") and line.endswith("]"):
                section = line[1:-1]
                if section not in ("Trigger", "Action"):
                    raise ValueError(f"line {n}: unknown section {section}")
                continue
            if section is None or "=" not in line:
                raise ValueError(f"line {n}: not a 'Key = Value' line in a section")
            key, value = (s.strip() for s in line.split("=", 1))
            out.append((section, key, value))
    return out


try:
    entries = parse_alpm_hook(hook)
    tap.ok(True, "pacman: the hook parses ([Trigger], [Action], Key = Value)")
except ValueError as e:
    entries = []
    tap.ok(False, "pacman: the hook parses ([Trigger], [Action], Key = Value)", str(e))


def values(section, key):
    return [v for s, k, v in entries if s == section and k == key]


TRIGGER_KEYS = {"Operation", "Type", "Target"}
ACTION_KEYS = {"Description", "When", "Exec", "Depends", "AbortOnFail", "NeedsTargets"}
unknown = [(s, k) for s, k, v in entries
           if k not in (TRIGGER_KEYS if s == "Trigger" else ACTION_KEYS)]
tap.ok(not unknown, "pacman: only keys alpm knows", f"unknown {unknown}")
tap.ok(values("Trigger", "Type") == ["Path"], "pacman: Type = Path", values("Trigger", "Type"))
tap.ok(sorted(values("Trigger", "Operation")) == ["Install", "Remove", "Upgrade"],
       "pacman: Operation = Install, Upgrade, Remove", values("Trigger", "Operation"))
targets = values("Trigger", "Target")
for path in ("usr/lib/firmware/intel-ucode/06-9e-0a",
             "usr/lib/firmware/amd-ucode/microcode_amd_fam17h.bin",
             "usr/lib/modules/6.12.1-arch1-1/vmlinuz"):
    tap.ok(any(fnmatch.fnmatchcase(path, t) for t in targets),
           f"pacman: a Target matches {path} (as pacman passes it, no leading /)", targets)
tap.ok(not any(t.startswith("/") for t in targets), "pacman: no Target starts with /", targets)
tap.ok(not any(fnmatch.fnmatchcase("usr/lib/firmware/iwlwifi-9000-pu-b0-jf-b0-46.ucode", t)
               for t in targets), "pacman: other firmware does not trigger it", targets)
tap.ok(values("Action", "When") == ["PostTransaction"], "pacman: When = PostTransaction",
       values("Action", "When"))
execs = values("Action", "Exec")
if tap.ok(len(execs) == 1 and shlex.split(execs[0])[0].startswith("/"),
          "pacman: one Exec, an absolute path", execs):
    check_runs("pacman Exec", shlex.split(execs[0]))

shutil.rmtree(work)
sys.exit(tap.done())

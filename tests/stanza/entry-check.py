#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""entry-check.py STATUS_JSON ORIGIN KIND FILE... [-- CMDLINE]

The round trip of a `mkucode stanza` entry: `mkucode status --json` read
the config it was pasted into (ORIGIN: grub or syslinux) through its
parser; the entry found there must be the only one of that origin, of
KIND (linux or xen), load exactly FILEs in order (role:path, e.g.
xen:/boot/xen.gz module:/boot/vmlinuz), have CMDLINE (Xen's for a Xen
entry) when given, and status 0 with no problem.  Exit 0, or 1 saying
what differs.
"""
import json
import sys


def main():
    args = sys.argv[1:]
    cmdline = None
    if "--" in args:
        cut = args.index("--")
        cmdline = " ".join(args[cut + 1:])
        args = args[:cut]
    path, origin, kind, files = args[0], args[1], args[2], args[3:]
    with open(path, encoding="utf-8") as f:
        entries = json.load(f)
    mine = [e for e in entries if e["origin"] == origin]
    if len(mine) != 1:
        print(f"{len(mine)} {origin} entries, not 1")
        return 1
    e = mine[0]
    bad = []
    if e["kind"] != kind:
        bad.append(f"kind {e['kind']}, not {kind}")
    got = [f"{x['role']}:{x['path']}" for x in e["files"]]
    if got != files:
        bad.append(f"files {got}, not {files}")
    if [x for x in e["files"] if x["file"] is None]:
        bad.append("a file not found")
    if cmdline is not None and e["cmdline"] != cmdline:
        bad.append(f"cmdline {e['cmdline']!r}, not {cmdline!r}")
    if e["status"] != 0:
        bad.append(f"status {e['status']}")
    problems = e["problems"] + [p for c in e["cpus"] for p in c["problems"]]
    if problems:
        bad.append(f"problems {[p['code'] for p in problems]}")
    if not e["cpus"]:
        bad.append("no CPU rows")
    for b in bad:
        print(b)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())

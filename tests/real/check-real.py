#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Hold the core against independent tools on Debian's real firmware.

usage: check-real.py intel|amd|cpio UCSCAN FETCH-FIRMWARE
       check-real.py build MKUCODE FETCH-FIRMWARE

  intel  counts, unique blobs, (sig, pf) pairs and every loader's choice per
         signature and platform id, against iucode_tool (iucode_ref.py)
  amd    one container per file, no issue, and patch / equivalence counts
         against an independent Python walker (tests/gen/ucgen-check.py)
  cpio   lookups, layout and validator issues on archives written by GNU cpio,
         bsdcpio, iucode_tool and the core's own writer (mkfixtures.sh)
  build  the mkucode command: GenuineIntel.bin byte-identical to the one in
         iucode_tool --write-earlyfw output for the same selection; the same
         firmware compressed with xz, zstd and gzip gives the same bytes;
         every AMD CPU of the set gets its newest patch from the output

Prints TAP: one "not ok" per disagreement, one "ok" per part that agrees
throughout.  Exits 77 when the firmware cannot be fetched (no network, no
apt): a user's machine may lack it; CI treats a skip as failure.
"""
import hashlib
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
import newc  # noqa: E402
import tap  # noqa: E402


def fail(msg):
    tap.ok(False, msg)


def part_done(before, summary):
    """ok for a part when nothing in it failed since before (a count)."""
    tap.ok(len(tap.failures()) == before, summary)


def run(cmd, **kw):
    return subprocess.run(cmd, check=True, stdout=subprocess.PIPE, text=True, **kw).stdout


def firmware_root(fetch):
    try:
        out = run(["bash", fetch])
    except (subprocess.CalledProcessError, OSError) as e:
        print(f"SKIP: cannot fetch the Debian firmware ({e})")
        sys.exit(77)
    return os.path.join(out.strip().splitlines()[-1], "lib", "firmware")


def check_intel(ucscan, fw):
    d = os.path.join(fw, "intel-ucode")
    files = sorted(os.path.join(d, f) for f in os.listdir(d))
    ref = json.loads(run([sys.executable, os.path.join(HERE, "iucode_ref.py"), d]))
    mine = json.loads(run([ucscan, "intel"] + files))
    before = len(tap.failures())

    if mine["errors"]:
        fail(f"{mine['errors']} Intel files did not validate")
    if mine["files"] != ref["files"]:
        diff = {k: (mine["files"].get(k), v) for k, v in ref["files"].items()
                if mine["files"].get(k) != v}
        fail(f"blobs per file differ (mine, iucode_tool): {diff}")
    for key in ("blobs_total", "blobs_unique"):
        if mine[key] != ref[key]:
            fail(f"{key}: mine {mine[key]}, iucode_tool {ref[key]}")
    if sorted(map(tuple, mine["signatures"])) != sorted(map(tuple, ref["signatures"])):
        fail("(sig, pf) pairs differ from iucode_tool's, extended tables included")

    # iucode_tool -s SIG keeps the newest update per (sig, pf mask); a CPU
    # with platform id n takes the newest of those whose mask has bit n.
    compared = 0
    for sig, selected in ref["selection"].items():
        for pid in range(8):
            revs = [int(s["rev"], 16) for s in selected if int(s["pf_mask"], 16) >> pid & 1]
            want = max(revs) if revs else None
            got = mine["choices"].get(sig, {}).get(str(pid))
            if got is None:
                fail(f"{sig}: no choices computed")
                break
            for consumer, rev in got.items():
                rev = int(rev, 16) if rev else None
                if rev != want:
                    fail(f"{sig} platform {pid}: {consumer} loads {rev and hex(rev)}, "
                         f"iucode_tool selects {want and hex(want)}")
                compared += 1
    part_done(before, f"intel: {len(ref['files'])} files, {ref['blobs_total']} blobs, "
              f"{ref['blobs_unique']} unique, {len(ref['signatures'])} (sig, pf) pairs "
              f"({len(ref['ext_only_signatures'])} via extended tables only), "
              f"{compared} loader choices compared with iucode_tool")


def check_amd(ucscan, fw):
    d = os.path.join(fw, "amd-ucode")
    files = sorted(os.path.join(d, f) for f in os.listdir(d) if f.endswith(".bin"))
    mine = json.loads(run([ucscan, "amd"] + files))
    walker = os.path.join(HERE, "..", "gen", "ucgen-check.py")
    before = len(tap.failures())
    if mine["errors"]:
        fail(f"{mine['errors']} AMD files did not validate")
    for f in files:
        m = mine["files"][os.path.basename(f)]
        lines = run([sys.executable, walker, "amd", f]).splitlines()
        ref = {
            "containers": sum(l.startswith("container ") for l in lines),
            "equiv": sum(l.startswith("equiv ") for l in lines),
            "patches": sum(l.startswith("patch ") for l in lines),
        }
        if m["containers"] != 1 or ref["containers"] != 1:
            fail(f"{f}: {m['containers']} containers (walker {ref['containers']}), want 1")
        if m["patches"] != ref["patches"]:
            fail(f"{f}: {m['patches']} patches, walker {ref['patches']}")
        # The walker lists real entries; the core counts the zero terminator too.
        if m["equiv_entries"] != ref["equiv"] + 1:
            fail(f"{f}: {m['equiv_entries']} equivalence entries, walker {ref['equiv']} + 1")
        if m["issues"]:
            fail(f"{f}: {m['issues']} validator issues")
    part_done(before, f"amd: {len(files)} files, one container each, "
              f"{sum(m['patches'] for m in mine['files'].values())} patches agree with the walker")


# What the validator must say about each fixture.
EXPECTED_ISSUES = {
    "gnu-cpio.cpio": ["UC_ERR_MISALIGNED"],
    "gnu-cpio-dotslash.cpio": ["UC_ERR_MISALIGNED"],
    "bsdcpio-dotslash.cpio": ["UC_ERR_UNREACHABLE_NAME", "UC_ERR_UNREACHABLE_NAME"],
    "iucode-earlyfw.cpio": [],
    "two-archives.img": ["UC_ERR_MISALIGNED"],
    "padded.img": [],
    "old-first.cpio": ["UC_ERR_SHADOWED"],
    "mkucode-writer.cpio": [],
}


def parse_fixtures(path):
    fixtures, lookups = {}, {}
    for line in open(path):
        if line.startswith("#") or not line.strip():
            continue
        kind, rest = line.split(" ", 1)
        fields = rest.split()
        name = fields[0]
        kv = dict(f.split("=", 1) for f in fields[1:])
        if kind == "fixture":
            fixtures[name] = kv
        elif kind == "lookup":
            lookups[(name, kv["path"])] = kv
    return fixtures, lookups


def check_cpio(ucscan, fw):
    root = os.path.dirname(os.path.dirname(fw))
    with tempfile.TemporaryDirectory() as tmp:
        run(["bash", os.path.join(HERE, "mkfixtures.sh"), root, tmp])
        fixtures, lookups = parse_fixtures(os.path.join(tmp, "fixtures.txt"))
        intel = os.path.join(tmp, "GenuineIntel.bin")
        with open(intel, "wb") as out:
            for name in ("06-1d-01", "06-25-05", "06-2c-02"):
                out.write(open(os.path.join(fw, "intel-ucode", name), "rb").read())
        amd = os.path.join(fw, "amd-ucode", "microcode_amd.bin")
        mine_img = os.path.join(tmp, "mkucode-writer.cpio")
        run([ucscan, "write", mine_img, intel, amd])
        paths = [os.path.join(tmp, f) for f in EXPECTED_ISSUES]
        missing = [p for p in paths if not os.path.exists(p)]
        if missing:
            fail(f"fixtures not written: {missing}")
            return
        seen = json.loads(run([ucscan, "cpio"] + paths))
        before = len(tap.failures())

        for name, got in seen.items():
            errs = sorted(i["error"] for i in got["issues"])
            if errs != sorted(EXPECTED_ISSUES[name]):
                fail(f"{name}: issues {errs}, want {EXPECTED_ISSUES[name]}")
            if name == "mkucode-writer.cpio":
                # The core's writer against the files it was given.
                data = open(mine_img, "rb").read()
                for path, src in (("kernel/x86/microcode/GenuineIntel.bin", intel),
                                  ("kernel/x86/microcode/AuthenticAMD.bin", amd)):
                    hit = got["lookup"][path]
                    want = newc.find(data, path)
                    if want is None or (hit["offset"], hit["size"]) != \
                            (want.data_offset, want.filesize):
                        fail(f"{name}: {path} found at {hit}, the newc reader has "
                             f"{want and (want.data_offset, want.filesize)}")
                    body = data[hit["offset"]:hit["offset"] + hit["size"]]
                    if body != open(src, "rb").read():
                        fail(f"{name}: {path} does not hold its source")
                    if path.endswith("Intel.bin") and hit["offset"] % 16:
                        fail(f"{name}: Intel data at {hit['offset']}, not 16-aligned")
                gnu = subprocess.run(["cpio", "-t", "--quiet"], input=data,
                                     stdout=subprocess.PIPE, check=True).stdout.decode()
                if "kernel/x86/microcode/GenuineIntel.bin" not in gnu.split():
                    fail(f"{name}: GNU cpio does not list GenuineIntel.bin: {gnu!r}")
                continue
            fx = fixtures[name]
            lay = got["layout"]
            if lay["archives"] != int(fx["archives"]) or lay["end"] != int(fx["trailer_end"]) \
                    or lay["tail"] != int(fx["uncompressed_end"]):
                fail(f"{name}: layout {lay}, fixtures say {fx}")
            for path, hit in got["lookup"].items():
                want = lookups[(name, path)]
                if want["name"] == "-":
                    if hit is not None:
                        fail(f"{name}: {path} found at {hit}, the loaders find nothing")
                elif hit is None or hit["name"] != want["name"] or \
                        hit["offset"] != int(want["offset"]) or hit["size"] != int(want["size"]):
                    fail(f"{name}: {path} -> {hit}, the loaders find {want}")
        part_done(before, f"cpio: {len(seen)} archives from GNU cpio, bsdcpio, iucode_tool "
                          f"and the core's writer: lookups, layouts and issues as expected")


def cpio_member(data, name):
    """A member's bytes, by the independent newc reader (first archive)."""
    try:
        entries, _ = newc.archive_entries(data)
    except newc.Malformed:
        return None
    return next((e.data for e in entries if e.name == name), None)


# Selections for the differential: --all, signatures with and without
# platform flags, signatures reached only through extended tables.
IUCODE_SELECTIONS = [
    [], ["0x906ea"], ["0x906ea,0x22"], ["0x806ec"], ["0x806ec,0x94"], ["0x50657"],
    ["0x806f8"], ["0x806f4"], ["0x406f1"], ["0x30678"], ["0xb06a3"], ["0x6f6,0x4"],
    ["0x000806eb,0x80"], ["0x906ea", "0x806ec", "0x50657"], ["0xa0671"], ["0x90675"],
]


def check_build(mkucode, fw):
    intel = os.path.join(fw, "intel-ucode")
    amd = os.path.join(fw, "amd-ucode")
    with tempfile.TemporaryDirectory() as tmp:
        mine, ref = os.path.join(tmp, "mine.cpio"), os.path.join(tmp, "ref.cpio")
        before = len(tap.failures())
        for sel in IUCODE_SELECTIONS:
            run([mkucode, "-q", "--vendor", "intel", "-o", mine, intel]
                + [a for s in sel for a in ("--cpu", s)])
            run(["iucode_tool", "-q", "--overwrite", "--write-earlyfw=" + ref, intel]
                + [a for s in sel for a in ("-s", s)])
            a = cpio_member(open(mine, "rb").read(), "kernel/x86/microcode/GenuineIntel.bin")
            b = cpio_member(open(ref, "rb").read(), "kernel/x86/microcode/GenuineIntel.bin")
            if a is None or b is None or a != b:
                fail(f"selection {sel or ['all']}: GenuineIntel.bin differs from "
                     f"iucode_tool's ({a and len(a)} vs {b and len(b)} bytes)")
        part_done(before, f"build: GenuineIntel.bin byte-identical to iucode_tool's for "
                          f"{len(IUCODE_SELECTIONS)} selections")

        # Compressed copies of the same firmware give the same archive.
        plain = os.path.join(tmp, "plain.cpio")
        run([mkucode, "-q", "-o", plain, intel, amd])
        outputs = {}
        for tool, ext in (("gzip", "gz"), ("xz", "xz"), ("zstd", "zst")):
            d = os.path.join(tmp, ext)
            os.mkdir(d)
            for sub in (intel, amd):
                for f in sorted(os.listdir(sub)):
                    dst = os.path.join(d, f + "." + ext)
                    with open(os.path.join(sub, f), "rb") as src, open(dst, "wb") as out:
                        subprocess.run([tool, "-c", "-q"] if tool == "zstd" else [tool, "-c"],
                                       stdin=src, stdout=out, check=True)
            out = os.path.join(tmp, ext + ".cpio")
            run([mkucode, "-q", "-o", out, d])
            outputs[ext] = open(out, "rb").read()
        ref_bytes = open(plain, "rb").read()
        before = len(tap.failures())
        for ext, data in outputs.items():
            if data != ref_bytes:
                fail(f"{ext}-compressed firmware gives a different archive")
        part_done(before, "build: gzip, xz and zstd copies of the firmware give the same bytes")

        # Every AMD CPU in the tables gets the newest patch for its id.
        listing = json.loads(run([mkucode, "list", "--json", amd]))
        newest = {}
        for row in listing:
            k = row["equiv_id"]
            newest[k] = max(newest.get(k, 0), row["revision"])
        sigs = set()
        for f in os.listdir(amd):
            lines = run([sys.executable, os.path.join(HERE, "..", "gen", "ucgen-check.py"),
                         "amd", os.path.join(amd, f)]).splitlines()
            for l in lines:
                if l.startswith("equiv "):
                    _, cpu, eq = l.split()
                    if int(eq, 16) in newest:
                        sigs.add((int(cpu, 16), int(eq, 16)))
        before = len(tap.failures())
        args = [mkucode, "verify", "--json", "--vendor", "amd"]
        for cpu, _ in sorted(sigs):
            args += ["--cpu", hex(cpu)]
        out = subprocess.run(args + [plain], stdout=subprocess.PIPE, text=True)
        if out.returncode != 0:
            fail(f"verify of the full archive exits {out.returncode}")
        rows = {r["signature"]: r for r in json.loads(out.stdout)}
        for cpu, eq in sorted(sigs):
            r = rows.get(cpu)
            for key in ("linux_6_1", "linux", "xen_4_17", "xen"):
                if r is None or r[key] != newest[eq]:
                    fail(f"AMD CPU {cpu:#010x}: {key} loads "
                         f"{r and r[key]}, newest for {eq:#06x} is {newest[eq]:#x}")
        part_done(before, f"build: {len(sigs)} AMD CPUs each get their newest patch from every loader")


def main():
    if len(sys.argv) == 4 and sys.argv[1] == "build":
        fw = firmware_root(sys.argv[3])
        check_build(sys.argv[2], fw)
        return tap.done()
    if len(sys.argv) != 4 or sys.argv[1] not in ("intel", "amd", "cpio"):
        print(__doc__)
        return 2
    mode, ucscan, fetch = sys.argv[1:]
    fw = firmware_root(fetch)
    {"intel": check_intel, "amd": check_amd, "cpio": check_cpio}[mode](ucscan, fw)
    return tap.done()


if __name__ == "__main__":
    sys.exit(main())

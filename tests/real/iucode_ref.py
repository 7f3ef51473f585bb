#!/usr/bin/env python3
"""Independent Intel microcode reference, built only from iucode_tool output.

Nothing here parses microcode binaries: every number comes from what
iucode_tool (Debian package iucode-tool, 2.3.1) prints, so it can be used to
check mkucode's own Intel parser.

Usage:
  iucode_ref.py [--iucode-tool PATH] [--jobs N] DIR
      Print one JSON object (see below) for the Intel microcode directory DIR
      (an intel-ucode/ directory; a firmware root holding
      lib/firmware/intel-ucode or usr/lib/firmware/intel-ucode is accepted).
  iucode_ref.py [--iucode-tool PATH] --earlyfw DIR OUT [--mini]
      Run "iucode_tool --write-earlyfw=OUT DIR" (all microcodes; iucode_tool
      drops duplicates); --mini adds --mini-earlyfw.  Prints OUT.

iucode_tool output relied upon (LC_ALL=C; stdout unless noted):

  -L (--list-all), printed while loading, one block per input file:
      microcode bundle 8: /path/intel-ucode/06-8f-08
        008/001: sig 0x000806f8, pf_mask 0x87, 2025-05-29, rev 0x2b000650, size 593920
                 sig 0x000806f8, pf_mask 0x87, 2025-05-29, rev 0x2b000650
                 sig 0x000806f7, pf_mask 0x87, 2025-05-29, rev 0x2b000650
    "NNN/KKK:" is bundle NNN (= input file), microcode KKK in it (1-based);
    its sig/pf_mask are the main header's.  The indented lines without
    "NNN/KKK:" that follow are the blob's extended signature table entries,
    one per entry, verbatim (the first entry usually repeats the main sig;
    checked against a hex dump of 06-ba-02, 06-ca-02 and 06-8f-08).
    Blobs without an extended table have no such lines.
  -l (--list), printed after processing:
      selected microcodes:
        009/001: sig 0x000c0664, pf_mask 0x82, 2025-06-30, rev 0x011a, size 90112
    one line per selected (sig, pf_mask) signature; a blob matched through
    its extended table is shown under that signature with the entry's
    pf_mask and the id of the (first loaded copy of the) blob.
  -v on stderr:
      iucode_tool: processed 166 valid microcode(s), 278 signature(s), 167 unique signature(s)
      iucode_tool: selected 147 microcode(s), 167 signature(s)
  The date is printed as %04x-%02x-%02x of the BCD field, so it is parsed as
  an opaque token; revisions are printed as 0x%04x of the 32-bit field.

JSON output (hex numbers are strings: sig "0x%08x", pf_mask "0x%02x",
rev "0x%08x"; lists sorted numerically):
  files         {basename: number of blobs iucode_tool loaded from it}
  blobs_total   number of "NNN/KKK:" lines in -L (every blob in every file,
                duplicates included); must equal -v "processed N valid"
  blobs_unique  number of distinct (sig, pf_mask, date, rev, size) tuples of
                those lines.  iucode_tool's default --strict-checks refuses
                entries with equal metadata but different payload, so equal
                metadata means identical blobs here.  Cross-checked against
                -v "selected N microcode(s)" of an unfiltered run, which is
                iucode_tool's own count after dropping duplicates (it would
                also drop outdated revisions of the same signature; the two
                numbers are reported separately if they ever differ)
  iucode_selected_blobs  that -v "selected N microcode(s)" number
  signature_entries  main + extended signature entries in -L (-v "N signature(s)")
  signatures    [[sig, pf_mask], ...] from the unfiltered -l listing: every
                selectable pair, including extended-table-only ones; must
                have -v "K unique signature(s)" elements
  ext_only_signatures  pairs of "signatures" that are no blob's main
                (sig, pf_mask) in -L, i.e. reachable only through extended
                tables
  ext_only_sigs  sig values never seen as any blob's main sig
  selection     {sig: [{sig, pf_mask, rev}, ...]} for every distinct sig S
                of "signatures": what "iucode_tool -q -s S -l DIR" selects
  iucode_tool_runs, iucode_tool_version
"""

import argparse
import concurrent.futures
import json
import os
import re
import subprocess
import sys
import time

RE_BUNDLE = re.compile(r"^microcode bundle (\d+): (.+)$")
RE_BLOB = re.compile(
    r"^\s+(\d+)/(\d+): sig (0x[0-9a-fA-F]+), pf_mask (0x[0-9a-fA-F]+), "
    r"(\S+), rev (0x[0-9a-fA-F]+), size (\d+)$")
RE_EXT = re.compile(
    r"^\s+sig (0x[0-9a-fA-F]+), pf_mask (0x[0-9a-fA-F]+), "
    r"(\S+), rev (0x[0-9a-fA-F]+)$")
RE_SELECTED_HDR = re.compile(r"^selected microcodes:$")
RE_PROCESSED = re.compile(
    r"processed (\d+) valid microcode\(s\), (\d+) signature\(s\), "
    r"(\d+) unique signature\(s\)")
RE_SELECTED = re.compile(r"selected (\d+) microcode\(s\), (\d+) signature\(s\)")


class RefError(Exception):
    pass


def hsig(v):
    return "0x%08x" % v


def hpf(v):
    return "0x%02x" % v


def hrev(v):
    return "0x%08x" % (v & 0xFFFFFFFF)


class Tool:
    def __init__(self, path):
        self.path = path
        self.runs = 0
        self.env = dict(os.environ, LC_ALL="C")

    def run(self, args):
        self.runs += 1
        cmd = [self.path] + args
        try:
            p = subprocess.run(cmd, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, env=self.env,
                               stdin=subprocess.DEVNULL, check=False)
        except OSError as e:
            raise RefError("cannot run %s: %s" % (self.path, e))
        out = p.stdout.decode("utf-8", "replace")
        err = p.stderr.decode("utf-8", "replace")
        if p.returncode != 0:
            raise RefError("%s failed (exit %d):\n%s" %
                           (" ".join(cmd), p.returncode, err.strip()))
        return out, err

    def version(self):
        out, _ = self.run(["--version"])
        return out.splitlines()[0].strip() if out else "?"


def parse_listing(text):
    """Parse -L and/or -l output.

    Returns (bundles, blobs, selected):
      bundles  {bundle number: path}
      blobs    [{bundle, index, sig, pf, date, rev, size, ext: [(sig, pf)]}]
               from the -L part (lines before "selected microcodes:")
      selected [(bundle, index, sig, pf, rev)] from the -l part
    """
    bundles, blobs, selected = {}, [], []
    in_selected = False
    cur = None
    for lineno, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        m = RE_BUNDLE.match(line)
        if m:
            bundles[int(m.group(1))] = m.group(2)
            cur = None
            continue
        if RE_SELECTED_HDR.match(line):
            in_selected = True
            cur = None
            continue
        m = RE_BLOB.match(line)
        if m:
            b, k = int(m.group(1)), int(m.group(2))
            sig, pf = int(m.group(3), 16), int(m.group(4), 16)
            rev = int(m.group(6), 16) & 0xFFFFFFFF
            if in_selected:
                selected.append((b, k, sig, pf, rev))
            else:
                cur = {"bundle": b, "index": k, "sig": sig, "pf": pf,
                       "date": m.group(5), "rev": rev,
                       "size": int(m.group(7)), "ext": []}
                blobs.append(cur)
            continue
        m = RE_EXT.match(line)
        if m and cur is not None and not in_selected:
            cur["ext"].append((int(m.group(1), 16), int(m.group(2), 16)))
            continue
        raise RefError("unexpected iucode_tool output line %d: %r" %
                       (lineno, line))
    return bundles, blobs, selected


def parse_counts(err):
    mp, ms = RE_PROCESSED.search(err), RE_SELECTED.search(err)
    if not mp or not ms:
        raise RefError("no -v summary in iucode_tool stderr:\n" + err)
    return tuple(int(x) for x in mp.groups()), tuple(int(x) for x in ms.groups())


def resolve_dir(d):
    """DIR itself, or the intel-ucode directory inside a firmware root."""
    for sub in ("intel-ucode", "lib/firmware/intel-ucode",
                "usr/lib/firmware/intel-ucode"):
        p = os.path.join(d, sub)
        if os.path.isdir(p):
            return p
    if os.path.isdir(d):
        return d
    raise RefError("%s: not a directory" % d)


def reference(tool, d, jobs):
    t0 = time.monotonic()
    # One call: -L (all blobs, per file, with extended tables), then -l
    # (everything selected; with no -s every microcode is selected) and the
    # -v summaries on stderr.
    out, err = tool.run(["-v", "-L", "-l", d])
    bundles, blobs, selected = parse_listing(out)
    (n_proc, n_sigent, n_usig), (n_sel, n_selsig) = parse_counts(err)

    files = {}
    for name in os.listdir(d):
        if os.path.isfile(os.path.join(d, name)):
            files[name] = 0
    for b in blobs:
        if b["bundle"] not in bundles:
            raise RefError("blob %d/%d before its bundle line" %
                           (b["bundle"], b["index"]))
        name = os.path.basename(bundles[b["bundle"]])
        files[name] = files.get(name, 0) + 1

    blobs_total = len(blobs)
    if blobs_total != n_proc:
        raise RefError("-L shows %d blobs, -v says %d" % (blobs_total, n_proc))
    uniq = {(b["sig"], b["pf"], b["date"], b["rev"], b["size"]) for b in blobs}
    sig_entries = blobs_total + sum(len(b["ext"]) for b in blobs)
    if sig_entries != n_sigent:
        raise RefError("-L shows %d signature entries, -v says %d" %
                       (sig_entries, n_sigent))

    pairs = sorted({(s, p) for (_, _, s, p, _) in selected})
    if len(pairs) != len(selected) or len(pairs) != n_usig \
            or len(pairs) != n_selsig:
        raise RefError("-l shows %d lines / %d pairs, -v says %d unique" %
                       (len(selected), len(pairs), n_usig))
    listed = {(b["sig"], b["pf"]) for b in blobs}
    for b in blobs:
        listed.update(b["ext"])
    if set(pairs) != listed:
        raise RefError("-l pairs differ from -L pairs")
    main_pairs = {(b["sig"], b["pf"]) for b in blobs}
    main_sigs = {b["sig"] for b in blobs}
    ext_only = [p for p in pairs if p not in main_pairs]
    ext_only_sigs = sorted({s for (s, _) in pairs} - main_sigs)

    # One call per distinct signature (about 25 ms each on the Debian set).
    sigs = sorted({s for (s, _) in pairs})

    def select(sig):
        o, _ = tool.run(["-q", "-s", "0x%x" % sig, "-l", d])
        _, _, sel = parse_listing(o)
        return sig, sorted((s, p, r) for (_, _, s, p, r) in sel)

    selection = {}
    with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as ex:
        for sig, sel in ex.map(select, sigs):
            if any(s != sig for (s, _, _) in sel):
                raise RefError("-s 0x%x selected another sig" % sig)
            # Must agree with the unfiltered -l listing.
            want = sorted((s, p, r) for (_, _, s, p, r) in selected if s == sig)
            if sel != want:
                raise RefError("-s 0x%x: %r != unfiltered %r" % (sig, sel, want))
            selection[hsig(sig)] = [
                {"sig": hsig(s), "pf_mask": hpf(p), "rev": hrev(r)}
                for (s, p, r) in sel]

    res = {
        "dir": os.path.abspath(d),
        "iucode_tool_version": tool.version(),
        "files": dict(sorted(files.items())),
        "blobs_total": blobs_total,
        "blobs_unique": len(uniq),
        "iucode_selected_blobs": n_sel,
        "signature_entries": sig_entries,
        "signatures": [[hsig(s), hpf(p)] for (s, p) in pairs],
        "ext_only_signatures": [[hsig(s), hpf(p)] for (s, p) in ext_only],
        "ext_only_sigs": [hsig(s) for s in ext_only_sigs],
        "selection": selection,
        "iucode_tool_runs": tool.runs,
    }
    print("iucode_ref: %d files, %d blobs, %d unique (iucode_tool selected "
          "%d), %d signatures (%d ext-only pairs, %d ext-only sigs), "
          "%d distinct sigs, %d iucode_tool runs, %.2f s" %
          (len(files), blobs_total, len(uniq), n_sel, len(pairs),
           len(ext_only), len(ext_only_sigs), len(sigs), tool.runs,
           time.monotonic() - t0), file=sys.stderr)
    return res


def main(argv):
    ap = argparse.ArgumentParser(
        description="Intel microcode reference data from iucode_tool")
    ap.add_argument("--iucode-tool", default=os.environ.get(
        "IUCODE_TOOL", "iucode_tool"))
    ap.add_argument("--jobs", type=int, default=min(8, os.cpu_count() or 1))
    ap.add_argument("--earlyfw", nargs=2, metavar=("DIR", "OUT"))
    ap.add_argument("--mini", action="store_true",
                    help="with --earlyfw: use --mini-earlyfw")
    ap.add_argument("dir", nargs="?")
    a = ap.parse_args(argv)
    tool = Tool(a.iucode_tool)
    try:
        if a.earlyfw:
            if a.dir:
                ap.error("--earlyfw takes DIR OUT, no extra DIR")
            d, outp = resolve_dir(a.earlyfw[0]), a.earlyfw[1]
            args = ["-q", "--overwrite", "--write-earlyfw=" + outp]
            if a.mini:
                args.insert(0, "--mini-earlyfw")
            tool.run(args + [d])
            print(outp)
            return 0
        if not a.dir:
            ap.error("DIR is required")
        res = reference(tool, resolve_dir(a.dir), max(1, a.jobs))
    except RefError as e:
        print("iucode_ref: error: %s" % e, file=sys.stderr)
        return 1
    json.dump(res, sys.stdout, indent=1)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

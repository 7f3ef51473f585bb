#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The shared test helpers checked on their own: newc.py against GNU cpio
and against hand-made archives with exact offsets, tap.py and tap.sh
against the exact lines they must print.  TAP output.

usage: check-lib.py
"""
import io
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import newc  # noqa: E402
import tap  # noqa: E402


def malformed(buf, pos=0, how=newc.parse_header):
    try:
        how(buf, pos)
    except newc.Malformed as m:
        return m.code, m.offset
    return None


def check_writer_with_gnu_cpio(tmp):
    if shutil.which("cpio") is None:
        tap.skip("GNU cpio reads newc.archive()", "no cpio")
        return
    data = os.urandom(1001)
    arc = newc.archive([("d", 0o040755), ("d/f", 0o100644, data),
                        {"name": "d/l", "mode": 0o120777, "data": b"f", "mtime": 7}])
    tap.ok(len(arc) % 512 == 0, "archive() pads to 512 bytes", len(arc))
    p = subprocess.run(["cpio", "-it", "--quiet"], input=arc, stdout=subprocess.PIPE)
    tap.ok(p.returncode == 0 and p.stdout.decode().split() == ["d", "d/f", "d/l"],
           "GNU cpio lists what archive() wrote", p.stdout)
    p = subprocess.run(["cpio", "-i", "--quiet", "--to-stdout", "d/f"], input=arc,
                       stdout=subprocess.PIPE)
    tap.ok(p.stdout == data, "GNU cpio extracts the data archive() wrote")

    # The other way: GNU cpio writes, the reader reads.
    stage = os.path.join(tmp, "stage")
    os.makedirs(os.path.join(stage, "kernel/x86/microcode"))
    files = {"kernel/x86/microcode/GenuineIntel.bin": os.urandom(2049),
             "kernel/x86/microcode/AuthenticAMD.bin": os.urandom(3)}
    for name, body in files.items():
        with open(os.path.join(stage, name), "wb") as f:
            f.write(body)
    names = "\n".join(["kernel", "kernel/x86", "kernel/x86/microcode"] + list(files)) + "\n"
    gnu = subprocess.run(["cpio", "-o", "-H", "newc", "--quiet", "-R", "0:0"], cwd=stage,
                         input=names.encode(), stdout=subprocess.PIPE, check=True).stdout
    entries, end = newc.archive_entries(gnu)
    got = {e.name: e.data for e in entries if e.is_regular}
    tap.ok(got == files, "archive_entries() reads GNU cpio's members and data")
    tap.ok([e.name for e in entries] == names.split(), "archive_entries() keeps their order")
    tap.ok(not any(gnu[end:]) and end <= len(gnu) and end % 4 == 0,
           f"archive_entries() ends past the trailer, before GNU cpio's padding ({end:#x})")
    first = newc.find(gnu, "kernel/x86/microcode/GenuineIntel.bin")
    tap.ok(first is not None and
           gnu[first.data_offset:first.data_offset + 2049] == files[first.name],
           "find() gives the data offset of GNU cpio's member")


def check_reader_offsets():
    one = newc.entry("kernel/x86/microcode/GenuineIntel.bin", 0o100644, b"abcde")
    # 110 + 38 = 148, already 4-aligned; data 5 bytes, padded to 8.
    e = newc.parse_header(one, 0)
    tap.ok((e.namesize, e.data_offset, e.end, e.data) == (38, 148, 156, b"abcde"),
           "parse_header(): namesize 38, data at 148, next header at 156",
           (e.namesize, e.data_offset, e.end))
    arc = newc.archive([("a", 0o100644, b"1")], pad_to=0)
    # a: 110 + 2 = 112, data 1 byte -> 116; the trailer from 116: 110 + 11
    # = 121 -> 124 bytes, ending at 240.
    entries, end = newc.archive_entries(arc)
    tap.ok(len(arc) == 240 and end == 240 and [x.name for x in entries] == ["a"],
           "archive(pad_to=0): the trailer ends at 240, nothing after", (len(arc), end))

    hdr = bytearray(one)
    tap.ok(malformed(one[:109]) == ("truncated-header", 0), "109 bytes: truncated-header at 0")
    bad = bytearray(hdr)
    bad[5] = ord("3")
    tap.ok(malformed(bytes(bad)) == ("bad-magic", 0), "070703: bad-magic at 0")
    bad = bytearray(hdr)
    bad[6 + 8 * 6 + 3] = ord("g")  # filesize
    tap.ok(malformed(bytes(bad)) == ("bad-hex", 54), "a 'g' in filesize: bad-hex at 54")
    bad = bytearray(hdr)
    bad[6 + 8 * 6 + 3] = ord("x")  # int(.., 16) would take "0x", the loaders do not
    bad[6 + 8 * 6:6 + 8 * 7] = b"0x000005"
    tap.ok(malformed(bytes(bad)) == ("bad-hex", 54), "'0x000005': bad-hex at 54")
    bad = bytearray(hdr)
    bad[6 + 8 * 11:6 + 8 * 12] = b"00000000"
    tap.ok(malformed(bytes(bad)) == ("namesize-zero", 0), "namesize 0: namesize-zero at 0")
    bad[6 + 8 * 11:6 + 8 * 12] = b"00010000"
    tap.ok(malformed(bytes(bad)) == ("name-past-end", 0), "namesize 0x10000: name-past-end")
    bad[6 + 8 * 11:6 + 8 * 12] = b"00000025"
    tap.ok(malformed(bytes(bad)) == ("name-unterminated", 0), "namesize 37: name-unterminated")
    bad = bytearray(hdr)
    bad[6 + 8 * 6:6 + 8 * 7] = b"00000009"
    tap.ok(malformed(bytes(bad)) == ("data-past-end", 0), "filesize 9 of 8 bytes: data-past-end")
    tap.ok(malformed(b"\0" * 4 + one, 4) is None, "a header at offset 4 parses")
    tap.ok(malformed(one, 0, newc.archive_entries) == ("no-trailer", 156),
           "an archive without TRAILER!!!: no-trailer at 156")


def check_scan():
    a = newc.archive([("kernel/x86/microcode/GenuineIntel.bin", 0o100644, b"new")], pad_to=0)
    b = newc.archive([("kernel/x86/microcode/GenuineIntel.bin", 0o100644, b"old"),
                      ("kernel/firmware/acpi/t.aml", 0o100644, b"acpi")], pad_to=0)
    rest = b"\x1f\x8b\x08\x00" + b"gz"
    img = a + b"\0" * 508 + b + b"\0" * 4 + rest
    s = newc.scan(img)
    tap.ok((s.archives, s.trailer_end, s.end) == (2, len(a) + 508 + len(b), len(img) - len(rest)),
           "scan(): two archives across 508 NUL bytes, stops at the gzip magic",
           (s.archives, s.trailer_end, s.end))
    hit = newc.find(img, "kernel/x86/microcode/GenuineIntel")
    tap.ok(hit is not None and hit.data == b"new" and hit.offset == 0,
           "find(): prefix match, the first copy wins")
    tap.ok(newc.members(img) == {"kernel/x86/microcode/GenuineIntel.bin": b"new",
                                 "kernel/firmware/acpi/t.aml": b"acpi"},
           "members(): regular files of every archive, first copy of a name")
    dirs = newc.archive([("kernel/x86/microcode/GenuineIntel.bin", 0o040755),
                         ("kernel/x86/microcode/GenuineIntel.bin", 0o100644, b"f")])
    tap.ok(newc.find(dirs, "kernel/x86/microcode/GenuineIntel.bin").data == b"f",
           "find(): a directory of that name is passed over")
    broken = bytearray(a + b)
    broken[len(a) + 6 + 8 * 6 + 7] = ord("z")
    tap.ok(newc.scan(bytes(broken)).end == len(a) and len(newc.scan(bytes(broken)).entries) == 2,
           "scan(): a broken header ends the walk there")
    tap.ok(malformed(bytes(broken), 0, lambda buf, _: newc.scan(buf, strict=True))
           == ("bad-hex", len(a) + 54), "scan(strict=True): Malformed at the broken field")


def check_tap_py():
    out = io.StringIO()
    t = tap.Tap(out)
    t.ok(True, "a # b")
    t.ok(False, "c\nd", "why\nnot")
    t.skip("e", "no f")
    t.todo(False, "g", "later")
    status = t.done()
    want = ("ok 1 - a \\# b\nnot ok 2 - c d\n# why\n# not\nok 3 - e # SKIP no f\n"
            "not ok 4 - g # TODO later\n1..4\n")
    tap.ok(out.getvalue() == want and status == 1 and t.failures == ["c\nd"],
           "tap.py: the lines, the plan, status 1 with a failure", out.getvalue())
    out = io.StringIO()
    t = tap.Tap(out)
    t.skip("x", "y")
    tap.ok(t.done() == 0, "tap.py: status 0 with a skip only")
    tap.ok(tap.Tap(io.StringIO()).done() == 1, "tap.py: status 1 when nothing ran")
    out = io.StringIO()
    status = tap.Tap(out).skip_all("no\nroot")
    tap.ok(out.getvalue() == "1..0 # SKIP no root\n" and status == 0,
           "tap.py: skip_all() prints the plan 1..0 with the reason on one line, status 0",
           out.getvalue())
    t = tap.Tap(io.StringIO())
    t.ok(True, "a")
    try:
        t.skip_all("late")
        late = None
    except ValueError as e:
        late = e
    tap.ok(late is not None, "tap.py: skip_all() after a test line is refused")


def check_tap_sh():
    script = (". \"$1\"\ntap ok a\ntap notok 'b\nc'\ntap notok d 'TODO e'\n"
              "tap_check f true\ntap_check g sh -c 'echo h; exit 1'\ntap_done\n"
              "echo \"status $? $NTEST $NFAIL\"\n")
    p = subprocess.run(["sh", "-c", script, "sh", os.path.join(HERE, "tap.sh")],
                       stdout=subprocess.PIPE, text=True)
    want = ("ok 1 - a\nnot ok 2 - b\n# c\nnot ok 3 - d # TODO e\nok 4 - f\n"
            "not ok 5 - g\n# h\n1..5\nstatus 1 5 2\n")
    tap.ok(p.stdout == want, "tap.sh: the lines, the plan, the counts", p.stdout)
    p = subprocess.run(["sh", "-c", ". \"$1\"\ntap_skip_all no python3\necho \"status $?\"\n",
                        "sh", os.path.join(HERE, "tap.sh")], stdout=subprocess.PIPE, text=True)
    tap.ok(p.stdout == "1..0 # SKIP no python3\nstatus 0\n",
           "tap.sh: tap_skip_all prints the plan 1..0 with the reason, status 0", p.stdout)


def main():
    with tempfile.TemporaryDirectory(prefix="check-lib-") as tmp:
        check_writer_with_gnu_cpio(tmp)
    check_reader_offsets()
    check_scan()
    check_tap_py()
    check_tap_sh()
    return tap.done()


if __name__ == "__main__":
    sys.exit(main())

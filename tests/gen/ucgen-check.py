#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Independent reference checker for ucgen output (no code shared with C).

usage: ucgen-check.py amd|intel|cpio|acpi FILE [ACPI-SIG]

Prints a listing of what it found on stdout.  On the first structural
problem (amd, cpio, acpi) or on any rule violation (intel: all violated
rules of the first bad blob, sorted, comma separated) it prints
"error: <code>" and exits 1.  Error codes equal ucgen's defect names.
Layouts per doc/formats.md, newc cpio through tests/lib/newc.py
(the tests' own reader).
"""
import os
import struct
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import newc  # noqa: E402


def u32(b, o):
    return struct.unpack_from("<I", b, o)[0]


def u16(b, o):
    return struct.unpack_from("<H", b, o)[0]


class Bad(Exception):
    pass


# ---------------------------------------------------------------- AMD


def amd_equiv_id(cpuid):
    """doc/formats.md#amd-equivalence-table: [15:12]=family-0xF, [11:8]=ext model, [7:4]=model,
    [3:0]=stepping."""
    family = ((cpuid >> 8) & 0xF) + ((cpuid >> 20) & 0xFF)
    return (((family - 0xF) & 0xF) << 12) | (((cpuid >> 16) & 0xF) << 8) \
        | (((cpuid >> 4) & 0xF) << 4) | (cpuid & 0xF)


def zen_patch_cpuid(pid):
    """doc/formats.md#amd-patch-ids: decode a Zen patch id back into CPUID(1).EAX."""
    ext_family = pid >> 24
    ext_model = (pid >> 20) & 0xF
    model = (pid >> 12) & 0xF
    stepping = (pid >> 8) & 0xF
    return (ext_family << 20) | (ext_model << 16) | (0xF << 8) \
        | (model << 4) | stepping


def self_test():
    assert amd_equiv_id(0x00A70F52) == 0xA752
    assert amd_equiv_id(0x00100F43) == 0x1043
    assert amd_equiv_id(0x00800F12) == 0x8012
    assert zen_patch_cpuid(0x0A705206) == 0x00A70F52
    assert zen_patch_cpuid(0x08001250) == 0x00800F12


MAGIC = 0x00414D44


def check_amd(b):
    pos = 0
    n = 0
    while pos < len(b):
        rem = len(b) - pos
        if rem < 12:
            raise Bad("truncated-header" if n == 0 else "trailing-junk")
        if u32(b, pos) != MAGIC:
            raise Bad("bad-magic" if n == 0 else "trailing-junk")
        etype, elen = u32(b, pos + 4), u32(b, pos + 8)
        if etype != 0:
            raise Bad("equiv-bad-type")
        if elen == 0:
            raise Bad("equiv-len-zero")
        if elen > rem - 12:
            raise Bad("equiv-past-end")
        if elen % 16:
            raise Bad("equiv-len-not-16")
        table = {}
        ents = [b[pos + 12 + i:pos + 28 + i] for i in range(0, elen, 16)]
        if any(ents[-1]):
            raise Bad("equiv-no-terminator")
        print("container %d" % n)
        for e in ents[:-1]:
            cpu, eid = u32(e, 0), u16(e, 12)
            if cpu == 0:
                raise Bad("equiv-zero-entry-inside")
            # pre-Zen families may share one id across steppings
            # (100F43/100F53 -> 1043); Zen ids must be the exact encoding
            fam = ((cpu >> 8) & 0xF) + ((cpu >> 20) & 0xFF)
            if fam >= 0x17 and eid != amd_equiv_id(cpu):
                raise Bad("equiv-id-encoding")
            table[cpu] = eid
            print("equiv %08x %04x" % (cpu, eid))
        pos += 12 + elen
        while pos < len(b):
            rem = len(b) - pos
            if rem >= 4 and u32(b, pos) == MAGIC:
                break
            if rem < 8:
                raise Bad("trailing-junk")
            stype, plen = u32(b, pos), u32(b, pos + 4)
            if stype != 1:
                # small type with a length that fits: a broken section;
                # anything else: junk after the container
                if stype < 16 and plen <= rem - 8:
                    raise Bad("section-bad-type")
                raise Bad("trailing-junk")
            if plen < 64:
                raise Bad("patch-too-small")
            if plen > rem - 8:
                raise Bad("patch-past-end")
            p = pos + 8
            pid, nb, sb, rid = u32(b, p + 4), u32(b, p + 16), \
                u32(b, p + 20), u16(b, p + 24)
            if nb or sb:
                raise Bad("chipset-specific")
            if rid not in table.values():
                raise Bad("patch-equiv-unknown")
            family = 0xF + (rid >> 12)
            if family >= 0x17:
                cpu = zen_patch_cpuid(pid)
                if table.get(cpu) != rid:
                    raise Bad("zen-id-mismatch")
            print("patch %08x %04x %d date %08x minrev %08x"
                  % (pid, rid, plen, u32(b, p), u32(b, p + 12)))
            pos += 8 + plen
        n += 1
    if n == 0:
        raise Bad("truncated-header")


# -------------------------------------------------------------- Intel


def intel_blob_errors(b, pos):
    """All rule violations of the blob at pos, and its total size (None
    when the walk cannot continue)."""
    rem = len(b) - pos
    if rem < 48:
        return ["truncated-header"], None
    h = struct.unpack_from("<12I", b, pos)
    hdrver, rev, date, sig, cks, ldrver, pf, ds, ts = h[:9]
    errs = []
    if hdrver != 1:
        errs.append("bad-header-version")
    if ldrver != 1:
        errs.append("bad-loader-version")
    if ds == 0:
        ds, ts = 2000, 2048
    if 48 + ds > ts:
        return errs + ["datasize-exceeds-total"], None
    if ts > rem:
        return errs + ["truncated-body"], None
    if ts % 1024:
        errs.append("totalsize-not-1k")
    if ds % 4:
        errs.append("datasize-not-4")
    s = sum(struct.unpack_from("<%dI" % ((48 + ds) // 4), b, pos)) & 0xFFFFFFFF
    if s:
        errs.append("bad-checksum")
    ext = ts - 48 - ds
    x = pos + 48 + ds
    print("blob sig %08x pf %02x rev %08x date %08x size %d"
          % (sig, pf, rev, date, ts))
    if ext:
        if ext < 20:
            errs.append("ext-truncated")
        elif ext != 20 + 12 * u32(b, x):
            errs.append("ext-size-mismatch")
        else:
            if sum(struct.unpack_from("<%dI" % (ext // 4), b, x)) & 0xFFFFFFFF:
                errs.append("ext-bad-checksum")
            for i in range(u32(b, x)):
                es, ep, ec = struct.unpack_from("<3I", b, x + 20 + 12 * i)
                print("  ext sig %08x pf %02x" % (es, ep))
                if (es + ep + ec - sig - pf - cks) & 0xFFFFFFFF:
                    errs.append("ext-bad-entry-checksum")
                    break
    return errs, ts


def check_intel(b):
    pos = 0
    if not b:
        raise Bad("truncated-header")
    while pos < len(b):
        errs, ts = intel_blob_errors(b, pos)
        if errs:
            raise Bad(",".join(sorted(errs)))
        pos += ts


# --------------------------------------------------------------- cpio


# What the reader finds, by the name of the ucgen defect that makes it.
CPIO_DEFECT = {"name-past-end": "namesize-huge", "data-past-end": "filesize-past-end"}


def check_cpio(b):
    pos = 0
    trailer = False
    while pos < len(b):
        if trailer and not any(b[pos:]):
            print("padding %d" % (len(b) - pos))
            return
        try:
            e = newc.parse_header(b, pos)
        except newc.Malformed as m:
            raise Bad(CPIO_DEFECT.get(m.code, m.code))
        print("entry %s mode %o size %d data %d namesize %d"
              % (e.name, e.mode, e.filesize, e.data_offset, e.namesize))
        if e.is_trailer:
            trailer = True
        pos = e.end
    if not trailer:
        raise Bad("no-trailer")


# --------------------------------------------------------------- ACPI


def check_acpi(b, want_sig):
    if len(b) < 36:
        raise Bad("acpi-too-small")
    if u32(b, 4) != len(b):
        raise Bad("acpi-length")
    if sum(b) % 256:
        raise Bad("acpi-checksum")
    sig = b[0:4].decode("latin-1")
    if want_sig and sig != want_sig:
        raise Bad("acpi-signature")
    print("acpi %s oem %s table %s len %d"
          % (sig, b[10:16].decode("latin-1"), b[16:24].decode("latin-1"),
             len(b)))


def main():
    if len(sys.argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    self_test()
    with open(sys.argv[2], "rb") as fh:
        b = fh.read()
    kind = sys.argv[1]
    try:
        if kind == "amd":
            check_amd(b)
        elif kind == "intel":
            check_intel(b)
        elif kind == "cpio":
            check_cpio(b)
        elif kind == "acpi":
            check_acpi(b, sys.argv[3] if len(sys.argv) > 3 else None)
        else:
            print("unknown kind " + kind, file=sys.stderr)
            return 2
    except Bad as e:
        print("error: %s" % e)
        return 1
    print("ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())

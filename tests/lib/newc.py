# SPDX-License-Identifier: GPL-2.0-or-later
"""newc cpio for the tests: one reader and one writer, independent of lib/.

Nothing here shares code with the core: it is what the core is checked
against.  Offsets are byte offsets into the buffer given, whose start the
loaders take to be 4-byte aligned.

Writer
  entry(name, mode, data, rdev, ino=, uid=, gid=, nlink=, mtime=, ...)
      one member's bytes (header, name, data, each padded to 4 bytes)
  archive(members, pad_to=512)
      the members (tuples of entry()'s positional arguments, or dicts of
      its keyword arguments; inode = position + 1 unless given), then
      TRAILER!!!, zero-padded to a multiple of pad_to

Reader
  parse_header(buf, pos) -> Entry     one member, checked (Malformed if not)
  archive_entries(buf, pos=0)         one archive through its trailer:
                                      (entries, offset after the trailer)
  scan(buf) -> Scan                   the loaders' walk (find_cpio_data):
                                      NUL words skipped 4 bytes at a time,
                                      through trailers into following
                                      archives, stopping at non-cpio data
  find(buf, path) -> Entry or None    the loaders' lookup: the first regular
                                      file whose name starts with path
  members(buf) -> {name: data}        the regular files scan() reaches,
                                      first copy of a name wins
"""

HEADER_SIZE = 110
MAGIC = b"070701"         # newc
MAGIC_CRC = b"070702"     # newc with checksums: the loaders take it too
MAGICS = (MAGIC, MAGIC_CRC)
TRAILER = "TRAILER!!!"
FIELDS = ("ino", "mode", "uid", "gid", "nlink", "mtime", "filesize",
          "devmajor", "devminor", "rdevmajor", "rdevminor", "namesize", "check")
S_IFMT, S_IFDIR, S_IFREG = 0o170000, 0o040000, 0o100000
_HEX = frozenset(b"0123456789abcdefABCDEF")


def pad4(n):
    """Bytes that bring n up to a multiple of 4."""
    return -n % 4


class Malformed(Exception):
    """A header that is not a whole newc member: code names what is wrong
    (truncated-header, bad-magic, bad-hex, namesize-zero, name-past-end,
    name-unterminated, data-past-end, no-trailer), offset where."""

    def __init__(self, code, offset):
        super().__init__(f"{code} at offset {offset:#x}")
        self.code, self.offset = code, offset


class Entry:
    """One member as read: every header field by name (ino, mode, ...,
    namesize, check), name (up to the first NUL, as the loaders compare
    it), raw_name (all namesize bytes), data, and its offsets: offset (the
    header), data_offset, end (where the next header may start)."""

    def __init__(self, buf, offset, fields):
        self.offset = offset
        for key, value in zip(FIELDS, fields):
            setattr(self, key, value)
        name_at = offset + HEADER_SIZE
        self.raw_name = bytes(buf[name_at:name_at + self.namesize])
        self.name = self.raw_name.split(b"\0")[0].decode("utf-8", "surrogateescape")
        self.data_offset = name_at + self.namesize + pad4(name_at + self.namesize)
        self.data = bytes(buf[self.data_offset:self.data_offset + self.filesize])
        self.end = self.data_offset + self.filesize + pad4(self.data_offset + self.filesize)

    @property
    def is_trailer(self):
        return self.name == TRAILER

    @property
    def is_regular(self):
        return self.mode & S_IFMT == S_IFREG

    @property
    def is_dir(self):
        return self.mode & S_IFMT == S_IFDIR

    def __repr__(self):
        return f"Entry({self.name!r} at {self.offset:#x}, {self.filesize} bytes)"


# ------------------------------------------------------------------ writer

def entry(name, mode, data=b"", rdev=(0, 0), *, ino=0, uid=0, gid=0, nlink=None,
          mtime=0, dev=(0, 0), check=0, magic=MAGIC):
    """One member: header, NUL-terminated name and data, each padded to 4
    bytes.  nlink defaults to 2 for a directory, 1 otherwise."""
    namez = name.encode("utf-8", "surrogateescape") + b"\0"
    if nlink is None:
        nlink = 2 if mode & S_IFMT == S_IFDIR else 1
    fields = (ino, mode, uid, gid, nlink, mtime, len(data), dev[0], dev[1],
              rdev[0], rdev[1], len(namez), check)
    out = magic + b"".join(b"%08x" % f for f in fields) + namez
    out += b"\0" * pad4(len(out)) + data
    return out + b"\0" * pad4(len(out))


def archive(members, pad_to=512):
    """The members, TRAILER!!!, then zeros up to a multiple of pad_to."""
    out = bytearray()
    for i, m in enumerate(members):
        if isinstance(m, dict):
            out += entry(**{"ino": i + 1, **m})
        else:
            out += entry(*m, ino=i + 1)
    out += entry(TRAILER, 0)
    return bytes(out + b"\0" * (-len(out) % pad_to if pad_to else 0))


# ------------------------------------------------------------------ reader

def parse_header(buf, pos):
    """The member at pos, with its name and data inside buf; Malformed
    naming the first thing wrong, in the order a careful reader checks."""
    if len(buf) - pos < HEADER_SIZE:
        raise Malformed("truncated-header", pos)
    if bytes(buf[pos:pos + 6]) not in MAGICS:
        raise Malformed("bad-magic", pos)
    fields = []
    for i in range(len(FIELDS)):
        text = bytes(buf[pos + 6 + 8 * i:pos + 14 + 8 * i])
        if not _HEX.issuperset(text):
            raise Malformed("bad-hex", pos + 6 + 8 * i)
        fields.append(int(text, 16))
    namesize, filesize = fields[11], fields[6]
    name_at = pos + HEADER_SIZE
    if namesize == 0:
        raise Malformed("namesize-zero", pos)
    if name_at + namesize > len(buf):
        raise Malformed("name-past-end", pos)
    if buf[name_at + namesize - 1] != 0:
        raise Malformed("name-unterminated", pos)
    data_at = name_at + namesize + pad4(name_at + namesize)
    if data_at + filesize > len(buf):
        raise Malformed("data-past-end", pos)
    return Entry(buf, pos, fields)


def archive_entries(buf, pos=0):
    """The members of the archive at pos, trailer left out, and the offset
    just past the trailer.  Malformed when a member is broken or the buffer
    ends before TRAILER!!!."""
    entries = []
    while True:
        if pos >= len(buf):
            raise Malformed("no-trailer", pos)
        e = parse_header(buf, pos)
        pos = e.end
        if e.is_trailer:
            return entries, pos
        entries.append(e)


class Scan:
    """What scan() walked: entries (every member in order, trailers too),
    end (the first byte not taken: the rest of an initrd, or len(buf)),
    archives (trailers passed) and trailer_end (just past the last one, 0
    without any)."""

    def __init__(self, entries, end):
        self.entries, self.end = entries, end
        trailers = [e for e in entries if e.is_trailer]
        self.archives = len(trailers)
        self.trailer_end = trailers[-1].end if trailers else 0


def scan(buf, strict=False):
    """The loaders' walk over the leading uncompressed archives.  A header
    with a cpio magic that is broken ends the walk like non-cpio data, or,
    with strict, raises Malformed."""
    entries, pos = [], 0
    while pos < len(buf):
        if buf[pos] == 0:
            pos += 4
            continue
        if bytes(buf[pos:pos + 6]) not in MAGICS:
            break
        try:
            e = parse_header(buf, pos)
        except Malformed:
            if strict:
                raise
            break
        entries.append(e)
        pos = e.end
    return Scan(entries, min(pos, len(buf)))


def find(buf, path):
    """The loaders' lookup: the first regular file whose name starts with
    path, or None."""
    for e in scan(buf).entries:
        if e.is_regular and e.name.startswith(path):
            return e
    return None


def members(buf):
    """{name: data} of the regular files scan() reaches; the first copy of
    a name wins, as it does for the loaders."""
    files = {}
    for e in scan(buf).entries:
        if e.is_regular and e.name not in files:
            files[e.name] = e.data
    return files

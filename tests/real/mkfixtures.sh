#!/bin/bash
# mkfixtures.sh - build early-cpio scanner fixtures with the real tools
# (GNU cpio, iucode_tool, gzip, cat; optionally bsdcpio), never with mkucode.
#
# Usage: mkfixtures.sh FWROOT OUTDIR
#   FWROOT  firmware root as printed by tests/data/fetch-firmware (holding
#           lib/firmware/{intel,amd}-ucode or usr/lib/firmware/...), or a
#           directory holding intel-ucode/ and amd-ucode/ directly.
#   OUTDIR  created if missing; fixtures are overwritten.
#
# Environment:
#   MKFIXTURES_INTEL  Intel files concatenated into GenuineIntel.bin
#                     (default "06-1d-01 06-25-05 06-2c-02": one blob each,
#                     19456 bytes, already in signature order)
#   MKFIXTURES_OLD    Intel file used as GenuineIntel.bin.old (06-17-07)
#   BSDCPIO           bsdcpio binary for bsdcpio-dotslash.cpio; else bsdcpio
#                     from PATH, else libarchive-tools is unpacked into the
#                     mkucode cache by tests/data/fetch-firmware --package
#                     (MKFIXTURES_NO_FETCH=1 skips that; the fixture is then
#                     left out with a warning).
#
# Fixtures (all cpio archives are newc; GNU cpio runs with --reproducible
# -R 0:0, every input has mtime 0 and fixed modes, so they are byte-for-byte
# deterministic except bsdcpio-dotslash.cpio, whose ino/dev fields come from
# the staging files; its layout and offsets are deterministic):
#   gnu-cpio.cpio          find kernel | sort | cpio -o -H newc; members
#                          kernel/x86/microcode/{AuthenticAMD,GenuineIntel}.bin
#   gnu-cpio-dotslash.cpio find . | sort | cpio ...  NOTE: GNU cpio 2.13
#                          strips leading "./" when writing, so this differs
#                          from gnu-cpio.cpio only by a first entry named "."
#   bsdcpio-dotslash.cpio  find . | sort | bsdcpio -o --format newc: names
#                          really are "./kernel/...", header hex is lowercase
#   iucode-earlyfw.cpio    iucode_tool --write-earlyfw of the same Intel files
#   two-archives.img       AMD-only GNU cpio, then Intel-only GNU cpio (cat)
#   padded.img             iucode-earlyfw.cpio, 512 zero bytes, gzip -9n of a
#                          GNU cpio holding "init" (a real initrd's layout)
#   old-first.cpio         GNU cpio with GenuineIntel.bin.old (one other blob)
#                          before GenuineIntel.bin
#   fixtures.txt           offsets, see below
#
# fixtures.txt is written by the Python newc walker below (independent of
# mkucode's C code).  Decimal numbers, one record per line, '#' comments:
#   source  NAME size=N sha256=HEX
#   fixture FILE size=N archives=N trailer_end=N uncompressed_end=N [gzip_start=N]
#   member  FILE archive=K name=NAME offset=N size=N mod16=N sha256=HEX
#   lookup  FILE path=PATH name=NAME|- offset=N|- size=N|-
# archives: TRAILER!!! entries seen; trailer_end: offset just after the last
# TRAILER!!! entry (4-aligned); uncompressed_end: where the leading
# uncompressed cpio part ends, i.e. the first byte that is neither a newc
# entry nor 4-byte-aligned zero padding (file size if nothing follows; for
# padded.img the gzip magic).  member: every regular file of that part, in
# archive order, archive counted from 0; offset/size locate the data.
# lookup: what Linux's find_cpio_data() would return for PATH (first regular
# entry whose name starts with PATH; a prefix match, so .old shadows).
#
# Prints OUTDIR on stdout; chatter goes to stderr.

set -euo pipefail

prog=${0##*/}
here=$(cd "$(dirname "$0")" && pwd)

log() { printf '%s: %s\n' "$prog" "$*" >&2; }
die() { printf '%s: error: %s\n' "$prog" "$*" >&2; exit 1; }

[[ $# -eq 2 ]] || { echo "usage: $prog FWROOT OUTDIR" >&2; exit 2; }
fwroot=$1
out=$2

for t in cpio iucode_tool gzip python3 find sort; do
	command -v "$t" >/dev/null || die "$t not found (apt-get install cpio iucode-tool gzip python3)"
done

intel_dir='' amd_dir=''
for sub in '' lib/firmware usr/lib/firmware; do
	d=${fwroot%/}${sub:+/$sub}
	if [[ -z $intel_dir && -d $d/intel-ucode ]]; then intel_dir=$d/intel-ucode; fi
	if [[ -z $amd_dir && -d $d/amd-ucode ]]; then amd_dir=$d/amd-ucode; fi
done
[[ -n $intel_dir ]] || die "no intel-ucode directory under $fwroot"
[[ -n $amd_dir ]] || die "no amd-ucode directory under $fwroot"
amd_file=$amd_dir/microcode_amd.bin
[[ -f $amd_file ]] || die "$amd_file missing"

read -r -a intel_files <<<"${MKFIXTURES_INTEL:-06-1d-01 06-25-05 06-2c-02}"
old_file=${MKFIXTURES_OLD:-06-17-07}
for f in "${intel_files[@]}" "$old_file"; do
	[[ -f $intel_dir/$f ]] || die "$intel_dir/$f missing (set MKFIXTURES_INTEL/MKFIXTURES_OLD)"
done
intel_paths=("${intel_files[@]/#/$intel_dir/}")

cpio_opts=(-o -H newc --quiet -R 0:0)
if cpio --help 2>/dev/null | grep -q -- --reproducible; then
	cpio_opts+=(--reproducible)
elif cpio --help 2>/dev/null | grep -q -- --renumber-inodes; then
	cpio_opts+=(--renumber-inodes --ignore-devno)
fi

mkdir -p "$out" || die "cannot create $out"
out=$(cd "$out" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# stage DIR NAME=SOURCE...: build DIR/kernel/x86/microcode/NAME from SOURCEs
# (a space-separated list of files, concatenated with cat).
stage() {
	local dir=$1 spec name src
	shift
	mkdir -p "$dir/kernel/x86/microcode"
	for spec in "$@"; do
		name=${spec%%=*} src=${spec#*=}
		# shellcheck disable=SC2086 # src is a deliberate list of files
		cat $src >"$dir/kernel/x86/microcode/$name"
	done
	normalize "$dir"
}

normalize() {
	find "$1" -type d -exec chmod 0755 {} +
	find "$1" -type f -exec chmod 0644 {} +
	find "$1" -exec touch -h -d @0 {} +
}

# gnu_cpio DIR OUTFILE FIND-START: (cd DIR; find START | sort | cpio)
gnu_cpio() {
	(cd "$1" && find "$3" | LC_ALL=C sort | cpio "${cpio_opts[@]}") >"$2" ||
		die "cpio failed for $2"
}

intel_src="${intel_paths[*]}"

log "Intel: ${intel_files[*]} (+ $old_file as .old); AMD: microcode_amd.bin"
stage "$work/both" "GenuineIntel.bin=$intel_src" "AuthenticAMD.bin=$amd_file"
stage "$work/amd" "AuthenticAMD.bin=$amd_file"
stage "$work/intel" "GenuineIntel.bin=$intel_src"
stage "$work/old" "GenuineIntel.bin=$intel_src" \
	"GenuineIntel.bin.old=$intel_dir/$old_file"
mkdir -p "$work/main"
printf '#!/bin/sh\necho "main initramfs"\nexec /bin/sh\n' >"$work/main/init"
normalize "$work/main"
chmod 0755 "$work/main/init"

# 1. plain GNU cpio
gnu_cpio "$work/both" "$out/gnu-cpio.cpio" kernel
# 2. same, started from "." (GNU cpio strips the ./ again)
gnu_cpio "$work/both" "$out/gnu-cpio-dotslash.cpio" .
# 2b. bsdcpio keeps ./ names
bsdcpio=${BSDCPIO:-}
if [[ -z $bsdcpio ]] && command -v bsdcpio >/dev/null; then
	bsdcpio=$(command -v bsdcpio)
fi
if [[ -z $bsdcpio && -z ${MKFIXTURES_NO_FETCH:-} && -x $here/../data/fetch-firmware ]]; then
	cache=${MKUCODE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/mkucode}
	if lat=$("$here/../data/fetch-firmware" --package libarchive-tools \
		--dest "$cache/libarchive-tools" | tail -n 1) &&
		[[ -x $lat/usr/bin/bsdcpio ]]; then
		bsdcpio=$lat/usr/bin/bsdcpio
	fi
fi
rm -f "$out/bsdcpio-dotslash.cpio"
if [[ -n $bsdcpio ]] && "$bsdcpio" --version >/dev/null 2>&1; then
	(cd "$work/both" && find . | LC_ALL=C sort |
		"$bsdcpio" -o --format newc --quiet) >"$out/bsdcpio-dotslash.cpio" ||
		die "bsdcpio failed"
else
	log "warning: no working bsdcpio, bsdcpio-dotslash.cpio not built"
fi
# 3. iucode_tool early cpio of the same Intel files
iucode_tool -q --overwrite --write-earlyfw="$out/iucode-earlyfw.cpio" \
	"${intel_paths[@]}" || die "iucode_tool --write-earlyfw failed"
# 4. two archives back to back
gnu_cpio "$work/amd" "$work/amd.cpio" kernel
gnu_cpio "$work/intel" "$work/intel.cpio" kernel
cat "$work/amd.cpio" "$work/intel.cpio" >"$out/two-archives.img"
# 5. early cpio + 512 zero bytes + gzip'ed main initramfs
gnu_cpio "$work/main" "$work/main.cpio" init
gzip -9 -n -c "$work/main.cpio" >"$work/main.cpio.gz"
head -c 512 /dev/zero >"$work/zero512"
cat "$out/iucode-earlyfw.cpio" "$work/zero512" "$work/main.cpio.gz" >"$out/padded.img"
gzip_start=$(( $(stat -c %s "$out/iucode-earlyfw.cpio") + 512 ))
# 6. the .old member first (explicit order, not sorted)
(cd "$work/old" && printf '%s\n' kernel kernel/x86 kernel/x86/microcode \
	kernel/x86/microcode/GenuineIntel.bin.old \
	kernel/x86/microcode/GenuineIntel.bin | cpio "${cpio_opts[@]}") \
	>"$out/old-first.cpio" || die "cpio failed for old-first.cpio"

fixtures=(gnu-cpio.cpio gnu-cpio-dotslash.cpio)
[[ -f $out/bsdcpio-dotslash.cpio ]] && fixtures+=(bsdcpio-dotslash.cpio)
fixtures+=(iucode-earlyfw.cpio two-archives.img padded.img old-first.cpio)

PYTHONPATH=$here/../lib${PYTHONPATH:+:$PYTHONPATH} \
python3 - "$out" "$gzip_start" "$work/both/kernel/x86/microcode" \
	"$intel_dir/$old_file" "${fixtures[@]}" >"$out/fixtures.txt.new" <<'PY'
import hashlib, os, sys
import newc  # tests/lib: the tests' own newc reader

out, gzip_start, stage, old_src = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
fixtures = sys.argv[5:]
MC = "kernel/x86/microcode/"
PATHS = (MC + "GenuineIntel.bin", MC + "AuthenticAMD.bin")


def sha(b):
    return hashlib.sha256(b).hexdigest()


def walk(data):
    """The leading uncompressed newc part as find_cpio_data walks it: where
    it ends, the archives (trailers) passed, the end of the last trailer,
    and the regular files as (archive, name, data offset, size)."""
    s = newc.scan(data, strict=True)
    arch, members = 0, []
    for e in s.entries:
        if e.is_trailer:
            arch += 1
        elif e.is_regular:
            members.append((arch, e.name, e.data_offset, e.filesize))
    return s.end, s.archives, s.trailer_end, members


src = {
    "GenuineIntel.bin": open(os.path.join(stage, "GenuineIntel.bin"), "rb").read(),
    "AuthenticAMD.bin": open(os.path.join(stage, "AuthenticAMD.bin"), "rb").read(),
    "GenuineIntel.bin.old": open(old_src, "rb").read(),
}
print("# written by tests/real/mkfixtures.sh; decimal byte offsets")
for k, v in src.items():
    print("source %s size=%d sha256=%s" % (k, len(v), sha(v)))
for fx in fixtures:
    data = open(os.path.join(out, fx), "rb").read()
    end, arch, tend, members = walk(data)
    line = "fixture %s size=%d archives=%d trailer_end=%d uncompressed_end=%d" % (
        fx, len(data), arch, tend, end)
    if fx == "padded.img":
        # independent of the walk: size of the earlyfw part + 512
        assert end == gzip_start and data[end:end + 2] == b"\x1f\x8b", \
            (end, gzip_start)
        line += " gzip_start=%d" % gzip_start
    else:
        assert end == len(data), (fx, end, len(data))
    print(line)
    for (a, name, off, size) in members:
        body = data[off:off + size]
        base = name.rsplit("/", 1)[-1]
        # GNU/bsd cpio members must be the staged bytes; iucode_tool writes
        # its own selection (checked only by size here).
        if fx != "iucode-earlyfw.cpio" and base in src:
            assert body == src[base], (fx, name)
        print("member %s archive=%d name=%s offset=%d size=%d mod16=%d sha256=%s"
              % (fx, a, name, off, size, off % 16, sha(body)))
    for p in PATHS:
        hit = [m for m in members if m[1].startswith(p)]
        if hit:
            _, name, off, size = hit[0]
            print("lookup %s path=%s name=%s offset=%d size=%d" % (fx, p, name, off, size))
        else:
            print("lookup %s path=%s name=- offset=- size=-" % (fx, p))
PY
mv "$out/fixtures.txt.new" "$out/fixtures.txt"
log "wrote ${#fixtures[@]} fixtures and fixtures.txt to $out"
printf '%s\n' "$out"

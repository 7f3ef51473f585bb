#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# dracut module: "dracut --early-microcode" (the default) puts mkucode's
# selection in dracut's one early cpio, in place of every vendor file dracut
# would concatenate itself.
#
#   hostonly: the configured selection (/etc/mkucode.conf), narrowed to the
#             CPUs of this machine, every one of them (mkucode --host);
#   else:     the configured selection.
# Either is read from dracut's own firmware path, $fw_dir (--fwdir and
# fw_dir= in dracut.conf count), not from the sources mkucode.conf names.
# With --sysroot DIR the configuration is DIR's (mkucode --root DIR); fw_dir
# is taken as dracut takes it (its default already lies under DIR), and
# hostonly's CPUs are the running machine's, as in dracut's own block.
#
# How it fits in dracut 059 (and dracut-ng): install() runs in dracut's own
# shell, before dracut's microcode block.  That block, when early_microcode
# is yes, cats every file of <fw_dir>/{intel,amd}-ucode/ (hostonly: the
# first CPU's file) into $early_cpio_dir/d/kernel/x86/microcode/; later,
# when create_early_cpio is yes, dracut writes the early_cpio marker, adds
# the ACPI tables (acpi_override) and packs $early_cpio_dir/d.  So this
# module writes the vendor files itself, sets early_microcode=no (dracut's
# cat does not run) and create_early_cpio=yes (dracut still writes its
# marker, its ACPI tables and its one early cpio).
#
# Alignment.  Linux wants Intel update data 16-byte aligned in the cpio.
# Debian's dracut 059 has no dracut-cpio: it packs the early folder with
# "find . -print0 | sort -z | cpio --null -H newc -o", GNU cpio, which pads
# to 4 bytes only: the Intel data lands at 0, 4, 8 or 12 mod 16, as the
# members before it fall.  There is no hook after the image is written, and
# swapping the writer (a cpio function in dracut's shell) would also change
# how dracut packs and reads every other archive; so this module predicts
# the layout instead: the files the early cpio will hold are all known here
# (the marker is written now, as dracut writes it; the ACPI tables are
# copied now, as dracut copies them), their order is sort -z's in dracut's
# C locale, each newc member is a 110-byte header and the name (GNU cpio
# drops the leading "./") padded to 4, then the data padded to 4.  Where
# the Intel data would not start at a multiple of 16, a member
# kernel/x86/microcode/GenuineIntel.align (sorting just before
# GenuineIntel.bin; a 152-byte header and 0, 4 or 12 zero bytes) moves it
# there.  The kernel and Xen look up GenuineIntel.bin by its name and pass
# over any other member.  (dracut-cpio --data-align, when used, aligns by
# itself; the member is then merely unneeded.)
#
# Without this module nothing changes.  When mkucode fails, the module says
# so loudly, leaves everything as it found it, and dracut does what it
# always does.

# dracut's variables (fw_dir, hostonly, early_microcode, create_early_cpio,
# acpi_override, acpi_table_dir, early_cpio_dir, dracutsysrootdir) are set
# and read by dracut.
# shellcheck disable=SC2154,SC2034

check() {
    command -v mkucode > /dev/null 2>&1 || return 1
    return 0
}

depends() {
    return 0
}

# The loud warning: dracut's log, standard error when dracut's log is not
# there, and the journal.
mkucode_warn() {
    if declare -F dwarn > /dev/null; then
        dwarn "mkucode: warning: $*"
    else
        echo "mkucode: warning: $*" >&2
    fi
    if command -v logger > /dev/null 2>&1; then
        logger -t mkucode -- "warning: $*" 2> /dev/null || :
    fi
}

# The newc member size of NAME (as stored) with SIZE bytes of data.
mkucode_newc_size() {
    local _name=$1 _size=$2
    echo $(((110 + ${#_name} + 1 + 3) / 4 * 4 + (_size + 3) / 4 * 4))
}

# The offset at which GNU "cpio -H newc" will write the data of
# TARGET (a path below DIR, such as ./kernel/x86/microcode/GenuineIntel.bin)
# when it packs "find . | sort -z" of DIR; the members' sizes are read from
# DIR as they are now.
mkucode_newc_offset() {
    local _dir=$1 _target=$2 _path _name _size _off=0
    while IFS= read -r -d '' _path; do
        _name=${_path#./}
        if [[ -L $_dir/$_path || -f $_dir/$_path ]]; then
            _size=$(stat -c %s -- "$_dir/$_path") || return 1
        else
            _size=0
        fi
        if [[ $_path == "$_target" ]]; then
            echo $((_off + (110 + ${#_name} + 1 + 3) / 4 * 4))
            return 0
        fi
        _off=$((_off + $(mkucode_newc_size "$_name" "$_size")))
    done < <(cd "$_dir" && find . -print0 | sort -z)
    return 1
}

# Makes the Intel data in DIR's GNU newc archive start at a multiple of 16.
mkucode_align_intel() {
    local _dir=$1 _intel=./kernel/x86/microcode/GenuineIntel.bin
    local _pad=./kernel/x86/microcode/GenuineIntel.align _off _head _len
    [[ -f $_dir/$_intel ]] || return 0
    rm -f -- "$_dir/$_pad"
    _off=$(mkucode_newc_offset "$_dir" "$_intel") || return 1
    ((_off % 16 == 0)) && return 0
    # The member's own header (152 bytes) moves the data too; every offset
    # is a multiple of 4, so 0, 4 or 12 zero bytes of data settle it.
    _head=$(mkucode_newc_size "${_pad#./}" 0)
    _len=$(((16 - (_off + _head) % 16) % 16))
    head -c "$_len" /dev/zero > "$_dir/$_pad" || return 1
    _off=$(mkucode_newc_offset "$_dir" "$_intel") || return 1
    ((_off % 16 == 0))
}

# What dracut will add to the early folder after install(): its marker, and
# its ACPI tables, made now the way dracut makes them (it makes them again,
# the same, later), so that the layout can be predicted.
mkucode_prepare_early_dir() {
    local _d=$early_cpio_dir/d _table
    mkdir -p "$_d/kernel/x86/microcode" || return 1
    echo 1 > "$_d/early_cpio" || return 1
    if [[ $acpi_override == yes ]] && [[ -d $acpi_table_dir ]]; then
        mkdir -p "$_d/kernel/firmware/acpi" || return 1
        for _table in "$acpi_table_dir"/*.aml; do
            [[ -e $_table || -L $_table ]] || continue
            ${DRACUT_CP:-cp -dfr} "$_table" "$_d/kernel/firmware/acpi" || return 1
        done
    fi
    return 0
}

# The vendor files mkucode selects, into RAW.  1: mkucode failed (said).
mkucode_select() {
    local _raw=$1 _d _v
    local -a _src=() _root=()
    [[ $dracutsysrootdir ]] && _root=(--root "$dracutsysrootdir")
    for _d in $fw_dir; do
        for _v in intel-ucode amd-ucode; do
            [[ -d $_d/$_v ]] && _src+=("$_d/$_v")
        done
    done
    mkdir -p "$_raw" || return 1
    ((${#_src[@]})) || return 2
    if [[ $hostonly ]]; then
        # The configured selection first, then this machine's CPUs of it.
        mkucode build -q "${_root[@]}" -o "$_raw.configured" "${_src[@]}" \
            && mkucode build -q --host --raw "$_raw" "$_raw.configured"
    else
        mkucode build -q "${_root[@]}" --raw "$_raw" "${_src[@]}"
    fi
}

mkucode_install() {
    local _tmp="${DRACUT_TMPDIR:-/var/tmp}/mkucode" _rc=0 _f
    local _dest=$early_cpio_dir/d/kernel/x86/microcode
    rm -rf -- "$_tmp"
    mkucode_select "$_tmp/raw" || _rc=$?
    if ((_rc == 2)); then
        # No vendor firmware on dracut's path: dracut's own fallbacks (the
        # early images in /boot) apply.
        rm -rf -- "$_tmp"
        return 0
    fi
    if ((_rc != 0)); then
        mkucode_warn "mkucode could not select the early microcode (exit $_rc); dracut builds the early microcode itself"
        rm -rf -- "$_tmp"
        return 0
    fi
    if ! mkucode_prepare_early_dir; then
        mkucode_warn "cannot prepare dracut's early folder; dracut builds the early microcode itself"
        rm -rf -- "$_tmp"
        return 0
    fi
    for _f in AuthenticAMD.bin GenuineIntel.bin; do
        rm -f -- "$_dest/$_f"
        if [[ -s $_tmp/raw/$_f ]] && ! cp -- "$_tmp/raw/$_f" "$_dest/$_f"; then
            rm -f -- "$_dest/AuthenticAMD.bin" "$_dest/GenuineIntel.bin"
            mkucode_warn "cannot copy $_f into dracut's early folder; dracut builds the early microcode itself"
            rm -rf -- "$_tmp"
            return 0
        fi
    done
    rm -rf -- "$_tmp"
    if ! mkucode_align_intel "$early_cpio_dir/d"; then
        # Still mkucode's selection; verify would say exit 4 (misaligned).
        mkucode_warn "cannot align the Intel microcode in dracut's early cpio; Linux may not load it"
    fi
    # dracut's own cat of the vendor files does not run on top of these;
    # its marker, ACPI tables and packing do.
    early_microcode=no
    create_early_cpio=yes
    return 0
}

install() {
    command -v mkucode > /dev/null 2>&1 || return 0
    [[ $early_microcode == yes ]] || return 0
    [[ $early_cpio_dir && -d $early_cpio_dir ]] || return 0
    mkucode_install
    return 0
}

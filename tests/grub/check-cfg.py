#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""check-cfg.py - what a grub.cfg's boot entries load, checked.

    check-cfg.py GRUB_CFG CHECK...

Reads the menuentry blocks (inside submenus too) and, for each, the Linux
kernel and initrd lines or the Xen multiboot/multiboot2 line and its
module/module2 lines.  CHECKs:

  entries              at least one Linux, one normal Xen and one recovery
                       Xen entry (so no other check passes on nothing)
  ucode-scan           normal Xen entries: ucode=scan exactly once, no other
                       ucode=; recovery Xen entries: no ucode= at all
  no-ucode             no Xen entry has a ucode= word
  one-file-modules     no module line names a second file (GRUB 2.06's
                       20_linux_xen: module2 --nounzip EARLY INITRD)
  initrd-first         in Xen entries the module after the dom0 kernel is
                       the initrd (initrd*, initramfs*)
  not=NAME             no entry loads /boot/NAME
  initrd-only          Linux entries load exactly one initrd, the kernel's,
                       and Xen entries exactly one module after the kernel
  early=NAME[,NAME]    Linux entries load the NAMEs then the initrd; Xen
                       entries the initrd then the NAMEs, each on its own
                       module line
  raw=NAME             Xen entries: the initrd then NAME as modules, and
                       ucode=<n> naming NAME (its index from the dom0
                       kernel, module 0, or negative from the end)

Prints one line per violation, naming the entry; exit 1 when there is one,
2 on usage.
"""
import re
import shlex
import sys


class Entry:
    def __init__(self, title, line):
        self.title = title
        self.line = line
        self.xen = None          # (loader, path, args)
        self.modules = []        # [(options, path, args)]
        self.linux = None        # (path, args)
        self.initrds = []        # paths

    @property
    def recovery(self):
        return 'recovery mode' in self.title

    def __str__(self):
        return f"line {self.line}: '{self.title}'"


def parse(path):
    entries = []
    stack = []       # Entry or None (a submenu / other block)
    with open(path, encoding='utf-8', errors='replace') as f:
        for n, raw in enumerate(f, 1):
            line = raw.strip()
            if not line or line.startswith('#'):
                continue
            if line.endswith('{') and re.match(r'(menuentry|submenu)\s', line):
                m = re.match(r"\w+\s+'((?:[^']|'\\'')*)'", line)
                title = m.group(1).replace("'\\''", "'") if m else line
                stack.append(Entry(title, n) if line.startswith('menuentry') else None)
                continue
            if line.endswith('{'):
                stack.append(None)    # function or other block
                continue
            if line == '}':
                if stack:
                    e = stack.pop()
                    if e is not None:
                        entries.append(e)
                continue
            e = next((s for s in reversed(stack) if s is not None), None)
            if e is None:
                continue
            try:
                words = shlex.split(line, comments=False, posix=True)
            except ValueError:
                words = line.split()
            if not words:
                continue
            cmd, rest = words[0], words[1:]
            if cmd in ('multiboot', 'multiboot2', 'xen_hypervisor'):
                e.xen = (cmd, rest[0] if rest else '', rest[1:])
            elif cmd in ('module', 'module2', 'xen_module'):
                opts = [w for w in rest if w.startswith('--')]
                plain = [w for w in rest if not w.startswith('--')]
                e.modules.append((opts, plain[0] if plain else '', plain[1:]))
            elif cmd in ('linux', 'linuxefi', 'linux16'):
                e.linux = (rest[0] if rest else '', rest[1:])
            elif cmd in ('initrd', 'initrdefi', 'initrd16'):
                e.initrds = rest
    return entries


def is_initrd(path):
    base = path.rsplit('/', 1)[-1]
    return base.startswith('initrd') or base.startswith('initramfs')


def check(entries, what, problems):
    xen = [e for e in entries if e.xen]
    linux = [e for e in entries if e.linux and not e.xen]
    if what == 'entries':
        if not linux:
            problems.append('no Linux entry')
        if not [e for e in xen if not e.recovery]:
            problems.append('no normal Xen entry')
        if not [e for e in xen if e.recovery]:
            problems.append('no recovery Xen entry')
    elif what == 'ucode-scan':
        for e in xen:
            ucode = [w for w in e.xen[2] if w.startswith('ucode=')]
            if e.recovery and ucode:
                problems.append(f'{e}: recovery entry has {" ".join(ucode)}')
            if not e.recovery and ucode != ['ucode=scan']:
                problems.append(f'{e}: ucode words {ucode}, want exactly [ucode=scan]')
    elif what == 'no-ucode':
        for e in xen:
            ucode = [w for w in e.xen[2] if w.startswith('ucode=')]
            if ucode:
                problems.append(f'{e}: has {" ".join(ucode)}')
    elif what == 'one-file-modules':
        for e in xen:
            for opts, path, args in e.modules:
                more = [w for w in args if w.startswith('/')]
                if more:
                    problems.append(f'{e}: one module line loads {path} and names {" ".join(more)}')
    elif what == 'initrd-first':
        for e in xen:
            if len(e.modules) < 2 or not is_initrd(e.modules[1][1]):
                got = e.modules[1][1] if len(e.modules) > 1 else 'nothing'
                problems.append(f'{e}: the module after the dom0 kernel is {got}')
    elif what.startswith('not='):
        name = '/boot/' + what[4:]
        for e in entries:
            loaded = list(e.initrds) + [m[1] for m in e.modules] + \
                [w for m in e.modules for w in m[2]]
            if name in loaded:
                problems.append(f'{e}: loads {name}')
    elif what == 'initrd-only':
        for e in linux:
            if len(e.initrds) != 1 or not is_initrd(e.initrds[0]):
                problems.append(f'{e}: initrd line {e.initrds}')
        for e in xen:
            if len(e.modules) != 2:
                problems.append(f'{e}: {len(e.modules)} modules, want the kernel and the initrd')
    elif what.startswith('early='):
        names = ['/boot/' + n for n in what[6:].split(',')]
        for e in linux:
            if e.initrds[:-1] != names or not is_initrd(e.initrds[-1]):
                problems.append(f'{e}: initrd line {e.initrds}, want {names} then the initrd')
        for e in xen:
            paths = [m[1] for m in e.modules[1:]]
            if not paths or not is_initrd(paths[0]) or paths[1:] != names:
                problems.append(f'{e}: modules {paths}, want the initrd then {names}')
    elif what.startswith('raw='):
        name = '/boot/' + what[4:]
        if not xen:
            problems.append('no Xen entry')
        for e in xen:
            paths = [m[1] for m in e.modules]
            if len(paths) != 3 or not is_initrd(paths[1]) or paths[2] != name:
                problems.append(f'{e}: modules {paths}, want the kernel, the initrd, {name}')
                continue
            ucode = [w for w in e.xen[2] if w.startswith('ucode=')]
            if ucode not in (['ucode=2'], ['ucode=-1']):
                problems.append(f'{e}: ucode words {ucode}, want ucode=2 or ucode=-1 for {name}')
    else:
        sys.exit(f'check-cfg.py: unknown check {what!r}')


def main():
    if len(sys.argv) < 3:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    entries = parse(sys.argv[1])
    problems = []
    for what in sys.argv[2:]:
        check(entries, what, problems)
    for p in problems:
        print(p)
    sys.exit(1 if problems else 0)


if __name__ == '__main__':
    main()

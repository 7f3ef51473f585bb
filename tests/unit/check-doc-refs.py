#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The code cites its documentation, and only documentation that exists.

Every mention of the format and loader pages is a path to them in doc/
(or, inside doc/, a link between them); every cited section, doc/PAGE#name,
names a heading that the page has; no file cites the project's design
notes, which are not part of it; lib/ and tests/ cite no section numbers,
which drift.

usage: check-doc-refs.py SOURCE_ROOT
"""
import os
import re
import sys

PAGES = ('formats' + '.md', 'loaders' + '.md')
DESIGN = 'DESIGN' + '.md'
SECTION_SIGN = '\u00a7'


def slug(heading):
    """The anchor a Markdown heading gets: lower case, words joined by -."""
    s = re.sub(r'[^a-z0-9 _-]', '', heading.strip().lower())
    return s.replace(' ', '-')


def anchors(path):
    with open(path, encoding='utf-8') as f:
        return {slug(m.group(1)) for m in re.finditer(r'^#+ +(.*)$', f.read(), re.M)}


def text_files(root):
    for d, dirs, files in os.walk(root):
        dirs[:] = [x for x in dirs if x != '.git' and
                   not os.path.exists(os.path.join(d, x, 'meson-private'))]
        for name in files:
            path = os.path.join(d, name)
            try:
                with open(path, 'rb') as f:
                    data = f.read()
            except OSError:
                continue
            if b'\0' in data[:8192]:
                continue
            yield os.path.relpath(path, root), data.decode('utf-8', 'replace')


def main():
    root = sys.argv[1]
    doc = os.path.join(root, 'doc')
    known = {}
    bad = []
    for page in PAGES:
        path = os.path.join(doc, page)
        if not os.path.isfile(path):
            bad.append(f'doc/{page}: missing')
            continue
        known[page] = anchors(path)
    cited = 0
    for rel, text in text_files(root):
        in_doc = rel.startswith('doc' + os.sep) and rel.endswith('.md')
        for n, line in enumerate(text.splitlines(), 1):
            where = f'{rel}:{n}'
            if DESIGN in line:
                bad.append(f'{where}: cites {DESIGN}, which is not in the repository')
            if SECTION_SIGN in line and rel.split(os.sep)[0] in ('lib', 'tests'):
                bad.append(f'{where}: cites a section by number; use its name')
            for page in PAGES:
                for m in re.finditer(re.escape(page), line):
                    before = line[:m.start()]
                    if before.endswith('doc/'):
                        ok = True
                    else:
                        ok = in_doc and (before.endswith('](') or
                                         before.endswith('['))
                    if not ok:
                        bad.append(f'{where}: mentions {page} other than as doc/{page}')
                        continue
                    a = re.match(r'#([A-Za-z0-9_-]+)', line[m.end():])
                    if a:
                        cited += 1
                        if page in known and a.group(1) not in known[page]:
                            bad.append(f'{where}: doc/{page} has no section #{a.group(1)}')
            if in_doc:
                for a in re.finditer(r'\]\(#([A-Za-z0-9_-]+)\)', line):
                    cited += 1
                    if a.group(1) not in known.get(os.path.basename(rel), set()):
                        bad.append(f'{where}: no section #{a.group(1)} on this page')
    for b in bad:
        print(b)
    if cited < 10:
        bad.append(f'only {cited} section citations found; is the root right?')
        print(bad[-1])
    if not bad:
        print(f'{cited} section citations, all to headings that exist')
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main())

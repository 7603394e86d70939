#!/usr/bin/env python3
"""No C++ outside the primitive reader names a library option (issue 14).

    check_option_names.py REPO

The library's options are every `[options.PATH]` declared in modules/ (a
submodule's sub-options are left out: they are the option's own business).
A C++ file names one when a brace list of string literals spells its path
(`{"environment", "etc"}`) or one string literal does ("home-manager.users");
a path put together from pieces is not seen (see the note under KNOWN).

The primitive schema (`sysconf.*`, declared in modules/sysconf.toml and
modules/home/sysconf.toml) is what the engine reads: its options may be named
by the primitive reader alone, PRIMITIVE_READERS, and by no other file.

KNOWN is the debt while the library moves into modules: the files that still
name options, and which. A name found anywhere else fails the test; so does
an entry of KNOWN that is no longer found, so that the list only shrinks.
When issue 14 is done, KNOWN is empty.
"""

import os
import re
import sys

PRIMITIVE_READERS = {"src/render/render.cc", "src/eval/pipeline.cc", "src/pipeline/package_warnings.cc"}
KNOWN = {}
# Not caught by the scan, because the path is put together from pieces (a
# prefix from render.cc, a kind from a table): src/render/units.cc, which
# reads systemd.services, timers, sockets, paths, targets and units. It
# goes with the unit modules (docs/primitives.md, step 1).

OPTION = re.compile(r'^\[options\.([^\]]+)\]', re.M)
BRACE_LIST = re.compile(r'\{\s*("(?:[^"\\]|\\.)*"(?:\s*,\s*"(?:[^"\\]|\\.)*")+)\s*\}')
LITERAL = re.compile(r'"((?:[^"\\]|\\.)*)"')


def split_path(text):
    """A TOML dotted key into its segments (quoted segments kept whole)."""
    return [a or b for a, b in re.findall(r'"([^"]*)"|([^.\s]+)', text)]


def library_options(repo):
    out = set()
    for dirpath, _, files in os.walk(os.path.join(repo, "modules")):
        for name in files:
            if not name.endswith(".toml"):
                continue
            with open(os.path.join(dirpath, name), encoding="utf-8") as f:
                for m in OPTION.finditer(f.read()):
                    path = split_path(m.group(1))
                    if "options" in path:
                        path = path[:path.index("options")]
                    if len(path) >= 2:
                        out.add(".".join(path))
    return out


def named_in(text, options):
    found = set()
    for m in BRACE_LIST.finditer(text):
        spelled = ".".join(LITERAL.findall(m.group(1)))
        found.update(o for o in options if spelled == o or spelled.startswith(o + "."))
    for literal in LITERAL.findall(text):
        found.update(o for o in options if literal == o or literal.startswith(o + "."))
    return found


def main(repo):
    options = library_options(repo)
    if not options:
        print("no options found in modules/: the scan would prove nothing")
        return 1
    problems = []
    seen = {}
    for dirpath, _, files in os.walk(os.path.join(repo, "src")):
        for name in sorted(files):
            path = os.path.join(dirpath, name)
            rel = os.path.relpath(path, repo)
            with open(path, encoding="utf-8") as f:
                found = named_in(f.read(), options)
            if rel in PRIMITIVE_READERS:
                found = {o for o in found if not o.startswith("sysconf.")}
            seen[rel] = found
            for option in sorted(found - KNOWN.get(rel, set())):
                problems.append(f"{rel} names the library option {option}: read it through the primitives instead")
    for rel, names in sorted(KNOWN.items()):
        for option in sorted(names - seen.get(rel, set())):
            problems.append(f"{rel} no longer names {option}: remove it from KNOWN in {os.path.basename(__file__)}")
    for line in problems:
        print(line)
    print(f"{len(options)} library options; {sum(len(v) for v in KNOWN.values())} names still known in C++")
    return 1 if problems else 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    sys.exit(main(sys.argv[1]))

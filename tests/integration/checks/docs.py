"""docs: `sysconf docs --format md` read back (sections, options, their
descriptions), and the options the module library declares, read from its
TOML files, to check that every option is listed and described."""

import os
import re
import tomllib


def parse_docs(markdown):
    """{section title: {option: description}} from `sysconf docs --format md`
    (src/cli/cmd_docs.cc: "## Title", then per option "### `name`", an
    optional description paragraph, then "- Type: `...`" and more bullets)."""
    sections, current, option, desc, in_bullets = {}, None, None, [], False
    for line in markdown.splitlines():
        if line.startswith("## "):
            current = sections.setdefault(line[3:].strip(), {})
            option = None
            continue
        m = re.match(r"^### `(.+)`$", line)
        if m:
            option = m.group(1)
            desc, in_bullets = [], False
            current[option] = ""
            continue
        if option is None:
            continue
        if line.startswith("- Type: `"):
            in_bullets = True  # the bullets after the description
            continue
        if line.strip() and not in_bullets:
            desc.append(line.strip())
            current[option] = " ".join(desc)
    return sections


def undocumented(sections):
    return sorted(f"{title}: {name}" for title, opts in sections.items() for name, d in opts.items() if not d.strip())


def _type_suffix(type_str, named_types):
    """(suffix, submodule name or None) the way cmd_docs names sub-options."""
    t, suffix = type_str.replace(" ", ""), ""
    while True:
        m = re.fullmatch(r"(attrsOf|listOf|nullOr)\((.*)\)", t)
        if not m:
            break
        suffix += {"attrsOf": ".<name>", "listOf": ".*", "nullOr": ""}[m.group(1)]
        t = m.group(2)
    if t == "submodule":
        return suffix, "submodule"
    if t in named_types:
        return suffix, t
    return suffix, None


def declared_options(files):
    """Option names as `sysconf docs` prints them, read from module files
    (and their imports) with tomllib: tables with a `type` key are options,
    a submodule's `options` table (or a named type's) holds sub-options;
    `internal = true` hides an option and what is below it."""
    seen, order, named = set(), [], {}
    stack = list(files)
    while stack:
        f = os.path.realpath(stack.pop())
        if f in seen or not os.path.exists(f):
            continue
        seen.add(f)
        with open(f, "rb") as fh:
            doc = tomllib.load(fh)
        order.append(doc)
        for imp in doc.get("imports", []):
            stack.append(os.path.join(os.path.dirname(f), imp))
        for tname, tdecl in doc.get("types", {}).items():
            named[tname] = tdecl.get("options", {})
    names = set()

    def walk(table, prefix, depth):
        for key, val in table.items():
            if not isinstance(val, dict):
                continue
            name = f"{prefix}.{key}" if prefix else key
            if "type" in val and isinstance(val["type"], str):
                if val.get("internal"):
                    continue
                names.add(name)
                suffix, sub = _type_suffix(val["type"], named)
                if depth < 8:
                    if sub == "submodule":
                        walk(val.get("options", {}), name + suffix, depth + 1)
                    elif sub:
                        walk(named[sub], name + suffix, depth + 1)
            else:
                walk(val, name, depth)

    for doc in order:
        walk(doc.get("options", {}), "", 0)
    return names


def library_files(modules_dir, home):
    out = []
    start = os.path.join(modules_dir, "home") if home else modules_dir
    for dirpath, dirnames, filenames in os.walk(start):
        if not home and os.path.abspath(dirpath) == os.path.abspath(modules_dir):
            dirnames[:] = [d for d in dirnames if d != "home"]
        out += [os.path.join(dirpath, f) for f in filenames if f.endswith(".toml")]
    return sorted(out)


#!/usr/bin/env python3
"""Translate the format-neutral benchmark workload into a sysconf config tree.

Usage:
    gen_sysconf_tree.py WORKLOAD.json OUTDIR

WORKLOAD.json is written by shared/bench/gen_nix_modules.py N DIR (format
"nixbench-workload-v1", described in shared/bench/WORKLOAD.md).  This script
translates it one-to-one into TOML modules (DESIGN.md section 3) with the same
meaning, so that `sysconf --config OUTDIR --host bench eval --json` can be
checked with `reference_eval.py WORKLOAD.json --order forward --check`.

Writes into OUTDIR:
    sysconf.toml     host "bench": modules = ["default.toml"], library = false
    default.toml     imports every module in the workload's load order
    base.toml        the named submodule type `file` and base's options
    mNNNNN.toml      one module per workload module

Layout of a module file, and why it keeps the meaning.  sysconf orders the
definitions of one file by their position in the text, and TOML needs every
key of [config] / [defaults] / [force] under its one header, with the
[[when]] array after them.  So a module is written as: option declarations,
then [config] (unconditional priority 100, plus any other priority except
1000 and 50 as a `{ _value = ..., _priority = P }` wrapper), then [defaults]
(1000), then [force] (50), then one [[when]] block per run of consecutive
conditional definitions with the same condition and section, in source
order.  This can move a definition ahead of one written before it in the
source.  That only changes the result for two definitions of the same
option, so check_order() fails loudly if that ever happens (in the v1
workload the same-option pairs inside one module are b4/c2, c3/a2 and
c4/a1, and each keeps its order).

Standard library only.
"""

import gc
import json
import os
import re
import sys

BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")
# A bare word of the condition language: no leading digit, so it cannot be
# read as a number, and not one of the literals.
COND_WORD = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")
ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\t": "\\t",
           "\n": "\\n", "\f": "\\f", "\r": "\\r"}
NEEDS_ESCAPE = re.compile(r'["\\\x00-\x1f\x7f]')

TYPE_NAMES = {
    "bool": "bool",
    "int": "int",
    "str": "str",
    "lines": "lines",
    "listOf str": "listOf(str)",
    "attrsOf str": "attrsOf(str)",
    "attrsOf file": "attrsOf(file)",
}

# Priority -> section.  Any other priority is a wrapper inside [config].
SECTIONS = {100: "config", 1000: "defaults", 50: "force"}
SECTION_ORDER = ("config", "defaults", "force")


class WorkloadError(Exception):
    pass


def toml_str(s):
    if NEEDS_ESCAPE.search(s) is None:
        return '"' + s + '"'
    return '"' + NEEDS_ESCAPE.sub(
        lambda m: ESCAPES.get(m.group(0), "\\u%04x" % ord(m.group(0))),
        s) + '"'


_KEY_CACHE = {}


def toml_key(k):
    try:
        return _KEY_CACHE[k]
    except (KeyError, TypeError):
        pass
    if not isinstance(k, str):
        raise WorkloadError("path segment is not a string: %r" % (k,))
    if k.startswith("_"):
        # sysconf reads a table whose keys start with `_` as a wrapper.
        raise WorkloadError("key %r starts with '_', which sysconf reserves"
                            % (k,))
    r = _KEY_CACHE[k] = k if BARE_KEY.match(k) else toml_str(k)
    return r


def toml_path(path, cache=_KEY_CACHE):
    return ".".join([cache[k] if k in cache else toml_key(k) for k in path])


def toml_value(v):
    if type(v) is str:  # the common case first
        return toml_str(v)
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, str):
        return toml_str(v)
    if isinstance(v, list):
        return "[" + ", ".join([toml_value(x) for x in v]) + "]"
    if isinstance(v, dict):
        if not v:
            return "{}"
        return "{ " + ", ".join("%s = %s" % (toml_key(k), toml_value(x))
                                for k, x in v.items()) + " }"
    raise WorkloadError("value not expressible in the workload's types: %r"
                        % (v,))


def type_name(t):
    try:
        return TYPE_NAMES[t]
    except KeyError:
        raise WorkloadError("unknown type %r" % (t,)) from None


COND_ESCAPES = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\t": "\\t"}
COND_NEEDS_ESCAPE = re.compile(r'["\\\n\t]')
COND_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def cond_path(segments):
    """An option path in the condition language.  A segment that is not a
    bare word is quoted (escapes: \\ \" \\n \\t).  The first segment must
    be a bare word: a quoted one would read as a string literal."""
    out = []
    for n, k in enumerate(segments):
        if not isinstance(k, str):
            raise WorkloadError("condition segment is not a string: %r"
                                % (k,))
        if COND_WORD.match(k) and k not in ("true", "false"):
            out.append(k)
        elif n == 0 or COND_CONTROL.search(k):
            raise WorkloadError("condition path %r cannot be written in the "
                                "condition language" % (segments,))
        else:
            out.append('"' + COND_NEEDS_ESCAPE.sub(
                lambda m: COND_ESCAPES[m.group(0)], k) + '"')
    return ".".join(out)


def cond_expr(c):
    if len(c) != 2 or type(c.get("equals")) is not bool or "option" not in c:
        raise WorkloadError("unsupported condition %r" % (c,))
    path = cond_path(c["option"])
    return path if c["equals"] else "!" + path


def section_of(d):
    """(section, value text) for a definition, per its priority."""
    p = d["priority"]
    if isinstance(p, bool) or not isinstance(p, int):
        raise WorkloadError("bad priority %r" % (p,))
    value = toml_value(d["value"])
    if p in SECTIONS:
        return SECTIONS[p], value
    return "config", "{ _value = %s, _priority = %d }" % (value, p)


def clashes(path, taken):
    """True if `path` cannot be added to a TOML table already holding the
    dotted keys in `taken`: equal to one, or a prefix of one, or one of
    them is its prefix (a key would be both a value and a table)."""
    for q in taken:
        k = min(len(path), len(q))
        if path[:k] == q[:k]:
            return True
    return False


def option_of(path, declared):
    t = tuple(path)
    for k in range(len(t), 0, -1):
        if t[:k] in declared:
            return t[:k]
    raise WorkloadError("definition of undeclared option %r" % (path,))


def check_order(mod, emitted, declared):
    """`emitted` is the module's definitions in text order.  Two definitions
    of the same option must appear in the text in their source order."""
    pos = {id(d): n for n, d in enumerate(emitted)}
    if len(pos) != len(mod["definitions"]):
        raise WorkloadError("%s: definitions lost in the layout"
                            % mod["name"])
    last = {}   # option -> (text position, rule) of its latest definition
    for d in mod["definitions"]:
        opt = option_of(d["path"], declared)
        n = pos[id(d)]
        if opt in last and last[opt][0] > n:
            raise WorkloadError(
                "%s: the TOML layout would put rule %s before rule %s, both "
                "defining %s; their source order must be kept"
                % (mod["name"], d["rule"], last[opt][1], ".".join(opt)))
        last[opt] = (n, d["rule"])


def render_module(mod, declared, header, types=None):
    out = [header]
    if types:
        for tname, opts in types.items():
            for oname, o in opts.items():
                out.append("[types.%s.options.%s]" % (toml_key(tname),
                                                      toml_key(oname)))
                out.append("type = %s" % toml_str(type_name(o["type"])))
                out.append("default = %s" % toml_value(o["default"]))
    for o in mod["options"]:
        out.append("[options.%s]" % toml_path(o["path"]))
        out.append("type = %s" % toml_str(type_name(o["type"])))
        out.append("default = %s" % toml_value(o["default"]))

    plain = {s: [] for s in SECTION_ORDER}   # section -> [(def, line)]
    plain_paths = {s: [] for s in SECTION_ORDER}
    blocks = []   # [cond, section, [(def, line)], [paths]]
    for d in mod["definitions"]:
        sec, value = section_of(d)
        line = "%s = %s" % (toml_path(d["path"]), value)
        path = tuple(d["path"])
        if d["condition"] is None:
            if clashes(path, plain_paths[sec]):
                raise WorkloadError("%s: rule %s's path %r clashes with "
                                    "another key of [%s]"
                                    % (mod["name"], d["rule"], path, sec))
            plain[sec].append((d, line))
            plain_paths[sec].append(path)
            continue
        cond = cond_expr(d["condition"])
        b = blocks[-1] if blocks else None
        if (b is None or b[0] != cond or b[1] != sec
                or clashes(path, b[3])):
            b = [cond, sec, [], []]
            blocks.append(b)
        b[2].append((d, line))
        b[3].append(path)

    emitted = []
    for sec in SECTION_ORDER:
        if plain[sec]:
            out.append("")
            out.append("[%s]" % sec)
            for d, line in plain[sec]:
                out.append(line)
                emitted.append(d)
    for cond, sec, defs, _ in blocks:
        out.append("")
        out.append("[[when]]")
        out.append("if = %s" % toml_str(cond))
        out.append("[when.%s]" % sec)
        for d, line in defs:
            out.append(line)
            emitted.append(d)
    check_order(mod, emitted, declared)
    return "\n".join(out) + "\n"


def toml_file_name(nix_name):
    if not nix_name.endswith(".nix") or "/" in nix_name:
        raise WorkloadError("unexpected module file name %r" % (nix_name,))
    return nix_name[:-len(".nix")] + ".toml"


def write_tree(spec, outdir):
    if spec.get("format") != "nixbench-workload-v1":
        raise WorkloadError("unknown workload format %r" % spec.get("format"))
    modules = spec["modules"]
    if not modules or modules[0]["name"] != "base":
        raise WorkloadError("modules[0] must be base")
    declared = set()
    for mod in modules:
        for o in mod["options"]:
            declared.add(tuple(o["path"]))
    os.makedirs(outdir, exist_ok=True)
    header = ("# Generated by gen_sysconf_tree.py from workload.json "
              "(%s), N = %d." % (spec["format"], spec["n"]))

    def write(name, text):
        with open(os.path.join(outdir, name), "w", encoding="utf-8",
                  newline="\n") as f:
            f.write(text)

    names = []
    seen = set()
    for n, mod in enumerate(modules):
        name = toml_file_name(mod["file"])
        if name in seen or name in ("sysconf.toml", "default.toml"):
            raise WorkloadError("module file name %r used twice" % name)
        seen.add(name)
        names.append(name)
        write(name, render_module(mod, declared, header,
                                  spec["types"] if n == 0 else None))
    write("default.toml", header + "\nimports = [\n" + "".join(
        "  %s,\n" % toml_str("./" + x) for x in names) + "]\n")
    write("sysconf.toml", header + "\n[hosts.bench]\n"
          "modules = [\"default.toml\"]\nlibrary = false\n")
    return len(names)


def main(argv):
    if len(argv) != 3:
        sys.stderr.write(__doc__)
        return 2
    # The workload is ~45 MB of JSON at N = 20,000 and holds no cycles: the
    # cyclic collector, triggered again and again by the millions of new
    # containers, would otherwise cost more than the whole translation.
    gc.disable()
    with open(argv[1], encoding="utf-8") as f:
        spec = json.load(f)
    try:
        count = write_tree(spec, argv[2])
    except WorkloadError as e:
        sys.stderr.write("gen_sysconf_tree.py: error: %s\n" % e)
        return 1
    print("wrote %d modules (N=%d) to %s" % (count, spec["n"], argv[2]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

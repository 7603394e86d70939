#!/usr/bin/env python3
"""Randomized differential test of sysconf's module semantics against real Nix.

Generates, from a fixed seed, many small module sets, each written twice: as
a sysconf configuration tree (TOML modules) and as a list of NixOS-style
modules for nixpkgs' `lib.evalModules`. Runs the real `sysconf eval --json`
on each tree and one `nix-instantiate --eval --strict --json` for a whole
batch of cases, and compares: both succeed with the same configuration, or
both fail (conflicts, type errors, read-only options, options used without a
value, unknown options).

usage: nix_oracle.py SYSCONF --nixlib TGZ --scratch DIR [--cases N] [--seed S]
                     [--batch B] [--show K] [--keep]

Exit status: 0 when every case agrees; 1 on any disagreement (the first few
are printed, and every one is written under SCRATCH/failed/ as a sysconf tree
beside its case.nix); 77 (a skip for ctest) when Nix cannot be used, with one
line saying why; 2 on a usage error.

What the comparison allows for, as shared/oracle/README.md settles:
- lists are in DESIGN's order (by `_order`, then load order, then position in
  the file), not Nix's: where every element of a list can be traced to the
  literal that wrote it, Nix's list is reordered by DESIGN's rule and then
  compared exactly (the same for `lines`); otherwise both are compared as
  multisets;
- options with neither value nor default are left out of Nix's output, as
  sysconf's whole-tree eval leaves them out (`options.X.isDefined`);
- TOML has no null: an unset `nullOr` option is null in sysconf, so its Nix
  declaration gets `default = null`.
Deliberate gaps in what is generated (each would be a false alarm):
- a read-only option is never defined under [[when]]: NixOS counts a false
  `mkIf` as a definition of a read-only option, while DESIGN says a block's
  definitions exist only while its condition holds;
- a `nullOr` option without a default never gets a definition at priority
  1500 or worse: Nix's stand-in `default = null` would take part in merging;
- interpolation reads only options of type bool, int and str (never null, a
  list or a table), and `!`, `&&`, `||` take only bool options, because Nix
  cannot catch the type errors those would raise (`builtins.tryEval` catches
  `throw` only), and a bool is written as `lib.boolToString`;
- sub-options always have a default (or are nullOr): Nix cannot leave an unset
  sub-option out of an element the way sysconf's eval does;
- the options read by a condition or an interpolation come earlier than the
  options it defines, so there are no cycles (Nix cannot catch infinite
  recursion either).

Extending: a new construct is a Block subclass (to_toml, to_nix) plus a
generator function added to BLOCK_GENERATORS. See ForBlock below for the
`[[for]]` construct, stubbed until the engine has it.
"""

import argparse
import concurrent.futures
import json
import os
import random
import shutil
import subprocess
import sys
import tarfile
import time

# ---------------------------------------------------------------------------
# Types


class T:
    """A type: kind in bool int str lines enum listOf attrsOf nullOr either
    submodule; `elem`, `alt`, `values` (enum) or `options` (submodule: a dict
    of name -> Decl)."""

    def __init__(self, kind, elem=None, alt=None, values=None, options=None):
        self.kind, self.elem, self.alt, self.values, self.options = kind, elem, alt, values, options

    def toml(self):
        k = self.kind
        if k in ("listOf", "attrsOf", "nullOr"):
            return "%s(%s)" % (k, self.elem.toml())
        if k == "either":
            return "either(%s, %s)" % (self.elem.toml(), self.alt.toml())
        return k  # enum: values are the declaration's `values`; submodule: its `options`

    def nix(self):
        k = self.kind
        if k in ("bool", "int", "str", "lines"):
            return "types." + k
        if k == "enum":
            return "(types.enum [ %s ])" % " ".join(nix_str(v) for v in self.values)
        if k in ("listOf", "attrsOf", "nullOr"):
            return "(types.%s %s)" % (k, self.elem.nix())
        if k == "either":
            return "(types.either %s %s)" % (self.elem.nix(), self.alt.nix())
        if k == "submodule":
            return "(types.submodule { options = { %s }; })" % " ".join(
                "%s = %s;" % (nix_key(n), d.nix_decl()) for n, d in self.options.items())
        raise ValueError(k)

    def takes_strings(self):
        if self.kind in ("str", "lines", "enum"):
            return True
        if self.kind == "nullOr":
            return self.elem.takes_strings()
        if self.kind == "either":
            return self.elem.takes_strings() or self.alt.takes_strings()
        return False

    def enum_of(self):
        """The enum inside (for the `values` of a declaration), or None."""
        if self.kind == "enum":
            return self
        for t in (self.elem, self.alt):
            if t is not None:
                e = t.enum_of()
                if e:
                    return e
        return None


class Decl:
    def __init__(self, name, type_, default=None, has_default=False, read_only=False):
        self.name, self.type, self.default, self.has_default, self.read_only = (
            name, type_, default, has_default, read_only)

    def nix_decl(self):
        parts = ["type = %s;" % self.type.nix()]
        if self.has_default:
            parts.append("default = %s;" % to_nix(self.default))
        elif self.type.kind == "nullOr":
            parts.append("default = null;")  # sysconf: an unset nullOr is null
        if self.read_only:
            parts.append("readOnly = true;")
        return "mkOption { %s }" % " ".join(parts)

    def toml_decl(self, prefix):
        """Lines of the declaration under the table `prefix` ("options.o1")."""
        out = ["[%s]" % prefix, "type = %s" % toml_str(self.type.toml())]
        e = self.type.enum_of()
        if e:
            out.append("values = [%s]" % ", ".join(toml_str(v) for v in e.values))
        if self.has_default:
            out.append("default = %s" % to_toml(self.default))
        if self.read_only:
            out.append("readOnly = true")
        sub = self.type
        while sub.kind in ("attrsOf", "listOf", "nullOr"):
            sub = sub.elem
        if sub.kind == "submodule":
            for n, d in sub.options.items():
                out.append("")
                out.extend(d.toml_decl(prefix + ".options." + toml_key(n)))
        return out


# ---------------------------------------------------------------------------
# Values: plain Python values (bool, int, str, list, dict) and these nodes.


class Wrapped:
    """{ _value = v, _priority = p, _order = o } / mkOverride p (mkOrder o v)."""

    def __init__(self, value, priority=None, order=None):
        self.value, self.priority, self.order = value, priority, order


class Template:
    """A string with `{{ option }}` parts: a list of str literals and Ref."""

    def __init__(self, parts, target):
        self.parts, self.target = parts, target  # target: the type at this position

    def lone(self):
        # A reference with a filter is always text (Evaluation::reference).
        return len(self.parts) == 1 and isinstance(self.parts[0], Ref) and self.parts[0].key is None


class Ref:
    """`{{ option }}`, or `{{ option.key | default("fallback") }}`: one element
    of an attrsOf option, read on its own (sysconf's element-level laziness)."""

    def __init__(self, decl, key=None, fallback=None):
        self.decl, self.key, self.fallback = decl, key, fallback

    def toml(self):
        if self.key is None:
            return "{{ %s }}" % self.decl.name
        key = self.key if self.key.isalnum() else json.dumps(self.key)
        return "{{ %s.%s | default(%s) }}" % (self.decl.name, key, json.dumps(self.fallback))


ORDERS = {"before": 500, "after": 1500}


def toml_str(s):
    return json.dumps(s)  # the generated strings are ASCII without control characters


def toml_key(k):
    return k if k.replace("-", "").replace("_", "").isalnum() else toml_str(k)


def nix_str(s):
    return json.dumps(s).replace("${", "\\${")


def nix_key(k):
    ok = k[:1].isalpha() and k.replace("-", "").replace("_", "").isalnum()
    return k if ok else nix_str(k)


def to_toml(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, str):
        return toml_str(v)
    if isinstance(v, list):
        return "[%s]" % ", ".join(to_toml(x) for x in v)
    if isinstance(v, dict):
        return "{ %s }" % ", ".join("%s = %s" % (toml_key(k), to_toml(x)) for k, x in v.items()) if v else "{}"
    if isinstance(v, Wrapped):
        parts = ["_value = " + to_toml(v.value)]
        if v.priority is not None:
            parts.append("_priority = %d" % v.priority)
        if v.order is not None:
            parts.append("_order = " + (toml_str(v.order) if isinstance(v.order, str) else str(v.order)))
        return "{ %s }" % ", ".join(parts)
    if isinstance(v, Template):
        text = ""
        for p in v.parts:
            text += p.toml() if isinstance(p, Ref) else p
        return toml_str(text)
    raise TypeError(v)


def nix_text_of(ref):
    """Nix text of a scalar option (or element), as sysconf writes it into a string."""
    decl = ref.decl
    if ref.key is not None:
        return "(toString (config.%s.%s or %s))" % (decl.name, nix_key(ref.key), nix_str(ref.fallback))
    if decl.type.kind == "bool":
        return "(lib.boolToString config.%s)" % decl.name
    return "(toString config.%s)" % decl.name


def to_nix(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v) if v >= 0 else "(%d)" % v
    if isinstance(v, str):
        return nix_str(v)
    if isinstance(v, list):
        return "[ %s ]" % " ".join(to_nix(x) for x in v)
    if isinstance(v, dict):
        return "{ %s }" % " ".join("%s = %s;" % (nix_key(k), to_nix(x)) for k, x in v.items())
    if isinstance(v, Wrapped):
        inner = to_nix(v.value)
        if v.order is not None:
            inner = "(mkOrder %d %s)" % (ORDERS.get(v.order, v.order), inner)
        if v.priority is not None:
            inner = "(mkOverride %d %s)" % (v.priority, inner)
        return inner
    if isinstance(v, Template):
        if v.lone() and not v.target.takes_strings():
            return "config.%s" % v.parts[0].decl.name  # sysconf passes the value itself
        if v.lone() and v.target.kind in ("nullOr", "either"):
            # A table, a list or null passes whole; a scalar becomes its text.
            d = v.parts[0].decl
            return ("(let v = config.%s; in if builtins.isAttrs v || builtins.isList v || v == null then v "
                    "else if builtins.isBool v then lib.boolToString v else toString v)" % d.name)
        out = '"'
        for p in v.parts:
            out += "${%s}" % nix_text_of(p) if isinstance(p, Ref) else nix_str(p)[1:-1]
        return out + '"'
    raise TypeError(v)


# ---------------------------------------------------------------------------
# Modules: a module is a list of blocks; a block renders to TOML and to Nix.


class Def:
    """One definition: `path` (option name first, then attribute/sub-option
    keys), its value, and its section priority (100, 1000 or 50)."""

    def __init__(self, path, value, section):
        self.path, self.value, self.section = path, value, section

    def effective_priority(self):
        v = self.value
        if isinstance(v, Wrapped) and v.priority is not None:
            return v.priority
        return {"config": 100, "defaults": 1000, "force": 50}[self.section]

    def toml_line(self):
        v = self.value
        return "%s = %s" % (".".join(toml_key(k) for k in self.path), to_toml(v))

    def nix(self):
        v = self.value
        if isinstance(v, Wrapped):
            inner = to_nix(Wrapped(v.value, None, v.order))
            prio = v.priority if v.priority is not None else {"config": None, "defaults": 1000, "force": 50}[self.section]
        else:
            inner = to_nix(v)
            prio = {"config": None, "defaults": 1000, "force": 50}[self.section]
        if prio is not None:
            inner = "(mkOverride %d %s)" % (prio, inner)
        return "{ %s = %s; }" % (".".join(nix_key(k) for k in self.path), inner)


class Block:
    def toml(self):
        raise NotImplementedError

    def nix(self):
        raise NotImplementedError

    def defs(self):
        return []


class Sections(Block):
    """[config], [defaults] and [force] of a module."""

    def __init__(self):
        self.by_section = {"config": [], "defaults": [], "force": []}

    def defs(self):
        return [d for s in ("config", "defaults", "force") for d in self.by_section[s]]

    def toml(self):
        out = []
        for s in ("config", "defaults", "force"):
            if self.by_section[s]:
                out.append("[%s]" % s)
                out.extend(d.toml_line() for d in self.by_section[s])
                out.append("")
        return out

    def nix(self):
        return [d.nix() for d in self.defs()]


class Cond:
    """A condition: ("lit", bool) | ("opt", decl) | ("not", c) | ("and"|"or", a, b)
    | ("eq"|"ne", decl, literal)."""

    def __init__(self, *node):
        self.node = node

    def toml(self):
        n = self.node
        if n[0] == "lit":
            return "true" if n[1] else "false"
        if n[0] == "opt":
            return n[1].name
        if n[0] == "not":
            return "!" + n[1].toml_atom()
        if n[0] in ("and", "or"):
            return "%s %s %s" % (n[1].toml_atom(), "&&" if n[0] == "and" else "||", n[2].toml_atom())
        lit = "null" if n[2] is None else to_toml(n[2])
        return "%s %s %s" % (n[1].name, "==" if n[0] == "eq" else "!=", lit)

    def toml_atom(self):
        return self.toml() if self.node[0] in ("lit", "opt") else "(%s)" % self.toml()

    def nix(self):
        n = self.node
        if n[0] == "lit":
            return "true" if n[1] else "false"
        if n[0] == "opt":
            return "config.%s" % n[1].name
        if n[0] == "not":
            return "(!%s)" % n[1].nix()
        if n[0] in ("and", "or"):
            return "(%s %s %s)" % (n[1].nix(), "&&" if n[0] == "and" else "||", n[2].nix())
        lit = "null" if n[2] is None else to_nix(n[2])
        return "(config.%s %s %s)" % (n[1].name, "==" if n[0] == "eq" else "!=", lit)


class When(Block):
    """[[when]] if = "..." with its own sections: NixOS's mkIf."""

    def __init__(self, cond):
        self.cond, self.sections = cond, Sections()

    def defs(self):
        return self.sections.defs()

    def toml(self):
        out = ["[[when]]", "if = %s" % toml_str(self.cond.toml())]
        for s in ("config", "defaults", "force"):
            if self.sections.by_section[s]:
                out.append("[when.%s]" % s)
                out.extend(d.toml_line() for d in self.sections.by_section[s])
        out.append("")
        return out

    def nix(self):
        return ["(mkIf %s (mkMerge [ %s ]))" % (self.cond.nix(), " ".join(self.sections.nix()))]


class ForBlock(Block):
    """HOOK, not generated yet: `[[for]]` (DESIGN.md section 3, "Generated
    definitions"), being implemented in src/eval and src/load. When it lands,
    fill these in and add gen_for to BLOCK_GENERATORS:

      TOML:  [[for]]
             each = "opt"            # an attrsOf(submodule) option
             as = "x"
             if = "x.value.enable"   # optional
             [for.config]
             a."p-{{ x.name }}" = "{{ x.value.s }}"
      Nix:   mkMerge (mapAttrsToList (n: v: mkIf v.enable { a."p-${n}" = v.s; }) config.opt)

    The generator must keep the cycle rule: `each` and everything read in the
    body come earlier than the options the body defines. Definitions made by a
    block get their load position from the block (for list order)."""

    def __init__(self, each, var, cond, sections):
        self.each, self.var, self.cond, self.sections = each, var, cond, sections

    def toml(self):
        raise NotImplementedError("[[for]] is not generated yet")

    def nix(self):
        raise NotImplementedError("[[for]] is not generated yet")


class Module:
    def __init__(self, blocks):
        self.blocks = blocks

    def toml(self):
        out = []
        for b in self.blocks:
            out.extend(b.toml())
        return "\n".join(out) + "\n"

    def nix(self):
        items = []
        for b in self.blocks:
            items.extend(b.nix())
        return "({ config, lib, ... }: with lib; { config = mkMerge [ %s ]; })" % " ".join(items)


# ---------------------------------------------------------------------------
# The generator


KEYS = ["a", "b", "c", "k-1", "x y"]
WORDS = ["alpha", "beta", "gamma", "on", "off", "x"]
ENUMS = [["lo", "mid", "hi"], ["on", "off"]]


class Case:
    def __init__(self, index, decls, modules):
        self.index, self.decls, self.modules = index, decls, modules
        self.exact_lists = True  # false when list elements may be copied by references
        self.tags = {}  # json of a list element or a lines piece -> (order, seq, index)

    def toml_tree(self):
        files = {"sysconf.toml": "[hosts.h]\nmodules = [%s]\nlibrary = false\n" % ", ".join(
            toml_str("m%d.toml" % i) for i in range(len(self.modules) + 1))}
        decl_lines = []
        for d in self.decls:
            decl_lines.extend(d.toml_decl("options." + d.name))
            decl_lines.append("")
        files["m0.toml"] = "\n".join(decl_lines)
        for i, m in enumerate(self.modules):
            files["m%d.toml" % (i + 1)] = m.toml()
        return files

    def nix(self):
        decls = "{ lib, ... }: with lib; { options = { %s }; }" % " ".join(
            "%s = %s;" % (d.name, d.nix_decl()) for d in self.decls)
        mods = ") (".join([decls] + [m.nix() for m in self.modules])
        picks = " // ".join(
            "(if r.options.%s.isDefined then { %s = r.config.%s; } else {})" % (d.name, d.name, d.name)
            for d in self.decls)
        return ("(let r = lib.evalModules { modules = [ (%s) ]; }; v = %s; t = builtins.tryEval (builtins.deepSeq v v);"
                " in if t.success then { ok = t.value; } else { error = true; })") % (mods, picks or "{}")


class Generator:
    def __init__(self, rng):
        self.r = rng
        self.counter = 0

    def tag(self, x, tagged, i):
        """Records where the list element or lines piece `x` was written."""
        key = json.dumps(x)
        if key in self.tags:
            self.exact_lists = False
        self.tags[key] = (tagged[0], tagged[1], i)

    def fresh(self):
        self.counter += 1
        return self.counter

    # -- types
    def gen_type(self, depth=0, in_sub=False, enum=None):
        """A type. `enum`: the values of every enum in it, since a TOML
        declaration has one `values` list."""
        r = self.r
        enum = enum or r.choice(ENUMS)
        leaves = ["bool", "int", "int", "str", "str", "lines", "enum"]
        if depth >= 2:
            k = r.choice(leaves)
        else:
            k = r.choice(leaves + ["listOf", "listOf", "attrsOf", "attrsOf", "nullOr", "either"]
                         + ([] if in_sub else ["submodule", "submodule"]))
        if k == "enum":
            return T("enum", values=enum)
        if k in ("listOf", "attrsOf"):
            return T(k, self.gen_type(depth + 1, in_sub, enum))
        if k == "nullOr":
            e = self.gen_type(depth + 1, in_sub, enum)
            return e if e.kind == "nullOr" else T("nullOr", e)
        if k == "either":
            a = self.gen_type(2, in_sub, enum)
            b = self.gen_type(2, in_sub, enum)
            return T("either", a, b)
        if k == "submodule":
            opts = {}
            for j in range(r.randint(1, 3)):
                t = self.gen_type(depth + 1, True)
                name = "p%d" % j
                if t.kind == "nullOr" and r.random() < 0.5:
                    opts[name] = Decl(name, t)
                else:
                    opts[name] = Decl(name, t, self.gen_value(t, None, DEFAULT_TAG, valid=True), True,
                                      read_only=r.random() < 0.05)
            return T("submodule", options=opts)
        return T(k)

    # -- values
    def gen_scalar(self, t):
        r = self.r
        if t.kind == "bool":
            return r.random() < 0.5
        if t.kind == "int":
            return r.choice([0, 1, 2, 3, -1, 42])
        if t.kind == "str":
            return r.choice(WORDS)
        if t.kind == "lines":
            return r.choice(WORDS)
        if t.kind == "enum":
            return r.choice(t.values)
        raise ValueError(t.kind)

    def gen_value(self, t, ctx, tagged, wrappers=False, depth=0, valid=False):
        """A value of type `t` (rarely of another type). `ctx`: the case
        being built (for references), or None. `tagged`: (order, seq) for
        list elements and lines, or None for untraceable values."""
        r = self.r
        if not valid and r.random() < 0.03:  # a type error now and then
            return r.choice([True, 7, "bad", [1], {"a": 1}])
        if ctx is not None and r.random() < (0.3 if t.kind in ("nullOr", "either") else 0.12):
            tmpl = self.gen_template(t, ctx)
            if tmpl is not None:
                return tmpl
        k = t.kind
        # A template stands only where the whole type is known (Template.target),
        # not inside the branch of a nullOr or an either: hence no ctx below.
        if k == "nullOr":
            return self.gen_value(t.elem, None, tagged, wrappers, depth, valid)
        if k == "either":
            return self.gen_value(r.choice([t.elem, t.alt]), None, tagged, wrappers, depth, valid)
        if k == "lines":
            if tagged is None:
                return self.gen_scalar(t)
            s = "l%d" % self.fresh()
            self.tag(s, tagged, 0)
            return s
        if k == "listOf":
            items = []
            for i in range(r.randint(0, 3)):
                e = t.elem
                if e.kind in ("int", "str") and tagged is not None:
                    x = self.fresh() + 100 if e.kind == "int" else "e%d" % self.fresh()
                    self.tag(x, tagged, i)
                    items.append(x)
                elif e.kind == "str" and ctx is not None and r.random() < 0.1:
                    tm = self.gen_template(e, ctx)
                    items.append(tm if tm is not None else "w")
                else:
                    items.append(self.gen_value(e, None, None, False, depth + 1, valid))
            return items
        if k in ("attrsOf", "submodule"):
            # An entry of a table is a definition of its own (order 1000),
            # unless a wrapper gives it a priority or an order.
            out = {}
            if k == "attrsOf":
                entries = [(key, t.elem, None) for key in r.sample(KEYS, r.randint(0, 2))]
            else:
                entries = [(name, d.type, d) for name, d in t.options.items() if r.random() < 0.6]
            for key, et, decl in entries:
                w = self.gen_wrapper(et, decl) if wrappers and r.random() < 0.2 else None
                sub = (order_of(w), tagged[1]) if tagged is not None else None
                v = self.gen_value(et, ctx, sub, False, depth + 1, valid)
                if w is not None:
                    w.value = v
                    v = w
                out[key] = v
            return out
        return self.gen_scalar(t)

    def gen_wrapper(self, t, decl):
        r = self.r
        prio = r.choice([None, 40, 75, 100, 999, 1000, 1400, 1500, 2000])
        if decl is not None and decl.type.kind == "nullOr" and not decl.has_default and prio and prio >= 1500:
            prio = 1400
        order = r.choice([None, None, "before", "after", 800]) if t.kind in ("listOf", "lines") else None
        if prio is None and order is None:
            prio = 75
        return Wrapped(None, prio, order)

    def gen_template(self, t, ctx):
        """A `{{ }}` template for a position of type `t`, reading an earlier option."""
        r = self.r
        # Only options that always have a value are read: Nix forces every
        # definition's value to check its properties, even one that loses on
        # priority, so reading an option without value there fails in Nix
        # and not in sysconf (which never looks at a losing definition).
        readable = [d for d in ctx.readable if d.has_default or d.type.kind == "nullOr"]
        sources = [Ref(d) for d in readable if d.type.kind in ("bool", "int", "str")]
        sources += [Ref(d, r.choice(KEYS), r.choice(WORDS)) for d in readable
                    if d.type.kind == "attrsOf" and d.type.elem.kind in ("int", "str")]
        if t.takes_strings():
            if not sources:
                return None
            src = r.choice(sources)
            if t.kind in ("nullOr", "either"):
                # A lone reference: text for a scalar, the value itself otherwise.
                c = r.random()
                if c < 0.3:
                    return Template([Ref(r.choice(readable))], t)
                numbers = [x for x in sources if x.key is None and x.decl.type.kind in ("int", "bool")]
                if c < 0.7 and numbers:
                    return Template([r.choice(numbers)], t)
            if r.random() < 0.5:
                return Template([src], t)
            return Template(["v-", src, "-" + r.choice(WORDS)], t)
        # A lone reference passes the value itself.
        same = [d for d in readable if same_type(d.type, t)]
        pool = same if same and r.random() < 0.8 else readable
        if not pool:
            return None
        if t.kind in ("listOf", "attrsOf", "submodule", "either", "nullOr"):
            ctx.case.exact_lists = False
        return Template([Ref(r.choice(pool))], t)

    # -- conditions
    def gen_cond(self, readable, depth=0):
        r = self.r
        bools = [d for d in readable if d.type.kind == "bool"]
        comparable = [d for d in readable if d.type.kind in ("int", "str", "enum", "bool", "nullOr")]
        c = r.random()
        if depth < 2 and c < 0.3:
            return Cond(r.choice(["and", "or"]), self.gen_cond(readable, depth + 1), self.gen_cond(readable, depth + 1))
        if depth < 2 and c < 0.4:
            inner = self.gen_cond(readable, depth + 1)
            if inner.node[0] in ("opt", "lit", "not") or inner.node[0] in ("and", "or"):
                return Cond("not", inner)
        if bools and c < 0.65:
            return Cond("opt", r.choice(bools))
        if comparable and c < 0.95:
            d = r.choice(comparable)
            t = d.type.elem if d.type.kind == "nullOr" else d.type
            if d.type.kind == "nullOr" and r.random() < 0.4:
                lit = None
            elif t.kind in ("bool", "int", "str", "enum", "lines"):
                lit = self.gen_scalar(t)
            else:
                lit = None
            return Cond(r.choice(["eq", "ne"]), d, lit)
        return Cond("lit", r.random() < 0.7)

    # -- a whole case
    def gen_case(self, index):
        r = self.r
        self.tags, self.exact_lists = {}, True
        n_opts = r.randint(1, 5)
        decls = []
        for i in range(n_opts):
            t = self.gen_type()
            has_default = r.random() < 0.6 or (t.kind == "submodule" and r.random() < 0.5)
            default = None
            if has_default:
                default = {} if t.kind == "submodule" and r.random() < 0.5 else self.gen_value(t, None, DEFAULT_TAG, valid=True)
                if r.random() < 0.05:
                    has_default = False
            # Not a read-only nullOr without a default: Nix's stand-in
            # `default = null` would count as a definition.
            read_only = r.random() < 0.05 and (has_default or t.kind != "nullOr")
            decls.append(Decl("o%d" % i, t, default, has_default, read_only))
        case = Case(index, decls, [])
        case.tags = self.tags
        ctx = Ctx(case)
        seq = [0]
        for m in range(r.randint(1, 3)):
            blocks = []
            sections = Sections()
            taken = {"config": [], "defaults": [], "force": []}
            for _ in range(r.randint(0, 4)):
                self.gen_def(ctx, sections, taken, seq, in_when=False, readable_limit=None)
            blocks.append(sections)
            for _ in range(r.choice([0, 0, 1, 1, 2])):
                blocks.append(self.gen_when(ctx, seq))
            for gen in BLOCK_GENERATORS:
                b = gen(self, ctx, seq)
                if b is not None:
                    blocks.append(b)
            case.modules.append(Module(blocks))
        # Now and then an unknown option.
        if r.random() < 0.02:
            case.modules[-1].blocks[0].by_section["config"].append(Def(["nope"], 1, "config"))
        case.exact_lists = case.exact_lists and self.exact_lists
        # DESIGN's load order: modules in order, each definition where it
        # stands in the text (sections are written config, defaults, force).
        text_seq, n = {}, 0
        for m in case.modules:
            for b in m.blocks:
                for d in b.defs():
                    n += 1
                    if hasattr(d, "id"):
                        text_seq[d.id] = n
        case.tags = {k: (o, text_seq.get(i, i), j) for k, (o, i, j) in self.tags.items()}
        return case

    def gen_def(self, ctx, sections, taken, seq, in_when, readable_limit, target=None):
        r = self.r
        decls = ctx.case.decls
        if target is None:
            choices = [d for d in decls if not (in_when and d.read_only)]
            if readable_limit is not None:
                choices = [d for d in choices if int(d.name[1:]) > readable_limit]
            if not choices:
                return
            target = r.choice(choices)
        section = r.choice(["config", "config", "config", "defaults", "force"])
        idx = int(target.name[1:])
        ctx.readable = [d for d in decls if int(d.name[1:]) < idx]
        path = [target.name]
        t = target.type
        decl = target
        # Reach past the option into an element or a sub-option, now and then.
        while r.random() < 0.4:
            base = t
            if base.kind == "attrsOf":
                path.append(r.choice(KEYS))
                t = base.elem
                decl = None
            elif base.kind == "submodule":
                name = r.choice(list(base.options))
                path.append(name)
                decl = base.options[name]
                t = decl.type
            else:
                break
        for p in taken[section]:
            n = min(len(p), len(path))
            if p[:n] == path[:n]:
                return  # TOML cannot define a key twice, or inside an inline table
        taken[section].append(path)
        seq[0] += 1
        order_tag = None
        w = self.gen_wrapper(t, decl) if r.random() < 0.25 else None
        value = self.gen_value(t, ctx, (order_of(w), seq[0]), wrappers=True)
        if w is not None:
            w.value = value
            value = w
        d = Def(path, value, section)
        d.id = seq[0]  # list elements are tagged with it, until the text order is known
        sections.by_section[section].append(d)

    def gen_when(self, ctx, seq):
        r = self.r
        decls = ctx.case.decls
        limit = r.randint(0, len(decls) - 1)
        readable = [d for d in decls if int(d.name[1:]) < limit] if limit > 0 else []
        w = When(self.gen_cond(readable))
        taken = {"config": [], "defaults": [], "force": []}
        for _ in range(r.randint(1, 3)):
            self.gen_def(ctx, w.sections, taken, seq, in_when=True, readable_limit=limit - 1)
        return w


class Ctx:
    def __init__(self, case):
        self.case, self.readable = case, []


def same_type(a, b):
    return a.toml() == b.toml() and a.kind != "submodule" and (a.kind != "enum" or a.values == b.values)


def order_of(wrapper):
    """The order a wrapper gives (DESIGN: before 500, after 1500, default 1000)."""
    if wrapper is None or wrapper.order is None:
        return 1000
    return ORDERS.get(wrapper.order, wrapper.order)


# A default comes after every definition of the same order (DESIGN's load order).
DEFAULT_TAG = (1000, float("inf"))


# Generators of further blocks, each (generator, ctx, seq) -> Block or None.
# `[[for]]` goes here when the engine has it (see ForBlock).
BLOCK_GENERATORS = []


# ---------------------------------------------------------------------------
# Comparison


def canon(t, v, tags, predict):
    """`v` (a JSON value of type `t`) made comparable: with `predict` (Nix's
    side), lists and lines whose every element is traced to its literal are
    put in DESIGN's order; lists and lines that are not are sorted (on both
    sides)."""
    if v is None or t is None:
        return v
    k = t.kind
    if k == "nullOr":
        return canon(t.elem, v, tags, predict)
    if k == "either":
        for side in (t.elem, t.alt):
            if fits(side, v):
                return canon(side, v, tags, predict)
        return v
    if k == "listOf" and isinstance(v, list):
        items = [canon(t.elem, x, tags, predict) for x in v]
        keys = [json.dumps(x, sort_keys=True) for x in items]
        if tags is not None and len(set(keys)) == len(keys) and all(k_ in tags for k_ in keys):
            if predict:
                order = sorted(range(len(items)), key=lambda i: tags[keys[i]])
                items = [items[i] for i in order]
            return items
        return sorted(items, key=lambda x: json.dumps(x, sort_keys=True))
    if k == "lines" and isinstance(v, str):
        pieces = v.split("\n")
        keys = [json.dumps(p) for p in pieces]
        if tags is not None and len(set(keys)) == len(keys) and all(k_ in tags for k_ in keys):
            if predict:
                pieces = sorted(pieces, key=lambda p: tags[json.dumps(p)])
            return "\n".join(pieces)
        return "\n".join(sorted(pieces))
    if k == "attrsOf" and isinstance(v, dict):
        return {key: canon(t.elem, x, tags, predict) for key, x in v.items()}
    if k == "submodule" and isinstance(v, dict):
        return {key: canon(t.options[key].type if key in t.options else None, x, tags, predict)
                for key, x in v.items()}
    return v


def fits(t, v):
    k = t.kind
    if k == "bool":
        return isinstance(v, bool)
    if k == "int":
        return isinstance(v, int) and not isinstance(v, bool)
    if k in ("str", "lines"):
        return isinstance(v, str)
    if k == "enum":
        return v in t.values
    if k == "listOf":
        return isinstance(v, list)
    if k in ("attrsOf", "submodule"):
        return isinstance(v, dict)
    if k == "nullOr":
        return v is None or fits(t.elem, v)
    if k == "either":
        return fits(t.elem, v) or fits(t.alt, v)
    return True


def compare(case, sysconf_result, nix_result):
    """Returns None when they agree, else a one-line reason."""
    code, out, err = sysconf_result
    if code not in (0, 1):
        return "sysconf exited %d: %s" % (code, err.strip().splitlines()[-1:] if err.strip() else "")
    nix_ok = "ok" in nix_result
    if code == 1 and not nix_ok:
        return None
    if code == 1:
        first = next((l for l in err.splitlines() if l.startswith("error")), err.strip()[:200])
        return "sysconf fails (%s), Nix gives %s" % (first, json.dumps(nix_result["ok"], sort_keys=True))
    got = json.loads(out)
    if not nix_ok:
        return "Nix fails, sysconf gives %s" % json.dumps(got, sort_keys=True)
    want = nix_result["ok"]
    tags = case.tags if case.exact_lists else None
    types = {d.name: d.type for d in case.decls}
    want_c = {k: canon(types.get(k), v, tags, True) for k, v in want.items()}
    got_c = {k: canon(types.get(k), v, tags, False) for k, v in got.items()}
    if want_c != got_c:
        return "sysconf gives %s, Nix %s" % (json.dumps(got_c, sort_keys=True), json.dumps(want_c, sort_keys=True))
    return None


# ---------------------------------------------------------------------------
# Running


def skip(reason):
    print("nix_oracle: SKIP: %s" % reason)
    sys.exit(77)


def prepare_nix(args):
    if not shutil.which("nix-instantiate"):
        skip("nix-instantiate is not installed (apt-get install -y --no-install-recommends nix-bin)")
    if not os.path.isfile(args.nixlib):
        skip("the nixpkgs lib tarball is missing: %s" % args.nixlib)
    libdir = os.path.join(args.scratch, "nixlib")
    stamp = os.path.join(libdir, ".unpacked")
    if not os.path.exists(stamp) or os.path.getmtime(stamp) < os.path.getmtime(args.nixlib):
        shutil.rmtree(libdir, ignore_errors=True)
        os.makedirs(libdir)
        with tarfile.open(args.nixlib) as tf:
            tf.extractall(libdir)
        open(stamp, "w").close()
    lib = os.path.join(libdir, "lib")
    if not os.path.isfile(os.path.join(lib, "default.nix")):
        skip("no lib/default.nix in %s" % args.nixlib)
    env = dict(os.environ, NIX_STATE_DIR=os.path.join(args.scratch, "nix-state"),
               NIX_CONF_DIR=os.path.join(args.scratch, "nix-conf"), HOME=args.scratch)
    os.makedirs(env["NIX_CONF_DIR"], exist_ok=True)
    with open(os.path.join(env["NIX_CONF_DIR"], "nix.conf"), "w") as f:
        f.write("build-users-group =\n")
    probe = subprocess.run(["nix-instantiate", "--readonly-mode", "--eval", "--strict", "--json", "--expr",
                            "(import %s).version or \"?\"" % lib], capture_output=True, text=True, env=env)
    if probe.returncode != 0:
        skip("nix-instantiate cannot evaluate nixpkgs lib: %s" % (probe.stderr.strip().splitlines() or ["?"])[-1])
    return lib, env


def run_nix(cases, lib, env, path):
    """Evaluates `cases` in one nix-instantiate; on a failure that tryEval
    could not catch, halves the batch to find the case. Returns a list of
    results: {"ok": ...}, {"error": true}, or {"abort": message}."""
    text = "let lib = import %s; in with lib; [\n%s\n]\n" % (lib, "\n".join(c.nix() for c in cases))
    with open(path, "w") as f:
        f.write(text)
    p = subprocess.run(["nix-instantiate", "--readonly-mode", "--eval", "--strict", "--json", path],
                       capture_output=True, text=True, env=env)
    if p.returncode == 0:
        return json.loads(p.stdout)
    if len(cases) == 1:
        return [{"abort": (p.stderr.strip().splitlines() or ["?"])[-1]}]
    half = len(cases) // 2
    return run_nix(cases[:half], lib, env, path) + run_nix(cases[half:], lib, env, path)


def write_tree(case, root):
    shutil.rmtree(root, ignore_errors=True)
    for name, text in case.toml_tree().items():
        p = os.path.join(root, name)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "w") as f:
            f.write(text)


def run_sysconf(sysconf, case, root):
    write_tree(case, root)
    p = subprocess.run([sysconf, "--color", "never", "--config", root, "--host", "h", "eval", "--json"],
                       capture_output=True, text=True, timeout=60)
    return p.returncode, p.stdout, p.stderr


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("sysconf")
    ap.add_argument("--nixlib", required=True, help="the nixpkgs lib tarball (shared/oracle/)")
    ap.add_argument("--scratch", required=True, help="a scratch directory (under the build tree)")
    ap.add_argument("--cases", type=int, default=1500)
    ap.add_argument("--seed", type=int, default=12)
    ap.add_argument("--batch", type=int, default=250)
    ap.add_argument("--show", type=int, default=5, help="disagreements to print in full")
    ap.add_argument("--only", type=int, help="run one case (its index)")
    ap.add_argument("--keep", action="store_true", help="keep every case's tree and Nix text")
    args = ap.parse_args(argv)
    args.scratch = os.path.abspath(args.scratch)
    os.makedirs(args.scratch, exist_ok=True)
    sysconf = os.path.abspath(args.sysconf)
    lib, env = prepare_nix(args)

    start = time.time()
    gen = Generator(random.Random(args.seed))
    cases = [gen.gen_case(i) for i in range(args.cases)]
    if args.only is not None:
        cases = [cases[args.only]]

    nix_results = [None] * len(cases)
    batches = [list(range(i, min(i + args.batch, len(cases)))) for i in range(0, len(cases), args.batch)]

    def nix_batch(b):
        res = run_nix([cases[i] for i in b], lib, env, os.path.join(args.scratch, "batch-%d.nix" % b[0]))
        for i, r in zip(b, res):
            nix_results[i] = r

    sys_results = [None] * len(cases)
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        nix_futures = [pool.submit(nix_batch, b) for b in batches]
        # sysconf runs are quick: one after the other in this thread, while Nix works.
        for i in range(len(cases)):
            sys_results[i] = run_sysconf(sysconf, cases[i], os.path.join(args.scratch, "tree"))
        for f in nix_futures:
            f.result()
    elapsed = time.time() - start

    failed_dir = os.path.join(args.scratch, "failed")
    shutil.rmtree(failed_dir, ignore_errors=True)
    agree_ok = agree_err = 0
    problems = []
    for case, s, n in zip(cases, sys_results, nix_results):
        if "abort" in n:
            problems.append((case, "Nix aborted (the generator wrote something tryEval cannot catch): " + n["abort"], s, n))
            continue
        why = compare(case, s, n)
        if why is None:
            if s[0] == 0:
                agree_ok += 1
            else:
                agree_err += 1
        else:
            problems.append((case, why, s, n))
        if args.keep or why is not None:
            d = os.path.join(failed_dir if why is not None else os.path.join(args.scratch, "cases"), "case-%d" % case.index)
            write_tree(case, d)
            with open(os.path.join(d, "case.nix"), "w") as f:
                f.write("let lib = import %s; in with lib;\n%s\n" % (lib, case.nix()))
            with open(os.path.join(d, "results.txt"), "w") as f:
                f.write("sysconf exit %d\n%s\n%s\nnix: %s\nwhy: %s\n" % (s[0], s[1], s[2], json.dumps(n), why))

    for case, why, s, n in problems[:args.show]:
        print("--- case %d: %s" % (case.index, why))
        for name, text in sorted(case.toml_tree().items()):
            print("# %s\n%s" % (name, text.rstrip()))
        print("# nix\n%s" % case.nix())
    print("nix_oracle: %d cases (seed %d) in %.1fs: %d agree (%d both evaluate, %d both fail), %d disagree"
          % (len(cases), args.seed, elapsed, agree_ok + agree_err, agree_ok, agree_err, len(problems)))
    if problems:
        print("nix_oracle: the disagreeing cases are in %s (sysconf tree, case.nix, results.txt)" % failed_dir)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

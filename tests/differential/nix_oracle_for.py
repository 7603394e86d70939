"""The `[[for]]` stream of nix_oracle.py: generated definitions against Nix.

Each case declares a few source options (attrsOf of str, int, bool or a job
submodule; listOf the same; a path into a submodule option), sometimes a
middle option that one block generates and another iterates, and target
options that [[for]] blocks define. The blocks use `as`, `if`, key templates
(`"x-{{ j.name }}"`), interpolation, whole values (`"{{ j.value.settings }}"`),
[for.config] / [for.defaults] / [for.force], `_priority` and `_order`,
[[for.for]] over the outer element, [[for.when]] and [[when.for]]; plain
definitions of the same targets meet them (merges, conflicts, priorities).

On the Nix side a definition generated under blocks is written at its
option's path, as a NixOS module must (a `config = mkMerge (mapAttrsToList
...)` at the top would be an infinite recursion in Nix), as
`opt = mkMerge (mapAttrsToList (n: v: mkIf COND { "x-${n}" = V; }) config.src)`,
or with `filterAttrs` / `optionalAttrs` in place of mkIf, `imap0` for a list,
and `mapAttrs'` + `nameValuePair` or `mapAttrs` where one block makes the
whole option.

List order: every list element a case writes is a string `e<id>` (plus
`|name` for each enclosing binding), so the element says which definition
and which instance wrote it; Nix's list is put in DESIGN's order (order, load
order and text position of the definition, then instances in key order, as
README's "generated list elements come in key order") and compared exactly.
A list holding a job's tags (passed whole, `"{{ j.value.tags }}"`) is
compared as a multiset.

Deliberate gaps in what is generated (each would be a false alarm):
- a source's element, and a list inside an element, is written by one
  definition at the priority that wins: a list merged from two definitions is
  in DESIGN's order in sysconf and in Nix's in Nix, and a nested [[for]] over
  it would name its elements by different indices;
- a key template reads only a name or a string field, and a template reads
  only fields every element has (sub-options all have defaults), so Nix never
  meets a missing attribute, which `builtins.tryEval` cannot catch;
- blocks only read options declared before those they define (no cycles, which
  Nix cannot catch either).
"""

import json

import nix_oracle as base
from nix_oracle import T, Decl, Def, Sections, Case, Wrapped, KEYS, WORDS

SECTIONS = ("config", "defaults", "force")
SECTION_PRIORITY = {"config": None, "defaults": 1000, "force": 50}


def job_type(named=False):
    """The job submodule job-typed options share (all sub-options defaulted);
    `named`: `s` defaults to the element's own key (NixOS's `{ name, ... }`)."""
    return (NamedJob if named else T)("submodule", options={
        "enable": Decl("enable", T("bool"), True, True),
        "s": Decl("s", T("str"), "s-{{ name }}" if named else "d", True),
        "n": Decl("n", T("int"), 0, True),
        "tags": Decl("tags", T("listOf", T("str")), [], True),
        "settings": Decl("settings", T("attrsOf", T("str")), {}, True),
    })


class NamedJob(T):
    """A job whose `s` defaults to "s-{{ name }}": in Nix, a submodule function."""

    def nix(self):
        opts = " ".join("%s = %s;" % (n, d.nix_decl()) for n, d in self.options.items() if n != "s")
        return ('(types.submodule ({ name, ... }: { options = { %s s = mkOption { type = types.str; '
                'default = "s-${name}"; }; }; }))' % opts)


# ---------------------------------------------------------------------------
# Bindings, templates and conditions


class Binding:
    """`as = var` over a source whose elements have type `elem`; `is_list`
    when it iterates a list (names are indices)."""

    def __init__(self, var, elem, is_list):
        self.var, self.elem, self.is_list = var, elem, is_list

    def nix_name(self):
        return self.var + "_n"

    def nix_value(self):
        return self.var + "_v"


class BRef:
    """`{{ var.name }}`, `{{ var.value }}` or `{{ var.value.field }}`; `kind`
    is the type kind of what it reads (str, int, bool, list, table)."""

    def __init__(self, b, field, kind):
        self.b, self.field, self.kind = b, field, kind

    def toml(self):
        return self.b.var + "." + ".".join(self.field)

    def nix(self):
        if self.field == ["name"]:
            return self.b.nix_name()
        return ".".join([self.b.nix_value()] + self.field[1:])

    def nix_text(self):
        if self.kind == "bool":
            return "(lib.boolToString %s)" % self.nix()
        return "(toString %s)" % self.nix()


class OptRef(BRef):
    """`{{ o0 }}`: an option (the bool flag) read in a block's template."""

    def __init__(self, decl):
        super().__init__(None, None, decl.type.kind)
        self.decl = decl

    def toml(self):
        return self.decl.name

    def nix(self):
        return "config." + self.decl.name


class BTmpl:
    """A string of literals and BRefs; `target` is the type at its position."""

    def __init__(self, parts, target):
        self.parts, self.target = parts, target

    def toml_text(self):
        return "".join("{{ %s }}" % p.toml() if isinstance(p, BRef) else p for p in self.parts)

    def lone(self):
        return len(self.parts) == 1 and isinstance(self.parts[0], BRef)

    def nix(self):
        if self.lone() and not (self.target is not None and self.target.takes_strings()):
            return self.parts[0].nix()  # sysconf passes the value itself
        return '"%s"' % "".join("${%s}" % p.nix_text() if isinstance(p, BRef) else base.nix_str(p)[1:-1]
                                for p in self.parts)


class BCond:
    """("lit", b) | ("ref", BRef of a bool) | ("opt", decl) | ("eq"|"ne", BRef, literal)
    | ("not", c) | ("and"|"or", a, b)."""

    def __init__(self, *node):
        self.node = node

    def toml(self):
        n = self.node
        if n[0] == "lit":
            return "true" if n[1] else "false"
        if n[0] == "ref":
            return n[1].toml()
        if n[0] == "opt":
            return n[1].name
        if n[0] == "not":
            return "!" + n[1].toml_atom()
        if n[0] in ("and", "or"):
            return "%s %s %s" % (n[1].toml_atom(), "&&" if n[0] == "and" else "||", n[2].toml_atom())
        return "%s %s %s" % (n[1].toml(), "==" if n[0] == "eq" else "!=", base.to_toml(n[2]))

    def toml_atom(self):
        return self.toml() if self.node[0] in ("lit", "ref", "opt") else "(%s)" % self.toml()

    def nix(self):
        n = self.node
        if n[0] == "lit":
            return "true" if n[1] else "false"
        if n[0] == "ref":
            return n[1].nix()
        if n[0] == "opt":
            return "config.%s" % n[1].name
        if n[0] == "not":
            return "(!%s)" % n[1].nix()
        if n[0] in ("and", "or"):
            return "(%s %s %s)" % (n[1].nix(), "&&" if n[0] == "and" else "||", n[2].nix())
        return "(%s %s %s)" % (n[1].nix(), "==" if n[0] == "eq" else "!=", base.to_nix(n[2]))


def val_toml(v):
    if isinstance(v, BTmpl):
        return base.toml_str(v.toml_text())
    if isinstance(v, list):
        return "[%s]" % ", ".join(val_toml(x) for x in v)
    if isinstance(v, dict):
        return "{ %s }" % ", ".join("%s = %s" % (base.toml_key(k), val_toml(x)) for k, x in v.items()) if v else "{}"
    if isinstance(v, Wrapped):
        parts = ["_value = " + val_toml(v.value)]
        if v.priority is not None:
            parts.append("_priority = %d" % v.priority)
        if v.order is not None:
            parts.append("_order = " + (base.toml_str(v.order) if isinstance(v.order, str) else str(v.order)))
        return "{ %s }" % ", ".join(parts)
    return base.to_toml(v)


def val_nix(v, prio=None):
    """Nix of a value; `prio` is the section's priority (None for [config]),
    which a wrapper's `_priority` replaces."""
    if isinstance(v, Wrapped):
        inner = val_nix(v.value)
        if v.order is not None:
            inner = "(mkOrder %d %s)" % (base.ORDERS.get(v.order, v.order), inner)
        prio = v.priority if v.priority is not None else prio
        return "(mkOverride %d %s)" % (prio, inner) if prio is not None else inner
    if prio is not None:
        return "(mkOverride %d %s)" % (prio, val_nix(v))
    if isinstance(v, BTmpl):
        return v.nix()
    if isinstance(v, list):
        return "[ %s ]" % " ".join(val_nix(x) for x in v)
    if isinstance(v, dict):
        return "{ %s }" % " ".join("%s = %s;" % (base.nix_key(k), val_nix(x)) for k, x in v.items())
    return base.to_nix(v)


def key_toml(k):
    return base.toml_str(k.toml_text()) if isinstance(k, BTmpl) else base.toml_key(k)


def key_nix(k):
    return k.nix() if isinstance(k, BTmpl) else base.nix_key(k)


# ---------------------------------------------------------------------------
# Blocks


class GDef:
    """A definition inside a block: `path` (option name, then keys that may
    be BTmpl), `value`, `section`, `id` (its text position, once known)."""

    def __init__(self, path, value, section, id_):
        self.path, self.value, self.section, self.id = path, value, section, id_

    def toml_line(self):
        return "%s = %s" % (".".join(key_toml(k) for k in self.path), val_toml(self.value))

    def leaf_nix(self):
        """The definition below its option: the value, in attrsets for the keys."""
        text = val_nix(self.value, SECTION_PRIORITY[self.section])
        for k in reversed(self.path[1:]):
            text = "{ %s = %s; }" % (key_nix(k), text)
        return text


class ForB:
    """[[for]]: `src` is the Nix expression of what `each` names (the TOML
    text is `each`); `nix_style` picks how the Nix side filters."""

    def __init__(self, each, src_nix, binding, cond, nix_style):
        self.each, self.src_nix, self.b, self.cond, self.nix_style = each, src_nix, binding, cond, nix_style
        self.sections = {s: [] for s in SECTIONS}
        self.children = []

    def head(self, prefix):
        out = ["[[%s]]" % prefix, "each = %s" % base.toml_str(self.each), "as = %s" % base.toml_str(self.b.var)]
        if self.cond is not None:
            out.append("if = %s" % base.toml_str(self.cond.toml()))
        return out

    def wrap(self, inner, whole_attrs):
        """Nix: `inner` (a definition's value, using the binding) made once per
        element and merged. `whole_attrs`: `inner` is an attrset, so
        `optionalAttrs` may filter."""
        n, v = self.b.nix_name(), self.b.nix_value()
        src, body = self.src_nix, inner
        if self.cond is not None:
            style = "mkIf" if getattr(self.cond, "bad", False) else self.nix_style
            if style == "filterAttrs" and not self.b.is_list:
                src = "(filterAttrs (%s: %s: %s) %s)" % (n, v, self.cond.nix(), src)
            elif style == "optionalAttrs" and whole_attrs:
                body = "(optionalAttrs %s %s)" % (self.cond.nix(), inner)
            else:
                body = "(mkIf %s %s)" % (self.cond.nix(), inner)
        fn = "imap0" if self.b.is_list else "mapAttrsToList"
        return "(mkMerge (%s (%s: %s: %s) %s))" % (fn, n, v, body, src)


class WhenB:
    def __init__(self, cond):
        self.cond = cond
        self.sections = {s: [] for s in SECTIONS}
        self.children = []

    def head(self, prefix):
        return ["[[%s]]" % prefix, "if = %s" % base.toml_str(self.cond.toml())]

    def wrap(self, inner, whole_attrs):
        return "(mkIf %s %s)" % (self.cond.nix(), inner)


def block_toml(block, prefix):
    out = block.head(prefix)
    for s in SECTIONS:
        if block.sections[s]:
            out.append("[%s.%s]" % (prefix, s))
            out.extend(d.toml_line() for d in block.sections[s])
    for child in block.children:
        out.extend(block_toml(child, prefix + "." + ("for" if isinstance(child, ForB) else "when")))
    return out


def block_defs(block):
    """Definitions in the order of the text."""
    out = [d for s in SECTIONS for d in block.sections[s]]
    for child in block.children:
        out.extend(block_defs(child))
    return out


def block_nix(block, chain, out):
    chain = chain + [block]
    for s in SECTIONS:
        for d in block.sections[s]:
            out.append("{ %s = %s; }" % (base.nix_key(d.path[0]), def_nix(d, chain)))
    for child in block.children:
        block_nix(child, chain, out)


def def_nix(d, chain):
    """Nix of `d` at its option's level, made under the blocks of `chain`."""
    # The one-block shapes NixOS modules write: mapAttrs / mapAttrs' over the source.
    f = chain[0]
    if (len(chain) == 1 and isinstance(f, ForB) and not f.b.is_list and len(d.path) == 2
            and isinstance(d.path[1], BTmpl) and f.nix_style in ("mapAttrs", "filterAttrs")
            and not getattr(f.cond, "bad", False)
            and any(isinstance(p, BRef) and p.field == ["name"] for p in d.path[1].parts)):
        n, v = f.b.nix_name(), f.b.nix_value()
        src = f.src_nix
        if f.cond is not None:
            src = "(filterAttrs (%s: %s: %s) %s)" % (n, v, f.cond.nix(), src)
        value = val_nix(d.value, SECTION_PRIORITY[d.section])
        k = d.path[1]
        if k.lone():
            return "(mapAttrs (%s: %s: %s) %s)" % (n, v, value, src)
        return "(mapAttrs' (%s: %s: nameValuePair %s %s) %s)" % (n, v, k.nix(), value, src)
    text = d.leaf_nix()
    whole_attrs = len(d.path) > 1
    for b in reversed(chain):
        text = b.wrap(text, whole_attrs)
    return text


class TopBlocks:
    """A module's top-level [[for]] and [[when]] blocks (a Block of nix_oracle)."""

    def __init__(self):
        self.blocks = []

    def defs(self):
        return [d for b in self.blocks for d in block_defs(b)]

    def toml(self):
        out = []
        for b in self.blocks:
            out.extend(block_toml(b, "for" if isinstance(b, ForB) else "when"))
            out.append("")
        return out

    def nix(self):
        out = []
        for b in self.blocks:
            block_nix(b, [], out)
        return out


# ---------------------------------------------------------------------------
# List order


class ForTags:
    """Stands in for a case's `tags` (see nix_oracle.canon): the JSON of a
    list element `e<id>|name|...` -> its place in DESIGN's order."""

    def __init__(self):
        self.info = {}  # id -> (order, definition id, [binding is a list])
        self.seq = {}   # definition id -> position in the text

    def _parse(self, key):
        try:
            s = json.loads(key)
        except ValueError:
            return None
        if not isinstance(s, str) or not s.startswith("e"):
            return None
        parts = s.split("|")
        try:
            i = int(parts[0][1:])
        except ValueError:
            return None
        if i not in self.info:
            return None
        order, def_id, lists = self.info[i]
        if len(parts) - 1 != len(lists):
            return None
        names = tuple(int(p) if is_list else p for p, is_list in zip(parts[1:], lists))
        return (order, self.seq.get(def_id, def_id), names, i)

    def __contains__(self, key):
        return self._parse(key) is not None

    def __getitem__(self, key):
        return self._parse(key)


# ---------------------------------------------------------------------------
# The generator


class ForGenerator:
    def __init__(self, rng):
        self.r = rng
        self.counter = 0

    def fresh(self):
        self.counter += 1
        return self.counter

    def gen_case(self, index):
        r = self.r
        self.tags = ForTags()
        self.traced = True  # list elements written now are `e<id>`, traced to their definition
        self.sure_keys = {}
        self.ids = 0
        job = job_type()
        named = job_type(named=True)
        # Half the cases name (and declare) the options in reverse, so that
        # eval forces what blocks define before what they iterate: the keys of
        # an iterated option are then found lazily, not from its value.
        reverse = r.random() < 0.5
        name = (lambda i: "o%d" % (99 - i)) if reverse else (lambda i: "o%d" % i)
        decls = [Decl(name(0), T("bool"), r.random() < 0.5, True)]
        self.o0 = decls[0]  # a flag conditions may read besides the bindings

        def add(t, default):
            d = Decl(name(len(decls)), t, default, True)
            decls.append(d)
            return d

        # Sources: what blocks iterate.
        sources = []
        for _ in range(r.choice([1, 1, 2])):
            kind = r.choice(["job", "job", "job", "str", "int", "bool", "list-str", "list-job", "path", "attrs"])
            if kind == "path":
                t = T("submodule", options={"items": Decl("items", T("attrsOf", T("str")), {}, True),
                                            "list": Decl("list", T("listOf", T("str")), [], True)})
                sources.append(add(t, {}))
            elif kind.startswith("list-"):
                e = job if kind == "list-job" else T("str")
                sources.append(add(T("listOf", e), []))
            else:
                e = {"job": named if r.random() < 0.4 else job, "attrs": T("attrsOf", T("str"))}.get(kind) or T(kind)
                default = {}
                if r.random() < 0.25:
                    default = {k: self.element(e) for k in r.sample(KEYS, r.randint(1, 2))}
                sources.append(add(T("attrsOf", e), default))
        # A middle option: generated from a source by one block, iterated by another.
        mid = add(T("attrsOf", r.choice([job, named])), {}) if r.random() < 0.35 else None
        # Targets.
        target_types = [T("attrsOf", T("str")), T("attrsOf", T("int")), T("attrsOf", T("bool")), T("attrsOf", job),
                        T("attrsOf", named), T("listOf", T("str")),
                        T("attrsOf", T("attrsOf", T("str"))), T("listOf", T("str")), T("str"), T("int")]
        targets = []
        for t in r.sample(target_types, r.randint(2, 4)):
            default = {"str": "d", "int": 0}.get(t.kind, [] if t.kind == "listOf" else {})
            targets.append(add(t, default))

        modules = [(Sections(), TopBlocks(), []) for _ in range(r.randint(1, 3))]
        for s in sources:
            self.define_source(s, modules)
        if mid is not None:
            if r.random() < 0.3:
                sec = r.choice(modules)[0]
                sec.by_section["config"].append(self.plain([mid.name, r.choice(KEYS)], {"s": r.choice(WORDS)}, "config"))
            # Lists written into the middle option are passed on whole by the
            # blocks that iterate it, so where they stand says nothing.
            self.traced = False
            self.add_block(r.choice(modules)[1], r.choice(sources), [mid], top_when=False)
            self.traced = True
            sources = sources + [mid]
        for _ in range(r.randint(1, 3)):
            self.add_block(r.choice(modules)[1], r.choice(sources), targets, top_when=r.random() < 0.15)
        # Plain definitions of the targets, meeting the generated ones.
        for _ in range(r.randint(0, 2)):
            t = r.choice(targets)
            sec, section = r.choice(modules)[0], r.choice(["config", "config", "defaults", "force"])
            if any(d.path[0] == t.name for d in sec.by_section[section]):
                continue
            key = r.choice(KEYS + ["x-a", "x-b", "x-0", "a"])
            if t.type.kind == "attrsOf" and t.type.elem.kind == "submodule" and r.random() < 0.5:
                # Into one sub-option: at the element's level it counts as [config].
                sub = r.choice(["s", "n"])
                v = r.choice(WORDS) if sub == "s" else r.choice([0, 1])
                sec.by_section[section].append(self.plain([t.name, key, sub], v, section))
            elif t.type.kind == "attrsOf":
                v = self.plain_value(t.type.elem)
                sec.by_section[section].append(self.plain([t.name, key], v, section))
            else:
                sec.by_section[section].append(self.plain([t.name], self.plain_value(t.type), section))

        case = Case(index, decls[::-1] if reverse else decls, [base.Module([sec] + whens + [top]) for sec, top, whens in modules])
        n = 0
        for m in case.modules:
            for b in m.blocks:
                for d in b.defs():
                    n += 1
                    self.tags.seq[d.id] = n
        case.tags = self.tags
        # A list holding an element not written as `e<id>` (a job's tags,
        # passed whole) is compared as a multiset: canon finds no trace of it.
        case.label = "for-%d" % index
        return case

    # -- sources
    def element(self, t):
        r = self.r
        if t.kind == "submodule":
            out = {}
            for name in r.sample(["enable", "s", "n", "tags", "settings"], r.randint(0, 3)):
                if name == "enable":
                    out[name] = r.random() < 0.7
                elif name == "s":
                    out[name] = r.choice(WORDS + KEYS)
                elif name == "n":
                    out[name] = r.choice([0, 1, 2, 42])
                elif name == "tags":
                    out[name] = ["t%d" % self.fresh() for _ in range(r.randint(0, 3))]
                else:
                    out[name] = {k: r.choice(WORDS) for k in r.sample(KEYS, r.randint(0, 2))}
            return out
        if t.kind == "attrsOf":
            return {k: r.choice(WORDS) for k in r.sample(KEYS, r.randint(0, 3))}
        if t.kind == "bool":
            return r.random() < 0.6
        if t.kind == "int":
            return r.choice([0, 1, 2, 42])
        return r.choice(WORDS + KEYS)

    def plain(self, path, value, section):
        self.ids += 1
        d = Def(path, value, section)
        d.id = "p%d" % self.ids
        return d

    def define_source(self, s, modules):
        """Definitions of a source: elements with disjoint keys, each written once."""
        r = self.r
        t = s.type
        if t.kind == "submodule":  # the path source: cfg.items / cfg.list
            value = {"items": {k: r.choice(WORDS) for k in r.sample(KEYS, r.randint(0, 3))},
                     "list": [r.choice(WORDS + KEYS) for _ in range(r.randint(0, 3))]}
            r.choice(modules)[0].by_section["config"].append(self.plain([s.name], value, "config"))
            return
        if t.kind == "listOf":
            if r.random() < 0.85:
                value = [self.element(t.elem) for _ in range(r.randint(0, 3))]
                section = r.choice(["config", "config", "defaults"])
                r.choice(modules)[0].by_section[section].append(self.plain([s.name], value, section))
            return
        keys = r.sample(KEYS, r.randint(0, 4))
        # Keys that are surely elements (a path may reach into them): those of
        # definitions that count, when no whole definition of a better priority drops them.
        self.sure_keys[s.name] = [] if len(keys) > 0 else list(s.default.keys())
        groups = {}
        for k in keys:
            groups.setdefault(r.randrange(3), []).append(k)
        for g, ks in groups.items():
            module = r.choice(modules)
            if r.random() < 0.12:
                # Elements that exist only while the flag holds (NixOS's mkIf).
                w = base.When(base.Cond("opt", self.o0) if r.random() < 0.5 else base.Cond("not", base.Cond("opt", self.o0)))
                value = {k: self.element(t.elem) for k in ks}
                w.sections.by_section["config"].append(self.plain([s.name], value, "config"))
                module[2].append(w)
                continue
            sec = module[0]
            section = "defaults" if r.random() < 0.15 else "config"
            if any(d.path[0] == s.name for d in sec.by_section[section]):
                section = "force" if section == "config" else "config"
                if any(d.path[0] == s.name for d in sec.by_section[section]):
                    continue
            if g == 0 or len(ks) > 1:
                value = {k: self.element(t.elem) for k in ks}
                if r.random() < 0.1:
                    value = Wrapped(value, r.choice([75, 1000, 2000]), None)
                    self.sure_keys[s.name] = None  # it may lose to the default
                sec.by_section[section].append(self.plain([s.name], value, section))
                if section != "config":
                    self.sure_keys[s.name] = None if section == "force" else self.sure_keys[s.name]
                    continue
            else:
                value = self.element(t.elem)
                sec.by_section[section].append(self.plain([s.name, ks[0]], value, section))
            if self.sure_keys[s.name] is not None and not isinstance(value, Wrapped):
                self.sure_keys[s.name].extend(ks)

    def plain_value(self, t):
        r = self.r
        k = t.kind
        if k == "listOf":
            items = []
            for _ in range(r.randint(1, 2)):
                i = self.fresh()
                self.tags.info[i] = (1000, "p%d" % (self.ids + 1), [])
                items.append("e%d" % i)
            return items
        if k == "attrsOf":
            return {r.choice(KEYS): r.choice(WORDS)}
        if k == "submodule":
            return {"s": r.choice(WORDS), "n": r.choice([0, 1])}
        if k == "bool":
            return r.random() < 0.5
        if k == "int":
            return r.choice([0, 1, 2])
        return r.choice(WORDS + ["x-a", "a"])

    # -- blocks
    def binding_for(self, src, outer):
        """(each text, Nix source, Binding) for iterating `src` (a Decl) at the top."""
        r = self.r
        var = r.choice(["j", "job", "x", "item"])
        while outer and var in [b.var for b in outer]:
            var = var + "2"
        t = src.type
        if t.kind == "submodule":
            field = r.choice(["items", "list"])
            ft = t.options[field].type
            return "%s.%s" % (src.name, field), "config.%s.%s" % (src.name, field), Binding(var, ft.elem, ft.kind == "listOf")
        sure = self.sure_keys.get(src.name)
        if t.elem.kind == "submodule" and sure and r.random() < 0.3:
            # A path into one element that surely exists: `each = "o1.a.settings"`.
            key, field = r.choice(sure), r.choice(["tags", "settings"])
            ft = t.elem.options[field].type
            return ("%s.%s.%s" % (src.name, base.toml_key(key), field),
                    "config.%s.%s.%s" % (src.name, base.nix_key(key), field), Binding(var, ft.elem, ft.kind == "listOf"))
        return src.name, "config.%s" % src.name, Binding(var, t.elem, t.kind == "listOf")

    def gen_cond(self, bindings, depth=0):
        r = self.r
        c = r.random()
        if depth == 0 and c < 0.03:
            # Not a bool: an error in both. Nix checks it in mkIf only
            # (filterAttrs would fail in a way tryEval cannot catch).
            b = bindings[-1]
            cond = BCond("ref", BRef(b, ["name"], "str"))
            cond.bad = True
            return cond
        if depth == 0 and c < 0.2:
            return BCond(r.choice(["and", "or"]), self.gen_cond(bindings, 1), self.gen_cond(bindings, 1))
        if c < 0.3:
            return BCond("not", self.gen_cond(bindings, depth + 1))
        b = r.choice(bindings)
        e = b.elem
        choices = [lambda: BCond("opt", self.o0)]
        if b.is_list:
            choices.append(lambda: BCond(r.choice(["eq", "ne"]), BRef(b, ["name"], "int"), r.choice([0, 1])))
        else:
            choices.append(lambda: BCond(r.choice(["eq", "ne"]), BRef(b, ["name"], "str"), r.choice(KEYS)))
        if e.kind == "submodule":
            choices.append(lambda: BCond("ref", BRef(b, ["value", "enable"], "bool")))
            choices.append(lambda: BCond("ref", BRef(b, ["value", "enable"], "bool")))
            choices.append(lambda: BCond(r.choice(["eq", "ne"]), BRef(b, ["value", "n"], "int"), r.choice([0, 1, 42])))
            choices.append(lambda: BCond(r.choice(["eq", "ne"]), BRef(b, ["value", "s"], "str"), r.choice(WORDS)))
        elif e.kind == "bool":
            choices.append(lambda: BCond("ref", BRef(b, ["value"], "bool")))
        elif e.kind == "attrsOf":
            choices.append(lambda: BCond(r.choice(["eq", "ne"]), BRef(b, ["value"], "table"), {}))
        else:
            choices.append(lambda: BCond(r.choice(["eq", "ne"]), BRef(b, ["value"], e.kind), self.element(e)))
        return r.choice(choices)()

    def refs(self, bindings, kind):
        """References of `kind` (str: anything printable; int; bool; table; list)."""
        out = []
        for b in bindings:
            e = b.elem
            if kind in ("str", "int") and b.is_list:
                out.append(BRef(b, ["name"], "int"))
            if kind == "str" and not b.is_list:
                out.append(BRef(b, ["name"], "str"))
            if e.kind == "submodule":
                fields = {"str": ["s", "n", "enable"], "int": ["n"], "bool": ["enable"], "table": ["settings"],
                          "list": ["tags"]}[kind]
                kinds = {"s": "str", "n": "int", "enable": "bool", "settings": "table", "tags": "list"}
                out.extend(BRef(b, ["value", f], kinds[f]) for f in fields)
            elif e.kind == "attrsOf":
                if kind == "table":
                    out.append(BRef(b, ["value"], "table"))
            elif e.kind == kind or (kind == "str" and e.kind in ("int", "bool")):
                out.append(BRef(b, ["value"], e.kind))
        return out

    def key_template(self, bindings):
        """A key for an attrsOf element: names (unique per element) or a string field."""
        r = self.r
        b = bindings[-1]
        name = BRef(b, ["name"], "int" if b.is_list else "str")
        c = r.random()
        if c < 0.35:
            return BTmpl([name], T("str"))
        if c < 0.7:
            return BTmpl(["x-", name], T("str"))
        if c < 0.75:
            return BTmpl([name, "-", OptRef(self.o0)], T("str"))
        if c < 0.85 and len(bindings) > 1:
            outer = bindings[0]
            return BTmpl([BRef(outer, ["name"], "int" if outer.is_list else "str"), "-", name], T("str"))
        strs = [x for x in self.refs(bindings, "str") if x.kind == "str" and x.field != ["name"]]
        if strs:
            return BTmpl([r.choice(strs)], T("str"))  # may repeat: elements then merge
        return BTmpl([name], T("str"))

    def text(self, bindings, t):
        r = self.r
        refs = self.refs(bindings, "str")
        c = r.random()
        if c < 0.15 or not refs:
            return r.choice(WORDS)
        if c < 0.55:
            return BTmpl([r.choice(refs)], t)
        if c < 0.6:
            return BTmpl([r.choice(refs), "/", OptRef(self.o0)], t)
        return BTmpl(["v-", r.choice(refs), "-", r.choice(refs)], t)

    def gen_value(self, t, bindings, def_id):
        """A value of type `t` for a generated definition."""
        r = self.r
        k = t.kind
        if r.random() < 0.02:
            # A type error now and then: a name or a table where it does not
            # fit (never a table into a string: Nix's toString of a set is an
            # error tryEval cannot catch).
            wrong = [x for x in self.refs(bindings, "str") + self.refs(bindings, "table")
                     if x.kind == "str" and k in ("int", "bool", "listOf", "attrsOf", "submodule")
                     or x.kind == "table" and k in ("int", "bool", "listOf")]
            if wrong:
                return BTmpl([r.choice(wrong)], t)
        if k in ("str",):
            return self.text(bindings, t)
        if k in ("int", "bool"):
            refs = self.refs(bindings, k)
            if refs and r.random() < 0.8:
                return BTmpl([r.choice(refs)], t)
            return self.plain_value(t)
        if k == "listOf":
            tables = self.refs(bindings, "list")
            if tables and r.random() < 0.15:
                return BTmpl([r.choice(tables)], t)
            items = []
            for _ in range(r.randint(1, 2)):
                i = self.fresh()
                if self.traced:
                    self.tags.info[i] = (1000, def_id, [b.is_list for b in bindings])
                items.append(BTmpl(["e%d" % i if self.traced else "f%d" % i] + [p for b in bindings for p in ("|", BRef(b, ["name"], "x"))], T("str")))
            return items
        if k == "attrsOf":
            tables = self.refs(bindings, "table")
            if t.elem.kind == "str" and tables and r.random() < 0.5:
                return BTmpl([r.choice(tables)], t)  # a whole table
            return {r.choice(KEYS): self.gen_value(t.elem, bindings, def_id)}
        if k == "submodule":
            out = {}  # now and then `{}`: the element with its defaults
            for name in r.sample(["enable", "s", "n", "tags", "settings"], r.randint(0, 3)):
                v = self.gen_value(t.options[name].type, bindings, def_id)
                if r.random() < 0.15 and name != "tags":
                    v = Wrapped(v, r.choice([40, 75, 1000, 2000]), None)  # `_priority` inside
                out[name] = v
            return out
        raise ValueError(k)

    def gen_def(self, block, bindings, targets, taken):
        r = self.r
        target = r.choice(targets)
        section = r.choice(["config", "config", "config", "defaults", "force"])
        self.ids += 1
        def_id = "g%d" % self.ids
        t = target.type
        path = [target.name]
        if t.kind == "attrsOf":
            path.append(self.key_template(bindings))
            t = t.elem
            if t.kind == "submodule" and r.random() < 0.4:
                name = r.choice(["s", "n", "enable", "settings", "tags"])
                path.append(name)
                t = t.options[name].type
            elif t.kind == "attrsOf" and r.random() < 0.3:
                path.append(r.choice(KEYS))
                t = t.elem
        # A whole element copied from a job (`"{{ j.value }}"`), as settings are.
        if t.kind == "submodule" and bindings[-1].elem.kind == "submodule" and r.random() < 0.3:
            value = BTmpl([BRef(bindings[-1], ["value"], "table")], t)
        else:
            value = self.gen_value(t, bindings, def_id)
        # A wrapper now and then: a priority, or a list's order.
        if r.random() < 0.2:
            prio = r.choice([None, 40, 75, 100, 1000, 2000])
            order = r.choice([None, "before", "after", 800]) if t.kind == "listOf" else None
            if prio is None and order is None:
                prio = 75
            if order is not None:
                for p in (value if isinstance(value, list) and self.traced else []):
                    i = int(p.parts[0][1:])
                    self.tags.info[i] = (base.ORDERS.get(order, order),) + self.tags.info[i][1:]
            value = Wrapped(value, prio, order)
        key_text = [p.toml_text() if isinstance(p, BTmpl) else p for p in path]
        for p in taken[section]:
            n = min(len(p), len(key_text))
            if p[:n] == key_text[:n]:
                return  # TOML cannot define a key twice, or inside an inline table
        taken[section].append(key_text)
        block.sections[section].append(GDef(path, value, section, def_id))

    def fill(self, block, bindings, targets, depth):
        """Definitions and nested blocks of `block`."""
        r = self.r
        taken = {s: [] for s in SECTIONS}
        for _ in range(r.randint(1, 3)):
            self.gen_def(block, bindings, targets, taken)
        if depth < 2 and r.random() < 0.3:
            w = WhenB(self.gen_cond(bindings))
            self.fill(w, bindings, targets, depth + 1)
            block.children.append(w)
        inner = bindings[-1]
        if depth < 2 and inner.elem.kind in ("submodule", "attrsOf") and r.random() < 0.35:
            # Over a list or a table in the outer element, or the element itself.
            if inner.elem.kind == "submodule":
                field = r.choice(["tags", "settings"])
                ft = inner.elem.options[field].type
                each, src = "%s.value.%s" % (inner.var, field), "%s.%s" % (inner.nix_value(), field)
            else:
                ft = inner.elem
                each, src = "%s.value" % inner.var, inner.nix_value()
            var = r.choice(["t", "k", "s"])
            b = Binding(var, ft.elem, ft.kind == "listOf")
            f = ForB(each, src, b,
                     self.gen_cond(bindings + [b]) if r.random() < 0.3 else None,
                     r.choice(["mkIf", "filterAttrs", "optionalAttrs"]))
            self.fill(f, bindings + [b], targets, depth + 1)
            block.children.append(f)

    def add_block(self, top, src, targets, top_when):
        r = self.r
        each, src_nix, b = self.binding_for(src, [])
        cond = self.gen_cond([b]) if r.random() < 0.5 else None
        f = ForB(each, src_nix, b, cond, r.choice(["mkIf", "filterAttrs", "optionalAttrs", "mapAttrs"]))
        self.fill(f, [b], targets, 0)
        if top_when:
            w = WhenB(BCond("opt", self.o0) if r.random() < 0.7 else BCond("not", BCond("opt", self.o0)))
            w.children.append(f)
            top.blocks.append(w)
        else:
            top.blocks.append(f)

#!/usr/bin/env python3
"""The `[[for]]` benchmark workload, written both as Nix and as sysconf TOML.

Usage:
    gen_for_workload.py N OUTDIR [--seed S] [--shared DIR]

The existing workload (shared/bench/gen_nix_modules.py, translated by
gen_sysconf_tree.py), plus, in one module in ten (i mod 10 == 3), an
attrsOf-submodule option `mods.m<i>.instances` of 10 to 50 elements (names,
ports, some disabled, some with their own user; all drawn from a
random.Random seeded with S and i, so the same N and S give the same files)
and definitions generated from it, once per enabled element:

    mods.m<i>.services.<name>           a submodule entry (port, user, text)
    environment.etc."m<i>/<name>.conf"  a file entry of the global etc
    environment.systemPackages          one package name appended
    mods.m<i>.ports                     the element's port appended (listOf int)

In TOML this is one `[[for]]` block with `if = "inst.value.enable"`; in Nix,
what NixOS modules write: `mapAttrs` and `mapAttrs'` over a `filterAttrs`,
`mapAttrsToList`, and `mkMerge (mapAttrsToList (n: v: mkIf v.enable ...))`.
The instances' `user` defaults to "svc-<name>" (`{{ name }}` in sysconf,
`{ name, ... }:` in Nix).

Writes OUTDIR/nix (entry.nix and the modules, as gen_nix_modules.py does,
plus its workload.json, which describes only the existing part) and
OUTDIR/tree (a sysconf tree for host "bench"). The two evaluate to the same
configuration up to list order and the order of `lines`
(compare_eval_json.py checks exactly that).
Standard library only.
"""

import argparse
import os
import random
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_SHARED = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(HERE))), "shared", "bench")

EVERY = 10        # one module in EVERY has a [[for]] block ...
REMAINDER = 3     # ... the ones with i mod EVERY == REMAINDER
MIN_ELEMENTS, MAX_ELEMENTS = 10, 50
WORDS = ("web", "api", "db", "cache", "queue", "auth", "mail", "dns", "log", "metrics")


def for_modules(n):
    return [i for i in range(n) if i % EVERY == REMAINDER]


def instances(seed, i):
    """The elements of mods.m<i>.instances: [(name, {port, enable?, user?})],
    in the order they are written. Only what differs from a default is set,
    as a user would write it."""
    rng = random.Random("%d:%d" % (seed, i))
    out = []
    for k in range(rng.randint(MIN_ELEMENTS, MAX_ELEMENTS)):
        name = "%s-%02d" % (rng.choice(WORDS), k)
        value = {"port": 40000 + rng.randrange(20000)}
        if rng.random() < 0.2:
            value["enable"] = False
        if rng.random() < 0.3:
            value["user"] = "user-%d" % rng.randrange(100)
        out.append((name, value))
    return out


# ------------------------------------------------------------------ TOML side

def toml_part(i, elements, toml):
    """(lines for [config], the declarations and the [[for]] block)."""
    config = ["mods.m%d.instances.%s = %s" % (i, toml.toml_key(name), toml.toml_value(value))
              for name, value in elements]
    p = "options.mods.m%d" % i
    tail = """
[%(p)s.instances]
type = "attrsOf(submodule)"
default = {}
[%(p)s.instances.options.enable]
type = "bool"
default = true
[%(p)s.instances.options.port]
type = "int"
default = 8080
[%(p)s.instances.options.user]
type = "str"
default = "svc-{{ name }}"

[%(p)s.services]
type = "attrsOf(submodule)"
default = {}
[%(p)s.services.options.port]
type = "int"
default = 0
[%(p)s.services.options.user]
type = "str"
default = "nobody"
[%(p)s.services.options.description]
type = "str"
default = ""

[%(p)s.ports]
type = "listOf(int)"
default = []

[[for]]
each = "mods.m%(i)d.instances"
as = "inst"
if = "inst.value.enable"
[for.config]
mods.m%(i)d.services."{{ inst.name }}" = { port = "{{ inst.value.port }}", user = "{{ inst.value.user }}", description = "instance {{ inst.name }} of m%(i)d on port {{ inst.value.port }}" }
environment.etc."m%(i)d/{{ inst.name }}.conf" = { text = "port={{ inst.value.port }}\\nuser={{ inst.value.user }}", mode = "0640" }
environment.systemPackages = ["m%(i)d-{{ inst.name }}"]
mods.m%(i)d.ports = ["{{ inst.value.port }}"]
""" % {"p": p, "i": i}
    return config, tail


def toml_module(base_text, i, elements, toml):
    config, tail = toml_part(i, elements, toml)
    # The elements go into the module's one [config] table (rule b3 always
    # writes one): TOML forbids reopening `config.mods` under a new header.
    anchor = "\n[config]\n"
    assert base_text.count(anchor) == 1, "m%d has no single [config] table" % i
    head, rest = base_text.split(anchor)
    return head + anchor + "\n".join(config) + "\n" + rest + tail


# ------------------------------------------------------------------- Nix side

def nix_module(base_text, i, elements, nix):
    options = """\
    instances = mkOption {
      type = types.attrsOf (types.submodule ({ name, ... }: {
        options = {
          enable = mkOption { type = types.bool; default = true; };
          port = mkOption { type = types.int; default = 8080; };
          user = mkOption { type = types.str; default = "svc-${name}"; };
        };
      }));
      default = { };
    };
    services = mkOption {
      type = types.attrsOf (types.submodule {
        options = {
          port = mkOption { type = types.int; default = 0; };
          user = mkOption { type = types.str; default = "nobody"; };
          description = mkOption { type = types.str; default = ""; };
        };
      });
      default = { };
    };
    ports = mkOption { type = types.listOf types.int; default = [ ]; };
"""
    defined = "".join("        %s = %s;\n" % (nix.nix_key(name), nix.nix_value(value))
                      for name, value in elements)
    config = """\
    (let enabled = lib.filterAttrs (n: v: v.enable) cfg.instances; in {
      mods.m%(i)d.instances = {
%(defined)s      };
      mods.m%(i)d.services = lib.mapAttrs (n: v: {
        port = v.port;
        user = v.user;
        description = "instance ${n} of m%(i)d on port ${toString v.port}";
      }) enabled;
      environment.etc = lib.mapAttrs' (n: v: lib.nameValuePair "m%(i)d/${n}.conf" {
        text = "port=${toString v.port}\\nuser=${v.user}";
        mode = "0640";
      }) enabled;
      environment.systemPackages = lib.mapAttrsToList (n: v: "m%(i)d-${n}") enabled;
      mods.m%(i)d.ports = mkMerge (lib.mapAttrsToList (n: v: mkIf v.enable [ v.port ]) cfg.instances);
    })
""" % {"i": i, "defined": defined}
    opt_anchor = "  options.mods.m%d = {\n" % i
    end_anchor = "\n  ];\n}\n"
    assert base_text.count(opt_anchor) == 1 and base_text.endswith(end_anchor), \
        "m%d.nix is not laid out as gen_nix_modules.py wrote it" % i
    text = base_text.replace(opt_anchor, opt_anchor + options)
    return text[:-len(end_anchor)] + "\n" + config + end_anchor[1:]


# ------------------------------------------------------------------ the files

def load_generators(shared):
    sys.path.insert(0, shared)
    sys.path.insert(0, HERE)
    import gen_nix_modules
    import gen_sysconf_tree
    return gen_nix_modules, gen_sysconf_tree


def write(n, outdir, seed, shared):
    nix, toml = load_generators(shared)
    nixdir, treedir = os.path.join(outdir, "nix"), os.path.join(outdir, "tree")
    spec = nix.write_workload(n, nixdir)
    toml.write_tree(spec, treedir)
    by_name = {m["name"]: m for m in spec["modules"]}
    count = 0
    for i in for_modules(n):
        mod = by_name["m%d" % i]
        elements = instances(seed, i)
        count += len(elements)
        nix_path = os.path.join(nixdir, mod["file"])
        toml_path = os.path.join(treedir, toml.toml_file_name(mod["file"]))
        with open(nix_path) as f:
            nix_text = f.read()
        with open(toml_path) as f:
            toml_text = f.read()
        with open(nix_path, "w") as f:
            f.write(nix_module(nix_text, i, elements, nix))
        with open(toml_path, "w") as f:
            f.write(toml_module(toml_text, i, elements, toml))
    return len(for_modules(n)), count


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("n", type=int)
    ap.add_argument("outdir")
    ap.add_argument("--seed", type=int, default=12)
    ap.add_argument("--shared", default=DEFAULT_SHARED, help="shared/bench (gen_nix_modules.py)")
    args = ap.parse_args(argv[1:])
    blocks, elements = write(args.n, args.outdir, args.seed, args.shared)
    print("wrote N=%d with %d [[for]] blocks over %d elements to %s"
          % (args.n, blocks, elements, args.outdir))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

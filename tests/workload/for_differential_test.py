#!/usr/bin/env python3
"""Differential test of the `[[for]]` benchmark workload against real Nix.

usage: for_differential_test.py SYSCONF --scratch DIR [--nixlib TGZ] N...

For each N: gen_for_workload.py writes the workload as a sysconf tree and as
Nix modules (mapAttrs, filterAttrs, mkMerge over mapAttrsToList); the real
`sysconf eval --json` and `nix-instantiate --eval --strict --json` evaluate
them, and compare_eval_json.py compares the two (lists and lines as
multisets, as DESIGN's list order differs from Nix's). It also checks that
the blocks generated something, so that two empty results cannot agree.
Keeps the benchmark's generator from rotting.
Exit status: 0 when they agree at every N, 1 otherwise, 77 (a skip for
ctest) with one line saying why when Nix cannot be used, 2 on a usage error.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import compare_eval_json  # noqa: E402
import gen_for_workload  # noqa: E402
import nix_eval  # noqa: E402


def run(argv, out, env=None):
    with open(out, "w") as f:
        p = subprocess.run(argv, stdout=f, stderr=subprocess.PIPE, text=True, env=env)
    if p.returncode != 0:
        sys.stderr.write(p.stderr)
        raise SystemExit("for_differential_test: failed (%d): %s" % (p.returncode, " ".join(argv)))
    with open(out) as f:
        return json.load(f)


def check(sysconf, n, scratch, lib, env):
    base = os.path.join(scratch, "n%d" % n)
    shutil.rmtree(base, ignore_errors=True)
    gen_for_workload.write(n, base, seed=12, shared=gen_for_workload.DEFAULT_SHARED)
    ours = run([sysconf, "--config", os.path.join(base, "tree"), "--host", "bench", "--color", "never",
                "eval", "--json"], os.path.join(base, "sysconf.json"))
    theirs = run(nix_eval.evaluation_argv(os.path.join(base, "nix", "entry.nix"), lib),
                 os.path.join(base, "nix.json"), env=env)
    generated = sum(len(ours["mods"]["m%d" % i]["services"]) for i in gen_for_workload.for_modules(n))
    if generated == 0:
        print("N=%d: the [[for]] blocks generated no service" % n)
        return False
    diff = compare_eval_json.compare(ours, theirs)
    if diff:
        print("N=%d: sysconf and Nix differ (kept in %s):" % (n, base))
        for d in diff:
            print("  " + d)
        return False
    print("N=%d: sysconf and Nix agree, %d generated services" % (n, generated))
    shutil.rmtree(base, ignore_errors=True)
    return True


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("sysconf")
    ap.add_argument("sizes", nargs="+", type=int)
    ap.add_argument("--scratch", required=True)
    ap.add_argument("--nixlib", default=nix_eval.DEFAULT_NIXLIB)
    args = ap.parse_args()
    os.makedirs(args.scratch, exist_ok=True)
    try:
        lib, env = nix_eval.prepare(args.nixlib, args.scratch)
    except nix_eval.Unavailable as e:
        print("for_differential_test: SKIP: %s" % e)
        return 77
    ok = all([check(os.path.abspath(args.sysconf), n, args.scratch, lib, env) for n in args.sizes])
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

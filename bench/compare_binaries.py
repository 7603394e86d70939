#!/usr/bin/env python3
"""Two sysconf binaries side by side, in one run: before and after a change.

Usage (from the repository):
    python3 bench/compare_binaries.py BEFORE AFTER [--runs 7] [--scratch DIR]
                                      [--before-repo DIR]

Times, alternating the two binaries run by run so that the machine's load
falls on both alike (one untimed warm-up each, then --runs timed runs):
    eval N=10,000      `eval --json` of the synthetic workload (run_bench.py's)
    for N=10,000       `eval --json` of the [[for]] workload (for_bench.py's)
    vivobook dry       `switch --dry-run` of the Vivobook configuration on a
                       fresh scratch root (each binary with its own
                       repository's library: --before-repo, else this one)
The two binaries must print the same `eval --json` for both workloads
before anything is timed. Prints the medians (wall and CPU) and AFTER's
ratio to BEFORE; a benchmark, never a test: nothing fails on a slow machine.
"""

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile

import for_bench
import run_bench

N = 10000


def copy_repo(repo, into):
    """The configuration as a user has it (no build trees, no git, no test
    caches, which hold device nodes): sysconf.toml, hosts, home, modules."""
    shutil.rmtree(into, ignore_errors=True)
    os.makedirs(into)
    shutil.copy(os.path.join(repo, "sysconf.toml"), into)
    for part in ("hosts", "home", "modules"):
        shutil.copytree(os.path.join(repo, part), os.path.join(into, part), symlinks=True)
    return into


def alternate(commands, runs):
    """commands: {label: (argv, before)}; returns {label: [(wall, cpu)]}."""
    samples = {label: [] for label in commands}
    for i in range(runs + 1):
        for label, (argv, before) in commands.items():
            if before:
                before()
            wall, _, _, cpu = run_bench.run_timed(argv)
            if i > 0:
                samples[label].append((wall, cpu))
    return samples


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("before")
    ap.add_argument("after")
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--scratch")
    ap.add_argument("--before-repo", help="the repository BEFORE was built from (its library and Vivobook)")
    args = ap.parse_args()
    binaries = {"before": os.path.abspath(args.before), "after": os.path.abspath(args.after)}
    scratch = args.scratch or tempfile.mkdtemp(prefix="sysconf-compare-")
    os.makedirs(scratch, exist_ok=True)

    _, tree = run_bench.generate(N, scratch)
    for_tree = os.path.join(for_bench.generate(N, scratch), "tree")
    rows = []
    for name, workload in (("eval N=10,000", tree), ("for N=10,000", for_tree)):
        outputs = {}
        for label, binary in binaries.items():
            argv = [binary, "--config", workload, "--host", "bench", "--color", "never", "eval", "--json"]
            outputs[label] = run_bench.run_timed(argv, stdout=None)[2]
        if outputs["before"] != outputs["after"]:
            raise SystemExit(f"{name}: the two binaries evaluate the workload differently")
        rows.append((name, {label: ([binary, "--config", workload, "--host", "bench", "--color", "never", "eval",
                                     "--json"], None) for label, binary in binaries.items()}))

    repos = {"before": copy_repo(args.before_repo or run_bench.REPO, os.path.join(scratch, "repo-before")),
             "after": copy_repo(run_bench.REPO, os.path.join(scratch, "repo-after"))}
    dry = {}
    for label, binary in binaries.items():
        root = os.path.join(scratch, "root-" + label)

        def fresh(root=root):
            shutil.rmtree(root, ignore_errors=True)
            os.makedirs(root)
        dry[label] = ([binary, "--config", repos[label], "--root", root, "--host", "vivobook", "--color", "never",
                       "switch", "--dry-run"], fresh)
    rows.append(("vivobook switch --dry-run", dry))

    print(f"{args.runs} runs each, alternating; medians, wall (CPU) in ms")
    print("| workload | before | after | after / before |")
    print("|---|--:|--:|--:|")
    for name, commands in rows:
        samples = alternate(commands, args.runs)
        med = {label: (statistics.median(w for w, _ in s) * 1000, statistics.median(c for _, c in s) * 1000)
               for label, s in samples.items()}
        b, a = med["before"], med["after"]
        print(f"| {name} | {b[0]:.1f} ({b[1]:.1f}) | {a[0]:.1f} ({a[1]:.1f}) | "
              f"{a[0] / b[0]:.2f} ({a[1] / b[1]:.2f}) |", flush=True)
    if not args.scratch:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()

"""The `[[for]]` benchmark (issue 12): `run_bench.py --for`.

For each N: tests/workload/gen_for_workload.py writes the workload (the
existing one, plus one module in ten generating its definitions from 10-50
instances) as a sysconf tree and as Nix modules; real Nix evaluates it once
(the Nix warm-up), and its result must equal `sysconf eval --json`'s
(compare_eval_json.py: lists and lines as multisets). Then whole processes
are timed: `sysconf eval --json` (one warm-up, --runs runs), nix-instantiate
(--nix-runs runs), and the toml++ floor on the same tree. In the same run,
the existing workload at the largest N: `eval --json` against the floor.
Wall and CPU (user + system of the child) are both reported: the machine is
shared, and CPU time is what others' compiling inflates least.
"""

import datetime
import json
import os
import shutil
import subprocess
import sys

import run_bench

sys.path.insert(0, os.path.join(run_bench.REPO, "tests", "workload"))
import compare_eval_json  # noqa: E402
import gen_for_workload  # noqa: E402
import nix_eval  # noqa: E402

BEGIN, END = "<!-- for-workload: begin -->", "<!-- for-workload: end -->"
SEED = 12
TARGET_SPEEDUP = 25   # at N = 10,000, against Nix
TARGET_N = 10000
TODAY_RATIO = 2.54    # eval / floor at N = 10,000 in RESULTS.md's last run (2026-12-02)


def generate(n, scratch):
    base = os.path.join(scratch, "for-n%d" % n)
    if not os.path.exists(os.path.join(base, "tree", "sysconf.toml")):
        shutil.rmtree(base, ignore_errors=True)
        gen_for_workload.write(n, base, SEED, run_bench.SHARED)
    return base


def check_against_nix(n, base, common, nix):
    """Evaluates with both; exits unless they agree. Counts as Nix's warm-up."""
    ours = os.path.join(base, "sysconf.json")
    with open(ours, "wb") as f:
        run_bench.run_timed(common + ["eval", "--json"], stdout=f)
    theirs = os.path.join(base, "nix.json")
    lib, env = nix
    with open(theirs, "wb") as f:
        run_bench.run_timed(nix_eval.evaluation_argv(os.path.join(base, "nix", "entry.nix"), lib), stdout=f, env=env)
    result = subprocess.run([sys.executable, compare_eval_json.__file__, ours, theirs], capture_output=True, text=True)
    print("N=%d: %s" % (n, result.stdout.strip()), flush=True)
    if result.returncode != 0:
        raise SystemExit("sysconf and Nix differ on the [[for]] workload at N=%d" % n)


def counts(base, n):
    """(for blocks, instances, generated services) from sysconf's result."""
    with open(os.path.join(base, "sysconf.json")) as f:
        mods = json.load(f)["mods"]
    blocks = gen_for_workload.for_modules(n)
    return (len(blocks), sum(len(mods["m%d" % i]["instances"]) for i in blocks),
            sum(len(mods["m%d" % i]["services"]) for i in blocks))


def main(args, sizes, runs, sysconf, floor):
    try:
        nix = nix_eval.prepare(args.nixlib, args.scratch)
    except nix_eval.Unavailable as e:
        if not args.quick:
            raise SystemExit("the [[for]] benchmark needs Nix: %s" % e)
        print("without Nix (%s): sysconf alone" % e)
        nix = None
    rows = []
    for n in sizes:
        base = generate(n, args.scratch)
        tree = os.path.join(base, "tree")
        common = [sysconf, "--config", tree, "--host", "bench", "--color", "never"]
        row = {"n": n, "mb": run_bench.tree_megabytes(tree)}
        if nix:
            check_against_nix(n, base, common, nix)
        else:
            with open(os.path.join(base, "sysconf.json"), "wb") as f:
                run_bench.run_timed(common + ["eval", "--json"], stdout=f)
        row["blocks"], row["instances"], row["services"] = counts(base, n)
        row["eval"] = run_bench.measure(common + ["eval", "--json"], runs)
        row["floor"] = run_bench.measure([floor, tree], runs)
        if nix:
            lib, env = nix
            row["nix"] = run_bench.measure(nix_eval.evaluation_argv(os.path.join(base, "nix", "entry.nix"), lib),
                                           min(runs, args.nix_runs), env=env, warmup=0)
        rows.append(row)
        e, x = row["eval"], row.get("nix")
        print("N=%d: eval %.3fs (cpu %.3fs) %.0fMiB, floor %.3fs%s" % (
            n, e["median"], e["cpu"], e["rss"], row["floor"]["median"],
            ", Nix %.2fs (cpu %.2fs) %.0fMiB, %.1fx" % (x["median"], x["cpu"], x["rss"], x["median"] / e["median"])
            if x else ""), flush=True)

    # The existing workload, in the same run: eval against the parse floor.
    n = max(sizes)
    base, tree = run_bench.generate(n, args.scratch)
    common = [sysconf, "--config", tree, "--host", "bench", "--color", "never"]
    run_bench.check_against_reference(n, base, common)
    existing = {"n": n, "eval": run_bench.measure(common + ["eval", "--json"], runs),
                "floor": run_bench.measure([floor, tree], runs)}
    print("existing workload N=%d: eval %.3fs, floor %.3fs, eval/floor %.2f" % (
        n, existing["eval"]["median"], existing["floor"]["median"],
        existing["eval"]["median"] / existing["floor"]["median"]), flush=True)
    if args.quick:
        shutil.rmtree(args.scratch, ignore_errors=True)

    section = render(rows, existing, runs, args.nix_runs)
    print(section)
    if not args.quick:
        run_bench.replace_section(args.out, section, BEGIN, END)
        print("written to %s" % args.out)


def span(m, digits):
    f = "%%.%df" % digits
    return (f + " (" + f + "-" + f + ")") % (m["median"], m["min"], m["max"])


def render(rows, existing, runs, nix_runs):
    commit = subprocess.run(["git", "-C", run_bench.REPO, "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True).stdout.strip()
    dirty = subprocess.run(["git", "-C", run_bench.REPO, "status", "--porcelain", "--untracked-files=no"],
                           capture_output=True, text=True).stdout.strip()
    nix_version = subprocess.run(["nix-instantiate", "--version"], capture_output=True,
                                 text=True).stdout.strip() if shutil.which("nix-instantiate") else "-"
    out = [BEGIN, "## The `[[for]]` workload (issue 12)", ""]
    out.append("Produced by `python3 bench/run_bench.py --for` on %s, commit %s%s; %s, %d cores; %s "
               "with nixpkgs lib de42d442." % (datetime.date.today().isoformat(), commit,
                                               " (with uncommitted changes)" if dirty else "",
                                               run_bench.cpu_model(), os.cpu_count(), nix_version))
    out.append("")
    out.append("The workload: the existing one, plus in one module in ten an `attrsOf(submodule)` "
               "option of 10 to 50 instances (seed %d) and a `[[for]]` block with a per-element `if` "
               "that generates, for each enabled instance, a service entry (a submodule), an "
               "`environment.etc` file, a package and a port (`listOf(int)`); in Nix, `mapAttrs` and "
               "`mapAttrs'` over a `filterAttrs`, `mapAttrsToList`, and `mkMerge (mapAttrsToList (n: v: "
               "mkIf v.enable ...))` (tests/workload/gen_for_workload.py). At every N the two results "
               "were compared before timing (lists and lines as multisets) and agreed." % SEED)
    out.append("")
    out.append("Wall times were taken on a shared 2-core machine, while other engineers were compiling: "
               "CPU time (user + system of the process) is given beside them. sysconf: one warm-up, then "
               "%d runs; Nix: the comparison run as warm-up, then %d runs (fewer, as one takes about a minute at "
               "N = 10,000). Median (min-max) seconds; RSS is the peak of the runs." % (runs, min(runs, nix_runs)))
    out.append("")
    out.append("| N | blocks | instances | generated services | tree MB | `eval --json` wall s | CPU s | RSS MiB "
               "| Nix wall s | Nix CPU s | Nix MiB | speed-up, wall | speed-up, CPU | toml++ floor s | eval / floor |")
    out.append("|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|")
    for r in rows:
        e, x, f = r["eval"], r.get("nix"), r["floor"]
        out.append("| %d | %d | %d | %d | %.1f | %s | %.3f | %.0f | %s | %s | %s | %s | %s | %.3f | %.2f |" % (
            r["n"], r["blocks"], r["instances"], r["services"], r["mb"], span(e, 3), e["cpu"], e["rss"],
            span(x, 2) if x else "-", "%.2f" % x["cpu"] if x else "-", "%.0f" % x["rss"] if x else "-",
            "%.1fx" % (x["median"] / e["median"]) if x else "-", "%.1fx" % (x["cpu"] / e["cpu"]) if x else "-",
            f["median"], e["median"] / f["median"]))
    ee, ef = existing["eval"], existing["floor"]
    out.append("")
    out.append("The existing workload in the same run, N = %d: `eval --json` %s s (CPU %.3f s), toml++ floor "
               "%s s (CPU %.3f s): eval / floor = %.2f in wall time, %.2f in CPU time." % (
                   existing["n"], span(ee, 3), ee["cpu"], span(ef, 3), ef["cpu"], ee["median"] / ef["median"],
                   ee["cpu"] / ef["cpu"]))
    out.append("")
    for r in rows:
        if r["n"] == TARGET_N and r.get("nix"):
            speedup = r["nix"]["median"] / r["eval"]["median"]
            out.append("- Target: at N = 10,000, `eval` at least %d times faster than Nix on the `[[for]]` "
                       "workload: %.1fx in wall time (%.1fx in CPU time), %s." % (
                           TARGET_SPEEDUP, speedup, r["nix"]["cpu"] / r["eval"]["cpu"],
                           "met" if speedup >= TARGET_SPEEDUP else "missed"))
    if existing["n"] == TARGET_N:
        ratio = ee["median"] / ef["median"]
        out.append("- Target: at N = 10,000, the existing workload's eval / floor within today's %.2f: %.2f, %s." % (
            TODAY_RATIO, ratio, "met" if ratio <= TODAY_RATIO else "missed"))
    out.append(END)
    return "\n".join(out) + "\n"

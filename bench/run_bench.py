#!/usr/bin/env python3
"""sysconf against Nix on the synthetic module workload (issue 5).

Usage (from the repository):
    python3 bench/run_bench.py [--sizes 10,100,1000,5000,10000,20000]
                               [--runs 5] [--scratch DIR] [--out bench/RESULTS.md]
                               [--quick]

Builds sysconf in release mode (-O2, no sanitizers) into build-bench/, then
for each N: generates the workload with ../shared/bench/gen_nix_modules.py and
translates it into a sysconf tree (tests/workload/gen_sysconf_tree.py) in a
scratch directory (never the repository), checks `sysconf eval --json`
against ../shared/bench/reference_eval.py --order forward, and times whole
processes (one warm-up, then --runs runs; median, min, max wall time and
peak RSS via wait4) of:
    eval      sysconf eval --json                       (what Nix does)
    dry       sysconf build --dry-run                   (evaluate and render)
    build     sysconf build into a fresh --root         (render and write the store)
    build, fresh ext4  the same into a new ext4 filesystem each run (a loop
              image, mounted in a private mount namespace; needs root): the
              store's cost on a disk that has not just deleted thousands of
              files, as the runs in /tmp have
    rebuild   sysconf build again, nothing changed      (must write no object)
    floor     bench/toml_floor: parse the same files with toml++ on 2 threads
It also times `switch --dry-run` of the repository's Vivobook configuration.
Prints a table beside the Nix baseline and writes it to --out.
--quick: sizes 10 and 100, 2 runs, no file written; with --sysconf and
--floor it uses those binaries instead of a release build (the test suite
runs it so, to keep the harness and its correctness checks working).
--for [--nix-runs R]: the `[[for]]` workload against real Nix instead
(bench/for_bench.py), and the existing workload's eval / floor at the largest
N in the same run; its section of --out is replaced, the rest kept.
"""

import argparse
import datetime
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
SHARED = os.path.join(os.path.dirname(REPO), "shared", "bench")

# NIX_BASELINE.md: median wall seconds and max RSS MiB of nix-instantiate.
NIX = {10: (0.05, 31), 100: (0.10, 67), 500: (0.44, 229), 1000: (0.86, 431),
       2000: (2.06, 570), 5000: (7.79, 1399), 10000: (17.13, 2741),
       20000: (35.06, 5315)}


def run_timed(argv, stdout=subprocess.DEVNULL, cwd=None, env=None):
    """Runs argv; returns (wall seconds, peak RSS MiB, stdout, CPU seconds:
    the child's user + system time, which other work on a shared machine
    inflates less than the wall time)."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE if stdout is None else stdout,
                            stderr=subprocess.PIPE, cwd=cwd, env=env)
    out = proc.stdout.read() if stdout is None else b""
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    err = proc.stderr.read()
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        sys.stderr.write(err.decode(errors="replace"))
        raise SystemExit("command failed (%d): %s" % (code, " ".join(argv)))
    return wall, usage.ru_maxrss / 1024.0, out, usage.ru_utime + usage.ru_stime


def measure(argv, runs, before=None, env=None, warmup=1):
    """`warmup` untimed runs, then `runs` timed runs; `before` runs untimed
    before each."""
    samples = []
    for i in range(runs + warmup):
        if before:
            before()
        wall, rss, _, cpu = run_timed(argv, env=env)
        if i >= warmup:
            samples.append((wall, rss, cpu))
    walls = [w for w, _, _ in samples]
    return {"median": statistics.median(walls), "min": min(walls), "max": max(walls),
            "rss": max(r for _, r, _ in samples), "cpu": statistics.median(c for _, _, c in samples),
            "runs": runs}


def measure_on_fresh_ext4(argv_with_root, scratch, runs):
    """`measure` of argv, whose --root is MOUNT, each run on a new ext4
    filesystem (inode tables initialised up front, so that no background
    initialisation competes) mounted at MOUNT in a private mount namespace.
    Returns None where this cannot be done (not root, no mkfs or unshare)."""
    if os.geteuid() != 0 or not shutil.which("mkfs.ext4") or not shutil.which("unshare"):
        return None
    image = os.path.join(scratch, "fresh-ext4.img")
    mount = os.path.join(scratch, "fresh-ext4")
    os.makedirs(mount, exist_ok=True)
    argv = [a if a != "MOUNT" else mount for a in argv_with_root]
    samples = []
    for i in range(runs + 1):
        if os.path.exists(image):
            os.remove(image)
        with open(image, "wb") as f:
            f.truncate(4 << 30)
        subprocess.run(["mkfs.ext4", "-q", "-F", "-E", "lazy_itable_init=0,lazy_journal_init=0", image], check=True)
        out = subprocess.run(["unshare", "--mount", "--propagation", "private", sys.executable, os.path.abspath(__file__),
                              "--timed-in-mount", image, mount, "--"] + argv,
                             check=True, capture_output=True, text=True).stdout
        wall, rss = json.loads(out.strip().splitlines()[-1])
        if i > 0:
            samples.append((wall, rss))
    os.remove(image)
    walls = [w for w, _ in samples]
    return {"median": statistics.median(walls), "min": min(walls), "max": max(walls),
            "rss": max(r for _, r in samples)}


def timed_in_mount(image, mount, argv):
    """Inside the private mount namespace: mounts `image`, times argv, unmounts."""
    subprocess.run(["mount", "-o", "loop", image, mount], check=True)
    try:
        subprocess.run(["sync"], check=True)
        wall, rss, _, _ = run_timed(argv)
    finally:
        subprocess.run(["umount", mount], check=True)
    print(json.dumps([wall, rss]))


def build_release(build_dir):
    subprocess.run(["cmake", "-S", REPO, "-B", build_dir, "-G", "Ninja",
                    "-DCMAKE_BUILD_TYPE=Release", "-DCMAKE_CXX_FLAGS_RELEASE=-O2 -DNDEBUG",
                    "-DSYSCONF_TESTS=OFF"], check=True, stdout=subprocess.DEVNULL)
    subprocess.run(["ninja", "-C", build_dir, "-j2", "sysconf", "toml_floor"], check=True,
                   stdout=subprocess.DEVNULL)


def generate(n, scratch):
    base = os.path.join(scratch, "n%d" % n)
    tree = os.path.join(base, "tree")
    if not os.path.exists(os.path.join(tree, "sysconf.toml")):
        shutil.rmtree(base, ignore_errors=True)
        subprocess.run([sys.executable, os.path.join(SHARED, "gen_nix_modules.py"), str(n),
                        os.path.join(base, "nix")], check=True, stdout=subprocess.DEVNULL)
        subprocess.run([sys.executable, os.path.join(REPO, "tests", "workload", "gen_sysconf_tree.py"),
                        os.path.join(base, "nix", "workload.json"), tree], check=True,
                       stdout=subprocess.DEVNULL)
    return base, tree


def check_against_reference(n, base, common):
    """Correctness first: a fast wrong answer is worth nothing."""
    out_json = os.path.join(base, "out.json")
    with open(out_json, "wb") as f:
        run_timed(common + ["eval", "--json"], stdout=f)
    check = subprocess.run([sys.executable, os.path.join(SHARED, "reference_eval.py"),
                            os.path.join(base, "nix", "workload.json"), "--order", "forward",
                            "--check", out_json], capture_output=True, text=True)
    print("N=%d: %s" % (n, check.stdout.strip()), flush=True)
    if check.returncode != 0:
        raise SystemExit("sysconf's result is wrong at N=%d" % n)


def tree_megabytes(tree):
    total = 0
    for d, _, files in os.walk(tree):
        total += sum(os.path.getsize(os.path.join(d, f)) for f in files)
    return total / 1e6


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", help="default 10,100,1000,5000,10000,20000; with --for 10,100,1000,10000")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--scratch", default="/tmp/sysconf-bench")
    ap.add_argument("--out", default=os.path.join(HERE, "RESULTS.md"))
    ap.add_argument("--build-dir", default=os.path.join(REPO, "build-bench"))
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--sysconf", help="use this binary instead of building build-bench")
    ap.add_argument("--floor", help="with --sysconf: the toml_floor binary")
    ap.add_argument("--for", dest="for_workload", action="store_true",
                    help="the [[for]] workload against Nix instead (bench/for_bench.py)")
    ap.add_argument("--nix-runs", type=int, default=3, help="with --for: timed Nix runs per N")
    ap.add_argument("--nixlib", default=os.path.join(os.path.dirname(REPO), "shared", "oracle",
                                                     "nixpkgs-lib-de42d442.tgz"))
    ap.add_argument("--timed-in-mount", nargs=2, metavar=("IMAGE", "MOUNT"), help=argparse.SUPPRESS)
    ap.add_argument("rest", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.timed_in_mount:
        timed_in_mount(*args.timed_in_mount, [a for a in args.rest if a != "--"])
        return
    default_sizes = "10,100,1000,10000" if args.for_workload else "10,100,1000,5000,10000,20000"
    sizes = [10, 100] if args.quick else [int(x) for x in (args.sizes or default_sizes).split(",")]
    runs = 2 if args.quick else args.runs
    os.makedirs(args.scratch, exist_ok=True)
    if args.sysconf:
        sysconf, floor = args.sysconf, args.floor
    else:
        build_release(args.build_dir)
        sysconf = os.path.join(args.build_dir, "sysconf")
        floor = os.path.join(args.build_dir, "toml_floor")
    if args.for_workload:
        import for_bench
        for_bench.main(args, sizes, runs, sysconf, floor)
        return

    rows = []
    for n in sizes:
        base, tree = generate(n, args.scratch)
        common = [sysconf, "--config", tree, "--host", "bench", "--color", "never"]
        check_against_reference(n, base, common)

        root = os.path.join(base, "root")
        empty = os.path.join(base, "empty-root")
        os.makedirs(empty, exist_ok=True)

        def fresh_root():
            shutil.rmtree(root, ignore_errors=True)

        row = {"n": n, "mb": tree_megabytes(tree)}
        row["eval"] = measure(common + ["eval", "--json"], runs)
        row["dry"] = measure(common + ["--root", empty, "build", "--dry-run"], runs)
        row["build"] = measure(common + ["--root", root, "build"], runs, before=fresh_root)
        row["rebuild"] = measure(common + ["--root", root, "build"], runs)
        # The same build on tmpfs: what sysconf costs without the disk's
        # own cost of allocating thousands of inodes.
        shm_root = os.path.join("/dev/shm", "sysconf-bench-root-%d" % n)

        def fresh_shm_root():
            shutil.rmtree(shm_root, ignore_errors=True)
        row["build_tmpfs"] = measure(common + ["--root", shm_root, "build"], runs, before=fresh_shm_root)
        fresh_shm_root()
        if not args.quick:
            row["build_fresh_ext4"] = measure_on_fresh_ext4(common + ["--root", "MOUNT", "build"], base, runs)
        _, _, out, _ = run_timed(common + ["--root", root, "build", "--json"], stdout=None)
        row["rebuild_writes"] = json.loads(out)["objectsWritten"]
        row["floor"] = measure([floor, tree], runs)
        rows.append(row)
        print("N=%d: eval %.3fs %.0fMiB, dry %.3fs, build %.3fs (tmpfs %.3fs), rebuild %.3fs (%d objects), floor %.3fs"
              % (n, row["eval"]["median"], row["eval"]["rss"], row["dry"]["median"],
                 row["build"]["median"], row["build_tmpfs"]["median"], row["rebuild"]["median"],
                 row["rebuild_writes"], row["floor"]["median"]), flush=True)

    # The laptop: switch --dry-run of the repository's own configuration.
    laptop_root = os.path.join(args.scratch, "laptop-root")
    os.makedirs(laptop_root, exist_ok=True)
    laptop = measure([sysconf, "--config", REPO, "--host", "vivobook", "--root", laptop_root,
                      "--color", "never", "switch", "--dry-run"], runs)
    if args.quick:
        shutil.rmtree(args.scratch, ignore_errors=True)

    table = render_table(rows, laptop)
    print(table)
    if not args.quick:
        replace_section(args.out, BEGIN + "\n" + table.rstrip("\n") + "\n" + END + "\n", BEGIN, END, at_start=True)
        print("written to %s" % args.out)


# The part of RESULTS.md this script writes; what is around it (notes on the
# targets, profiles, the [[for]] workload's section) is kept.
BEGIN, END = "<!-- workload: begin -->", "<!-- workload: end -->"


def replace_section(path, section, begin, end, at_start=False):
    """Puts `section` (which holds its markers `begin` and `end`) in place of
    the file's previous one, or at its start or end when it has none."""
    text = open(path).read() if os.path.exists(path) else ""
    if begin in text and end in text:
        head, rest = text.split(begin, 1)
        text = head + section.rstrip("\n") + rest.split(end, 1)[1]
    elif at_start:
        text = section + ("\n" + text if text else "")
    else:
        text = text.rstrip("\n") + "\n\n" + section
    with open(path, "w") as f:
        f.write(text)


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def render_table(rows, laptop):
    compiler = subprocess.run(["c++", "--version"], capture_output=True, text=True).stdout.splitlines()[0]
    commit = subprocess.run(["git", "-C", REPO, "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True).stdout.strip()
    dirty = subprocess.run(["git", "-C", REPO, "status", "--porcelain", "--untracked-files=no"],
                           capture_output=True, text=True).stdout.strip()
    lines = []
    lines.append("# Benchmark results")
    lines.append("")
    lines.append("Produced by `python3 bench/run_bench.py` on %s." % datetime.date.today().isoformat())
    lines.append("")
    lines.append("- Machine: %s, %d cores, Linux %s" % (cpu_model(), os.cpu_count(), platform.release()))
    lines.append("- Compiler: %s, `-O2 -DNDEBUG`, no sanitizers" % compiler)
    lines.append("- Commit: %s%s" % (commit, " (with uncommitted changes)" if dirty else ""))
    lines.append("- Each figure: one warm-up, then 5 runs of a whole process; median (min-max) wall "
                 "seconds, and the peak RSS of those runs. Correctness checked at every N with "
                 "`reference_eval.py --order forward --check`.")
    lines.append("")
    lines.append("| N | tree MB | `eval --json` s | RSS MiB | Nix s | Nix MiB | speed-up | "
                 "toml++ floor s | eval / floor | `build --dry-run` s | `build` s, ext4 | `build` s, fresh ext4 | "
                 "`build` s, tmpfs | rebuild s (objects) |")
    lines.append("|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|")
    for r in rows:
        e, f = r["eval"], r["floor"]
        nix = NIX.get(r["n"])
        fresh = r.get("build_fresh_ext4")
        lines.append("| %d | %.1f | %.3f (%.3f-%.3f) | %.0f | %s | %s | %s | %.3f | %.2f | %.3f | %.3f | %s | %.3f | %.3f (%d) |" % (
            r["n"], r["mb"], e["median"], e["min"], e["max"], e["rss"],
            "%.2f" % nix[0] if nix else "-", "%d" % nix[1] if nix else "-",
            "%.0fx" % (nix[0] / e["median"]) if nix else "-",
            f["median"], e["median"] / f["median"], r["dry"]["median"], r["build"]["median"],
            "%.3f (%.3f-%.3f)" % (fresh["median"], fresh["min"], fresh["max"]) if fresh else "-",
            r["build_tmpfs"]["median"], r["rebuild"]["median"], r["rebuild_writes"]))
    by_n = {r["n"]: r for r in rows}
    lines.append("")
    if 1000 in by_n and 10000 in by_n:
        lines.append("- Growth: time(10,000) / time(1,000) = %.1f" %
                     (by_n[10000]["eval"]["median"] / by_n[1000]["eval"]["median"]))
    if 10000 in by_n and 20000 in by_n:
        lines.append("- Growth: time(20,000) / time(10,000) = %.2f" %
                     (by_n[20000]["eval"]["median"] / by_n[10000]["eval"]["median"]))
    lines.append("- The Vivobook configuration, `switch --dry-run` end to end: %.3f s (%.3f-%.3f), %.0f MiB" %
                 (laptop["median"], laptop["min"], laptop["max"], laptop["rss"]))
    lines.append("")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()

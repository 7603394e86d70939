#!/usr/bin/env python3
"""Golden tests: run the real sysconf binary on a case's tree and compare
its exit code, stdout and stderr byte for byte with the expected files.

A case is a directory:
    tree/              the configuration (holds sysconf.toml); the cwd of the run
    args               the arguments after `sysconf`, shell-quoted, on one line
                       (--color never is always added)
    expected.exit      the exit code
    expected.stdout    the expected standard output
    expected.stderr    the expected standard error

The absolute path of tree/ is written as <TREE> in the expected files.

Usage:
    run_golden.py SYSCONF CASE_DIR            run one case
    run_golden.py SYSCONF CASE_DIR --update   (re)write its expected files
"""

import difflib
import os
import shlex
import subprocess
import sys


def run_case(sysconf, case):
    tree = os.path.realpath(os.path.join(case, "tree"))
    with open(os.path.join(case, "args")) as f:
        args = shlex.split(f.read().strip())
    env = dict(os.environ)
    env.pop("NO_COLOR", None)
    proc = subprocess.run([sysconf, "--color", "never"] + args, cwd=tree, env=env,
                          capture_output=True, timeout=60)
    def norm(b):
        return b.decode("utf-8", "replace").replace(tree, "<TREE>")
    return proc.returncode, norm(proc.stdout), norm(proc.stderr)


def main(argv):
    if len(argv) < 3:
        sys.stderr.write(__doc__)
        return 2
    sysconf, case = os.path.abspath(argv[1]), argv[2]
    code, out, err = run_case(sysconf, case)
    files = {"expected.exit": "%d\n" % code, "expected.stdout": out,
             "expected.stderr": err}
    if "--update" in argv:
        for name, text in files.items():
            with open(os.path.join(case, name), "w") as f:
                f.write(text)
        print("updated %s (exit %d)" % (case, code))
        return 0
    failed = False
    for name, got in files.items():
        path = os.path.join(case, name)
        if not os.path.exists(path):
            print("%s: missing %s" % (case, name))
            failed = True
            continue
        with open(path) as f:
            want = f.read()
        if want != got:
            failed = True
            print("%s: %s differs:" % (case, name))
            sys.stdout.writelines(difflib.unified_diff(
                want.splitlines(True), got.splitlines(True), "expected", "actual"))
    if failed:
        return 1
    print("ok %s" % case)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

#!/usr/bin/env python3
"""Compare sysconf's `eval --json` with Nix's `nix-instantiate --eval --json`.

Usage:
    compare_eval_json.py SYSCONF.json NIX.json

The two must be equal once the one difference the design allows is taken
out (shared/oracle/README.md): list order. DESIGN concatenates list
definitions in load order, Nix in reverse load order, so every list is
compared as a multiset, and so is every multi-line string (a `lines` option
joins its definitions in the same two orders). Everything else, keys,
numbers, strings, booleans, must match exactly.
Exit status: 0 when equal, 1 with the first differences printed, 2 on a
usage error. Standard library only.
"""

import json
import sys

SHOWN = 10


def normalise(v):
    if isinstance(v, dict):
        return {k: normalise(x) for k, x in v.items()}
    if isinstance(v, list):
        items = [normalise(x) for x in v]
        return sorted(items, key=lambda x: json.dumps(x, sort_keys=True))
    if isinstance(v, str) and "\n" in v:
        return "\n".join(sorted(v.split("\n")))
    return v


def differences(a, b, path="", out=None):
    """Paths where the normalised a and b differ, at most SHOWN of them."""
    out = [] if out is None else out
    if len(out) >= SHOWN:
        return out
    if isinstance(a, dict) and isinstance(b, dict):
        for k in sorted(set(a) | set(b)):
            where = "%s.%s" % (path, k) if path else k
            if k not in a:
                out.append("%s: only in Nix: %s" % (where, json.dumps(b[k])[:200]))
            elif k not in b:
                out.append("%s: only in sysconf: %s" % (where, json.dumps(a[k])[:200]))
            else:
                differences(a[k], b[k], where, out)
            if len(out) >= SHOWN:
                break
    elif a != b:
        out.append("%s: sysconf %s, Nix %s" % (path, json.dumps(a)[:200], json.dumps(b)[:200]))
    return out


def compare(sysconf_value, nix_value):
    """The differences (empty when they agree)."""
    return differences(normalise(sysconf_value), normalise(nix_value))


def main(argv):
    if len(argv) != 3:
        sys.stderr.write(__doc__)
        return 2
    with open(argv[1]) as f:
        ours = json.load(f)
    with open(argv[2]) as f:
        theirs = json.load(f)
    diff = compare(ours, theirs)
    if diff:
        print("sysconf and Nix differ (lists and lines compared as multisets):")
        for d in diff:
            print("  " + d)
        return 1
    print("sysconf and Nix agree (lists and lines compared as multisets)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

"""Packages: every package of the system and of each home has a candidate in
this machine's Debian 12 apt index (`apt-cache policy`): NOT_IN_DEBIAN_12
names the deliberate exceptions (niri), and firmware/microcode are not
decidable without non-free-firmware in the sources (reported as notes)."""

import glob
import os
import re
import unittest

from checks.common import run_tool


# Packages the library names on purpose although Debian 12 does not have them.
NOT_IN_DEBIAN_12 = {
    "niri": "programs.niri.package (modules/programs/niri.toml): not in Debian 12, from Debian 13 or a local build",
}


def apt_components():
    comps = set()
    paths = ["/etc/apt/sources.list"] + [os.path.join("/etc/apt/sources.list.d", f)
                                         for f in sorted(os.listdir("/etc/apt/sources.list.d"))
                                         if os.path.isdir("/etc/apt/sources.list.d")]
    for path in paths:
        if not os.path.isfile(path):
            continue
        with open(path) as f:
            for line in f:
                line = line.split("#", 1)[0].strip()
                if line.startswith("Components:"):
                    comps |= set(line.split(":", 1)[1].split())
                elif line.startswith(("deb ", "deb-src ")):
                    words = [w for w in line.split() if not w.startswith("[")]
                    comps |= set(words[3:])
    return comps


def package_problems(names):
    """Every package name has a candidate in this machine's apt index (Debian
    12, as on the laptop): `apt-cache policy`, which reads the local lists.
    Returns (problems, notes)."""
    if not glob.glob("/var/lib/apt/lists/*_Packages*"):
        raise unittest.SkipTest("apt has no package lists on this machine (apt-get update has not run)")
    r = run_tool(["apt-cache", "policy", *sorted(set(names))])
    candidates = {}
    current = None
    for line in r.stdout.splitlines():
        if line and not line.startswith(" ") and line.endswith(":"):
            current = line[:-1]
        elif current and line.strip().startswith("Candidate:"):
            candidates[current] = line.split(":", 1)[1].strip()
    components = apt_components()
    problems, notes = [], []
    for name in sorted(set(names)):
        if candidates.get(name, "(none)") != "(none)":
            continue
        if name in NOT_IN_DEBIAN_12:
            notes.append(f"{name}: {NOT_IN_DEBIAN_12[name]}")
        elif re.search(r"firmware|^(amd64|intel)-microcode$", name) and "non-free-firmware" not in components:
            notes.append(f"{name}: cannot check, this machine's apt sources lack non-free-firmware")
        else:
            problems.append(f"{name}: no such package in this machine's Debian 12 apt index")
    return problems, notes


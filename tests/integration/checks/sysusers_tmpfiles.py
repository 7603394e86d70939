"""sysusers.d and tmpfiles.d: the generation's files through
systemd-sysusers --root --dry-run, systemd-sysusers --root and
systemd-tmpfiles --root --create in a scratch root seeded with Debian's base
users and groups (base-passwd): exit 0, and nothing on stderr at
SYSTEMD_LOG_LEVEL=warning."""

import os
import tempfile

import sysconf_harness as h
from checks.common import run_tool, shown


def seed_debian_base(root):
    """ROOT/etc/passwd and group as a fresh Debian 12 has them (base-passwd)."""
    os.makedirs(os.path.join(root, "etc"), exist_ok=True)
    for name in ("passwd", "group"):
        master = f"/usr/share/base-passwd/{name}.master"
        src = master if os.path.exists(master) else f"/etc/{name}"
        with open(src) as f:
            lines = [l for l in f.read().splitlines() if l]
        if src == master:
            lines = [":".join(l.split(":")[:1] + ["x"] + l.split(":")[2:]) for l in lines]
        h.write(os.path.join(root, "etc", name), "\n".join(lines) + "\n")


def check_sysusers_tmpfiles(sysusers, tmpfiles, scratch):
    """sysusers / tmpfiles: {name: bytes}. Runs the real tools in a scratch
    root seeded with Debian's base accounts; returns problems."""
    root = tempfile.mkdtemp(prefix="sysusers-tmpfiles-", dir=scratch)
    seed_debian_base(root)
    for sub, files in (("sysusers.d", sysusers), ("tmpfiles.d", tmpfiles)):
        os.makedirs(os.path.join(root, "etc", sub), exist_ok=True)
        for name, data in files.items():
            with open(os.path.join(root, "etc", sub, name), "wb") as f:
                f.write(data)
    problems = []
    env = {"SYSTEMD_LOG_LEVEL": "warning"}
    steps = []
    if sysusers:
        steps += [["systemd-sysusers", f"--root={root}", "--dry-run"], ["systemd-sysusers", f"--root={root}"]]
    if tmpfiles:
        steps += [["systemd-tmpfiles", f"--root={root}", "--create"]]
    for argv in steps:
        r = run_tool(argv, env=env)
        if r.returncode != 0 or r.stderr.strip():
            problems.append(shown(r).replace(root, "ROOT"))
    return problems


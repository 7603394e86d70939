"""Helpers for sysconf's integration tests: scratch configuration trees, scratch
roots, running the binary, and snapshots of a whole root.

Every sysconf invocation made here passes --config, --root and --host; the root
is always a fresh temporary directory, never `/`.
"""

import hashlib
import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import textwrap
import time

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
LIBRARY = os.path.join(REPO, "modules")

# Fixed build time so that two runs of the same configuration build the same
# generation objects.
EPOCH = "1700000000"

STATE = "var/lib/sysconf"
STORE = STATE + "/store"
PROFILES = STATE + "/profiles"

_binary = None


def set_binary(path):
    global _binary
    _binary = os.path.abspath(path)


def set_binary_from_args(args, usage):
    """Takes the sysconf binary from the front of `args` (a test script's
    arguments), else from $SYSCONF; exits with `usage` when neither is given."""
    if args and not args[0].startswith("-"):
        set_binary(args.pop(0))
    elif os.environ.get("SYSCONF"):
        set_binary(os.environ["SYSCONF"])
    else:
        sys.exit(usage)


def binary():
    if _binary is None:
        raise RuntimeError("the sysconf binary was not given (argv[1] or $SYSCONF)")
    return _binary


# --------------------------------------------------------------------------
# Configuration trees


def write(path, text, mode=None):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)
    if mode is not None:
        os.chmod(path, mode)


def make_tree(directory, host, host_module, home_module=None, library=True, extra_files=None):
    """A configuration tree: sysconf.toml with one host, hosts/HOST/default.toml,
    optionally home/default.toml, and the repository's module library copied
    to modules/ (used automatically), unless library is False."""
    os.makedirs(directory, exist_ok=True)
    lines = [f"[hosts.{host}]", f'modules = ["hosts/{host}/default.toml"]']
    if library is False:
        lines.append("library = false")
    write(os.path.join(directory, "sysconf.toml"), "\n".join(lines) + "\n")
    if library and not os.path.isdir(os.path.join(directory, "modules")):
        shutil.copytree(LIBRARY, os.path.join(directory, "modules"))
    set_host_module(directory, host, host_module)
    if home_module is not None:
        set_home_module(directory, home_module)
    for rel, text in (extra_files or {}).items():
        write(os.path.join(directory, rel), text)
    return directory


def set_host_module(directory, host, text):
    write(os.path.join(directory, "hosts", host, "default.toml"), textwrap.dedent(text))


def set_home_module(directory, text):
    write(os.path.join(directory, "home", "default.toml"), textwrap.dedent(text))


# --------------------------------------------------------------------------
# Running sysconf


def command(tree, root, host, *args, prefix=()):
    assert root and os.path.abspath(root) != "/", "never run sysconf on /"
    return list(prefix) + [binary(), "--config", tree, "--root", root, "--host", host, "--color", "never", *args]


def environment(extra=None):
    env = dict(os.environ)
    env.pop("SYSCONF_TEST_CRASH_AT", None)
    env.pop("SYSCONF_TEST_PACKAGE_BACKEND", None)
    env["SOURCE_DATE_EPOCH"] = EPOCH
    env["LC_ALL"] = "C"
    if extra:
        env.update(extra)
    return env


def run(tree, root, host, *args, env=None, prefix=(), timeout=120):
    """Run sysconf; returns CompletedProcess (text output)."""
    argv = command(tree, root, host, *args, prefix=prefix)
    return subprocess.run(argv, capture_output=True, text=True, env=environment(env), timeout=timeout, cwd="/")


def popen(tree, root, host, *args, env=None):
    return subprocess.Popen(command(tree, root, host, *args), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=environment(env), cwd="/")


def describe(result):
    return (f"\n$ {' '.join(result.args) if isinstance(result.args, list) else result.args}\n"
            f"exit {result.returncode}\n--- stdout\n{result.stdout}--- stderr\n{result.stderr}")


# --------------------------------------------------------------------------
# Roots and snapshots


def make_root(parent=None):
    """A fresh, empty root. World-searchable, because each user's home is
    written by a child running as that user, which must be able to look up
    ROOT/home."""
    root = tempfile.mkdtemp(prefix="sysconf-root-", dir=parent)
    os.chmod(root, 0o755)
    return root


def _kind(mode):
    if stat.S_ISLNK(mode):
        return "symlink"
    if stat.S_ISDIR(mode):
        return "dir"
    if stat.S_ISREG(mode):
        return "file"
    if stat.S_ISFIFO(mode):
        return "fifo"
    if stat.S_ISSOCK(mode):
        return "socket"
    return "special"


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 16), b""):
            h.update(block)
    return h.hexdigest()


def entry(path, with_times=False):
    st = os.lstat(path)
    kind = _kind(st.st_mode)
    e = {"type": kind, "mode": "%04o" % stat.S_IMODE(st.st_mode), "uid": st.st_uid, "gid": st.st_gid}
    if kind == "symlink":
        e["target"] = os.readlink(path)
        del e["mode"]  # always 0777 on Linux
    elif kind == "file":
        e["sha256"] = sha256_file(path)
        e["size"] = st.st_size
    if with_times:
        e["mtime_ns"] = st.st_mtime_ns
        e["ino"] = st.st_ino
    return e


def snapshot(root, exclude=(), with_times=False, times_exclude=()):
    """Every path below root (relative, '.' for root itself), its type, mode,
    owner, and link target or content hash; never following a symlink.
    `exclude`: relative paths whose entry (and, for a directory, contents)
    is left out; a callable is called with the relative path."""
    out = {}

    def excluded(rel):
        for x in exclude:
            if callable(x):
                if x(rel):
                    return True
            elif rel == x or rel.startswith(x.rstrip("/") + "/"):
                return True
        return False

    def visit(abs_path, rel):
        if rel != "." and excluded(rel):
            return
        times = with_times and rel not in times_exclude
        e = entry(abs_path, times)
        out[rel] = e
        if e["type"] == "dir":
            for name in sorted(os.listdir(abs_path)):
                visit(os.path.join(abs_path, name), name if rel == "." else rel + "/" + name)

    visit(root, ".")
    return out


def diff_snapshots(a, b, limit=60):
    """A readable difference of two snapshots ('' when equal)."""
    lines = []
    for rel in sorted(set(a) | set(b)):
        if rel not in b:
            lines.append(f"- {rel}: {a[rel]}")
        elif rel not in a:
            lines.append(f"+ {rel}: {b[rel]}")
        elif a[rel] != b[rel]:
            lines.append(f"~ {rel}: {a[rel]} -> {b[rel]}")
    if len(lines) > limit:
        lines = lines[:limit] + [f"... {len(lines) - limit} more"]
    return "\n".join(lines)


def tree_checksum(root):
    """One hash over the whole root: path, type, mode, owner, content, link target."""
    h = hashlib.sha256()
    h.update(json.dumps(snapshot(root), sort_keys=True).encode())
    return h.hexdigest()


def resolve_in_root(root, path, max_links=40):
    """Resolve an absolute path as the running system would, inside root:
    absolute link targets restart at root, relative ones at the link's
    directory. Returns the host path of the final file."""
    parts = [p for p in path.split("/") if p]
    done = []
    links = 0
    while parts:
        name = parts.pop(0)
        if name == ".":
            continue
        if name == "..":
            if done:
                done.pop()
            continue
        host = os.path.join(root, *done, name)
        if os.path.islink(host):
            links += 1
            if links > max_links:
                raise OSError(f"too many links resolving {path}")
            target = os.readlink(host)
            new = [p for p in target.split("/") if p]
            if target.startswith("/"):
                done = []
            parts = new + parts
            continue
        done.append(name)
    return os.path.join(root, *done)


def read_in_root(root, path):
    with open(resolve_in_root(root, path), "rb") as f:
        return f.read()


def generations(tree, root, host):
    r = run(tree, root, host, "generations", "--json")
    if r.returncode != 0:
        raise AssertionError("generations --json failed" + describe(r))
    return json.loads(r.stdout)


def current_number(tree, root, host):
    cur = [g["number"] for g in generations(tree, root, host) if g["current"]]
    return cur[0] if cur else None


def current_manifest(root):
    link = os.path.join(root, "run/sysconf/current-system")
    target = os.readlink(link)
    with open(os.path.join(root, target.lstrip("/"), "manifest.json")) as f:
        return json.load(f)


def store_objects(root):
    d = os.path.join(root, STORE)
    return sorted(os.listdir(d)) if os.path.isdir(d) else []


def passwd_ids(root, user):
    with open(os.path.join(root, "etc/passwd")) as f:
        for line in f:
            fields = line.rstrip("\n").split(":")
            if fields[0] == user:
                return int(fields[2]), int(fields[3])
    raise KeyError(user)


def group_id(root, group):
    with open(os.path.join(root, "etc/group")) as f:
        for line in f:
            fields = line.rstrip("\n").split(":")
            if fields[0] == group:
                return int(fields[2])
    raise KeyError(group)


# --------------------------------------------------------------------------
# A fake package manager for SYSCONF_TEST_PACKAGE_BACKEND


FAKE_BACKEND = """#!/bin/sh
# A fake package manager. The installed set is one name a line in $STATE;
# the names in $UNAVAILABLE have no installation candidate; the names in
# $BROKEN have one, but installing them fails. An install is one transaction,
# as apt-get's is: any failure installs nothing. Package names must follow
# `--`; the log records each call without it.
STATE={state}
UNAVAILABLE={unavailable}
BROKEN={broken}
LOG={log}
cmd="$1"; shift
if [ "$1" != "--" ]; then echo "fake-pkg: no -- before the package names: $*" >&2; exit 2; fi
shift
echo "$cmd $*" >> "$LOG"
touch "$STATE" "$UNAVAILABLE" "$BROKEN"
case "$cmd" in
  query) grep -qx -- "$1" "$STATE" ;;
  available) for p in "$@"; do grep -qx -- "$p" "$UNAVAILABLE" || echo "$p"; done ;;
  install)
    status=0
    for p in "$@"; do
      if grep -qx -- "$p" "$UNAVAILABLE"; then echo "E: Unable to locate package $p"; status=100; fi
    done
    [ $status = 0 ] || exit $status
    for p in "$@"; do
      if grep -qx -- "$p" "$BROKEN"; then echo "E: $p: post-installation script returned error exit status 1"; exit 100; fi
    done
    for p in "$@"; do grep -qx -- "$p" "$STATE" || echo "$p" >> "$STATE"; done ;;
  remove) for p in "$@"; do grep -vx -- "$p" "$STATE" > "$STATE.new"; mv "$STATE.new" "$STATE"; done ;;
  *) echo "unknown command $cmd" >&2; exit 2 ;;
esac
"""


def make_fake_backend(directory, preinstalled=(), unavailable=(), broken=()):
    """The fake package manager's script, its installed set and its call log.
    The sets of unavailable and broken names are the files `unavailable` and
    `broken` beside them: a test may rewrite them between runs."""
    state = os.path.join(directory, "installed")
    log = os.path.join(directory, "calls.log")
    script = os.path.join(directory, "fake-pkg")
    paths = {name: os.path.join(directory, name) for name in ("unavailable", "broken")}
    write(script, FAKE_BACKEND.format(state=state, log=log, **paths), 0o755)
    write(state, "".join(p + "\n" for p in preinstalled))
    write(paths["unavailable"], "".join(p + "\n" for p in unavailable))
    write(paths["broken"], "".join(p + "\n" for p in broken))
    write(log, "")
    return script, state, log


def read_lines(path):
    with open(path) as f:
        return [l for l in f.read().splitlines() if l]

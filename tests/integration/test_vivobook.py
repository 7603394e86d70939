#!/usr/bin/env python3
"""The repository's own configuration (sysconf.toml, hosts/, home/, modules/),
checked with the real tools that will read it on the machine.

    python3 test_vivobook.py SYSCONF_BINARY [--config DIR] [--update] [unittest options]
    SYSCONF=build/sysconf python3 tests/integration/test_vivobook.py

--config defaults to the repository that holds this file. --update (or
SYSCONF_UPDATE_GOLDEN=1) rewrites tests/integration/vivobook/expected-tree.txt
from the current configuration instead of comparing against it.

Every sysconf run passes --config, --host and a scratch --root under /tmp;
nothing outside the scratch directories is written. What each check does, and
the tool behind it:

  commands      `sysconf check`, `build --dry-run` (text and --json) and the
                sequence of scripts/demo.sh (its `run ...` lines, read from the
                script), from the configuration directory as demo.sh runs them.
  switch        a real `switch` into an empty root: the hooks ran
                systemd-sysusers --root and systemd-tmpfiles --root (each
                normal user in ROOT/etc/passwd, in the groups `sysconf eval`
                gives, home directory owned by the user); /etc paths are links
                through /etc/static; home files are links through the profile.
  units         every system unit (and drop-in) of the generation through
                `systemd-analyze verify --root=VROOT` (systemd 252 takes --root
                for verify in the system scope only), VROOT being a copy of the
                switched root plus this machine's /usr/lib/systemd/system and
                stand-ins for what packages install on the laptop but not here:
                an executable stub for each Exec*= command outside the store,
                a stub unit for each Requires=/Requisite=/BindsTo=/trigger
                target and drop-in base that no unit directory has. Commands in
                the store are not stubbed: a missing script is a failure. Every
                line verify prints is a failure (it exits 0 on unknown keys).
                User units: `systemd-analyze --user verify` (no --root in the
                user scope on 252) with HOME set to a copy of the home; there
                exactly one message class is filtered: "Command P is not
                executable: No such file or directory" for a P that is a store
                script present and executable in the root, a file of the home
                executable there, or a program this machine does not have;
                the user stand-in units go to a scratch XDG_DATA_HOME. Links (.wants/, .requires/, aliases,
                package units) are checked for shape and target.
  sysusers/tmpfiles  the generation's sysusers.d and tmpfiles.d files through
                systemd-sysusers --root --dry-run, systemd-sysusers --root and
                systemd-tmpfiles --root --create in a scratch root seeded with
                Debian's base users and groups (base-passwd): exit 0, and
                nothing on stderr at SYSTEMD_LOG_LEVEL=warning.
  formats       every rendered .json/.jsonc (and waybar's config), .yaml/.yml
                and .toml file re-parsed with json, yaml (python3-yaml) and
                tomllib; waybar's config is a list of bars whose
                modules-left/center/right are lists of module names.
  programs      kitty's config through kitty's own parser (`kitty +runpy`,
                kitty.config.load_config with accumulate_bad_lines; headless);
                fuzzel's and mako's config through the programs themselves with
                no compositor and no session bus: both parse the whole config
                before connecting, so a config error is reported and a good
                config reaches "failed to connect"; udev rules through a syntax
                checker below that mirrors systemd 252's rule parser (Debian 12
                has no `udevadm verify`, which came in systemd 254); niri's KDL
                through a KDL syntax checker below (niri is not packaged in
                Debian 12, so `niri validate` is not available).
  other files   scripts (by #!, .sh, /etc/default/grub.d) through `dash -n` /
                `bash -n`, Python scripts through compile(); modprobe.d through
                kmod's parser (`modprobe -C DIR --showconfig`); fontconfig files
                through fontconfig (`fc-match` with a config that includes
                them); /etc/systemd/NAME.conf.d/ keys against the settings
                Debian's systemd lists in /etc/systemd/NAME.conf; INI files
                (NetworkManager, BlueZ, portals, *.ini, .desktop) strictly
                parsed; environment.d through systemd's own environment.d
                generator (every KEY=VALUE must come out); sysctl.d syntax.
  packages      every package of the system and of each home has a candidate
                in this machine's Debian 12 apt index (`apt-cache policy`):
                NOT_IN_DEBIAN_12 names the deliberate exceptions (niri), and
                firmware/microcode are not decidable without non-free-firmware
                in the sources (reported as notes).
  golden        the whole rendered tree (etc/, each home, store scripts,
                packages, users, hooks) against vivobook/expected-tree.txt.
  docs          `sysconf docs --format md`: every option the library declares
                is listed, and every listed option has a description.
  example-server  all of the above but the golden listing, when
                hosts/example-server exists (skipped with the reason otherwise).

What systemd 252 (Debian 12) does, found while writing this: `verify --root=`
works in the system scope and resolves unit paths, drop-ins and Exec*=
programs (absolute or bare names) inside the root; in the user scope it fails
("Failed to initialize unit search paths for root directory ...: Invalid
argument"), and `--user verify` also needs XDG_RUNTIME_DIR ("Failed to lookup
RuntimeDirectory path"). verify exits 0 after "Unknown key", "Unknown
section" and bad values (logged as warnings), so any line it prints fails the
check; a missing program is "Command P is not executable: No such file or
directory" (exit 1); a missing Requires= target is "Failed to create
U/start: Unit X not found."; a dangling .wants/ link is silent.
SYSTEMD_UNIT_PATH is not needed: the root, or HOME and XDG_DATA_HOME (where
the user stand-ins go), select the unit directories. --man=no and
--generators=no keep verify from reading man pages and running generators.

Each checker is also run on a deliberately broken input, so that a checker that
silently accepts everything fails its own test.
"""

import configparser
import difflib
import glob
import json
import os
import re
import shlex
import shutil
import stat
import subprocess
import sys
import tempfile
import tomllib
import unittest

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import sysconf_harness as h  # noqa: E402

CONFIG = h.REPO
GOLDEN = os.path.join(HERE, "vivobook", "expected-tree.txt")
UPDATE_GOLDEN = os.environ.get("SYSCONF_UPDATE_GOLDEN") == "1"
HOST = "vivobook"
SERVER = "example-server"

STORE_DIR = "/" + h.STORE
STORE_HASH = re.compile(r"/var/lib/sysconf/store/[0-9a-z]{32}-")
UNIT_SUFFIXES = (".service", ".socket", ".timer", ".target", ".path", ".mount", ".automount", ".swap",
                 ".slice", ".scope", ".device")
EXEC_KEYS = ("ExecCondition", "ExecStartPre", "ExecStart", "ExecStartPost", "ExecReload", "ExecStop",
             "ExecStopPost", "ExecStopPre")
HARD_DEPS = ("Requires", "Requisite", "BindsTo")
DEFAULT_PATH = ("/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin")
STUB_EXECUTABLE = "#!/bin/sh\n# stand-in made by test_vivobook.py for a program a package installs\nexit 0\n"


def config_path(*parts):
    return os.path.join(CONFIG, *parts)


def hosts():
    with open(config_path("sysconf.toml"), "rb") as f:
        return tomllib.load(f).get("hosts", {})


def normalise(text):
    """Store paths without their hash: stable across content changes elsewhere."""
    return STORE_HASH.sub("/var/lib/sysconf/store/<hash>-", text)


def tool_env(extra=None):
    env = {k: v for k, v in os.environ.items()
           if k not in ("DISPLAY", "WAYLAND_DISPLAY", "DBUS_SESSION_BUS_ADDRESS", "XDG_RUNTIME_DIR",
                        "SYSTEMD_UNIT_PATH", "NOTIFY_SOCKET")}
    env["LC_ALL"] = "C.UTF-8"  # UTF-8 as on the laptop (fuzzel rejects a non-ASCII prompt under C)
    env["SYSTEMD_LOG_COLOR"] = "0"
    env["SYSTEMD_PAGER"] = "cat"
    if extra:
        env.update(extra)
    return env


def run_tool(argv, env=None, timeout=60, cwd="/"):
    return subprocess.run(argv, capture_output=True, text=True, env=tool_env(env), timeout=timeout, cwd=cwd,
                          stdin=subprocess.DEVNULL)


def shown(r):
    return f"$ {shlex.join(r.args)}\nexit {r.returncode}\n--- stdout\n{r.stdout}--- stderr\n{r.stderr}"


def lines_of(text):
    return [l for l in text.splitlines() if l.strip()]


# --------------------------------------------------------------------------
# A host switched into a scratch root, once per run


class Entry:
    """One rendered path: `label` as the machine sees it (/etc/..., ~user/...),
    `kind` file | symlink | secret, with content (file) or target (symlink)."""

    def __init__(self, label, kind, data=None, target=None, executable=False, meta=None):
        self.label, self.kind, self.data, self.target = label, kind, data, target
        self.executable, self.meta = executable, meta or {}

    def text(self):
        return self.data.decode("utf-8", errors="replace")


class Home:
    def __init__(self, built, info):
        self.built = built
        self.user = info["user"]
        self.home = info["home"]
        self.generation = os.path.join(built.root, h.STORE, info["generation"])
        with open(os.path.join(self.generation, "manifest.json")) as f:
            self.manifest = json.load(f)
        self.files_dir = os.path.join(self.generation, "files")
        self.entries = []
        self.materialised = None  # a copy of the home with every store link replaced by the file

    def materialise(self):
        """The home's rendered files as real files under a scratch directory,
        for tools that read them without --root (kitty, fuzzel, mako,
        systemd-analyze --user). Links that are not store links stay links."""
        if self.materialised:
            return self.materialised
        dest = os.path.join(self.built.scratch, "homes", self.user)
        os.makedirs(dest)
        for e in self.entries:
            rel = e.label.split("/", 1)[1]
            path = os.path.join(dest, rel)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            if e.kind == "file":
                with open(path, "wb") as f:
                    f.write(e.data)
                os.chmod(path, 0o755 if e.executable else 0o644)
            elif e.kind == "symlink":
                os.symlink(e.target, path)
        self.materialised = dest
        return dest


def place_secrets(root, secrets):
    for secret in secrets:
        path = os.path.join(root, secret.lstrip("/"))
        os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
        with open(path, "w") as f:
            f.write("placeholder secret made by test_vivobook.py\n")
        os.chmod(path, 0o600)


class Built:
    """`sysconf switch` of one host into an empty scratch root."""

    def __init__(self, host):
        self.host = host
        self.scratch = tempfile.mkdtemp(prefix=f"sysconf-{host}-")
        self.root = h.make_root(self.scratch)
        self.secrets = self._place_secrets()
        self.result = h.run(CONFIG, self.root, host, "switch")
        self.ok = self.result.returncode == 0
        self.homes = []
        self.entries = []
        if not self.ok:
            return
        self.manifest = h.current_manifest(self.root)
        self.generation = os.path.join(self.root, os.readlink(os.path.join(self.root, "run/sysconf/current-system")).lstrip("/"))
        self.etc = os.path.join(self.generation, "etc")
        self.store = os.path.join(self.root, h.STORE)
        by_path = {f["path"]: f for f in self.manifest["files"]}
        self.entries = self._walk(self.etc, "/etc", by_path)
        seen = {e.label for e in self.entries}
        for f in self.manifest["files"]:
            if f["type"] == "secret" and f["path"] not in seen:
                self.entries.append(Entry(f["path"], "secret", meta=f))
        for obj in self.manifest.get("objects", []):
            path = os.path.join(self.store, obj)
            with open(path, "rb") as fh:
                data = fh.read()
            self.entries.append(Entry(f"{STORE_DIR}/{obj}", "file", data=data,
                                      executable=bool(os.stat(path).st_mode & 0o111)))
        for info in self.manifest["homes"]:
            home = Home(self, info)
            files = {f["path"]: f for f in home.manifest["files"]}
            home.entries = self._walk(home.files_dir, f"~{home.user}", files, home=True)
            self.homes.append(home)
        self.entries.sort(key=lambda e: e.label)

    def _place_secrets(self):
        """A secret never enters the store and the switch stops when it is
        missing: build first, and put a placeholder (0600) at each secret's
        path inside the root, as the owner of the laptop would."""
        r = h.run(CONFIG, self.root, self.host, "build", "--json")
        if r.returncode != 0:
            return []
        gen = json.loads(r.stdout)["path"]
        with open(os.path.join(self.root, gen.lstrip("/"), "manifest.json")) as f:
            manifest = json.load(f)
        placed = [e["secret"] for e in manifest["files"] if e["type"] == "secret"]
        place_secrets(self.root, placed)
        return placed

    def _walk(self, top, label_top, manifest_files, home=False):
        out = []
        for dirpath, dirnames, filenames in os.walk(top):
            dirnames.sort()
            for name in sorted(filenames + [d for d in dirnames if os.path.islink(os.path.join(dirpath, d))]):
                path = os.path.join(dirpath, name)
                rel = os.path.relpath(path, top)
                label = f"{label_top}/{rel}"
                meta = manifest_files.get(rel if home else label, {})
                st = os.lstat(path)
                if stat.S_ISLNK(st.st_mode):
                    target = os.readlink(path)
                    resolved = os.path.normpath(os.path.join(dirpath, target))
                    if not target.startswith("/") and os.path.dirname(resolved) == self.store \
                            and os.path.isfile(resolved):
                        with open(resolved, "rb") as f:
                            data = f.read()
                        out.append(Entry(label, "file", data=data, meta=meta,
                                         executable=bool(os.stat(resolved).st_mode & 0o111)))
                    else:
                        out.append(Entry(label, "symlink", target=target, meta=meta))
                elif stat.S_ISREG(st.st_mode):
                    with open(path, "rb") as f:
                        out.append(Entry(label, "file", data=f.read(), meta=meta,
                                         executable=bool(st.st_mode & 0o111)))
                else:
                    out.append(Entry(label, "special", meta=meta))
        return out

    def require(self, test):
        if not self.ok:
            test.fail(f"sysconf switch of host {self.host} failed:\n" + h.describe(self.result))

    def etc_entries(self, prefix):
        return [e for e in self.entries if e.label.startswith(prefix)]

    def home(self, user):
        return next(x for x in self.homes if x.user == user)

    def cleanup(self):
        shutil.rmtree(self.scratch, ignore_errors=True)


_built = {}


def built(host):
    if host not in _built:
        _built[host] = Built(host)
    return _built[host]


def tearDownModule():
    for b in _built.values():
        b.cleanup()


# --------------------------------------------------------------------------
# systemd units


def parse_unit_text(text):
    """[(section, key, value, line)] of a unit file or drop-in, with systemd's
    continuation lines; comments and blank lines dropped."""
    out = []
    section = None
    pending = None
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if pending is not None:
            start, acc = pending
            if line.startswith(("#", ";")):
                continue
            if line.endswith("\\"):
                pending = (start, acc + " " + line[:-1])
                continue
            line, number, pending = acc + " " + line, start, None
        elif not line or line.startswith(("#", ";")):
            continue
        elif line.endswith("\\"):
            pending = (number, line[:-1])
            continue
        if line.startswith("[") and line.endswith("]"):
            section = line[1:-1]
            continue
        if "=" in line:
            key, value = line.split("=", 1)
            out.append((section, key.strip(), value.strip(), number))
    return out


def exec_commands(items):
    """The program of each Exec*= command line (prefixes @-:+!| dropped)."""
    progs = []
    for _section, key, value, _line in items:
        if key not in EXEC_KEYS or not value:
            continue
        try:
            words = shlex.split(value)
        except ValueError:
            words = value.split()
        expect = True
        for w in words:
            if w == ";":
                expect = True
                continue
            if expect:
                prog = w.lstrip("@-:+!|")
                if prog:
                    progs.append(prog)
                expect = False
    return progs


def unit_deps(name, items):
    """Units that must exist for a start job of `name` to be created."""
    deps = []
    for section, key, value, _line in items:
        if section == "Unit" and key in HARD_DEPS:
            deps += value.split()
        if section in ("Timer", "Path") and key == "Unit":
            deps += value.split()
        if section == "Socket" and key == "Service":
            deps += value.split()
    base, _, suffix = name.rpartition(".")
    if suffix in ("timer", "path") and not any(s in ("Timer", "Path") and k == "Unit" for s, k, _, _ in items):
        deps.append(base + ".service")
    if suffix == "socket" and not any(s == "Socket" and k == "Service" for s, k, _, _ in items):
        accept = any(s == "Socket" and k == "Accept" and v.lower() in ("yes", "true", "1", "on")
                     for s, k, v, _ in items)
        deps.append(base + ("@.service" if accept else ".service"))
    return deps


def stub_unit_text(name):
    suffix = name.rpartition(".")[2]
    head = f"[Unit]\nDescription=stand-in for {name}, which a package installs (made by test_vivobook.py)\n"
    if suffix == "service":
        return head + "\n[Service]\nExecStart=/usr/bin/true\n"
    if suffix == "socket":
        return head + f"\n[Socket]\nListenStream=/run/stub-{name}\n"
    if suffix == "timer":
        return head + "\n[Timer]\nOnCalendar=daily\n"
    if suffix == "path":
        return head + "\n[Path]\nPathExists=/nonexistent\n"
    return head


def instance_name(name):
    """A template is verified as one of its instances."""
    base, _, suffix = name.rpartition(".")
    return f"{base}sysconf-verify.{suffix}" if base.endswith("@") else name


class UnitDir:
    """The units rendered into one unit directory (a generation's
    etc/systemd/system or a home's .config/systemd/user), read through
    `resolve`, which turns a path in the tree into the host path of what it
    points to."""

    def __init__(self, path, resolve):
        self.path = path
        self.units = {}      # name -> host path of the unit file
        self.aliases = {}    # name -> the unit it names
        self.dropins = {}    # name -> [(drop-in name, host path)]
        self.links = []      # (directory, name, target) in .wants/.requires/.upholds
        self.problems = []
        if not os.path.isdir(path):
            return
        for name in sorted(os.listdir(path)):
            p = os.path.join(path, name)
            if os.path.isdir(p) and not os.path.islink(p):
                if name.endswith(".d"):
                    for conf in sorted(os.listdir(p)):
                        if not conf.endswith(".conf"):
                            self.problems.append(f"{name}/{conf}: a drop-in must end in .conf; systemd ignores it")
                            continue
                        self.dropins.setdefault(name[:-2], []).append((conf, resolve(os.path.join(p, conf))))
                elif name.endswith((".wants", ".requires", ".upholds")):
                    for link in sorted(os.listdir(p)):
                        lp = os.path.join(p, link)
                        if not os.path.islink(lp):
                            self.problems.append(f"{name}/{link}: not a link")
                            continue
                        self.links.append((name, link, os.readlink(lp)))
                else:
                    self.problems.append(f"{name}/: unexpected directory in a unit directory")
                continue
            if not name.endswith(UNIT_SUFFIXES):
                self.problems.append(f"{name}: not a unit name (no known unit suffix)")
                continue
            if os.path.islink(p) and "/" not in os.readlink(p):
                self.aliases[name] = os.readlink(p)
                continue
            if os.path.islink(p) and os.readlink(p).startswith(("/usr/lib/systemd/", "/lib/systemd/")):
                self.links.append(("", name, os.readlink(p)))  # a package's unit under another name
                continue
            target = resolve(p)
            if target and os.path.isfile(target):
                self.units[name] = target
            else:
                self.problems.append(f"{name}: dangling link {os.readlink(p) if os.path.islink(p) else ''}")

    def items(self, name):
        out = []
        paths = ([self.units[name]] if name in self.units else []) + [p for _, p in self.dropins.get(name, [])]
        for p in paths:
            with open(p, encoding="utf-8", errors="replace") as f:
                out += parse_unit_text(f.read())
        return out

    def structure_problems(self, package_dirs):
        """Aliases name a unit of the same type here; .wants/.requires links
        name a unit here (../NAME) or a package's unit (absolute, same name)."""
        out = list(self.problems)
        for alias, target in self.aliases.items():
            if target not in self.units:
                out.append(f"{alias}: alias of {target}, which is not a unit here")
            elif alias.rpartition(".")[2] != target.rpartition(".")[2]:
                out.append(f"{alias}: alias of {target}, a unit of another type")
        for directory, name, target in self.links:
            where = f"{directory}/{name}" if directory else name
            if target.startswith("/"):
                if not any(target.startswith(d + "/") for d in package_dirs):
                    out.append(f"{where} -> {target}: a package unit link must point into {' or '.join(package_dirs)}")
                elif directory and os.path.basename(target) != name and \
                        os.path.basename(target) != re.sub(r"@[^.]+\.", "@.", name):
                    out.append(f"{where} -> {target}: the link's name is not the unit's name")
            else:
                unit = os.path.basename(target)
                if target != f"../{name}" and not (directory == "" and unit == name):
                    out.append(f"{where} -> {target}: expected ../{name}")
                template = re.sub(r"@[^.]+\.", "@.", unit)
                if unit not in self.units and unit not in self.aliases and template not in self.units:
                    out.append(f"{where} -> {target}: no such unit in this directory")
        return out


def _make_stub_executable(path):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(STUB_EXECUTABLE)
    os.chmod(path, 0o755)


def _resolve_in(root, path):
    return h.resolve_in_root(root, path) if root != "/" else os.path.realpath(path)


def _executable_in(root, path):
    try:
        p = _resolve_in(root, path)
    except OSError:
        return False
    return os.path.isfile(p) and os.access(p, os.X_OK)


def _on_default_path(root, name):
    return any(_executable_in(root, os.path.join(d, name)) for d in DEFAULT_PATH)


class UnitReport:
    def __init__(self):
        self.problems = []
        self.notes = []
        self.verified = []


def verify_system_units(root, scratch):
    """systemd-analyze verify of every unit of ROOT/etc/systemd/system (a
    switched root: links through /etc/static into the store)."""
    report = UnitReport()
    vroot = os.path.join(scratch, "verify-root")
    if os.path.exists(vroot):
        shutil.rmtree(vroot)
    os.makedirs(vroot)
    for part in ("etc", h.STATE, "run/sysconf"):
        src = os.path.join(root, part)
        if os.path.lexists(src):
            shutil.copytree(src, os.path.join(vroot, part), symlinks=True)
    for name in ("bin", "sbin", "lib"):
        os.symlink("usr/" + name, os.path.join(vroot, name))
    if os.path.isdir("/usr/lib/systemd/system"):
        shutil.copytree("/usr/lib/systemd/system", os.path.join(vroot, "usr/lib/systemd/system"), symlinks=True)
    _make_stub_executable(os.path.join(vroot, "usr/bin/true"))  # the stand-in units' ExecStart
    udir = UnitDir(os.path.join(vroot, "etc/systemd/system"),
                   lambda p: _resolve_in(vroot, "/" + os.path.relpath(p, vroot)))
    report.problems += [f"/etc/systemd/system/{p}" for p in
                        udir.structure_problems(("/usr/lib/systemd/system", "/lib/systemd/system"))]
    package_dir = os.path.join(vroot, "usr/lib/systemd/system")

    def present(name):
        template = re.sub(r"@[^.]+\.", "@.", name)
        return any(n in udir.units or n in udir.aliases or os.path.lexists(os.path.join(package_dir, n))
                   for n in (name, template))

    def stub_unit(name, why):
        if present(name):
            return
        with open(os.path.join(package_dir, re.sub(r"@[^.]+\.", "@.", name)), "w") as f:
            f.write(stub_unit_text(name))
        report.notes.append(f"{name}: not installed on this machine; a stand-in unit was used ({why})")

    for directory, name, target in udir.links:
        if target.startswith("/") and not os.path.lexists(_resolve_in(vroot, target)):
            stub_unit(os.path.basename(target), f"enabled by {directory or 'alias'} link")
    to_verify = sorted(set(udir.units) | set(udir.dropins))
    for name in to_verify:
        if name not in udir.units:
            stub_unit(name, "the base of a drop-in")
    for name in to_verify:
        items = udir.items(name)
        for dep in unit_deps(name, items):
            stub_unit(dep, f"required by {name}")
        for prog in exec_commands(items):
            if "%" in prog or "$" in prog:
                continue  # resolved by systemd at run time; verify checks it as written
            if not prog.startswith("/"):
                if not _on_default_path(vroot, prog):
                    found = _on_default_path("/", prog)
                    _make_stub_executable(os.path.join(vroot, "usr/bin", prog))
                    if not found:
                        report.notes.append(f"{name}: {prog} is not on this machine's PATH; stubbed")
                continue
            if prog.startswith(STORE_DIR + "/"):
                continue  # a store script: must really be there
            if not _executable_in(vroot, prog):
                _make_stub_executable(_resolve_in(vroot, prog))
                if not _executable_in("/", prog):
                    report.notes.append(f"{name}: {prog} is not installed on this machine; stubbed")
    if not to_verify:
        return report
    names = [instance_name(n) for n in to_verify]
    r = run_tool(["systemd-analyze", "verify", f"--root={vroot}", "--man=no", "--generators=no", *names])
    for line in lines_of(r.stdout + r.stderr):
        line = line.replace(vroot, "")
        if re.match(r"^/(usr/)?lib/systemd/system/[^:]+:\d+: ", line):
            report.notes.append("in a package's unit (not this configuration's): " + line)
        else:
            report.problems.append(line)
    if r.returncode != 0 and not report.problems:
        report.problems.append(f"systemd-analyze verify exited {r.returncode} without a message:\n{shown(r)}")
    report.verified = to_verify
    return report


def verify_user_units(home_dir, root, scratch, home_path=None):
    """systemd-analyze --user verify of the units in HOME/.config/systemd/user
    (home_dir: a materialised home; root: the switched root, where store
    scripts live; home_path: the home's path on the machine, /home/USER,
    whose files the units may run)."""
    report = UnitReport()
    base = tempfile.mkdtemp(prefix="user-verify-", dir=scratch)
    runtime = os.path.join(base, "runtime")
    data = os.path.join(base, "data")
    os.makedirs(runtime, mode=0o700)
    stubs = os.path.join(data, "systemd/user")
    os.makedirs(stubs)
    udir = UnitDir(os.path.join(home_dir, ".config/systemd/user"), os.path.realpath)
    report.problems += [f"~/.config/systemd/user/{p}" for p in
                        udir.structure_problems(("/usr/lib/systemd/user", "/lib/systemd/user"))]
    host_dirs = ("/etc/systemd/user", "/usr/lib/systemd/user", "/usr/local/lib/systemd/user")

    def present(name):
        template = re.sub(r"@[^.]+\.", "@.", name)
        return any(n in udir.units or n in udir.aliases or os.path.lexists(os.path.join(d, n))
                   for n in (name, template) for d in host_dirs + (stubs,))

    def stub_unit(name, why):
        if present(name):
            return
        with open(os.path.join(stubs, re.sub(r"@[^.]+\.", "@.", name)), "w") as f:
            f.write(stub_unit_text(name))
        report.notes.append(f"{name}: not installed on this machine; a stand-in user unit was used ({why})")

    to_verify = sorted(set(udir.units) | set(udir.dropins))
    allowed_missing = set()
    for name in to_verify:
        if name not in udir.units:
            stub_unit(name, "the base of a drop-in")
    for name in to_verify:
        items = udir.items(name)
        for dep in unit_deps(name, items):
            stub_unit(dep, f"required by {name}")
        for prog in exec_commands(items):
            if prog.startswith(STORE_DIR + "/"):
                if _executable_in(root, prog):
                    allowed_missing.add(prog)  # checked in the root, absent from this machine's /var
                else:
                    report.problems.append(f"{name}: store command {prog} is missing or not executable in the generation")
            elif home_path and prog.startswith(home_path.rstrip("/") + "/"):
                if _executable_in("/", os.path.join(home_dir, prog[len(home_path.rstrip("/")) + 1:])):
                    allowed_missing.add(prog)  # a file of the home, present and executable there
                else:
                    report.problems.append(f"{name}: {prog} is not an executable file of the home")
            elif prog.startswith("/") and not _executable_in("/", prog):
                allowed_missing.add(prog)
                report.notes.append(f"{name}: {prog} is not installed on this machine")
            elif not prog.startswith("/") and not _on_default_path("/", prog):
                allowed_missing.add(prog)
                report.notes.append(f"{name}: {prog} is not on this machine's PATH")
    if not to_verify:
        return report
    env = {"HOME": home_dir, "XDG_CONFIG_HOME": os.path.join(home_dir, ".config"), "XDG_DATA_HOME": data,
           "XDG_RUNTIME_DIR": runtime, "XDG_STATE_HOME": os.path.join(base, "state"),
           "XDG_CACHE_HOME": os.path.join(base, "cache")}
    names = [instance_name(n) for n in to_verify]
    r = run_tool(["systemd-analyze", "--user", "verify", "--man=no", "--generators=no", *names], env=env)
    missing = re.compile(r"^(\S+): Command (.+) is not executable: No such file or directory$")
    for line in lines_of(r.stdout + r.stderr):
        m = missing.match(line)
        if m and m.group(2) in allowed_missing:
            continue
        line = line.replace(home_dir, "~")
        if re.match(r"^/(usr/)?lib/systemd/user/[^:]+:\d+: ", line):
            report.notes.append("in a package's unit (not this configuration's): " + line)
        else:
            report.problems.append(line)
    report.verified = to_verify
    return report


# --------------------------------------------------------------------------
# sysusers.d and tmpfiles.d


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


# --------------------------------------------------------------------------
# Data formats


def strip_json_comments(text):
    """JSONC (waybar accepts // and /* */ comments) to JSON."""
    out, i, n = [], 0, len(text)
    in_string = False
    while i < n:
        c = text[i]
        if in_string:
            out.append(c)
            if c == "\\" and i + 1 < n:
                out.append(text[i + 1])
                i += 1
            elif c == '"':
                in_string = False
        elif c == '"':
            in_string = True
            out.append(c)
        elif text.startswith("//", i):
            while i < n and text[i] != "\n":
                i += 1
            continue
        elif text.startswith("/*", i):
            end = text.find("*/", i + 2)
            i = n if end < 0 else end + 2
            continue
        else:
            out.append(c)
        i += 1
    return "".join(out)


def data_format(label):
    base = os.path.basename(label)
    if re.search(r"/\.config/waybar/config$", label) or base.endswith((".json", ".jsonc")):
        return "json"
    if base.endswith((".yaml", ".yml")):
        return "yaml"
    if base.endswith(".toml"):
        return "toml"
    return None


def parse_data(fmt, text):
    if fmt == "json":
        return json.loads(strip_json_comments(text))
    if fmt == "toml":
        return tomllib.loads(text)
    try:
        import yaml  # python3-yaml
    except ImportError:
        raise unittest.SkipTest(f"PyYAML is not installed for {sys.executable} (scripts/install-deps.sh "
                                "installs python3-yaml for Debian's python3)")
    return list(yaml.safe_load_all(text))


def waybar_problems(config):
    if not isinstance(config, list):
        return [f"the config is a {type(config).__name__}, not a list of bars"]
    out = []
    for i, bar in enumerate(config):
        if not isinstance(bar, dict):
            out.append(f"bar {i} is a {type(bar).__name__}, not an object")
            continue
        for key in ("modules-left", "modules-center", "modules-right"):
            if key in bar and not (isinstance(bar[key], list) and all(isinstance(m, str) for m in bar[key])):
                out.append(f"bar {i}: {key} is not a list of module names: {bar[key]!r}")
    return out


# Module families that Debian 12's waybar (0.9.17-2) does not have, and the
# release that added them: the strings of /usr/bin/waybar in that package have
# no "niri" at all, so it logs "Unknown module: niri/workspaces" and leaves the
# module out of the bar.
WAYBAR_DEBIAN_12_LACKS = {"niri/": "Waybar 0.11.0"}


# Files that the Debian 12 version of the program they are meant for does not
# read, each checked against that package's binary: a file here changes
# nothing on the laptop.
IGNORED_ON_DEBIAN_12 = {
    r"^/etc/xdg/xdg-desktop-portal/[^/]*portals\.conf$|/\.config/xdg-desktop-portal/[^/]*portals\.conf$":
        "xdg-desktop-portal 1.16.0 (Debian 12) reads no portals.conf (added in 1.17.0; its binary has no "
        "\"portals.conf\" string): it picks portals by the UseIn= of each .portal file",
}


# The laptop runs niri, which Debian 12 does not have: it comes from Debian 13
# (or a local build) with the programs of its generation, and the session is
# written for those. These are exactly what Debian 12's versions would miss,
# so that any other such file or module still fails.
NEEDED_WITH_NIRI = {
    "vivobook": {
        "files": ["/etc/xdg/xdg-desktop-portal/niri-portals.conf"],  # xdg-desktop-portal >= 1.17
        "waybar": ["niri/window", "niri/workspaces"],                 # waybar >= 0.11
    },
}


def ignored_file_problems(labels):
    return [f"{label}: {why}" for label in labels for rx, why in IGNORED_ON_DEBIAN_12.items() if re.search(rx, label)]


def waybar_module_problems(config, binary="/usr/bin/waybar"):
    """Every module a bar names must be one Debian 12's waybar has. Where
    waybar is installed, its binary must also contain the module's name
    (how its factory recognises modules); custom/ and group/ names are free."""
    data = None
    if binary and os.path.exists(binary):
        with open(binary, "rb") as f:
            data = f.read()
    problems = []
    for i, bar in enumerate(config if isinstance(config, list) else []):
        if not isinstance(bar, dict):
            continue
        for key in ("modules-left", "modules-center", "modules-right"):
            for module in bar.get(key, []) if isinstance(bar.get(key), list) else []:
                base = str(module).split("#", 1)[0]
                for prefix, since in WAYBAR_DEBIAN_12_LACKS.items():
                    if base.startswith(prefix):
                        problems.append(f"bar {i} {key}: {module}: Debian 12's waybar 0.9.17 has no such module "
                                        f"(added in {since}); it logs \"Unknown module: {module}\" and leaves it out")
                if data is not None and not base.startswith(("custom/", "group/")) and base.encode() not in data:
                    problems.append(f"bar {i} {key}: {module}: not a module of this machine's waybar ({binary})")
    return problems


# --------------------------------------------------------------------------
# udev rules: a checker of systemd 252's rule syntax (udev-rules.c), since
# Debian 12's udevadm has no `verify`. It reports what udevd would log at
# warning level or above when it loads the file.

UDEV_MATCH = {"ACTION", "DEVPATH", "KERNEL", "SUBSYSTEM", "DRIVER", "KERNELS", "SUBSYSTEMS", "DRIVERS",
              "TAGS", "RESULT", "CONST", "ATTRS", "TEST"}
UDEV_EITHER = {"SYMLINK", "NAME", "ENV", "TAG", "ATTR", "SYSCTL"}
UDEV_ASSIGN = {"OPTIONS", "OWNER", "GROUP", "MODE", "SECLABEL", "RUN", "GOTO", "LABEL", "PROGRAM", "IMPORT"}
UDEV_NEEDS_ATTR = {"ENV", "CONST", "ATTR", "SYSCTL", "ATTRS", "SECLABEL", "IMPORT"}
UDEV_MAY_ATTR = {"TEST", "RUN"}
UDEV_BUILTINS = {"blkid", "btrfs", "hwdb", "input_id", "keyboard", "kmod", "net_id", "net_setup_link",
                 "path_id", "uaccess", "usb_id"}
UDEV_OPTIONS = re.compile(r"^(string_escape=(none|replace)|db_persist|watch|nowatch|static_node=.+|"
                          r"link_priority=-?\d+|log_level=(reset|emerg|alert|crit|err|warning|notice|info|debug|[0-7]))$")
UDEV_SUBST_LONG = ["devnode", "tempnode", "attr", "sysfs", "env", "kernel", "number", "driver", "devpath", "id",
                   "major", "minor", "result", "parent", "name", "links", "root", "sys"]
UDEV_SUBST_SHORT = "NsEknbdpMmcPDLrS"


def udev_format_problem(value):
    i = 0
    while i < len(value):
        c = value[i]
        if c in "%$":
            nxt = value[i + 1:i + 2]
            if nxt == c:
                i += 2
                continue
            if c == "%":
                if not nxt or nxt not in UDEV_SUBST_SHORT:
                    return f"invalid substitution %{nxt}"
                kind, i = nxt, i + 2
                needs = kind in "sE"
            else:
                name = next((n for n in sorted(UDEV_SUBST_LONG, key=len, reverse=True)
                             if value.startswith(n, i + 1)), None)
                if not name:
                    return f"invalid substitution ${value[i + 1:i + 8]}"
                kind, i = name, i + 1 + len(name)
                needs = name in ("attr", "sysfs", "env")
            if value[i:i + 1] == "{":
                end = value.find("}", i)
                if end < 0:
                    return "unterminated { in a substitution"
                i = end + 1
            elif needs:
                return f"substitution {c}{kind} needs an argument in {{}}"
            continue
        i += 1
    return None


def udev_rules_problems(text, name, known_groups=None, known_users=None):
    problems = []
    if not name.endswith(".rules"):
        problems.append(f"{name}: udev reads only files ending in .rules")
    logical = []
    acc, start = None, 0
    for number, raw in enumerate(text.split("\n"), 1):
        line = raw.rstrip("\r")
        if acc is None:
            start = number
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            acc = ""
        if line.endswith("\\"):
            acc += line[:-1]
            continue
        acc += line
        logical.append((start, acc))
        acc = None
    if acc:
        problems.append(f"{name}:{start}: the file ends inside a continued line")
    labels, gotos = set(), []
    for number, line in logical:
        where = f"{name}:{number}"
        i, n, tokens = 0, len(line), 0
        while True:
            while i < n and line[i] in " \t,":
                i += 1
            if i >= n:
                break
            m = re.match(r"([A-Za-z_]+)(\{([^}]*)\})?\s*(==|!=|\+=|-=|:=|=)\s*", line[i:])
            if not m:
                problems.append(f"{where}: invalid rule at {line[i:i + 30]!r}")
                break
            key, attr, op = m.group(1), m.group(3), m.group(4)
            i += m.end()
            escaped = line.startswith("e", i) and line.startswith('"', i + 1)
            if escaped:
                i += 1
            if not line.startswith('"', i):
                problems.append(f"{where}: {key}: the value must be in double quotes")
                break
            j = i + 1
            while j < n and line[j] != '"':
                j += 2 if line[j] == "\\" else 1
            if j >= n:
                problems.append(f"{where}: {key}: unterminated value")
                break
            value = line[i + 1:j].replace('\\"', '"')
            i = j + 1
            if i < n and line[i] not in " \t,":
                problems.append(f"{where}: {key}: a comma or space is expected after the value")
            tokens += 1
            is_match = op in ("==", "!=")
            if key not in UDEV_MATCH | UDEV_EITHER | UDEV_ASSIGN:
                problems.append(f"{where}: invalid key '{key}'")
                continue
            if attr is not None and key not in UDEV_NEEDS_ATTR | UDEV_MAY_ATTR:
                problems.append(f"{where}: {key} takes no {{attribute}}")
            if attr is None and key in UDEV_NEEDS_ATTR:
                problems.append(f"{where}: {key} needs an {{attribute}}")
            if key == "CONST" and attr not in ("arch", "virt"):
                problems.append(f"{where}: CONST{{{attr}}}: only arch and virt")
            if key in UDEV_MATCH and not is_match and key != "TEST":
                problems.append(f"{where}: invalid operator '{op}' for {key} (a match key: == or !=)")
            if key == "TEST" and not is_match:
                problems.append(f"{where}: invalid operator '{op}' for TEST")
            if key in ("OPTIONS", "OWNER", "GROUP", "MODE", "SECLABEL", "RUN") and (is_match or op == "-="):
                problems.append(f"{where}: invalid operator '{op}' for {key} (an assignment)")
            if key in ("NAME", "ENV", "ATTR", "SYSCTL", "PROGRAM", "IMPORT") and op == "-=":
                problems.append(f"{where}: invalid operator '-=' for {key}")
            if key in ("GOTO", "LABEL") and op != "=":
                problems.append(f"{where}: {key} takes only '='")
            if key in ("NAME", "OWNER", "GROUP", "MODE") and op == "+=":
                problems.append(f"{where}: {key} does not take '+=' (udev assumes '=' and warns)")
            if key in ("ENV", "TAG", "SECLABEL") and op == ":=":
                problems.append(f"{where}: {key} does not take ':=' (udev assumes '=' and warns)")
            if key in ("ATTR", "SYSCTL") and op in ("+=", ":="):
                problems.append(f"{where}: {key} does not take '{op}' (udev assumes '=' and warns)")
            if key == "SUBSYSTEM" and value in ("bus", "class"):
                problems.append(f"{where}: \"{value}\" must be specified as \"subsystem\"")
            if key == "OPTIONS" and not is_match and not UDEV_OPTIONS.match(value):
                problems.append(f"{where}: invalid value for OPTIONS: '{value}'")
            if key == "IMPORT" and attr not in ("file", "program", "builtin", "db", "cmdline", "parent"):
                problems.append(f"{where}: IMPORT{{{attr}}}: unknown kind")
            if key == "RUN" and attr not in (None, "program", "builtin"):
                problems.append(f"{where}: RUN{{{attr}}}: only program or builtin")
            if (key in ("IMPORT", "RUN") and attr == "builtin") and value.split()[:1] and \
                    value.split()[0] not in UDEV_BUILTINS:
                problems.append(f"{where}: unknown builtin command '{value.split()[0]}'")
            if key == "NAME" and not is_match and value in ("%k", ""):
                problems.append(f"{where}: NAME=\"{value}\" has no effect; udev ignores it")
            if key == "GROUP" and not is_match and known_groups is not None and \
                    not re.fullmatch(r"\d+", value) and "%" not in value and "$" not in value and \
                    value not in known_groups:
                problems.append(f"{where}: unknown group \"{value}\" (udev ignores it)")
            if key == "OWNER" and not is_match and known_users is not None and \
                    not re.fullmatch(r"\d+", value) and "%" not in value and "$" not in value and \
                    value not in known_users:
                problems.append(f"{where}: unknown user \"{value}\" (udev ignores it)")
            if key == "MODE" and not is_match and not re.fullmatch(r"[0-7]{3,4}", value) and \
                    "%" not in value and "$" not in value:
                problems.append(f"{where}: invalid mode '{value}'")
            if key == "LABEL":
                labels.add(value)
            if key == "GOTO":
                gotos.append((where, value))
            if key in ("RUN", "PROGRAM", "IMPORT", "SYMLINK", "NAME", "ENV", "ATTR", "SYSCTL", "TAG", "TEST",
                       "OWNER", "GROUP", "MODE", "SECLABEL") and not is_match:
                bad = udev_format_problem(value)
                if bad:
                    problems.append(f"{where}: {key}=\"{value}\": {bad}")
        if tokens == 0 and not any(p.startswith(where) for p in problems):
            problems.append(f"{where}: a rule with no key")
    for where, label in gotos:
        if label not in labels:
            problems.append(f"{where}: GOTO=\"{label}\" has no matching LABEL")
    return problems


def _first_fields(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        return {l.split(":")[0] for l in f if ":" in l}


def known_accounts(*roots):
    """Users and groups that exist on a Debian 12 machine with this
    configuration: base-passwd, the systemd and udev sysusers.d files, and
    what the switch created."""
    users, groups = set(), set()
    for path in ("/usr/share/base-passwd/passwd.master", "/etc/passwd"):
        if os.path.exists(path):
            users |= _first_fields(path)
    for path in ("/usr/share/base-passwd/group.master", "/etc/group"):
        if os.path.exists(path):
            groups |= _first_fields(path)
    d = "/usr/lib/sysusers.d"
    for name in sorted(os.listdir(d)) if os.path.isdir(d) else []:
        with open(os.path.join(d, name), encoding="utf-8", errors="replace") as f:
            for l in f:
                w = l.split()
                if len(w) >= 2 and w[0] in ("u", "g"):
                    groups.add(w[1])
                    if w[0] == "u":
                        users.add(w[1])
                if len(w) >= 3 and w[0] == "m":
                    groups.add(w[2])
    # Groups the rules of Debian 12's udev package use, created on the laptop
    # by udev's and systemd's sysusers.d (udev is not installed here).
    groups |= {"input", "kvm", "render", "sgx", "audio", "video", "tty", "disk", "cdrom", "tape", "dialout",
               "floppy", "lp", "kmem"}
    for root in roots:
        for name, acc in (("passwd", users), ("group", groups)):
            p = os.path.join(root, "etc", name)
            if os.path.exists(p):
                acc |= _first_fields(p)
    return users, groups


# --------------------------------------------------------------------------
# KDL (niri's config): a syntax checker of KDL 1.0 documents, since neither
# niri nor a KDL parser is packaged in Debian 12. It checks structure only
# (strings, numbers, identifiers, properties, children blocks, comments),
# not niri's schema.

KDL_IDENT_BAD = set('\\/(){}<>;[]=,"') | {" ", "\t", "\n", "\r"}


def kdl_problems(text, name):
    problems = []
    i, n, line = 0, len(text), 1
    depth_lines = []
    at_node_start = True

    def err(msg):
        problems.append(f"{name}:{line}: {msg}")

    while i < n and not problems:
        c = text[i]
        if c == "\n":
            line += 1
            i += 1
            at_node_start = True
            continue
        if c in " \t\r\ufeff":
            i += 1
            continue
        if text.startswith("//", i):
            while i < n and text[i] != "\n":
                i += 1
            continue
        if text.startswith("/*", i):
            depth, i = 1, i + 2
            while i < n and depth:
                if text.startswith("/*", i):
                    depth, i = depth + 1, i + 2
                elif text.startswith("*/", i):
                    depth, i = depth - 1, i + 2
                else:
                    line += text[i] == "\n"
                    i += 1
            if depth:
                err("unterminated /* comment")
            continue
        if text.startswith("/-", i):
            i += 2
            continue
        if c == "\\":  # line continuation
            j = i + 1
            while j < n and text[j] in " \t":
                j += 1
            if text.startswith("//", j):
                while j < n and text[j] != "\n":
                    j += 1
            if j < n and text[j] not in "\r\n":
                err("a line continuation must end the line")
            i = j + 1
            line += 1
            continue
        if c == ";":
            at_node_start = True
            i += 1
            continue
        if c == "{":
            depth_lines.append(line)
            at_node_start = True
            i += 1
            continue
        if c == "}":
            if not depth_lines:
                err("} without {")
            else:
                depth_lines.pop()
            i += 1
            continue
        if c == "(":  # type annotation
            end = text.find(")", i)
            if end < 0 or "\n" in text[i:end]:
                err("unterminated type annotation")
            i = end + 1
            continue
        if c == "=":
            if at_node_start:
                err("a node cannot start with =")
            i += 1
            continue
        if c == '"':
            j = i + 1
            while j < n and text[j] != '"':
                if text[j] == "\\":
                    if text[j + 1:j + 2] not in ('"', "\\", "/", "b", "f", "n", "r", "t", "u"):
                        err(f"invalid escape \\{text[j + 1:j + 2]} in a string")
                    j += 2
                else:
                    line += text[j] == "\n"
                    j += 1
            if j >= n:
                err("unterminated string")
            i = j + 1
            at_node_start = False
            continue
        m = re.match(r'r(#*)"', text[i:])
        if m:
            close = '"' + m.group(1)
            end = text.find(close, i + m.end())
            if end < 0:
                err("unterminated raw string")
                break
            line += text.count("\n", i, end)
            i = end + len(close)
            at_node_start = False
            continue
        m = re.match(r"[+-]?(0x[0-9a-fA-F_]+|0o[0-7_]+|0b[01_]+|[0-9][0-9_]*(\.[0-9][0-9_]*)?([eE][+-]?[0-9_]+)?)", text[i:])
        if m and (i + m.end() >= n or text[i + m.end()] in KDL_IDENT_BAD):
            if at_node_start:
                err(f"a node name cannot be a number: {m.group(0)}")
            i += m.end()
            at_node_start = False
            continue
        j = i
        while j < n and text[j] not in KDL_IDENT_BAD:
            j += 1
        if j == i:
            err(f"unexpected character {c!r}")
            break
        ident = text[i:j]
        if re.match(r"[+-]?[0-9]", ident):
            err(f"invalid number or identifier {ident!r}")
        i = j
        at_node_start = False
    if not problems and depth_lines:
        problems.append(f"{name}:{depth_lines[-1]}: {{ is never closed")
    return problems


# --------------------------------------------------------------------------
# Programs' own config parsers

KITTY_CHECK = r"""
import json, sys
from kitty.config import load_config
bad = []
load_config(sys.argv[-1], accumulate_bad_lines=bad)
print(json.dumps([[b.file, b.number, b.line, str(b.exception)] for b in bad]))
"""


def kitty_problems(conf, home, scratch):
    """kitty's own config loader on `conf` (kitty 0.26.5 in Debian 12 has no
    config check option; +runpy runs its Python without a window)."""
    env = {"HOME": home, "KITTY_CONFIG_DIRECTORY": os.path.dirname(conf),
           "XDG_CACHE_HOME": tempfile.mkdtemp(prefix="kitty-cache-", dir=scratch)}
    r = run_tool(["kitty", "+runpy", KITTY_CHECK, conf], env=env)
    problems = []
    if r.returncode != 0:
        return [shown(r)]
    try:
        for file, number, text, error in json.loads(r.stdout.strip().splitlines()[-1]):
            problems.append(f"{file}:{number}: {text!r}: {error}")
    except (ValueError, IndexError):
        problems.append("unexpected output: " + shown(r))
    problems += [re.sub(r"^\[[^\]]*\]\s*", "", l) for l in lines_of(r.stderr)]
    return [p.replace(home, "~") for p in problems]


def fuzzel_problems(ini, home, scratch):
    """fuzzel 1.8.2 (Debian 12) has no --check-config (1.9 added it), but it
    loads the whole config before connecting to Wayland: with no compositor,
    a good config ends in "failed to connect to wayland", a bad one in the
    config error."""
    runtime = tempfile.mkdtemp(prefix="fuzzel-rt-", dir=scratch)
    os.chmod(runtime, 0o700)
    env = {"HOME": home, "XDG_RUNTIME_DIR": runtime, "XDG_CONFIG_HOME": os.path.join(home, ".config"),
           "XDG_CACHE_HOME": os.path.join(runtime, "cache")}
    r = run_tool(["fuzzel", f"--config={ini}", "--log-no-syslog", "--log-colorize=never", "--log-level=warning"],
                 env=env, timeout=20)
    out = lines_of(r.stderr + r.stdout)
    reached = [l for l in out if "failed to connect to wayland" in l]
    problems = [l for l in out if "failed to connect to wayland" not in l]
    if not reached and not problems:
        problems.append("fuzzel did not get as far as connecting to Wayland: " + shown(r))
    return [p.replace(home, "~") for p in problems]


def mako_problems(conf, home, scratch):
    """mako 1.7.1 has no check option, but parses its config before it
    connects to the session bus: with no bus (an empty XDG_RUNTIME_DIR, no
    DBUS_SESSION_BUS_ADDRESS) a good config ends in "Failed to connect to
    user bus"."""
    runtime = tempfile.mkdtemp(prefix="mako-rt-", dir=scratch)
    os.chmod(runtime, 0o700)
    env = {"HOME": home, "XDG_RUNTIME_DIR": runtime, "XDG_CONFIG_HOME": os.path.join(home, ".config")}
    r = run_tool(["mako", "--config", conf], env=env, timeout=20)
    out = lines_of(r.stderr + r.stdout)
    reached = [l for l in out if l.startswith("Failed to connect to user bus")]
    problems = [l for l in out if not l.startswith("Failed to connect to user bus")]
    if not reached and not problems:
        problems.append("mako did not get as far as connecting to the bus: " + shown(r))
    return [p.replace(home, "~") for p in problems]


# --------------------------------------------------------------------------
# Other files the machine reads: shell, modprobe.d, fontconfig, systemd's
# own *.conf.d, INI files, environment.d, sysctl.d


def shell_of(e):
    """The shell that runs or sources a rendered file, or None."""
    first = e.data.split(b"\n", 1)[0].decode("utf-8", "replace") if e.data else ""
    m = re.match(r"#!\s*(\S+)(\s+(\S+))?", first)
    if m:
        prog = os.path.basename(m.group(1))
        if prog == "env" and m.group(3):
            prog = os.path.basename(m.group(3))
        return {"sh": "dash", "dash": "dash", "bash": "bash"}.get(prog)
    if e.label.endswith(".sh") or re.search(r"^/etc/default/grub(\.d/.*\.cfg)?$", e.label):
        return "dash"  # sourced by /bin/sh (update-grub, profile scripts): dash on Debian
    return None


def shell_problems(entries):
    problems = []
    for e in entries:
        shell = shell_of(e) if e.kind == "file" else None
        if not shell:
            continue
        r = subprocess.run([shell, "-n"], input=e.data, capture_output=True, timeout=30)
        if r.returncode != 0 or r.stderr.strip():
            problems.append(f"{e.label} ({shell} -n): {r.stderr.decode(errors='replace').strip()}")
    return problems


def is_python(e):
    return e.kind == "file" and (e.label.endswith(".py") or bool(re.match(rb"#!\S*(/|env\s+)python3?\b", e.data)))


def python_problems(entries):
    """Python scripts compiled by Python (this machine's python3 is Debian
    12's, as on the laptop)."""
    problems = []
    for e in entries:
        if not is_python(e):
            continue
        try:
            compile(e.data, e.label, "exec")
        except SyntaxError as err:
            problems.append(f"{e.label}:{err.lineno}: {err.msg}")
    return problems


def modprobe_problems(files, scratch):
    """kmod's own parser (`modprobe -C DIR --showconfig`) on modprobe.d files."""
    d = tempfile.mkdtemp(prefix="modprobe.d-", dir=scratch)
    for name, data in files.items():
        with open(os.path.join(d, name), "wb") as f:
            f.write(data)
    r = run_tool(["modprobe", "-C", d, "--showconfig"])
    problems = [l.replace(d, "/etc/modprobe.d") for l in lines_of(r.stderr) if d in l]
    if r.returncode != 0:
        problems.append(shown(r))
    return problems


def fontconfig_problems(files, scratch):
    """fontconfig's own parser: fc-match with a configuration that only
    includes these files (ignore_missing="no"); every "Fontconfig warning" or
    "error" line is a problem."""
    d = tempfile.mkdtemp(prefix="fontconfig-", dir=scratch)
    includes = []
    problems = []
    for i, (label, data) in enumerate(sorted(files.items())):
        path = os.path.join(d, f"{i}.conf")
        with open(path, "wb") as f:
            f.write(data)
        includes.append(f'  <include ignore_missing="no">{path}</include>')
        try:
            import xml.etree.ElementTree as ET
            ET.fromstring(data)
        except ET.ParseError as err:
            problems.append(f"{label}: not well-formed XML: {err}")
    wrapper = os.path.join(d, "fonts.conf")
    h.write(wrapper, '<?xml version="1.0"?>\n<fontconfig>\n' + "\n".join(includes) + "\n</fontconfig>\n")
    r = run_tool(["fc-match", "monospace"], env={"FONTCONFIG_FILE": wrapper, "XDG_CACHE_HOME": os.path.join(d, "cache"),
                                                   "HOME": d})
    names = {os.path.join(d, f"{i}.conf"): label for i, label in enumerate(sorted(files))}
    for l in lines_of(r.stderr):
        for path, label in names.items():
            l = l.replace(path, label)
        problems.append(l)
    return problems


def systemd_conf_problems(label, text):
    """/etc/systemd/NAME.conf.d/*.conf: sections and keys must be ones that
    Debian's systemd documents in /etc/systemd/NAME.conf (it lists every
    setting, commented out, in its section). None when that file is not on
    this machine."""
    m = re.search(r"/etc/systemd/([^/]+)\.conf\.d/[^/]+\.conf$", label)
    if not m:
        return None
    template = f"/etc/systemd/{m.group(1)}.conf"
    if not os.path.exists(template):
        return None
    known, section = {}, None
    with open(template) as f:
        for line in f:
            line = line.strip()
            if re.fullmatch(r"\[[A-Za-z]+\]", line):
                section = line[1:-1]
                known.setdefault(section, set())
            elif section and re.match(r"^#?([A-Za-z]+)=", line):
                known[section].add(re.match(r"^#?([A-Za-z]+)=", line).group(1))
    problems = []
    for sec, key, _value, number in parse_unit_text(text):
        if sec not in known:
            problems.append(f"{label}:{number}: section [{sec}] is not one of {template}'s {sorted(known)}")
        elif key not in known[sec]:
            problems.append(f"{label}:{number}: {key} is not a setting of [{sec}] in {template}")
    return problems


INI_PATHS = (r"\.ini$", r"\.desktop$", r"/mimeapps\.list$", r"^/etc/NetworkManager/(conf\.d/)?[^/]+\.conf$",
             r"^/etc/bluetooth/[^/]+\.conf$", r"/xdg-desktop-portal/[^/]+\.conf$")


def ini_problems(e):
    """A strict INI parse (no duplicate sections or keys, no line outside a
    section) of files read by INI parsers (GLib key files, NetworkManager,
    BlueZ, xdg-desktop-portal, fuzzel). Not systemd's files, where a key may
    repeat."""
    parser = configparser.ConfigParser(interpolation=None, strict=True, delimiters=("=",),
                                       comment_prefixes=("#", ";"), inline_comment_prefixes=None)
    parser.optionxform = str
    try:
        parser.read_string(e.text(), source=e.label)
    except configparser.Error as err:
        return [f"{e.label}: {err}".replace("\n", " ")]
    return []


def environment_d_problems(home_dir, entries):
    """systemd's own environment.d generator (what the user manager runs)
    on the home's environment.d files: every KEY=VALUE line must come out."""
    gen = "/usr/lib/systemd/user-environment-generators/30-systemd-environment-d-generator"
    files = [e for e in entries if re.search(r"/\.config/environment\.d/[^/]+\.conf$", e.label) and e.kind == "file"]
    if not files:
        return None
    if not os.access(gen, os.X_OK):
        raise unittest.SkipTest(f"{gen} is not installed (package systemd)")
    r = run_tool([gen], env={"HOME": home_dir, "XDG_CONFIG_HOME": os.path.join(home_dir, ".config"),
                             "XDG_CONFIG_DIRS": os.path.join(home_dir, "no-system-dirs")})
    problems = [l for l in lines_of(r.stderr)]
    produced = {l.split("=", 1)[0] for l in r.stdout.splitlines() if "=" in l}
    for e in files:
        for number, line in enumerate(e.text().splitlines(), 1):
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            m = re.match(r"^([A-Za-z_][A-Za-z0-9_]*)=", line)
            if not m:
                problems.append(f"{e.label}:{number}: not KEY=VALUE: {line!r}")
            elif m.group(1) not in produced:
                problems.append(f"{e.label}:{number}: {m.group(1)} is not in the generator's output")
    return problems


def sysctl_problems(e):
    """sysctl.d syntax (systemd-sysctl's): KEY = VALUE, '-' prefix allowed.
    Returns (problems, notes): a key this kernel does not have is a note."""
    problems, notes = [], []
    for number, line in enumerate(e.text().splitlines(), 1):
        if not line.strip() or line.lstrip().startswith(("#", ";")):
            continue
        m = re.match(r"^\s*-?([A-Za-z0-9_.*/-]+)\s*=\s*(.*)$", line)
        if not m:
            problems.append(f"{e.label}:{number}: not KEY = VALUE: {line!r}")
            continue
        if not m.group(2).strip():
            problems.append(f"{e.label}:{number}: empty value")
        key = m.group(1).replace(".", "/") if "/" not in m.group(1) else m.group(1)
        if "*" not in key and not os.path.exists(os.path.join("/proc/sys", key)):
            notes.append(f"{e.label}:{number}: {m.group(1)} does not exist in this machine's kernel")
    return problems, notes


# --------------------------------------------------------------------------
# Packages


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


# --------------------------------------------------------------------------
# The golden listing


def listing(b):
    out = [f"# The rendered tree of host {b.host}: every path of the generation's etc/, each home's files,",
           "# the store scripts, packages, users and hooks. Store hashes are written <hash>.",
           "# Regenerate: SYSCONF_UPDATE_GOLDEN=1 python3 tests/integration/test_vivobook.py build/sysconf", ""]
    m = b.manifest
    out.append("packages: " + " ".join(sorted(m.get("packages", []))))
    for u in sorted(m.get("users", []), key=lambda u: u["name"]):
        out.append("user " + json.dumps(u, sort_keys=True))
    for g in sorted(m.get("groups", []), key=lambda g: json.dumps(g, sort_keys=True)):
        out.append("group " + json.dumps(g, sort_keys=True))
    for hook in sorted(m.get("hooks", []), key=lambda x: x["name"]):
        out.append("hook " + json.dumps({k: v for k, v in hook.items() if k != "inputsHash"}, sort_keys=True))
    for home in b.homes:
        out.append(f"home {home.user} at {home.home}: packages " + " ".join(sorted(home.manifest.get("packages", []))))
    out.append("")
    for e in b.entries + [e for home in b.homes for e in home.entries]:
        head = f"{e.label}  {e.kind}"
        if e.kind == "symlink":
            head += f" -> {e.target}"
        if e.executable:
            head += ", executable"
        meta = e.meta
        if meta.get("mode") and meta.get("mode") != "symlink":
            head += f", copied with mode {meta['mode']} {meta.get('user', 'root')}:{meta.get('group', 'root')}"
        if e.kind == "secret":
            head += f" from {meta.get('secret')}"
        out.append(normalise(head))
        if e.kind == "file":
            try:
                text = e.data.decode("utf-8")
            except UnicodeDecodeError:
                out.append(f"  (binary, {len(e.data)} bytes)")
                continue
            for l in normalise(text).split("\n")[:-1] if text.endswith("\n") else normalise(text).split("\n"):
                out.append(("  | " + l).rstrip() if l else "  |")
            if text and not text.endswith("\n"):
                out.append("  \\ no newline at end of file")
            if not text:
                out.append("  (empty)")
    return "\n".join(out) + "\n"


# --------------------------------------------------------------------------
# docs


def parse_docs(markdown):
    """{section title: {option: description}} from `sysconf docs --format md`
    (src/cli/cmd_docs.cc: "## Title", then per option "### `name`", an
    optional description paragraph, then "- Type: `...`" and more bullets)."""
    sections, current, option, desc, in_bullets = {}, None, None, [], False
    for line in markdown.splitlines():
        if line.startswith("## "):
            current = sections.setdefault(line[3:].strip(), {})
            option = None
            continue
        m = re.match(r"^### `(.+)`$", line)
        if m:
            option = m.group(1)
            desc, in_bullets = [], False
            current[option] = ""
            continue
        if option is None:
            continue
        if line.startswith("- Type: `"):
            in_bullets = True  # the bullets after the description
            continue
        if line.strip() and not in_bullets:
            desc.append(line.strip())
            current[option] = " ".join(desc)
    return sections


def undocumented(sections):
    return sorted(f"{title}: {name}" for title, opts in sections.items() for name, d in opts.items() if not d.strip())


def _type_suffix(type_str, named_types):
    """(suffix, submodule name or None) the way cmd_docs names sub-options."""
    t, suffix = type_str.replace(" ", ""), ""
    while True:
        m = re.fullmatch(r"(attrsOf|listOf|nullOr)\((.*)\)", t)
        if not m:
            break
        suffix += {"attrsOf": ".<name>", "listOf": ".*", "nullOr": ""}[m.group(1)]
        t = m.group(2)
    if t == "submodule":
        return suffix, "submodule"
    if t in named_types:
        return suffix, t
    return suffix, None


def declared_options(files):
    """Option names as `sysconf docs` prints them, read from module files
    (and their imports) with tomllib: tables with a `type` key are options,
    a submodule's `options` table (or a named type's) holds sub-options;
    `internal = true` hides an option and what is below it."""
    seen, order, named = set(), [], {}
    stack = list(files)
    while stack:
        f = os.path.realpath(stack.pop())
        if f in seen or not os.path.exists(f):
            continue
        seen.add(f)
        with open(f, "rb") as fh:
            doc = tomllib.load(fh)
        order.append(doc)
        for imp in doc.get("imports", []):
            stack.append(os.path.join(os.path.dirname(f), imp))
        for tname, tdecl in doc.get("types", {}).items():
            named[tname] = tdecl.get("options", {})
    names = set()

    def walk(table, prefix, depth):
        for key, val in table.items():
            if not isinstance(val, dict):
                continue
            name = f"{prefix}.{key}" if prefix else key
            if "type" in val and isinstance(val["type"], str):
                if val.get("internal"):
                    continue
                names.add(name)
                suffix, sub = _type_suffix(val["type"], named)
                if depth < 8:
                    if sub == "submodule":
                        walk(val.get("options", {}), name + suffix, depth + 1)
                    elif sub:
                        walk(named[sub], name + suffix, depth + 1)
            else:
                walk(val, name, depth)

    for doc in order:
        walk(doc.get("options", {}), "", 0)
    return names


def library_files(modules_dir, home):
    out = []
    start = os.path.join(modules_dir, "home") if home else modules_dir
    for dirpath, dirnames, filenames in os.walk(start):
        if not home and os.path.abspath(dirpath) == os.path.abspath(modules_dir):
            dirnames[:] = [d for d in dirnames if d != "home"]
        out += [os.path.join(dirpath, f) for f in filenames if f.endswith(".toml")]
    return sorted(out)


# --------------------------------------------------------------------------
# The tests


class HostChecks:
    """Checks shared by every host of the repository (mixed into a TestCase
    with HOST_NAME set)."""

    HOST_NAME = None

    @classmethod
    def setUpClass(cls):
        if not os.path.isdir(config_path("hosts", cls.HOST_NAME)) or cls.HOST_NAME not in hosts():
            raise unittest.SkipTest(f"hosts/{cls.HOST_NAME} does not exist yet (or is not in sysconf.toml): "
                                    "nothing to check")
        cls.scratch = tempfile.mkdtemp(prefix=f"sysconf-{cls.HOST_NAME}-checks-")

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.scratch, ignore_errors=True)

    def built(self):
        b = built(self.HOST_NAME)
        b.require(self)
        return b

    def test_check_passes(self):
        root = h.make_root(self.scratch)
        r = h.run(CONFIG, root, self.HOST_NAME, "check")
        self.assertEqual(r.returncode, 0, h.describe(r))
        m = re.search(rf"ok: host {re.escape(self.HOST_NAME)} \(users: ([^)]*)\)", r.stdout + r.stderr)
        self.assertIsNotNone(m, "check names the host and its users" + h.describe(r))
        listed = {u.strip() for u in m.group(1).split(",") if u.strip() and u.strip() != "none"}
        homes = {home.user for home in self.built().homes}
        self.assertEqual(listed, homes, "check evaluated every user with a home")
        for user in sorted(homes):
            r = h.run(CONFIG, root, self.HOST_NAME, "eval", "--json", "--user", user)
            self.assertEqual(r.returncode, 0, h.describe(r))
            json.loads(r.stdout)

    def test_build_dry_run_prints_a_plan_and_writes_nothing(self):
        root = h.make_root(self.scratch)
        place_secrets(root, self.built().secrets)  # a missing secret stops the plan
        before = {os.path.relpath(os.path.join(d, f), root) for d, _, fs in os.walk(root) for f in fs}
        r = h.run(CONFIG, root, self.HOST_NAME, "build", "--dry-run")
        self.assertEqual(r.returncode, 0, h.describe(r))
        self.assertIn("/etc:", r.stdout, "the plan lists /etc" + h.describe(r))
        r = h.run(CONFIG, root, self.HOST_NAME, "build", "--dry-run", "--json")
        self.assertEqual(r.returncode, 0, h.describe(r))
        out = json.loads(r.stdout)
        self.assertTrue(out["dryRun"])
        self.assertTrue(out["ok"], out.get("messages"))
        self.assertTrue(out["plan"]["etc"], "the plan creates /etc files")
        self.assertTrue(all(e["action"] == "create" for e in out["plan"]["etc"]), out["plan"]["etc"])
        written = {os.path.relpath(os.path.join(d, f), root) for d, _, fs in os.walk(root) for f in fs} - before
        self.assertLessEqual(written, {h.STATE + "/lock"}, "a dry run writes nothing but the lock")

    def test_switch_creates_users_homes_and_links(self):
        b = self.built()
        self.assertIn("ran systemd-sysusers", b.result.stdout + b.result.stderr, h.describe(b.result))
        self.assertIn("ran systemd-tmpfiles", b.result.stdout + b.result.stderr, h.describe(b.result))
        r = h.run(CONFIG, b.root, self.HOST_NAME, "eval", "--json", "users.users")
        self.assertEqual(r.returncode, 0, h.describe(r))
        users = json.loads(r.stdout)
        with open(os.path.join(b.root, "etc/group")) as f:
            members = {l.split(":")[0]: set(filter(None, l.strip().split(":")[3].split(",")))
                       for l in f if l.count(":") == 3}
        for name, u in sorted(users.items()):
            with self.subTest(user=name):
                uid, gid = h.passwd_ids(b.root, name)
                for g in u.get("extraGroups", []):
                    self.assertIn(g, members, f"group {g} of {name} exists in ROOT/etc/group")
                    self.assertIn(name, members[g], f"{name} is a member of {g}")
                if u.get("isNormalUser"):
                    home = u.get("home") or f"/home/{name}"
                    st = os.lstat(os.path.join(b.root, home.lstrip("/")))
                    self.assertTrue(stat.S_ISDIR(st.st_mode), f"{home} is a directory")
                    self.assertEqual((st.st_uid, st.st_gid), (uid, gid), f"{home} belongs to {name}")
        gen_etc = "/" + os.path.relpath(b.etc, b.root)
        self.assertEqual(os.readlink(os.path.join(b.root, "etc/static")),
                         os.path.relpath(gen_etc, "/etc"), "/etc/static points at the generation")
        for f in b.manifest["files"]:
            path = f["path"]
            with self.subTest(path=path):
                on_disk = os.path.join(b.root, path.lstrip("/"))
                if f["type"] == "file" and f.get("mode") == "symlink":
                    self.assertEqual(os.readlink(on_disk),
                                     os.path.relpath("/etc/static" + path[len("/etc"):], os.path.dirname(path)))
                    with open(os.path.join(b.store, f["object"]), "rb") as fh:
                        self.assertEqual(h.read_in_root(b.root, path), fh.read())
                elif f["type"] == "symlink":
                    self.assertEqual(os.readlink(on_disk), f["target"])
                else:
                    st = os.lstat(on_disk)
                    self.assertTrue(stat.S_ISREG(st.st_mode), f"{path} is a copy")
                    self.assertEqual("%04o" % stat.S_IMODE(st.st_mode), f["mode"])
        for home in b.homes:
            for f in home.manifest["files"]:
                with self.subTest(home=home.user, path=f["path"]):
                    on_disk = os.path.join(b.root, home.home.lstrip("/"), f["path"])
                    if f["type"] == "symlink":
                        self.assertEqual(os.readlink(on_disk), f["target"])
                        continue
                    self.assertEqual(os.readlink(on_disk),
                                     f"/{h.PROFILES}/home-{home.user}/files/{f['path']}")
                    self.assertTrue(os.path.isfile(h.resolve_in_root(b.root, f"{home.home}/{f['path']}")))

    def test_system_units_verify(self):
        b = self.built()
        report = verify_system_units(b.root, tempfile.mkdtemp(prefix="units-", dir=self.scratch))
        for note in report.notes:
            print(f"note ({self.HOST_NAME}): {note}", file=sys.stderr)
        self.assertEqual(report.problems, [], "systemd-analyze verify on the system units")
        if not report.verified:
            self.skipTest(f"host {self.HOST_NAME} renders no system unit")

    def test_user_units_verify(self):
        b = self.built()
        total = 0
        for home in b.homes:
            with self.subTest(user=home.user):
                mat = home.materialise()
                report = verify_user_units(mat, b.root, self.scratch, home.home)
                for note in report.notes:
                    print(f"note ({self.HOST_NAME}, {home.user}): {note}", file=sys.stderr)
                self.assertEqual(report.problems, [], f"systemd-analyze --user verify on {home.user}'s units")
                total += len(report.verified)
        if not total:
            self.skipTest(f"host {self.HOST_NAME} renders no user unit")

    def test_system_wide_user_units_verify(self):
        """/etc/systemd/user (user units for every user), verified in the user
        scope from a scratch home's unit directory (same parser)."""
        b = self.built()
        entries = b.etc_entries("/etc/systemd/user/")
        if not entries:
            self.skipTest(f"host {self.HOST_NAME} renders nothing in /etc/systemd/user")
        home = tempfile.mkdtemp(prefix="etc-user-units-", dir=self.scratch)
        for e in entries:
            path = os.path.join(home, ".config/systemd/user", e.label[len("/etc/systemd/user/"):])
            os.makedirs(os.path.dirname(path), exist_ok=True)
            if e.kind == "file":
                with open(path, "wb") as f:
                    f.write(e.data)
            elif e.kind == "symlink":
                os.symlink(e.target, path)
        report = verify_user_units(home, b.root, self.scratch)
        for note in report.notes:
            print(f"note ({self.HOST_NAME}, /etc/systemd/user): {note}", file=sys.stderr)
        self.assertEqual([p.replace("~/.config/systemd/user", "/etc/systemd/user") for p in report.problems], [])

    def test_user_tmpfiles(self):
        """A home's user-tmpfiles.d files through `systemd-tmpfiles --user
        --create FILE` with HOME and the XDG directories in scratch."""
        b = self.built()
        checked = 0
        for home in b.homes:
            files = [e for e in home.entries if re.search(r"/\.config/user-tmpfiles\.d/[^/]+\.conf$", e.label)
                     and e.kind == "file"]
            if not files:
                continue
            mat = home.materialise()
            scratch_home = tempfile.mkdtemp(prefix="user-tmpfiles-", dir=self.scratch)
            runtime = os.path.join(scratch_home, "runtime")
            os.makedirs(runtime, mode=0o700)
            env = {"HOME": scratch_home, "XDG_RUNTIME_DIR": runtime, "XDG_CONFIG_HOME": os.path.join(scratch_home, ".config"),
                   "XDG_CACHE_HOME": os.path.join(scratch_home, ".cache"), "XDG_STATE_HOME": os.path.join(scratch_home, ".local/state"),
                   "XDG_DATA_HOME": os.path.join(scratch_home, ".local/share"), "SYSTEMD_LOG_LEVEL": "warning"}
            paths = [os.path.join(mat, e.label.split("/", 1)[1]) for e in files]
            r = run_tool(["systemd-tmpfiles", "--user", "--create", *paths], env=env)
            checked += 1
            self.assertTrue(r.returncode == 0 and not r.stderr.strip(), shown(r).replace(mat, "~"))
        if not checked:
            self.skipTest("no user-tmpfiles.d file in any home")

    def test_sysusers_and_tmpfiles_without_warnings(self):
        b = self.built()
        sysusers = {os.path.basename(e.label): e.data for e in b.etc_entries("/etc/sysusers.d/") if e.kind == "file"}
        tmpfiles = {os.path.basename(e.label): e.data for e in b.etc_entries("/etc/tmpfiles.d/") if e.kind == "file"}
        if not sysusers and not tmpfiles:
            self.skipTest("no sysusers.d or tmpfiles.d file")
        self.assertEqual(check_sysusers_tmpfiles(sysusers, tmpfiles, self.scratch), [])

    def test_data_files_reparse(self):
        b = self.built()
        checked = 0
        for e in b.entries + [e for home in b.homes for e in home.entries]:
            fmt = data_format(e.label)
            if not fmt or e.kind != "file":
                continue
            with self.subTest(path=e.label):
                try:
                    value = parse_data(fmt, e.text())
                except unittest.SkipTest:
                    raise
                except Exception as err:  # noqa: BLE001 - any parse error is the failure
                    self.fail(f"{e.label} is not valid {fmt}: {err}")
                if re.search(r"/\.config/waybar/config(\.jsonc?)?$", e.label):
                    self.assertEqual(waybar_problems(value), [], e.label)
                checked += 1
        if not checked:
            self.skipTest("no JSON, YAML or TOML file in the generation")

    def test_no_file_debian_12_ignores(self):
        """Only the files that the niri session needs newer programs for (see
        NEEDED_WITH_NIRI) are ones Debian 12's programs would not read."""
        problems = ignored_file_problems([e.label for e in self.all_entries()])
        for p in problems:
            print(f"note: {p}", file=sys.stderr)
        self.assertEqual(sorted(p.split(":", 1)[0] for p in problems),
                         sorted(NEEDED_WITH_NIRI.get(self.HOST_NAME, {}).get("files", [])))

    def test_waybar_modules_exist_in_debian_12(self):
        """Every waybar module is one Debian 12's waybar has, except the niri
        modules that the niri session needs (see NEEDED_WITH_NIRI)."""
        files = [e for e in self.all_entries()
                 if e.kind == "file" and re.search(r"/\.config/waybar/config(\.jsonc?)?$", e.label)]
        if not files:
            self.skipTest("no waybar config in the generation")
        for e in files:
            problems = waybar_module_problems(parse_data("json", e.text()))
            for p in problems:
                print(f"note: {e.label}: {p}", file=sys.stderr)
            self.assertEqual(sorted(p.split(": ", 2)[1] for p in problems),
                             sorted(NEEDED_WITH_NIRI.get(self.HOST_NAME, {}).get("waybar", [])), e.label)

    def test_udev_rules(self):
        b = self.built()
        rules = [e for e in b.etc_entries("/etc/udev/rules.d/") if e.kind == "file"]
        if not rules:
            self.skipTest("no udev rules in the generation")
        users, groups = known_accounts(b.root)
        problems = []
        for e in rules:
            problems += udev_rules_problems(e.text(), e.label, groups, users)
        self.assertEqual(problems, [])

    def _home_files(self, pattern):
        b = self.built()
        found = []
        for home in b.homes:
            for e in home.entries:
                if e.kind == "file" and re.search(pattern, e.label):
                    found.append((home, e))
        return found

    def _program_check(self, tool, pattern, checker, what):
        files = self._home_files(pattern)
        if not files:
            self.skipTest(f"no {what} in the generation")
        if not shutil.which(tool):
            self.skipTest(f"{tool} is not installed (scripts/install-deps.sh installs it)")
        for home, e in files:
            with self.subTest(path=e.label):
                mat = home.materialise()
                path = os.path.join(mat, e.label.split("/", 1)[1])
                self.assertEqual(checker(path, mat, self.scratch), [], f"{tool} on {e.label}")

    def test_kitty_config(self):
        self._program_check("kitty", r"/\.config/kitty/kitty\.conf$", kitty_problems, "kitty.conf")

    def test_fuzzel_config(self):
        self._program_check("fuzzel", r"/\.config/fuzzel/fuzzel\.ini$", fuzzel_problems, "fuzzel.ini")

    def test_mako_config(self):
        self._program_check("mako", r"/\.config/mako/config$", mako_problems, "mako config")

    def all_entries(self):
        b = self.built()
        return b.entries + [e for home in b.homes for e in home.entries]

    def test_shell_syntax(self):
        """Every rendered script (by its #! line), .sh file and grub default
        through `dash -n` / `bash -n`."""
        entries = [e for e in self.all_entries() if e.kind == "file" and shell_of(e)]
        if not entries:
            self.skipTest("no shell script in the generation")
        self.assertEqual(shell_problems(entries), [])

    def test_python_syntax(self):
        entries = [e for e in self.all_entries() if is_python(e)]
        if not entries:
            self.skipTest("no Python script in the generation")
        self.assertEqual(python_problems(entries), [])

    def test_packages_exist_in_debian_12(self):
        """Every package of the system and of each home is one Debian 12's
        apt can install (apt-cache policy on the local index)."""
        b = self.built()
        names = list(b.manifest.get("packages", [])) + [p for home in b.homes
                                                        for p in home.manifest.get("packages", [])]
        if not names:
            self.skipTest("the generation installs no package")
        problems, notes = package_problems(names)
        for note in notes:
            print("note: " + note, file=sys.stderr)
        self.assertEqual(problems, [])

    def test_modprobe_d(self):
        files = {os.path.basename(e.label): e.data for e in self.built().etc_entries("/etc/modprobe.d/")
                 if e.kind == "file"}
        if not files:
            self.skipTest("no modprobe.d file in the generation")
        if not shutil.which("modprobe"):
            self.skipTest("modprobe is not installed (package kmod; scripts/install-deps.sh installs it)")
        self.assertEqual(modprobe_problems(files, self.scratch), [])

    def test_fontconfig(self):
        files = {e.label: e.data for e in self.all_entries() if e.kind == "file" and
                 re.search(r"(^/etc/fonts/.*\.conf$|/\.config/fontconfig/.*\.conf$)", e.label)}
        if not files:
            self.skipTest("no fontconfig file in the generation")
        if not shutil.which("fc-match"):
            self.skipTest("fc-match is not installed (package fontconfig; scripts/install-deps.sh installs it)")
        self.assertEqual(fontconfig_problems(files, self.scratch), [])

    def test_systemd_conf_dropins(self):
        checked, problems = 0, []
        for e in self.built().etc_entries("/etc/systemd/"):
            if e.kind != "file":
                continue
            found = systemd_conf_problems(e.label, e.text())
            if found is None:
                continue
            checked += 1
            problems += found
        if not checked:
            self.skipTest("no /etc/systemd/*.conf.d file whose template this machine has")
        self.assertEqual(problems, [])

    def test_ini_files(self):
        problems, checked = [], 0
        for e in self.all_entries():
            if e.kind == "file" and any(re.search(p, e.label) for p in INI_PATHS):
                checked += 1
                problems += ini_problems(e)
        if not checked:
            self.skipTest("no INI file in the generation")
        self.assertEqual(problems, [])

    def test_environment_d(self):
        checked = 0
        for home in self.built().homes:
            problems = environment_d_problems(home.materialise(), home.entries)
            if problems is None:
                continue
            checked += 1
            self.assertEqual(problems, [], f"{home.user}'s environment.d")
        if not checked:
            self.skipTest("no environment.d file in any home")

    def test_sysctl_d(self):
        entries = [e for e in self.built().etc_entries("/etc/sysctl.d/") if e.kind == "file"]
        if not entries:
            self.skipTest("no sysctl.d file in the generation")
        problems = []
        for e in entries:
            p, notes = sysctl_problems(e)
            problems += p
            for note in notes:
                print("note: " + note, file=sys.stderr)
        self.assertEqual(problems, [])

    def test_niri_config_kdl_syntax(self):
        files = self._home_files(r"\.kdl$")
        if not files:
            self.skipTest("no KDL file (niri config) in the generation")
        problems = []
        for _home, e in files:
            problems += kdl_problems(e.text(), e.label)
        self.assertEqual(problems, [])
        if shutil.which("niri") is None:
            print("note: KDL syntax only: niri is not packaged in Debian 12, so `niri validate` "
                  "(the schema check) cannot run here", file=sys.stderr)


class TestVivobook(HostChecks, unittest.TestCase):
    HOST_NAME = HOST

    def test_demo_sequence(self):
        """scripts/demo.sh's own `run` lines, from the repository directory
        without --config, as the script runs them (not the script itself,
        which would install packages and rebuild)."""
        with open(config_path("scripts", "demo.sh")) as f:
            script = f.read()
        steps = [shlex.split(m) for m in re.findall(r"^run (.+)$", script, re.M)]
        verbs = [s[0] for s in steps]
        self.assertTrue({"check", "build", "switch"} <= set(verbs) and
                        verbs.index("check") < verbs.index("build") < verbs.index("switch"),
                        f"demo.sh checks, builds, then switches: {verbs}")
        self.assertIn("--dry-run", steps[verbs.index("switch")], "demo.sh's switch is a dry run")
        m = re.search(r'--host (\S+)', script)
        self.assertEqual(m and m.group(1), HOST, "demo.sh runs the Vivobook")
        root = h.make_root(self.scratch)
        for step in steps:
            argv = [h.binary(), "--root", root, "--host", HOST, *step]
            r = subprocess.run(argv, capture_output=True, text=True, env=h.environment(), cwd=CONFIG, timeout=120)
            self.assertEqual(r.returncode, 0, h.describe(r))
            if step[0] == "switch":
                self.assertIn("/etc:", r.stdout, "switch --dry-run prints the plan" + h.describe(r))
        self.assertFalse(os.path.lexists(os.path.join(root, "etc")), "switch --dry-run changed nothing in /etc")

    def test_craig(self):
        """The laptop's user: a normal account with a home, in the groups of
        the host module, and a home generation."""
        b = self.built()
        r = h.run(CONFIG, b.root, HOST, "eval", "--json", "users.users.craig")
        self.assertEqual(r.returncode, 0, h.describe(r))
        craig = json.loads(r.stdout)
        self.assertTrue(craig["isNormalUser"])
        uid, gid = h.passwd_ids(b.root, "craig")
        self.assertGreaterEqual(uid, 1000)
        with open(os.path.join(b.root, "etc/group")) as f:
            groups = {l.split(":")[0]: l.strip().split(":")[3].split(",") for l in f if l.count(":") == 3}
        self.assertTrue(craig["extraGroups"], "craig has supplementary groups")
        for g in craig["extraGroups"]:
            self.assertIn("craig", groups.get(g, []), f"craig in {g}")
        st = os.stat(os.path.join(b.root, "home/craig"))
        self.assertEqual((st.st_uid, st.st_gid, stat.S_IMODE(st.st_mode)), (uid, gid, 0o700))
        self.assertIn("craig", [home.user for home in b.homes])

    def test_golden_tree(self):
        b = self.built()
        actual = listing(b)
        if UPDATE_GOLDEN:
            os.makedirs(os.path.dirname(GOLDEN), exist_ok=True)
            with open(GOLDEN, "w") as f:
                f.write(actual)
            print(f"updated {GOLDEN}", file=sys.stderr)
            return
        if not os.path.exists(GOLDEN):
            self.fail(f"{GOLDEN} is missing; create it with SYSCONF_UPDATE_GOLDEN=1")
        with open(GOLDEN) as f:
            expected = f.read()
        if actual != expected:
            diff = "".join(difflib.unified_diff(expected.splitlines(True), actual.splitlines(True),
                                                "expected-tree.txt", "rendered", n=3))
            self.fail("the rendered Vivobook tree differs from tests/integration/vivobook/expected-tree.txt.\n"
                      "If the change is intended, regenerate it: SYSCONF_UPDATE_GOLDEN=1 python3 "
                      "tests/integration/test_vivobook.py build/sysconf\n" + diff)


class TestExampleServer(HostChecks, unittest.TestCase):
    """The small server that reuses the library without niri."""

    HOST_NAME = SERVER

    def test_no_niri(self):
        b = self.built()
        self.assertFalse([e.label for e in b.entries + [e for x in b.homes for e in x.entries]
                          if "niri" in e.label], "the server renders no niri file")


class TestDocs(unittest.TestCase):
    def setUp(self):
        self.scratch = tempfile.mkdtemp(prefix="sysconf-docs-")

    def tearDown(self):
        shutil.rmtree(self.scratch, ignore_errors=True)

    def docs(self, tree, host):
        r = h.run(tree, h.make_root(self.scratch), host, "docs", "--format", "md")
        self.assertEqual(r.returncode, 0, h.describe(r))
        return r.stdout

    def test_every_option_listed_and_described(self):
        sections = parse_docs(self.docs(CONFIG, HOST))
        self.assertEqual(sorted(sections), ["Home options", "System options"])
        modules = config_path("modules")
        for title, home in (("System options", False), ("Home options", True)):
            with self.subTest(section=title):
                declared = declared_options(library_files(modules, home))
                self.assertTrue(declared, f"the library declares {title.lower()}")
                missing = sorted(declared - set(sections[title]))
                self.assertEqual(missing, [], f"options the library declares but docs does not list ({title})")
        self.assertEqual(undocumented(sections), [], "options without a description")

    def test_checker_finds_an_undocumented_option(self):
        tree = os.path.join(self.scratch, "tree")
        h.make_tree(tree, "t", """
            [options.test.documented]
            type = "bool"
            default = false
            description = "Documented."
            [options.test.bare]
            type = "attrsOf(submodule)"
            default = {}
            [options.test.bare.options.inner]
            type = "str"
            default = ""
            description = "Documented inner."
            [options.test.bare.options.naked]
            type = "int"
            default = 1
            [options.test.hidden]
            type = "bool"
            default = false
            internal = true
            """, library=False)
        sections = parse_docs(self.docs(tree, "t"))
        self.assertEqual(undocumented(sections), ["System options: test.bare", "System options: test.bare.<name>.naked"])
        self.assertEqual(sections["System options"]["test.documented"], "Documented.")
        declared = declared_options([os.path.join(tree, "hosts/t/default.toml")])
        self.assertEqual(declared, {"test.documented", "test.bare", "test.bare.<name>.inner",
                                    "test.bare.<name>.naked"})
        self.assertFalse(declared - set(sections["System options"]))


class TestCheckers(unittest.TestCase):
    """Each checker rejects a deliberately broken input (and accepts a good one)."""

    def setUp(self):
        self.scratch = tempfile.mkdtemp(prefix="sysconf-checkers-")

    def tearDown(self):
        shutil.rmtree(self.scratch, ignore_errors=True)

    def test_unit_checker_rejects_broken_system_units(self):
        root = os.path.join(self.scratch, "root")
        units = os.path.join(root, "etc/systemd/system")
        store = os.path.join(root, h.STORE)
        os.makedirs(store)
        script = "00000000000000000000000000000000-good-start"
        h.write(os.path.join(store, script), "#!/bin/sh\n", 0o555)
        h.write(os.path.join(units, "good.service"),
                "[Unit]\nDescription=Good\nRequires=not-installed-here.service\n\n[Service]\n"
                f"ExecStart={STORE_DIR}/{script}\nExecReload=/usr/bin/not-installed-here --reload\n\n"
                "[Install]\nWantedBy=multi-user.target\n")
        h.write(os.path.join(units, "good.timer"), "[Timer]\nOnCalendar=daily\n")
        h.write(os.path.join(units, "bad-key.service"),
                "[Unit]\nDescription=Bad\nFrobnicate=yes\n\n[Service]\nExecStart=/usr/bin/true\nRestart=sometimes\n")
        h.write(os.path.join(units, "bad-section.service"), "[Servce]\nExecStart=/usr/bin/true\n")
        h.write(os.path.join(units, "missing-script.service"),
                f"[Service]\nExecStart={STORE_DIR}/11111111111111111111111111111111-gone\n")
        h.write(os.path.join(units, "package-only.service.d/overrides.conf"), "[Service]\nNoSuchSetting=1\n")
        h.write(os.path.join(units, "package-ok.service.d/overrides.conf"), "[Service]\nNice=5\n")
        os.makedirs(os.path.join(units, "multi-user.target.wants"))
        os.symlink("../good.service", os.path.join(units, "multi-user.target.wants/good.service"))
        os.symlink("/usr/lib/systemd/system/not-here.service", os.path.join(units, "multi-user.target.wants/not-here.service"))
        os.symlink("../absent.service", os.path.join(units, "multi-user.target.wants/absent.service"))
        os.symlink("good.timer", os.path.join(units, "alias.service"))
        report = verify_system_units(root, self.scratch)
        text = "\n".join(report.problems)
        self.assertIn("bad-key.service:3: Unknown key 'Frobnicate'", text)
        self.assertIn("bad-key.service:7: Failed to parse service restart specifier", text)
        self.assertIn("Unknown section 'Servce'", text)
        self.assertIn("11111111111111111111111111111111-gone is not executable", text)
        self.assertIn("package-only.service.d/overrides.conf:2: Unknown key 'NoSuchSetting'", text)
        self.assertIn("multi-user.target.wants/absent.service -> ../absent.service: no such unit", text)
        self.assertIn("alias.service: alias of good.timer, a unit of another type", text)
        self.assertNotIn("good.service", text.replace("multi-user.target.wants/good.service", ""))
        self.assertNotIn("package-ok", text)
        self.assertIn("good.service", report.verified)
        self.assertTrue(any("not-installed-here.service" in n for n in report.notes), report.notes)
        self.assertTrue(any("/usr/bin/not-installed-here" in n for n in report.notes), report.notes)

    def test_unit_checker_rejects_broken_user_units(self):
        root = os.path.join(self.scratch, "root")
        home = os.path.join(self.scratch, "home")
        units = os.path.join(home, ".config/systemd/user")
        script = "00000000000000000000000000000000-bar-start"
        h.write(os.path.join(root, h.STORE, script), "#!/bin/sh\n", 0o555)
        h.write(os.path.join(units, "bar.service"),
                "[Unit]\nDescription=Bar\nPartOf=graphical-session.target\nRequires=not-installed-here.service\n\n"
                f"[Service]\nExecStart=/usr/bin/not-installed-here\nExecStartPost={STORE_DIR}/{script}\n\n"
                "[Install]\nWantedBy=graphical-session.target\n")
        h.write(os.path.join(units, "broken.service"), "[Service]\nExecStart=/usr/bin/true\nTypo=1\n")
        h.write(os.path.join(units, "gone.service"),
                f"[Service]\nExecStart={STORE_DIR}/11111111111111111111111111111111-gone\n")
        h.write(os.path.join(units, "pkg.service.d/overrides.conf"), "[Sevice]\nNice=1\n")
        h.write(os.path.join(home, "bin/ok.sh"), "#!/bin/sh\n", 0o755)
        h.write(os.path.join(units, "home-script.service"),
                "[Service]\nExecStart=/home/craig/bin/ok.sh\nExecStop=/home/craig/bin/missing.sh\n")
        report = verify_user_units(home, root, self.scratch, "/home/craig")
        text = "\n".join(report.problems)
        self.assertIn("broken.service:3: Unknown key 'Typo'", text)
        self.assertIn("11111111111111111111111111111111-gone is missing", text)
        self.assertIn("Unknown section 'Sevice'", text)
        self.assertIn("home-script.service: /home/craig/bin/missing.sh is not an executable file of the home", text)
        self.assertNotIn("ok.sh", text)
        self.assertNotIn("bar.service", text)
        self.assertIn("bar.service", report.verified)

    def test_sysusers_tmpfiles_checker(self):
        good = check_sysusers_tmpfiles({"a.conf": b"u craig 1000 \"Craig\" /home/craig /bin/bash\nm craig video\n"},
                                       {"a.conf": b"d /home/craig 0700 craig craig -\n"}, self.scratch)
        self.assertEqual(good, [])
        bad = check_sysusers_tmpfiles({"a.conf": b"u craig 10x0 \"Craig\"\nq nothing\n"},
                                      {"a.conf": b"d /home/x 07z0 nosuchuser root -\n"}, self.scratch)
        text = "\n".join(bad)
        self.assertIn("Failed to parse UID", text)
        self.assertIn("Unknown command type 'q'", text)
        self.assertIn("a.conf:1", text.split("systemd-tmpfiles", 1)[1])

    def test_format_checkers(self):
        self.assertEqual(data_format("~craig/.config/waybar/config"), "json")
        self.assertEqual(parse_data("json", '[{"a": 1} // c\n, /* x */ {"b": "//"}]'), [{"a": 1}, {"b": "//"}])
        with self.assertRaises(ValueError):
            parse_data("json", "{\"a\": 1,}")
        with self.assertRaises(Exception):
            parse_data("yaml", "a: [1, 2\nb: 3\n")
        with self.assertRaises(tomllib.TOMLDecodeError):
            parse_data("toml", "a = \n")
        self.assertEqual(waybar_problems([{"modules-left": ["clock"]}]), [])
        self.assertTrue(waybar_problems({"modules-left": ["clock"]}))
        self.assertTrue(waybar_problems([{"modules-right": "clock"}]))
        self.assertEqual(len(ignored_file_problems(["/etc/xdg/xdg-desktop-portal/niri-portals.conf",
                                                    "~u/.config/xdg-desktop-portal/portals.conf", "/etc/motd"])), 2)
        self.assertEqual(waybar_module_problems([{"modules-left": ["niri/workspaces", "clock#2", "custom/x"]}], None),
                         ["bar 0 modules-left: niri/workspaces: Debian 12's waybar 0.9.17 has no such module (added in "
                          "Waybar 0.11.0); it logs \"Unknown module: niri/workspaces\" and leaves it out"])

    def test_udev_checker(self):
        good = ('# comment\nACTION=="add", SUBSYSTEM=="backlight", RUN+="/bin/chgrp video /sys/class/backlight/%k/brightness"\n'
                'SUBSYSTEM=="power_supply", ATTR{type}=="Battery", \\\n  ATTR{charge_control_end_threshold}="80"\n'
                'KERNEL=="uinput", GROUP="input", MODE="0660", OPTIONS+="static_node=uinput"\n'
                'ACTION!="add", GOTO="end"\nIMPORT{builtin}="hwdb --subsystem=usb"\nLABEL="end"\n')
        self.assertEqual(udev_rules_problems(good, "99-good.rules", {"input", "video"}, {"root"}), [])
        bad = ('ACTION="add", SUBSYSTEM=="x"\nSUBSYSTEM=="x", FROB="1"\nKERNEL=="x" MODE=0660\n'
               'ATTR{x}+="1"\nKERNEL=="x", GROUP="nosuchgroup"\nGOTO="nowhere"\nRUN{builtin}+="nosuch"\n'
               'KERNEL=="x", RUN+="/bin/echo %z"\nKERNEL=="x", OPTIONS+="bogus"\nKERNEL=="x\n')
        problems = udev_rules_problems(bad, "bad.rules", {"video"}, {"root"})
        for needle in ("bad.rules:1: invalid operator '=' for ACTION", "bad.rules:2: invalid key 'FROB'",
                       "bad.rules:3: MODE: the value must be in double quotes", "bad.rules:4: ATTR does not take '+='",
                       "bad.rules:5: unknown group \"nosuchgroup\"", "bad.rules:6: GOTO=\"nowhere\" has no matching LABEL",
                       "bad.rules:7: unknown builtin command 'nosuch'", "bad.rules:8: RUN=\"/bin/echo %z\"",
                       "bad.rules:9: invalid value for OPTIONS", "bad.rules:10: KERNEL: unterminated value"):
            self.assertTrue(any(p.startswith(needle) for p in problems), f"{needle!r} not in {problems}")
        self.assertEqual(len(problems), 10, problems)

    def test_udev_checker_accepts_this_machines_rules(self):
        """The checker against real rules files shipped by Debian's packages,
        so that it does not reject valid syntax."""
        users, groups = known_accounts()
        files = [os.path.join(d, f) for d in ("/usr/lib/udev/rules.d", "/lib/udev/rules.d")
                 if os.path.isdir(d) for f in sorted(os.listdir(d)) if f.endswith(".rules")]
        if not files:
            self.skipTest("this machine has no udev rules files to compare with")
        problems = []
        for path in files:
            with open(path, encoding="utf-8", errors="replace") as f:
                problems += udev_rules_problems(f.read(), path, groups, users)
        self.assertEqual(problems, [])

    def test_kdl_checker(self):
        good = ('// niri\ninput {\n    keyboard { xkb { layout "gb"; }; }\n    touchpad { tap; natural-scroll; }\n}\n'
                'output "eDP-1" { scale 1.25; position x=0 y=0; }\n/-spawn-at-startup "waybar"\n'
                'binds {\n    Mod+Return { spawn "kitty"; }\n    Mod+Shift+E { quit skip-confirmation=true; }\n'
                '    XF86AudioRaiseVolume allow-when-locked=true { spawn "wpctl" "set-volume" "@DEFAULT_AUDIO_SINK@" "0.05+"; }\n}\n'
                'layout { gaps 8; default-column-width { proportion 0.5; }; focus-ring { width 2; active-color "#7fc8ff"; } }\n'
                'window-rule { match app-id=r#"^kitty$"#; opacity 0.95; }\n/* block /* nested */ */\nprefer-no-csd\n')
        self.assertEqual(kdl_problems(good, "config.kdl"), [])
        for bad, needle in (('input {\n  keyboard {\n}\n', "config.kdl:1: { is never closed"),
                            ('spawn "kitty\n', "unterminated string"),
                            ('}\n', "} without {"),
                            ('layout { gaps 8 }\n}\n', "} without {"),
                            ('binds { Mod+T { spawn "a\\q"; } }\n', "invalid escape"),
                            ('12 foo\n', "a node name cannot be a number")):
            with self.subTest(bad=bad):
                problems = kdl_problems(bad, "config.kdl")
                self.assertTrue(problems and needle in problems[0], problems)

    def test_other_file_checkers(self):
        good_sh = Entry("/etc/x.sh", "file", data=b"#!/bin/sh\nif true; then echo ok; fi\n")
        bad_sh = Entry("~u/.config/niri/scripts/bad", "file", data=b"#!/bin/bash\nif true; then echo\n")
        self.assertEqual(shell_problems([good_sh]), [])
        self.assertTrue(shell_problems([bad_sh])[0].startswith("~u/.config/niri/scripts/bad (bash -n)"))
        self.assertEqual(shell_of(Entry("/etc/default/grub.d/x.cfg", "file", data=b"A=1\n")), "dash")
        self.assertIsNone(shell_of(Entry("/etc/motd", "file", data=b"hello\n")))
        self.assertEqual(python_problems([Entry("/x.py", "file", data=b"print(1)\n")]), [])
        self.assertEqual(python_problems([Entry("/x", "file", data=b"#!/usr/bin/env python3\nif x\n")]),
                         ["/x:2: expected ':'"])
        logind = systemd_conf_problems("/etc/systemd/logind.conf.d/x.conf",
                                       "[Login]\nHandleLidSwitch=suspend\nHandleLidSwich=ignore\n[Logn]\nA=1\n")
        if logind is not None:
            self.assertEqual(len(logind), 2, logind)
            self.assertIn("HandleLidSwich is not a setting of [Login]", logind[0])
        self.assertEqual(ini_problems(Entry("/etc/bluetooth/main.conf", "file", data=b"[General]\nA=1\n")), [])
        self.assertTrue(ini_problems(Entry("/etc/bluetooth/main.conf", "file", data=b"[General]\nA=1\nA=2\n")))
        self.assertTrue(ini_problems(Entry("/etc/bluetooth/main.conf", "file", data=b"A=1\n[General]\n")))
        p, _ = sysctl_problems(Entry("/etc/sysctl.d/x.conf", "file", data=b"vm.swappiness = 10\n-kernel.x=1\nbogus\nvm.a=\n"))
        self.assertEqual(len(p), 2, p)
        home = os.path.join(self.scratch, "envhome")
        env = Entry("~u/.config/environment.d/60.conf", "file", data=b"EDITOR=nvim\nQT=\"a;b\"\nBAD LINE\n")
        h.write(os.path.join(home, ".config/environment.d/60.conf"), env.text())
        if os.access("/usr/lib/systemd/user-environment-generators/30-systemd-environment-d-generator", os.X_OK):
            self.assertEqual(environment_d_problems(home, [env]), ["~u/.config/environment.d/60.conf:3: not KEY=VALUE: 'BAD LINE'"])
        if shutil.which("modprobe"):
            self.assertEqual(modprobe_problems({"a.conf": b"options snd_hda_intel power_save=1\nblacklist pcspkr\n"},
                                               self.scratch), [])
            bad = modprobe_problems({"a.conf": b"blacklist pcspkr\nfrobnicate x\n"}, self.scratch)
            self.assertTrue(any("/etc/modprobe.d/a.conf line 2" in l and "frobnicate" in l for l in bad), bad)
        if shutil.which("fc-match"):
            good = (b'<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">\n<fontconfig>\n'
                    b'<match target="font"><edit name="antialias" mode="assign"><bool>true</bool></edit></match>\n'
                    b'<alias binding="same"><family>monospace</family><prefer><family>JetBrains Mono</family></prefer></alias>\n'
                    b'</fontconfig>\n')
            self.assertEqual(fontconfig_problems({"/etc/fonts/local.conf": good}, self.scratch), [])
            bad = fontconfig_problems({"/etc/fonts/local.conf": good.replace(b"<bool>true</bool>", b"<const>nonex</const><bogus/>")},
                                      self.scratch)
            self.assertTrue(any("/etc/fonts/local.conf" in l and "nonex" in l for l in bad), bad)
            self.assertTrue(any("bogus" in l for l in bad), bad)

    def test_package_checker(self):
        try:
            problems, notes = package_problems(["curl", "no-such-package-sysconf", "niri"])
        except unittest.SkipTest as skip:
            self.skipTest(str(skip))
        self.assertEqual(problems, ["no-such-package-sysconf: no such package in this machine's Debian 12 apt index"])
        self.assertTrue(any(n.startswith("niri:") for n in notes), notes)

    def test_program_checkers(self):
        home = os.path.join(self.scratch, "home")
        cases = (
            ("kitty", kitty_problems, ".config/kitty/kitty.conf",
             "font_size 11.0\nbackground_opacity 0.9\nmap ctrl+shift+t new_tab\ninclude theme.conf\n",
             "font_size abc\nfrobnicate yes\ninclude missing.conf\n",
             ("'font_size abc'", "unknown config key: frobnicate", "missing.conf")),
            ("fuzzel", fuzzel_problems, ".config/fuzzel/fuzzel.ini",
             "[main]\nfont=monospace:size=11\nterminal=kitty\nlines=10\n[colors]\nbackground=282828ff\n",
             "[main]\nfont=monospace:size=11\nbogus=1\n", ("[main].bogus",)),
            ("mako", mako_problems, ".config/mako/config",
             "font=monospace 10\nbackground-color=#282828\ndefault-timeout=5000\n[urgency=high]\nborder-color=#ff0000\n",
             "font=monospace 10\nbogus-option=1\n", ("Failed to parse option 'bogus-option'",)),
        )
        h.write(os.path.join(home, ".config/kitty/theme.conf"), "foreground #ffffff\n")
        for tool, checker, rel, good, bad, needles in cases:
            with self.subTest(tool=tool):
                if not shutil.which(tool):
                    self.skipTest(f"{tool} is not installed (scripts/install-deps.sh installs it)")
                path = os.path.join(home, rel)
                h.write(path, good)
                self.assertEqual(checker(path, home, self.scratch), [])
                h.write(path, bad)
                problems = "\n".join(checker(path, home, self.scratch))
                for needle in needles:
                    self.assertIn(needle, problems)


def main():
    global CONFIG, UPDATE_GOLDEN
    args = sys.argv[1:]
    if args and not args[0].startswith("-"):
        h.set_binary(args.pop(0))
    elif os.environ.get("SYSCONF"):
        h.set_binary(os.environ["SYSCONF"])
    else:
        sys.exit("usage: test_vivobook.py SYSCONF_BINARY [--config DIR] [--update] [unittest options]")
    if "--config" in args:
        i = args.index("--config")
        CONFIG = os.path.abspath(args[i + 1])
        del args[i:i + 2]
    elif os.environ.get("SYSCONF_CONFIG"):
        CONFIG = os.path.abspath(os.environ["SYSCONF_CONFIG"])
    if "--update" in args:
        args.remove("--update")
        UPDATE_GOLDEN = True
    if os.geteuid() != 0:
        sys.exit("these tests need root (the switch chowns the home and runs the hooks with --root)")
    result = unittest.main(argv=[sys.argv[0]] + args, verbosity=2, exit=False).result
    if not result.wasSuccessful():
        sys.exit(1)
    if result.skipped and len(result.skipped) >= result.testsRun:
        sys.exit(77)  # ctest: skipped (SKIP_RETURN_CODE), not passed


if __name__ == "__main__":
    main()

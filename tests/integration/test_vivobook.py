#!/usr/bin/env python3
"""The repository's own configuration (sysconf.toml, hosts/, home/, modules/),
checked with the real tools that will read it on the machine.

    python3 test_vivobook.py SYSCONF_BINARY [--config DIR] [--update] [unittest options]
    SYSCONF=build/sysconf python3 tests/integration/test_vivobook.py

--config defaults to the repository that holds this file. --update (or
SYSCONF_UPDATE_GOLDEN=1) rewrites tests/integration/vivobook/expected-tree.txt
from the current configuration instead of comparing against it.

Every sysconf run passes --config, --host and a scratch --root under /tmp;
nothing outside the scratch directories is written. This file holds the host
fixture (a switch into a scratch root, once per host and run) and the tests;
the checkers are in checks/, one module a job, each saying in its docstring
what it checks and with which tool:

  commands      `sysconf check`, `build --dry-run` (text and --json) and the
                sequence of scripts/demo.sh (its `run ...` lines, read from the
                script), from the configuration directory as demo.sh runs them.
  switch        a real `switch` into an empty root: the hooks ran
                systemd-sysusers --root and systemd-tmpfiles --root (each
                normal user in ROOT/etc/passwd, in the groups `sysconf eval`
                gives, home directory owned by the user); /etc paths are links
                through /etc/static; home files are links through the profile.
  units         checks/units.py: system units through `systemd-analyze verify
                --root`, user units through `systemd-analyze --user verify`,
                with stand-ins for what packages install; links checked.
  sysusers/tmpfiles  checks/sysusers_tmpfiles.py: systemd-sysusers and
                systemd-tmpfiles --root on a Debian base; user-tmpfiles.d
                through `systemd-tmpfiles --user` (here).
  formats, programs  checks/formats.py: JSON, YAML, TOML re-parsed, waybar's
                bars and modules; kitty, fuzzel and mako through their own
                parsers; git's config through `git config --list`, ssh's
                through `ssh -G`.
  udev          checks/udev.py: a checker of systemd 252's rule syntax.
  KDL           checks/kdl.py: a KDL syntax checker for niri's config.
  other files   checks/files.py: shell, Python, modprobe.d, fontconfig,
                systemd *.conf.d, INI, environment.d, sysctl.d.
  packages      checks/packages.py: every package in Debian 12's apt index.
  golden        checks/golden.py: the whole rendered tree (etc/, each home,
                store scripts, packages, users, hooks) against
                vivobook/expected-tree.txt.
  docs          checks/docs.py: `sysconf docs --format md` lists every option
                the library declares, and every listed option has a description.
  example-server  all of the above but the golden listing, when
                hosts/example-server exists (skipped with the reason otherwise).

Each checker is also run on a deliberately broken input (TestCheckers, whose
tests are in checks/selftest.py), so that a checker that silently accepts
everything fails its own test.
"""

import difflib
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
from checks.common import STORE_DIR, Entry, run_tool, shown  # noqa: E402
from checks.docs import declared_options, library_files, parse_docs, undocumented  # noqa: E402
from checks.files import (INI_PATHS, environment_d_problems, fontconfig_problems, ini_problems,  # noqa: E402
                          is_python, modprobe_problems, python_problems, shell_of, shell_problems,
                          sysctl_problems, systemd_conf_problems)
from checks.formats import (NEEDED_WITH_NIRI, data_format, fuzzel_problems, git_config_problems,  # noqa: E402
                            ignored_file_problems, kitty_problems, mako_problems, parse_data, ssh_config_problems,
                            waybar_module_problems, waybar_problems)
from checks.golden import listing  # noqa: E402
from checks.kdl import kdl_problems  # noqa: E402
from checks.packages import package_problems  # noqa: E402
from checks.selftest import CheckerTests  # noqa: E402
from checks.sysusers_tmpfiles import check_sysusers_tmpfiles  # noqa: E402
from checks.udev import known_accounts, udev_rules_problems  # noqa: E402
from checks.units import verify_system_units, verify_user_units  # noqa: E402

CONFIG = h.REPO
GOLDEN = os.path.join(HERE, "vivobook", "expected-tree.txt")
UPDATE_GOLDEN = os.environ.get("SYSCONF_UPDATE_GOLDEN") == "1"
HOST = "vivobook"
SERVER = "example-server"
def config_path(*parts):
    return os.path.join(CONFIG, *parts)


def hosts():
    with open(config_path("sysconf.toml"), "rb") as f:
        return tomllib.load(f).get("hosts", {})


# --------------------------------------------------------------------------
# A host switched into a scratch root, once per run


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

    def all_entries(self):
        """The system's entries, then each home's."""
        return self.entries + [e for home in self.homes for e in home.entries]

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
        for e in b.all_entries():
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

    def test_git_config(self):
        self._program_check("git", r"/\.config/git/config$", git_config_problems, "git config")

    def test_ssh_config(self):
        self._program_check("ssh", r"/\.ssh/config$", ssh_config_problems, "ssh config")

    def all_entries(self):
        return self.built().all_entries()

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

    def _files_check(self, files, what, tool, package, checker):
        """checker(files, scratch) finds nothing; skipped without files or the tool."""
        if not files:
            self.skipTest(f"no {what} in the generation")
        if not shutil.which(tool):
            self.skipTest(f"{tool} is not installed (package {package}; scripts/install-deps.sh installs it)")
        self.assertEqual(checker(files, self.scratch), [])

    def test_modprobe_d(self):
        files = {os.path.basename(e.label): e.data for e in self.built().etc_entries("/etc/modprobe.d/")
                 if e.kind == "file"}
        self._files_check(files, "modprobe.d file", "modprobe", "kmod", modprobe_problems)

    def test_fontconfig(self):
        files = {e.label: e.data for e in self.all_entries() if e.kind == "file" and
                 re.search(r"(^/etc/fonts/.*\.conf$|/\.config/fontconfig/.*\.conf$)", e.label)}
        self._files_check(files, "fontconfig file", "fc-match", "fontconfig", fontconfig_problems)

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
        self.assertFalse([e.label for e in b.all_entries() if "niri" in e.label], "the server renders no niri file")


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


class TestCheckers(CheckerTests, unittest.TestCase):
    """Each checker rejects a deliberately broken input (and accepts a good one)."""

    def setUp(self):
        self.scratch = tempfile.mkdtemp(prefix="sysconf-checkers-")

    def tearDown(self):
        shutil.rmtree(self.scratch, ignore_errors=True)


def main():
    global CONFIG, UPDATE_GOLDEN
    args = sys.argv[1:]
    h.set_binary_from_args(args, "usage: test_vivobook.py SYSCONF_BINARY [--config DIR] [--update] [unittest options]")
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

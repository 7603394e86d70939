"""systemd units: every system unit (and drop-in) of a generation through
`systemd-analyze verify --root=VROOT` (systemd 252 takes --root for verify in
the system scope only), VROOT being a copy of the switched root plus this
machine's /usr/lib/systemd/system and stand-ins for what packages install on
the laptop but not here: an executable stub for each Exec*= command outside
the store, a stub unit for each Requires=/Requisite=/BindsTo=/trigger target
and drop-in base that no unit directory has. Commands in the store are not
stubbed: a missing script is a failure. Every line verify prints is a failure
(it exits 0 on unknown keys).

User units: `systemd-analyze --user verify` (no --root in the user scope on
252) with HOME set to a copy of the home; there exactly one message class is
filtered: "Command P is not executable: No such file or directory" for a P
that is a store script present and executable in the root, a file of the home
executable there, or a program this machine does not have; the user stand-in
units go to a scratch XDG_DATA_HOME. Links (.wants/, .requires/, aliases,
package units) are checked for shape and target.

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
"""

import os
import re
import shlex
import shutil
import tempfile

import sysconf_harness as h
from checks.common import STORE_DIR, lines_of, run_tool, shown

UNIT_SUFFIXES = (".service", ".socket", ".timer", ".target", ".path", ".mount", ".automount", ".swap",
                 ".slice", ".scope", ".device")
EXEC_KEYS = ("ExecCondition", "ExecStartPre", "ExecStart", "ExecStartPost", "ExecReload", "ExecStop",
             "ExecStopPost", "ExecStopPre")
HARD_DEPS = ("Requires", "Requisite", "BindsTo")
DEFAULT_PATH = ("/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin")
STUB_EXECUTABLE = "#!/bin/sh\n# stand-in made by test_vivobook.py for a program a package installs\nexit 0\n"
MISSING_COMMAND = re.compile(r"^(\S+): Command (.+) is not executable: No such file or directory$")


def template_of(name):
    """The template an instance comes from (a@b.service -> a@.service); any other name as it is."""
    return re.sub(r"@[^.]+\.", "@.", name)


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
                        os.path.basename(target) != template_of(name):
                    out.append(f"{where} -> {target}: the link's name is not the unit's name")
            else:
                unit = os.path.basename(target)
                if target != f"../{name}" and not (directory == "" and unit == name):
                    out.append(f"{where} -> {target}: expected ../{name}")
                template = template_of(unit)
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


def read_unit_dir(path, resolve, scope, shown_as, report):
    """The UnitDir at `path`, its structure problems (named from `shown_as`,
    the directory as the machine sees it) added to the report; package unit
    links must point into /usr/lib/systemd/SCOPE or /lib/systemd/SCOPE."""
    udir = UnitDir(path, resolve)
    report.problems += [f"{shown_as}/{p}" for p in
                        udir.structure_problems((f"/usr/lib/systemd/{scope}", f"/lib/systemd/{scope}"))]
    return udir


class StandIns:
    """Stub units, written to `stub_dir`, for units that neither the unit
    directory nor any of `search_dirs` has (by name or by template); each one
    is a note on the report."""

    def __init__(self, udir, search_dirs, stub_dir, report, what):
        self.udir, self.search_dirs, self.stub_dir = udir, search_dirs, stub_dir
        self.report, self.what = report, what

    def present(self, name):
        return any(n in self.udir.units or n in self.udir.aliases or os.path.lexists(os.path.join(d, n))
                   for n in (name, template_of(name)) for d in self.search_dirs)

    def unit(self, name, why):
        if self.present(name):
            return
        with open(os.path.join(self.stub_dir, template_of(name)), "w") as f:
            f.write(stub_unit_text(name))
        self.report.notes.append(f"{name}: not installed on this machine; a stand-in {self.what} was used ({why})")


def prepare_units(udir, stand_ins, on_command):
    """The units to verify (every unit and drop-in of the directory): a
    stand-in for each drop-in base that has no unit here and, unit by unit,
    for each unit a start job needs, then on_command(unit, program) for each
    Exec*= program."""
    to_verify = sorted(set(udir.units) | set(udir.dropins))
    for name in to_verify:
        if name not in udir.units:
            stand_ins.unit(name, "the base of a drop-in")
    for name in to_verify:
        items = udir.items(name)
        for dep in unit_deps(name, items):
            stand_ins.unit(dep, f"required by {name}")
        for prog in exec_commands(items):
            on_command(name, prog)
    return to_verify


def run_verify(args, names, report, scope, hide, shown_as, env=None, allowed_missing=frozenset()):
    """`systemd-analyze ARGS verify` of `names` (templates as an instance):
    every line it prints is a problem, with `hide` shown as `shown_as`, but a
    message about a package's unit in /usr/lib/systemd/SCOPE (a note) and a
    missing command in `allowed_missing` (dropped). Returns the run."""
    r = run_tool(["systemd-analyze", *args, "--man=no", "--generators=no", *[instance_name(n) for n in names]],
                 env=env)
    for line in lines_of(r.stdout + r.stderr):
        m = MISSING_COMMAND.match(line)
        if m and m.group(2) in allowed_missing:
            continue
        line = line.replace(hide, shown_as)
        if re.match(rf"^/(usr/)?lib/systemd/{scope}/[^:]+:\d+: ", line):
            report.notes.append("in a package's unit (not this configuration's): " + line)
        else:
            report.problems.append(line)
    return r


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
    udir = read_unit_dir(os.path.join(vroot, "etc/systemd/system"),
                         lambda p: _resolve_in(vroot, "/" + os.path.relpath(p, vroot)),
                         "system", "/etc/systemd/system", report)
    package_dir = os.path.join(vroot, "usr/lib/systemd/system")
    stand_ins = StandIns(udir, (package_dir,), package_dir, report, "unit")

    def stub_command(name, prog):
        if "%" in prog or "$" in prog:
            return  # resolved by systemd at run time; verify checks it as written
        if not prog.startswith("/"):
            if not _on_default_path(vroot, prog):
                found = _on_default_path("/", prog)
                _make_stub_executable(os.path.join(vroot, "usr/bin", prog))
                if not found:
                    report.notes.append(f"{name}: {prog} is not on this machine's PATH; stubbed")
            return
        if prog.startswith(STORE_DIR + "/"):
            return  # a store script: must really be there
        if not _executable_in(vroot, prog):
            _make_stub_executable(_resolve_in(vroot, prog))
            if not _executable_in("/", prog):
                report.notes.append(f"{name}: {prog} is not installed on this machine; stubbed")

    for directory, name, target in udir.links:
        if target.startswith("/") and not os.path.lexists(_resolve_in(vroot, target)):
            stand_ins.unit(os.path.basename(target), f"enabled by {directory or 'alias'} link")
    to_verify = prepare_units(udir, stand_ins, stub_command)
    if not to_verify:
        return report
    r = run_verify(["verify", f"--root={vroot}"], to_verify, report, "system", vroot, "")
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
    udir = read_unit_dir(os.path.join(home_dir, ".config/systemd/user"), os.path.realpath,
                         "user", "~/.config/systemd/user", report)
    host_dirs = ("/etc/systemd/user", "/usr/lib/systemd/user", "/usr/local/lib/systemd/user")
    stand_ins = StandIns(udir, host_dirs + (stubs,), stubs, report, "user unit")
    allowed_missing = set()

    def allow_command(name, prog):
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

    to_verify = prepare_units(udir, stand_ins, allow_command)
    if not to_verify:
        return report
    env = {"HOME": home_dir, "XDG_CONFIG_HOME": os.path.join(home_dir, ".config"), "XDG_DATA_HOME": data,
           "XDG_RUNTIME_DIR": runtime, "XDG_STATE_HOME": os.path.join(base, "state"),
           "XDG_CACHE_HOME": os.path.join(base, "cache")}
    run_verify(["--user", "verify"], to_verify, report, "user", home_dir, "~", env=env,
               allowed_missing=allowed_missing)
    report.verified = to_verify
    return report

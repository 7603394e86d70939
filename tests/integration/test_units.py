#!/usr/bin/env python3
"""Integration tests of what `sysconf switch` and `rollback` do to systemd
units (DESIGN.md sections 6 and 7, docs/units-groundwork.md), against a real,
private systemd manager (systemd_fixture.py).

    python3 test_units.py SYSCONF_BINARY [UNIT_STATE_BINARY] [unittest options]
    SYSCONF=... SYSCONF_UNIT_STATE=... python3 test_units.py

Each test gets its own scratch root, configuration tree and `systemd --user`
manager whose unit path is ROOT/etc/systemd/system. sysconf reaches that
manager through the test hook SYSCONF_TEST_SYSTEMD_ADDRESS; without the hook
it must run no unit job under --root. The user-unit tests (TestUserUnits,
TestUserManagerReach) run the manager as the user a home belongs to, with
the home's ~/.config/systemd/user as its unit path, and name it in
SYSCONF_TEST_USER_SYSTEMD_ADDRESS, which the home's child process connects to
after dropping to the user.

The manager has no journal, so the test services record what happened to
them in a log file (one event a line, "start demo v1 PID", "stop demo v1",
"reload demo v1"), written by ExecStartPost, ExecStop and ExecReload: the
manager waits for those before it finishes a job, so once sysconf has waited
for its jobs the lines are there. Unit states come from the `unit_state`
tool (`unit_state ADDRESS UNIT...` → "UNIT ACTIVE_STATE SUB_STATE" lines);
without it, from `systemctl --user`, which connects to the same socket.

When the machine cannot run a private manager (no writable cgroup
filesystem, not root, no systemd), every test is skipped and the suite exits
77, which ctest reports as skipped.
"""

import json
import os
import queue
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sysconf_harness as h  # noqa: E402
import systemd_fixture as fixture  # noqa: E402

HOST = "testhost"
ADDRESS_VAR = "SYSCONF_TEST_SYSTEMD_ADDRESS"
USER_ADDRESS_VAR = "SYSCONF_TEST_USER_SYSTEMD_ADDRESS"

# Never inherited from the caller: each run says whether it has a manager.
os.environ.pop(ADDRESS_VAR, None)
os.environ.pop(USER_ADDRESS_VAR, None)

_unit_state = None  # path of the unit_state tool, or None (systemctl then)


# --------------------------------------------------------------------------
# Unit definitions, as TOML lines under [config]


def setting(service, key, value, scope="systemd"):
    """systemd.services.SERVICE.serviceConfig.KEY = "VALUE" (a JSON string
    is a valid TOML basic string). scope "systemd.user": a home's unit."""
    return f"{scope}.services.{service}.serviceConfig.{key} = {json.dumps(value)}"


def daemon(name, version, log, wanted_by=("default.target",), options=(), scope="systemd"):
    """A long-running service: `sleep` as its main process, and every event
    in `log`: "start NAME VERSION MAINPID" (ExecStartPost), "stop NAME
    VERSION" (ExecStop), "reload NAME VERSION" (ExecReload). The version is
    in each Exec line, so a new version changes ExecStart. `$$` is systemd's
    escape for a literal `$`. scope "systemd.user": the same as a user
    service, in a home module."""
    p = f"{scope}.services.{name}"
    lines = [f'{p}.description = "{name} {version}"']
    if wanted_by is not None:
        lines.append(f"{p}.wantedBy = {json.dumps(list(wanted_by))}")
    lines += [
        setting(name, "ExecStart", f"/bin/sh -c ': {version}; exec sleep infinity'", scope),
        setting(name, "ExecStartPost", f"/bin/sh -c 'echo start {name} {version} $$MAINPID >> {log}'", scope),
        setting(name, "ExecStop", f"/bin/sh -c 'echo stop {name} {version} >> {log}'", scope),
        setting(name, "ExecReload", f"/bin/sh -c 'echo reload {name} {version} >> {log}'", scope),
    ]
    lines += [f"{p}.{o}" for o in options]
    return "\n".join(lines)


def template(version, log, options=(), scope="systemd"):
    """tmpl@.service, a template service: each instance logs as "tmpl@I"
    (start, stop and reload, as daemon() does). Nothing wants an instance:
    the test starts the instances it needs."""
    p = f'{scope}.services."tmpl@"'
    lines = [f'{p}.description = "tmpl %i {version}"']
    for key, value in (("ExecStart", f"/bin/sh -c ': {version}; exec sleep infinity'"),
                       ("ExecStartPost", f"/bin/sh -c 'echo start tmpl@%i {version} $$MAINPID >> {log}'"),
                       ("ExecStop", f"/bin/sh -c 'echo stop tmpl@%i {version} >> {log}'"),
                       ("ExecReload", f"/bin/sh -c 'echo reload tmpl@%i {version} >> {log}'")):
        lines.append(f"{p}.serviceConfig.{key} = {json.dumps(value)}")
    lines += [f"{p}.{o}" for o in options]
    return "\n".join(lines)


def timer(version, log):
    """tick.timer fires once each time it is (re)started (OnActiveSec),
    running the oneshot tick.service, which logs one line. Version N fires
    N ms after it starts: a change of [Timer] (a new Description alone
    changes nothing, as in NixOS)."""
    return (
        'systemd.timers.tick.description = "tick timer"',
        f'systemd.timers.tick.timerConfig.OnActiveSec = "{version.lstrip("v")}ms"',
        'systemd.timers.tick.timerConfig.AccuracySec = "1us"',
        'systemd.services.tick.serviceConfig.Type = "oneshot"',
        setting("tick", "ExecStart", f"/bin/sh -c 'echo tick >> {log}'"),
    )


def socket_unit(version, sock, log):
    """echo.socket, listening on `sock`, wanted by sockets.target; it logs
    socket-start and socket-stop."""
    text = (f"[Unit]\nDescription=echo socket {version}\n\n[Socket]\nListenStream={sock}\n"
            f"ExecStartPost=/bin/sh -c 'echo socket-start >> {log}'\n"
            f"ExecStopPost=/bin/sh -c 'echo socket-stop >> {log}'\n")
    return (f'systemd.units."echo.socket".text = {json.dumps(text)}',
            'systemd.units."echo.socket".wantedBy = ["sockets.target"]')


def config(*parts):
    return "[config]\n" + "\n".join(parts) + "\n"


# --------------------------------------------------------------------------


class UnitsTestCase(unittest.TestCase):
    maxDiff = None

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="sysconf-units-")
        os.chmod(self.tmp, 0o755)
        self.addCleanup(shutil.rmtree, self.tmp, ignore_errors=True)
        self.tree = os.path.join(self.tmp, "tree")
        self.root = os.path.join(self.tmp, "root")
        os.mkdir(self.root)
        os.chmod(self.root, 0o755)
        self.log = os.path.join(self.tmp, "events.log")
        # Started on the empty root, before the first switch: the manager's
        # own start-up must not be what starts the units under test.
        self.manager = fixture.start_manager(self, self.root)

    # -- configuration and sysconf ------------------------------------------

    def use(self, *parts):
        text = config(*parts)
        if not os.path.exists(os.path.join(self.tree, "sysconf.toml")):
            h.make_tree(self.tree, HOST, text)
        else:
            h.set_host_module(self.tree, HOST, text)

    def sc(self, *args, manager=True, env=None, expect=None):
        extra = dict(env or {})
        if manager:
            extra[ADDRESS_VAR] = self.manager.address
        r = h.run(self.tree, self.root, HOST, *args, env=extra)
        if expect is not None:
            self.assertEqual(r.returncode, expect, "unexpected exit code" + h.describe(r) + self.context())
        return r

    def switch(self, *args, **kw):
        kw.setdefault("expect", 0)
        return self.sc("switch", *args, **kw)

    def context(self):
        """The event log and the manager's output, for failure messages."""
        events = "".join(e + "\n" for e in self.events())
        log = self.manager.log_text()[-3000:] if self.manager else "(no manager)\n"
        return f"\n--- events\n{events}--- manager log\n{log}"

    # -- observing --------------------------------------------------------------

    def events(self):
        try:
            with open(self.log) as f:
                return [l for l in f.read().splitlines() if l]
        except FileNotFoundError:
            return []

    def new_events(self, before):
        """The events since `before` (an earlier self.events()), without PIDs."""
        now = self.events()
        self.assertEqual(now[:len(before)], before, "the event log only grows")
        return [strip_pid(e) for e in now[len(before):]]

    def wait_events(self, predicate, what, timeout=10.0):
        """For events that come asynchronously (a timer elapsing, a socket
        starting its service): wait until predicate(events) holds."""
        deadline = time.monotonic() + timeout
        while True:
            ev = self.events()
            if predicate(ev):
                return ev
            if time.monotonic() > deadline:
                self.fail(f"timed out waiting for {what}" + self.context())
            time.sleep(0.02)

    def states(self, *units):
        """{unit: (ActiveState, SubState)} as the manager reports them."""
        if _unit_state:
            r = subprocess.run([_unit_state, self.manager.address, *units], capture_output=True, text=True, timeout=30)
            self.assertEqual(r.returncode, 0, f"unit_state failed: {r.stdout}{r.stderr}")
            out = {}
            for line in r.stdout.splitlines():
                fields = line.split()
                if len(fields) >= 3:
                    out[fields[0]] = (fields[1], fields[2])
        else:
            # One block per unit, in the order asked, separated by blank lines.
            r = self.manager.systemctl("show", "--property=ActiveState,SubState", *units)
            blocks = [dict(l.partition("=")[::2] for l in b.splitlines()) for b in r.stdout.strip().split("\n\n")]
            out = {u: (b.get("ActiveState"), b.get("SubState")) for u, b in zip(units, blocks)}
        for u in units:
            self.assertIn(u, out, f"no state reported for {u}: {out}")
        return out

    def assertActive(self, *units):
        s = self.states(*units)
        for u in units:
            self.assertEqual(s[u][0], "active", f"{u} should be active: {s[u]}" + self.context())

    def assertInactive(self, *units):
        s = self.states(*units)
        for u in units:
            self.assertEqual(s[u][0], "inactive", f"{u} should be inactive: {s[u]}" + self.context())

    def assertNamed(self, result, unit, *words):
        """Some line of sysconf's output names `unit` together with each of
        `words` (regular expressions, case-insensitive)."""
        lines = (result.stdout + result.stderr).splitlines()
        for line in lines:
            if unit in line and all(re.search(w, line, re.I) for w in words):
                return line
        self.fail(f"no output line names {unit} with {words}" + h.describe(result))

    def assertNotNamed(self, result, unit, *words):
        for line in (result.stdout + result.stderr).splitlines():
            if unit in line and all(re.search(w, line, re.I) for w in words):
                self.fail(f"the output should not name {unit} with {words}: {line!r}" + h.describe(result))

    def unit_file(self, unit):
        return h.read_in_root(self.root, "/etc/systemd/system/" + unit).decode()


def strip_pid(event):
    """'start demo v1 1234' → 'start demo v1'."""
    fields = event.split()
    if fields and fields[0] == "start" and len(fields) == 4 and fields[3].isdigit():
        return " ".join(fields[:3])
    return event


def read_text(path):
    try:
        with open(path) as f:
            return f.read()
    except FileNotFoundError:
        return ""


def dead(pid):
    """The process is gone, or a zombie waiting for its new parent to reap it."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] in ("Z", "X")
    except (FileNotFoundError, ProcessLookupError):
        return True


def start_pid(events, name):
    """The main PID logged by the last start of `name`."""
    for e in reversed(events):
        f = e.split()
        if f[:2] == ["start", name] and len(f) == 4:
            return int(f[3])
    return None


# ==========================================================================
# The fixture itself


# What the fixture mounts, in the manager's namespace only.
PRIVATE_MOUNTS = ("/run", "/run/systemd", "/var/lib", "/var/lib/sysconf")


def mounts_on(points):
    """The mounts of this process's namespace on these points, in order."""
    with open("/proc/self/mountinfo") as f:
        return [line.split()[4] for line in f if line.split()[4] in points]


class TestFixture(unittest.TestCase):
    """Starting and stopping a manager leaves no sub-cgroup, no scratch dir,
    no process and no mount behind; a unit linked into a fake store the way
    sysconf links them loads and runs."""

    def test_start_stop_leaves_nothing(self):
        tmp = tempfile.mkdtemp(prefix="sysconf-fixture-")
        self.addCleanup(shutil.rmtree, tmp, ignore_errors=True)
        root = os.path.join(tmp, "root")
        os.makedirs(root)
        host_var_lib_sysconf = os.path.exists("/var/lib/sysconf")
        host_run_systemd = sorted(os.listdir("/run/systemd")) if os.path.isdir("/run/systemd") else None
        host_mounts = mounts_on(PRIVATE_MOUNTS)

        m = fixture.PrivateManager(root)
        t0 = time.monotonic()
        m.start()
        try:
            started = time.monotonic() - t0
            self.assertTrue(os.path.exists(m.socket), m.socket)
            self.assertTrue(m.address.startswith("unix:path="))
            self.assertLess(started, 10)
            self.assertTrue(m.cgroups)
            for cg in m.cgroups:
                self.assertTrue(os.path.isdir(cg), cg)
                self.assertTrue(os.path.basename(cg).startswith("sysconf-test-"), cg)
            # The test process stayed where it was; the manager went into ours.
            with open("/proc/self/cgroup") as f:
                self.assertNotIn(m.name, f.read())
            with open(f"/proc/{m.pid}/cgroup") as f:
                self.assertIn(m.name, f.read())
            # The manager's mounts stay in its namespace.
            self.assertEqual(mounts_on(PRIVATE_MOUNTS), host_mounts, "the fixture mounted something on the host")

            stray_pid = None
            if shutil.which("systemctl"):
                stray_pid = self.run_linked_unit(m, root, tmp)
        finally:
            problems = m.stop()
        self.assertEqual(problems, [])
        for cg in m.cgroups_removed:
            self.assertFalse(os.path.exists(cg), f"{cg} left behind")
        self.assertFalse(os.path.exists(m.scratch_removed), f"{m.scratch_removed} left behind")
        self.assertTrue(dead(m.pid), "the manager outlived the teardown")
        if stray_pid is not None:
            self.assertIn(stray_pid, m.leftovers, "the process that outlived the manager was found in the cgroup")
            self.assertTrue(dead(stray_pid), "a process outlived the teardown")
        self.assertEqual(os.path.exists("/var/lib/sysconf"), host_var_lib_sysconf)
        if host_run_systemd is not None:
            self.assertEqual(sorted(os.listdir("/run/systemd")), host_run_systemd)
        self.assertEqual(mounts_on(PRIVATE_MOUNTS), host_mounts)
        self.assertEqual(m.stop(), [], "a second stop is harmless")

    def run_linked_unit(self, m, root, tmp):
        """A unit in ROOT/etc/systemd/system that is a relative symlink into
        ROOT/var/lib/sysconf/store, whose ExecStart is a store script named by
        its /var/lib/sysconf path, as sysconf renders them. KillMode=none, so
        its process outlives the manager and the teardown must kill it."""
        store = os.path.join(root, "var/lib/sysconf/store")
        os.makedirs(store, exist_ok=True)
        pidfile = os.path.join(tmp, "stray.pid")
        h.write(os.path.join(store, "aaaa-stray-start"), f"#!/bin/sh\necho $$ > {pidfile}\nexec sleep 1000\n", 0o555)
        h.write(os.path.join(store, "bbbb-stray.service"),
                "[Service]\nExecStart=/var/lib/sysconf/store/aaaa-stray-start\nKillMode=none\n", 0o444)
        unit_dir = os.path.join(root, "etc/systemd/system")
        os.makedirs(unit_dir)
        os.symlink("../../../var/lib/sysconf/store/bbbb-stray.service", os.path.join(unit_dir, "stray.service"))
        m.systemctl("daemon-reload")
        m.systemctl("start", "stray.service")
        deadline = time.monotonic() + 10
        while not read_text(pidfile).strip():
            self.assertLess(time.monotonic(), deadline, "the linked unit's store script did not run")
            time.sleep(0.01)
        pid = int(read_text(pidfile))
        r = m.systemctl("show", "--property=ActiveState,FragmentPath", "stray.service")
        self.assertIn("ActiveState=active", r.stdout)
        self.assertIn(f"FragmentPath={unit_dir}/stray.service", r.stdout)
        with open(f"/proc/{pid}/cgroup") as f:
            self.assertIn(m.name + "/app.slice/stray.service", f.read())
        return pid


# ==========================================================================
# Starting, stopping, restarting


class TestStartStop(UnitsTestCase):

    def test_new_service_starts(self):
        self.use(daemon("demo", "v1", self.log),
                 # a `script` service: ExecStart is a store script under /var/lib/sysconf
                 'systemd.services.scripted.wantedBy = ["default.target"]',
                 "systemd.services.scripted.script = "
                 + json.dumps(f"echo start scripted v1 $$ >> {self.log}\nexec sleep infinity\n"),
                 # not wanted by anything: installed, not started
                 daemon("idle", "v1", self.log, wanted_by=None))
        r = self.switch()
        ev = self.wait_events(lambda ev: any(e.startswith("start scripted") for e in ev), "scripted.service")
        self.assertIn("start demo v1", [strip_pid(e) for e in ev])
        self.assertNotIn("start idle v1", [strip_pid(e) for e in ev])
        self.assertActive("demo.service", "scripted.service")
        self.assertInactive("idle.service")
        self.assertEqual(self.states("demo.service")["demo.service"], ("active", "running"))
        for name in ("demo", "scripted"):
            pid = start_pid(ev, name)
            with open(f"/proc/{pid}/cgroup") as f:
                self.assertIn(f"{self.manager.name}/app.slice/{name}.service", f.read(),
                              f"{name}'s main process runs in the manager's unit cgroup")
        self.assertIn("/var/lib/sysconf/store/", self.unit_file("scripted.service"))
        self.assertNamed(r, "default.target", "start")

    def test_removed_service_stops(self):
        self.use(daemon("demo", "v1", self.log), daemon("keep", "v1", self.log))
        self.switch()
        self.assertActive("demo.service", "keep.service")
        before = self.events()
        self.use(daemon("keep", "v1", self.log))
        r = self.switch()
        self.assertEqual(self.new_events(before), ["stop demo v1"])
        self.assertInactive("demo.service")
        self.assertActive("keep.service")
        self.assertFalse(os.path.lexists(os.path.join(self.root, "etc/systemd/system/demo.service")))
        self.assertNamed(r, "demo.service", "stop")
        self.assertNotNamed(r, "keep.service", "stop|start|restart|reload")

    def test_changed_service_is_stopped_then_started(self):
        """stopIfChanged (the default): stopped before the files change (so the
        old ExecStop runs), started after."""
        self.use(daemon("demo", "v1", self.log), daemon("bystander", "v1", self.log))
        self.switch()
        before = self.events()
        old_pid = start_pid(before, "demo")
        self.use(daemon("demo", "v2", self.log), daemon("bystander", "v1", self.log))
        r = self.switch()
        self.assertEqual(self.new_events(before), ["stop demo v1", "start demo v2"])
        self.assertActive("demo.service", "bystander.service")
        self.assertNotEqual(start_pid(self.events(), "demo"), old_pid)
        self.assertNamed(r, "demo.service", "stop")
        self.assertNamed(r, "demo.service", "start")
        self.assertNotNamed(r, "bystander.service", "stop|start|restart|reload")

    def test_real_switch_says_what_it_does(self):
        """Issue 11, item 9: a real switch printed the dry run's "would stop
        ..." lines. It says what it does, as it does it."""
        self.use(daemon("demo", "v1", self.log), daemon("gone", "v1", self.log))
        self.switch()
        self.use(daemon("demo", "v2", self.log))
        r = self.switch()
        lines = r.stdout.splitlines()
        self.assertIn("stopping the following units: demo.service, gone.service", lines, h.describe(r))
        self.assertIn("starting the following units: demo.service", lines, h.describe(r))
        self.assertNotIn("would", r.stdout + r.stderr, "only --dry-run says what it would do")
        self.assertLess(lines.index("stopping the following units: demo.service, gone.service"),
                        lines.index("starting the following units: demo.service"))

    def test_unit_step_is_told_before_its_jobs_finish(self):
        """"stopping the following units" is printed when the stop begins,
        not when the switch ends: a switch hung on a unit has said which."""
        gate = os.path.join(self.tmp, "gate")
        self.use(daemon("keep", "v1", self.log),
                 'systemd.services.slowstop.wantedBy = ["default.target"]',
                 setting("slowstop", "ExecStart", "/bin/sh -c 'exec sleep infinity'"),
                 setting("slowstop", "ExecStop", f"/bin/sh -c 'while [ ! -e {gate} ]; do sleep 0.05; done'"))
        self.switch()
        self.assertActive("slowstop.service")
        self.use(daemon("keep", "v1", self.log))
        p = h.popen(self.tree, self.root, HOST, "switch", env={ADDRESS_VAR: self.manager.address})
        lines = queue.Queue()
        reader = threading.Thread(target=lambda: [lines.put(l.rstrip("\n")) for l in p.stdout], daemon=True)
        reader.start()
        try:
            deadline = time.monotonic() + 30
            while True:
                line = lines.get(timeout=max(0.1, deadline - time.monotonic()))
                if line == "stopping the following units: slowstop.service":
                    break
            self.assertIsNone(p.poll(), "the stop job is still waiting for the gate")
        finally:
            with open(gate, "w"):
                pass
        self.assertEqual(p.wait(timeout=60), 0, p.stderr.read())
        reader.join(timeout=10)
        self.assertInactive("slowstop.service")

    def test_changed_service_is_restarted_without_stopIfChanged(self):
        """stopIfChanged = false: restarted after daemon-reload, so the stop is
        the new unit's ExecStop (v2): it did not happen before the switch."""
        self.use(daemon("demo", "v1", self.log, options=["stopIfChanged = false"]))
        self.switch()
        before = self.events()
        self.use(daemon("demo", "v2", self.log, options=["stopIfChanged = false"]))
        r = self.switch()
        self.assertEqual(self.new_events(before), ["stop demo v2", "start demo v2"])
        self.assertActive("demo.service")
        self.assertNamed(r, "demo.service", "restart")

    def test_changed_service_is_reloaded_with_reloadIfChanged(self):
        self.use(daemon("demo", "v1", self.log, options=["reloadIfChanged = true"]))
        self.switch()
        before = self.events()
        pid = start_pid(before, "demo")
        self.use(daemon("demo", "v2", self.log, options=["reloadIfChanged = true"]))
        r = self.switch()
        self.assertEqual(self.new_events(before), ["reload demo v2"], "ExecReload ran (the new one), nothing else")
        self.assertActive("demo.service")
        self.assertTrue(os.path.exists(f"/proc/{pid}"), "the main process was not restarted")
        self.assertNamed(r, "demo.service", "reload")
        self.assertNotNamed(r, "demo.service", "stop|restart")

    def test_changed_service_is_left_alone_without_restartIfChanged(self):
        self.use(daemon("demo", "v1", self.log, options=["restartIfChanged = false"]))
        self.switch()
        before = self.events()
        pid = start_pid(before, "demo")
        self.use(daemon("demo", "v2", self.log, options=["restartIfChanged = false"]))
        r = self.switch()
        self.assertEqual(self.new_events(before), [], "not stopped, restarted or reloaded")
        self.assertActive("demo.service")
        self.assertTrue(os.path.exists(f"/proc/{pid}"), "the old main process still runs")
        self.assertIn("v2", self.unit_file("demo.service"), "the new unit file is in place all the same")
        self.assertNamed(r, "demo.service", r"not\s+restart")

    def test_inactive_unit_is_not_touched(self):
        """Only units the manager reports active are touched: a changed unit
        that nothing started stays stopped."""
        self.use(daemon("idle", "v1", self.log, wanted_by=None))
        self.switch()
        self.use(daemon("idle", "v2", self.log, wanted_by=None))
        r = self.switch()
        self.assertEqual(self.events(), [])
        self.assertInactive("idle.service")
        self.assertNotNamed(r, "idle.service", "stop|start|restart|reload")


# ==========================================================================
# restartTriggers and reloadTriggers


class TestTriggers(UnitsTestCase):

    def conf(self, rel):
        return os.path.join(self.root, "etc", rel)

    def gen(self, demo_conf, reload_conf, other):
        log = self.log
        return (
            f'environment.etc."demo/demo.conf".text = "{demo_conf}\\n"',
            f'environment.etc."demo/reload.conf".text = "{reload_conf}\\n"',
            f'environment.etc."demo/other.conf".text = "{other}\\n"',
            # rt reads demo.conf when it starts
            'systemd.services.rt.wantedBy = ["default.target"]',
            'systemd.services.rt.restartTriggers = ["/etc/demo/demo.conf"]',
            setting("rt", "ExecStart", "/bin/sh -c 'exec sleep infinity'"),
            setting("rt", "ExecStartPost", f"/bin/sh -c 'echo start rt $$(cat {self.conf('demo/demo.conf')}) >> {log}'"),
            setting("rt", "ExecStop", f"/bin/sh -c 'echo stop rt >> {log}'"),
            # rl reads reload.conf when it reloads
            'systemd.services.rl.wantedBy = ["default.target"]',
            'systemd.services.rl.reloadTriggers = ["/etc/demo/reload.conf"]',
            setting("rl", "ExecStart", "/bin/sh -c 'exec sleep infinity'"),
            setting("rl", "ExecStartPost", f"/bin/sh -c 'echo start rl >> {log}'"),
            setting("rl", "ExecStop", f"/bin/sh -c 'echo stop rl >> {log}'"),
            setting("rl", "ExecReload", f"/bin/sh -c 'echo reload rl $$(cat {self.conf('demo/reload.conf')}) >> {log}'"),
        )

    def test_restart_trigger_restarts(self):
        self.use(*self.gen("c1", "r1", "o1"))
        self.switch()
        before = self.events()
        self.assertEqual(sorted(before), ["start rl", "start rt c1"])
        self.use(*self.gen("c2", "r1", "o1"))
        r = self.switch()
        self.assertEqual(self.new_events(before), ["stop rt", "start rt c2"],
                         "restarted, and started after the file changed")
        self.assertActive("rt.service", "rl.service")
        self.assertNamed(r, "rt.service", "start|restart")
        self.assertNotNamed(r, "rl.service", "stop|start|restart|reload")

    def test_reload_trigger_reloads(self):
        self.use(*self.gen("c1", "r1", "o1"))
        self.switch()
        before = self.events()
        self.use(*self.gen("c1", "r2", "o1"))
        r = self.switch()
        self.assertEqual(self.new_events(before), ["reload rl r2"], "reloaded after the file changed, not restarted")
        self.assertActive("rt.service", "rl.service")
        self.assertNamed(r, "rl.service", "reload")

    def test_other_file_touches_nothing(self):
        self.use(*self.gen("c1", "r1", "o1"))
        self.switch()
        before = self.events()
        self.use(*self.gen("c1", "r1", "o2"))
        self.switch()
        self.assertEqual(self.new_events(before), [])

    def unit_texts(self):
        """The two units' files as the generation has them."""
        texts = {}
        for name in ("rt.service", "rl.service"):
            with open(os.path.join(self.root, "etc/systemd/system", name)) as f:
                texts[name] = f.read()
        return texts

    def test_unit_text_names_the_triggers_and_the_plan_follows_their_content(self):
        """The unit text names the trigger files (as NixOS names store
        paths), so it is the same whatever they hold; the plan compares the
        two generations' files that the triggers name. A changed trigger file
        alone restarts (or reloads) the unit; an unchanged one plans nothing."""
        self.use(*self.gen("c1", "r1", "o1"))
        self.switch()
        first = self.unit_texts()
        self.assertIn("X-Restart-Triggers=/etc/demo/demo.conf\n", first["rt.service"])
        self.assertIn("X-Reload-Triggers=/etc/demo/reload.conf\n", first["rl.service"])
        before = self.events()

        self.use(*self.gen("c1", "r1", "o2"))
        r = self.switch("--dry-run")
        self.assertNotRegex(r.stdout, r"would (stop|reload|restart|start)", h.describe(r))
        self.use(*self.gen("c2", "r2", "o1"))
        r = self.switch("--dry-run")
        self.assertIn("would stop the following units: rt.service", r.stdout, h.describe(r))
        self.assertIn("would reload the following units: rl.service", r.stdout, h.describe(r))
        self.assertIn("would start the following units: rt.service", r.stdout, h.describe(r))
        self.assertNotIn("would restart", r.stdout, h.describe(r))
        self.assertEqual(self.events(), before, "--dry-run touches nothing")

        self.switch()
        self.assertEqual(self.unit_texts(), first, "only the trigger files changed, not the units")
        self.assertEqual(sorted(self.new_events(before)), ["reload rl r2", "start rt c2", "stop rt"])


# ==========================================================================
# Timers and sockets


class TestTimersAndSockets(UnitsTestCase):

    def test_new_timer_starts_and_changed_timer_restarts(self):
        self.use(*timer("v1", self.log))
        r = self.switch()
        self.assertTrue(os.path.lexists(os.path.join(self.root, "etc/systemd/system/timers.target.wants/tick.timer")))
        self.wait_events(lambda ev: ev.count("tick") == 1, "the new timer to fire")
        self.assertActive("tick.timer")
        self.assertNamed(r, "timers.target", "start")

        self.use(*timer("v2", self.log))
        r = self.switch()
        self.wait_events(lambda ev: ev.count("tick") == 2, "the restarted timer to fire again")
        self.assertActive("tick.timer")
        self.assertNamed(r, "tick.timer", "restart")
        # tick.service itself is unchanged.
        self.assertNotNamed(r, "tick.service", "stop|start|restart|reload")

    def connect(self):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(self.sock)
        return s

    def test_socket_activated_service(self):
        self.sock = os.path.join(self.tmp, "echo.sock")
        # echo.service is not wanted by anything: only its socket starts it.
        self.use(*socket_unit("v1", self.sock, self.log), daemon("echo", "v1", self.log, wanted_by=None))
        r = self.switch()
        self.assertEqual(self.events(), ["socket-start"])
        self.assertActive("echo.socket")
        self.assertInactive("echo.service")
        self.assertNamed(r, "sockets.target", "start")

        c = self.connect()
        self.wait_events(lambda ev: "start echo v1" in map(strip_pid, ev), "the socket to start echo.service")
        c.close()
        self.assertActive("echo.service", "echo.socket")
        before = self.events()

        # The service changes: service and socket are stopped, the socket is
        # started again, and the service waits for the next connection.
        self.use(*socket_unit("v1", self.sock, self.log), daemon("echo", "v2", self.log, wanted_by=None))
        r = self.switch()
        new = self.new_events(before)
        self.assertIn("stop echo v1", new)
        self.assertIn("socket-stop", new)
        self.assertIn("socket-start", new)
        self.assertLess(new.index("socket-stop"), new.index("socket-start"))
        self.assertNotIn("start echo v2", new, "the service is started by its socket, not by the switch")
        self.assertInactive("echo.service")
        self.assertActive("echo.socket")
        self.assertNamed(r, "echo.socket", "start")
        self.assertNamed(r, "echo.service", "stop")

        c = self.connect()
        self.wait_events(lambda ev: "start echo v2" in map(strip_pid, ev), "the new socket to start the new service")
        c.close()
        self.assertActive("echo.service", "echo.socket")


# ==========================================================================
# Failures


class TestFailures(UnitsTestCase):

    def broken(self, exec_start):
        return "\n".join([
            'systemd.services.broken.wantedBy = ["default.target"]',
            'systemd.services.broken.serviceConfig.Type = "oneshot"',
            "systemd.services.broken.serviceConfig.RemainAfterExit = true",
            f'systemd.services.broken.serviceConfig.ExecStart = "{exec_start}"',
        ])

    def test_new_unit_that_fails_to_start(self):
        self.use(self.broken("/bin/false"), daemon("demo", "v1", self.log))
        r = self.switch(expect=3)
        self.assertNamed(r, "broken.service", "fail")
        self.assertEqual(self.states("broken.service")["broken.service"][0], "failed")
        # The rest of the activation went on: the other unit started, the
        # generation is the current one.
        self.assertIn("start demo v1", map(strip_pid, self.events()))
        self.assertActive("demo.service")
        self.assertEqual(h.current_number(self.tree, self.root, HOST), 1)

    def test_changed_unit_that_fails_to_start(self):
        self.use(self.broken("/bin/true"))
        self.switch()
        self.assertActive("broken.service")
        self.use(self.broken("/bin/false"))
        r = self.switch(expect=3)
        self.assertNamed(r, "broken.service", "fail")
        self.assertEqual(self.states("broken.service")["broken.service"][0], "failed")
        self.assertEqual(h.current_number(self.tree, self.root, HOST), 2)


# ==========================================================================
# Idempotence, rollback, crashes, dry runs, no manager


class TestActivation(UnitsTestCase):

    def test_same_generation_touches_nothing(self):
        self.use(daemon("demo", "v1", self.log), *timer("v1", self.log))
        self.switch()
        self.wait_events(lambda ev: "tick" in ev, "the timer")
        time.sleep(0.2)
        before = self.events()
        states = self.states("demo.service", "tick.timer")
        r = self.switch()
        time.sleep(0.2)  # a stray timer restart would log a tick by now
        self.assertEqual(self.events(), before)
        self.assertEqual(self.states("demo.service", "tick.timer"), states)
        for unit in ("demo.service", "tick.timer", "default.target", "timers.target"):
            self.assertNotNamed(r, unit, "stop|start|restart|reload")
        self.assertEqual(h.current_number(self.tree, self.root, HOST), 1)

    def test_rollback_restores_the_old_unit(self):
        """Generation 2 changes demo and adds extra; rolling back stops both
        (demo with its v2 ExecStop, before the files change), starts demo v1."""
        self.use(daemon("demo", "v1", self.log))
        self.switch()
        self.use(daemon("demo", "v2", self.log), daemon("extra", "v1", self.log))
        self.switch()
        before = self.events()
        self.assertEqual(sorted(map(strip_pid, before[-3:])), ["start demo v2", "start extra v1", "stop demo v1"])
        r = self.sc("rollback", expect=0)
        new = self.new_events(before)
        self.assertEqual(sorted(new[:2]), ["stop demo v2", "stop extra v1"], new)
        self.assertEqual(new[2:], ["start demo v1"])
        self.assertActive("demo.service")
        self.assertInactive("extra.service")
        self.assertIn("v1", self.unit_file("demo.service"))
        self.assertFalse(os.path.lexists(os.path.join(self.root, "etc/systemd/system/extra.service")))
        self.assertEqual(h.current_number(self.tree, self.root, HOST), 1)
        self.assertNamed(r, "demo.service", "start")
        self.assertNamed(r, "extra.service", "stop")

    def crash_after_stop(self):
        """Generation 1 running; a switch to 2 killed right after its stop
        phase: the unit is stopped, its file not switched yet."""
        self.use(daemon("demo", "v1", self.log))
        self.switch()
        before = self.events()
        self.use(daemon("demo", "v2", self.log))
        r = self.sc("switch", env={"SYSCONF_TEST_CRASH_AT": "phase:stop"})
        self.assertIn(r.returncode, (-9, 137), "sysconf must die by SIGKILL after its stop phase" + h.describe(r))
        self.assertEqual(self.new_events(before), ["stop demo v1"])
        self.assertInactive("demo.service")
        self.assertIn("v1", self.unit_file("demo.service"), "the files had not changed yet")
        self.assertTrue(os.path.exists(os.path.join(self.root, h.STATE, "journal.json")))
        return self.events()

    def test_crash_after_stop_then_switch(self):
        before = self.crash_after_stop()
        self.switch()
        self.assertEqual(self.new_events(before), ["start demo v2"])
        self.assertActive("demo.service")
        self.assertFalse(os.path.exists(os.path.join(self.root, h.STATE, "journal.json")))
        self.assertEqual(h.current_number(self.tree, self.root, HOST), 2)

    def test_crash_after_stop_then_rollback(self):
        before = self.crash_after_stop()
        self.sc("rollback", expect=0)
        self.assertEqual(self.new_events(before), ["start demo v1"], "the unit the crashed switch stopped is back")
        self.assertActive("demo.service")
        self.assertFalse(os.path.exists(os.path.join(self.root, h.STATE, "journal.json")))
        self.assertEqual(h.current_number(self.tree, self.root, HOST), 1)

    def test_diff_names_the_changed_units(self):
        """`sysconf diff` compares units as the switch does: by file, drop-ins
        and wanting targets."""
        self.use(daemon("demo", "v1", self.log), daemon("same", "v1", self.log), daemon("gone", "v1", self.log))
        self.switch()
        self.use(daemon("demo", "v2", self.log), daemon("same", "v1", self.log), daemon("new", "v1", self.log))
        self.switch()
        r = self.sc("diff", expect=0)
        units = [l for l in r.stdout.splitlines() if l.startswith("units:")]
        self.assertEqual(units, ["units: ~demo.service +new.service -gone.service"], r.stdout)

    def test_dry_run_changes_nothing(self):
        self.use(daemon("demo", "v1", self.log), daemon("gone", "v1", self.log))
        self.switch()
        before = self.events()
        states = self.states("demo.service", "gone.service", "added.service")
        etc = h.snapshot(os.path.join(self.root, "etc"))
        self.use(daemon("demo", "v2", self.log), daemon("added", "v1", self.log))
        r = self.switch("--dry-run")
        self.assertNamed(r, "demo.service", "would", "stop")
        self.assertNamed(r, "demo.service", "would", "start")
        self.assertNamed(r, "gone.service", "would", "stop")
        self.assertNamed(r, "default.target", "would", "start")
        self.assertEqual(self.events(), before)
        self.assertEqual(self.states("demo.service", "gone.service", "added.service"), states)
        self.assertEqual(h.snapshot(os.path.join(self.root, "etc")), etc)
        self.assertEqual(h.current_number(self.tree, self.root, HOST), 1)

    def test_no_manager_no_jobs(self):
        """Without SYSCONF_TEST_SYSTEMD_ADDRESS, a switch under --root plans
        unit jobs but runs none: the manager sees nothing."""
        self.use(daemon("demo", "v1", self.log))
        self.switch(manager=False)
        self.assertTrue(os.path.lexists(os.path.join(self.root, "etc/systemd/system/default.target.wants/demo.service")))
        time.sleep(0.2)
        self.assertEqual(self.events(), [])
        self.assertInactive("demo.service")
        # Now with the manager: the plan runs.
        self.use(daemon("demo", "v1", self.log), daemon("other", "v1", self.log))
        self.switch()
        self.assertIn("start other v1", map(strip_pid, self.events()))


# ==========================================================================
# Template units: a running instance follows its template (issue 13, item 10)


class TestTemplates(UnitsTestCase):
    """An instance (tmpl@a.service) that has no file of its own is judged by
    its template's file, as switch-to-configuration-ng does: a changed
    template restarts (or reloads) its running instances, a removed one stops
    them, an instance that is not running is left alone; the plan names each
    instance."""

    def start_instances(self, *instances):
        self.manager.systemctl("start", *[f"tmpl@{i}.service" for i in instances])
        self.wait_events(lambda ev: all(any(e.startswith(f"start tmpl@{i} ") for e in ev) for i in instances),
                         "the instances")
        return self.events()

    def test_changed_template_restarts_its_running_instances(self):
        self.use(template("v1", self.log), daemon("keep", "v1", self.log))
        self.switch()
        before = self.start_instances("a", "b")
        self.use(template("v2", self.log), daemon("keep", "v1", self.log))
        dry = self.switch("--dry-run")
        self.assertIn("would stop the following units: tmpl@a.service, tmpl@b.service", dry.stdout, h.describe(dry))
        self.assertIn("would start the following units: tmpl@a.service, tmpl@b.service", dry.stdout, h.describe(dry))
        self.assertEqual(self.events(), before, "--dry-run touches nothing")
        r = self.switch()
        new = self.new_events(before)
        self.assertEqual(sorted(new[:2]), ["stop tmpl@a v1", "stop tmpl@b v1"], new)
        self.assertEqual(sorted(new[2:]), ["start tmpl@a v2", "start tmpl@b v2"], new)
        self.assertActive("tmpl@a.service", "tmpl@b.service", "keep.service")
        self.assertInactive("tmpl@c.service")
        self.assertIn("stopping the following units: tmpl@a.service, tmpl@b.service", r.stdout, h.describe(r))
        self.assertNotNamed(r, "keep.service", "stop|start|restart|reload")
        self.assertNotNamed(r, "tmpl@c.service", "stop|start|restart|reload")

    def test_instance_with_a_drop_in_follows_its_template(self):
        """An instance with only a drop-in of its own (asDropin) is its
        template's file with that drop-in on top, as systemd loads it: the
        template's change restarts it too."""
        dropin = ('systemd.services."tmpl@a".overrideStrategy = "asDropin"',
                  'systemd.services."tmpl@a".environment.GREETING = "hello"')
        self.use(template("v1", self.log), *dropin)
        self.switch()
        self.assertTrue(os.path.lexists(os.path.join(self.root, "etc/systemd/system/tmpl@a.service.d")))
        before = self.start_instances("a")
        self.use(template("v2", self.log), *dropin)
        self.switch()
        self.assertEqual(self.new_events(before), ["stop tmpl@a v1", "start tmpl@a v2"])

    def test_reloadIfChanged_template_reloads_its_instances(self):
        self.use(template("v1", self.log, options=["reloadIfChanged = true"]))
        self.switch()
        before = self.start_instances("a")
        self.use(template("v2", self.log, options=["reloadIfChanged = true"]))
        r = self.switch()
        self.assertEqual(self.new_events(before), ["reload tmpl@a v2"])
        self.assertNamed(r, "tmpl@a.service", "reload")

    def test_removed_template_stops_its_instances(self):
        self.use(template("v1", self.log), daemon("keep", "v1", self.log))
        self.switch()
        before = self.start_instances("a", "b")
        self.use(daemon("keep", "v1", self.log))
        r = self.switch()
        self.assertEqual(sorted(self.new_events(before)), ["stop tmpl@a v1", "stop tmpl@b v1"])
        self.assertInactive("tmpl@a.service", "tmpl@b.service")
        self.assertActive("keep.service")
        self.assertNamed(r, "tmpl@a.service", "stop")


# ==========================================================================
# User units: a home's systemd.user.*, in that user's own manager


USER = "craig"


def user_daemon(name, version, log, **kw):
    """daemon() as a user service, in a home module."""
    return daemon(name, version, log, scope="systemd.user", **kw)


def proc_ids(pid):
    """(real uid, effective uid, real gid, effective gid) of a process."""
    with open(f"/proc/{pid}/status") as f:
        fields = dict(line.split(":", 1) for line in f if ":" in line)
    uid, gid = fields["Uid"].split(), fields["Gid"].split()
    return int(uid[0]), int(uid[1]), int(gid[0]), int(gid[1])


class UserUnitsTestCase(UnitsTestCase):
    """A home's units (DESIGN.md section 6 step 9): planned and run by the
    home's child process, after it has dropped to the user, in that user's
    own manager, which sysconf reaches at SYSCONF_TEST_USER_SYSTEMD_ADDRESS
    (on a live system, /run/user/UID/systemd/private).

    The manager is the fixture run as the uid and gid sysconf gave the user
    in the scratch root's /etc/passwd, with the home's ~/.config/systemd/user
    as its unit path and a runtime dir of mode 0700 owned by the user, as
    pam_systemd makes it. That user does not exist before sysconf's first
    switch creates it (systemd-sysusers --root), so each test first switches
    to a home with no units (`create_user`), then starts the manager, then
    switches to the units under test. The services log to `self.log` in a
    sticky, world-writable directory; each line is written as the uid the
    service runs as."""

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="sysconf-user-units-")
        os.chmod(self.tmp, 0o755)
        self.addCleanup(shutil.rmtree, self.tmp, ignore_errors=True)
        self.tree = os.path.join(self.tmp, "tree")
        self.root = os.path.join(self.tmp, "root")
        os.mkdir(self.root)
        os.chmod(self.root, 0o755)
        self.home = os.path.join(self.root, "home", USER)
        self.unit_dir = os.path.join(self.home, ".config/systemd/user")
        logs = os.path.join(self.tmp, "logs")
        os.mkdir(logs)
        os.chmod(logs, 0o1777)
        self.log = os.path.join(logs, "events.log")
        self.manager = None
        self.uid = self.gid = None

    def use(self, *home_parts):
        """The host declares the user and its home; `home_parts` are the
        home module's [config] lines."""
        host = config(f'users.users.{USER} = {{ isNormalUser = true, description = "Craig" }}',
                      f'home-manager.users.{USER}.modules = ["../../home/default.toml"]')
        if not os.path.exists(os.path.join(self.tree, "sysconf.toml")):
            h.make_tree(self.tree, HOST, host, config(*home_parts))
        else:
            h.set_host_module(self.tree, HOST, host)
            h.set_home_module(self.tree, config(*home_parts))

    def sc(self, *args, manager=True, env=None, expect=None, address=None):
        """sysconf with the user's manager (`address`, else self.manager's)
        as SYSCONF_TEST_USER_SYSTEMD_ADDRESS; never a system manager."""
        extra = dict(env or {})
        if manager:
            extra[USER_ADDRESS_VAR] = address or self.manager.address
        r = h.run(self.tree, self.root, HOST, *args, env=extra)
        if expect is not None:
            self.assertEqual(r.returncode, expect, "unexpected exit code" + h.describe(r) + self.context())
        return r

    def create_user(self):
        """Generation 1: the user, its home, no units."""
        self.use()
        self.switch(manager=False)
        self.uid, self.gid = h.passwd_ids(self.root, USER)
        self.assertNotEqual(self.uid, 0)
        self.assertEqual(os.stat(self.home).st_uid, self.uid)

    def start_user_manager(self, uid=None, gid=None, runtime_mode=0o700):
        """The user's manager: as the user, unless told another uid."""
        self.manager = fixture.start_manager(self, self.root, uid=self.uid if uid is None else uid,
                                             gid=self.gid if gid is None else gid, unit_dir=self.unit_dir,
                                             runtime_mode=runtime_mode)
        return self.manager

    def user_note(self, result):
        """The line of the output that says the user's units were not started."""
        return self.assertNamed(result, f"user units of {USER}", "not started")

    def link(self, rel):
        return os.path.lexists(os.path.join(self.unit_dir, rel))


class TestUserUnits(UserUnitsTestCase):

    def setUp(self):
        super().setUp()
        self.create_user()
        self.start_user_manager()
        # The manager really is the user's, as pam_systemd would start it.
        self.assertEqual(proc_ids(self.manager.pid), (self.uid, self.uid, self.gid, self.gid))
        st = os.stat(self.manager.runtime_dir)
        self.assertEqual((st.st_uid, st.st_mode & 0o777), (self.uid, 0o700))

    def test_new_user_service_starts_as_the_user(self):
        """A service wanted by default.target is started on switch, in the
        user's manager (its socket is in a 0700 directory of the user's: a
        connection made as anyone but the user or root would be refused), and
        runs as the user."""
        self.use(user_daemon("foo", "v1", self.log),
                 user_daemon("idle", "v1", self.log, wanted_by=None))
        r = self.switch()
        self.assertNotIn("not started", r.stdout + r.stderr)
        ev = self.events()
        self.assertEqual([strip_pid(e) for e in ev], ["start foo v1"])
        self.assertActive("foo.service")
        self.assertInactive("idle.service")
        self.assertEqual(self.states("foo.service")["foo.service"], ("active", "running"))
        pid = start_pid(ev, "foo")
        self.assertEqual(proc_ids(pid), (self.uid, self.uid, self.gid, self.gid), "the service runs as the user")
        self.assertEqual(os.stat(self.log).st_uid, self.uid, "the service wrote its log as the user")
        with open(f"/proc/{pid}/cgroup") as f:
            self.assertIn(f"{self.manager.name}/app.slice/foo.service", f.read(),
                          "the main process runs in the user manager's unit cgroup")
        self.assertTrue(self.link("default.target.wants/foo.service"))
        self.assertNamed(r, "default.target", "start")

    def test_changed_user_services_follow_their_options(self):
        """Changed user services: stopped before the files change and started
        after (the default), restarted (stopIfChanged = false), reloaded
        (reloadIfChanged = true) or left running and named
        (restartIfChanged = false); an unchanged one is not touched. Steps in
        order: stop, daemon-reload, reload, restart, start."""
        def gen(v):
            return (user_daemon("foo", v, self.log),
                    user_daemon("bar", v, self.log, options=["stopIfChanged = false"]),
                    user_daemon("baz", v, self.log, options=["reloadIfChanged = true"]),
                    user_daemon("qux", v, self.log, options=["restartIfChanged = false"]),
                    user_daemon("keep", "v1", self.log))

        self.use(*gen("v1"))
        self.switch()
        before = self.events()
        self.assertEqual(sorted(map(strip_pid, before)),
                         ["start bar v1", "start baz v1", "start foo v1", "start keep v1", "start qux v1"])
        pids = {name: start_pid(before, name) for name in ("foo", "bar", "baz", "qux", "keep")}
        self.use(*gen("v2"))
        r = self.switch()
        self.assertEqual(self.new_events(before),
                         ["stop foo v1",                   # the old ExecStop, before the files changed
                          "reload baz v2",                 # the new ExecReload
                          "stop bar v2", "start bar v2",   # restarted: the new ExecStop
                          "start foo v2"])
        self.assertActive("foo.service", "bar.service", "baz.service", "qux.service", "keep.service")
        for name in ("baz", "qux", "keep"):
            self.assertFalse(dead(pids[name]), f"{name}'s main process was not restarted")
        for name in ("foo", "bar"):
            self.assertTrue(dead(pids[name]), f"{name}'s old main process is gone")
            self.assertEqual(proc_ids(start_pid(self.events(), name))[:2], (self.uid, self.uid))
        self.assertNamed(r, "qux.service", r"not\s+restart")
        self.assertNamed(r, "bar.service", "restart")
        self.assertNamed(r, "baz.service", "reload")
        self.assertNotNamed(r, "keep.service", "stop|start|restart|reload")

    def test_user_triggers_name_home_files_three_ways(self):
        """A home unit's trigger may name a home file as ~/P, HOME/P or P:
        each restarts its unit when that file alone changes, and a change to
        another file restarts nothing."""
        def gen(a, b, c, other):
            files = [f'home.file.".config/demo/{n}.conf".text = "{v}\\n"'
                     for n, v in (("a", a), ("b", b), ("c", c), ("other", other))]
            units = [user_daemon(name, "v1", self.log, options=[f"restartTriggers = [{json.dumps(trigger)}]",
                                                                  "stopIfChanged = false"])
                     for name, trigger in (("ta", "~/.config/demo/a.conf"),
                                           ("tb", f"/home/{USER}/.config/demo/b.conf"),
                                           ("tc", ".config/demo/c.conf"))]
            return files + units

        self.use(*gen("1", "1", "1", "1"))
        self.switch()
        before = self.events()
        self.use(*gen("1", "1", "1", "2"))
        r = self.switch()
        self.assertEqual(self.new_events(before), [], h.describe(r))
        for changed in ("a", "b", "c"):
            before = self.events()
            values = {n: "1" for n in "abc"}
            values[changed] = "2" + changed
            self.use(*gen(values["a"], values["b"], values["c"], "2"))
            r = self.switch()
            self.assertEqual(self.new_events(before), [f"stop t{changed} v1", f"start t{changed} v1"], h.describe(r))
            self.assertNamed(r, f"t{changed}.service", "restart")
            self.use(*gen("1", "1", "1", "2"))
            self.switch()

    def test_removed_user_service_stops(self):
        self.use(user_daemon("foo", "v1", self.log), user_daemon("keep", "v1", self.log))
        self.switch()
        self.assertActive("foo.service", "keep.service")
        before = self.events()
        self.use(user_daemon("keep", "v1", self.log))
        r = self.switch()
        self.assertEqual(self.new_events(before), ["stop foo v1"])
        self.assertInactive("foo.service")
        self.assertActive("keep.service")
        self.assertFalse(self.link("foo.service"))
        self.assertFalse(self.link("default.target.wants/foo.service"))
        self.assertNamed(r, "foo.service", "stop")
        self.assertNotNamed(r, "keep.service", "stop|start|restart|reload")

    def test_rollback_restores_the_old_user_unit(self):
        """Rollback is activation of the earlier generation, homes included:
        the changed user service is stopped (its v2 ExecStop) and started
        again as v1, the added one stopped."""
        self.use(user_daemon("foo", "v1", self.log))
        self.switch()
        self.use(user_daemon("foo", "v2", self.log), user_daemon("extra", "v1", self.log))
        self.switch()
        before = self.events()
        r = self.sc("rollback", expect=0)
        new = self.new_events(before)
        self.assertEqual(sorted(new[:2]), ["stop extra v1", "stop foo v2"], new)
        self.assertEqual(new[2:], ["start foo v1"])
        self.assertActive("foo.service")
        self.assertInactive("extra.service")
        self.assertFalse(self.link("extra.service"))
        self.assertNamed(r, "extra.service", "stop")

    def crash_after_user_stop(self):
        """Generation 2 changes foo; sysconf is killed (parent and the home's
        child) right after the user's manager stopped foo v1."""
        self.use(user_daemon("foo", "v1", self.log), user_daemon("keep", "v1", self.log))
        self.switch()
        before = self.events()
        self.use(user_daemon("foo", "v2", self.log), user_daemon("keep", "v1", self.log))
        r = self.sc("switch", env={"SYSCONF_TEST_CRASH_AT": "home-units-stopped"})
        self.assertIn(r.returncode, (-9, 137), "sysconf must die by SIGKILL after the user's stop step" + h.describe(r))
        self.assertEqual(self.new_events(before), ["stop foo v1"])
        self.assertInactive("foo.service")
        with open(os.path.join(self.root, h.STATE, "journal.json")) as f:
            journal = json.load(f)
        self.assertEqual(journal["homeUnits"][USER]["unitsToStart"], ["foo.service"],
                         "the user's start list was recorded before foo was stopped")
        return self.events()

    def test_crash_after_user_stop_then_switch(self):
        """The next switch finishes the interrupted activation and starts the
        user's unit that the crashed one had stopped (NixOS's start list)."""
        before = self.crash_after_user_stop()
        self.switch()
        self.assertEqual(self.new_events(before), ["start foo v2"])
        self.assertActive("foo.service", "keep.service")
        self.assertFalse(os.path.exists(os.path.join(self.root, h.STATE, "journal.json")))

    def test_crash_after_user_stop_then_rollback(self):
        """A rollback after the crash brings the stopped user unit back as it was."""
        before = self.crash_after_user_stop()
        self.sc("rollback", expect=0)
        self.assertEqual(self.new_events(before), ["start foo v1"])
        self.assertActive("foo.service", "keep.service")
        self.assertFalse(os.path.exists(os.path.join(self.root, h.STATE, "journal.json")))

    def test_template_instances_follow_their_user_template(self):
        """Issue 13, item 10, in a user's manager: a changed template
        restarts its running instances (stopIfChanged = false: the new
        ExecStop), a removed one stops them."""
        self.use(template("v1", self.log, options=["stopIfChanged = false"], scope="systemd.user"))
        self.switch()
        self.manager.systemctl("start", "tmpl@a.service", "tmpl@b.service")
        before = self.wait_events(lambda ev: len(ev) == 2, "the instances")
        self.use(template("v2", self.log, options=["stopIfChanged = false"], scope="systemd.user"))
        r = self.switch()
        self.assertEqual(sorted(self.new_events(before)),
                         ["start tmpl@a v2", "start tmpl@b v2", "stop tmpl@a v2", "stop tmpl@b v2"])
        self.assertIn("restarting the following user units of craig: tmpl@a.service, tmpl@b.service",
                      r.stdout, h.describe(r))
        self.assertActive("tmpl@a.service", "tmpl@b.service")
        before = self.events()
        self.use()
        r = self.switch()
        self.assertEqual(sorted(self.new_events(before)), ["stop tmpl@a v2", "stop tmpl@b v2"])
        self.assertInactive("tmpl@a.service", "tmpl@b.service")
        self.assertNamed(r, "tmpl@a.service", "stop")

    def test_failed_user_service_fails_the_switch(self):
        """A user unit that fails to start is reported and makes switch exit 3,
        as a system unit does; the rest of the home goes on."""
        self.use(user_daemon("foo", "v1", self.log),
                 'systemd.user.services.broken.wantedBy = ["default.target"]',
                 'systemd.user.services.broken.serviceConfig.Type = "oneshot"',
                 "systemd.user.services.broken.serviceConfig.RemainAfterExit = true",
                 'systemd.user.services.broken.serviceConfig.ExecStart = "/bin/false"')
        r = self.switch(expect=3)
        self.assertNamed(r, "broken.service", "fail")
        self.assertIn("unit broken.service (user units of craig) failed", r.stdout + r.stderr)
        self.assertEqual(self.states("broken.service")["broken.service"][0], "failed")
        self.assertIn("start foo v1", map(strip_pid, self.events()))

    def test_manager_not_named_is_not_touched(self):
        """Without SYSCONF_TEST_USER_SYSTEMD_ADDRESS, under a scratch root the
        user has no running manager: the home's files are switched, its
        units skipped with a note, and the switch succeeds. The user's
        manager that does run (but was not named) sees nothing."""
        self.use(user_daemon("foo", "v1", self.log))
        r = self.switch(manager=False)
        self.assertEqual(self.user_note(r).strip(),
                         f"user units of {USER}: not started (the user has no running manager); "
                         f"they start at the next login")
        self.assertTrue(self.link("foo.service"))
        self.assertTrue(self.link("default.target.wants/foo.service"))
        time.sleep(0.2)
        self.assertEqual(self.events(), [])
        self.assertInactive("foo.service")


class TestDroppedHome(UserUnitsTestCase):
    """Issue 13, item 9: deleting home-manager.users.NAME (or the user) removes
    what sysconf put in the home while it is still what sysconf put there,
    puts back the files it had moved aside, stops the home's running user
    units (template instances included) and removes their files, says all of
    it in the plan under the user's name, and a rollback brings it back."""

    HOME_FILES = ('home.file."a.txt".text = "a v1\\n"',
                  'home.file."b.txt".text = "b v1\\n"',
                  'home.file."c.txt".text = "c v1\\n"')

    def setUp(self):
        super().setUp()
        self.create_user()
        self.start_user_manager()

    def path(self, rel):
        return os.path.join(self.home, rel)

    def user_file(self, rel, text):
        with open(self.path(rel), "w") as f:
            f.write(text)
        os.chown(self.path(rel), self.uid, self.gid)

    def drop_home(self, user_too=False):
        lines = [] if user_too else [f'users.users.{USER} = {{ isNormalUser = true, description = "Craig" }}']
        h.set_host_module(self.tree, HOST, config(*lines))

    def with_home(self):
        """Generation 2: three files (c.txt was there before sysconf: moved
        aside), a user service, a template with a running instance."""
        self.user_file("c.txt", "mine\n")
        self.use(user_daemon("foo", "v1", self.log),
                 template("v1", self.log, scope="systemd.user"), *self.HOME_FILES)
        r = self.switch()
        self.assertIn(f"~{USER}/c.txt: not managed by sysconf; moved to c.txt.sysconf-backup", r.stdout, h.describe(r))
        self.manager.systemctl("start", "tmpl@a.service")
        self.wait_events(lambda ev: any(e.startswith("start tmpl@a ") for e in ev), "tmpl@a")
        self.assertActive("foo.service", "tmpl@a.service")
        for rel in ("a.txt", "b.txt", "c.txt"):
            self.assertTrue(os.readlink(self.path(rel)).endswith("/home-craig/files/" + rel), rel)
        return self.events()

    def test_dropped_home_is_removed_and_rollback_brings_it_back(self):
        before = self.with_home()
        # b.txt replaced by hand: not sysconf's any more.
        os.unlink(self.path("b.txt"))
        self.user_file("b.txt", "edited\n")
        self.drop_home()
        home_before = h.snapshot(self.home)
        dry = self.switch("--dry-run")
        out = dry.stdout
        self.assertIn(f"home of {USER} ({'/home/' + USER}), no longer managed: 0 created, 0 updated, ", out, h.describe(dry))
        for line in ("  - a.txt", "  - c.txt", "  - .config/systemd/user/foo.service",
                     "  - .config/systemd/user/default.target.wants/foo.service",
                     "  - .config/systemd/user/tmpl@.service",
                     "  ? b.txt: no longer managed, but changed by hand since sysconf wrote it; left alone",
                     f"  user units of {USER} stopped if running, and removed: foo.service, tmpl@.service"):
            self.assertIn(line + "\n", out, h.describe(dry))
        self.assertEqual(h.snapshot(self.home), home_before, "--dry-run changes nothing")
        self.assertEqual(self.events(), before)

        r = self.switch()
        self.assertEqual(sorted(self.new_events(before)), ["stop foo v1", "stop tmpl@a v1"])
        self.assertInactive("foo.service", "tmpl@a.service")
        self.assertIn(f"home of {USER} ({'/home/' + USER}), no longer managed", r.stdout, h.describe(r))
        self.assertNamed(r, f"user units of {USER}", "stopping", "foo.service", "tmpl@a.service")
        self.assertFalse(os.path.lexists(self.path("a.txt")))
        self.assertFalse(self.link("foo.service"))
        self.assertFalse(self.link("tmpl@.service"))
        self.assertFalse(self.link("default.target.wants/foo.service"))
        with open(self.path("b.txt")) as f:
            self.assertEqual(f.read(), "edited\n", "the file replaced by hand stays")
        self.assertFalse(os.path.islink(self.path("c.txt")))
        with open(self.path("c.txt")) as f:
            self.assertEqual(f.read(), "mine\n", "the file sysconf had moved aside is back")
        self.assertFalse(os.path.lexists(self.path("c.txt.sysconf-backup")))
        self.assertIn(f"~{USER}/c.txt: put back from c.txt.sysconf-backup", r.stdout)
        with open(os.path.join(self.root, h.STATE, "backups.json")) as f:
            self.assertNotIn(f"~{USER}/c.txt", json.load(f))
        # Nothing is left that points into the profile.
        for dirpath, dirs, names in os.walk(self.home):
            for n in dirs + names:
                p = os.path.join(dirpath, n)
                if os.path.islink(p):
                    self.assertNotIn("home-craig", os.readlink(p), p)
        # The next switch has nothing left to do for the home.
        again = self.switch()
        self.assertNotIn(f"home of {USER}", again.stdout, h.describe(again))

        before = self.events()
        r = self.sc("rollback", "--to", "2", expect=0)
        self.assertEqual(self.new_events(before), ["start foo v1"])
        self.assertActive("foo.service")
        for rel in ("a.txt", "b.txt", "c.txt"):
            self.assertTrue(os.readlink(self.path(rel)).endswith("/home-craig/files/" + rel), rel)
        with open(self.path("c.txt.sysconf-backup")) as f:
            self.assertEqual(f.read(), "mine\n")
        with open(self.path("b.txt.sysconf-backup")) as f:
            self.assertEqual(f.read(), "edited\n")
        self.assertTrue(self.link("tmpl@.service"))

    def test_dropped_user_takes_the_home_with_it(self):
        """Deleting the user as well: the account stays in /etc/passwd (as
        systemd-sysusers leaves it), so the home is cleaned as the user."""
        before = self.with_home()
        self.drop_home(user_too=True)
        r = self.switch()
        self.assertEqual(sorted(self.new_events(before)), ["stop foo v1", "stop tmpl@a v1"])
        for rel in ("a.txt", "b.txt"):
            self.assertFalse(os.path.lexists(self.path(rel)), rel)
        self.assertFalse(self.link("foo.service"))
        with open(self.path("c.txt")) as f:
            self.assertEqual(f.read(), "mine\n")
        self.assertIn(f"home of {USER}", r.stdout)

    def test_dropped_home_that_is_gone_is_nothing_to_do(self):
        """A home deleted by hand took what sysconf put there with it: the
        switch that drops it succeeds and has nothing to say about it."""
        self.use(*self.HOME_FILES)
        self.switch()
        shutil.rmtree(self.home)
        self.drop_home()
        r = self.switch()
        self.assertNotIn(f"home of {USER}", r.stdout, h.describe(r))
        self.assertFalse(os.path.exists(self.home))

    def test_dropped_home_json_plan(self):
        self.with_home()
        self.drop_home()
        r = self.switch("--dry-run", "--json")
        plan = json.loads(r.stdout)["plan"]
        home = [x for x in plan["homes"] if x["user"] == USER]
        self.assertEqual(len(home), 1, r.stdout)
        self.assertTrue(home[0]["dropped"])
        self.assertEqual(home[0]["units"], ["foo.service", "tmpl@.service"])
        actions = {f["path"]: f["action"] for f in home[0]["files"]}
        self.assertEqual(actions["a.txt"], "remove")
        self.assertTrue(plan["changes"])


class TestUserManagerReach(UserUnitsTestCase):
    """Where the user's manager cannot be reached as the user, the units are
    skipped with a note and the switch succeeds."""

    def test_no_manager_at_all(self):
        """A home with units, and neither a manager nor the test address."""
        self.use(user_daemon("foo", "v1", self.log))
        r = self.switch(manager=False)
        self.assertIn(f"user units of {USER}: not started (the user has no running manager); "
                      f"they start at the next login", r.stdout + r.stderr)
        self.assertEqual(h.current_number(self.tree, self.root, HOST), 1)
        self.assertTrue(self.link("foo.service"))

    def test_socket_with_no_manager(self):
        """An address whose socket nothing listens on: a note naming the
        error, not a failure."""
        self.create_user()
        self.use(user_daemon("foo", "v1", self.log))
        r = self.switch(address="unix:path=" + os.path.join(self.tmp, "nothing", "private"))
        note = self.user_note(r)
        self.assertIn(os.path.join(self.tmp, "nothing", "private"), note, "the address was used")
        self.assertIn("they start at the next login", note)
        self.assertTrue(self.link("foo.service"))

    def test_manager_of_another_uid_refuses_the_user(self):
        """The connection is made as the user, not as root. A manager run as
        another uid, whose socket anyone may open (runtime dir 0755, socket
        0777), accepts only root and its own uid (it checks the peer's
        credentials), so it refuses the home's child, and the units are
        skipped with a note. Root can reach it (checked first), so a switch
        that connected before dropping privileges would have started foo: the
        end of the test does as root what that switch would have done
        (daemon-reload, start default.target), and foo does start."""
        self.create_user()
        other = self.uid + 1
        self.start_user_manager(uid=other, gid=other, runtime_mode=0o755)
        os.chmod(self.manager.socket, 0o777)
        os.chmod(self.home, 0o755)  # so that the other uid's manager can read the unit files
        if _unit_state:
            # Root is let in (systemctl, as root, would refuse this manager itself).
            r = subprocess.run([_unit_state, self.manager.address, "default.target"], capture_output=True,
                               text=True, timeout=30)
            self.assertEqual((r.returncode, r.stdout.split()[:2]), (0, ["default.target", "active"]),
                             r.stdout + r.stderr)
        self.use(user_daemon("foo", "v1", self.log))
        r = self.switch()
        self.assertNotIn("no running manager", self.user_note(r), "the address was used")
        time.sleep(0.2)
        self.assertEqual(self.events(), [])
        self.assertInactive("foo.service")
        # What connecting as root would have done.
        self.manager.systemctl("daemon-reload")
        self.manager.systemctl("start", "default.target")
        self.assertEqual([strip_pid(e) for e in self.events()], ["start foo v1"])
        self.assertEqual(proc_ids(start_pid(self.events(), "foo"))[:2], (other, other))


# ==========================================================================


def main():
    global _unit_state
    args = sys.argv[1:]
    h.set_binary_from_args(args, "usage: test_units.py SYSCONF_BINARY [UNIT_STATE_BINARY] [unittest options]  (or set SYSCONF)")
    if args and os.path.isfile(args[0]):
        _unit_state = os.path.abspath(args.pop(0))
    elif os.environ.get("SYSCONF_UNIT_STATE"):
        _unit_state = os.path.abspath(os.environ["SYSCONF_UNIT_STATE"])
    if _unit_state is None:
        print("note: no unit_state tool given; unit states come from systemctl --user", file=sys.stderr)
    if os.geteuid() != 0:
        print("skipped: these tests need root (a private systemd manager, chown as other users)", file=sys.stderr)
        sys.exit(77)
    prog = unittest.main(argv=[sys.argv[0]] + args, verbosity=2, exit=False)
    result = prog.result
    if result.testsRun and len(result.skipped) == result.testsRun and result.wasSuccessful():
        sys.exit(77)  # everything skipped: reported as skipped, never as passed
    sys.exit(0 if result.wasSuccessful() else 1)


if __name__ == "__main__":
    main()

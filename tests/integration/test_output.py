#!/usr/bin/env python3
"""What switch and rollback print, and when (DESIGN.md section 8; issue 11,
item 9): each step as it happens, so that a switch killed or hung halfway has
shown how far it got; "would ..." only with --dry-run; the plan once; on a
terminal a progress line on stderr; --json one document on stdout; -q only
what failed.

    python3 test_output.py SYSCONF_BINARY [unittest options]
    SYSCONF=/path/to/sysconf python3 test_output.py

Every test uses its own scratch --root. (The unit lines, "stopping the
following units", are checked against a real manager in test_units.py.)
"""

import json
import os
import pty
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sysconf_harness as h  # noqa: E402

HOST = "outhost"


def host_module(motd, extra=""):
    return ("[config]\n"
            f'networking.hostName = "{HOST}"\n'
            'users.users.craig = { isNormalUser = true }\n'
            'home-manager.users.craig.modules = ["../../home/default.toml"]\n'
            f'environment.etc."motd".text = {json.dumps(motd)}\n' + extra)


HOME = '[config]\nhome.file.".profile".text = "# profile\\n"\n'
# /etc's line of the plan on a first switch (the library adds files of its own).
ETC_CREATED = re.compile(r"^/etc: \d+ created, 0 updated, 0 removed, 0 unchanged$")


def hook(name, script, after=()):
    return (f"[config.system.activation.hooks.{name}]\n"
            f'command = ["sh", "-c", {json.dumps(script)}]\n'
            'inputs = ["/etc/motd"]\n'
            'rootFlag = "--root"\n'
            f"after = {json.dumps(list(after))}\n")


class OutputTestCase(unittest.TestCase):
    maxDiff = None

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="sysconf-output-")
        os.chmod(self.tmp, 0o755)
        self.addCleanup(shutil.rmtree, self.tmp, ignore_errors=True)
        self.tree = os.path.join(self.tmp, "tree")
        self.root = h.make_root(self.tmp)

    def use(self, motd, extra=""):
        if os.path.exists(os.path.join(self.tree, "sysconf.toml")):
            h.set_host_module(self.tree, HOST, host_module(motd, extra))
        else:
            h.make_tree(self.tree, HOST, host_module(motd, extra), HOME)

    def sc(self, *args, expect=None):
        r = h.run(self.tree, self.root, HOST, *args)
        if expect is not None:
            self.assertEqual(r.returncode, expect, "unexpected exit code" + h.describe(r))
        return r

    def with_terminal(self, *args):
        """sysconf with stderr on a terminal (a pty) and stdout a pipe:
        (returncode, stdout, what the terminal got)."""
        master, slave = pty.openpty()
        try:
            p = subprocess.run(h.command(self.tree, self.root, HOST, *args), stdout=subprocess.PIPE, stderr=slave,
                               env=h.environment(), cwd="/", timeout=120)
        finally:
            os.close(slave)
        terminal = b""
        try:
            while chunk := os.read(master, 65536):
                terminal += chunk
        except OSError:  # EIO: the terminal's last writer is gone
            pass
        os.close(master)
        return p.returncode, p.stdout.decode(), terminal.decode()


class TestAsItHappens(OutputTestCase):

    def test_killed_switch_has_shown_its_steps(self):
        """A switch killed while a hook hangs has already printed the steps
        before it: the build, /etc's files and the hook that ran first."""
        started = os.path.join(self.tmp, "gate-started")
        go = os.path.join(self.tmp, "go")
        self.use("v1\n", hook("first", "true")
                 + hook("gate", f"test -e {go} && exit 0; echo $$ > {started}; exec sleep 60", after=["first"]))
        p = h.popen(self.tree, self.root, HOST, "switch")
        deadline = time.time() + 60
        while not os.path.exists(started) and p.poll() is None and time.time() < deadline:
            time.sleep(0.02)
        self.assertTrue(os.path.exists(started), "the switch never reached its hanging hook")
        p.kill()
        out, err = p.communicate(timeout=30)
        with open(started) as f:
            os.kill(int(f.read()), signal.SIGKILL)  # the hook's sleep, left behind
        self.assertEqual(p.returncode, -signal.SIGKILL)
        lines = out.splitlines()
        self.assertTrue(lines and lines[0].startswith("built /var/lib/sysconf/store/"), out + err)
        self.assertEqual(len([l for l in lines if ETC_CREATED.match(l)]), 1, out + err)
        self.assertIn("  + /etc/motd", lines, out + err)
        self.assertIn("hook first: ran sh -c true --root=" + self.root, lines, out + err)
        self.assertNotIn("switched to generation 1", out)

        # The next switch finishes the interrupted one, saying so first.
        with open(go, "w"):
            pass
        r = self.sc("switch", expect=0)
        self.assertRegex(r.stdout.splitlines()[0], r"^finishing the interrupted activation of \S+ "
                                                   r"\(it had reached phase etc\)$")
        self.assertIn("hook gate: ran", r.stdout)

    def test_real_switch_says_what_it_does_once(self):
        self.use("v1\n")
        dry = self.sc("switch", "--dry-run", expect=0)
        self.assertIn("would build /var/lib/sysconf/store/", dry.stdout)
        self.assertIn("  + /etc/motd", dry.stdout.splitlines())
        r = self.sc("switch", expect=0)
        self.assertNotIn("would", r.stdout + r.stderr, "a real switch says what it does, not what it would do")
        lines = r.stdout.splitlines()
        self.assertEqual(len([l for l in lines if ETC_CREATED.match(l)]), 1, "/etc's plan is printed once" + h.describe(r))
        for once in ("  + /etc/motd",
                     "home of craig (/home/craig): 1 created, 0 updated, 0 removed, 0 unchanged", "  + .profile",
                     "switched to generation 1"):
            self.assertEqual(lines.count(once), 1, f"{once!r} is printed once" + h.describe(r))
        # In the order the steps happen: /etc, the hooks that make the user, the home.
        order = [lines.index("  + /etc/motd"), lines.index("hook sysusers: ran systemd-sysusers --root=" + self.root),
                 lines.index("  + .profile"), lines.index("switched to generation 1")]
        self.assertEqual(order, sorted(order), h.describe(r))
        # Nothing changes: said once, and no plan.
        r = self.sc("switch", expect=0)
        self.assertEqual(r.stdout.count("nothing to change"), 1, h.describe(r))
        self.assertNotIn("/etc:", r.stdout)


class TestQuiet(OutputTestCase):
    """-q: nothing on stdout but what was asked for and errors (issue 15, item 4)."""

    def test_quiet_says_only_what_failed(self):
        self.use("v1\n")
        for args in (["check"], ["build", "--dry-run"], ["switch", "--dry-run"], ["build"], ["switch"]):
            r = self.sc("-q", *args, expect=0)
            self.assertEqual((r.stdout, r.stderr), ("", ""), f"{args}" + h.describe(r))
        self.assertEqual(h.current_number(self.tree, self.root, HOST), 1, "the quiet switch switched")
        r = self.sc("-q", "eval", "environment.etc.motd.text", expect=0)
        self.assertEqual(r.stdout, '"v1\\n"\n', "a value asked for is printed")
        # A hook that fails: its error, and nothing else.
        self.use("v2\n", hook("broken", "echo broken-hook-output; exit 3"))
        r = self.sc("-q", "switch", expect=3)
        self.assertEqual([l for l in r.stdout.splitlines() if not l.startswith("error: ")], [], h.describe(r))
        self.assertIn("error: hook broken failed (exit 3) and runs again at the next switch: broken-hook-output",
                      r.stdout)
        r = self.sc("-q", "rollback", expect=0)
        self.assertEqual(r.stdout, "", h.describe(r))
        r = self.sc("-q", "gc", expect=0)
        self.assertEqual(r.stdout, "", h.describe(r))


class TestJson(OutputTestCase):

    def test_interrupted_activation_then_json(self):
        """Finishing or undoing an interrupted activation keeps --json one
        document (rollback --json aborted on parsing the human plan)."""
        self.use("v1\n")
        self.sc("switch", expect=0)
        for command, phase in (("rollback", "undoing"), ("switch", "finishing")):
            with self.subTest(command=command):
                self.use("v2\n" if command == "rollback" else "v3\n")
                r = h.run(self.tree, self.root, HOST, "switch", env={"SYSCONF_TEST_CRASH_AT": "phase:etc"})
                self.assertEqual(r.returncode, -signal.SIGKILL, h.describe(r))
                r = self.sc(command, "--json", expect=0)
                doc = json.loads(r.stdout)
                self.assertTrue(doc["ok"])
                self.assertTrue(doc["messages"][0].startswith(phase + " the interrupted activation of "), r.stdout)


class TestProgressLine(OutputTestCase):

    def test_progress_line_on_a_terminal(self):
        self.use("v1\n")
        code, out, terminal = self.with_terminal("switch")
        self.assertEqual(code, 0, out + terminal)
        for phase in ("[1/8] stopping units", "[3/8] linking /etc", "[4/8] running hook sysusers",
                      "[6/8] activating the home of craig", "[8/8] removing packages"):
            self.assertIn(phase, terminal)
        self.assertTrue(terminal.endswith("\r\x1b[K"), "the progress line is cleared at the end: " + repr(terminal))
        self.assertNotIn("\x1b", out, "stdout has no terminal codes")
        self.assertIn("switched to generation 1", out)

        # --json: still one JSON document on stdout; the progress line on the terminal.
        self.use("v2\n")
        code, out, terminal = self.with_terminal("switch", "--json")
        self.assertEqual(code, 0, out + terminal)
        doc = json.loads(out)
        self.assertEqual(doc["number"], 2)
        self.assertIn("[3/8] linking /etc", terminal)

        # Not on a terminal: no progress line at all.
        self.use("v3\n")
        r = self.sc("switch", expect=0)
        self.assertNotIn("[3/8]", r.stdout + r.stderr)
        self.assertEqual(r.stderr, "")

        # A dry run has no progress to show.
        self.use("v4\n")
        code, out, terminal = self.with_terminal("switch", "--dry-run")
        self.assertEqual((code, terminal), (0, ""), out)


def main():
    args = sys.argv[1:]
    h.set_binary_from_args(args, "usage: test_output.py SYSCONF_BINARY [unittest options]  (or set SYSCONF)")
    if os.geteuid() != 0:
        sys.exit("these tests need root (a home is written as its user, the hooks run with --root)")
    unittest.main(argv=[sys.argv[0]] + args, verbosity=2)


if __name__ == "__main__":
    main()

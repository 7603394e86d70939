#!/usr/bin/env python3
"""Activation hooks (DESIGN.md section 6, step 7; issue 11, item 2): a hook's
command is found where each distribution installs it (systemd's own tools,
which Debian keeps off PATH, included), it runs with a sane PATH whatever the
caller's, and a hook that failed runs again at every later switch and
rollback until it succeeds.

    python3 test_hooks.py SYSCONF_BINARY [unittest options]
    SYSCONF=/path/to/sysconf python3 test_hooks.py

Every test uses its own scratch --root. Under a --root other than / a hook
runs only when it takes a root (rootFlag), so each hook here has one.
"""

import json
import os
import shutil
import sys
import tempfile
import unittest

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sysconf_harness as h  # noqa: E402

HOST = "hookhost"
SANE_DIRS = ["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"]
SYSTEMD_DIRS = ["/usr/lib/systemd", "/lib/systemd"]
# The caller's PATH in these tests: neither the sane PATH nor systemd's tools.
CALLER_PATH = "/usr/bin:/bin:/opt/sysconf-caller-only"


def hook(name, command, inputs=("/etc/motd",), root_flag="--root"):
    """A hook's TOML (JSON strings and arrays are TOML ones too)."""
    lines = [f"[config.system.activation.hooks.{name}]", f"command = {json.dumps(list(command))}",
             f"inputs = {json.dumps(list(inputs))}"]
    if root_flag:
        lines.append(f"rootFlag = {json.dumps(root_flag)}")
    return "\n".join(lines) + "\n"


def host_module(*hooks, motd="hello\n", other="other v1\n"):
    return ("[config]\n"
            f'networking.hostName = "{HOST}"\n'
            f'environment.etc."motd".text = {json.dumps(motd)}\n'
            f'environment.etc."other.conf".text = {json.dumps(other)}\n'
            + "".join(hooks))


class HooksTestCase(unittest.TestCase):
    maxDiff = None

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="sysconf-hooks-")
        os.chmod(self.tmp, 0o755)
        self.addCleanup(shutil.rmtree, self.tmp, ignore_errors=True)
        self.tree = os.path.join(self.tmp, "tree")
        self.root = h.make_root(self.tmp)

    def use(self, text):
        if os.path.exists(os.path.join(self.tree, "sysconf.toml")):
            h.set_host_module(self.tree, HOST, text)
        else:
            h.make_tree(self.tree, HOST, text)

    def sc(self, *args, expect=None, env=None):
        r = h.run(self.tree, self.root, HOST, *args, env=env)
        if expect is not None:
            self.assertEqual(r.returncode, expect, "unexpected exit code" + h.describe(r))
        return r

    def planned_hooks(self, *args):
        """name → (run, changed) in the plan of a dry run."""
        r = self.sc(*args, "--dry-run", "--json", expect=0)
        return {x["name"]: (x["run"], x["changed"]) for x in json.loads(r.stdout)["plan"]["hooks"]}

    def record(self):
        with open(os.path.join(self.root, h.STATE, "hooks.json")) as f:
            return json.load(f)["lastSuccess"]


class TestFindingCommands(HooksTestCase):

    def test_systemd_tool_off_path_runs(self):
        """Debian installs systemd-sysctl in /lib/systemd, on no PATH: the
        library's sysctl hook failed with "No such file or directory"."""
        if not any(os.access(d + "/systemd-sysctl", os.X_OK) for d in SYSTEMD_DIRS):
            self.skipTest("this machine has no systemd-sysctl in " + " or ".join(SYSTEMD_DIRS))
        # --cat-config only prints the configuration; --prefix=ROOT is how the
        # hook takes the root here (no setting matches it: nothing is applied).
        self.use(host_module(hook("catconfig", ["systemd-sysctl", "--cat-config"], root_flag="--prefix")))
        r = self.sc("switch", env={"PATH": CALLER_PATH}, expect=0)
        self.assertIn(f"hook catconfig: ran systemd-sysctl --cat-config --prefix={self.root}", r.stdout)
        self.assertIn("catconfig", self.record())

    def test_hooks_run_with_the_sane_path(self):
        out = os.path.join(self.tmp, "path-seen")
        self.use(host_module(hook("showpath", ["sh", "-c", f'echo "$PATH" > {out}'])))
        self.sc("switch", env={"PATH": CALLER_PATH}, expect=0)
        with open(out) as f:
            self.assertEqual(f.read().strip(), ":".join(SANE_DIRS), "the hook's PATH is not the caller's")

    def test_missing_command_names_where_it_looked(self):
        self.use(host_module(hook("ghost", ["sysconf-test-no-such-tool"])))
        r = self.sc("switch", expect=3)
        self.assertIn("error: hook ghost failed and runs again at the next switch: sysconf-test-no-such-tool: "
                      "not found in " + ", ".join(SANE_DIRS + SYSTEMD_DIRS), r.stdout)
        self.assertNotIn("ghost", self.record())
        self.assertEqual(h.current_number(self.tree, self.root, HOST), 1, "the generation is activated all the same")


class TestRunningAgain(HooksTestCase):

    def flaky(self, **kw):
        """A hook that counts its runs and fails until the flag exists."""
        self.runs = os.path.join(self.tmp, "runs")
        self.flag = os.path.join(self.tmp, "flag")
        script = f"echo run >> {self.runs}; test -e {self.flag}"
        return host_module(hook("flaky", ["sh", "-c", script]), **kw)

    def run_count(self):
        return len(h.read_lines(self.runs)) if os.path.exists(self.runs) else 0

    def test_failed_hook_runs_again_until_it_succeeds(self):
        self.use(self.flaky())
        r = self.sc("switch", expect=3)
        self.assertIn("error: hook flaky failed (exit 1) and runs again at the next switch", r.stdout)
        self.assertEqual(self.run_count(), 1)
        self.assertEqual(h.current_number(self.tree, self.root, HOST), 1)

        # The same generation again: the hook that failed runs again.
        self.assertEqual(self.planned_hooks("switch")["flaky"], (True, True))
        self.sc("switch", expect=3)
        self.assertEqual(self.run_count(), 2, "a failed hook must run again at the next switch")

        # A generation that changes none of its inputs: it still runs.
        self.use(self.flaky(other="other v2\n"))
        self.sc("switch", expect=3)
        self.assertEqual(self.run_count(), 3)

        # Rolling back to a generation with the same inputs runs it too; now it succeeds.
        with open(self.flag, "w"):
            pass
        r = self.sc("rollback", expect=0)
        self.assertIn("hook flaky: ran", r.stdout)
        self.assertEqual(self.run_count(), 4)
        manifest = h.current_manifest(self.root)
        inputs_hash = [x["inputsHash"] for x in manifest["hooks"] if x["name"] == "flaky"][0]
        self.assertEqual(self.record()["flaky"], inputs_hash)

        # Once it has succeeded on these inputs, it does not run again...
        self.assertEqual(self.planned_hooks("switch")["flaky"], (False, False))
        self.sc("rollback", "--to", "2", expect=0)
        self.assertEqual(self.run_count(), 4)
        # ...until they change.
        self.use(self.flaky(motd="hello again\n", other="other v2\n"))
        self.sc("switch", expect=0)
        self.assertEqual(self.run_count(), 5)

    def test_dropped_hook_runs_when_it_comes_back(self):
        with_hook = self.flaky()
        with open(os.path.join(self.tmp, "flag"), "w"):
            pass
        self.use(with_hook)
        self.sc("switch", expect=0)
        self.use(host_module())
        self.sc("switch", expect=0)
        self.assertNotIn("flaky", self.record(), "a dropped hook is forgotten")
        self.use(with_hook)
        self.sc("switch", expect=0)
        self.assertEqual(self.run_count(), 2, "a hook that comes back runs, although its inputs are as before")

    def test_damaged_record_stops_before_changing_anything(self):
        self.use(self.flaky())
        with open(os.path.join(self.tmp, "flag"), "w"):
            pass
        self.sc("switch", expect=0)
        record = os.path.join(self.root, h.STATE, "hooks.json")
        h.write(record, '{"lastSucc')
        self.use(self.flaky(motd="changed\n"))
        before = h.snapshot(self.root, exclude=(h.STATE + "/lock",))
        r = self.sc("switch", expect=6)
        self.assertIn("/var/lib/sysconf/hooks.json is damaged", r.stderr)
        self.assertSnapshotsEqual(before, h.snapshot(self.root, exclude=(h.STATE + "/lock",)))
        os.unlink(record)
        r = self.sc("switch", expect=0)
        self.assertIn("hook flaky: ran", r.stdout)
        self.assertIn("hook sysusers: ran", r.stdout, "without a record, every hook runs again")

    def assertSnapshotsEqual(self, a, b):
        d = h.diff_snapshots(a, b)
        if d:
            self.fail("the root changed:\n" + d)


def main():
    args = sys.argv[1:]
    h.set_binary_from_args(args, "usage: test_hooks.py SYSCONF_BINARY [unittest options]  (or set SYSCONF)")
    if os.geteuid() != 0:
        sys.exit("these tests need root (the hooks run with --root, systemd-sysusers writes the root's accounts)")
    unittest.main(argv=[sys.argv[0]] + args, verbosity=2)


if __name__ == "__main__":
    main()

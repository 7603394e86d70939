#!/usr/bin/env python3
"""Which host a command without --host is for (issue 15, item 3): the host
named like the machine; on a machine named like none of them, the
`defaultHost` that sysconf.toml names; else an error that says how to choose.
`docs` needs no host: without one it is the library's reference.
Each run has a hostname of its own (a UTS namespace), so the test never
depends on the name of the machine it runs on.

Usage: test_hosts.py SYSCONF_BINARY
"""

import os
import shutil
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sysconf_harness as h  # noqa: E402

HOSTS = """\
[hosts.laptop]
modules = ["laptop.toml"]
library = false

[hosts.server]
modules = ["server.toml"]
library = false
"""
MODULE = '[options.which]\ntype = "str"\n[config]\nwhich = "{}"\n'


def can_name_the_machine():
    r = subprocess.run(["unshare", "--uts", "hostname", "sysconf-probe"], capture_output=True, text=True)
    return r.returncode == 0, r.stderr.strip()


class TestHosts(unittest.TestCase):
    def setUp(self):
        ok, why = can_name_the_machine()
        if not ok:
            self.skipTest(f"cannot give a run its own hostname (unshare --uts): {why}")
        self.tree = tempfile.mkdtemp(prefix="sysconf-hosts-")
        for host in ("laptop", "server"):
            h.write(os.path.join(self.tree, f"{host}.toml"), MODULE.format(host))

    def tearDown(self):
        shutil.rmtree(self.tree, ignore_errors=True)

    def eval_on(self, hostname, *args):
        """`sysconf eval which` on a machine called `hostname`, without --host."""
        cmd = [h.binary(), "--config", self.tree, "--color", "never", *args, "eval", "which"]
        return subprocess.run(["unshare", "--uts", "sh", "-c", 'hostname "$0" && exec "$@"', hostname, *cmd],
                              capture_output=True, text=True)

    def test_the_machine_name_then_the_default(self):
        h.write(os.path.join(self.tree, "sysconf.toml"), 'defaultHost = "laptop"\n\n' + HOSTS)
        r = self.eval_on("server")
        self.assertEqual((r.returncode, r.stdout), (0, '"server"\n'), r.stderr)  # named like a host: that host
        r = self.eval_on("debian")
        self.assertEqual((r.returncode, r.stdout), (0, '"laptop"\n'), r.stderr)  # named like none: the default
        r = self.eval_on("debian", "--host", "server")
        self.assertEqual((r.returncode, r.stdout), (0, '"server"\n'), r.stderr)  # --host first

    def test_without_a_default_the_error_says_how_to_choose(self):
        h.write(os.path.join(self.tree, "sysconf.toml"), HOSTS)
        r = self.eval_on("debian")
        self.assertEqual(r.returncode, 1, r.stdout)
        self.assertIn("error: no host `debian` in sysconf.toml", r.stderr)
        self.assertIn('pick one with --host NAME, or name the default with defaultHost = "NAME" in sysconf.toml',
                      r.stderr)

    def test_a_default_that_is_no_host_is_an_error_at_its_site(self):
        h.write(os.path.join(self.tree, "sysconf.toml"), 'defaultHost = "laptpo"\n\n' + HOSTS)
        r = self.eval_on("server")
        self.assertEqual(r.returncode, 1, r.stdout)
        self.assertIn("error: `defaultHost` names `laptpo`, which is not a host of sysconf.toml\n"
                      "  --> sysconf.toml:1:15", r.stderr)
        h.write(os.path.join(self.tree, "sysconf.toml"), 'defaultHots = "laptop"\n\n' + HOSTS)
        r = self.eval_on("server")
        self.assertIn("unknown key `defaultHots` in sysconf.toml", r.stderr)
        self.assertIn("did you mean `defaultHost`?", r.stderr)

    def test_docs_need_no_host(self):
        # On a machine named like none of the hosts, and with no
        # configuration at all but a library, docs is the library's reference.
        h.write(os.path.join(self.tree, "sysconf.toml"), HOSTS)
        shutil.copytree(h.LIBRARY, os.path.join(self.tree, "modules"))
        library_only = os.path.join(self.tree, "library-only")
        shutil.copytree(h.LIBRARY, os.path.join(library_only, "modules"))
        for tree in (self.tree, library_only):
            r = subprocess.run(["unshare", "--uts", "sh", "-c", 'hostname debian && exec "$@"', "-", h.binary(),
                                "--config", tree, "--color", "never", "docs", "--format", "md"],
                               capture_output=True, text=True)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertIn("### `environment.etc`", r.stdout)
            self.assertIn("### `programs.git.userName`", r.stdout)  # a home option
        self.assertNotEqual(self.eval_on("debian").returncode, 0, "eval still needs a host")


if __name__ == "__main__":
    args = sys.argv[1:]
    h.set_binary_from_args(args, __doc__)
    unittest.main(argv=sys.argv[:1] + args, verbosity=2)

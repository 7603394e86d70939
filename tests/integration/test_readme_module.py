#!/usr/bin/env python3
"""The README's "Writing a module" example, run as written: the blocks marked
`<!-- readme-test: PATH -->` are written to PATH in a configuration tree with
the stock library, and the real binary checks, evaluates and builds it under a
scratch root. A README edit that breaks the example fails here.

Usage: test_readme_module.py SYSCONF_BINARY
"""

import json
import os
import re
import shutil
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sysconf_harness as h  # noqa: E402

README = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "README.md")


def readme_files():
    with open(README, encoding="utf-8") as f:
        text = f.read()
    blocks = re.findall(r"<!-- readme-test: (\S+) -->\n```toml\n(.*?)```", text, re.S)
    return {path: body for path, body in blocks}


class TestReadmeModule(unittest.TestCase):
    def setUp(self):
        self.scratch = tempfile.mkdtemp(prefix="sysconf-readme-")
        self.tree = os.path.join(self.scratch, "tree")
        self.files = readme_files()
        self.assertEqual(sorted(self.files), ["hosts/h/default.toml", "modules/backup.toml", "modules/sshd-mine.toml"],
                         "the README's marked blocks")
        h.make_tree(self.tree, "h", self.files["hosts/h/default.toml"],
                    extra_files={name: self.files[name] for name in ("modules/backup.toml", "modules/sshd-mine.toml")})
        self.root = h.make_root(self.scratch)

    def tearDown(self):
        shutil.rmtree(self.scratch, ignore_errors=True)

    def sysconf(self, *args):
        return h.run(self.tree, self.root, "h", *args)

    def test_generates_a_service_and_a_timer_per_enabled_job(self):
        r = self.sysconf("check")
        self.assertEqual(r.returncode, 0, h.describe(r))
        r = self.sysconf("eval", "--json", "systemd.services")
        self.assertEqual(r.returncode, 0, h.describe(r))
        services = json.loads(r.stdout)
        backups = sorted(n for n in services if n.startswith("backup-"))
        self.assertEqual(backups, ["backup-etc", "backup-home"])
        self.assertEqual(services["backup-home"]["script"], "restic -r /srv/backup/home backup /home")
        self.assertEqual(services["backup-home"]["description"], "Backup home")
        r = self.sysconf("option", "systemd.timers")
        self.assertIn('modules/backup.toml', r.stdout)
        self.assertIn('for job = "etc"', r.stdout)
        self.assertIn("(inactive: its condition is false)", r.stdout)

        r = self.sysconf("build")
        self.assertEqual(r.returncode, 0, h.describe(r))
        r = self.sysconf("switch")
        self.assertEqual(r.returncode, 0, h.describe(r))
        etc = os.path.join(self.root, "etc")
        timer = h.read_in_root(self.root, "/etc/systemd/system/backup-etc.timer").decode()
        self.assertIn("OnCalendar=weekly", timer)
        self.assertIn("OnCalendar=daily", h.read_in_root(self.root, "/etc/systemd/system/backup-home.timer").decode())
        service = h.read_in_root(self.root, "/etc/systemd/system/backup-home.service").decode()
        self.assertIn("Type=oneshot", service)
        self.assertFalse(os.path.lexists(os.path.join(etc, "systemd/system/backup-old.service")))
        settings = json.loads(h.read_in_root(self.root, "/etc/backup/etc.json"))
        self.assertEqual(settings, {"enable": True, "paths": ["/etc"], "repository": "/srv/backup/etc",
                                    "schedule": "weekly"})

    def test_a_module_overrides_a_library_file(self):
        r = self.sysconf("switch")
        self.assertEqual(r.returncode, 0, h.describe(r))
        self.assertEqual(h.read_in_root(self.root, "/etc/ssh/sshd_config.d/sysconf.conf"),
                         b"# Written by hand: the library's text is replaced whole.\nPort 2222\n"
                         b"PasswordAuthentication no\n")
        # The rest of the library's sshd stays.
        self.assertTrue(os.path.exists(os.path.join(self.root, "etc/systemd/system/ssh.service.d/overrides.conf")))
        r = self.sysconf("option", "environment.etc")
        self.assertEqual(r.returncode, 0, h.describe(r))
        self.assertRegex(r.stdout, r"modules/sshd-mine.toml:\d+:\d+  priority 50 ")
        self.assertRegex(r.stdout, r"modules/services/openssh.toml:\d+:\d+  priority 100 ")

    def test_its_errors(self):
        # A job without `paths`: the required sub-option.
        h.set_host_module(self.tree, "h", self.files["hosts/h/default.toml"] + "\n[config.services.backup.jobs.bare]\n")
        r = self.sysconf("check")
        self.assertNotEqual(r.returncode, 0, h.describe(r))
        self.assertIn("option `services.backup.jobs.bare.paths` is used but has no value", r.stderr)
        # An empty `paths`: the block's assertion, naming the element.
        h.set_host_module(self.tree, "h", self.files["hosts/h/default.toml"] +
                          "\n[config.services.backup.jobs.bare]\npaths = []\n")
        r = self.sysconf("check")
        self.assertNotEqual(r.returncode, 0, h.describe(r))
        self.assertIn("backup job bare has nothing to back up", r.stderr)
        self.assertIn('while expanding the [[for]] element job = "bare"', r.stderr)


if __name__ == "__main__":
    args = sys.argv[1:]
    h.set_binary_from_args(args, __doc__)
    unittest.main(argv=sys.argv[:1] + args, verbosity=2)

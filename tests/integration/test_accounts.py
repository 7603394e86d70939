#!/usr/bin/env python3
"""Accounts as root must treat them: a damaged /etc/passwd is refused, never
read as uid 0; user and group names are checked where they are defined; and
free text (descriptions, homes, shells) is quoted in the sysusers.d and
tmpfiles.d lines so that the real systemd-sysusers and systemd-tmpfiles read
back exactly what was configured. Real binary, real tools, scratch roots.

Usage: test_accounts.py SYSCONF_BINARY
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sysconf_harness as h  # noqa: E402

ODD_DESCRIPTION = 'Ann "the admin" O\'Neil, 100% \\ sure'


class TestAccounts(unittest.TestCase):
    def setUp(self):
        self.scratch = tempfile.mkdtemp(prefix="sysconf-accounts-")
        os.chmod(self.scratch, 0o755)
        self.tree = os.path.join(self.scratch, "tree")
        self.root = h.make_root(self.scratch)

    def tearDown(self):
        shutil.rmtree(self.scratch, ignore_errors=True)

    def host(self, users):
        h.make_tree(self.tree, "a", '[config]\nnetworking.hostName = "accounts"\n' + users)

    def test_a_damaged_passwd_is_refused_not_read_as_root(self):
        self.host('users.users.craig = { isNormalUser = true }\n')
        h.write(os.path.join(self.root, "etc", "passwd"),
                "root:x:0:0:root:/root:/bin/bash\ncraig:x:1x0:1000::/home/craig:/bin/bash\n")
        r = h.run(self.tree, self.root, "a", "build")
        self.assertNotEqual(r.returncode, 0, h.describe(r))
        self.assertIn("/etc/passwd is damaged", r.stderr)
        self.assertIn("line 2", r.stderr)

    def test_names_are_checked_where_they_are_defined(self):
        for users, name in (('users.users."-oops" = { isNormalUser = true }\n', "-oops"),
                            ('users.users."a b" = {}\n', "a b"),
                            ('users.groups."wheel:x" = {}\n', "wheel:x"),
                            ('users.users.ann = { extraGroups = ["ok", "Bad Group"] }\n', "Bad Group")):
            self.host(users)
            r = h.run(self.tree, self.root, "a", "build", "--dry-run")
            self.assertNotEqual(r.returncode, 0, users + h.describe(r))
            self.assertIn(f"`{name}` is not a valid", r.stderr)
            self.assertIn("hosts/a/default.toml:", r.stderr, "the error names the definition's site")

    def test_free_text_reaches_the_tools_exactly(self):
        home = "/srv/home of ann"
        users = (f"users.users.ann = {{ isNormalUser = true, description = {json.dumps(ODD_DESCRIPTION)}, "
                 f'home = "{home}" }}\n')
        self.host(users)
        r = h.run(self.tree, self.root, "a", "switch")
        self.assertEqual(r.returncode, 0, h.describe(r))
        # The real tools, on a scratch root of their own.
        tools = h.make_root(self.scratch)
        os.makedirs(os.path.join(tools, "etc"))
        for name in ("sysusers.d", "tmpfiles.d"):
            src = os.path.join(self.root, "etc", name)
            shutil.copytree(src, os.path.join(tools, "etc", name), symlinks=False)
        r = subprocess.run(["systemd-sysusers", f"--root={tools}"], capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(os.path.join(tools, "etc", "passwd")) as f:
            entry = [line.rstrip("\n").split(":") for line in f if line.startswith("ann:")][0]
        self.assertEqual(entry[4], ODD_DESCRIPTION)
        self.assertEqual(entry[5], home)
        r = subprocess.run(["systemd-tmpfiles", f"--root={tools}", "--create",
                            os.path.join(tools, "etc", "tmpfiles.d", "sysconf-homes.conf")],
                           capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertTrue(os.path.isdir(os.path.join(tools, home.lstrip("/"))), os.listdir(os.path.join(tools, "srv")))


if __name__ == "__main__":
    args = sys.argv[1:]
    h.set_binary_from_args(args, __doc__)
    unittest.main(argv=sys.argv[:1] + args, verbosity=2)

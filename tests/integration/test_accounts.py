#!/usr/bin/env python3
"""Accounts as root must treat them: uids of normal users given at
activation and kept (never read from the machine at build); a damaged
/etc/passwd or uid map is refused, never read as uid 0; user and group names are checked where they are defined; and
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
        # A build never reads it; a switch that must give a uid refuses it
        # before anything changes.
        self.host('users.users.craig = { isNormalUser = true }\n')
        h.write(os.path.join(self.root, "etc", "passwd"),
                "root:x:0:0:root:/root:/bin/bash\ncraig:x:1x0:1000::/home/craig:/bin/bash\n")
        r = h.run(self.tree, self.root, "a", "build")
        self.assertEqual(r.returncode, 0, h.describe(r))
        # Nothing changes but the store, which holds the generation built.
        before = h.snapshot(self.root, exclude=(h.STORE, "var/lib/sysconf/lock"))
        r = h.run(self.tree, self.root, "a", "switch")
        self.assertNotEqual(r.returncode, 0, h.describe(r))
        self.assertIn("/etc/passwd is damaged", r.stderr)
        self.assertIn("line 2", r.stderr)
        after = h.snapshot(self.root, exclude=(h.STORE, "var/lib/sysconf/lock"))
        self.assertEqual(after, before, h.diff_snapshots(before, after))

    def test_uids_are_given_at_activation_and_kept(self):
        # The build is the configuration's alone: two machines whose passwd
        # differ build the same generation. The switch gives each normal user
        # without a uid the lowest free from 1000, records it, and gives it
        # back to a user removed by hand and configured again.
        users = ('users.users.ann = { isNormalUser = true }\n'
                 'users.users.bob = { isNormalUser = true }\n'
                 'users.users.svc = {}\n'
                 'users.users.fixed = { isNormalUser = true, uid = 1001 }\n')
        self.host(users)
        other = h.make_root(self.scratch)
        h.write(os.path.join(other, "etc", "passwd"), "root:x:0:0:root:/root:/bin/bash\nold:x:1000:1000::/home/old:/bin/sh\n")
        built = []
        for root in (self.root, other):
            r = h.run(self.tree, root, "a", "build")
            self.assertEqual(r.returncode, 0, h.describe(r))
            built.append(r.stdout.split()[1])
        self.assertEqual(built[0], built[1], "the build does not depend on the root's /etc/passwd")

        r = h.run(self.tree, other, "a", "switch", "--dry-run")
        self.assertIn("user ann: created with uid 1002\n", r.stdout, h.describe(r))
        self.assertIn("user bob: created with uid 1003\n", r.stdout)
        self.assertNotIn("user svc", r.stdout)
        self.assertNotIn("user fixed", r.stdout)
        r = h.run(self.tree, other, "a", "switch")
        self.assertEqual(r.returncode, 0, h.describe(r))
        self.assertEqual(h.passwd_ids(other, "ann")[0], 1002)
        self.assertEqual(h.passwd_ids(other, "bob")[0], 1003)
        self.assertEqual(h.passwd_ids(other, "fixed")[0], 1001)
        self.assertLess(h.passwd_ids(other, "svc")[0], 1000, "a system user's uid is sysusers' own")
        with open(os.path.join(other, "var/lib/sysconf/uids.json")) as f:
            self.assertEqual(json.load(f)["users"], {"ann": 1002, "bob": 1003})

        # ann is removed by hand, and a new user comes: neither takes ann's uid.
        passwd = os.path.join(other, "etc", "passwd")
        with open(passwd) as f:
            lines = [line for line in f if not line.startswith("ann:")]
        h.write(passwd, "".join(lines))
        self.host(users + 'users.users.cid = { isNormalUser = true }\n')
        r = h.run(self.tree, other, "a", "switch", "--dry-run")
        self.assertIn("user ann: created with uid 1002 (the uid it had before)\n", r.stdout, h.describe(r))
        self.assertIn("user cid: created with uid 1004\n", r.stdout)
        r = h.run(self.tree, other, "a", "switch")
        self.assertEqual(r.returncode, 0, h.describe(r))
        self.assertEqual(h.passwd_ids(other, "ann")[0], 1002)
        self.assertEqual(h.passwd_ids(other, "cid")[0], 1004)
        r = h.run(self.tree, other, "a", "switch", "--dry-run")
        self.assertIn("nothing to change", r.stdout, h.describe(r))

    def test_a_damaged_uid_map_stops_the_switch_and_repair_rebuilds_it(self):
        self.host('users.users.ann = { isNormalUser = true }\n')
        r = h.run(self.tree, self.root, "a", "switch")
        self.assertEqual(r.returncode, 0, h.describe(r))
        uids = os.path.join(self.root, "var/lib/sysconf/uids.json")
        h.write(uids, '{"users": {"ann": "1000"}}')
        before = h.snapshot(self.root, exclude=(h.STORE, "var/lib/sysconf/lock"))
        r = h.run(self.tree, self.root, "a", "switch")
        self.assertEqual(r.returncode, 6, h.describe(r))
        self.assertIn("uids.json is damaged", r.stderr)
        after = h.snapshot(self.root, exclude=(h.STORE, "var/lib/sysconf/lock"))
        self.assertEqual(after, before, h.diff_snapshots(before, after))
        r = h.run(self.tree, self.root, "a", "repair")
        self.assertEqual(r.returncode, 0, h.describe(r))
        self.assertIn("uids.json: damaged", r.stdout)
        with open(uids) as f:
            self.assertEqual(json.load(f)["users"], {"ann": 1000}, "rebuilt from the normal users in /etc/passwd")
        r = h.run(self.tree, self.root, "a", "switch")
        self.assertEqual(r.returncode, 0, h.describe(r))

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

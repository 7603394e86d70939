#!/usr/bin/env python3
"""users.users.NAME.hashedPasswordFile as NixOS: the hash on the file's first
line is read at activation, inside the root, and set as the user's password
in the root's /etc/shadow (field 2 exactly, every other byte, the mode, owner
and group kept) when it differs; never at build, and never in the store, the
plan or the output. A file that does not exist is a warning and leaves the
password alone (NixOS's update-users-groups); one root must not trust
(writable by others, not root's) or that is not one hash stops the switch
before anything changes; a damaged /etc/shadow is refused. Real binary, real
systemd-sysusers, scratch roots.

Usage: test_passwords.py SYSCONF_BINARY
"""

import json
import os
import shutil
import stat
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sysconf_harness as h  # noqa: E402

# A real yescrypt hash's shape; sysconf must treat it as opaque text.
HASH = "$y$j9T$F5Jx5fExrKuPp53xLKQ..1$X3DX6M94c7o7TqFA8QfGmGP0MC.E1ow7ZHoFh3wJF98"
HASH2 = "$6$saltsalt$4bPkiBy9VCA0dIbY8VzTGcJ9XkMQ6Mbq6yx1hwPw7s4B0oN7Hm6LwIKyYhl2VLDbz2I8Ft3NU7hZ0Ihv1ZpDg1"
FILE = "/etc/secrets/craig.hash"


class TestPasswords(unittest.TestCase):
    def setUp(self):
        self.scratch = tempfile.mkdtemp(prefix="sysconf-passwords-")
        os.chmod(self.scratch, 0o755)
        self.tree = os.path.join(self.scratch, "tree")
        self.root = h.make_root(self.scratch)
        self.hash_path = os.path.join(self.root, FILE.lstrip("/"))
        self.shadow = os.path.join(self.root, "etc", "shadow")

    def tearDown(self):
        shutil.rmtree(self.scratch, ignore_errors=True)

    def host(self, extra=""):
        h.make_tree(self.tree, "a", '[config]\nnetworking.hostName = "pw"\n'
                    f'users.users.craig = {{ isNormalUser = true, hashedPasswordFile = "{FILE}" }}\n'
                    'users.users.ann = { isNormalUser = true }\n' + extra)

    def write_hash(self, text, mode=0o600):
        h.write(self.hash_path, text, mode)

    def shadow_entries(self):
        with open(self.shadow) as f:
            return {line.split(":")[0]: line.rstrip("\n").split(":") for line in f}

    def switch(self, *args):
        r = h.run(self.tree, self.root, "a", "switch", *args)
        self.assert_secret_kept(r)
        return r

    def assert_secret_kept(self, r):
        for hash_text in (HASH, HASH2):
            self.assertNotIn(hash_text, r.stdout + r.stderr, "the hash never reaches the output")

    def assert_not_in_store(self):
        for directory, _, files in os.walk(os.path.join(self.root, h.STORE)):
            for name in files:
                path = os.path.join(directory, name)
                if os.path.islink(path):
                    continue
                with open(path, "rb") as f:
                    data = f.read()
                for hash_text in (HASH, HASH2):
                    self.assertNotIn(hash_text.encode(), data, f"the hash is in the store: {path}")

    def test_the_hash_is_set_once_and_again_when_the_file_changes(self):
        self.host()
        self.write_hash(HASH + "\n")
        # The build reads nothing of the machine: the file's content does not
        # change the generation.
        r = h.run(self.tree, self.root, "a", "build")
        self.assertEqual(r.returncode, 0, h.describe(r))
        built = r.stdout.split()[1]
        self.write_hash(HASH2 + "\n")
        r = h.run(self.tree, self.root, "a", "build")
        self.assertEqual(r.stdout.split()[1], built, "the hash file's content is not part of the build")
        self.write_hash(HASH + "\n")

        r = self.switch("--dry-run")
        self.assertEqual(r.returncode, 0, h.describe(r))
        self.assertIn(f"user craig: password from {FILE}\n", r.stdout)
        self.assertNotIn("user ann: password", r.stdout)
        r = self.switch()
        self.assertEqual(r.returncode, 0, h.describe(r))
        self.assertIn(f"user craig: password set from {FILE}", r.stdout)
        entries = self.shadow_entries()
        self.assertEqual(entries["craig"][1], HASH, "field 2 is the file's first line exactly")
        self.assertEqual(len(entries["craig"]), 9)
        self.assertNotEqual(entries["ann"][1], HASH, "a user without a file keeps sysusers' password")
        st = os.stat(self.shadow)
        self.assertEqual(stat.S_IMODE(st.st_mode), 0o000, "systemd-sysusers' mode is kept")
        with open(self.hash_path) as f:
            self.assertEqual(f.read(), HASH + "\n", "the hash file is only read")
        manifest = h.current_manifest(self.root)
        craig = [u for u in manifest["users"] if u["name"] == "craig"][0]
        self.assertEqual(craig["hashedPasswordFile"], FILE, "the generation records the path")
        self.assertNotIn("hashedPasswordFile", [u for u in manifest["users"] if u["name"] == "ann"][0])
        self.assert_not_in_store()

        # A second switch changes nothing: /etc/shadow is not rewritten.
        before = os.stat(self.shadow)
        r = self.switch("--dry-run")
        self.assertIn("nothing to change", r.stdout, h.describe(r))
        self.assertNotIn("password", r.stdout)
        r = self.switch()
        self.assertEqual(r.returncode, 0, h.describe(r))
        after = os.stat(self.shadow)
        self.assertEqual((after.st_ino, after.st_mtime_ns), (before.st_ino, before.st_mtime_ns))

        # Another mode, owner and group, and a line sysconf does not manage,
        # all kept byte for byte when the changed hash is applied.
        os.chown(self.shadow, 0, 42)
        os.chmod(self.shadow, 0o640)
        with open(self.shadow) as f:
            lines = f.readlines()
        lines.append("guest:!locked:19000:0:99999:7:::\n")
        h.write(self.shadow, "".join(lines))
        os.chmod(self.shadow, 0o640)
        self.write_hash(HASH2 + "\n\n")
        r = self.switch("--dry-run", "--json")
        self.assertEqual(r.returncode, 0, h.describe(r))
        self.assertEqual(json.loads(r.stdout)["plan"]["passwords"], [{"user": "craig", "file": FILE}])
        r = self.switch()
        self.assertEqual(r.returncode, 0, h.describe(r))
        with open(self.shadow) as f:
            now = f.readlines()
        expected = [line.replace(HASH, HASH2) if line.startswith("craig:") else line for line in lines]
        self.assertEqual(now, expected, "only craig's field 2 changed")
        st = os.stat(self.shadow)
        self.assertEqual((stat.S_IMODE(st.st_mode), st.st_uid, st.st_gid), (0o640, 0, 42))
        self.assertEqual([n for n in os.listdir(os.path.join(self.root, "etc")) if "sysconf-tmp" in n], [])
        self.assert_not_in_store()

    def test_a_missing_file_warns_and_leaves_the_password(self):
        self.host()
        r = self.switch()
        self.assertEqual(r.returncode, 0, h.describe(r))
        self.assertIn(f"the password file {FILE} does not exist", r.stderr)
        self.assertIn("the password of user craig is left as it is", r.stderr)
        self.assertEqual(self.shadow_entries()["craig"][1], "!*", "sysusers' locked password, left alone")
        self.write_hash(HASH + "\n")
        r = self.switch()
        self.assertEqual(r.returncode, 0, h.describe(r))
        self.assertEqual(self.shadow_entries()["craig"][1], HASH)
        # The file goes away again: the password stays what it was.
        os.unlink(self.hash_path)
        r = self.switch()
        self.assertEqual(r.returncode, 0, h.describe(r))
        self.assertIn("does not exist", r.stderr)
        self.assertEqual(self.shadow_entries()["craig"][1], HASH)

    def test_an_untrusted_or_malformed_file_stops_the_switch(self):
        self.host()
        self.write_hash(HASH + "\n")
        r = self.switch()
        self.assertEqual(r.returncode, 0, h.describe(r))
        cases = (
            ("world-writable", HASH2 + "\n", 0o602, None, "writable by others"),
            ("group-writable, not root's group", HASH2 + "\n", 0o620, (0, 42), "writable by others"),
            ("not root's", HASH2 + "\n", 0o600, (1000, 0), "not owned by root"),
            ("a colon", HASH2 + ":x\n", 0o600, None, "holds a `:`"),
            ("two lines", HASH2 + "\nmore\n", 0o600, None, "more than one line"),
            ("empty", "\n", 0o600, None, "first line is empty"),
            ("carriage return", HASH2 + "\r\n", 0o600, None, "control character"),
        )
        for what, text, mode, owner, message in cases:
            with self.subTest(what):
                self.write_hash(text, mode)
                os.chown(self.hash_path, *(owner or (0, 0)))
                before = h.snapshot(self.root, exclude=(h.STORE, "var/lib/sysconf/lock"))
                r = self.switch()
                self.assertNotEqual(r.returncode, 0, h.describe(r))
                self.assertIn(FILE, r.stderr, "the error names the file")
                self.assertIn(message, r.stderr)
                self.assertNotIn(HASH2[5:], r.stderr + r.stdout, "the refused text is not quoted")
                after = h.snapshot(self.root, exclude=(h.STORE, "var/lib/sysconf/lock"))
                self.assertEqual(after, before, h.diff_snapshots(before, after))
                self.assertEqual(self.shadow_entries()["craig"][1], HASH)

    def test_a_symlink_in_the_root_is_followed_inside_it(self):
        # agenix and sops-nix put secrets behind a symlink (/run/agenix ->
        # /run/agenix.d/N): an absolute link resolves inside the root.
        self.host()
        h.write(os.path.join(self.root, "run/keys/craig"), HASH + "\n", 0o600)
        os.makedirs(os.path.dirname(self.hash_path), exist_ok=True)
        os.symlink("/run/keys/craig", self.hash_path)
        r = self.switch()
        self.assertEqual(r.returncode, 0, h.describe(r))
        self.assertEqual(self.shadow_entries()["craig"][1], HASH)

    def test_a_damaged_shadow_is_refused(self):
        self.host()
        r = self.switch()
        self.assertEqual(r.returncode, 0, h.describe(r))
        with open(self.shadow) as f:
            text = f.read()
        damaged = text.replace("craig:", "craig:x:", 1)
        h.write(self.shadow, damaged)
        self.write_hash(HASH + "\n")
        before = h.snapshot(self.root, exclude=(h.STORE, "var/lib/sysconf/lock"))
        r = self.switch()
        self.assertNotEqual(r.returncode, 0, h.describe(r))
        self.assertIn("/etc/shadow is damaged", r.stderr)
        after = h.snapshot(self.root, exclude=(h.STORE, "var/lib/sysconf/lock"))
        self.assertEqual(after, before, h.diff_snapshots(before, after))

    def test_a_relative_path_is_refused_where_it_is_defined(self):
        h.make_tree(self.tree, "a", '[config]\nusers.users.craig = { isNormalUser = true, '
                          'hashedPasswordFile = "secrets/craig.hash" }\n')
        r = h.run(self.tree, self.root, "a", "build", "--dry-run")
        self.assertNotEqual(r.returncode, 0, h.describe(r))
        self.assertIn("is not a valid password file", r.stderr)
        self.assertIn("hosts/a/default.toml:", r.stderr)


if __name__ == "__main__":
    args = sys.argv[1:]
    h.set_binary_from_args(args, __doc__)
    unittest.main(argv=sys.argv[:1] + args, verbosity=2)

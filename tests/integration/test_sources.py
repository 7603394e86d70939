#!/usr/bin/env python3
"""Files a configuration names (`source`, `template`), and its own files
(sysconf.toml, modules, imports), are read as root for
whoever owns the configuration, and land in a world-readable store: a symlink
out of the configuration, a FIFO or device, and a file the owner could not
read are each refused with the reason, and nothing of them reaches the store.
The tree is owned by an unprivileged uid, as a checkout in a user's home is.

Usage: test_sources.py SYSCONF_BINARY
"""

import os
import shutil
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sysconf_harness as h  # noqa: E402

OWNER = 65534  # nobody
SECRET = "root-only-secret-4711\n"


def host(source_line):
    return f"""
[config]
networking.hostName = "sources"
environment.etc."ok.txt".source = "../../files/ok.txt"
{source_line}
"""


class SourcesTestCase(unittest.TestCase):
    """A tree owned by OWNER, with what a user could plant in files/."""

    def setUp(self):
        if os.geteuid() != 0:
            self.skipTest("needs root, to give the tree an unprivileged owner and read as root")
        self.scratch = tempfile.mkdtemp(prefix="sysconf-sources-")
        os.chmod(self.scratch, 0o755)
        self.tree = os.path.join(self.scratch, "tree")
        h.make_tree(self.tree, "s", host(""))
        files = os.path.join(self.tree, "files")
        h.write(os.path.join(files, "ok.txt"), "mine\n", mode=0o600)
        # What a user could plant: a link out, a FIFO, a root-only file.
        h.write(os.path.join(self.scratch, "outside.txt"), SECRET, mode=0o644)
        os.symlink(os.path.join(self.scratch, "outside.txt"), os.path.join(files, "link-out"))
        os.symlink("../../outside.txt", os.path.join(files, "relative-out"))
        os.mkfifo(os.path.join(files, "fifo"))
        h.write(os.path.join(files, "private"), SECRET, mode=0o600)
        for dirpath, dirnames, filenames in os.walk(self.tree):
            for name in [dirpath] + [os.path.join(dirpath, n) for n in dirnames + filenames]:
                if name != os.path.join(files, "private"):
                    os.lchown(name, OWNER, OWNER)
        self.root = h.make_root(self.scratch)

    def tearDown(self):
        shutil.rmtree(getattr(self, "scratch", "/nonexistent"), ignore_errors=True)



class TestSources(SourcesTestCase):
    def build(self, source_line):
        h.set_host_module(self.tree, "s", host(source_line))
        os.lchown(os.path.join(self.tree, "hosts", "s", "default.toml"), OWNER, OWNER)
        return h.run(self.tree, self.root, "s", "build", timeout=60)

    def assert_refused(self, source_line, reason):
        r = self.build(source_line)
        self.assertNotEqual(r.returncode, 0, h.describe(r))
        self.assertIn(reason, r.stderr, h.describe(r))
        self.assertIn("hosts/s/default.toml:", r.stderr)
        store = os.path.join(self.root, "var/lib/sysconf/store")
        for dirpath, _, filenames in os.walk(store):
            for name in filenames:
                path = os.path.join(dirpath, name)
                if os.path.isfile(path) and not os.path.islink(path):
                    with open(path, "rb") as f:
                        self.assertNotIn(SECRET.encode(), f.read(), f"{path} holds the secret")

    def test_the_owners_own_files_are_read(self):
        r = self.build("")
        self.assertEqual(r.returncode, 0, h.describe(r))

    def test_a_symlink_out_of_the_configuration(self):
        self.assert_refused('environment.etc."a".source = "../../files/link-out"', "leads out of its directory")
        self.assert_refused('environment.etc."a".source = "../../files/relative-out"', "leads out of its directory")
        self.assert_refused('environment.etc."a".template = "../../files/link-out"', "leads out of its directory")

    def test_a_fifo(self):
        self.assert_refused('environment.etc."a".source = "../../files/fifo"', "is not a regular file")

    def test_a_file_the_owner_cannot_read(self):
        self.assert_refused('environment.etc."a".source = "../../files/private"', "not readable by the configuration's owner")

    def test_an_absolute_path_inside_the_root(self):
        h.write(os.path.join(self.root, "etc", "shadow-like"), SECRET, mode=0o600)
        self.assert_refused('environment.etc."a".source = "/etc/shadow-like"', "not readable by the configuration's owner")
        os.mkfifo(os.path.join(self.root, "etc", "pipe"))
        self.assert_refused('environment.etc."a".source = "/etc/pipe"', "is not a regular file")


class TestModules(SourcesTestCase):
    """The configuration's own files (sysconf.toml, modules, imports) are
    read the same way: a FIFO would hang the loader, and a link to a file
    the owner cannot read would be parsed as root and its first line shown
    in the syntax error."""

    def check(self, what, reason):
        r = h.run(self.tree, self.root, "s", "check", timeout=60)
        self.assertEqual(r.returncode, 1, what + h.describe(r))
        self.assertIn(reason, r.stderr, what)
        self.assertNotIn("root-only-secret", r.stdout + r.stderr, what + ": the file's content was shown")

    def import_(self, target):
        h.set_host_module(self.tree, "s", f'imports = ["{target}"]\n' + host(""))
        os.lchown(os.path.join(self.tree, "hosts", "s", "default.toml"), OWNER, OWNER)

    def test_an_import_the_owner_cannot_read(self):
        self.import_("../../files/private")
        self.check("an import of a root-only file", "not readable by the configuration's owner")

    def test_an_import_that_is_a_fifo(self):
        self.import_("../../files/fifo")
        self.check("an import of a FIFO", "files/fifo`, which is not a regular file")

    def test_sysconf_toml_linked_to_a_file_the_owner_cannot_read(self):
        config = os.path.join(self.tree, "sysconf.toml")
        os.unlink(config)
        os.symlink("files/private", config)
        os.lchown(config, OWNER, OWNER)
        self.check("sysconf.toml linked to a root-only file", "not readable by the configuration's owner")


if __name__ == "__main__":
    args = sys.argv[1:]
    h.set_binary_from_args(args, __doc__)
    unittest.main(argv=sys.argv[:1] + args, verbosity=2)

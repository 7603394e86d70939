#!/usr/bin/env python3
"""How sysconf is pointed at things: a relative --config (with `source`
files, read relative to the file that names them) and a --root that does not
exist yet, which a dry run treats as empty and leaves uncreated. Runs the real
binary on a real tree with the stock library.

Usage: test_paths.py SYSCONF_BINARY
"""

import os
import shutil
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sysconf_harness as h  # noqa: E402

HOST = """
[config]
networking.hostName = "paths"
environment.etc."tool.sh".source = "../../files/tool.sh"
environment.etc."deep/er/file.conf".text = "x"
users.users.craig = { isNormalUser = true }
home-manager.users.craig.modules = ["../../home/default.toml"]
"""

HOME = """
[config]
xdg.configFile."app/deep/settings.json" = { format = "json", settings = { a = 1 } }
home.file.".local/bin/hello".text = "echo hello"
"""


class TestPaths(unittest.TestCase):
    def setUp(self):
        self.scratch = tempfile.mkdtemp(prefix="sysconf-paths-")
        self.tree = os.path.join(self.scratch, "tree")
        h.make_tree(self.tree, "p", HOST, HOME)
        h.write(os.path.join(self.tree, "files", "tool.sh"), "#!/bin/sh\necho tool\n", mode=0o755)

    def tearDown(self):
        shutil.rmtree(self.scratch, ignore_errors=True)

    def run_in(self, cwd, *args):
        argv = [h.binary(), "--color", "never", "--host", "p", *args]
        return subprocess.run(argv, capture_output=True, text=True, cwd=cwd, env=h.environment(), timeout=120)

    def test_relative_config_reads_sources(self):
        for cwd, config in ((self.tree, "."), (os.path.join(self.tree, "files"), ".."),
                            (self.scratch, "tree"), (self.scratch, "tree/")):
            root = h.make_root(self.scratch)
            r = self.run_in(cwd, "--config", config, "--root", root, "build")
            self.assertEqual(r.returncode, 0, f"--config {config} from {cwd}" + h.describe(r))
            r = self.run_in(cwd, "--config", config, "--root", root, "switch")
            self.assertEqual(r.returncode, 0, h.describe(r))
            self.assertEqual(h.read_in_root(root, "/etc/tool.sh"), b"#!/bin/sh\necho tool\n")

    def test_dry_run_of_a_missing_root_writes_nothing(self):
        root = os.path.join(self.scratch, "not-yet")
        for args in (("build", "--dry-run"), ("switch", "--dry-run")):
            r = h.run(self.tree, root, "p", *args)
            self.assertEqual(r.returncode, 0, h.describe(r))
            self.assertIn("/etc/tool.sh", r.stdout + r.stderr)
            self.assertFalse(os.path.lexists(root), f"{' '.join(args)} created the root")
        # Not a dry run: the root is created.
        r = h.run(self.tree, root, "p", "build")
        self.assertEqual(r.returncode, 0, h.describe(r))
        self.assertTrue(os.path.isdir(root))

    def test_modes_do_not_depend_on_the_umask(self):
        # `sudo` with umask 077 must not make /etc/static's targets, the
        # store or a home's directories unreadable for everyone but root.
        listings = {}
        for umask in (0o022, 0o077):
            root = h.make_root(self.scratch)
            r = subprocess.run(h.command(self.tree, root, "p", "switch"), capture_output=True, text=True,
                               env=h.environment(), cwd="/", timeout=120,
                               preexec_fn=lambda: os.umask(umask))
            self.assertEqual(r.returncode, 0, h.describe(r))
            listing = {}
            for dirpath, dirnames, filenames in os.walk(root):
                for name in dirnames + filenames:
                    path = os.path.join(dirpath, name)
                    rel = os.path.relpath(path, root)
                    # Generation and object names differ with the build time.
                    rel = "/".join("*" if len(part) > 30 else part for part in rel.split("/"))
                    listing[rel] = oct(os.lstat(path).st_mode)
            listings[umask] = listing
        self.assertGreater(len(listings[0o022]), 20)
        self.assertEqual(listings[0o077], listings[0o022])


if __name__ == "__main__":
    args = sys.argv[1:]
    h.set_binary_from_args(args, __doc__)
    unittest.main(argv=sys.argv[:1] + args, verbosity=2)

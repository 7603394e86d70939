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
"""


class TestPaths(unittest.TestCase):
    def setUp(self):
        self.scratch = tempfile.mkdtemp(prefix="sysconf-paths-")
        self.tree = os.path.join(self.scratch, "tree")
        h.make_tree(self.tree, "p", HOST)
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


if __name__ == "__main__":
    args = sys.argv[1:]
    h.set_binary_from_args(args, __doc__)
    unittest.main(argv=sys.argv[:1] + args, verbosity=2)

#!/usr/bin/env python3
"""`check` passes exactly when `build --dry-run` would (issue 12, item 6.5):
besides evaluating, it renders the host as a build does, so a file's mode,
a missing `source`, a path with `..`, a file with two contents or none, a
relative secret, a bad template, a unit name or an activation hook that
cannot be built make check fail, with the error build --dry-run gives.

Usage: test_check.py SYSCONF_BINARY
"""

import os
import re
import shutil
import sys
import tempfile
import unittest

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sysconf_harness as h  # noqa: E402

HOST = "checkhost"


def host_module(extra):
    return ("[config]\n"
            f'networking.hostName = "{HOST}"\n'
            'users.users.craig = { isNormalUser = true }\n'
            'home-manager.users.craig.modules = ["../../home/default.toml"]\n' + extra)


HOME = '[config]\nhome.file.".profile".text = "# profile\\n"\n'

# name: (host module lines, home module or None, files, the start of the error)
BROKEN = {
    "mode": ('environment.etc."a.conf" = { text = "x", mode = "0999" }\n', None, {},
             'error: `environment.etc."a.conf".mode` is "0999"'),
    "missing source": ('environment.etc."b.conf".source = "../../files/missing.conf"\n', None, {},
                       "error: cannot read `files/missing.conf`"),
    "dot-dot path": ('environment.etc."../escape".text = "x"\n', None, {},
                     'error: `environment.etc."../escape"` is not a clean relative path'),
    "home dot-dot path": ("", '[config]\nhome.file."a/../../b".text = "x"\n', {},
                          'error: `home.file."a/../../b"` is not a clean relative path'),
    "two contents": ('environment.etc."c.conf" = { text = "x", symlink = "/x" }\n', None, {},
                     'error: `environment.etc."c.conf"` sets text and symlink'),
    "no content": ('environment.etc."d.conf".mode = "0600"\n', None, {},
                   'error: `environment.etc."d.conf"` has no content'),
    "relative secret": ('environment.etc."e.key".secret = "keys/e.key"\n', None, {},
                        'error: `environment.etc."e.key"`: a secret is an absolute path'),
    "symlink mode": ('environment.etc."f" = { symlink = "/x", mode = "0644" }\n', None, {},
                     "error: `environment.etc.f` is a symlink and cannot have the mode 0644"),
    "malformed template": ('environment.etc."g".template = "../../files/g.tmpl"\n', None,
                           {"files/g.tmpl": "host {{ networking.hostName | nosuch }}\n"},
                           "error: malformed interpolation in template"),
    "template reads nothing": ('environment.etc."g".template = "../../files/g.tmpl"\n', None,
                               {"files/g.tmpl": "host\n{{ networking.hostNam }}\n"},
                               "error: unknown option `networking.hostNam`"),
    "file inside a file": ('environment.etc."h".text = "x"\nenvironment.etc."h/i".text = "y"\n', None, {},
                           "error: /etc/h is a file, so /etc/h/i cannot be inside it"),
    "unit name": ('systemd.units."nodot".text = "[Unit]\\n"\n', None, {},
                  'error: `systemd.units.nodot`: `nodot` is not a unit name such as "foo.socket"'),
    "hook without command": ("system.activation.hooks.j.command = []\n", None, {},
                             "error: activation hook `j` has no command"),
    "hooks in a cycle": ('system.activation.hooks.k = { command = ["true"], after = ["l"] }\n'
                         'system.activation.hooks.l = { command = ["true"], after = ["k"] }\n', None, {},
                         "error: activation hooks `k` and `l` wait for each other in a cycle"),
}


def errors(stderr):
    """The error diagnostics of an output, each with its sites and help; the
    warnings (build --dry-run asks about packages, check only for this
    machine's host) and the count are left out."""
    blocks = []
    for line in stderr.splitlines():
        if re.fullmatch(r"\d+ errors?", line):
            break
        if line.startswith(("error:", "warning:")):
            blocks.append([line])
        elif blocks:
            blocks[-1].append(line)
    return ["\n".join(b) for b in blocks if b[0].startswith("error:")]


class TestCheck(unittest.TestCase):
    maxDiff = None

    def setUp(self):
        self.scratch = tempfile.mkdtemp(prefix="sysconf-check-")
        os.chmod(self.scratch, 0o755)
        self.addCleanup(shutil.rmtree, self.scratch, ignore_errors=True)
        self.root = h.make_root(self.scratch)
        self.tree = os.path.join(self.scratch, "tree")

    def both(self, extra, home=None, files=None):
        """check and build --dry-run on the same tree and root."""
        if os.path.isdir(self.tree):
            shutil.rmtree(self.tree)
        h.make_tree(self.tree, HOST, host_module(extra), home or HOME, extra_files=files)
        return (h.run(self.tree, self.root, HOST, "check"),
                h.run(self.tree, self.root, HOST, "build", "--dry-run"))

    def test_a_configuration_that_builds_checks(self):
        check, dry = self.both('environment.etc."ok.conf" = { text = "x", mode = "0640" }\n')
        self.assertEqual(dry.returncode, 0, h.describe(dry))
        self.assertEqual(check.returncode, 0, h.describe(check))
        self.assertIn(f"ok: host {HOST} (users: craig)", check.stdout)
        self.assertEqual(os.listdir(self.root), [], "check wrote into the root")

    def test_check_fails_as_build_dry_run_does(self):
        for name, (extra, home, files, message) in BROKEN.items():
            with self.subTest(name):
                check, dry = self.both(extra, home, files)
                self.assertEqual(dry.returncode, 1, h.describe(dry))
                self.assertEqual(check.returncode, 1, h.describe(check))
                self.assertIn(f"FAILED: host {HOST}", check.stdout)
                self.assertEqual(errors(check.stderr), errors(dry.stderr), h.describe(check) + h.describe(dry))
                self.assertEqual(len(errors(check.stderr)), 1, h.describe(check))
                self.assertTrue(errors(check.stderr)[0].startswith(message), h.describe(check))


def main():
    args = sys.argv[1:]
    h.set_binary_from_args(args, "usage: test_check.py SYSCONF_BINARY [unittest options]  (or set SYSCONF)")
    unittest.main(argv=[sys.argv[0]] + args, verbosity=2)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""The library's home modules for everyday tools (modules/home/git.toml,
bash.toml, gtk.toml, ssh.toml, zsh.toml): what each renders, byte for byte,
in a real generation built by the real binary under a scratch root, and
each file read back by the program's own parser (git config, bash -n,
zsh -n, ssh -G, configparser for GTK's settings.ini). A parser that is not
installed skips its check with the reason (scripts/install-deps.sh installs
them all).

Usage: test_home_tools.py SYSCONF_BINARY
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

HOST = """
[config]
users.users.craig = { isNormalUser = true }
home-manager.users.craig.modules = ["../../home/default.toml"]
"""

GIT_HOME = r'''
[config]
programs.git.enable = true
programs.git.userName = 'Craig "C" Smith'
programs.git.userEmail = "craig@example.org"
programs.git.aliases = { co = "checkout", lg = "log --graph # all; really" }
programs.git.ignores = ["*~", ".direnv/"]
programs.git.signing = { key = "ABCD1234", signByDefault = true, signer = "/usr/bin/gpg2" }
programs.git.extraConfig.core = { editor = "nvim", abbrev = 12, hooksPath = 'C:\hooks' }
programs.git.extraConfig.pull.rebase = true
programs.git.extraConfig.commit.template = "line one\n\tline two"
programs.git.extraConfig.remote.origin = { url = "git@example.org:craig/dotfiles.git", fetch = ["+refs/heads/*:refs/remotes/origin/*", "+refs/tags/*:refs/tags/*"] }
programs.git.extraConfig.url."git@github.com:".insteadOf = "gh:"
'''

GIT_CONFIG = """\
[alias]
\tco = "checkout"
\tlg = "log --graph # all; really"

[commit]
\tgpgSign = true
\ttemplate = "line one\\n\\tline two"

[core]
\tabbrev = 12
\teditor = "nvim"
\thooksPath = "C:\\\\hooks"

[gpg]
\tformat = "openpgp"

[gpg "openpgp"]
\tprogram = "/usr/bin/gpg2"

[pull]
\trebase = true

[remote "origin"]
\tfetch = "+refs/heads/*:refs/remotes/origin/*"
\tfetch = "+refs/tags/*:refs/tags/*"
\turl = "git@example.org:craig/dotfiles.git"

[tag]
\tgpgSign = true

[url "git@github.com:"]
\tinsteadOf = "gh:"

[user]
\temail = "craig@example.org"
\tname = "Craig \\"C\\" Smith"
\tsigningKey = "ABCD1234"
"""

# What git itself reads from GIT_CONFIG: every key, lower-cased as git
# prints them, with the values unescaped.
GIT_LIST = """\
alias.co=checkout
alias.lg=log --graph # all; really
commit.gpgsign=true
commit.template=line one
\tline two
core.abbrev=12
core.editor=nvim
core.hookspath=C:\\hooks
gpg.format=openpgp
gpg.openpgp.program=/usr/bin/gpg2
pull.rebase=true
remote.origin.fetch=+refs/heads/*:refs/remotes/origin/*
remote.origin.fetch=+refs/tags/*:refs/tags/*
remote.origin.url=git@example.org:craig/dotfiles.git
tag.gpgsign=true
url.git@github.com:.insteadof=gh:
user.email=craig@example.org
user.name=Craig "C" Smith
user.signingkey=ABCD1234
"""


def tool(name):
    """The program's path, or None (the caller skips, saying why)."""
    return shutil.which(name, path="/usr/bin:/bin:/usr/sbin:/sbin")


class HomeTest(unittest.TestCase):
    def setUp(self):
        self.scratch = tempfile.mkdtemp(prefix="sysconf-home-tools-")
        self.tree = os.path.join(self.scratch, "tree")
        h.make_tree(self.tree, "t", HOST, "[config]\n")

    def tearDown(self):
        shutil.rmtree(self.scratch, ignore_errors=True)

    def build(self, home):
        """Builds the tree with `home` as the home module into a fresh root;
        returns (the home generation's files directory, its manifest)."""
        h.set_home_module(self.tree, home)
        root = h.make_root(self.scratch)
        r = h.run(self.tree, root, "t", "build", "--json")
        self.assertEqual(r.returncode, 0, h.describe(r))
        generation = os.path.join(root, json.loads(r.stdout)["path"].lstrip("/"))
        home_gen = os.path.realpath(os.path.join(generation, "home", "craig"))
        with open(os.path.join(home_gen, "manifest.json")) as f:
            return os.path.join(home_gen, "files"), json.load(f)

    def read(self, files, rel):
        with open(os.path.join(files, rel)) as f:
            return f.read()

    def paths(self, manifest):
        return sorted(f["path"] for f in manifest["files"])

    def build_fails(self, home):
        h.set_home_module(self.tree, home)
        r = h.run(self.tree, h.make_root(self.scratch), "t", "build")
        self.assertNotEqual(r.returncode, 0, h.describe(r))
        return r.stderr

    def assert_documented(self, names):
        r = h.run(self.tree, h.make_root(self.scratch), "t", "docs", "--format", "md")
        self.assertEqual(r.returncode, 0, h.describe(r))
        home_docs = r.stdout.split("## Home options", 1)[1]
        for name in names:
            heading = f"### `{name}`\n\n"
            self.assertIn(heading, home_docs)
            section = home_docs.split(heading, 1)[1].split("\n### ", 1)[0]
            self.assertFalse(section.split("\n", 1)[0].startswith("- Type:"), f"{name} has no description")
            self.assertIn("- Type:", section, name)


class TestGit(HomeTest):
    def test_config_and_ignore_as_git_reads_them(self):
        files, manifest = self.build(GIT_HOME)
        self.assertEqual(self.paths(manifest), [".config/git/config", ".config/git/ignore"])
        self.assertEqual(manifest["packages"], ["git"])
        self.assertEqual(self.read(files, ".config/git/config"), GIT_CONFIG)
        self.assertEqual(self.read(files, ".config/git/ignore"), "*~\n.direnv/\n")
        git = tool("git")
        if git is None:
            self.skipTest("git is not installed: the config is not read back by git")
        r = subprocess.run([git, "config", "--file", os.path.join(files, ".config/git/config"), "--list"],
                           capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout, GIT_LIST)
        # git finds both files itself under XDG_CONFIG_HOME, and ignores by the patterns.
        repo = os.path.join(self.scratch, "repo")
        env = {"PATH": "/usr/bin:/bin", "HOME": os.path.join(self.scratch, "nohome"),
               "XDG_CONFIG_HOME": os.path.join(files, ".config"), "GIT_CONFIG_NOSYSTEM": "1"}
        subprocess.run([git, "init", "-q", repo], check=True, env=env)
        r = subprocess.run([git, "-C", repo, "config", "user.name"], capture_output=True, text=True, env=env)
        self.assertEqual(r.stdout, 'Craig "C" Smith\n', r.stderr)
        r = subprocess.run([git, "-C", repo, "check-ignore", "-q", "notes.txt~"], env=env)
        self.assertEqual(r.returncode, 0, "~/.config/git/ignore is git's default excludesFile")

    def test_minimal_and_disabled(self):
        files, manifest = self.build("[config]\nprograms.git.enable = true\n")
        self.assertEqual(self.paths(manifest), [".config/git/config"])
        self.assertEqual(self.read(files, ".config/git/config"), "")
        _, manifest = self.build(GIT_HOME.replace("programs.git.enable = true", "programs.git.enable = false"))
        self.assertEqual(self.paths(manifest), [])
        self.assertEqual(manifest["packages"], [])

    def test_ssh_signing_without_signer(self):
        files, _ = self.build("""
            [config]
            programs.git = { enable = true, signing = { key = "~/.ssh/id_ed25519.pub", format = "ssh" } }
            """)
        self.assertEqual(self.read(files, ".config/git/config"),
                         '[commit]\n\tgpgSign = false\n\n[gpg]\n\tformat = "ssh"\n\n'
                         '[tag]\n\tgpgSign = false\n\n[user]\n\tsigningKey = "~/.ssh/id_ed25519.pub"\n')

    def test_a_key_git_cannot_read_is_an_error(self):
        stderr = self.build_fails("""
            [config]
            programs.git = { enable = true, extraConfig = { core = { "bad key" = 1 } } }
            """)
        self.assertIn("git config key `bad key` in [core] must be a letter followed by letters, digits or `-`", stderr)

    def test_options_are_documented(self):
        self.assert_documented([
            "programs.git.enable", "programs.git.package", "programs.git.userName", "programs.git.userEmail",
            "programs.git.aliases", "programs.git.extraConfig", "programs.git.ignores", "programs.git.signing.key",
            "programs.git.signing.signByDefault", "programs.git.signing.format", "programs.git.signing.signer",
        ])


if __name__ == "__main__":
    h.set_binary(os.environ.get("SYSCONF") or sys.argv.pop(1))
    unittest.main(verbosity=2)

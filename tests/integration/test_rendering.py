#!/usr/bin/env python3
"""What lands on disk for every kind of file entry: text, source (with its
executable bit), template (with os.*, user.* and filters), format + settings
(ini, keyvalue, json, toml, yaml, re-parsed here; systemd), direct symlinks, copies with
a mode, and a home file's onChange. Runs the real binary under a scratch root.

Usage: test_rendering.py SYSCONF_BINARY
"""

import json
import os
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import tomllib
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sysconf_harness as h  # noqa: E402

HOST = """
[config]
networking.hostName = "testhost"
users.users.craig = { isNormalUser = true, description = "Craig" }
home-manager.users.craig.modules = ["../../home/default.toml"]
environment.etc."plain.txt".text = "plain\\n"
environment.etc."tool.sh".source = "../../files/tool.sh"
environment.etc."greeting".template = "../../files/greeting.tmpl"
environment.etc."app/app.ini" = { format = "ini", settings = { main = { level = 3, name = "x y" }, top = "t" } }
environment.etc."app/env" = { format = "keyvalue", settings = { EDITOR = "nvim", GREETING = "hello world" } }
environment.etc."app/app.json" = { format = "json", settings = { list = [1, 2], nested = { a = true } } }
environment.etc."app/app.toml" = { format = "toml", settings = { title = "t", section = { n = 1 } } }
environment.etc."app/app.yaml" = { format = "yaml", settings = { items = ["a", "b"], n = 2 } }
environment.etc."zone".symlink = "/usr/share/zoneinfo/UTC"
environment.etc."app/app.service" = { format = "systemd", settings = { Unit = { Description = "App" }, Service = { ExecStart = ["", "/bin/app --x"] }, Install = { WantedBy = ["multi-user.target"] } } }
environment.etc."private.conf" = { text = "secret-ish\\n", mode = "0640", group = "craig" }
"""

HOME = """
[config]
home.file.".bashrc".text = "export A=1\\n"
xdg.configFile."kitty/kitty.conf".template = "../files/kitty.tmpl"
xdg.configFile."app/settings.json" = { format = "json", settings = { host = "{{ os.networking.hostName }}" } }
home.file.".local/bin/hello" = { source = "../files/hello.sh", onChange = "echo changed >> .onchange-log" }
"""


class TestRendering(unittest.TestCase):
    def setUp(self):
        self.scratch = tempfile.mkdtemp(prefix="sysconf-render-")
        self.tree = os.path.join(self.scratch, "tree")
        h.make_tree(self.tree, "t", HOST, HOME)
        h.write(os.path.join(self.tree, "files", "tool.sh"), "#!/bin/sh\necho tool\n", mode=0o755)
        h.write(os.path.join(self.tree, "files", "greeting.tmpl"),
                "Hello from {{ networking.hostName | upper }}; users: {{ users.users.craig.description }}\n"
                "{{ '{{' }} literal }}\n")
        h.write(os.path.join(self.tree, "files", "kitty.tmpl"),
                "# for {{ user.name }} in {{ user.home }} on {{ os.networking.hostName }}\nfont_size 11\n")
        h.write(os.path.join(self.tree, "files", "hello.sh"), "#!/bin/sh\necho hello\n", mode=0o755)
        self.root = h.make_root(self.scratch)

    def tearDown(self):
        shutil.rmtree(self.scratch, ignore_errors=True)

    def switch(self, env=None):
        r = h.run(self.tree, self.root, "t", "switch", env=env)
        self.assertEqual(r.returncode, 0, h.describe(r))
        return r

    def etc(self, name):
        return h.read_in_root(self.root, "/etc/" + name)

    def test_every_kind_of_entry(self):
        self.switch(env={"SYSCONF_TEST_RUN_ON_CHANGE": "1"})
        self.assertEqual(self.etc("plain.txt"), b"plain\n")
        self.assertEqual(self.etc("tool.sh"), b"#!/bin/sh\necho tool\n")
        tool = h.resolve_in_root(self.root, "/etc/tool.sh")
        self.assertEqual(os.stat(tool).st_mode & 0o777, 0o555, "a source's executable bit is kept")
        self.assertEqual(self.etc("greeting"), b"Hello from TESTHOST; users: Craig\n{{ literal }}\n")
        self.assertEqual(self.etc("app/app.ini"), b"top=t\n\n[main]\nlevel=3\nname=x y\n")
        self.assertEqual(self.etc("app/env"), b'EDITOR=nvim\nGREETING="hello world"\n')
        self.assertEqual(json.loads(self.etc("app/app.json")), {"list": [1, 2], "nested": {"a": True}})
        self.assertEqual(tomllib.loads(self.etc("app/app.toml").decode()), {"title": "t", "section": {"n": 1}})
        yaml = self.etc("app/app.yaml").decode()
        self.assertIn("n: 2", yaml)
        self.assertIn("items:", yaml)
        self.assertEqual(self.etc("app/app.service"), b"[Unit]\nDescription=App\n\n[Service]\nExecStart=\n"
                         b"ExecStart=/bin/app --x\n\n[Install]\nWantedBy=multi-user.target\n")
        self.assertEqual(os.readlink(os.path.join(self.root, "etc/zone")), "/usr/share/zoneinfo/UTC")
        private = os.path.join(self.root, "etc/private.conf")
        st = os.lstat(private)
        self.assertTrue(os.path.isfile(private) and not os.path.islink(private), "a mode makes a copy")
        self.assertEqual(st.st_mode & 0o777, 0o640)
        self.assertEqual(st.st_gid, h.group_id(self.root, "craig"))
        with open(private, "rb") as f:
            self.assertEqual(f.read(), b"secret-ish\n")
        # The home.
        self.assertEqual(h.read_in_root(self.root, "/home/craig/.config/kitty/kitty.conf"),
                         b"# for craig in /home/craig on testhost\nfont_size 11\n")
        self.assertEqual(json.loads(h.read_in_root(self.root, "/home/craig/.config/app/settings.json")),
                         {"host": "testhost"})
        hello = h.resolve_in_root(self.root, "/home/craig/.local/bin/hello")
        self.assertEqual(os.stat(hello).st_mode & 0o777, 0o555)
        log = os.path.join(self.root, "home/craig/.onchange-log")
        with open(log) as f:
            self.assertEqual(f.read(), "changed\n", "onChange ran once, in the home")
        self.assertEqual(os.stat(log).st_uid, h.passwd_ids(self.root, "craig")[0], "onChange ran as the user")
        # onChange runs again only when the file changes.
        self.switch(env={"SYSCONF_TEST_RUN_ON_CHANGE": "1"})
        with open(log) as f:
            self.assertEqual(f.read(), "changed\n")
        h.write(os.path.join(self.tree, "files", "hello.sh"), "#!/bin/sh\necho hello again\n", mode=0o755)
        self.switch(env={"SYSCONF_TEST_RUN_ON_CHANGE": "1"})
        with open(log) as f:
            self.assertEqual(f.read(), "changed\nchanged\n")

    def test_on_change_runs_in_the_users_session(self):
        """Issue 11, item 6: onChange ran with root's HOME and nothing of the
        user's session, so `makoctl reload` could never reach it. It runs with
        the user's own environment and groups, and its output is told as
        "craig: <line>"."""
        host = HOST.replace('users.users.craig = { isNormalUser = true, description = "Craig" }',
                            'users.users.craig = { isNormalUser = true, description = "Craig", extraGroups = ["media"] }\n'
                            'users.groups.media = {}')
        h.set_host_module(self.tree, "t", host)
        self.switch()  # the accounts exist from here on
        uid, gid = h.passwd_ids(self.root, "craig")
        media = h.group_id(self.root, "media")
        with open(os.path.join(self.root, "etc/passwd")) as f:
            shell = [l.rstrip("\n").split(":")[6] for l in f if l.startswith("craig:")][0]
        # The user's session, as pam_systemd makes it: the runtime directory and the bus.
        runtime = os.path.join(self.root, "run/user", str(uid))
        os.makedirs(runtime)
        os.chown(runtime, uid, gid)
        bus = socket.socket(socket.AF_UNIX)
        self.addCleanup(bus.close)
        bus.bind(os.path.join(runtime, "bus"))

        h.set_home_module(self.tree, HOME + 'home.file.".probe" = { text = "1\\n", onChange = '
                          '"env | sort; echo groups=$(id -G); echo to stderr >&2" }\n')
        r = self.switch(env={"SYSCONF_TEST_RUN_ON_CHANGE": "1", "SYSCONF_TEST_CANARY": "root's environment"})
        told = [l[len("craig: "):] for l in r.stdout.splitlines() if l.startswith("craig: ")]
        env = dict(l.split("=", 1) for l in told if "=" in l and not l.startswith("groups="))
        for own in ("SHLVL", "_", "OLDPWD"):  # what bash as /bin/sh sets itself
            env.pop(own, None)
        home = os.path.join(self.root, "home/craig")
        self.assertEqual(env, {
            "HOME": home,
            "USER": "craig",
            "LOGNAME": "craig",
            "SHELL": shell,
            "PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
            "XDG_RUNTIME_DIR": runtime,
            "DBUS_SESSION_BUS_ADDRESS": "unix:path=" + os.path.join(runtime, "bus"),
            "PWD": home,  # the shell's own
        }, "onChange's environment is the user's and nothing of root's" + h.describe(r))
        groups = [l for l in told if l.startswith("groups=")]
        self.assertEqual(len(groups), 1, h.describe(r))
        self.assertEqual(sorted(int(g) for g in groups[0][len("groups="):].split()), sorted({gid, media}),
                         "the user's supplementary groups")
        self.assertIn("to stderr", told, "stderr is told too")

    def test_on_change_background_program_does_not_hold_the_switch(self):
        """A program onChange leaves running keeps its output pipe open: the
        switch goes on once the shell has exited."""
        h.set_home_module(self.tree, HOME + 'home.file.".probe" = { text = "1\\n", onChange = '
                          '"sleep 60 & echo background=$!" }\n')
        t0 = time.monotonic()
        r = self.switch(env={"SYSCONF_TEST_RUN_ON_CHANGE": "1"})
        background = [l for l in r.stdout.splitlines() if l.startswith("craig: background=")]
        self.assertEqual(len(background), 1, h.describe(r))
        os.kill(int(background[0].split("=")[1]), signal.SIGKILL)
        self.assertLess(time.monotonic() - t0, 30, "the switch waited for onChange's background program")

    def test_root_the_user_cannot_traverse(self):
        """A root of mode 0700 (mktemp -d, a mounted system): the home is
        opened before sysconf drops to the user, so it is still activated."""
        os.chmod(self.root, 0o700)
        self.switch()
        self.assertEqual(h.read_in_root(self.root, "/home/craig/.bashrc"), b"export A=1\n")

    def test_template_error_names_the_template_file(self):
        h.write(os.path.join(self.tree, "files", "greeting.tmpl"), "line one\nhost {{ networking.hostNam }}\n")
        r = h.run(self.tree, self.root, "t", "switch")
        self.assertEqual(r.returncode, 1, h.describe(r))
        self.assertIn("files/greeting.tmpl:2:6", r.stderr)
        self.assertIn("did you mean `networking.hostName`?", r.stderr)
        written = [os.path.relpath(os.path.join(d, f), self.root) for d, _, fs in os.walk(self.root) for f in fs]
        self.assertEqual(written, ["var/lib/sysconf/lock"], "nothing but the lock was written")

    def test_missing_source_is_an_error_at_its_definition(self):
        os.remove(os.path.join(self.tree, "files", "tool.sh"))
        r = h.run(self.tree, self.root, "t", "build")
        self.assertEqual(r.returncode, 1, h.describe(r))
        self.assertIn("cannot read `files/tool.sh`", r.stderr)
        self.assertIn("hosts/t/default.toml:", r.stderr)


    def xdg_tree(self, apps, home_extra=""):
        """A home that imports home/sub/apps.toml, whose relative paths are
        relative to home/sub/."""
        h.set_home_module(self.tree, 'imports = ["./sub/apps.toml"]\n[config]\n' + home_extra)
        h.write(os.path.join(self.tree, "home", "sub", "apps.toml"), "[config]\n" + apps)
        h.write(os.path.join(self.tree, "home", "sub", "files", "run.sh"), "#!/bin/sh\necho run\n")
        h.write(os.path.join(self.tree, "home", "sub", "files", "t.tmpl"), "host {{ os.networking.hostName }}\n")

    def test_xdg_config_file_is_home_file_under_dot_config(self):
        # xdg.configFile is a [[for]] block in modules/home/files.toml: each
        # field still works, and its paths are relative to the file that wrote them.
        self.xdg_tree('xdg.configFile."app/run.sh" = { source = "files/run.sh", executable = true, '
                      'onChange = "echo ran >> .xdg-log" }\n'
                      'xdg.configFile."app/t.conf".template = "files/t.tmpl"\n'
                      'xdg.configFile."app/s.ini" = { format = "ini", settings = { a = { b = 1 } } }\n'
                      'xdg.configFile."app/off" = { text = "x", enable = false }\n')
        self.switch(env={"SYSCONF_TEST_RUN_ON_CHANGE": "1"})
        home = os.path.join(self.root, "home/craig")
        self.assertEqual(h.read_in_root(self.root, "/home/craig/.config/app/run.sh"), b"#!/bin/sh\necho run\n")
        run = h.resolve_in_root(self.root, "/home/craig/.config/app/run.sh")
        self.assertEqual(os.stat(run).st_mode & 0o777, 0o555, "executable = true")
        self.assertEqual(h.read_in_root(self.root, "/home/craig/.config/app/t.conf"), b"host testhost\n")
        self.assertEqual(h.read_in_root(self.root, "/home/craig/.config/app/s.ini"), b"[a]\nb=1\n")
        self.assertFalse(os.path.lexists(os.path.join(home, ".config/app/off")), "enable = false")
        with open(os.path.join(home, ".xdg-log")) as f:
            self.assertEqual(f.read(), "ran\n", "onChange ran")
        # `sysconf option` shows the generated home.file element with its block and element.
        r = h.run(self.tree, self.root, "t", "option", "home.file", "--user", "craig")
        self.assertEqual(r.returncode, 0, h.describe(r))
        self.assertRegex(r.stdout, r'modules/home/files\.toml:\d+:\d+, for file = "app/run\.sh"')
        r = h.run(self.tree, self.root, "t", "option", "xdg.configFile", "--user", "craig")
        self.assertEqual(r.returncode, 0, h.describe(r))
        self.assertIn("home/sub/apps.toml", r.stdout)

    def test_xdg_config_file_errors_point_at_its_definition(self):
        self.xdg_tree('xdg.configFile."app/run.sh".source = "files/missing.sh"\n')
        r = h.run(self.tree, self.root, "t", "build")
        self.assertEqual(r.returncode, 1, h.describe(r))
        self.assertIn("cannot read `home/sub/files/missing.sh`", r.stderr)
        self.assertIn("--> home/sub/apps.toml:2:29", r.stderr)
        self.xdg_tree('\nxdg.configFile."app/x" = { text = "a", source = "files/run.sh" }\n')
        r = h.run(self.tree, self.root, "t", "build")
        self.assertEqual(r.returncode, 1, h.describe(r))
        self.assertIn("`xdg.configFile.\"app/x\"` sets text and source", r.stderr)
        self.assertIn("--> home/sub/apps.toml:3:", r.stderr)
        self.xdg_tree('xdg.configFile."app/t.conf".template = "files/t.tmpl"\n')
        h.write(os.path.join(self.tree, "home", "sub", "files", "t.tmpl"), "a\nb {{ os.networking.hostNam }}\n")
        r = h.run(self.tree, self.root, "t", "build")
        self.assertEqual(r.returncode, 1, h.describe(r))
        self.assertIn("home/sub/files/t.tmpl:2:3", r.stderr)

    def test_same_file_as_home_file_and_xdg_config_file_conflicts(self):
        # As home-manager's "conflicting managed target files": both sites named.
        self.xdg_tree('xdg.configFile."both".text = "b\\n"\n', home_extra='home.file.".config/both".text = "a\\n"\n')
        r = h.run(self.tree, self.root, "t", "build")
        self.assertEqual(r.returncode, 1, h.describe(r))
        self.assertIn("`home.file.\".config/both\"` and `xdg.configFile.both` both define the file .config/both",
                      r.stderr)
        self.assertIn("--> home/sub/apps.toml:2:23", r.stderr)
        self.assertIn("note: `home.file.\".config/both\"` is defined here\n  --> home/default.toml:3:26", r.stderr)

    def test_mount_point_in_the_way_stops_before_anything_changes(self):
        """HAZARDS.md 9: a bind mount on a path the configuration manages."""
        if not shutil.which("unshare"):
            self.skipTest("unshare is not installed")
        os.makedirs(os.path.join(self.root, "etc"))
        mounted = os.path.join(self.root, "etc", "plain.txt")
        source = os.path.join(self.scratch, "bound")
        for path, text in ((mounted, "placeholder\n"), (source, "bound file\n")):
            with open(path, "w") as f:
                f.write(text)
        before = h.snapshot(self.root)
        cmd = " ".join(shlex.quote(a) for a in h.command(self.tree, self.root, "t", "switch"))
        script = f"mount --bind {shlex.quote(source)} {shlex.quote(mounted)} || exit 99; {cmd}"
        r = subprocess.run(["unshare", "--mount", "--propagation", "private", "sh", "-c", script],
                           capture_output=True, text=True, env=h.environment())
        if r.returncode == 99:
            self.skipTest("cannot bind-mount in a private mount namespace here: " + r.stderr.strip())
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn("/etc/plain.txt is a mount point; sysconf does not replace it", r.stderr)
        # Only the lock (and the directories it lives in) may appear.
        after = h.snapshot(self.root, exclude=("var",))
        self.assertEqual(before, after, "nothing changed")
        written = [os.path.relpath(os.path.join(d, f), self.root) for d, _, fs in os.walk(os.path.join(self.root, "var"))
                   for f in fs]
        self.assertEqual(written, ["var/lib/sysconf/lock"])



class ScratchSwitch(unittest.TestCase):
    def switched(self, host, home=None):
        """A tree of `host` (and `home`) switched into a fresh scratch root; returns the root."""
        scratch = tempfile.mkdtemp(prefix="sysconf-render-")
        self.addCleanup(shutil.rmtree, scratch, ignore_errors=True)
        tree = os.path.join(scratch, "tree")
        h.make_tree(tree, "t", host, home)
        root = h.make_root(scratch)
        r = h.run(tree, root, "t", "switch")
        self.assertEqual(r.returncode, 0, h.describe(r))
        return root


class TestStartAt(ScratchSwitch):
    """systemd.services.NAME.startAt (and systemd.user.services'), as NixOS:
    a timer of the same name, OnCalendar= for each event, wanted by
    timers.target, merging with the timer's own settings; written in the
    library as a [[for]] block."""

    def test_timers_from_start_at(self):
        root = self.switched("""
[config]
networking.hostName = "t"
users.users.craig = { isNormalUser = true }
home-manager.users.craig.modules = ["../../home/default.toml"]
systemd.services.backup = { script = "echo backup", startAt = "daily" }
systemd.services.report = { script = "echo report", startAt = ["Mon 02:00", "Fri 03:00"] }
systemd.timers.report.timerConfig.Persistent = true
systemd.services.plain = { script = "echo plain" }
""", """
[config]
systemd.user.services.sync = { script = "echo sync", startAt = "hourly" }
""")
        self.assertEqual(h.read_in_root(root, "/etc/systemd/system/backup.timer"),
                         b"[Timer]\nOnCalendar=daily\n\n[Install]\nWantedBy=timers.target\n")
        self.assertEqual(h.read_in_root(root, "/etc/systemd/system/report.timer"),
                         b"[Timer]\nOnCalendar=Mon 02:00\nOnCalendar=Fri 03:00\nPersistent=true\n\n"
                         b"[Install]\nWantedBy=timers.target\n")
        self.assertFalse(os.path.lexists(os.path.join(root, "etc/systemd/system/plain.timer")))
        self.assertEqual(sorted(os.listdir(os.path.join(root, "etc/systemd/system/timers.target.wants"))),
                         ["backup.timer", "report.timer"])
        self.assertEqual(h.read_in_root(root, "/home/craig/.config/systemd/user/sync.timer"),
                         b"[Timer]\nOnCalendar=hourly\n\n[Install]\nWantedBy=timers.target\n")
        self.assertTrue(os.path.lexists(os.path.join(root, "home/craig/.config/systemd/user/timers.target.wants/sync.timer")))


class TestAuthorizedKeys(ScratchSwitch):
    """users.users.NAME.openssh.authorizedKeys.keys, as NixOS: one file per
    user in /etc/ssh/authorized_keys.d, which the sshd drop-in names beside
    the user's own ~/.ssh/authorized_keys."""

    def test_keys_land_where_sshd_reads_them(self):
        root = self.switched("""
[config]
networking.hostName = "t"
services.openssh.enable = true
users.users.craig = { isNormalUser = true, openssh.authorizedKeys.keys = ["ssh-ed25519 AAAAC3Nza craig@laptop", "ssh-rsa AAAAB3Nza craig@old"] }
users.users.nokeys = { isNormalUser = true }
""")
        keys = os.path.join(root, "etc/ssh/authorized_keys.d/craig")
        with open(keys, "rb") as f:
            self.assertEqual(f.read(), b"ssh-ed25519 AAAAC3Nza craig@laptop\nssh-rsa AAAAB3Nza craig@old\n")
        st = os.lstat(keys)
        self.assertEqual((st.st_mode & 0o7777, st.st_uid), (0o444, 0), "a copy, readable by sshd, owned by root")
        self.assertEqual(os.listdir(os.path.dirname(keys)), ["craig"], "no file for a user without keys")
        self.assertIn(b"AuthorizedKeysFile .ssh/authorized_keys .ssh/authorized_keys2 /etc/ssh/authorized_keys.d/%u\n",
                      h.read_in_root(root, "/etc/ssh/sshd_config.d/sysconf.conf"))

if __name__ == "__main__":
    h.set_binary(os.environ.get("SYSCONF") or sys.argv.pop(1))
    unittest.main(verbosity=2)

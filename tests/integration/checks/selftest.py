"""Each checker on a deliberately broken input (and on a good one), so that a
checker that silently accepts everything fails its own test. Mixed into
test_vivobook.py's TestCheckers, which gives each test a scratch directory
(self.scratch)."""

import os
import shutil
import tomllib
import unittest

import sysconf_harness as h
from checks.common import STORE_DIR, Entry
from checks.files import (environment_d_problems, fontconfig_problems, ini_problems, modprobe_problems,
                          python_problems, shell_of, shell_problems, sysctl_problems, systemd_conf_problems)
from checks.formats import (data_format, fuzzel_problems, git_config_problems, ignored_file_problems, kitty_problems,
                            mako_problems, parse_data, ssh_config_problems, waybar_module_problems, waybar_problems)
from checks.kdl import kdl_problems
from checks.packages import package_problems
from checks.sysusers_tmpfiles import check_sysusers_tmpfiles
from checks.udev import known_accounts, udev_rules_problems
from checks.units import verify_system_units, verify_user_units


class CheckerTests:
    def test_unit_checker_rejects_broken_system_units(self):
        root = os.path.join(self.scratch, "root")
        units = os.path.join(root, "etc/systemd/system")
        store = os.path.join(root, h.STORE)
        os.makedirs(store)
        script = "00000000000000000000000000000000-good-start"
        h.write(os.path.join(store, script), "#!/bin/sh\n", 0o555)
        h.write(os.path.join(units, "good.service"),
                "[Unit]\nDescription=Good\nRequires=not-installed-here.service\n\n[Service]\n"
                f"ExecStart={STORE_DIR}/{script}\nExecReload=/usr/bin/not-installed-here --reload\n\n"
                "[Install]\nWantedBy=multi-user.target\n")
        h.write(os.path.join(units, "good.timer"), "[Timer]\nOnCalendar=daily\n")
        h.write(os.path.join(units, "bad-key.service"),
                "[Unit]\nDescription=Bad\nFrobnicate=yes\n\n[Service]\nExecStart=/usr/bin/true\nRestart=sometimes\n")
        h.write(os.path.join(units, "bad-section.service"), "[Servce]\nExecStart=/usr/bin/true\n")
        h.write(os.path.join(units, "missing-script.service"),
                f"[Service]\nExecStart={STORE_DIR}/11111111111111111111111111111111-gone\n")
        h.write(os.path.join(units, "package-only.service.d/overrides.conf"), "[Service]\nNoSuchSetting=1\n")
        h.write(os.path.join(units, "package-ok.service.d/overrides.conf"), "[Service]\nNice=5\n")
        os.makedirs(os.path.join(units, "multi-user.target.wants"))
        os.symlink("../good.service", os.path.join(units, "multi-user.target.wants/good.service"))
        os.symlink("/usr/lib/systemd/system/not-here.service", os.path.join(units, "multi-user.target.wants/not-here.service"))
        os.symlink("../absent.service", os.path.join(units, "multi-user.target.wants/absent.service"))
        os.symlink("good.timer", os.path.join(units, "alias.service"))
        report = verify_system_units(root, self.scratch)
        text = "\n".join(report.problems)
        self.assertIn("bad-key.service:3: Unknown key 'Frobnicate'", text)
        self.assertIn("bad-key.service:7: Failed to parse service restart specifier", text)
        self.assertIn("Unknown section 'Servce'", text)
        self.assertIn("11111111111111111111111111111111-gone is not executable", text)
        self.assertIn("package-only.service.d/overrides.conf:2: Unknown key 'NoSuchSetting'", text)
        self.assertIn("multi-user.target.wants/absent.service -> ../absent.service: no such unit", text)
        self.assertIn("alias.service: alias of good.timer, a unit of another type", text)
        self.assertNotIn("good.service", text.replace("multi-user.target.wants/good.service", ""))
        self.assertNotIn("package-ok", text)
        self.assertIn("good.service", report.verified)
        self.assertTrue(any("not-installed-here.service" in n for n in report.notes), report.notes)
        self.assertTrue(any("/usr/bin/not-installed-here" in n for n in report.notes), report.notes)

    def test_unit_checker_rejects_broken_user_units(self):
        root = os.path.join(self.scratch, "root")
        home = os.path.join(self.scratch, "home")
        units = os.path.join(home, ".config/systemd/user")
        script = "00000000000000000000000000000000-bar-start"
        h.write(os.path.join(root, h.STORE, script), "#!/bin/sh\n", 0o555)
        h.write(os.path.join(units, "bar.service"),
                "[Unit]\nDescription=Bar\nPartOf=graphical-session.target\nRequires=not-installed-here.service\n\n"
                f"[Service]\nExecStart=/usr/bin/not-installed-here\nExecStartPost={STORE_DIR}/{script}\n\n"
                "[Install]\nWantedBy=graphical-session.target\n")
        h.write(os.path.join(units, "broken.service"), "[Service]\nExecStart=/usr/bin/true\nTypo=1\n")
        h.write(os.path.join(units, "gone.service"),
                f"[Service]\nExecStart={STORE_DIR}/11111111111111111111111111111111-gone\n")
        h.write(os.path.join(units, "pkg.service.d/overrides.conf"), "[Sevice]\nNice=1\n")
        h.write(os.path.join(home, "bin/ok.sh"), "#!/bin/sh\n", 0o755)
        h.write(os.path.join(units, "home-script.service"),
                "[Service]\nExecStart=/home/craig/bin/ok.sh\nExecStop=/home/craig/bin/missing.sh\n")
        report = verify_user_units(home, root, self.scratch, "/home/craig")
        text = "\n".join(report.problems)
        self.assertIn("broken.service:3: Unknown key 'Typo'", text)
        self.assertIn("11111111111111111111111111111111-gone is missing", text)
        self.assertIn("Unknown section 'Sevice'", text)
        self.assertIn("home-script.service: /home/craig/bin/missing.sh is not an executable file of the home", text)
        self.assertNotIn("ok.sh", text)
        self.assertNotIn("bar.service", text)
        self.assertIn("bar.service", report.verified)

    def test_sysusers_tmpfiles_checker(self):
        good = check_sysusers_tmpfiles({"a.conf": b"u craig 1000 \"Craig\" /home/craig /bin/bash\nm craig video\n"},
                                       {"a.conf": b"d /home/craig 0700 craig craig -\n"}, self.scratch)
        self.assertEqual(good, [])
        bad = check_sysusers_tmpfiles({"a.conf": b"u craig 10x0 \"Craig\"\nq nothing\n"},
                                      {"a.conf": b"d /home/x 07z0 nosuchuser root -\n"}, self.scratch)
        text = "\n".join(bad)
        self.assertIn("Failed to parse UID", text)
        self.assertIn("Unknown command type 'q'", text)
        self.assertIn("a.conf:1", text.split("systemd-tmpfiles", 1)[1])

    def test_format_checkers(self):
        self.assertEqual(data_format("~craig/.config/waybar/config"), "json")
        self.assertEqual(parse_data("json", '[{"a": 1} // c\n, /* x */ {"b": "//"}]'), [{"a": 1}, {"b": "//"}])
        with self.assertRaises(ValueError):
            parse_data("json", "{\"a\": 1,}")
        with self.assertRaises(Exception):
            parse_data("yaml", "a: [1, 2\nb: 3\n")
        with self.assertRaises(tomllib.TOMLDecodeError):
            parse_data("toml", "a = \n")
        self.assertEqual(waybar_problems([{"modules-left": ["clock"]}]), [])
        self.assertTrue(waybar_problems({"modules-left": ["clock"]}))
        self.assertTrue(waybar_problems([{"modules-right": "clock"}]))
        self.assertEqual(len(ignored_file_problems(["/etc/xdg/xdg-desktop-portal/niri-portals.conf",
                                                    "~u/.config/xdg-desktop-portal/portals.conf", "/etc/motd"])), 2)
        self.assertEqual(waybar_module_problems([{"modules-left": ["niri/workspaces", "clock#2", "custom/x"]}], None),
                         ["bar 0 modules-left: niri/workspaces: Debian 12's waybar 0.9.17 has no such module (added in "
                          "Waybar 0.11.0); it logs \"Unknown module: niri/workspaces\" and leaves it out"])

    def test_udev_checker(self):
        good = ('# comment\nACTION=="add", SUBSYSTEM=="backlight", RUN+="/bin/chgrp video /sys/class/backlight/%k/brightness"\n'
                'SUBSYSTEM=="power_supply", ATTR{type}=="Battery", \\\n  ATTR{charge_control_end_threshold}="80"\n'
                'KERNEL=="uinput", GROUP="input", MODE="0660", OPTIONS+="static_node=uinput"\n'
                'ACTION!="add", GOTO="end"\nIMPORT{builtin}="hwdb --subsystem=usb"\nLABEL="end"\n')
        self.assertEqual(udev_rules_problems(good, "99-good.rules", {"input", "video"}, {"root"}), [])
        bad = ('ACTION="add", SUBSYSTEM=="x"\nSUBSYSTEM=="x", FROB="1"\nKERNEL=="x" MODE=0660\n'
               'ATTR{x}+="1"\nKERNEL=="x", GROUP="nosuchgroup"\nGOTO="nowhere"\nRUN{builtin}+="nosuch"\n'
               'KERNEL=="x", RUN+="/bin/echo %z"\nKERNEL=="x", OPTIONS+="bogus"\nKERNEL=="x\n')
        problems = udev_rules_problems(bad, "bad.rules", {"video"}, {"root"})
        for needle in ("bad.rules:1: invalid operator '=' for ACTION", "bad.rules:2: invalid key 'FROB'",
                       "bad.rules:3: MODE: the value must be in double quotes", "bad.rules:4: ATTR does not take '+='",
                       "bad.rules:5: unknown group \"nosuchgroup\"", "bad.rules:6: GOTO=\"nowhere\" has no matching LABEL",
                       "bad.rules:7: unknown builtin command 'nosuch'", "bad.rules:8: RUN=\"/bin/echo %z\"",
                       "bad.rules:9: invalid value for OPTIONS", "bad.rules:10: KERNEL: unterminated value"):
            self.assertTrue(any(p.startswith(needle) for p in problems), f"{needle!r} not in {problems}")
        self.assertEqual(len(problems), 10, problems)

    def test_udev_checker_accepts_this_machines_rules(self):
        """The checker against real rules files shipped by Debian's packages,
        so that it does not reject valid syntax."""
        users, groups = known_accounts()
        files = [os.path.join(d, f) for d in ("/usr/lib/udev/rules.d", "/lib/udev/rules.d")
                 if os.path.isdir(d) for f in sorted(os.listdir(d)) if f.endswith(".rules")]
        if not files:
            self.skipTest("this machine has no udev rules files to compare with")
        problems = []
        for path in files:
            with open(path, encoding="utf-8", errors="replace") as f:
                problems += udev_rules_problems(f.read(), path, groups, users)
        self.assertEqual(problems, [])

    def test_kdl_checker(self):
        good = ('// niri\ninput {\n    keyboard { xkb { layout "gb"; }; }\n    touchpad { tap; natural-scroll; }\n}\n'
                'output "eDP-1" { scale 1.25; position x=0 y=0; }\n/-spawn-at-startup "waybar"\n'
                'binds {\n    Mod+Return { spawn "kitty"; }\n    Mod+Shift+E { quit skip-confirmation=true; }\n'
                '    XF86AudioRaiseVolume allow-when-locked=true { spawn "wpctl" "set-volume" "@DEFAULT_AUDIO_SINK@" "0.05+"; }\n}\n'
                'layout { gaps 8; default-column-width { proportion 0.5; }; focus-ring { width 2; active-color "#7fc8ff"; } }\n'
                'window-rule { match app-id=r#"^kitty$"#; opacity 0.95; }\n/* block /* nested */ */\nprefer-no-csd\n')
        self.assertEqual(kdl_problems(good, "config.kdl"), [])
        for bad, needle in (('input {\n  keyboard {\n}\n', "config.kdl:1: { is never closed"),
                            ('spawn "kitty\n', "unterminated string"),
                            ('}\n', "} without {"),
                            ('layout { gaps 8 }\n}\n', "} without {"),
                            ('binds { Mod+T { spawn "a\\q"; } }\n', "invalid escape"),
                            ('12 foo\n', "a node name cannot be a number")):
            with self.subTest(bad=bad):
                problems = kdl_problems(bad, "config.kdl")
                self.assertTrue(problems and needle in problems[0], problems)

    def test_other_file_checkers(self):
        good_sh = Entry("/etc/x.sh", "file", data=b"#!/bin/sh\nif true; then echo ok; fi\n")
        bad_sh = Entry("~u/.config/niri/scripts/bad", "file", data=b"#!/bin/bash\nif true; then echo\n")
        self.assertEqual(shell_problems([good_sh]), [])
        self.assertTrue(shell_problems([bad_sh])[0].startswith("~u/.config/niri/scripts/bad (bash -n)"))
        self.assertEqual(shell_of(Entry("/etc/default/grub.d/x.cfg", "file", data=b"A=1\n")), "dash")
        self.assertIsNone(shell_of(Entry("/etc/motd", "file", data=b"hello\n")))
        # A home's startup files have no #! line: known by their names.
        bad_rc = Entry("~u/.bashrc", "file", data=b"alias ll='ls -l\n")
        self.assertTrue(shell_problems([bad_rc])[0].startswith("~u/.bashrc (bash -n)"))
        self.assertTrue(shell_problems([Entry("~u/.profile", "file", data=b"[[ -f x ]] && { echo\n")])[0]
                        .startswith("~u/.profile (dash -n)"))
        self.assertEqual(python_problems([Entry("/x.py", "file", data=b"print(1)\n")]), [])
        self.assertEqual(python_problems([Entry("/x", "file", data=b"#!/usr/bin/env python3\nif x\n")]),
                         ["/x:2: expected ':'"])
        logind = systemd_conf_problems("/etc/systemd/logind.conf.d/x.conf",
                                       "[Login]\nHandleLidSwitch=suspend\nHandleLidSwich=ignore\n[Logn]\nA=1\n")
        if logind is not None:
            self.assertEqual(len(logind), 2, logind)
            self.assertIn("HandleLidSwich is not a setting of [Login]", logind[0])
        self.assertEqual(ini_problems(Entry("/etc/bluetooth/main.conf", "file", data=b"[General]\nA=1\n")), [])
        self.assertTrue(ini_problems(Entry("/etc/bluetooth/main.conf", "file", data=b"[General]\nA=1\nA=2\n")))
        self.assertTrue(ini_problems(Entry("/etc/bluetooth/main.conf", "file", data=b"A=1\n[General]\n")))
        p, _ = sysctl_problems(Entry("/etc/sysctl.d/x.conf", "file", data=b"vm.swappiness = 10\n-kernel.x=1\nbogus\nvm.a=\n"))
        self.assertEqual(len(p), 2, p)
        home = os.path.join(self.scratch, "envhome")
        env = Entry("~u/.config/environment.d/60.conf", "file", data=b"EDITOR=nvim\nQT=\"a;b\"\nBAD LINE\n")
        h.write(os.path.join(home, ".config/environment.d/60.conf"), env.text())
        if os.access("/usr/lib/systemd/user-environment-generators/30-systemd-environment-d-generator", os.X_OK):
            self.assertEqual(environment_d_problems(home, [env]), ["~u/.config/environment.d/60.conf:3: not KEY=VALUE: 'BAD LINE'"])
        if shutil.which("modprobe"):
            self.assertEqual(modprobe_problems({"a.conf": b"options snd_hda_intel power_save=1\nblacklist pcspkr\n"},
                                               self.scratch), [])
            bad = modprobe_problems({"a.conf": b"blacklist pcspkr\nfrobnicate x\n"}, self.scratch)
            self.assertTrue(any("/etc/modprobe.d/a.conf line 2" in l and "frobnicate" in l for l in bad), bad)
        if shutil.which("fc-match"):
            good = (b'<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">\n<fontconfig>\n'
                    b'<match target="font"><edit name="antialias" mode="assign"><bool>true</bool></edit></match>\n'
                    b'<alias binding="same"><family>monospace</family><prefer><family>JetBrains Mono</family></prefer></alias>\n'
                    b'</fontconfig>\n')
            self.assertEqual(fontconfig_problems({"/etc/fonts/local.conf": good}, self.scratch), [])
            bad = fontconfig_problems({"/etc/fonts/local.conf": good.replace(b"<bool>true</bool>", b"<const>nonex</const><bogus/>")},
                                      self.scratch)
            self.assertTrue(any("/etc/fonts/local.conf" in l and "nonex" in l for l in bad), bad)
            self.assertTrue(any("bogus" in l for l in bad), bad)

    def test_package_checker(self):
        try:
            problems, notes = package_problems(["curl", "no-such-package-sysconf", "niri"])
        except unittest.SkipTest as skip:
            self.skipTest(str(skip))
        self.assertEqual(problems, ["no-such-package-sysconf: no such package in this machine's Debian 12 apt index"])
        self.assertTrue(any(n.startswith("niri:") for n in notes), notes)

    def test_program_checkers(self):
        home = os.path.join(self.scratch, "home")
        cases = (
            ("git", git_config_problems, ".config/git/config",
             '[user]\n\tname = "A \\"B\\""\n[remote "origin"]\n\turl = "x"\n',
             '[user]\n\tname = "unterminated\n', ("bad config line 2",)),
            ("ssh", ssh_config_problems, ".ssh/config",
             "Host gh\n  HostName github.com\n  User git\nHost *\n  ServerAliveInterval 60\n",
             "Host gh\n  Frobnicate yes\n", ("Bad configuration option: frobnicate",)),
            ("kitty", kitty_problems, ".config/kitty/kitty.conf",
             "font_size 11.0\nbackground_opacity 0.9\nmap ctrl+shift+t new_tab\ninclude theme.conf\n",
             "font_size abc\nfrobnicate yes\ninclude missing.conf\n",
             ("'font_size abc'", "unknown config key: frobnicate", "missing.conf")),
            ("fuzzel", fuzzel_problems, ".config/fuzzel/fuzzel.ini",
             "[main]\nfont=monospace:size=11\nterminal=kitty\nlines=10\n[colors]\nbackground=282828ff\n",
             "[main]\nfont=monospace:size=11\nbogus=1\n", ("[main].bogus",)),
            ("mako", mako_problems, ".config/mako/config",
             "font=monospace 10\nbackground-color=#282828\ndefault-timeout=5000\n[urgency=high]\nborder-color=#ff0000\n",
             "font=monospace 10\nbogus-option=1\n", ("Failed to parse option 'bogus-option'",)),
        )
        h.write(os.path.join(home, ".config/kitty/theme.conf"), "foreground #ffffff\n")
        for tool, checker, rel, good, bad, needles in cases:
            with self.subTest(tool=tool):
                if not shutil.which(tool):
                    self.skipTest(f"{tool} is not installed (scripts/install-deps.sh installs it)")
                path = os.path.join(home, rel)
                h.write(path, good)
                self.assertEqual(checker(path, home, self.scratch), [])
                h.write(path, bad)
                problems = "\n".join(checker(path, home, self.scratch))
                for needle in needles:
                    self.assertIn(needle, problems)


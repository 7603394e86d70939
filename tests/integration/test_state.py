#!/usr/bin/env python3
"""sysconf's own state (issue 13, items 5-7): the records in /var/lib/sysconf
are never read as empty when damaged, `sysconf repair` sets them aside and
rebuilds what it can, gc deletes nothing while a kept generation cannot be
read, and backups survive a crash at every step and any byte in a name.

    python3 test_state.py SYSCONF_BINARY [unittest options]

Every test switches its own scratch root (--root); never `/`.
"""

import json
import os
import shutil
import sys
import tempfile
import unittest

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sysconf_harness as h  # noqa: E402

HOST = "testhost"
USER = "craig"
EXIT_DAMAGED = 6

HEAD = f"""\
[config]
networking.hostName = "alpha"
users.users.{USER} = {{ isNormalUser = true, description = "Craig" }}
home-manager.users.{USER}.modules = ["../../home/default.toml"]
environment.etc."base.conf".text = "base\\n"
"""
HOME_HEAD = '[config]\nhome.file.".bashrc".text = "# bashrc\\n"\n'

# Generation 1 manages neither path; generation 2 manages both, which hold
# the administrator's and the user's own files: each is moved aside.
GEN1 = (HEAD, HOME_HEAD)
GEN2 = (HEAD + 'environment.etc."motd".text = "managed motd\\n"\n',
        HOME_HEAD + 'home.file."my notes.txt".text = "managed notes\\n"\n')

# Damage of each kind, for each record: bytes that are not JSON, JSON of the
# wrong shape, and a directory where the file goes.
DAMAGE = {
    "journal.json": ['{"from": null, "to": "x", "profileNumb', '{"from": null, "to": 5, "profileNumber": 1, "phase": "etc"}'],
    "packages.json": ["\x00\x01garbage", '{"installedBySysconf": ["-o APT::Get::Assume-Yes=1"]}'],
    "backups.json": ["", '{"/etc/motd": 3}', '{"/etc/motd": "../../shadow"}'],
    "hooks.json": ["[", '{"lastSuccess": []}'],
}


class StateTestCase(unittest.TestCase):
    maxDiff = None

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="sysconf-state-")
        os.chmod(self.tmp, 0o755)
        self.addCleanup(shutil.rmtree, self.tmp, ignore_errors=True)
        self.tree = os.path.join(self.tmp, "tree")
        self.root = os.path.join(self.tmp, "root")
        os.mkdir(self.root)
        os.chmod(self.root, 0o755)

    def use(self, gen):
        host, home = gen
        if not os.path.exists(os.path.join(self.tree, "sysconf.toml")):
            h.make_tree(self.tree, HOST, host, home)
        else:
            h.set_host_module(self.tree, HOST, host)
            h.set_home_module(self.tree, home)

    def sc(self, *args, expect=None, env=None):
        r = h.run(self.tree, self.root, HOST, *args, env=env)
        if expect is not None:
            self.assertEqual(r.returncode, expect, "exit code" + h.describe(r))
        return r

    def snapshot(self):
        # The lock's content is the last holder's pid.
        return h.snapshot(self.root, exclude=(h.STATE + "/lock",))

    def state(self, name):
        return os.path.join(self.root, h.STATE, name)

    def backups(self):
        with open(self.state("backups.json")) as f:
            return json.load(f)

    def home(self, rel=""):
        return os.path.join(self.root, "home", USER, rel)

    def put_own_files(self):
        """The administrator's /etc/motd and the user's ~/my notes.txt, in
        generation 2's way; returns their snapshot entries."""
        h.write(os.path.join(self.root, "etc/motd"), "the admin's motd\n", 0o600)
        os.chown(os.path.join(self.root, "etc/motd"), 123, 45)
        uid, gid = h.passwd_ids(self.root, USER)
        h.write(self.home("my notes.txt"), "the user's notes\n", 0o640)
        os.chown(self.home("my notes.txt"), uid, gid)
        return {"etc": h.entry(os.path.join(self.root, "etc/motd")), "home": h.entry(self.home("my notes.txt"))}

    def assert_own_files_back(self, own, r):
        self.assertEqual(h.entry(os.path.join(self.root, "etc/motd")), own["etc"], "/etc/motd put back" + h.describe(r))
        self.assertEqual(h.entry(self.home("my notes.txt")), own["home"], "~/my notes.txt put back" + h.describe(r))
        leftovers = [n for n in os.listdir(os.path.join(self.root, "etc")) + os.listdir(self.home())
                     if "sysconf-backup" in n]
        self.assertEqual(leftovers, [], "no backup or swapped-out link is left behind")
        self.assertEqual(self.backups(), {}, "the record forgets what was put back")

    def on_2_with_own_files_aside(self):
        """Generation 1, the user's own files put in place, then generation 2,
        which moves them aside; returns their snapshot entries."""
        self.use(GEN1)
        self.sc("switch", expect=0)
        own = self.put_own_files()
        self.use(GEN2)
        self.sc("switch", expect=0)
        self.assert_moved_aside(own)
        return own

    def assert_moved_aside(self, own):
        self.assertEqual(h.entry(os.path.join(self.root, "etc/motd.sysconf-backup")), own["etc"])
        self.assertEqual(h.entry(self.home("my notes.txt.sysconf-backup")), own["home"])
        self.assertEqual(self.backups(), {"/etc/motd": "motd.sysconf-backup",
                                          f"~{USER}/my notes.txt": "my notes.txt.sysconf-backup"})
        self.assertEqual(h.read_in_root(self.root, "/etc/motd"), b"managed motd\n")
        self.assertEqual(h.read_in_root(self.root, f"/home/{USER}/my notes.txt"), b"managed notes\n")


class TestDamagedRecords(StateTestCase):
    """Item 6: a damaged record stops every command that would change the
    machine, changes nothing, names the file and what is wrong, and points at
    `sysconf repair`, which keeps the damaged file aside."""

    def test_each_damage_stops_and_repair_recovers(self):
        self.use(GEN1)
        self.sc("switch", expect=0)
        self.use(GEN2)
        self.sc("switch", expect=0)
        for name, damages in DAMAGE.items():
            for damage in damages + [None]:
                with self.subTest(record=name, damage=damage):
                    path = self.state(name)
                    saved = None
                    if os.path.exists(path):
                        with open(path, "rb") as f:
                            saved = f.read()
                        os.unlink(path)
                    if damage is None:
                        os.mkdir(path)
                    else:
                        with open(path, "w") as f:
                            f.write(damage)
                    before = self.snapshot()
                    for args in (("switch",), ("switch", "--dry-run"), ("rollback",), ("rollback", "--dry-run"),
                                 ("gc", "--keep", "1")):
                        r = self.sc(*args)
                        self.assertEqual(r.returncode, EXIT_DAMAGED, " ".join(args) + h.describe(r))
                        self.assertIn(f"/var/lib/sysconf/{name} is damaged", r.stderr, " ".join(args))
                        self.assertIn("nothing was changed", r.stderr)
                        self.assertIn("sysconf repair", r.stderr)
                        self.assertSnapshotsEqual(before, self.snapshot(), " ".join(args) + " changed the root")
                    r = self.sc("repair", "--dry-run", expect=0)
                    self.assertIn(f"{name}: damaged; would keep", r.stdout)
                    self.assertSnapshotsEqual(before, self.snapshot(), "repair --dry-run changed the root")
                    r = self.sc("repair", expect=0)
                    self.assertIn(f"/var/lib/sysconf/{name}: damaged; kept as {name}.damaged", r.stdout)
                    aside = self.state(name + ".damaged")
                    if damage is None:
                        self.assertTrue(os.path.isdir(aside))
                        os.rmdir(aside)
                    else:
                        with open(aside) as f:
                            self.assertEqual(f.read(), damage, "the damaged file is kept as it was")
                        os.unlink(aside)
                    r = self.sc("repair", expect=0)
                    self.assertIn("nothing to repair", r.stdout)
                    # Back to the sound record for the next damage.
                    if saved is not None:
                        with open(path, "wb") as f:
                            f.write(saved)
                    elif os.path.exists(path):
                        os.unlink(path)
                    self.sc("switch", expect=0)

    def assertSnapshotsEqual(self, a, b, msg):
        d = h.diff_snapshots(a, b)
        if d:
            self.fail(f"{msg}\n{d}")

    def test_repair_finds_the_backups_again(self):
        """backups.json damaged: repair records the backups it finds beside
        the managed files, so that a later generation still puts them back."""
        own = self.on_2_with_own_files_aside()
        with open(self.state("backups.json"), "w") as f:
            f.write("{ not json")
        r = self.sc("repair", expect=0)
        self.assertIn("2 backups found beside the managed files", r.stdout)
        self.assertEqual(self.backups(), {"/etc/motd": "motd.sysconf-backup",
                                          f"~{USER}/my notes.txt": "my notes.txt.sysconf-backup"})
        r = self.sc("rollback", expect=0)
        self.assert_own_files_back(own, r)

    def test_repair_of_packages_forgets_them(self):
        self.use(GEN1)
        self.sc("switch", expect=0)
        with open(self.state("packages.json"), "w") as f:
            f.write('{"installedBySysconf": "vim"}')
        r = self.sc("repair", expect=0)
        self.assertIn("no longer knows which packages it installed", r.stdout)
        with open(self.state("packages.json")) as f:
            self.assertEqual(json.load(f), {"installedBySysconf": []})

    def test_damaged_journal_is_not_an_absent_one(self):
        """The journal of an interrupted switch, damaged: the next switch must
        not act as if nothing were interrupted."""
        self.use(GEN1)
        self.sc("switch", expect=0)
        self.use(GEN2)
        r = self.sc("switch", env={"SYSCONF_TEST_CRASH_AT": "phase:etc"})
        self.assertIn(r.returncode, (-9, 137), h.describe(r))
        with open(self.state("journal.json"), "r+") as f:
            text = f.read()
            f.seek(0)
            f.truncate()
            f.write(text[: len(text) // 2])
        r = self.sc("switch", expect=EXIT_DAMAGED)
        self.assertIn("journal.json is damaged: it is not JSON", r.stderr)
        r = self.sc("repair", expect=0)
        self.assertIn("the interrupted activation it recorded is forgotten", r.stdout)
        self.sc("switch", expect=0)
        self.assertEqual(h.read_in_root(self.root, "/etc/motd"), b"managed motd\n")


class TestGc(StateTestCase):
    """Item 5: gc reads every generation it keeps completely before it
    deletes anything."""

    def three_generations(self):
        for n in (1, 2, 3):
            self.use((HEAD + f'environment.etc."v".text = "v{n}\\n"\n', HOME_HEAD + f'home.file."h".text = "h{n}\\n"\n'))
            self.sc("switch", expect=0)
        return {g["number"]: g for g in h.generations(self.tree, self.root, HOST)}

    def object_of(self, number, profile="system"):
        link = os.readlink(os.path.join(self.root, h.PROFILES, f"{profile}-{number}-link"))
        return os.path.join(self.root, h.PROFILES, link)

    def test_unreadable_kept_generation_stops_gc(self):
        self.three_generations()
        manifest = os.path.join(self.object_of(2), "manifest.json")
        home_gen = os.path.join(self.root, h.STORE, h.current_manifest(self.root)["homes"][0]["generation"])
        damages = [
            ("a kept generation's manifest is not JSON", manifest, lambda: h.write(manifest, "{", 0o444),
             "generation 2 of system cannot be read completely"),
            ("a kept generation's manifest names a file without its object", manifest,
             lambda: h.write(manifest, '{"files": [{"path": "/etc/v", "object": 7}]}', 0o444),
             "generation 2 of system cannot be read completely"),
            ("the current generation's home generation is gone", home_gen,
             lambda: os.rename(home_gen, home_gen + ".away"), "cannot be read completely"),
        ]
        for what, path, damage, message in damages:
            with self.subTest(what):
                parent = os.path.dirname(path)
                mode = os.stat(parent).st_mode & 0o7777
                os.chmod(parent, 0o755)
                saved = path + ".saved"
                shutil.copytree(path, saved) if os.path.isdir(path) else shutil.copy2(path, saved)
                if os.path.exists(path) and not os.path.isdir(path):
                    os.chmod(path, 0o644)
                damage()
                before = self.snapshot()
                r = self.sc("gc", "--keep", "2", expect=1)
                self.assertIn(message, r.stderr)
                self.assertIn("gc removed nothing", r.stderr)
                self.assertEqual(before, self.snapshot(), "gc changed the root")
                if os.path.isdir(path + ".away"):
                    shutil.rmtree(path + ".away")
                if os.path.isdir(path):
                    shutil.rmtree(path)
                elif os.path.exists(path):
                    os.unlink(path)
                os.rename(saved, path)
                os.chmod(parent, mode)
        r = self.sc("gc", "--keep", "2", expect=0)
        self.assertIn("removing generation 1 of system", r.stdout)

    def test_profile_without_its_current_link_is_kept(self):
        """A home profile whose own link is gone still has numbered links:
        what they point to stays, even when no system generation names it
        any more (system-1-link removed by hand)."""
        self.three_generations()
        os.unlink(os.path.join(self.root, h.PROFILES, "home-" + USER))
        os.unlink(os.path.join(self.root, h.PROFILES, "system-1-link"))
        kept = self.object_of(1, "home-" + USER)
        self.sc("gc", expect=0)
        self.assertTrue(os.path.isdir(kept), "the home generation a numbered link names was swept")


class TestBackups(StateTestCase):
    """Item 7: backups of files with any name, recorded before they are made,
    put back by an atomic exchange; a crash at each step loses nothing."""

    def test_names_with_spaces_and_newlines(self):
        odd = "odd\nname with space"
        self.use(GEN1)
        self.sc("switch", expect=0)
        uid, gid = h.passwd_ids(self.root, USER)
        h.write(self.home(odd), "the user's odd file\n", 0o600)
        os.chown(self.home(odd), uid, gid)
        own = h.entry(self.home(odd))
        self.use((GEN1[0], HOME_HEAD + 'home.file."odd\\nname with space".text = "managed\\n"\n'))
        r = self.sc("switch", expect=0)
        self.assertEqual(self.backups(), {f"~{USER}/{odd}": odd + ".sysconf-backup"}, h.describe(r))
        self.assertEqual(h.entry(self.home(odd + ".sysconf-backup")), own)
        self.use(GEN1)
        r = self.sc("switch", expect=0)
        self.assertIn(f"~{USER}/{odd}: put back from {odd}.sysconf-backup", r.stdout)
        self.assertEqual(h.entry(self.home(odd)), own, h.describe(r))
        self.assertEqual(self.backups(), {})

    def switch_to_2_crashing_at(self, point):
        self.use(GEN1)
        self.sc("switch", expect=0)
        own = self.put_own_files()
        self.use(GEN2)
        r = self.sc("switch", env={"SYSCONF_TEST_CRASH_AT": point})
        self.assertIn(r.returncode, (-9, 137), point + h.describe(r))
        return own

    def test_crash_after_recording_a_backup(self):
        for point, key, path in (("backup:recorded", "/etc/motd", "etc/motd"),
                                 ("home-backup-recorded", f"~{USER}/my notes.txt", f"home/{USER}/my notes.txt")):
            for then in ("switch", "rollback"):
                with self.subTest(point=point, then=then):
                    self.tearDown_root()
                    own = self.switch_to_2_crashing_at(point)
                    # Recorded, not yet made: the file is still in its place.
                    self.assertIn(key, self.backups())
                    self.assertFalse(os.path.lexists(os.path.join(self.root, path + ".sysconf-backup")))
                    r = self.sc(then, expect=0)
                    if then == "switch":
                        # Finished: the name recorded is the one used, not a .1.
                        self.assert_moved_aside(own)
                        r = self.sc("rollback", expect=0)
                    self.assert_own_files_back(own, r)

    def test_crash_after_the_exchange_of_a_put_back(self):
        for point in ("restore:exchanged", "home-restore-exchanged"):
            with self.subTest(point=point):
                self.tearDown_root()
                own = self.on_2_with_own_files_aside()
                # Back to generation 1's configuration, killed between the
                # exchange and the removal of sysconf's entry.
                self.use(GEN1)
                r = self.sc("switch", env={"SYSCONF_TEST_CRASH_AT": point})
                self.assertIn(r.returncode, (-9, 137), point + h.describe(r))
                r = self.sc("switch", expect=0)
                self.assert_own_files_back(own, r)

    def tearDown_root(self):
        """A fresh root and tree for the next subtest."""
        shutil.rmtree(self.root, ignore_errors=True)
        shutil.rmtree(self.tree, ignore_errors=True)
        os.mkdir(self.root)
        os.chmod(self.root, 0o755)


if __name__ == "__main__":
    args = sys.argv[1:]
    h.set_binary_from_args(args, __doc__)
    unittest.main(argv=sys.argv[:1] + args, verbosity=2)

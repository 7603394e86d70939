"""A booted Debian 12 machine for the real-machine tests (issue 11): a root
filesystem made by mmdebstrap, booted with `systemd-nspawn --boot` so that
PID 1 is systemd, and driven from outside with nsenter.

    rootfs = Rootfs(cache_dir, packages_to_cache)
    with BootedMachine(rootfs.ensure(), scratch) as m:
        m.run("sysconf switch")          # as root, with sudo's PATH, inside
        m.read("/etc/hostname")          # a file, through /proc/PID1/root

The root filesystem (`Rootfs`) is built once per recipe and cached in
`.cache/machine/rootfs-<hash of the recipe>`: the base system, the
libraries sysconf links with, and in its apt cache (`--skip=cleanup/apt`)
every package the tested configurations ask for, downloaded beforehand,
because the container has no network. apt then installs from the cache.

A machine (`BootedMachine`) never writes to the cached tree: the tree is the
lower layer of an overlay whose upper layer lives in the machine's scratch
directory, mounted in a private mount namespace (with a tmpfs on /run, so
that nspawn writes nothing to the host's /run). The launcher is moved into
sub-cgroups `sysconf-machine-<random>` of our own cgroup (in the cgroup2
hierarchy and, on a hybrid layout, also in name=systemd, as systemd 252
needs) and nspawn runs with `--register=no --keep-unit --private-network`,
so nothing is registered with, or reachable from, the host. `poweroff()`
halts the container and `boot()` starts it again on the same upper layer:
a reboot, with a fresh /run. `destroy()` kills by PID whatever is left in
the sub-cgroups, removes them and the scratch directory.

When the machine cannot run nspawn (no mmdebstrap or systemd-nspawn, not
root, no writable cgroup hierarchy), `BootedMachine` raises
unittest.SkipTest with one line that says why: never a silent pass.
"""

import hashlib
import os
import secrets
import shutil
import signal
import subprocess
import tempfile
import time
import unittest

from systemd_fixture import cgroup_hierarchies, into_cgroups_and_die_with_us, kill_cgroup_processes, _cgroup_dirs

SUITE = "bookworm"
MIRROR = "http://deb.debian.org/debian"
COMPONENTS = "main,non-free-firmware"

# Installed in the base system: systemd as PID 1, a system and a user bus,
# sudo (the tests drive sysconf as `sudo` would), and the run-time libraries
# of the sysconf binary (Debian 12's, as on a real machine).
BASE_PACKAGES = [
    "systemd", "systemd-sysv", "dbus", "dbus-user-session", "libpam-systemd", "sudo", "procps",
    "libfmt9", "libspdlog1.10", "libtomlplusplus3", "libssl3", "libsystemd0",
]

# What sudo sets: the PATH of every command run inside.
SUDO_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

def _require(condition, reason):
    if not condition:
        raise unittest.SkipTest(f"the booted-machine bed cannot run here: {reason}")


class Rootfs:
    """The cached Debian 12 tree. `cached_packages`: what the tested
    configurations ask for, downloaded into its apt cache (those Debian 12
    has no candidate for are left out: the tests expect them to fail)."""

    def __init__(self, cache_dir, cached_packages):
        self.cache_dir = cache_dir
        self.cached_packages = sorted(set(cached_packages))

    def command(self, tree):
        """The mmdebstrap command line that makes the tree at `tree`."""
        # Download what the configurations ask for (with their recommends,
        # as apt-get install takes them), skipping what has no candidate
        # here, into the tree's own apt cache.
        fetch = (
            'set -e; want=""; for p in ' + " ".join(self.cached_packages) + '; do '
            'if chroot "$1" apt-cache policy "$p" 2>/dev/null | grep -q "Candidate: [^(]"; then want="$want $p"; fi; done; '
            'if [ -n "$want" ]; then chroot "$1" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q '
            '--download-only -o APT::Install-Recommends=true $want; fi; '
            'echo debian > "$1/etc/hostname"; rm -f "$1/etc/machine-id"; touch "$1/etc/machine-id"'
        )
        return ["mmdebstrap", "--variant=minbase", "--skip=cleanup/apt", f"--components={COMPONENTS.replace(',', ' ')}",
                "--include=" + ",".join(BASE_PACKAGES), f"--customize-hook={fetch}", SUITE, tree, MIRROR]

    def recipe(self):
        return " ".join(self.command("TREE"))

    def path(self):
        key = hashlib.sha256(self.recipe().encode()).hexdigest()[:16]
        return os.path.join(self.cache_dir, f"rootfs-{key}")

    def ensure(self, log=None):
        """The tree's path, built first when its recipe changed."""
        path = self.path()
        if os.path.isfile(os.path.join(path, ".complete")):
            return path
        _require(os.geteuid() == 0, "it must run as root")
        _require(shutil.which("mmdebstrap"), "mmdebstrap is not installed (scripts/install-deps.sh installs it)")
        os.makedirs(self.cache_dir, exist_ok=True)
        # Older recipes' trees go: only one is kept.
        for old in os.listdir(self.cache_dir):
            if old.startswith("rootfs-"):
                shutil.rmtree(os.path.join(self.cache_dir, old), ignore_errors=True)
        building = tempfile.mkdtemp(prefix="building-", dir=self.cache_dir)
        tree = os.path.join(building, "rootfs")
        cmd = self.command(tree)
        out = open(log, "ab") if log else subprocess.DEVNULL
        try:
            r = subprocess.run(cmd, stdout=out, stderr=subprocess.STDOUT)
        finally:
            if log:
                out.close()
        if r.returncode != 0:
            shutil.rmtree(building, ignore_errors=True)
            raise RuntimeError(f"mmdebstrap failed (exit {r.returncode}); see {log}")
        os.rename(tree, path)
        os.rmdir(building)
        with open(os.path.join(path, ".complete"), "w") as f:
            f.write(self.recipe() + "\n")
        return path


class BootedMachine:
    """One container on an overlay of `rootfs`, in `scratch` (made if
    missing, removed by destroy())."""

    def __init__(self, rootfs, scratch):
        self.rootfs = rootfs
        self.scratch = scratch
        self.upper = os.path.join(scratch, "upper")
        self.work = os.path.join(scratch, "work")
        self.merged = os.path.join(scratch, "merged")
        self.console = os.path.join(scratch, "console.log")
        self.proc = None       # the launcher (unshare → sh → systemd-nspawn)
        self.pid1 = None       # the container's systemd, as the host sees it
        self.cgroups = []
        self.boots = 0

    # ---- life cycle

    def __enter__(self):
        return self.boot()

    def __exit__(self, *exc):
        self.destroy()

    def boot(self, timeout=300):
        _require(os.geteuid() == 0, "it must run as root")
        for tool in ("systemd-nspawn", "unshare", "nsenter"):
            _require(shutil.which(tool), f"{tool} is not installed (scripts/install-deps.sh installs it)")
        for d in (self.upper, self.work, self.merged):
            os.makedirs(d, exist_ok=True)
        self._make_cgroups()
        self._launch()
        self._wait_booted(timeout)
        self.boots += 1
        return self

    def _make_cgroups(self):
        self.cgroups = []
        name = "sysconf-machine-" + secrets.token_hex(4)
        for point, own in cgroup_hierarchies():
            path = os.path.join(point, own.lstrip("/"), name)
            try:
                os.mkdir(path)
            except OSError as e:
                self._remove_cgroups()
                _require(False, f"cannot create a sub-cgroup in {point} ({e.strerror}): no writable cgroup filesystem")
            self.cgroups.append(path)

    def _launch(self):
        script = (
            'set -e; mount -t overlay overlay -o "lowerdir=$1,upperdir=$2,workdir=$3" "$4"; '
            'mount -t tmpfs -o mode=0755 tmpfs /run; '
            'exec systemd-nspawn --boot --register=no --keep-unit --private-network --timezone=off '
            '--resolv-conf=off --link-journal=no --console=pipe --machine=sysconf-bed -D "$4"'
        )
        with open(os.devnull, "rb") as null, open(self.console, "ab") as log:
            self.proc = subprocess.Popen(
                ["unshare", "--mount", "--propagation", "private", "/bin/sh", "-c", script, "sh",
                 self.rootfs, self.upper, self.work, self.merged],
                stdin=null, stdout=log, stderr=subprocess.STDOUT,
                preexec_fn=into_cgroups_and_die_with_us(self.cgroups), close_fds=True, cwd="/")

    def _children(self, pid):
        try:
            with open(f"/proc/{pid}/task/{pid}/children") as f:
                return [int(p) for p in f.read().split()]
        except OSError:
            return []

    def _comm(self, pid):
        try:
            with open(f"/proc/{pid}/comm") as f:
                return f.read().strip()
        except OSError:
            return ""

    def _wait_booted(self, timeout):
        """Waits for the container's PID 1 (nspawn's child named systemd;
        the first child is a short-lived helper), then for the boot to
        finish (`systemctl is-system-running --wait`)."""
        deadline = time.monotonic() + timeout
        self.pid1 = None
        while self.pid1 is None:
            if self.proc.poll() is not None:
                raise RuntimeError(f"systemd-nspawn exited with {self.proc.returncode}:\n{self.console_text()}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"no systemd in the container after {timeout} s:\n{self.console_text()}")
            for pid in self._descendants(self.proc.pid):
                if self._comm(pid) == "systemd" and self._comm(self._parent(pid)) == "systemd-nspawn":
                    self.pid1 = pid
            time.sleep(0.1)
        while True:
            r = self.run(["systemctl", "is-system-running", "--wait"], check=False, timeout=timeout)
            state = r.stdout.strip()
            if state in ("running", "degraded"):
                self.boot_state = state
                return
            if time.monotonic() > deadline:
                raise RuntimeError(f"the container did not finish booting ({state!r}):\n{r.stderr}")
            time.sleep(0.2)  # the manager's bus is not up yet

    def _descendants(self, pid):
        out, todo = [], [pid]
        while todo:
            for c in self._children(todo.pop()):
                out.append(c)
                todo.append(c)
        return out

    def _parent(self, pid):
        try:
            with open(f"/proc/{pid}/stat") as f:
                return int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            return 0

    def poweroff(self, timeout=120):
        """Halts the container cleanly (nspawn turns SIGTERM into a halt
        request to PID 1) and waits for nspawn to exit; what is left in the
        sub-cgroups is then killed by PID. The upper layer stays."""
        if self.proc and self.proc.poll() is None:
            nspawn = [p for p in self._descendants(self.proc.pid) if self._comm(p) == "systemd-nspawn"]
            for p in nspawn or [self.proc.pid]:
                try:
                    os.kill(p, signal.SIGTERM)
                except ProcessLookupError:
                    pass
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        kill_cgroup_processes(self.cgroups)
        self._remove_cgroups()
        self.proc = None
        self.pid1 = None

    def reboot(self):
        self.poweroff()
        return self.boot()

    def destroy(self):
        self.poweroff()
        shutil.rmtree(self.scratch, ignore_errors=True)

    def _remove_cgroups(self):
        for top in self.cgroups:
            for d in _cgroup_dirs(top) if os.path.isdir(top) else []:
                try:
                    os.rmdir(d)
                except OSError:
                    pass
        self.cgroups = []

    def console_text(self):
        try:
            with open(self.console, errors="replace") as f:
                return f.read()[-4000:]
        except OSError:
            return ""

    # ---- driving it

    def run(self, argv, check=True, env=None, input=None, timeout=600, user=None):
        """Runs argv (a list, or a string for sh -c) inside, in every
        namespace of PID 1, as root with sudo's environment (or as `user`,
        with that user's HOME and XDG_RUNTIME_DIR). Returns the
        CompletedProcess (text); raises AssertionError when `check` and it
        failed."""
        if isinstance(argv, str):
            argv = ["/bin/sh", "-c", argv]
        base = {"PATH": SUDO_PATH, "HOME": "/root", "USER": "root", "LOGNAME": "root", "TERM": "dumb",
                "LANG": "C.UTF-8"}
        base.update(env or {})
        prefix = []
        if user is not None:
            uid = int(self.run(["id", "-u", user]).stdout)
            home = self.run(["getent", "passwd", user]).stdout.split(":")[5]
            base.update({"HOME": home, "USER": user, "LOGNAME": user, "XDG_RUNTIME_DIR": f"/run/user/{uid}"})
            prefix = ["setpriv", f"--reuid={user}", f"--regid={user}", "--init-groups", "--"]
        cmd = (["nsenter", f"--target={self.pid1}", "--all", "--", "env", "-i"] +
               [f"{k}={v}" for k, v in sorted(base.items())] + prefix + list(argv))
        r = subprocess.run(cmd, input=input, capture_output=True, text=True, timeout=timeout, cwd="/")
        if check and r.returncode != 0:
            raise AssertionError(f"{' '.join(argv)} exited {r.returncode}\n--- stdout\n{r.stdout}\n--- stderr\n{r.stderr}")
        return r

    def host_path(self, path):
        """The host's path to `path` inside the running container."""
        return f"/proc/{self.pid1}/root/{path.lstrip('/')}"

    def read(self, path):
        with open(self.host_path(path), errors="replace") as f:
            return f.read()

    def exists(self, path):
        return os.path.lexists(self.host_path(path))

    def write(self, path, text, mode=0o644):
        p = self.host_path(path)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "w") as f:
            f.write(text)
        os.chmod(p, mode)

    def copy_tree(self, source, dest):
        """Copies a host directory into the container (replacing `dest`)."""
        p = self.host_path(dest)
        shutil.rmtree(p, ignore_errors=True)
        shutil.copytree(source, p, symlinks=True)

    def install(self, source, dest, mode=0o755):
        p = self.host_path(dest)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        shutil.copyfile(source, p)
        os.chmod(p, mode)

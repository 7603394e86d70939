"""A private systemd manager for integration tests (docs/units-groundwork.md
Part A): `systemd --user`, run as root, in its own sub-cgroup(s) and its own
mount namespace, with its unit path pointed at a scratch root's
/etc/systemd/system.

    with PrivateManager(root) as m:
        ... SYSCONF_TEST_SYSTEMD_ADDRESS=m.address sysconf --root ROOT switch ...

What it sets up, and why:

- A sub-cgroup `sysconf-test-<random>` below the test process's own cgroup:
  in the unified (cgroup2) hierarchy, and on a hybrid layout also in the
  `name=systemd` v1 hierarchy, which systemd 252 mirrors its cgroups into.
  Only the launched child is moved there, never the test process. Every
  process the manager starts lives below it, so teardown can find and kill
  whatever is left by PID, and then remove the cgroups.
- A private mount namespace (`unshare --mount --propagation private`) with a
  tmpfs on /run/systemd (holding /run/systemd/system, so the manager believes
  it runs under systemd) and a tmpfs on /var/lib with ROOT/var/lib/sysconf
  bind-mounted at /var/lib/sysconf, so that the
  `ExecStart=/var/lib/sysconf/store/...` lines sysconf renders resolve inside
  ROOT, for the manager only. Nothing is mounted on the host.
- HOME and XDG_RUNTIME_DIR in a scratch directory S, and
  SYSTEMD_UNIT_PATH="ROOT/etc/systemd/system:/usr/lib/systemd/user": the
  host's /etc/systemd/user, generators and autostart entries are not loaded,
  while basic.target, default.target, timers.target, sockets.target and
  exit.target still come from /usr/lib/systemd/user.
- The manager is started with PR_SET_PDEATHSIG=SIGTERM, so a test runner
  killed outright (a ctest timeout) does not leave it running; only its
  empty sub-cgroups then stay behind.

Its sd-bus address is `unix:path=S/xdg/systemd/private` (a direct connection:
no Hello, so `busctl --address` cannot talk to it; systemctl can, through
XDG_RUNTIME_DIR, see `systemctl()`).

A user's manager: `PrivateManager(ROOT, uid=U, gid=G, unit_dir=ROOT/home/
NAME/.config/systemd/user)`. Everything above is set up as root (the
sub-cgroups, then delegated to U:G as user@.service's Delegate=yes does; the
mounts); S/home and S/xdg (mode 0700 by default) belong to U:G; and setpriv
drops to U:G, without supplementary groups or capabilities, right before the
exec. Such a manager, like a real user's, accepts connections only from
root and from U (it checks the peer's credentials; its private socket is
0700), and systemctl refuses to talk to a manager that is neither root nor
itself, so `systemctl()` then runs as U.

When no writable cgroup hierarchy exists (or unshare/systemd are missing, or
the tests do not run as root), `PrivateManager.start()` raises
unittest.SkipTest with the reason: the tests are skipped, never passed.
"""

import ctypes
import os
import secrets
import shutil
import signal
import subprocess
import tempfile
import time
import unittest

SYSTEMD = "/lib/systemd/systemd"
USER_UNITS = "/usr/lib/systemd/user"
CGROUP = "/sys/fs/cgroup"

_PR_SET_PDEATHSIG = 1

# Run inside the new mount namespace. $1 = the scratch dir, $2 = the root,
# $3 = the directory to mount a tmpfs on for /run/systemd/system, $4 = the
# systemd binary, $5 = the directory of the stock user units, $6 = the
# directory of the units under test, $7 and $8 = the uid and gid to run the
# manager as (empty: stay root). The mounts are made as root; setpriv then
# drops to the uid and gid (no supplementary groups, no capabilities left)
# right before the exec, keeping the parent-death signal, which a change of
# uid would otherwise clear.
_LAUNCH = r"""
set -e
mount -t tmpfs -o mode=0755 tmpfs "$3"
mkdir -p /run/systemd/system
mount -t tmpfs -o mode=0755 tmpfs /var/lib
mkdir /var/lib/sysconf
mount --bind "$2/var/lib/sysconf" /var/lib/sysconf
drop=""
if [ -n "$7" ]; then
    drop="setpriv --reuid=$7 --regid=$8 --clear-groups --pdeathsig keep --"
fi
exec $drop env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 \
    HOME="$1/home" XDG_RUNTIME_DIR="$1/xdg" \
    SYSTEMD_UNIT_PATH="$6:$5" \
    "$4" --user --log-target=console
"""


# --------------------------------------------------------------------------
# Cgroups


def _mounts():
    """(mount point, fstype, super options) of every mount, from mountinfo."""
    out = []
    with open("/proc/self/mountinfo") as f:
        for line in f:
            fields = line.split()
            sep = fields.index("-")
            out.append((fields[4].replace("\\040", " "), fields[sep + 1], fields[sep + 3] if len(fields) > sep + 3 else ""))
    return out


def _own_cgroups():
    """{'unified': path in the cgroup2 hierarchy, 'systemd': path in name=systemd}."""
    own = {}
    with open("/proc/self/cgroup") as f:
        for line in f:
            num, controllers, path = line.rstrip("\n").split(":", 2)
            if num == "0" and controllers == "":
                own["unified"] = path
            elif "name=systemd" in controllers.split(","):
                own["systemd"] = path
    return own


def cgroup_hierarchies():
    """The hierarchies a manager's launcher must join, as a list of
    (mount point, our own cgroup path in it), as in groundwork A.2:
    pure v2 → the cgroup2 at /sys/fs/cgroup; hybrid → /sys/fs/cgroup/unified
    and /sys/fs/cgroup/systemd; legacy → /sys/fs/cgroup/systemd only.
    Raises unittest.SkipTest when there is none."""
    kinds = {}
    for point, fstype, options in _mounts():
        kinds[point] = (fstype, options)  # the last mount on a point wins
    own = _own_cgroups()

    def is_v2(point):
        return kinds.get(point, ("",))[0] == "cgroup2"

    def is_named_systemd(point):
        fstype, options = kinds.get(point, ("", ""))
        return fstype == "cgroup" and "name=systemd" in options.split(",")

    if is_v2(CGROUP):
        layout = [(CGROUP, own.get("unified"))]
    elif is_v2(CGROUP + "/unified"):
        layout = [(CGROUP + "/unified", own.get("unified"))]
        if is_named_systemd(CGROUP + "/systemd"):
            layout.append((CGROUP + "/systemd", own.get("systemd")))
    elif is_named_systemd(CGROUP + "/systemd"):
        layout = [(CGROUP + "/systemd", own.get("systemd"))]
    else:
        raise unittest.SkipTest(f"no cgroup2 or name=systemd hierarchy is mounted under {CGROUP}")
    for point, path in layout:
        if path is None:
            raise unittest.SkipTest(f"/proc/self/cgroup names no cgroup of ours in {point}")
    return layout


def into_cgroups_and_die_with_us(cgroups):
    """A preexec_fn, run between fork and exec: moves the child into the
    sub-cgroups `cgroups`, and has it sent SIGTERM if the test runner dies
    (a ctest timeout), so that nothing it starts outlives the test."""
    procs_files = [os.path.join(c, "cgroup.procs") for c in cgroups]
    libc = ctypes.CDLL(None, use_errno=True)

    def in_child():
        me = str(os.getpid()).encode()
        for p in procs_files:
            fd = os.open(p, os.O_WRONLY)
            try:
                os.write(fd, me)
            finally:
                os.close(fd)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)

    return in_child


def kill_cgroup_processes(tops):
    """SIGKILLs, by PID, every process left in the sub-cgroups `tops` (they
    can only be ours), until they are empty; returns the PIDs killed."""
    killed = set()
    for top in tops:
        for _ in range(50):
            pids = _cgroup_pids(top)
            if not pids:
                break
            killed |= pids
            for pid in pids:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            time.sleep(0.02)
    return killed


def _cgroup_dirs(top):
    """Every cgroup directory below (and including) top, deepest first."""
    dirs = [dirpath for dirpath, _, _ in os.walk(top)]
    return sorted(dirs, key=lambda d: d.count("/"), reverse=True)


def _cgroup_pids(top):
    pids = set()
    for d in _cgroup_dirs(top) if os.path.isdir(top) else []:
        try:
            with open(os.path.join(d, "cgroup.procs")) as f:
                pids.update(int(p) for p in f.read().split())
        except (FileNotFoundError, ProcessLookupError):
            pass
    return pids


# --------------------------------------------------------------------------
# The manager


class PrivateManager:
    """A private `systemd --user` whose unit path is ROOT/etc/systemd/system
    (or `unit_dir`), run as root (or as `uid`:`gid`).

    Attributes once started: `pid`, `scratch` (S), `address`
    (unix:path=S/xdg/systemd/private), `runtime_dir` (S/xdg), `log`
    (S/systemd.log), `cgroups` (the sub-cgroup directories made).

    With a uid, the manager runs as that user, as a user's manager does:
    S/home and S/xdg (mode `runtime_mode`, 0700 by default) are owned by
    uid:gid, and so are the sub-cgroups, delegated the way user@.service's
    Delegate=yes does it (the directory and the files a manager writes to
    create and fill its own sub-cgroups), so that it can make app.slice and
    move its services' processes there."""

    def __init__(self, root, timeout=10.0, uid=None, gid=None, unit_dir=None, runtime_mode=0o700):
        self.root = os.path.abspath(root)
        self.timeout = timeout
        if (uid is None) != (gid is None):
            raise ValueError("give both uid and gid, or neither")
        self.uid = uid
        self.gid = gid
        self.unit_dir = os.path.abspath(unit_dir) if unit_dir else os.path.join(self.root, "etc/systemd/system")
        self.runtime_mode = runtime_mode
        self.proc = None
        self.pid = None
        self.scratch = None
        self.cgroups = []
        self.name = "sysconf-test-" + secrets.token_hex(6)
        # After stop(): what it found and removed, for the fixture's own test.
        self.leftovers = set()       # PIDs still in the sub-cgroups after the manager exited
        self.cgroups_removed = []
        self.scratch_removed = None

    # -- properties ----------------------------------------------------------

    @property
    def runtime_dir(self):
        return os.path.join(self.scratch, "xdg")

    @property
    def socket(self):
        return os.path.join(self.runtime_dir, "systemd", "private")

    @property
    def address(self):
        return "unix:path=" + self.socket

    @property
    def log(self):
        return os.path.join(self.scratch, "systemd.log")

    def log_text(self):
        try:
            with open(self.log, errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    # -- start ---------------------------------------------------------------

    def _preflight(self):
        if os.geteuid() != 0:
            raise unittest.SkipTest("the private systemd manager needs root")
        tools = [SYSTEMD, shutil.which("unshare") or "/usr/bin/unshare"]
        if self.uid is not None:
            tools.append(shutil.which("setpriv") or "/usr/bin/setpriv")
        for tool in tools:
            if not os.access(tool, os.X_OK):
                raise unittest.SkipTest(f"{tool} is missing")
        if not os.path.isfile(os.path.join(USER_UNITS, "default.target")):
            raise unittest.SkipTest(f"{USER_UNITS}/default.target is missing")
        for hidden in ("/var/lib", "/run/systemd"):
            if self.root == hidden or self.root.startswith(hidden + "/"):
                raise ValueError(f"the root {self.root} is below {hidden}, which the manager's namespace hides")

    def _make_cgroups(self):
        for point, own in cgroup_hierarchies():
            path = os.path.join(point, own.lstrip("/"), self.name)
            try:
                os.mkdir(path)
            except OSError as e:
                self._remove_cgroups()
                raise unittest.SkipTest(f"cannot create a sub-cgroup in {point} ({e.strerror}): "
                                        f"no writable cgroup filesystem")
            self.cgroups.append(path)
            if self.uid is not None:
                self._delegate(path)

    # What systemd chowns when it delegates a cgroup (cg_set_access): in
    # cgroup2 the directory, cgroup.procs, cgroup.threads and
    # cgroup.subtree_control; in cgroup v1 also tasks and the release flags.
    _DELEGATED = ("cgroup.procs", "cgroup.threads", "cgroup.subtree_control", "tasks", "notify_on_release",
                  "cgroup.clone_children")

    def _delegate(self, path):
        os.chown(path, self.uid, self.gid)
        for name in self._DELEGATED:
            try:
                os.chown(os.path.join(path, name), self.uid, self.gid)
            except FileNotFoundError:
                pass

    def start(self):
        self._preflight()
        self._make_cgroups()
        try:
            self._launch()
        except BaseException:
            self.stop()
            raise
        return self

    def _launch(self):
        self.scratch = tempfile.mkdtemp(prefix="sysconf-systemd-")
        os.chmod(self.scratch, 0o755)
        os.makedirs(os.path.join(self.scratch, "home"))
        os.mkdir(self.runtime_dir)
        os.chmod(self.runtime_dir, self.runtime_mode)
        if self.uid is not None:
            for d in ("home", "xdg"):
                os.chown(os.path.join(self.scratch, d), self.uid, self.gid)
        os.makedirs(os.path.join(self.root, "var/lib/sysconf"), exist_ok=True)
        # With no /run/systemd on the host, the tmpfs goes on /run.
        run_mount = "/run/systemd" if os.path.isdir("/run/systemd") else "/run"
        in_child = into_cgroups_and_die_with_us(self.cgroups)
        with open(os.devnull, "rb") as null, open(self.log, "ab") as log:
            try:
                self.proc = subprocess.Popen(
                    ["unshare", "--mount", "--propagation", "private", "/bin/sh", "-c", _LAUNCH, "sh",
                     self.scratch, self.root, run_mount, SYSTEMD, USER_UNITS, self.unit_dir,
                     "" if self.uid is None else str(self.uid), "" if self.gid is None else str(self.gid)],
                    stdin=null, stdout=log, stderr=subprocess.STDOUT, preexec_fn=in_child, close_fds=True, cwd="/")
            except subprocess.SubprocessError as e:
                # in_child failed: the sub-cgroups exist but take no process.
                raise unittest.SkipTest(f"cannot move a process into {', '.join(self.cgroups)} ({e}): "
                                        f"no writable cgroup filesystem")
        self.pid = self.proc.pid
        deadline = time.monotonic() + self.timeout
        while not os.path.exists(self.socket):
            if self.proc.poll() is not None:
                raise RuntimeError(f"the private systemd manager exited with {self.proc.returncode}:\n"
                                   + self.log_text())
            if time.monotonic() > deadline:
                raise RuntimeError(f"no {self.socket} after {self.timeout} s:\n" + self.log_text())
            time.sleep(0.01)
        self.wait_running()

    def wait_running(self, timeout=10.0):
        """Wait until the initial transaction (default.target) is done:
        before that, default.target is not active yet, and a switch would
        not start what it newly wants. (`systemctl is-system-running` says
        "offline" here, where PID 1 is not systemd: read SystemState.)"""
        if shutil.which("systemctl") is None:
            time.sleep(0.2)  # the start-up transaction takes ~0.02-0.1 s
            return
        deadline = time.monotonic() + timeout
        state = ""
        while time.monotonic() < deadline:
            state = self.systemctl("show", "--property=SystemState", "--value", check=False).stdout.strip()
            if state not in ("initializing", "starting", ""):
                return
            time.sleep(0.01)
        raise RuntimeError(f"the private systemd manager is still {state or 'unreachable'} after {timeout} s:\n"
                           + self.log_text())

    # -- talking to it (for the fixture's own checks) -------------------------

    def systemctl(self, *args, check=True, timeout=30):
        """`systemctl --user ARGS` against this manager (it connects to
        $XDG_RUNTIME_DIR/systemd/private directly). Run as the manager's
        uid: systemctl refuses a manager that is neither root nor itself."""
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "XDG_RUNTIME_DIR": self.runtime_dir,
               "HOME": os.path.join(self.scratch, "home"), "LC_ALL": "C", "SYSTEMD_PAGER": "cat"}
        drop = [] if self.uid is None else ["setpriv", f"--reuid={self.uid}", f"--regid={self.gid}", "--clear-groups",
                                            "--"]
        r = subprocess.run([*drop, "systemctl", "--user", "--no-pager", *args], capture_output=True, text=True,
                           env=env, timeout=timeout, stdin=subprocess.DEVNULL, cwd="/")
        if check and r.returncode != 0:
            raise AssertionError(f"systemctl --user {' '.join(args)}: exit {r.returncode}\n{r.stdout}{r.stderr}")
        return r

    # -- stop ----------------------------------------------------------------

    def stop(self):
        """SIGTERM, wait up to 5 s, SIGKILL; kill whatever is left in our
        sub-cgroups (by PID: they can only be ours); remove the cgroups
        depth-first and the scratch dir. Safe to call twice. Returns what
        went wrong (a SIGKILL needed, a cgroup that would not go), [] when
        all went well."""
        problems = []
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                problems.append(f"the manager (pid {self.pid}) ignored SIGTERM for 5 s: SIGKILL")
                self.proc.kill()
                self.proc.wait()
        self.leftovers |= kill_cgroup_processes(self.cgroups)
        problems += self._remove_cgroups()
        if self.scratch is not None:
            shutil.rmtree(self.scratch, ignore_errors=True)
            self.scratch_removed = self.scratch
            self.scratch = None
        self.proc = None
        return problems

    def _remove_cgroups(self):
        problems = []
        for top in self.cgroups:
            for d in _cgroup_dirs(top) if os.path.isdir(top) else []:
                for attempt in range(100):
                    try:
                        os.rmdir(d)
                        break
                    except FileNotFoundError:
                        break
                    except OSError as e:
                        if attempt == 99:
                            problems.append(f"cannot remove {d}: {e.strerror}")
                        time.sleep(0.02)
        self.cgroups_removed += self.cgroups
        self.cgroups = []
        return problems

    # -- context manager -----------------------------------------------------

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
        return False


def start_manager(test, root, **options):
    """Start a manager for `test` (a unittest.TestCase) on `root`, stopped by
    the test's cleanup, which fails the test if the teardown went wrong.
    Skips the test when the machine cannot run one. `options`: uid, gid,
    unit_dir, runtime_mode, as for PrivateManager."""
    m = PrivateManager(root, **options)
    m.start()

    def stop():
        problems = m.stop()
        if problems:
            raise AssertionError("the private systemd manager's teardown: " + "; ".join(problems))

    test.addCleanup(stop)
    return m

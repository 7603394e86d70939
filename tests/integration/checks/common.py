"""What every checker uses: the rendered path it reads (Entry), and how the
real tools are run (a clean environment, no session, no pager, no colour)."""

import os
import shlex
import subprocess

import sysconf_harness as h

STORE_DIR = "/" + h.STORE


class Entry:
    """One rendered path: `label` as the machine sees it (/etc/..., ~user/...),
    `kind` file | symlink | secret, with content (file) or target (symlink)."""

    def __init__(self, label, kind, data=None, target=None, executable=False, meta=None):
        self.label, self.kind, self.data, self.target = label, kind, data, target
        self.executable, self.meta = executable, meta or {}

    def text(self):
        return self.data.decode("utf-8", errors="replace")


def tool_env(extra=None):
    env = {k: v for k, v in os.environ.items()
           if k not in ("DISPLAY", "WAYLAND_DISPLAY", "DBUS_SESSION_BUS_ADDRESS", "XDG_RUNTIME_DIR",
                        "SYSTEMD_UNIT_PATH", "NOTIFY_SOCKET")}
    env["LC_ALL"] = "C.UTF-8"  # UTF-8 as on the laptop (fuzzel rejects a non-ASCII prompt under C)
    env["SYSTEMD_LOG_COLOR"] = "0"
    env["SYSTEMD_PAGER"] = "cat"
    if extra:
        env.update(extra)
    return env


def run_tool(argv, env=None, timeout=60, cwd="/"):
    return subprocess.run(argv, capture_output=True, text=True, env=tool_env(env), timeout=timeout, cwd=cwd,
                          stdin=subprocess.DEVNULL)


def shown(r):
    return f"$ {shlex.join(r.args)}\nexit {r.returncode}\n--- stdout\n{r.stdout}--- stderr\n{r.stderr}"


def lines_of(text):
    return [l for l in text.splitlines() if l.strip()]

"""Data formats and the programs' own config parsers.

Formats: every rendered .json/.jsonc (and waybar's config), .yaml/.yml and
.toml file re-parsed with json, yaml (python3-yaml) and tomllib; waybar's
config is a list of bars whose modules-left/center/right are lists of module
names; modules and files that Debian 12's programs lack or ignore.

Programs: kitty's config through kitty's own parser (`kitty +runpy`,
kitty.config.load_config with accumulate_bad_lines; headless); fuzzel's and
mako's config through the programs themselves with no compositor and no
session bus: both parse the whole config before connecting, so a config
error is reported and a good config reaches "failed to connect". git's
config through `git config --list`, ssh's through `ssh -G`."""

import json
import os
import re
import sys
import tempfile
import tomllib
import unittest

from checks.common import lines_of, run_tool, shown


def strip_json_comments(text):
    """JSONC (waybar accepts // and /* */ comments) to JSON."""
    out, i, n = [], 0, len(text)
    in_string = False
    while i < n:
        c = text[i]
        if in_string:
            out.append(c)
            if c == "\\" and i + 1 < n:
                out.append(text[i + 1])
                i += 1
            elif c == '"':
                in_string = False
        elif c == '"':
            in_string = True
            out.append(c)
        elif text.startswith("//", i):
            while i < n and text[i] != "\n":
                i += 1
            continue
        elif text.startswith("/*", i):
            end = text.find("*/", i + 2)
            i = n if end < 0 else end + 2
            continue
        else:
            out.append(c)
        i += 1
    return "".join(out)


def data_format(label):
    base = os.path.basename(label)
    if re.search(r"/\.config/waybar/config$", label) or base.endswith((".json", ".jsonc")):
        return "json"
    if base.endswith((".yaml", ".yml")):
        return "yaml"
    if base.endswith(".toml"):
        return "toml"
    return None


def parse_data(fmt, text):
    if fmt == "json":
        return json.loads(strip_json_comments(text))
    if fmt == "toml":
        return tomllib.loads(text)
    try:
        import yaml  # python3-yaml
    except ImportError:
        raise unittest.SkipTest(f"PyYAML is not installed for {sys.executable} (scripts/install-deps.sh "
                                "installs python3-yaml for Debian's python3)")
    return list(yaml.safe_load_all(text))


def waybar_problems(config):
    if not isinstance(config, list):
        return [f"the config is a {type(config).__name__}, not a list of bars"]
    out = []
    for i, bar in enumerate(config):
        if not isinstance(bar, dict):
            out.append(f"bar {i} is a {type(bar).__name__}, not an object")
            continue
        for key in ("modules-left", "modules-center", "modules-right"):
            if key in bar and not (isinstance(bar[key], list) and all(isinstance(m, str) for m in bar[key])):
                out.append(f"bar {i}: {key} is not a list of module names: {bar[key]!r}")
    return out


# Module families that Debian 12's waybar (0.9.17-2) does not have, and the
# release that added them: the strings of /usr/bin/waybar in that package have
# no "niri" at all, so it logs "Unknown module: niri/workspaces" and leaves the
# module out of the bar.
WAYBAR_DEBIAN_12_LACKS = {"niri/": "Waybar 0.11.0"}


# Files that the Debian 12 version of the program they are meant for does not
# read, each checked against that package's binary: a file here changes
# nothing on the laptop.
IGNORED_ON_DEBIAN_12 = {
    r"^/etc/xdg/xdg-desktop-portal/[^/]*portals\.conf$|/\.config/xdg-desktop-portal/[^/]*portals\.conf$":
        "xdg-desktop-portal 1.16.0 (Debian 12) reads no portals.conf (added in 1.17.0; its binary has no "
        "\"portals.conf\" string): it picks portals by the UseIn= of each .portal file",
}


# The laptop runs niri, which Debian 12 does not have: it comes from Debian 13
# (or a local build) with the programs of its generation, and the session is
# written for those. These are exactly what Debian 12's versions would miss,
# so that any other such file or module still fails.
NEEDED_WITH_NIRI = {
    "vivobook": {
        "files": ["/etc/xdg/xdg-desktop-portal/niri-portals.conf"],  # xdg-desktop-portal >= 1.17
        "waybar": ["niri/window", "niri/workspaces"],                 # waybar >= 0.11
    },
}


def ignored_file_problems(labels):
    return [f"{label}: {why}" for label in labels for rx, why in IGNORED_ON_DEBIAN_12.items() if re.search(rx, label)]


def waybar_module_problems(config, binary="/usr/bin/waybar"):
    """Every module a bar names must be one Debian 12's waybar has. Where
    waybar is installed, its binary must also contain the module's name
    (how its factory recognises modules); custom/ and group/ names are free."""
    data = None
    if binary and os.path.exists(binary):
        with open(binary, "rb") as f:
            data = f.read()
    problems = []
    for i, bar in enumerate(config if isinstance(config, list) else []):
        if not isinstance(bar, dict):
            continue
        for key in ("modules-left", "modules-center", "modules-right"):
            for module in bar.get(key, []) if isinstance(bar.get(key), list) else []:
                base = str(module).split("#", 1)[0]
                for prefix, since in WAYBAR_DEBIAN_12_LACKS.items():
                    if base.startswith(prefix):
                        problems.append(f"bar {i} {key}: {module}: Debian 12's waybar 0.9.17 has no such module "
                                        f"(added in {since}); it logs \"Unknown module: {module}\" and leaves it out")
                if data is not None and not base.startswith(("custom/", "group/")) and base.encode() not in data:
                    problems.append(f"bar {i} {key}: {module}: not a module of this machine's waybar ({binary})")
    return problems



# --------------------------------------------------------------------------
# Programs' own config parsers

KITTY_CHECK = r"""
import json, sys
from kitty.config import load_config
bad = []
load_config(sys.argv[-1], accumulate_bad_lines=bad)
print(json.dumps([[b.file, b.number, b.line, str(b.exception)] for b in bad]))
"""


def kitty_problems(conf, home, scratch):
    """kitty's own config loader on `conf` (kitty 0.26.5 in Debian 12 has no
    config check option; +runpy runs its Python without a window)."""
    env = {"HOME": home, "KITTY_CONFIG_DIRECTORY": os.path.dirname(conf),
           "XDG_CACHE_HOME": tempfile.mkdtemp(prefix="kitty-cache-", dir=scratch)}
    r = run_tool(["kitty", "+runpy", KITTY_CHECK, conf], env=env)
    problems = []
    if r.returncode != 0:
        return [shown(r)]
    try:
        for file, number, text, error in json.loads(r.stdout.strip().splitlines()[-1]):
            problems.append(f"{file}:{number}: {text!r}: {error}")
    except (ValueError, IndexError):
        problems.append("unexpected output: " + shown(r))
    problems += [re.sub(r"^\[[^\]]*\]\s*", "", l) for l in lines_of(r.stderr)]
    return [p.replace(home, "~") for p in problems]


def git_config_problems(conf, home, scratch):
    """git's own parser: `git config --file F --list` fails on a bad line or
    a bad quoted value (with the line number)."""
    r = run_tool(["git", "config", "--file", conf, "--list"], env={"HOME": home, "GIT_CONFIG_NOSYSTEM": "1"})
    return [] if r.returncode == 0 and not r.stderr.strip() else [shown(r).replace(home, "~")]


def ssh_config_problems(conf, home, scratch):
    """ssh's own parser: `ssh -G -F F HOST` resolves the configuration for a
    host without connecting, and fails on an unknown keyword or a bad value.
    -F ignores /etc/ssh/ssh_config; -T, no terminal wanted, keeps stderr
    for the problems."""
    r = run_tool(["ssh", "-T", "-G", "-F", conf, "sysconf-check.invalid"], env={"HOME": home})
    return [] if r.returncode == 0 and not r.stderr.strip() else [shown(r).replace(home, "~")]


def _runtime_dir(prefix, scratch):
    """An empty XDG_RUNTIME_DIR: no compositor socket, no session bus."""
    runtime = tempfile.mkdtemp(prefix=prefix, dir=scratch)
    os.chmod(runtime, 0o700)
    return runtime


def _problems_before_connecting(argv, env, home, connecting, what):
    """Run a program that parses its whole config before it connects to
    something that is not there: each line it prints but the one where
    `connecting(line)` is a problem; neither at all is one too."""
    r = run_tool(argv, env=env, timeout=20)
    out = lines_of(r.stderr + r.stdout)
    reached = [l for l in out if connecting(l)]
    problems = [l for l in out if not connecting(l)]
    if not reached and not problems:
        problems.append(f"{what}: " + shown(r))
    return [p.replace(home, "~") for p in problems]


def fuzzel_problems(ini, home, scratch):
    """fuzzel 1.8.2 (Debian 12) has no --check-config (1.9 added it), but it
    loads the whole config before connecting to Wayland: with no compositor,
    a good config ends in "failed to connect to wayland", a bad one in the
    config error."""
    runtime = _runtime_dir("fuzzel-rt-", scratch)
    env = {"HOME": home, "XDG_RUNTIME_DIR": runtime, "XDG_CONFIG_HOME": os.path.join(home, ".config"),
           "XDG_CACHE_HOME": os.path.join(runtime, "cache")}
    return _problems_before_connecting(
        ["fuzzel", f"--config={ini}", "--log-no-syslog", "--log-colorize=never", "--log-level=warning"], env, home,
        lambda l: "failed to connect to wayland" in l, "fuzzel did not get as far as connecting to Wayland")


def mako_problems(conf, home, scratch):
    """mako 1.7.1 has no check option, but parses its config before it
    connects to the session bus: with no bus (an empty XDG_RUNTIME_DIR, no
    DBUS_SESSION_BUS_ADDRESS) a good config ends in "Failed to connect to
    user bus"."""
    runtime = _runtime_dir("mako-rt-", scratch)
    env = {"HOME": home, "XDG_RUNTIME_DIR": runtime, "XDG_CONFIG_HOME": os.path.join(home, ".config")}
    return _problems_before_connecting(
        ["mako", "--config", conf], env, home,
        lambda l: l.startswith("Failed to connect to user bus"), "mako did not get as far as connecting to the bus")

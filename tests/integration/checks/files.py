"""Other files the machine reads: scripts (by #!, .sh, /etc/default/grub.d)
through `dash -n` / `bash -n`, Python scripts through compile(); modprobe.d
through kmod's parser (`modprobe -C DIR --showconfig`); fontconfig files
through fontconfig (`fc-match` with a config that includes them);
/etc/systemd/NAME.conf.d/ keys against the settings Debian's systemd lists in
/etc/systemd/NAME.conf; INI files (NetworkManager, BlueZ, portals, *.ini,
.desktop) strictly parsed; environment.d through systemd's own environment.d
generator (every KEY=VALUE must come out); sysctl.d syntax."""

import configparser
import os
import re
import subprocess
import tempfile
import unittest

import sysconf_harness as h
from checks.common import lines_of, run_tool, shown
from checks.units import parse_unit_text


def shell_of(e):
    """The shell that runs or sources a rendered file, or None."""
    first = e.data.split(b"\n", 1)[0].decode("utf-8", "replace") if e.data else ""
    m = re.match(r"#!\s*(\S+)(\s+(\S+))?", first)
    if m:
        prog = os.path.basename(m.group(1))
        if prog == "env" and m.group(3):
            prog = os.path.basename(m.group(3))
        return {"sh": "dash", "dash": "dash", "bash": "bash"}.get(prog)
    # A home's startup files, sourced by the shell that reads them (~/.profile
    # also by /bin/sh from display managers: dash, the stricter).
    if re.search(r"^~[^/]+/\.(bashrc|bash_profile|bash_logout)$", e.label):
        return "bash"
    if re.search(r"^~[^/]+/\.profile$", e.label):
        return "dash"
    if e.label.endswith(".sh") or re.search(r"^/etc/default/grub(\.d/.*\.cfg)?$", e.label):
        return "dash"  # sourced by /bin/sh (update-grub, profile scripts): dash on Debian
    return None


def shell_problems(entries):
    problems = []
    for e in entries:
        shell = shell_of(e) if e.kind == "file" else None
        if not shell:
            continue
        r = subprocess.run([shell, "-n"], input=e.data, capture_output=True, timeout=30)
        if r.returncode != 0 or r.stderr.strip():
            problems.append(f"{e.label} ({shell} -n): {r.stderr.decode(errors='replace').strip()}")
    return problems


def is_python(e):
    return e.kind == "file" and (e.label.endswith(".py") or bool(re.match(rb"#!\S*(/|env\s+)python3?\b", e.data)))


def python_problems(entries):
    """Python scripts compiled by Python (this machine's python3 is Debian
    12's, as on the laptop)."""
    problems = []
    for e in entries:
        if not is_python(e):
            continue
        try:
            compile(e.data, e.label, "exec")
        except SyntaxError as err:
            problems.append(f"{e.label}:{err.lineno}: {err.msg}")
    return problems


def modprobe_problems(files, scratch):
    """kmod's own parser (`modprobe -C DIR --showconfig`) on modprobe.d files."""
    d = tempfile.mkdtemp(prefix="modprobe.d-", dir=scratch)
    for name, data in files.items():
        with open(os.path.join(d, name), "wb") as f:
            f.write(data)
    r = run_tool(["modprobe", "-C", d, "--showconfig"])
    problems = [l.replace(d, "/etc/modprobe.d") for l in lines_of(r.stderr) if d in l]
    if r.returncode != 0:
        problems.append(shown(r))
    return problems


def fontconfig_problems(files, scratch):
    """fontconfig's own parser: fc-match with a configuration that only
    includes these files (ignore_missing="no"); every "Fontconfig warning" or
    "error" line is a problem."""
    d = tempfile.mkdtemp(prefix="fontconfig-", dir=scratch)
    includes = []
    problems = []
    for i, (label, data) in enumerate(sorted(files.items())):
        path = os.path.join(d, f"{i}.conf")
        with open(path, "wb") as f:
            f.write(data)
        includes.append(f'  <include ignore_missing="no">{path}</include>')
        try:
            import xml.etree.ElementTree as ET
            ET.fromstring(data)
        except ET.ParseError as err:
            problems.append(f"{label}: not well-formed XML: {err}")
    wrapper = os.path.join(d, "fonts.conf")
    h.write(wrapper, '<?xml version="1.0"?>\n<fontconfig>\n' + "\n".join(includes) + "\n</fontconfig>\n")
    r = run_tool(["fc-match", "monospace"], env={"FONTCONFIG_FILE": wrapper, "XDG_CACHE_HOME": os.path.join(d, "cache"),
                                                   "HOME": d})
    names = {os.path.join(d, f"{i}.conf"): label for i, label in enumerate(sorted(files))}
    for l in lines_of(r.stderr):
        for path, label in names.items():
            l = l.replace(path, label)
        problems.append(l)
    return problems


def systemd_conf_problems(label, text):
    """/etc/systemd/NAME.conf.d/*.conf: sections and keys must be ones that
    Debian's systemd documents in /etc/systemd/NAME.conf (it lists every
    setting, commented out, in its section). None when that file is not on
    this machine."""
    m = re.search(r"/etc/systemd/([^/]+)\.conf\.d/[^/]+\.conf$", label)
    if not m:
        return None
    template = f"/etc/systemd/{m.group(1)}.conf"
    if not os.path.exists(template):
        return None
    known, section = {}, None
    with open(template) as f:
        for line in f:
            line = line.strip()
            if re.fullmatch(r"\[[A-Za-z]+\]", line):
                section = line[1:-1]
                known.setdefault(section, set())
            elif section and re.match(r"^#?([A-Za-z]+)=", line):
                known[section].add(re.match(r"^#?([A-Za-z]+)=", line).group(1))
    problems = []
    for sec, key, _value, number in parse_unit_text(text):
        if sec not in known:
            problems.append(f"{label}:{number}: section [{sec}] is not one of {template}'s {sorted(known)}")
        elif key not in known[sec]:
            problems.append(f"{label}:{number}: {key} is not a setting of [{sec}] in {template}")
    return problems


INI_PATHS = (r"\.ini$", r"\.desktop$", r"/mimeapps\.list$", r"^/etc/NetworkManager/(conf\.d/)?[^/]+\.conf$",
             r"^/etc/bluetooth/[^/]+\.conf$", r"/xdg-desktop-portal/[^/]+\.conf$")


def ini_problems(e):
    """A strict INI parse (no duplicate sections or keys, no line outside a
    section) of files read by INI parsers (GLib key files, NetworkManager,
    BlueZ, xdg-desktop-portal, fuzzel). Not systemd's files, where a key may
    repeat."""
    parser = configparser.ConfigParser(interpolation=None, strict=True, delimiters=("=",),
                                       comment_prefixes=("#", ";"), inline_comment_prefixes=None)
    parser.optionxform = str
    try:
        parser.read_string(e.text(), source=e.label)
    except configparser.Error as err:
        return [f"{e.label}: {err}".replace("\n", " ")]
    return []


def environment_d_problems(home_dir, entries):
    """systemd's own environment.d generator (what the user manager runs)
    on the home's environment.d files: every KEY=VALUE line must come out."""
    gen = "/usr/lib/systemd/user-environment-generators/30-systemd-environment-d-generator"
    files = [e for e in entries if re.search(r"/\.config/environment\.d/[^/]+\.conf$", e.label) and e.kind == "file"]
    if not files:
        return None
    if not os.access(gen, os.X_OK):
        raise unittest.SkipTest(f"{gen} is not installed (package systemd)")
    r = run_tool([gen], env={"HOME": home_dir, "XDG_CONFIG_HOME": os.path.join(home_dir, ".config"),
                             "XDG_CONFIG_DIRS": os.path.join(home_dir, "no-system-dirs")})
    problems = [l for l in lines_of(r.stderr)]
    produced = {l.split("=", 1)[0] for l in r.stdout.splitlines() if "=" in l}
    for e in files:
        for number, line in enumerate(e.text().splitlines(), 1):
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            m = re.match(r"^([A-Za-z_][A-Za-z0-9_]*)=", line)
            if not m:
                problems.append(f"{e.label}:{number}: not KEY=VALUE: {line!r}")
            elif m.group(1) not in produced:
                problems.append(f"{e.label}:{number}: {m.group(1)} is not in the generator's output")
    return problems


def sysctl_problems(e):
    """sysctl.d syntax (systemd-sysctl's): KEY = VALUE, '-' prefix allowed.
    Returns (problems, notes): a key this kernel does not have is a note."""
    problems, notes = [], []
    for number, line in enumerate(e.text().splitlines(), 1):
        if not line.strip() or line.lstrip().startswith(("#", ";")):
            continue
        m = re.match(r"^\s*-?([A-Za-z0-9_.*/-]+)\s*=\s*(.*)$", line)
        if not m:
            problems.append(f"{e.label}:{number}: not KEY = VALUE: {line!r}")
            continue
        if not m.group(2).strip():
            problems.append(f"{e.label}:{number}: empty value")
        key = m.group(1).replace(".", "/") if "/" not in m.group(1) else m.group(1)
        if "*" not in key and not os.path.exists(os.path.join("/proc/sys", key)):
            notes.append(f"{e.label}:{number}: {m.group(1)} does not exist in this machine's kernel")
    return problems, notes


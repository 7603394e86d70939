"""udev rules: a checker of systemd 252's rule syntax (udev-rules.c), since
Debian 12's udevadm has no `verify` (it came in systemd 254). It reports what
udevd would log at warning level or above when it loads the file; groups and
users must be ones a Debian 12 machine with this configuration has."""

import os
import re


UDEV_MATCH = {"ACTION", "DEVPATH", "KERNEL", "SUBSYSTEM", "DRIVER", "KERNELS", "SUBSYSTEMS", "DRIVERS",
              "TAGS", "RESULT", "CONST", "ATTRS", "TEST"}
UDEV_EITHER = {"SYMLINK", "NAME", "ENV", "TAG", "ATTR", "SYSCTL"}
UDEV_ASSIGN = {"OPTIONS", "OWNER", "GROUP", "MODE", "SECLABEL", "RUN", "GOTO", "LABEL", "PROGRAM", "IMPORT"}
UDEV_NEEDS_ATTR = {"ENV", "CONST", "ATTR", "SYSCTL", "ATTRS", "SECLABEL", "IMPORT"}
UDEV_MAY_ATTR = {"TEST", "RUN"}
UDEV_BUILTINS = {"blkid", "btrfs", "hwdb", "input_id", "keyboard", "kmod", "net_id", "net_setup_link",
                 "path_id", "uaccess", "usb_id"}
UDEV_OPTIONS = re.compile(r"^(string_escape=(none|replace)|db_persist|watch|nowatch|static_node=.+|"
                          r"link_priority=-?\d+|log_level=(reset|emerg|alert|crit|err|warning|notice|info|debug|[0-7]))$")
UDEV_SUBST_LONG = ["devnode", "tempnode", "attr", "sysfs", "env", "kernel", "number", "driver", "devpath", "id",
                   "major", "minor", "result", "parent", "name", "links", "root", "sys"]
UDEV_SUBST_SHORT = "NsEknbdpMmcPDLrS"


def udev_format_problem(value):
    i = 0
    while i < len(value):
        c = value[i]
        if c in "%$":
            nxt = value[i + 1:i + 2]
            if nxt == c:
                i += 2
                continue
            if c == "%":
                if not nxt or nxt not in UDEV_SUBST_SHORT:
                    return f"invalid substitution %{nxt}"
                kind, i = nxt, i + 2
                needs = kind in "sE"
            else:
                name = next((n for n in sorted(UDEV_SUBST_LONG, key=len, reverse=True)
                             if value.startswith(n, i + 1)), None)
                if not name:
                    return f"invalid substitution ${value[i + 1:i + 8]}"
                kind, i = name, i + 1 + len(name)
                needs = name in ("attr", "sysfs", "env")
            if value[i:i + 1] == "{":
                end = value.find("}", i)
                if end < 0:
                    return "unterminated { in a substitution"
                i = end + 1
            elif needs:
                return f"substitution {c}{kind} needs an argument in {{}}"
            continue
        i += 1
    return None


def udev_rules_problems(text, name, known_groups=None, known_users=None):
    problems = []
    if not name.endswith(".rules"):
        problems.append(f"{name}: udev reads only files ending in .rules")
    logical = []
    acc, start = None, 0
    for number, raw in enumerate(text.split("\n"), 1):
        line = raw.rstrip("\r")
        if acc is None:
            start = number
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            acc = ""
        if line.endswith("\\"):
            acc += line[:-1]
            continue
        acc += line
        logical.append((start, acc))
        acc = None
    if acc:
        problems.append(f"{name}:{start}: the file ends inside a continued line")
    labels, gotos = set(), []
    for number, line in logical:
        where = f"{name}:{number}"
        i, n, tokens = 0, len(line), 0
        while True:
            while i < n and line[i] in " \t,":
                i += 1
            if i >= n:
                break
            m = re.match(r"([A-Za-z_]+)(\{([^}]*)\})?\s*(==|!=|\+=|-=|:=|=)\s*", line[i:])
            if not m:
                problems.append(f"{where}: invalid rule at {line[i:i + 30]!r}")
                break
            key, attr, op = m.group(1), m.group(3), m.group(4)
            i += m.end()
            escaped = line.startswith("e", i) and line.startswith('"', i + 1)
            if escaped:
                i += 1
            if not line.startswith('"', i):
                problems.append(f"{where}: {key}: the value must be in double quotes")
                break
            j = i + 1
            while j < n and line[j] != '"':
                j += 2 if line[j] == "\\" else 1
            if j >= n:
                problems.append(f"{where}: {key}: unterminated value")
                break
            value = line[i + 1:j].replace('\\"', '"')
            i = j + 1
            if i < n and line[i] not in " \t,":
                problems.append(f"{where}: {key}: a comma or space is expected after the value")
            tokens += 1
            is_match = op in ("==", "!=")
            if key not in UDEV_MATCH | UDEV_EITHER | UDEV_ASSIGN:
                problems.append(f"{where}: invalid key '{key}'")
                continue
            if attr is not None and key not in UDEV_NEEDS_ATTR | UDEV_MAY_ATTR:
                problems.append(f"{where}: {key} takes no {{attribute}}")
            if attr is None and key in UDEV_NEEDS_ATTR:
                problems.append(f"{where}: {key} needs an {{attribute}}")
            if key == "CONST" and attr not in ("arch", "virt"):
                problems.append(f"{where}: CONST{{{attr}}}: only arch and virt")
            if key in UDEV_MATCH and not is_match and key != "TEST":
                problems.append(f"{where}: invalid operator '{op}' for {key} (a match key: == or !=)")
            if key == "TEST" and not is_match:
                problems.append(f"{where}: invalid operator '{op}' for TEST")
            if key in ("OPTIONS", "OWNER", "GROUP", "MODE", "SECLABEL", "RUN") and (is_match or op == "-="):
                problems.append(f"{where}: invalid operator '{op}' for {key} (an assignment)")
            if key in ("NAME", "ENV", "ATTR", "SYSCTL", "PROGRAM", "IMPORT") and op == "-=":
                problems.append(f"{where}: invalid operator '-=' for {key}")
            if key in ("GOTO", "LABEL") and op != "=":
                problems.append(f"{where}: {key} takes only '='")
            if key in ("NAME", "OWNER", "GROUP", "MODE") and op == "+=":
                problems.append(f"{where}: {key} does not take '+=' (udev assumes '=' and warns)")
            if key in ("ENV", "TAG", "SECLABEL") and op == ":=":
                problems.append(f"{where}: {key} does not take ':=' (udev assumes '=' and warns)")
            if key in ("ATTR", "SYSCTL") and op in ("+=", ":="):
                problems.append(f"{where}: {key} does not take '{op}' (udev assumes '=' and warns)")
            if key == "SUBSYSTEM" and value in ("bus", "class"):
                problems.append(f"{where}: \"{value}\" must be specified as \"subsystem\"")
            if key == "OPTIONS" and not is_match and not UDEV_OPTIONS.match(value):
                problems.append(f"{where}: invalid value for OPTIONS: '{value}'")
            if key == "IMPORT" and attr not in ("file", "program", "builtin", "db", "cmdline", "parent"):
                problems.append(f"{where}: IMPORT{{{attr}}}: unknown kind")
            if key == "RUN" and attr not in (None, "program", "builtin"):
                problems.append(f"{where}: RUN{{{attr}}}: only program or builtin")
            if (key in ("IMPORT", "RUN") and attr == "builtin") and value.split()[:1] and \
                    value.split()[0] not in UDEV_BUILTINS:
                problems.append(f"{where}: unknown builtin command '{value.split()[0]}'")
            if key == "NAME" and not is_match and value in ("%k", ""):
                problems.append(f"{where}: NAME=\"{value}\" has no effect; udev ignores it")
            if key == "GROUP" and not is_match and known_groups is not None and \
                    not re.fullmatch(r"\d+", value) and "%" not in value and "$" not in value and \
                    value not in known_groups:
                problems.append(f"{where}: unknown group \"{value}\" (udev ignores it)")
            if key == "OWNER" and not is_match and known_users is not None and \
                    not re.fullmatch(r"\d+", value) and "%" not in value and "$" not in value and \
                    value not in known_users:
                problems.append(f"{where}: unknown user \"{value}\" (udev ignores it)")
            if key == "MODE" and not is_match and not re.fullmatch(r"[0-7]{3,4}", value) and \
                    "%" not in value and "$" not in value:
                problems.append(f"{where}: invalid mode '{value}'")
            if key == "LABEL":
                labels.add(value)
            if key == "GOTO":
                gotos.append((where, value))
            if key in ("RUN", "PROGRAM", "IMPORT", "SYMLINK", "NAME", "ENV", "ATTR", "SYSCTL", "TAG", "TEST",
                       "OWNER", "GROUP", "MODE", "SECLABEL") and not is_match:
                bad = udev_format_problem(value)
                if bad:
                    problems.append(f"{where}: {key}=\"{value}\": {bad}")
        if tokens == 0 and not any(p.startswith(where) for p in problems):
            problems.append(f"{where}: a rule with no key")
    for where, label in gotos:
        if label not in labels:
            problems.append(f"{where}: GOTO=\"{label}\" has no matching LABEL")
    return problems


def _first_fields(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        return {l.split(":")[0] for l in f if ":" in l}


def known_accounts(*roots):
    """Users and groups that exist on a Debian 12 machine with this
    configuration: base-passwd, the systemd and udev sysusers.d files, and
    what the switch created."""
    users, groups = set(), set()
    for path in ("/usr/share/base-passwd/passwd.master", "/etc/passwd"):
        if os.path.exists(path):
            users |= _first_fields(path)
    for path in ("/usr/share/base-passwd/group.master", "/etc/group"):
        if os.path.exists(path):
            groups |= _first_fields(path)
    d = "/usr/lib/sysusers.d"
    for name in sorted(os.listdir(d)) if os.path.isdir(d) else []:
        with open(os.path.join(d, name), encoding="utf-8", errors="replace") as f:
            for l in f:
                w = l.split()
                if len(w) >= 2 and w[0] in ("u", "g"):
                    groups.add(w[1])
                    if w[0] == "u":
                        users.add(w[1])
                if len(w) >= 3 and w[0] == "m":
                    groups.add(w[2])
    # Groups the rules of Debian 12's udev package use, created on the laptop
    # by udev's and systemd's sysusers.d (udev is not installed here).
    groups |= {"input", "kvm", "render", "sgx", "audio", "video", "tty", "disk", "cdrom", "tape", "dialout",
               "floppy", "lp", "kmem"}
    for root in roots:
        for name, acc in (("passwd", users), ("group", groups)):
            p = os.path.join(root, "etc", name)
            if os.path.exists(p):
                acc |= _first_fields(p)
    return users, groups


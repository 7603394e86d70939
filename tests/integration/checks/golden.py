"""The golden listing: the whole rendered tree of a host (etc/, each home,
store scripts, packages, users, hooks) as text, store hashes written <hash>,
to compare with vivobook/expected-tree.txt."""

import json
import re

STORE_HASH = re.compile(r"/var/lib/sysconf/store/[0-9a-z]{32}-")


def normalise(text):
    """Store paths without their hash: stable across content changes elsewhere."""
    return STORE_HASH.sub("/var/lib/sysconf/store/<hash>-", text)


def listing(b):
    out = [f"# The rendered tree of host {b.host}: every path of the generation's etc/, each home's files,",
           "# the store scripts, packages, users and hooks. Store hashes are written <hash>.",
           "# Regenerate: SYSCONF_UPDATE_GOLDEN=1 python3 tests/integration/test_vivobook.py build/sysconf", ""]
    m = b.manifest
    out.append("packages: " + " ".join(sorted(m.get("packages", []))))
    for u in sorted(m.get("users", []), key=lambda u: u["name"]):
        out.append("user " + json.dumps(u, sort_keys=True))
    for g in sorted(m.get("groups", []), key=lambda g: json.dumps(g, sort_keys=True)):
        out.append("group " + json.dumps(g, sort_keys=True))
    for hook in sorted(m.get("hooks", []), key=lambda x: x["name"]):
        out.append("hook " + json.dumps({k: v for k, v in hook.items() if k != "inputsHash"}, sort_keys=True))
    for home in b.homes:
        out.append(f"home {home.user} at {home.home}: packages " + " ".join(sorted(home.manifest.get("packages", []))))
    out.append("")
    for e in b.all_entries():
        head = f"{e.label}  {e.kind}"
        if e.kind == "symlink":
            head += f" -> {e.target}"
        if e.executable:
            head += ", executable"
        meta = e.meta
        if meta.get("mode") and meta.get("mode") != "symlink":
            head += f", copied with mode {meta['mode']} {meta.get('user', 'root')}:{meta.get('group', 'root')}"
        if e.kind == "secret":
            head += f" from {meta.get('secret')}"
        out.append(normalise(head))
        if e.kind == "file":
            try:
                text = e.data.decode("utf-8")
            except UnicodeDecodeError:
                out.append(f"  (binary, {len(e.data)} bytes)")
                continue
            for l in normalise(text).split("\n")[:-1] if text.endswith("\n") else normalise(text).split("\n"):
                out.append(("  | " + l).rstrip() if l else "  |")
            if text and not text.endswith("\n"):
                out.append("  \\ no newline at end of file")
            if not text:
                out.append("  (empty)")
    return "\n".join(out) + "\n"


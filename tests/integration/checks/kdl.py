"""KDL (niri's config): a syntax checker of KDL 1.0 documents, since neither
niri nor a KDL parser is packaged in Debian 12 (so `niri validate` is not
available). It checks structure only (strings, numbers, identifiers,
properties, children blocks, comments), not niri's schema."""

import re


KDL_IDENT_BAD = set('\\/(){}<>;[]=,"') | {" ", "\t", "\n", "\r"}


def kdl_problems(text, name):
    problems = []
    i, n, line = 0, len(text), 1
    depth_lines = []
    at_node_start = True

    def err(msg):
        problems.append(f"{name}:{line}: {msg}")

    while i < n and not problems:
        c = text[i]
        if c == "\n":
            line += 1
            i += 1
            at_node_start = True
            continue
        if c in " \t\r\ufeff":
            i += 1
            continue
        if text.startswith("//", i):
            while i < n and text[i] != "\n":
                i += 1
            continue
        if text.startswith("/*", i):
            depth, i = 1, i + 2
            while i < n and depth:
                if text.startswith("/*", i):
                    depth, i = depth + 1, i + 2
                elif text.startswith("*/", i):
                    depth, i = depth - 1, i + 2
                else:
                    line += text[i] == "\n"
                    i += 1
            if depth:
                err("unterminated /* comment")
            continue
        if text.startswith("/-", i):
            i += 2
            continue
        if c == "\\":  # line continuation
            j = i + 1
            while j < n and text[j] in " \t":
                j += 1
            if text.startswith("//", j):
                while j < n and text[j] != "\n":
                    j += 1
            if j < n and text[j] not in "\r\n":
                err("a line continuation must end the line")
            i = j + 1
            line += 1
            continue
        if c == ";":
            at_node_start = True
            i += 1
            continue
        if c == "{":
            depth_lines.append(line)
            at_node_start = True
            i += 1
            continue
        if c == "}":
            if not depth_lines:
                err("} without {")
            else:
                depth_lines.pop()
            i += 1
            continue
        if c == "(":  # type annotation
            end = text.find(")", i)
            if end < 0 or "\n" in text[i:end]:
                err("unterminated type annotation")
            i = end + 1
            continue
        if c == "=":
            if at_node_start:
                err("a node cannot start with =")
            i += 1
            continue
        if c == '"':
            j = i + 1
            while j < n and text[j] != '"':
                if text[j] == "\\":
                    if text[j + 1:j + 2] not in ('"', "\\", "/", "b", "f", "n", "r", "t", "u"):
                        err(f"invalid escape \\{text[j + 1:j + 2]} in a string")
                    j += 2
                else:
                    line += text[j] == "\n"
                    j += 1
            if j >= n:
                err("unterminated string")
            i = j + 1
            at_node_start = False
            continue
        m = re.match(r'r(#*)"', text[i:])
        if m:
            close = '"' + m.group(1)
            end = text.find(close, i + m.end())
            if end < 0:
                err("unterminated raw string")
                break
            line += text.count("\n", i, end)
            i = end + len(close)
            at_node_start = False
            continue
        m = re.match(r"[+-]?(0x[0-9a-fA-F_]+|0o[0-7_]+|0b[01_]+|[0-9][0-9_]*(\.[0-9][0-9_]*)?([eE][+-]?[0-9_]+)?)", text[i:])
        if m and (i + m.end() >= n or text[i + m.end()] in KDL_IDENT_BAD):
            if at_node_start:
                err(f"a node name cannot be a number: {m.group(0)}")
            i += m.end()
            at_node_start = False
            continue
        j = i
        while j < n and text[j] not in KDL_IDENT_BAD:
            j += 1
        if j == i:
            err(f"unexpected character {c!r}")
            break
        ident = text[i:j]
        if re.match(r"[+-]?[0-9]", ident):
            err(f"invalid number or identifier {ident!r}")
        i = j
        at_node_start = False
    if not problems and depth_lines:
        problems.append(f"{name}:{depth_lines[-1]}: {{ is never closed")
    return problems


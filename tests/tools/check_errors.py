#!/usr/bin/env python3
"""Errors are values, and none is dropped unseen (issue 14, item 5).

    check_errors.py SRC

A function that can fail returns a Result<T> or a Status (util/result.h). This
fails on the older shapes coming back:

- a header declaring a `std::string& error` (or problem, why, message, note,
  reason) out-parameter through which a function reports its failure;
- a `catch (...)` whose block does not rethrow (`throw;`): it swallows
  whatever it caught, the error and its site with it. Catch what is expected
  and report it, or let it propagate.

Each finding is printed as FILE:LINE: what, and the test fails.
"""

import os
import re
import sys

# A parameter (after `(` or `,`, before `,` or `)`), not a return type.
OUT_PARAM = re.compile(r'[(,]\s*(std::string\s*&\s*(error|errors|problem|why|message|note|reason|failure))\s*[,)]')
CATCH_ALL = re.compile(r'catch\s*\(\s*\.\.\.\s*\)\s*\{')


def block_after(text, start):
    """The text of the brace block that opens at text[start - 1] == '{'."""
    depth = 1
    i = start
    while i < len(text) and depth:
        if text[i] == '{':
            depth += 1
        elif text[i] == '}':
            depth -= 1
        i += 1
    return text[start:i - 1]


def line_of(text, offset):
    return text.count('\n', 0, offset) + 1


def scan(src):
    found = []
    for dirpath, _, files in os.walk(src):
        for name in sorted(files):
            path = os.path.join(dirpath, name)
            rel = os.path.relpath(path, os.path.dirname(os.path.abspath(src)))
            if not name.endswith(('.h', '.cc')):
                continue
            with open(path, encoding='utf-8') as f:
                text = f.read()
            if name.endswith('.h'):
                for m in OUT_PARAM.finditer(text):
                    found.append(f"{rel}:{line_of(text, m.start(1))}: `{m.group(1)}` out-parameter "
                                 "(return a Result<T> or a Status, util/result.h)")
            for m in CATCH_ALL.finditer(text):
                if not re.search(r'\bthrow\s*;', block_after(text, m.end())):
                    found.append(f"{rel}:{line_of(text, m.start())}: `catch (...)` that does not rethrow "
                                 "(catch what is expected and report it, or let it propagate)")
    return found


def main():
    if len(sys.argv) != 2:
        print(__doc__)
        return 2
    found = scan(sys.argv[1])
    for f in found:
        print(f)
    if found:
        print(f"{len(found)} error(s) reported in a shape that can be dropped (see tests/tools/check_errors.py)")
        return 1
    print("no error out-parameter in a header, no catch (...) that swallows")
    return 0


if __name__ == '__main__':
    sys.exit(main())

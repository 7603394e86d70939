#!/usr/bin/env python3
"""The stages of src/ only look down (STYLE.md; issue 14, item 4): each
directory may include its own headers and those of the stages below it,
never one above, so that no two stages include each other.

    check_layers.py SRC_DIR

Exit 0 when every #include "dir/..." in SRC_DIR respects the order below;
1, naming each file and include that does not.
"""

import os
import re
import sys

# Each stage, lowest first, with the stages it may include. `units` (the
# systemd unit files and manager) stands beside the pipeline: only util
# below it, used by plan and activate. `pipeline` strings the stages into
# build -> plan -> activate for the commands, which only parse, call it and print.
ALLOWED = {
    "util": set(),
    "load": {"util"},
    "declare": {"load", "util"},
    "eval": {"declare", "load", "util"},
    "render": {"eval", "declare", "load", "util"},
    "units": {"util"},
    "store": {"render", "eval", "declare", "load", "util"},
    "plan": {"store", "units", "render", "eval", "declare", "load", "util"},
    "activate": {"plan", "store", "units", "render", "eval", "declare", "load", "util"},
    "pipeline": {"activate", "plan", "store", "units", "render", "eval", "declare", "load", "util"},
    "cli": {"pipeline", "activate", "plan", "store", "units", "render", "eval", "declare", "load", "util"},
}

INCLUDE = re.compile(r'^\s*#\s*include\s+"([a-z_]+)/')


def main(src):
    bad = []
    stages = sorted(d for d in os.listdir(src) if os.path.isdir(os.path.join(src, d)))
    unknown = [d for d in stages if d not in ALLOWED]
    if unknown:
        print(f"directories of src/ without a place in the order: {', '.join(unknown)} (add them to ALLOWED)")
        return 1
    for stage in stages:
        for dirpath, _, files in os.walk(os.path.join(src, stage)):
            for name in sorted(files):
                path = os.path.join(dirpath, name)
                with open(path, encoding="utf-8") as f:
                    for number, line in enumerate(f, 1):
                        m = INCLUDE.match(line)
                        if m and m.group(1) != stage and m.group(1) not in ALLOWED[stage]:
                            bad.append(f"{os.path.relpath(path, src)}:{number}: {stage} includes {m.group(1)}/, a stage above it")
    for line in bad:
        print(line)
    return 1 if bad else 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    sys.exit(main(sys.argv[1]))

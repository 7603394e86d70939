#!/usr/bin/env python3
"""Every SYSCONF_TEST_* variable is read through util/test_seams (so that a
release build ignores it), and the seams-off probe, with all of them set,
reads none. Usage: check_test_seams.py SRC_DIR PROBE_BINARY"""

import os
import re
import subprocess
import sys

src, probe = sys.argv[1], sys.argv[2]
bad = []
for dirpath, _, files in os.walk(src):
    for name in files:
        path = os.path.join(dirpath, name)
        if name.startswith("test_seams."):
            continue
        with open(path, encoding="utf-8") as f:
            for number, line in enumerate(f, 1):
                if re.search(r'getenv\("SYSCONF_TEST_', line):
                    bad.append(f"{path}:{number}: reads a test seam without test_seam()")
if bad:
    sys.exit("\n".join(bad))
env = dict(os.environ)
for name in ("CRASH_AT", "PACKAGE_BACKEND", "RUN_ON_CHANGE", "SYSTEMD_ADDRESS", "USER_SYSTEMD_ADDRESS"):
    env["SYSCONF_TEST_" + name] = "/bin/false"
r = subprocess.run([probe], env=env, capture_output=True, text=True)
sys.stdout.write(r.stdout)
sys.exit(r.returncode)

#!/usr/bin/env bash
# The README's test command: installs what is missing, builds, and runs every
# test (unit, golden, differential, fuzz smoke) through ctest.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
"$repo/scripts/install-deps.sh"
"$repo/scripts/build.sh"
cd "$repo/build"
ctest --output-on-failure -j2

#!/usr/bin/env bash
# The README's run command: installs what is missing, builds, and runs the
# main job on this repository's own Vivobook configuration under a scratch
# root: check everything, render everything with the plan as CI would
# (build --dry-run), build the generation for real, and print the plan of a
# dry-run switch. Nothing outside the scratch root is touched.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
"$repo/scripts/install-deps.sh"
"$repo/scripts/build.sh" >/dev/null
sysconf="$repo/build/sysconf"
root=${SYSCONF_DEMO_ROOT:-$(mktemp -d /tmp/sysconf-demo.XXXXXX)}
cd "$repo"
run() { printf '\n$ sysconf --root %s %s\n' "$root" "$*"; "$sysconf" --root "$root" --host vivobook "$@"; }
run check
run build --dry-run
run build
run switch --dry-run
printf '\nThe scratch root is %s (remove it when done).\n' "$root"

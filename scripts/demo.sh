#!/usr/bin/env bash
# The README's run command: installs what is missing, builds, and runs sysconf
# on this repository's own Vivobook configuration under a scratch root.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
"$repo/scripts/install-deps.sh"
"$repo/scripts/build.sh" >/dev/null
sysconf="$repo/build/sysconf"
root=$(mktemp -d /tmp/sysconf-demo.XXXXXX)
trap 'rm -rf "$root"' EXIT
cd "$repo"
run() { printf '\n$ sysconf %s\n' "$*"; "$sysconf" --root "$root" --host vivobook "$@"; }
run check
run eval networking.hostName
run eval environment.etc.motd.text
run eval --user craig 'xdg.configFile."git/config".text'
run option environment.systemPackages
run docs --format md | head -n 20

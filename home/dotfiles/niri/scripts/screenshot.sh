#!/bin/sh
# Screenshots outside niri's own: `region` (select with slurp) or `output`
# (the focused screen), saved to ~/Pictures/Screenshots and copied to the
# clipboard, with a notification.
set -eu
mode="${1:-region}"
dir="${XDG_PICTURES_DIR:-$HOME/Pictures}/Screenshots"
mkdir -p "$dir"
file="$dir/$(date +%Y-%m-%d_%H-%M-%S).png"
case "$mode" in
  region) geometry=$(slurp) || exit 0; grim -g "$geometry" "$file" ;;
  output) grim "$file" ;;
  *) echo "usage: screenshot.sh [region|output]" >&2; exit 2 ;;
esac
wl-copy --type image/png < "$file"
notify-send --app-name=screenshot --icon="$file" "Screenshot saved" "$file"

#!/bin/sh
# waybar's custom/power-profile: prints the active power profile as waybar
# JSON; `next` switches to the next one (power-saver → balanced → performance).
set -eu
current=$(powerprofilesctl get 2>/dev/null || echo unavailable)
if [ "${1:-}" = next ]; then
  case "$current" in
    power-saver) powerprofilesctl set balanced ;;
    balanced) powerprofilesctl set performance 2>/dev/null || powerprofilesctl set power-saver ;;
    *) powerprofilesctl set power-saver ;;
  esac
  exit 0
fi
case "$current" in
  performance) label="perf" ;;
  power-saver) label="save" ;;
  *) label="bal" ;;
esac
printf '{"text": "%s", "tooltip": "power profile: %s", "class": "%s", "alt": "%s"}\n' "$label" "$current" "$current" "$current"

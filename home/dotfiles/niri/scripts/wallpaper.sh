#!/bin/sh
# Draws the wallpaper with swaybg: the newest image in ~/Pictures/Wallpapers,
# or a plain colour from the theme when there is none. Run by wallpaper.service.
set -eu
dir="${XDG_PICTURES_DIR:-$HOME/Pictures}/Wallpapers"
image=""
if [ -d "$dir" ]; then
  image=$(find "$dir" -maxdepth 1 -type f \( -name '*.png' -o -name '*.jpg' -o -name '*.jpeg' \) -printf '%T@ %p\n' \
    | sort -rn | head -n 1 | cut -d' ' -f2-)
fi
if [ -n "$image" ]; then
  exec swaybg --mode fill --image "$image"
fi
exec swaybg --color "${WALLPAPER_FALLBACK_COLOR:-#1e1e2e}"

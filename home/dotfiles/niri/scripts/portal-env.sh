#!/bin/sh
# Hands the session's Wayland variables to D-Bus activated services (portals,
# mako), which do not inherit niri's environment.
exec dbus-update-activation-environment --systemd WAYLAND_DISPLAY XDG_CURRENT_DESKTOP XDG_SESSION_TYPE NIRI_SOCKET

#!/usr/bin/env bash
# Installs what building and testing sysconf needs on Debian 12, and nothing
# when it is all there already. Run as root or with sudo available.
set -euo pipefail
packages=(
  g++ cmake ninja-build pkg-config git python3
  libtomlplusplus-dev libfmt-dev libspdlog-dev libsystemd-dev libcli11-dev catch2 libssl-dev nlohmann-json3-dev
  clang libclang-rt-14-dev  # the libFuzzer targets
  systemd                   # systemd-sysusers and systemd-tmpfiles, run by the tests' hooks under scratch roots,
                            # and the private `systemd --user` manager the unit tests switch against
  dbus-user-session systemd-container util-linux  # the manager's session pieces, nspawn, unshare
  mmdebstrap                # the booted Debian 12 machine of tests/integration/test_machine.py
  python3-yaml              # tests/integration/test_vivobook.py re-parses every rendered YAML file
  kitty fuzzel mako-notifier  # test_vivobook.py loads the Vivobook's kitty.conf, fuzzel.ini and mako
                            # config with each program's own parser (headless: no display, no bus)
  kmod fontconfig           # test_vivobook.py: modprobe.d through modprobe --showconfig, fonts.conf through fc-match
  git zsh openssh-client bash  # tests/integration/test_home_tools.py: git config, zsh -n, ssh -G, bash -n
  nix-bin                   # tests/differential/nix_oracle.py: real Nix (lib.evalModules) as the oracle of the engine
)
missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
echo "installing: ${missing[*]}"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null

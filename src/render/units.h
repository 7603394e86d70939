// systemd.services, systemd.timers and systemd.units (and a user's
// systemd.user.*) → unit files, .wants/ and .requires/ links, and the
// scripts that services run from the store. Written as NixOS's systemd-lib
// writes them, so that the switch can compare old and new files the way
// switch-to-configuration does.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "render/rendered.h"
#include "util/value.h"

namespace sc {

struct UnitOptions {
  const Value* services = nullptr;  // attrsOf(systemdService)
  const Value* timers = nullptr;    // attrsOf(systemdTimer)
  const Value* units = nullptr;     // attrsOf(systemdUnit)
};

struct RenderedUnitFile {
  RenderedFile file;  // path: `dir` + name
  std::vector<std::string> option;  // the option that defines it, for errors
};

struct UnitRenderer {
  std::string dir;  // "/etc/systemd/system/" or ".config/systemd/user/"
  std::string package_dir;  // where packages install units: "/usr/lib/systemd/system/" or ".../user/"
  // The identity of a file a trigger names, if this generation manages it.
  std::function<std::optional<std::string>(const std::string& path)> managed_file_identity;
  // Reports a problem with the option at `option`.
  std::function<void(const std::string& message, const std::vector<std::string>& option)> error;
  std::vector<std::string> option_prefix;  // {"systemd"} or {"systemd", "user"}

  void render(const UnitOptions& options, std::vector<RenderedUnitFile>& files, std::vector<RenderedObject>& objects) const;
};

}  // namespace sc

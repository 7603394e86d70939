// Packages: installs what the generation wants and is missing, and removes
// what it dropped, but only packages sysconf itself installed (recorded in
// /var/lib/sysconf/packages.json). A backend for apt, dnf and pacman, chosen
// by which is on the machine. Under a --root other than / nothing runs: the
// plan shows what would. (Tests set SYSCONF_TEST_PACKAGE_BACKEND to a script
// taking `query NAME`, `install NAMES...`, `remove NAMES...`.)
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "util/safe_fs.h"

namespace sc {

class PackageBackend {
 public:
  virtual ~PackageBackend() = default;
  virtual std::string name() const = 0;
  virtual bool installed(const std::string& package) = 0;
  // Returns an error message, empty on success.
  virtual std::string install(const std::vector<std::string>& packages) = 0;
  virtual std::string remove(const std::vector<std::string>& packages) = 0;
};

// The backend for this machine, or null when packages cannot be managed here
// (a --root other than /, or no known package manager).
std::unique_ptr<PackageBackend> detect_package_backend(const Root& root);

std::vector<std::string> read_installed_by_sysconf(const Root& root);
void write_installed_by_sysconf(const Root& root, const std::vector<std::string>& packages);

}  // namespace sc

// The package managers sysconf drives: apt, dnf and pacman, chosen by which
// one the machine has, and a stand-in for tests. Each is a few command lines.
// Package names come after `--` on every command line that takes it (dnf5
// rejects `--`; there the guard is the package type, which refuses a name
// starting with '-' where it is defined). A backend also refuses such a name
// itself, whatever manifest it came from.
//
// The test stand-in is the script SYSCONF_TEST_PACKAGE_BACKEND names, called
// as `SCRIPT VERB -- NAME...` with the verbs `query` (exit 0 when NAME is
// installed), `install`, `remove` (one transaction each) and `available`
// (prints, one a line, the names that have an installation candidate).
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "util/result.h"
#include "util/safe_fs.h"

namespace sc {

// The answer to "which of these packages can be installed?".
struct Availability {
  // Set when the package manager could not be asked; nothing else is then known.
  std::optional<std::string> error;
  // Each package without an installation candidate, and why, in the package
  // manager's words where it gives any.
  std::map<std::string, std::string> unavailable;
};

// Asks a package manager, read-only, what it could install.
class PackageQuery {
 public:
  virtual ~PackageQuery() = default;
  virtual std::string name() const = 0;  // "apt", "dnf", "pacman", "test"
  virtual Availability availability(const std::vector<std::string>& packages) = 0;
};

// A package manager that changes the machine.
class PackageBackend : public PackageQuery {
 public:
  virtual bool installed(const std::string& package) = 0;
  // One transaction each. nullopt on success; else what failed, with the
  // package manager's own error lines.
  virtual std::optional<std::string> install(const std::vector<std::string>& packages) = 0;
  virtual std::optional<std::string> remove(const std::vector<std::string>& packages) = 0;
};

// The backend that installs packages for `root`: the test stand-in when set,
// else the machine's own package manager when `root` is the live system.
// Null when packages cannot be managed there (a --root other than /, or no
// known package manager).
std::unique_ptr<PackageBackend> detect_package_backend(const Root& root);

// Whom to ask which packages could be installed under the root at
// `root_path`: the backend detect_package_backend would pick for it, or, for a
// --root other than / that holds apt's own state (a dpkg status file and
// package lists), that root's apt, read through `-o Dir=ROOT`. The host's
// package manager is never asked about another root: its answer is about the
// host, which may run another release or distribution. Fails, saying why,
// when no one can answer for that root.
Result<std::unique_ptr<PackageQuery>> detect_package_query(const std::string& root_path);

}  // namespace sc

// The repository a user edits (DESIGN.md section 2): where it is, its
// `sysconf.toml` with the hosts, and the module library every evaluation
// includes.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "load/loader.h"
#include "util/config_reader.h"
#include "util/diagnostic.h"

namespace sc {

struct HostSpec {
  std::string name;
  // How its modules are read: as the configuration's owner could.
  std::shared_ptr<const ConfigReader> reader;
  std::vector<ModuleRoot> modules;        // the entry modules
  std::vector<std::string> library_dirs;  // empty with `library = false`
  SourcePos pos;
};

struct Repo {
  std::string config_dir;  // absolute
  std::vector<HostSpec> hosts;
  std::optional<std::string> default_host;  // `defaultHost`, checked to name one of `hosts`
};

// --config DIR, else the current directory if it holds sysconf.toml, else /etc/sysconf.
std::string find_config_dir(const std::optional<std::string>& flag);

// Reads DIR/sysconf.toml. Errors (syntax, unknown keys, no hosts) go to `diags`.
std::optional<Repo> load_repo(const std::string& config_dir, SourceFiles& files, Diagnostics& diags);

// The host named by --host, else the one named like this machine, else the
// repository's defaultHost.
const HostSpec* select_host(const Repo& repo, const std::optional<std::string>& flag, Diagnostics& diags);

// The library's module files, sorted: every *.toml below `dir`, the system
// modules outside `dir/home/` and the home modules inside it.
std::vector<std::string> library_modules(const std::string& dir, bool home);

// The library used when a host does not name one: modules/ beside
// sysconf.toml, else the one installed with sysconf.
std::string default_library_dir(const std::string& config_dir);

}  // namespace sc

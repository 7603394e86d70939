#include "activate/packages.h"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>

#include <nlohmann/json.hpp>

#include "activate/command.h"
#include "store/store.h"

namespace sc {

namespace {

// A backend is three command lines: query one package, install, remove.
class CommandBackend : public PackageBackend {
 public:
  CommandBackend(std::string name, std::vector<std::string> query, std::vector<std::string> install,
                 std::vector<std::string> remove, std::string installed_marker = {})
      : name_(std::move(name)), query_(std::move(query)), install_(std::move(install)), remove_(std::move(remove)),
        marker_(std::move(installed_marker)) {}
  std::string name() const override { return name_; }
  bool installed(const std::string& package) override {
    auto argv = query_;
    argv.push_back(package);
    CommandResult r = run_command(argv);
    return r.status == 0 && (marker_.empty() || r.output.find(marker_) != std::string::npos);
  }
  std::string install(const std::vector<std::string>& packages) override { return run(install_, packages); }
  std::string remove(const std::vector<std::string>& packages) override { return run(remove_, packages); }

 private:
  std::string run(std::vector<std::string> argv, const std::vector<std::string>& packages) {
    if (packages.empty()) return {};
    argv.insert(argv.end(), packages.begin(), packages.end());
    CommandResult r = run_command(argv);
    if (r.status == 0) return {};
    std::string tail = r.output.size() > 2000 ? r.output.substr(r.output.size() - 2000) : r.output;
    return argv[0] + " failed (exit " + std::to_string(r.status) + "): " + tail;
  }
  std::string name_;
  std::vector<std::string> query_, install_, remove_;
  std::string marker_;
};

bool executable(const char* path) { return access(path, X_OK) == 0; }

}  // namespace

std::unique_ptr<PackageBackend> detect_package_backend(const Root& root) {
  if (const char* test = std::getenv("SYSCONF_TEST_PACKAGE_BACKEND"); test && *test) {
    std::string s = test;
    return std::make_unique<CommandBackend>("test", std::vector<std::string>{s, "query"},
                                            std::vector<std::string>{s, "install"}, std::vector<std::string>{s, "remove"});
  }
  if (!root.is_live()) return nullptr;
  if (executable("/usr/bin/apt-get"))
    return std::make_unique<CommandBackend>(
        "apt", std::vector<std::string>{"dpkg-query", "-W", "-f=${Status}"},
        std::vector<std::string>{"env", "DEBIAN_FRONTEND=noninteractive", "apt-get", "install", "-y", "-q"},
        std::vector<std::string>{"env", "DEBIAN_FRONTEND=noninteractive", "apt-get", "remove", "-y", "-q"},
        "install ok installed");
  if (executable("/usr/bin/dnf"))
    return std::make_unique<CommandBackend>("dnf", std::vector<std::string>{"rpm", "-q"},
                                            std::vector<std::string>{"dnf", "install", "-y"},
                                            std::vector<std::string>{"dnf", "remove", "-y"});
  if (executable("/usr/bin/pacman"))
    return std::make_unique<CommandBackend>("pacman", std::vector<std::string>{"pacman", "-Q"},
                                            std::vector<std::string>{"pacman", "-S", "--noconfirm", "--needed"},
                                            std::vector<std::string>{"pacman", "-R", "--noconfirm"});
  return nullptr;
}

std::vector<std::string> read_installed_by_sysconf(const Root& root) {
  try {
    Fd dir = open_dir_beneath(root.fd(), Root::relative(kStateDir), false);
    if (stat_at(dir.get(), "packages.json").type == FileStat::Type::Missing) return {};
    auto j = nlohmann::json::parse(read_file_at(dir.get(), "packages.json"));
    return j.value("installedBySysconf", std::vector<std::string>{});
  } catch (...) {
    return {};
  }
}

void write_installed_by_sysconf(const Root& root, const std::vector<std::string>& packages) {
  std::vector<std::string> sorted = packages;
  std::sort(sorted.begin(), sorted.end());
  sorted.erase(std::unique(sorted.begin(), sorted.end()), sorted.end());
  Fd dir = open_dir_beneath(root.fd(), Root::relative(kStateDir), true);
  nlohmann::json j = {{"installedBySysconf", sorted}};
  write_file_at(dir.get(), "packages.json", j.dump(2) + "\n", 0644);
}

}  // namespace sc

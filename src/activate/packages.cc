#include "activate/packages.h"

#include <algorithm>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "store/store.h"

namespace sc {

PackageInstall install_available(PackageBackend& backend, const std::vector<std::string>& missing) {
  PackageInstall out;
  if (missing.empty()) return out;
  // Asking first keeps one missing candidate from failing the whole
  // transaction ("Unable to locate package" stops apt-get before anything).
  Availability answer = backend.availability(missing);
  std::vector<std::string> candidates;
  if (answer.error) {
    // Not knowing is no reason to install nothing: the transaction, and one
    // by one after it, still names each package that fails.
    out.notes.push_back(fmt::format("could not ask {} which packages it can install: {}", backend.name(), *answer.error));
    candidates = missing;
  } else {
    for (const std::string& p : missing) {
      auto it = answer.unavailable.find(p);
      if (it == answer.unavailable.end())
        candidates.push_back(p);
      else
        out.failures.push_back(fmt::format("package {}: not installed: {} has no installation candidate for it ({})", p,
                                           backend.name(), it->second));
    }
  }
  if (candidates.empty()) return out;
  std::optional<std::string> error = backend.install(candidates);
  if (!error) {
    out.installed = candidates;
    return out;
  }
  // The transaction failed as a whole (a broken dependency, a failing
  // maintainer script): what it did install stays; the rest one at a time.
  for (const std::string& p : candidates) {
    if (backend.installed(p)) {
      out.installed.push_back(p);
      continue;
    }
    std::optional<std::string> alone = candidates.size() == 1 ? error : backend.install({p});
    if (alone)
      out.failures.push_back(fmt::format("package {}: not installed: {}", p, *alone));
    else
      out.installed.push_back(p);
  }
  return out;
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

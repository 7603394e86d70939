#include "activate/packages.h"

#include <algorithm>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "activate/state_file.h"
#include "declare/type.h"

namespace sc {

namespace {
constexpr const char* kFile = "packages.json";
}  // namespace

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

std::vector<std::string> installed_by_sysconf_from_json(const nlohmann::json& j) {
  if (!j.is_object()) throw_damaged(kFile, "it is not a JSON object");
  if (!j.contains("installedBySysconf") || !j["installedBySysconf"].is_array())
    throw_damaged(kFile, "\"installedBySysconf\" is missing or not a list");
  std::vector<std::string> out;
  for (const auto& p : j["installedBySysconf"]) {
    if (!p.is_string() || !is_package_name(p.get<std::string>()))
      throw_damaged(kFile, fmt::format("\"installedBySysconf\" holds {}, which is not a package name", p.dump()));
    out.push_back(p.get<std::string>());
  }
  return out;
}

nlohmann::json installed_by_sysconf_to_json(const std::vector<std::string>& packages) {
  std::vector<std::string> sorted = packages;
  std::sort(sorted.begin(), sorted.end());
  sorted.erase(std::unique(sorted.begin(), sorted.end()), sorted.end());
  return {{"installedBySysconf", sorted}};
}

std::vector<std::string> read_installed_by_sysconf(const Root& root) {
  auto j = read_state_file(root, kFile);
  if (!j) return {};
  return installed_by_sysconf_from_json(*j);
}

void write_installed_by_sysconf(const Root& root, const std::vector<std::string>& packages) {
  write_state_file(root, kFile, installed_by_sysconf_to_json(packages));
}

}  // namespace sc

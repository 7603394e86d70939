#include "activate/apt_cache.h"

#include <algorithm>

#include <fmt/format.h>

namespace sc {

namespace {

// Calls `line` for each line of `text`, without its '\n'.
template <typename F>
void for_each_line(std::string_view text, F&& line) {
  while (!text.empty()) {
    size_t end = text.find('\n');
    line(text.substr(0, end));
    if (end == std::string_view::npos) break;
    text.remove_prefix(end + 1);
  }
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

// An entry for `package`, also when it was asked for with an architecture
// ("libc6:amd64") that apt prints without (the machine's own).
template <typename Map>
const typename Map::mapped_type* find_package(const Map& map, const std::string& package) {
  if (auto it = map.find(package); it != map.end()) return &it->second;
  if (size_t colon = package.find(':'); colon != std::string::npos)
    if (auto it = map.find(package.substr(0, colon)); it != map.end()) return &it->second;
  return nullptr;
}

}  // namespace

AptPolicy parse_apt_policy(std::string_view output) {
  AptPolicy policy;
  std::string current;  // the package whose block this is; empty outside one
  for_each_line(output, [&](std::string_view line) {
    // A block starts with "NAME:" at the start of a line; what apt says
    // besides ("N: ...", "W: ...") holds spaces and is not a block.
    if (!line.empty() && line.front() != ' ' && line.back() == ':' && line.find(' ') == std::string_view::npos) {
      current = std::string(line.substr(0, line.size() - 1));
      policy.emplace(current, std::nullopt);
      return;
    }
    if (line.empty() || line.front() != ' ') {
      current.clear();
      return;
    }
    std::string_view field = trim(line);
    constexpr std::string_view kCandidate = "Candidate:";
    if (current.empty() || field.substr(0, kCandidate.size()) != kCandidate) return;
    std::string_view version = trim(field.substr(kCandidate.size()));
    if (version != "(none)" && !version.empty()) policy[current] = std::string(version);
  });
  return policy;
}

AptProviders parse_apt_providers(std::string_view output) {
  AptProviders providers;
  std::string current;
  bool in_providers = false;
  for_each_line(output, [&](std::string_view line) {
    constexpr std::string_view kPackage = "Package: ";
    if (line.substr(0, kPackage.size()) == kPackage) {
      current = std::string(trim(line.substr(kPackage.size())));
      providers[current];
      in_providers = false;
      return;
    }
    if (current.empty()) return;
    // Reverse Provides is the last section of a package's block: one
    // "NAME VERSION ..." line a providing version, until the next block.
    if (trim(line) == "Reverse Provides:") {
      in_providers = true;
      return;
    }
    std::string_view entry = trim(line);
    if (!in_providers || entry.empty() || line.front() == ' ') return;
    std::string name(entry.substr(0, entry.find(' ')));
    auto& names = providers[current];
    if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
  });
  for (auto& [package, names] : providers) std::sort(names.begin(), names.end());
  return providers;
}

std::optional<std::string> apt_unavailable_reason(const std::string& package, const AptPolicy& policy,
                                                  const AptProviders& providers) {
  const std::optional<std::string>* candidate = find_package(policy, package);
  if (!candidate) return "Unable to locate package";  // apt-get's own words
  if (candidate->has_value()) return std::nullopt;
  const std::vector<std::string>* names = find_package(providers, package);
  if (!names || names->empty()) return "no configured source has it; only other packages refer to it";
  if (names->size() == 1) return std::nullopt;
  return fmt::format("a virtual package provided by {}: name one of them", fmt::join(*names, ", "));
}

}  // namespace sc

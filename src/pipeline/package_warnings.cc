#include "pipeline/package_warnings.h"

#include <set>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "activate/package_backend.h"
#include "eval/list_origins.h"

namespace sc {

namespace {

// One list of packages: the system's or a user's.
struct PackageList {
  Evaluation* eval;
  const OptionInfo* option;
  std::string user;  // empty for the system's
};

void add_list(Evaluation& eval, const std::vector<std::string>& path, std::string user, std::vector<PackageList>& out) {
  if (const OptionInfo* option = eval.declarations().tree.option_at(path))
    out.push_back(PackageList{&eval, option, std::move(user)});
}

}  // namespace

void warn_unavailable_packages(HostEvaluation& host, const std::string& root_path, Diagnostics& diags) {
  std::vector<PackageList> lists;
  add_list(*host.system->eval, {"sysconf", "packages"}, "", lists);
  for (HomeEvaluation& home : host.homes) add_list(*home.config->eval, {"sysconf", "home", "packages"}, home.user.name, lists);
  std::set<std::string> names;
  for (const PackageList& list : lists) {
    Evaluation::Result value = list.eval->option_value(*list.option);
    if (value.status != Evaluation::Status::Value || !value.value->is_list()) continue;
    for (auto it = value.value->begin_items(); it != value.value->end_items(); ++it)
      if ((*it)->is_string()) names.insert(std::string((*it)->str()));
  }
  if (names.empty()) return;

  auto detected = detect_package_query(root_path);
  if (!detected.ok()) {
    // Not an error: without a package manager to ask, the check is skipped.
    spdlog::debug("packages not checked for installation candidates: {}", detected.message());
    return;
  }
  std::unique_ptr<PackageQuery> query = std::move(detected).value();
  Availability answer = query->availability(std::vector<std::string>(names.begin(), names.end()));
  if (answer.error) {
    Diagnostic d;
    d.severity = Severity::Warning;
    d.message = fmt::format("cannot tell which packages {} can install: {}", query->name(), *answer.error);
    diags.add(std::move(d));
    return;
  }
  if (answer.unavailable.empty()) return;

  // Where each list's elements came from, worked out only now that one is needed.
  std::vector<std::map<std::string, std::vector<ElementOrigin>>> origins;
  for (const PackageList& list : lists) origins.push_back(list_element_origins(*list.eval, *list.option));
  std::string where = root_path.find_first_not_of('/') == std::string::npos ? "on this machine"
                                                                             : fmt::format("under --root {}", root_path);
  for (const auto& [package, reason] : answer.unavailable) {
    Diagnostic d;
    d.severity = Severity::Warning;
    d.message = fmt::format("package `{}` cannot be installed {}: {} has no installation candidate for it ({})", package,
                            where, query->name(), reason);
    d.help = "`sysconf switch` installs the other packages and fails on this one alone, until a source the package "
             "manager uses has it";
    bool first = true;
    for (size_t i = 0; i < lists.size(); ++i) {
      auto found = origins[i].find(package);
      if (found == origins[i].end()) continue;
      std::string by = lists[i].user.empty() ? "" : fmt::format(", in the home of {}", lists[i].user);
      for (const ElementOrigin& origin : found->second) {
        if (first) {
          d.pos = origin.pos;
          d.label = "asked for here" + by;
        } else {
          d.notes.push_back(Note{"also asked for here" + by, origin.pos});
        }
        first = false;
        d.notes.insert(d.notes.end(), origin.notes.begin(), origin.notes.end());
      }
    }
    diags.add(std::move(d));
  }
}

}  // namespace sc

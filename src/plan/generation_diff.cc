#include "plan/generation_diff.h"

#include <map>
#include <set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace sc {

namespace {

const std::vector<ManifestFile> kNoFiles;

// Changes between two maps of name → identity: a name whose identity differs
// is changed.
template <typename Identity>
NameChanges compare_identities(const std::map<std::string, Identity>& from, const std::map<std::string, Identity>& to,
                               bool (*same)(const Identity&, const Identity&)) {
  NameChanges out;
  for (const auto& [name, identity] : to) {
    auto old = from.find(name);
    if (old == from.end()) out.added.push_back(name);
    else if (!same(old->second, identity)) out.changed.push_back(name);
  }
  for (const auto& [name, identity] : from)
    if (!to.count(name)) out.removed.push_back(name);
  return out;
}

NameChanges compare_files(const std::vector<ManifestFile>& from, const std::vector<ManifestFile>& to) {
  std::map<std::string, const ManifestFile*> a, b;
  for (const ManifestFile& f : from) a[f.path] = &f;
  for (const ManifestFile& f : to) b[f.path] = &f;
  return compare_identities<const ManifestFile*>(
      a, b, [](const ManifestFile* const& x, const ManifestFile* const& y) { return x->same_content(*y); });
}

NameChanges compare_names(const std::vector<std::string>& from, const std::vector<std::string>& to) {
  std::map<std::string, bool> a, b;
  for (const std::string& n : from) a[n] = true;
  for (const std::string& n : to) b[n] = true;
  return compare_identities<bool>(a, b, [](const bool&, const bool&) { return true; });
}

// A unit as a switch compares it: its file, its drop-ins and the targets
// that want it.
std::map<std::string, std::string> unit_identities(const std::vector<ManifestFile>& files, const std::string& dir) {
  std::map<std::string, std::string> out;
  for (const ManifestUnit& u : units_among(files, dir)) {
    std::string id = u.file ? u.file->object : "";
    for (const ManifestFile* d : u.dropins) id += " " + d->path + "=" + d->object;
    for (const std::string& t : u.wanted_by) id += " <" + t;
    out[u.name] = id;
  }
  return out;
}

NameChanges compare_units(const std::vector<ManifestFile>& from, const std::vector<ManifestFile>& to,
                          const std::string& dir) {
  return compare_identities<std::string>(unit_identities(from, dir), unit_identities(to, dir),
                                         [](const std::string& x, const std::string& y) { return x == y; });
}

// Each name with its sign ('+', '~' or '-'): added and changed ones
// interleaved in name order, then the removed ones.
std::vector<std::pair<char, std::string>> signed_names(const NameChanges& c) {
  std::map<std::string, char> present;
  for (const std::string& n : c.added) present[n] = '+';
  for (const std::string& n : c.changed) present[n] = '~';
  std::vector<std::pair<char, std::string>> out;
  for (const auto& [name, sign] : present) out.emplace_back(sign, name);
  for (const std::string& n : c.removed) out.emplace_back('-', n);
  return out;
}

// "+a ~b -c" as words for one line, each name after `prefix`.
void add_words(std::vector<std::string>& words, const NameChanges& c, const std::string& prefix) {
  for (const auto& [sign, name] : signed_names(c)) words.push_back(sign + prefix + name);
}

void append_line(std::string& out, const std::string& what, const std::vector<std::string>& names) {
  std::string line;
  for (const std::string& n : names) line += " " + n;
  out += fmt::format("{}:{}\n", what, line.empty() ? " unchanged" : line);
}

nlohmann::json changes_json(const NameChanges& c, bool with_changed) {
  nlohmann::json j = {{"added", c.added}, {"removed", c.removed}};
  if (with_changed) j["changed"] = c.changed;
  return j;
}

}  // namespace

bool GenerationDiff::empty() const {
  for (const HomeChanges& h : homes)
    if (!h.files.empty() || !h.units.empty()) return false;
  return etc.empty() && packages.empty() && users.empty() && groups.empty() && units.empty();
}

GenerationDiff compare_manifests(const Manifest* from, const Manifest& to) {
  static const Manifest kNothing;
  const Manifest& a = from ? *from : kNothing;
  GenerationDiff diff;
  diff.etc = compare_files(a.files, to.files);
  std::set<std::string> users;
  for (const ManifestHome& h : a.homes) users.insert(h.user);
  for (const ManifestHome& h : to.homes) users.insert(h.user);
  for (const std::string& user : users) {
    const ManifestHome* x = a.home(user);
    const ManifestHome* y = to.home(user);
    const std::vector<ManifestFile>& old_files = x ? x->files : kNoFiles;
    const std::vector<ManifestFile>& new_files = y ? y->files : kNoFiles;
    diff.homes.push_back(
        HomeChanges{user, compare_files(old_files, new_files), compare_units(old_files, new_files, kUserUnitDir)});
  }
  diff.packages = compare_names(a.packages, to.packages);
  auto names = [](const auto& list) {
    std::vector<std::string> out;
    for (const auto& entry : list) out.push_back(entry.name);
    return out;
  };
  diff.users = compare_names(names(a.users), names(to.users));
  diff.groups = compare_names(names(a.groups), names(to.groups));
  diff.units = compare_units(a.files, to.files, kSystemUnitDir);
  return diff;
}

std::string describe_generation_diff(const GenerationDiff& diff) {
  std::string out = "files:\n";
  auto file_lines = [&](const NameChanges& files, const std::string& prefix) {
    for (const auto& [sign, path] : signed_names(files)) out += fmt::format("  {} {}{}\n", sign, prefix, path);
  };
  file_lines(diff.etc, "");
  for (const HomeChanges& h : diff.homes) file_lines(h.files, "~" + h.user + "/");
  std::vector<std::string> packages, users, units;
  add_words(packages, diff.packages, "");
  add_words(users, diff.users, "");
  add_words(units, diff.units, "");
  for (const HomeChanges& h : diff.homes) add_words(units, h.units, "~" + h.user + "/");
  append_line(out, "packages", packages);
  append_line(out, "users", users);
  append_line(out, "units", units);
  return out;
}

nlohmann::json generation_diff_json(const GenerationDiff& diff) {
  nlohmann::json homes = nlohmann::json::array();
  for (const HomeChanges& h : diff.homes)
    homes.push_back({{"user", h.user}, {"files", changes_json(h.files, true)}, {"units", changes_json(h.units, true)}});
  return {{"etc", changes_json(diff.etc, true)},
          {"homes", homes},
          {"packages", changes_json(diff.packages, false)},
          {"users", changes_json(diff.users, false)},
          {"groups", changes_json(diff.groups, false)},
          {"units", changes_json(diff.units, true)}};
}

}  // namespace sc

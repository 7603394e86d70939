#include "store/profiles.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <set>

#include <fmt/format.h>

namespace sc {

namespace {
// "system-42-link" → 42 when it belongs to `profile`.
std::optional<int> link_number(const std::string& name, const std::string& profile) {
  std::string prefix = profile + "-";
  std::string suffix = "-link";
  if (name.size() <= prefix.size() + suffix.size() || name.rfind(prefix, 0) != 0 ||
      name.compare(name.size() - suffix.size(), suffix.size(), suffix) != 0)
    return std::nullopt;
  std::string digits = name.substr(prefix.size(), name.size() - prefix.size() - suffix.size());
  if (digits.empty() || digits.find_first_not_of("0123456789") != std::string::npos) return std::nullopt;
  return std::atoi(digits.c_str());
}

std::string link_name(const std::string& profile, int number) { return fmt::format("{}-{}-link", profile, number); }

std::vector<std::string> entries(int dir) {
  std::vector<std::string> out;
  if (dir < 0) return out;
  DIR* d = fdopendir(dup(dir));
  if (!d) return out;
  rewinddir(d);
  while (dirent* e = readdir(d)) {
    std::string n = e->d_name;
    if (n != "." && n != "..") out.push_back(n);
  }
  closedir(d);
  return out;
}
}  // namespace

Profiles::Profiles(const Root& root, bool read_only) {
  std::string rel = Root::relative(kProfilesDir);
  try {
    dir_ = open_dir_beneath(root.fd(), rel, !read_only, 0755);
  } catch (const FsError&) {
    if (!read_only) throw;  // read-only and missing: no generations yet
  }
}

std::vector<ProfileGeneration> Profiles::list(const std::string& profile) const {
  std::vector<ProfileGeneration> out;
  for (const std::string& name : entries(dir_.get())) {
    auto n = link_number(name, profile);
    if (!n) continue;
    if (auto g = get(profile, *n)) out.push_back(*g);
  }
  std::sort(out.begin(), out.end(), [](auto& a, auto& b) { return a.number < b.number; });
  return out;
}

std::optional<ProfileGeneration> Profiles::get(const std::string& profile, int number) const {
  if (!dir_.valid()) return std::nullopt;
  std::string name = link_name(profile, number);
  struct stat st;
  if (fstatat(dir_.get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISLNK(st.st_mode)) return std::nullopt;
  std::string target = readlink_at(dir_.get(), name);
  size_t slash = target.rfind('/');
  return ProfileGeneration{number, slash == std::string::npos ? target : target.substr(slash + 1), st.st_mtime};
}

std::optional<int> Profiles::current(const std::string& profile) const {
  if (!dir_.valid() || stat_at(dir_.get(), profile).type != FileStat::Type::Symlink) return std::nullopt;
  return link_number(readlink_at(dir_.get(), profile), profile);
}

int Profiles::add(const std::string& profile, const std::string& object, bool reuse_any) {
  auto all = list(profile);
  if (!all.empty() && all.back().object == object) return all.back().number;
  if (reuse_any)
    for (const auto& g : all)
      if (g.object == object) return g.number;
  int number = all.empty() ? 1 : all.back().number + 1;
  symlink_at(dir_.get(), link_name(profile, number), "../store/" + object);
  return number;
}

void Profiles::set_current(const std::string& profile, int number) {
  ensure_symlink_at(dir_.get(), profile, link_name(profile, number));
}

void Profiles::remove(const std::string& profile, int number) { unlink_at(dir_.get(), link_name(profile, number)); }

std::vector<std::string> Profiles::names() const {
  std::set<std::string> out;
  for (const std::string& name : entries(dir_.get())) {
    // A numbered link names its profile too, even when the profile's own
    // link is gone: gc must still keep what it points to.
    size_t dash = name.rfind('-', name.size() >= 5 ? name.size() - 6 : 0);
    if (dash != std::string::npos && dash > 0 && link_number(name, name.substr(0, dash))) {
      out.insert(name.substr(0, dash));
      continue;
    }
    if (name.ends_with("-link")) continue;
    if (stat_at(dir_.get(), name).type == FileStat::Type::Symlink) out.insert(name);
  }
  return {out.begin(), out.end()};
}

}  // namespace sc

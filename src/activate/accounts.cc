#include "activate/accounts.h"

#include <algorithm>
#include <cstdlib>
#include <sstream>
#include <vector>

namespace sc {

namespace {
std::vector<std::string> fields(const std::string& line) {
  std::vector<std::string> out;
  std::string field;
  std::istringstream in(line);
  while (std::getline(in, field, ':')) out.push_back(field);
  return out;
}

// Every line of one of the root's account files, split into fields.
std::vector<std::vector<std::string>> entries(const Root& root, const char* file) {
  std::string text;
  try {
    text = root.read_inside(file);
  } catch (const FsError&) {
    return {};
  }
  std::vector<std::vector<std::string>> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) out.push_back(fields(line));
  return out;
}

std::optional<std::vector<std::string>> find_entry(const Root& root, const char* file, const std::string& name) {
  for (auto& f : entries(root, file))
    if (!f.empty() && f[0] == name) return std::move(f);
  return std::nullopt;
}
}  // namespace

std::optional<Account> find_user(const Root& root, const std::string& name) {
  if (name == "root") return Account{0, 0, "/root", "/bin/sh"};
  auto f = find_entry(root, "/etc/passwd", name);
  if (!f || f->size() < 6) return std::nullopt;
  std::string shell = f->size() > 6 && !(*f)[6].empty() ? (*f)[6] : "/bin/sh";
  return Account{static_cast<uid_t>(std::strtoul((*f)[2].c_str(), nullptr, 10)),
                 static_cast<gid_t>(std::strtoul((*f)[3].c_str(), nullptr, 10)), (*f)[5], shell};
}

std::optional<gid_t> find_group(const Root& root, const std::string& name) {
  if (name == "root") return 0;
  auto f = find_entry(root, "/etc/group", name);
  if (!f || f->size() < 3) return std::nullopt;
  return static_cast<gid_t>(std::strtoul((*f)[2].c_str(), nullptr, 10));
}

std::vector<gid_t> groups_of(const Root& root, const std::string& name, gid_t primary) {
  std::vector<gid_t> out{primary};
  for (const auto& f : entries(root, "/etc/group")) {
    if (f.size() < 4) continue;
    std::istringstream members(f[3]);
    std::string member;
    while (std::getline(members, member, ','))
      if (member == name) {
        gid_t gid = static_cast<gid_t>(std::strtoul(f[2].c_str(), nullptr, 10));
        if (std::find(out.begin(), out.end(), gid) == out.end()) out.push_back(gid);
        break;
      }
  }
  return out;
}

}  // namespace sc

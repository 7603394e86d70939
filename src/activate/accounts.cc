#include "activate/accounts.h"

#include <algorithm>
#include <cstdlib>
#include <sstream>
#include <vector>

#include <fmt/format.h>

#include "util/accounts_text.h"

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

// An id field of `name`'s entry; a damaged one is an error, never 0 (root).
uint32_t id_field(const std::vector<std::string>& f, size_t index, const char* file, const std::string& name) {
  auto id = index < f.size() ? parse_account_id(f[index]) : std::nullopt;
  if (!id)
    throw FsError(fmt::format("the entry of `{}` in {} is damaged (its {} is `{}`); repair it (vipw, vigr)", name, file,
                              index == 2 ? "id" : "group id", index < f.size() ? f[index] : ""),
                  EINVAL);
  return *id;
}
}  // namespace

std::optional<Account> find_user(const Root& root, const std::string& name) {
  if (name == "root") return Account{0, 0, "/root", "/bin/sh"};
  auto f = find_entry(root, "/etc/passwd", name);
  if (!f) return std::nullopt;
  uid_t uid = id_field(*f, 2, "/etc/passwd", name);
  gid_t gid = id_field(*f, 3, "/etc/passwd", name);
  if (f->size() < 6) throw FsError(fmt::format("the entry of `{}` in /etc/passwd is damaged (too few fields)", name), EINVAL);
  std::string shell = f->size() > 6 && !(*f)[6].empty() ? (*f)[6] : "/bin/sh";
  return Account{uid, gid, (*f)[5], shell};
}

std::optional<gid_t> find_group(const Root& root, const std::string& name) {
  if (name == "root") return 0;
  auto f = find_entry(root, "/etc/group", name);
  if (!f) return std::nullopt;
  return id_field(*f, 2, "/etc/group", name);
}

std::vector<gid_t> groups_of(const Root& root, const std::string& name, gid_t primary) {
  std::vector<gid_t> out{primary};
  for (const auto& f : entries(root, "/etc/group")) {
    if (f.size() < 4) continue;
    std::istringstream members(f[3]);
    std::string member;
    while (std::getline(members, member, ','))
      if (member == name) {
        gid_t gid = id_field(f, 2, "/etc/group", f[0]);
        if (std::find(out.begin(), out.end(), gid) == out.end()) out.push_back(gid);
        break;
      }
  }
  return out;
}

}  // namespace sc

#include "activate/accounts.h"

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

std::optional<std::vector<std::string>> find_entry(const Root& root, const char* file, const std::string& name) {
  std::string text;
  try {
    text = root.read_inside(file);
  } catch (const FsError&) {
    return std::nullopt;
  }
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    auto f = fields(line);
    if (!f.empty() && f[0] == name) return f;
  }
  return std::nullopt;
}
}  // namespace

std::optional<Account> find_user(const Root& root, const std::string& name) {
  if (name == "root") return Account{0, 0, "/root"};
  auto f = find_entry(root, "/etc/passwd", name);
  if (!f || f->size() < 6) return std::nullopt;
  return Account{static_cast<uid_t>(std::strtoul((*f)[2].c_str(), nullptr, 10)),
                 static_cast<gid_t>(std::strtoul((*f)[3].c_str(), nullptr, 10)), (*f)[5]};
}

std::optional<gid_t> find_group(const Root& root, const std::string& name) {
  if (name == "root") return 0;
  auto f = find_entry(root, "/etc/group", name);
  if (!f || f->size() < 3) return std::nullopt;
  return static_cast<gid_t>(std::strtoul((*f)[2].c_str(), nullptr, 10));
}

}  // namespace sc

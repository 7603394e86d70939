// User and group names → ids, from the root's own /etc/passwd and
// /etc/group (under --root, the configured system's, not this machine's).
#pragma once

#include <optional>
#include <string>
#include <sys/types.h>

#include "util/safe_fs.h"

namespace sc {

struct Account {
  uid_t uid;
  gid_t gid;
  std::string home;
};

std::optional<Account> find_user(const Root& root, const std::string& name);
std::optional<gid_t> find_group(const Root& root, const std::string& name);

}  // namespace sc

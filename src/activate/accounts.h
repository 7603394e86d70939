// User and group names → ids, from the root's own /etc/passwd and
// /etc/group (under --root, the configured system's, not this machine's).
#pragma once

#include <optional>
#include <string>
#include <vector>
#include <sys/types.h>

#include "util/safe_fs.h"

namespace sc {

struct Account {
  uid_t uid;
  gid_t gid;
  std::string home;
  std::string shell;  // the login shell; /bin/sh when passwd leaves it empty
};

std::optional<Account> find_user(const Root& root, const std::string& name);
std::optional<gid_t> find_group(const Root& root, const std::string& name);
// The groups `name` is in: `primary` first, then every group of /etc/group
// that lists the user as a member (what initgroups would give at a login).
std::vector<gid_t> groups_of(const Root& root, const std::string& name, gid_t primary);

}  // namespace sc

// Writing passwords into the root's /etc/shadow, the one file a root tool
// must never damage: under the lock shadow's own tools and systemd-sysusers
// take (/etc/.pwd.lock), read and replaced in /etc without following a
// symlink, refused when damaged (util/shadow_text.h), replaced atomically
// with its mode, owner and group kept, and only when something changes.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "util/safe_fs.h"

namespace sc {

struct ShadowUpdate {
  std::vector<std::string> changed;  // users whose password field was replaced
  std::vector<std::string> missing;  // users with no entry in /etc/shadow: not set
  std::string problem;               // non-empty: nothing was written, and why
};

// Sets the password field of each user of `hashes` (name → hash).
// REQUIRES: each hash passed password_hash_from_file.
ShadowUpdate set_shadow_passwords(const Root& root, const std::map<std::string, std::string>& hashes);

}  // namespace sc

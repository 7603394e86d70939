// users.users and users.groups → a systemd-sysusers file, and the home
// directories of normal users → a systemd-tmpfiles file.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "render/rendered.h"
#include "util/safe_fs.h"

namespace sc {

// Fills in missing uids of normal users, deterministically: the uid the
// user already has in the root's /etc/passwd, else the lowest free from 1000.
// Returns what is wrong with the root's /etc/passwd when it does not parse.
std::optional<std::string> allocate_normal_uids(std::vector<RenderedUser>& users, const Root& root);

std::string sysusers_file(const std::vector<RenderedUser>& users, const std::vector<RenderedGroup>& groups);
std::string home_tmpfiles_file(const std::vector<RenderedUser>& users);

}  // namespace sc

// The accounts of the primitive schema → a systemd-sysusers file, and the
// home directories of normal users → a systemd-tmpfiles file.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "render/rendered.h"

namespace sc {

// The whole sysusers.d file. A normal user whose uid the configuration
// leaves open is written with `-`: its uid is allocated at activation
// (plan/accounts.h), which creates the user before this file is read, so
// that a build never depends on the machine's /etc/passwd.
std::string sysusers_file(const std::vector<RenderedUser>& users, const std::vector<RenderedGroup>& groups);
// One user's `u` line, with `uid` (or `-`).
std::string sysusers_user_line(const RenderedUser& user, std::optional<int64_t> uid);
std::string home_tmpfiles_file(const std::vector<RenderedUser>& users);

}  // namespace sc

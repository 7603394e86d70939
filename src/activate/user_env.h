// The environment of a command run as a user (a home file's onChange): the
// user's own, as a login would give it, and nothing of root's (HAZARDS.md 11).
#pragma once

#include <string>
#include <vector>

#include "activate/accounts.h"
#include "util/safe_fs.h"

namespace sc {

// "NAME=value" entries: HOME, USER, LOGNAME, SHELL from passwd, PATH, and,
// where the user has a session, XDG_RUNTIME_DIR=/run/user/UID and
// DBUS_SESSION_BUS_ADDRESS for its bus socket. Under a --root other than /
// the paths are the root's (where the home and runtime directory are on
// this machine). REQUIRES: run before dropping root (the runtime directory
// is the user's own).
std::vector<std::string> user_environment(const Root& root, const std::string& user, const Account& account);

}  // namespace sc

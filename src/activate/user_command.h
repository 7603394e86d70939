// A command run as a user (a home file's onChange), by the home's child that
// already is the user: in the user's own environment, as a login would give
// it, and nothing of root's (HAZARDS.md 11), its output line by line.
#pragma once

#include <functional>
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

// Runs `command` with /bin/sh in the directory `dir`, in exactly the
// environment `env`, stdin from /dev/null; `line` gets each line it prints
// (stdout and stderr). Returns when the shell exits, so that a program it
// left in the background cannot hold the activation up. Returns why it
// failed ("exit 1"), empty when it exited 0.
std::string run_user_command(int dir, const std::string& command, const std::vector<std::string>& env,
                             const std::function<void(const std::string& line)>& line);

}  // namespace sc

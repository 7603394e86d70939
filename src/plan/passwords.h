// Passwords set from files (users.users.NAME.hashedPasswordFile): the hash
// is read at activation, inside the root, never at build, and never kept in
// the store, the plan or a message; only the file's path is. As NixOS's
// update-users-groups does, a file that does not exist is a warning and
// leaves the user's password as it is; a file root must not trust (not
// root's, writable by others) or whose text is not one hash is refused.
#pragma once

#include <string>
#include <vector>

#include "render/rendered.h"
#include "util/diagnostic.h"
#include "util/safe_fs.h"

namespace sc {

// A user whose /etc/shadow password the activation sets from their file.
struct PasswordStep {
  std::string user;
  std::string file;  // absolute, as on the configured system
};

// What reading a password file found.
struct PasswordHash {
  enum class Status { Ok, Missing, Refused };
  Status status = Status::Refused;
  std::string hash;     // when Ok
  std::string problem;  // otherwise: why, naming the file (never its text)
};

// Reads `file` inside the root (symlinks resolved inside it, as a secret's
// are): a regular file owned by root, writable by no one else, holding one
// hash (util/shadow_text.h).
PasswordHash read_password_hash(const Root& root, const std::string& file);

// The users of `users` with a password file whose hash differs from their
// /etc/shadow password, or who have no entry yet (the hooks make them).
// A missing file is a warning; a refused file or a damaged /etc/shadow is an
// error in `diags`, which stops the switch before anything changes.
std::vector<PasswordStep> plan_passwords(const Root& root, const std::vector<RenderedUser>& users, Diagnostics& diags);

}  // namespace sc

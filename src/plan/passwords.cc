#include "plan/passwords.h"

#include <cerrno>
#include <map>
#include <optional>

#include <linux/openat2.h>

#include <fmt/format.h>

#include "util/shadow_text.h"

namespace sc {

PasswordHash read_password_hash(const Root& root, const std::string& file) {
  PasswordHash out;
  struct stat st {};
  std::string text;
  try {
    text = read_regular_at(root.fd(), Root::relative(file), RESOLVE_IN_ROOT, file, &st);
  } catch (const FsError& e) {
    out.status = e.error == ENOENT ? PasswordHash::Status::Missing : PasswordHash::Status::Refused;
    out.problem = e.error == ENOENT ? fmt::format("the password file {} does not exist", file) : e.what();
    return out;
  }
  // Whoever can write the file chooses the password: only root may.
  bool others_write = (st.st_mode & S_IWOTH) || ((st.st_mode & S_IWGRP) && st.st_gid != 0);
  if (st.st_uid != 0 || others_write) {
    out.problem = fmt::format("the password file {} is {} (mode {:04o}, uid {}, gid {}); only root may be able to write it",
                              file, st.st_uid != 0 ? "not owned by root" : "writable by others", st.st_mode & 07777,
                              st.st_uid, st.st_gid);
    return out;
  }
  auto hash = password_hash_from_file(text);
  if (!hash.ok()) {
    out.problem = fmt::format("the password file {} is refused: {}", file, hash.message());
    return out;
  }
  out.status = PasswordHash::Status::Ok;
  out.hash = std::move(hash).value();
  return out;
}

std::vector<PasswordStep> plan_passwords(const Root& root, const std::vector<RenderedUser>& users, Diagnostics& diags) {
  std::vector<PasswordStep> out;
  std::map<std::string, std::string> shadow;
  bool shadow_read = false;
  for (const RenderedUser& u : users) {
    if (u.hashed_password_file.empty()) continue;
    PasswordHash hash = read_password_hash(root, u.hashed_password_file);
    if (hash.status == PasswordHash::Status::Missing) {
      Diagnostic d;
      d.severity = Severity::Warning;
      d.message = fmt::format("{}; the password of user {} is left as it is", hash.problem, u.name);
      d.help = fmt::format("write the hash there (mkpasswd -m yescrypt > {}), owned by root, mode 0600", u.hashed_password_file);
      diags.add(std::move(d));
      continue;
    }
    if (hash.status == PasswordHash::Status::Refused) {
      diags.error(fmt::format("user {}: {}", u.name, hash.problem), SourcePos{},
                  fmt::format("make {} a regular file owned by root, mode 0600, holding one hash (mkpasswd -m yescrypt)",
                              u.hashed_password_file));
      continue;
    }
    if (!shadow_read) {
      shadow_read = true;
      std::string text;
      try {
        text = root.read_inside("/etc/shadow");
      } catch (const FsError& e) {
        // None yet (a fresh root): the sysusers hook makes it with the users.
        if (e.error != ENOENT) {
          diags.error(fmt::format("cannot read /etc/shadow to set passwords: {}", e.what()), SourcePos{});
          return {};
        }
      }
      auto parsed = shadow_passwords(text);
      if (!parsed.ok()) {
        diags.error(fmt::format("cannot set passwords: the root's /etc/shadow is damaged: {}", parsed.message()), SourcePos{},
                    "repair /etc/shadow (vipw -s, pwck), then run sysconf again");
        return {};
      }
      shadow = std::move(parsed).value();
    }
    auto there = shadow.find(u.name);
    if (there != shadow.end() && there->second == hash.hash) continue;
    out.push_back(PasswordStep{u.name, u.hashed_password_file});
  }
  return out;
}

}  // namespace sc

#include "activate/shadow.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <thread>

#include <fmt/format.h>

#include "util/result.h"
#include "util/shadow_text.h"

namespace sc {

namespace {
// lckpwdf(3)'s lock, taken as it does (a write lock on /etc/.pwd.lock, given
// up after 15 seconds), so that passwd, useradd or systemd-sysusers never
// edit the file between our read and our rename. Released when `fd` closes.
Status lock_account_files(int etc, Fd& fd) {
  fd = Fd(openat(etc, ".pwd.lock", O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (!fd.valid()) return Failure(fmt::format("cannot open /etc/.pwd.lock: {}", std::strerror(errno)));
  struct flock lock {};
  lock.l_type = F_WRLCK;
  lock.l_whence = SEEK_SET;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
  while (fcntl(fd.get(), F_SETLK, &lock) != 0) {
    if (errno != EAGAIN && errno != EACCES && errno != EINTR)
      return Failure(fmt::format("cannot lock /etc/.pwd.lock: {}", std::strerror(errno)));
    if (std::chrono::steady_clock::now() > deadline)
      return Failure("another program has been editing the account files (it holds /etc/.pwd.lock) for 15 seconds");
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return {};
}
}  // namespace

ShadowUpdate set_shadow_passwords(const Root& root, const std::map<std::string, std::string>& hashes) {
  ShadowUpdate out;
  if (hashes.empty()) return out;
  try {
    Fd etc = open_dir_beneath(root.fd(), "etc", false);
    Fd lock;
    if (Status locked = lock_account_files(etc.get(), lock); !locked.ok()) {
      out.problem = locked.message();
      return out;
    }
    // Read through no symlink: /etc/shadow is a regular file or it is refused.
    FileStat st = stat_at(etc.get(), "shadow");
    if (st.type != FileStat::Type::File) {
      out.problem = st.type == FileStat::Type::Missing ? "there is no /etc/shadow" : "/etc/shadow is not a regular file";
      return out;
    }
    std::string before = read_file_at(etc.get(), "shadow");
    auto current = shadow_passwords(before);
    if (!current.ok()) {
      out.problem = fmt::format("/etc/shadow is damaged: {}", current.message());
      return out;
    }
    std::string text = before;
    for (const auto& [user, hash] : hashes) {
      auto there = current->find(user);
      if (there == current->end()) {
        out.missing.push_back(user);
        continue;
      }
      if (there->second == hash) continue;
      auto edited = with_shadow_password(text, user, hash);
      if (!edited.ok()) {  // cannot happen on a file that parsed; refuse rather than guess
        out.changed.clear();
        out.problem = edited.message();
        return out;
      }
      text = std::move(edited).value();
      out.changed.push_back(user);
    }
    if (text != before) write_file_at(etc.get(), "shadow", text, st.mode, st.uid, st.gid);
  } catch (const FsError& e) {
    out.changed.clear();
    out.problem = e.what();
  }
  return out;
}

}  // namespace sc

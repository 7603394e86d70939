#include "activate/lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "store/store.h"

namespace sc {

bool StateLock::acquire(const Root& root, bool wait, std::string& holder) {
  Fd dir = open_dir_beneath(root.fd(), Root::relative(kStateDir), true, 0755);
  fd_ = Fd(openat(dir.get(), "lock", O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (!fd_.valid()) throw FsError(fmt::format("cannot open the lock: {}", std::strerror(errno)), errno);
  if (flock(fd_.get(), LOCK_EX | (wait ? 0 : LOCK_NB)) != 0) {
    if (errno != EWOULDBLOCK) throw FsError(fmt::format("cannot take the lock: {}", std::strerror(errno)), errno);
    char buffer[64] = {};
    ssize_t n = pread(fd_.get(), buffer, sizeof buffer - 1, 0);
    holder = n > 0 ? fmt::format("process {}", std::string(buffer, static_cast<size_t>(n))) : "another process";
    while (!holder.empty() && (holder.back() == '\n' || holder.back() == ' ')) holder.pop_back();
    return false;
  }
  // Say who holds it, for the message another sysconf prints.
  std::string pid = std::to_string(getpid()) + "\n";
  if (ftruncate(fd_.get(), 0) == 0) (void)!pwrite(fd_.get(), pid.data(), pid.size(), 0);
  return true;
}

}  // namespace sc

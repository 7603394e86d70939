// Reading the files a configuration names (`source`, `template`), as root,
// on behalf of whoever owns the configuration. The repository often lives in
// a user's home (`sudo sysconf switch` from a checkout), and what is read
// lands in a world-readable store, so a file is read only if:
//   - inside the configuration directory, it is reached without leaving that
//     directory (a symlink such as dotfiles/x -> /etc/shadow is refused);
//     any other absolute path is read inside --root;
//   - it is a regular file (never a FIFO that would hang, or a device);
//   - the configuration directory's owner could read it themselves.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "util/safe_fs.h"

namespace sc {

class ConfigReader {
 public:
  // Opens the configuration directory and learns its owner. Throws FsError.
  explicit ConfigReader(const std::string& config_dir);

  // Reads `path` (absolute), as described above; `executable` receives its
  // owner-execute bit. Throws FsError with the reason.
  std::string read(const std::string& path, const Root& root, bool* executable = nullptr) const;

  // Reads a file of the configuration itself (sysconf.toml, a module, an
  // import, the library), at `path` as resolved: symlinks are followed,
  // since a library is often linked in, but it must be a regular file that
  // the configuration's owner could read, or a symlink to /etc/shadow would
  // be parsed as root and shown in an error. Throws FsError.
  std::string read_module(const std::string& path) const;

  const std::string& dir() const { return dir_; }

 private:
  // Throws FsError unless the configuration's owner could read the file
  // `path` whose metadata is `st`; `use` says what sysconf would do with it.
  void require_owner_can_read(const struct stat& st, const std::string& path, const char* use) const;

  std::string dir_;
  Fd fd_;
  uid_t owner_ = 0;
  std::vector<gid_t> owner_groups_;
};

}  // namespace sc

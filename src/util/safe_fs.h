// The one layer that writes to the machine. Every path is relative to a root
// directory (--root), opened once; every component is opened with O_NOFOLLOW
// (openat2 RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS), so a symlink planted in a
// parent can never redirect a write (HAZARDS.md 1-5). Files are written to a
// fresh temporary name (O_CREAT | O_EXCL), fsynced, renamed into place, and
// the directory fsynced (HAZARDS.md 16, 17, 21). Ownership and mode are set
// on the descriptor before any data is written (HAZARDS.md 3, 12).
//
// Failures throw FsError; callers turn it into a diagnostic.
#pragma once

#include <sys/stat.h>

#include <sys/types.h>

#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace sc {

struct FsError : std::runtime_error {
  FsError(const std::string& what, int err) : std::runtime_error(what), error(err) {}
  int error;
};

// An owned file descriptor.
class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  Fd(Fd&& o) noexcept : fd_(o.fd_) { o.fd_ = -1; }
  Fd& operator=(Fd&& o) noexcept;
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd();
  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }

 private:
  int fd_ = -1;
};

struct FileStat {
  enum class Type { Missing, File, Dir, Symlink, Other };
  Type type = Type::Missing;
  mode_t mode = 0;  // permission bits
  uid_t uid = 0;
  gid_t gid = 0;
  nlink_t links = 0;
  off_t size = 0;
  bool mount_point = false;  // something is mounted here (HAZARDS.md 9)
};

// Splits "a/b/c" into {"a/b", "c"}. REQUIRES: a relative path without "..".
std::pair<std::string, std::string> split_parent(std::string_view rel);
// Rejects absolute paths, empty components, "." and "..".
bool is_clean_relative(std::string_view rel);

// Opens directory `rel` below `base` without following any symlink. With
// `create`, missing directories are made with `mode` (and, when uid is not
// -1, given to uid/gid). Throws FsError when a component is a symlink, not a
// directory, or cannot be opened.
Fd open_dir_beneath(int base, std::string_view rel, bool create, mode_t mode = 0755, uid_t uid = -1, gid_t gid = -1);

FileStat stat_at(int dir, const std::string& name);
std::string readlink_at(int dir, const std::string& name);

// Reads a regular file without following a final symlink and without
// blocking on a FIFO or device (HAZARDS.md 8). Throws if it is not regular.
std::string read_file_at(int dir, const std::string& name, size_t limit = 64u << 20);

// Atomically replaces `name` in `dir` by a file with `data`.
void write_file_at(int dir, const std::string& name, std::string_view data, mode_t mode, uid_t uid = -1,
                   gid_t gid = -1);
// Creates `name` (which must not exist) with `data`, without flushing it to
// disk: for callers that flush many files at once (the store's commit).
void write_file_unsynced_at(int dir, const std::string& name, std::string_view data, mode_t mode);
// Atomically replaces `name` in `dir` by a symlink to `target`.
void symlink_at(int dir, const std::string& name, const std::string& target);
// The same, but writes nothing when `name` already is that symlink (an
// unchanged switch replaces no pointer). Returns whether it wrote.
bool ensure_symlink_at(int dir, const std::string& name, const std::string& target);
// Removes the directory `name` in `dir` and the empty directories below it;
// returns false, leaving what it could not remove, if anything else is there.
bool remove_empty_dirs(int dir, const std::string& name);
// The first parent of `rel` below `base` that exists but is not a directory
// (a symlink, a file), or "" when every existing parent is a directory.
std::string blocking_parent(int base, std::string_view rel);
// Renames without replacing; false if `to` exists.
bool rename_noreplace(int dir, const std::string& from, const std::string& to);
// Swaps the entries `a` and `b` in one atomic step (RENAME_EXCHANGE): a
// crash leaves both, each under one of the two names. Throws FsError.
void exchange_at(int dir, const std::string& a, const std::string& b);
void unlink_at(int dir, const std::string& name, bool directory = false);
void fsync_dir(int dir);
// Removes the temporaries (.NAME.sysconf-tmp.PID.N) that a killed sysconf
// left in `dir` (HAZARDS.md 19). REQUIRES: the state lock is held.
size_t remove_stale_temporaries_in(int dir);

// The root every managed path is below, and its paths as the running system sees them.
// Opens `relative` under the directory `dir` with openat2's `resolve` flags
// (RESOLVE_BENEATH, RESOLVE_IN_ROOT) and reads it, refusing anything but a
// regular file: a FIFO or device is never read. `shown` names it in errors;
// `st` receives its metadata. Throws FsError.
std::string read_regular_at(int dir, const std::string& relative, uint64_t resolve, const std::string& shown,
                            struct stat* st = nullptr);

class Root {
 public:
  // Opens `path`, creating it when missing unless `read_only`. Throws FsError.
  explicit Root(std::string path, bool read_only = false);
  const std::string& path() const { return path_; }
  int fd() const { return fd_.get(); }
  bool is_live() const { return path_ == "/"; }
  // "/etc/x" → "etc/x" (relative to the root).
  static std::string relative(std::string_view absolute);
  // Where a runtime path lives on this machine: root + path.
  std::string host_path(std::string_view absolute) const;
  // Opens a directory of the configured system by its absolute path,
  // resolving symlinks inside the root (RESOLVE_IN_ROOT), as a home such as
  // /home -> /var/home must be. Throws FsError.
  Fd open_dir_inside(std::string_view absolute) const;
  // Reads an absolute path of the configured system, resolving symlinks
  // inside the root (RESOLVE_IN_ROOT). Throws FsError.
  std::string read_inside(std::string_view absolute, mode_t* mode = nullptr, uid_t* uid = nullptr) const;
  // Whether two absolute paths of the configured system are the same file
  // once every symlink is followed inside the root (so /lib/x and /usr/lib/x
  // on a merged-/usr system are). False when either does not resolve.
  bool same_file_inside(std::string_view a, std::string_view b) const;

 private:
  std::string path_;
  Fd fd_;
};

}  // namespace sc

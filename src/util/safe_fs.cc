#include "util/safe_fs.h"

#include <dirent.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <optional>
#include <vector>

#include <fmt/format.h>

#include "util/fault.h"

namespace sc {

namespace {

[[noreturn]] void fail(const std::string& what, int err) {
  throw FsError(fmt::format("{}: {}", what, std::strerror(err)), err);
}

long openat2_call(int dir, const char* path, uint64_t flags, uint64_t resolve, mode_t mode = 0) {
  struct open_how how;
  std::memset(&how, 0, sizeof how);
  how.flags = flags;
  how.mode = mode;
  how.resolve = resolve;
  // With RESOLVE_IN_ROOT or RESOLVE_BENEATH the kernel answers EAGAIN when a
  // rename or mount anywhere on the system raced with a ".." in the walk
  // (on a live machine, often): the walk is simply tried again.
  long fd;
  int tries = 0;
  do {
    fd = syscall(SYS_openat2, dir, path, &how, sizeof how);
  } while (fd < 0 && errno == EAGAIN && ++tries < 1000);
  return fd;
}

// Writes all of `data`; returns 0, or the errno of the failed write.
int write_all(int fd, std::string_view data) {
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = write(fd, data.data() + done, data.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    done += static_cast<size_t>(n);
  }
  return 0;
}

std::string temp_name(const std::string& name) {
  static std::atomic<unsigned> counter{0};
  return fmt::format(".{}.sysconf-tmp.{}.{}", name.substr(0, 64), getpid(), counter++);
}

}  // namespace

Fd& Fd::operator=(Fd&& o) noexcept {
  if (this != &o) {
    if (fd_ >= 0) close(fd_);
    fd_ = o.fd_;
    o.fd_ = -1;
  }
  return *this;
}

Fd::~Fd() {
  if (fd_ >= 0) close(fd_);
}

std::pair<std::string, std::string> split_parent(std::string_view rel) {
  size_t slash = rel.rfind('/');
  if (slash == std::string_view::npos) return {"", std::string(rel)};
  return {std::string(rel.substr(0, slash)), std::string(rel.substr(slash + 1))};
}

bool is_clean_relative(std::string_view rel) {
  if (rel.empty() || rel[0] == '/') return false;
  size_t start = 0;
  while (start <= rel.size()) {
    size_t end = rel.find('/', start);
    if (end == std::string_view::npos) end = rel.size();
    std::string_view part = rel.substr(start, end - start);
    if (part.empty() || part == "." || part == "..") return false;
    start = end + 1;
  }
  return true;
}

Fd open_dir_beneath(int base, std::string_view rel, bool create, mode_t mode, uid_t uid, gid_t gid) {
  Fd current(fcntl(base, F_DUPFD_CLOEXEC, 0));
  if (!current.valid()) fail("cannot duplicate a directory descriptor", errno);
  if (rel.empty()) return current;
  if (!is_clean_relative(rel)) throw FsError(fmt::format("refusing the path `{}`", rel), EINVAL);
  size_t start = 0;
  while (start < rel.size()) {
    size_t end = rel.find('/', start);
    if (end == std::string_view::npos) end = rel.size();
    std::string part(rel.substr(start, end - start));
    int fd = openat(current.get(), part.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0 && errno == ENOENT && create) {
      fault_write();
      if (mkdirat(current.get(), part.c_str(), mode) != 0 && errno != EEXIST)
        fail(fmt::format("cannot create directory `{}`", rel.substr(0, end)), errno);
      fd = openat(current.get(), part.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (fd >= 0) {
        // The mode exactly, whatever the caller's umask (mkdir applies it).
        if (fchmod(fd, mode) != 0) {
          int err = errno;
          close(fd);
          fail(fmt::format("cannot set the mode of directory `{}`", rel.substr(0, end)), err);
        }
        if (uid != static_cast<uid_t>(-1) && fchown(fd, uid, gid) != 0) {
          int err = errno;
          close(fd);
          fail(fmt::format("cannot give directory `{}` to its owner", rel.substr(0, end)), err);
        }
        fsync_dir(current.get());
      }
    }
    if (fd < 0) {
      int err = errno;
      if (err == ELOOP || err == ENOTDIR)
        throw FsError(fmt::format("`{}` is a symlink or not a directory; sysconf does not follow it", rel.substr(0, end)),
                      err);
      fail(fmt::format("cannot open directory `{}`", rel.substr(0, end)), err);
    }
    current = Fd(fd);
    start = end + 1;
  }
  return current;
}

FileStat stat_at(int dir, const std::string& name) {
  struct statx st;
  FileStat out;
  if (statx(dir, name.c_str(), AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS, &st) != 0) {
    if (errno == ENOENT) return out;
    fail(fmt::format("cannot inspect `{}`", name), errno);
  }
  if (S_ISREG(st.stx_mode)) out.type = FileStat::Type::File;
  else if (S_ISDIR(st.stx_mode)) out.type = FileStat::Type::Dir;
  else if (S_ISLNK(st.stx_mode)) out.type = FileStat::Type::Symlink;
  else out.type = FileStat::Type::Other;
  out.mode = st.stx_mode & 07777;
  out.uid = st.stx_uid;
  out.gid = st.stx_gid;
  out.links = st.stx_nlink;
  out.size = static_cast<off_t>(st.stx_size);
  out.mount_point = (st.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT) && (st.stx_attributes & STATX_ATTR_MOUNT_ROOT);
  return out;
}

std::string readlink_at(int dir, const std::string& name) {
  char buffer[4096];
  ssize_t n = readlinkat(dir, name.c_str(), buffer, sizeof buffer);
  if (n < 0) fail(fmt::format("cannot read the symlink `{}`", name), errno);
  return std::string(buffer, static_cast<size_t>(n));
}

namespace {
std::string read_all(int fd, const std::string& what, size_t limit) {
  struct stat st;
  if (fstat(fd, &st) != 0) fail(fmt::format("cannot inspect `{}`", what), errno);
  if (!S_ISREG(st.st_mode)) throw FsError(fmt::format("`{}` is not a regular file", what), EINVAL);
  std::string out;
  char buffer[65536];
  ssize_t n;
  while ((n = read(fd, buffer, sizeof buffer)) > 0) {
    out.append(buffer, static_cast<size_t>(n));
    if (out.size() > limit) throw FsError(fmt::format("`{}` is too large", what), EFBIG);
  }
  if (n < 0) fail(fmt::format("cannot read `{}`", what), errno);
  return out;
}
}  // namespace

std::string read_file_at(int dir, const std::string& name, size_t limit) {
  // O_NONBLOCK: opening a FIFO must not wait for a writer.
  Fd fd(openat(dir, name.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC));
  if (!fd.valid()) fail(fmt::format("cannot open `{}`", name), errno);
  return read_all(fd.get(), name, limit);
}

void fsync_dir(int dir) {
  if (fsync(dir) != 0) fail("cannot flush a directory to disk", errno);
}

void write_file_at(int dir, const std::string& name, std::string_view data, mode_t mode, uid_t uid, gid_t gid) {
  fault_write();
  std::string tmp = temp_name(name);
  // A fresh name, exclusively: an attacker's symlink or FIFO at a guessed
  // temporary name makes this fail instead of writing through it.
  Fd fd(openat(dir, tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (!fd.valid()) fail(fmt::format("cannot create a temporary file for `{}`", name), errno);
  auto abandon = [&](const std::string& what, int err) {
    unlinkat(dir, tmp.c_str(), 0);
    fail(what, err);
  };
  if (uid != static_cast<uid_t>(-1) && fchown(fd.get(), uid, gid) != 0) abandon(fmt::format("cannot set the owner of `{}`", name), errno);
  if (fchmod(fd.get(), mode) != 0) abandon(fmt::format("cannot set the mode of `{}`", name), errno);
  if (int err = write_all(fd.get(), data)) abandon(fmt::format("cannot write `{}`", name), err);
  // An fsync error is fatal: the data may not be on disk (HAZARDS.md 21).
  if (fsync(fd.get()) != 0) abandon(fmt::format("cannot flush `{}` to disk", name), errno);
  if (renameat(dir, tmp.c_str(), dir, name.c_str()) != 0) abandon(fmt::format("cannot put `{}` in place", name), errno);
  fsync_dir(dir);
}

void write_file_unsynced_at(int dir, const std::string& name, std::string_view data, mode_t mode) {
  fault_write();
  Fd fd(openat(dir, name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (!fd.valid()) fail(fmt::format("cannot create `{}`", name), errno);
  int err = fchmod(fd.get(), mode) != 0 ? errno : write_all(fd.get(), data);
  if (err) {
    unlinkat(dir, name.c_str(), 0);
    fail(fmt::format("cannot write `{}`", name), err);
  }
}

void symlink_at(int dir, const std::string& name, const std::string& target) {
  fault_write();
  std::string tmp = temp_name(name);
  if (symlinkat(target.c_str(), dir, tmp.c_str()) != 0) fail(fmt::format("cannot create the symlink `{}`", name), errno);
  if (renameat(dir, tmp.c_str(), dir, name.c_str()) != 0) {
    int err = errno;
    unlinkat(dir, tmp.c_str(), 0);
    fail(fmt::format("cannot put the symlink `{}` in place", name), err);
  }
  fsync_dir(dir);
}

bool ensure_symlink_at(int dir, const std::string& name, const std::string& target) {
  if (stat_at(dir, name).type == FileStat::Type::Symlink && readlink_at(dir, name) == target) return false;
  symlink_at(dir, name, target);
  return true;
}

bool remove_empty_dirs(int dir, const std::string& name) {
  int fd = openat(dir, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return false;
  Fd sub(fd);
  std::vector<std::string> children;
  if (DIR* d = fdopendir(dup(sub.get()))) {
    while (dirent* e = readdir(d)) {
      std::string n = e->d_name;
      if (n != "." && n != "..") children.push_back(n);
    }
    closedir(d);
  }
  bool empty = true;
  for (const std::string& child : children)
    if (stat_at(sub.get(), child).type != FileStat::Type::Dir || !remove_empty_dirs(sub.get(), child)) empty = false;
  if (!empty) return false;
  fault_write();
  if (unlinkat(dir, name.c_str(), AT_REMOVEDIR) != 0) return false;
  fsync_dir(dir);
  return true;
}

std::string blocking_parent(int base, std::string_view rel) {
  auto [parent, name] = split_parent(rel);
  size_t start = 0;
  int current = base;
  Fd holder;
  while (start < parent.size()) {
    size_t end = parent.find('/', start);
    if (end == std::string::npos) end = parent.size();
    std::string part = parent.substr(start, end - start);
    FileStat st = stat_at(current, part);
    if (st.type == FileStat::Type::Missing) return "";
    if (st.type != FileStat::Type::Dir) return parent.substr(0, end);
    holder = Fd(openat(current, part.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!holder.valid()) return parent.substr(0, end);
    current = holder.get();
    start = end + 1;
  }
  return "";
}

bool rename_noreplace(int dir, const std::string& from, const std::string& to) {
  fault_write();
  if (syscall(SYS_renameat2, dir, from.c_str(), dir, to.c_str(), RENAME_NOREPLACE) != 0) {
    if (errno == EEXIST) return false;
    fail(fmt::format("cannot rename `{}` to `{}`", from, to), errno);
  }
  fsync_dir(dir);
  return true;
}

void exchange_at(int dir, const std::string& a, const std::string& b) {
  fault_write();
  if (syscall(SYS_renameat2, dir, a.c_str(), dir, b.c_str(), RENAME_EXCHANGE) != 0)
    fail(fmt::format("cannot exchange `{}` and `{}`", a, b), errno);
  fsync_dir(dir);
}

void unlink_at(int dir, const std::string& name, bool directory) {
  fault_write();
  if (unlinkat(dir, name.c_str(), directory ? AT_REMOVEDIR : 0) != 0 && errno != ENOENT)
    fail(fmt::format("cannot remove `{}`", name), errno);
  fsync_dir(dir);
}

size_t remove_stale_temporaries_in(int dir) {
  DIR* d = fdopendir(dup(dir));
  if (!d) return 0;
  std::vector<std::string> stale;
  while (dirent* e = readdir(d)) {
    std::string n = e->d_name;
    if (n.size() > 1 && n[0] == '.' && n.find(".sysconf-tmp.") != std::string::npos) stale.push_back(n);
  }
  closedir(d);
  for (const std::string& n : stale) unlinkat(dir, n.c_str(), 0);
  return stale.size();
}

Root::Root(std::string path, bool read_only) : path_(std::move(path)) {
  while (path_.size() > 1 && path_.back() == '/') path_.pop_back();
  if (path_ != "/" && !read_only && mkdir(path_.c_str(), 0755) == 0) chmod(path_.c_str(), 0755);  // whatever the umask
  fd_ = Fd(open(path_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd_.valid() && errno == ENOENT && read_only) {
    // A root that does not exist yet is an empty one, for a dry run: stand
    // in a directory that is removed as soon as it is open, so that nothing
    // can be created in it and nothing is left behind.
    std::string empty = (std::filesystem::temp_directory_path() / "sysconf-empty-root.XXXXXX").string();
    if (mkdtemp(empty.data())) {
      fd_ = Fd(open(empty.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
      rmdir(empty.c_str());
      if (fd_.valid()) return;
    }
    errno = ENOENT;
  }
  if (!fd_.valid()) fail(fmt::format("cannot open the root `{}`", path_), errno);
}

std::string Root::relative(std::string_view absolute) {
  size_t i = 0;
  while (i < absolute.size() && absolute[i] == '/') ++i;
  return std::string(absolute.substr(i));
}

std::string Root::host_path(std::string_view absolute) const {
  if (path_ == "/") return std::string(absolute);
  return path_ + "/" + relative(absolute);
}

Fd Root::open_dir_inside(std::string_view absolute) const {
  std::string rel = relative(absolute);
  long fd = openat2_call(fd_.get(), rel.empty() ? "." : rel.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC,
                         RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS);
  if (fd < 0) fail(fmt::format("cannot open `{}`", absolute), errno);
  return Fd(static_cast<int>(fd));
}

std::string read_regular_at(int dir, const std::string& relative, uint64_t resolve, const std::string& shown,
                            struct stat* st_out) {
  // O_NONBLOCK: a FIFO opens without waiting for a writer, and is refused below.
  long fd = openat2_call(dir, relative.c_str(), O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC,
                         resolve | RESOLVE_NO_MAGICLINKS);
  if (fd < 0) {
    if (errno == EXDEV && (resolve & RESOLVE_BENEATH))
      throw FsError(fmt::format("`{}` leads out of its directory through a symlink", shown), EXDEV);
    fail(fmt::format("cannot open `{}`", shown), errno);
  }
  Fd owned(static_cast<int>(fd));
  struct stat st;
  if (fstat(owned.get(), &st) != 0) fail(fmt::format("cannot inspect `{}`", shown), errno);
  if (!S_ISREG(st.st_mode))
    throw FsError(fmt::format("`{}` is not a regular file (a FIFO, device, socket or directory)", shown), EINVAL);
  if (st_out) *st_out = st;
  return read_all(owned.get(), shown, 64u << 20);
}

std::string Root::read_inside(std::string_view absolute, mode_t* mode, uid_t* uid) const {
  struct stat st;
  std::string data = read_regular_at(fd_.get(), relative(absolute), RESOLVE_IN_ROOT, std::string(absolute), &st);
  if (mode) *mode = st.st_mode & 07777;
  if (uid) *uid = st.st_uid;
  return data;
}

bool Root::same_file_inside(std::string_view a, std::string_view b) const {
  auto identity = [&](std::string_view absolute) -> std::optional<std::pair<dev_t, ino_t>> {
    std::string rel = relative(absolute);
    long fd = openat2_call(fd_.get(), rel.empty() ? "." : rel.c_str(), O_PATH | O_CLOEXEC,
                           RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS);
    if (fd < 0) return std::nullopt;
    Fd owned(static_cast<int>(fd));
    struct stat st;
    if (fstat(owned.get(), &st) != 0) return std::nullopt;
    return std::make_pair(st.st_dev, st.st_ino);
  };
  auto x = identity(a), y = identity(b);
  return x && y && *x == *y;
}

}  // namespace sc

#include "util/config_reader.h"

#include <fcntl.h>
#include <grp.h>
#include <linux/openat2.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <fmt/format.h>

namespace sc {

ConfigReader::ConfigReader(const std::string& config_dir) : dir_(config_dir) {
  fd_ = Fd(open(dir_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd_.valid()) throw FsError(fmt::format("cannot open `{}`: {}", dir_, std::strerror(errno)), errno);
  struct stat st;
  if (fstat(fd_.get(), &st) != 0) throw FsError(fmt::format("cannot inspect `{}`: {}", dir_, std::strerror(errno)), errno);
  owner_ = st.st_uid;
  owner_groups_.push_back(st.st_gid);
  // The owner's groups, as they would have them when logged in.
  if (passwd* pw = getpwuid(owner_)) {
    int count = 64;
    std::vector<gid_t> groups(static_cast<size_t>(count));
    if (getgrouplist(pw->pw_name, pw->pw_gid, groups.data(), &count) < 0) {
      groups.resize(static_cast<size_t>(count));
      getgrouplist(pw->pw_name, pw->pw_gid, groups.data(), &count);
    }
    groups.resize(static_cast<size_t>(std::max(count, 0)));
    owner_groups_.insert(owner_groups_.end(), groups.begin(), groups.end());
  }
}

void ConfigReader::require_owner_can_read(const struct stat& st, const std::string& path, const char* use) const {
  auto readable = [&] {
    if (owner_ == 0) return true;
    if (st.st_uid == owner_) return (st.st_mode & S_IRUSR) != 0;
    if (std::find(owner_groups_.begin(), owner_groups_.end(), st.st_gid) != owner_groups_.end())
      return (st.st_mode & S_IRGRP) != 0;
    return (st.st_mode & S_IROTH) != 0;
  };
  if (!readable())
    throw FsError(fmt::format("`{}` is not readable by the configuration's owner (uid {}), so sysconf will not {} it",
                              path, owner_, use),
                  EACCES);
}

std::string ConfigReader::read_module(const std::string& path) const {
  struct stat st;
  std::string data = read_regular_at(AT_FDCWD, path, 0, path, &st);
  require_owner_can_read(st, path, "read");
  return data;
}

std::string ConfigReader::read(const std::string& path, const Root& root, bool* executable) const {
  struct stat st;
  std::string data;
  std::string prefix = dir_ + "/";
  if (path.rfind(prefix, 0) == 0) {
    std::string relative = path.substr(prefix.size());
    data = read_regular_at(fd_.get(), relative, RESOLVE_BENEATH, relative, &st);
  } else {
    data = read_regular_at(root.fd(), Root::relative(path), RESOLVE_IN_ROOT, path, &st);
  }
  require_owner_can_read(st, path, "publish");
  if (executable) *executable = (st.st_mode & S_IXUSR) != 0;
  return data;
}

}  // namespace sc

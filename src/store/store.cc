#include "store/store.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <dirent.h>
#include <vector>

#include <fmt/format.h>

#include "util/fault.h"

namespace sc {

Store::Store(const Root& root, bool dry_run) : dry_run_(dry_run) {
  std::string rel = Root::relative(kStoreDir);
  if (dry_run) {
    try {
      dir_ = open_dir_beneath(root.fd(), rel, false);
    } catch (const FsError&) {
      // No store yet: a dry run sees every object as missing.
    }
  } else {
    dir_ = open_dir_beneath(root.fd(), rel, true, 0755);
  }
}

Sha256 Store::hash_tree(const TreeEntry& tree) {
  Sha256Builder b;
  switch (tree.kind) {
    case TreeEntry::Kind::File: return file_object_hash(tree.content, tree.executable);
    case TreeEntry::Kind::Symlink:
      b.add_field("symlink");
      b.add_field(tree.target);
      return b.finish();
    case TreeEntry::Kind::Dir:
      b.add_field("dir");
      for (const auto& [name, child] : tree.children) {  // std::map: sorted
        b.add_field(name);
        Sha256 h = hash_tree(child);
        b.add_field(std::string_view(reinterpret_cast<const char*>(h.data()), h.size()));
      }
      return b.finish();
  }
  return b.finish();
}

bool Store::exists(const std::string& name) const {
  if (!dir_.valid()) return false;
  // A few lookups stat their object; a build that asks about thousands reads
  // the store's listing once instead (one getdents call per few hundred
  // names rather than a statx per object).
  if (!listing_ && ++lookups_ > kLookupsBeforeListing) listing_ = list_directory(dir_.get());
  if (listing_) return listing_->count(name) != 0;
  return stat_at(dir_.get(), name).type != FileStat::Type::Missing;
}

std::unordered_set<std::string> Store::list_directory(int dir) {
  std::unordered_set<std::string> names;
  DIR* d = fdopendir(dup(dir));
  if (!d) throw FsError(fmt::format("cannot list the store: {}", std::strerror(errno)), errno);
  rewinddir(d);
  while (dirent* e = readdir(d)) names.insert(e->d_name);
  closedir(d);
  return names;
}

std::string Store::add_file(std::string_view hint, std::string_view content, bool executable) {
  std::string name = object_name(file_object_hash(content, executable), hint);
  if (exists(name)) return name;
  if (pending_names_.count(name)) return name;
  ++written_;
  if (dry_run_) return name;
  std::string tmp = fmt::format(".tmp-{}-{}", getpid(), name);
  write_file_unsynced_at(dir_.get(), tmp, content, executable ? 0555 : 0444);
  pending_.emplace_back(std::move(tmp), name);
  pending_names_.insert(name);
  return name;
}

void Store::commit() {
  if (pending_.empty()) return;
  // One flush for every file written since the last commit: a crash before
  // the renames leaves only temporaries, which the next run sweeps.
  if (syncfs(dir_.get()) != 0) throw FsError(fmt::format("cannot flush the store to disk: {}", std::strerror(errno)), errno);
  for (const auto& [tmp, name] : pending_) {
    fault_write();
    if (renameat(dir_.get(), tmp.c_str(), dir_.get(), name.c_str()) != 0)
      throw FsError(fmt::format("cannot put `{}` in the store: {}", name, std::strerror(errno)), errno);
    if (listing_) listing_->insert(name);
  }
  fsync_dir(dir_.get());
  pending_.clear();
  pending_names_.clear();
}

void Store::write_tree(int parent, const std::string& name, const TreeEntry& tree) {
  switch (tree.kind) {
    case TreeEntry::Kind::File:
      write_file_at(parent, name, tree.content, tree.executable ? 0555 : 0444);
      return;
    case TreeEntry::Kind::Symlink:
      fault_write();
      if (symlinkat(tree.target.c_str(), parent, name.c_str()) != 0)
        throw FsError(fmt::format("cannot create `{}` in the store: {}", name, std::strerror(errno)), errno);
      return;
    case TreeEntry::Kind::Dir: {
      fault_write();
      if (mkdirat(parent, name.c_str(), 0755) != 0)
        throw FsError(fmt::format("cannot create `{}` in the store: {}", name, std::strerror(errno)), errno);
      Fd dir = open_dir_beneath(parent, name, false);
      if (fchmod(dir.get(), 0755) != 0)  // whatever the umask
        throw FsError(fmt::format("cannot set the mode of `{}` in the store: {}", name, std::strerror(errno)), errno);
      for (const auto& [child_name, child] : tree.children) write_tree(dir.get(), child_name, child);
      fsync_dir(dir.get());
      return;
    }
  }
}

// Makes a written tree read-only, deepest first.
void Store::seal(int parent, const std::string& name, const TreeEntry& tree) {
  if (tree.kind != TreeEntry::Kind::Dir) return;
  Fd dir = open_dir_beneath(parent, name, false);
  for (const auto& [child_name, child] : tree.children) seal(dir.get(), child_name, child);
  if (fchmod(dir.get(), 0555) != 0)
    throw FsError(fmt::format("cannot make `{}` read-only: {}", name, std::strerror(errno)), errno);
}

std::pair<std::string, bool> Store::add_tree(std::string_view hint, const TreeEntry& hash_tree_input,
                                             const std::function<TreeEntry()>& make_tree) {
  std::string name = object_name(hash_tree(hash_tree_input), hint);
  if (exists(name)) return {name, true};
  return add_tree(hint, make_tree(), hash_tree_input);
}

std::pair<std::string, bool> Store::add_tree(std::string_view hint, const TreeEntry& tree, const TreeEntry& hash_tree_input) {
  std::string name = object_name(hash_tree(hash_tree_input), hint);
  if (exists(name)) return {name, true};
  ++written_;
  if (dry_run_) return {name, false};
  commit();
  // Built under a temporary name and renamed: a crash leaves no half object
  // under the real name, only a temporary that the next gc sweeps.
  std::string tmp = fmt::format(".tmp-{}-{}", getpid(), name);
  if (stat_at(dir_.get(), tmp).type != FileStat::Type::Missing) remove_object(dir_.get(), tmp);
  write_tree(dir_.get(), tmp, tree);
  seal(dir_.get(), tmp, tree);
  fault_write();
  if (renameat(dir_.get(), tmp.c_str(), dir_.get(), name.c_str()) != 0) {
    int err = errno;
    remove_object(dir_.get(), tmp);
    if (err != ENOTEMPTY && err != EEXIST)
      throw FsError(fmt::format("cannot put `{}` in the store: {}", name, std::strerror(err)), err);
  }
  fsync_dir(dir_.get());
  if (listing_) listing_->insert(name);
  return {name, false};
}

size_t Store::remove_stale_temporaries() {
  if (!dir_.valid() || dry_run_) return 0;
  size_t removed = 0;
  DIR* d = fdopendir(dup(dir_.get()));
  std::vector<std::string> stale;
  if (d) {
    while (dirent* e = readdir(d)) {
      std::string n = e->d_name;
      if (n.rfind(".tmp-", 0) == 0 || n.find(".sysconf-tmp.") != std::string::npos) stale.push_back(n);
    }
    closedir(d);
  }
  for (const std::string& n : stale) {
    remove_object(dir_.get(), n);
    ++removed;
  }
  return removed;
}

namespace {
void remove_recursive(int parent, const std::string& name) {
  FileStat st = stat_at(parent, name);
  if (st.type == FileStat::Type::Missing) return;
  if (st.type == FileStat::Type::Dir) {
    int fd = openat(parent, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) throw FsError(fmt::format("cannot open `{}`: {}", name, std::strerror(errno)), errno);
    Fd dir(fd);
    fchmod(dir.get(), 0755);
    DIR* d = fdopendir(dup(dir.get()));
    std::vector<std::string> names;
    if (d) {
      while (dirent* e = readdir(d)) {
        std::string n = e->d_name;
        if (n != "." && n != "..") names.push_back(n);
      }
      closedir(d);
    }
    for (const std::string& n : names) remove_recursive(dir.get(), n);
    if (unlinkat(parent, name.c_str(), AT_REMOVEDIR) != 0 && errno != ENOENT)
      throw FsError(fmt::format("cannot remove `{}`: {}", name, std::strerror(errno)), errno);
  } else if (unlinkat(parent, name.c_str(), 0) != 0 && errno != ENOENT) {
    throw FsError(fmt::format("cannot remove `{}`: {}", name, std::strerror(errno)), errno);
  }
}
}  // namespace

void remove_object(int store_dir, const std::string& name) {
  fault_write();
  remove_recursive(store_dir, name);
}

}  // namespace sc

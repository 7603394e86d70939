// The content-addressed store (DESIGN.md section 5):
// /var/lib/sysconf/store/<hash>-<name>, files 0444 or 0555, directories 0555.
// The hash is SHA-256 over the object's canonical serialisation (bytes and
// executable bit; for a directory, its sorted entries), in short base32.
// Adding an object that exists writes nothing.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <set>
#include <vector>
#include <string>
#include <string_view>
#include <unordered_set>

#include "util/hash.h"
#include "util/object_name.h"
#include "util/safe_fs.h"

namespace sc {

// A directory object's content, before it is written.
struct TreeEntry {
  enum class Kind { Dir, Symlink, File };
  Kind kind = Kind::Dir;
  std::map<std::string, TreeEntry> children;  // Dir
  std::string target;                         // Symlink
  std::string content;                        // File
  bool executable = false;                    // File
};

class Store {
 public:
  // Opens (creating when not `dry_run`) <root>/var/lib/sysconf/store.
  Store(const Root& root, bool dry_run);

  // Adds a file; returns its object name. Nothing is written if it exists.
  // New files are durable and visible under their name only after commit()
  // (add_tree commits first, so a generation never names a missing object).
  std::string add_file(std::string_view name_hint, std::string_view content, bool executable);
  // Flushes every added file with one syncfs, then renames them all into
  // place and flushes the store directory: one disk flush, not one a file.
  void commit();
  // Adds a directory; `hash_tree` is what the name is computed from (it may
  // differ from `tree` only in what the caller excludes from identity, such
  // as a build time). Returns the object name and whether it already existed.
  std::pair<std::string, bool> add_tree(std::string_view name_hint, const TreeEntry& tree, const TreeEntry& hash_tree);
  // The same, where the tree to write is only made when the object is missing.
  std::pair<std::string, bool> add_tree(std::string_view name_hint, const TreeEntry& hash_tree,
                                        const std::function<TreeEntry()>& make_tree);

  // REQUIRES: nothing but this Store adds objects while it is open (the
  // state lock, or a dry run, where an approximate answer is harmless).
  bool exists(const std::string& name) const;
  static Sha256 hash_tree(const TreeEntry& tree);

  // Objects written (in a dry run: that would be written).
  size_t objects_written() const { return written_; }
  // Removes temporaries that a killed sysconf left (HAZARDS.md 19).
  // REQUIRES: the state lock is held.
  size_t remove_stale_temporaries();
  int dir_fd() const { return dir_.get(); }

 private:
  void write_tree(int parent, const std::string& name, const TreeEntry& tree);
  void seal(int parent, const std::string& name, const TreeEntry& tree);
  static std::unordered_set<std::string> list_directory(int dir);

  static constexpr size_t kLookupsBeforeListing = 64;

  bool dry_run_;
  Fd dir_;
  std::vector<std::pair<std::string, std::string>> pending_;  // temporary name, object name
  std::set<std::string> pending_names_;
  size_t written_ = 0;
  mutable size_t lookups_ = 0;
  mutable std::optional<std::unordered_set<std::string>> listing_;
};

// Removes a store object (making its directories writable first).
void remove_object(int store_dir, const std::string& name);

}  // namespace sc

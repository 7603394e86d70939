// manifest.json: everything a generation manages, as data that two
// generations can be compared by (the plan) and that `generations`, `diff`
// and `gc` read back. Stable and documented in the README.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "util/result.h"
#include "util/unit_name.h"
#include "render/rendered.h"

namespace sc {

struct ManifestFile {
  std::string path;         // /etc/x, or relative to the home
  std::string type;         // "file", "symlink" or "secret"
  std::string object;       // file: the store object
  bool executable = false;  // file
  std::string target;       // symlink
  std::string secret;       // secret: the path copied at activation
  std::string mode = "symlink";
  std::string user = "root";
  std::string group = "root";
  std::string on_change;    // home files

  // Whether activating this entry would write the same thing as `other`.
  bool same_content(const ManifestFile& other) const;
};

// A unit among a generation's files: a file directly in the unit directory,
// its drop-ins (NAME.d/*.conf) and the targets whose .wants/ or .requires/
// link to it. Derived from the files; written to manifest.json for people
// and tools, never read back.
struct ManifestUnit {
  std::string name;                  // "foo.service"
  const ManifestFile* file = nullptr;        // null: a package's unit, with sysconf's drop-ins
  std::vector<const ManifestFile*> dropins;  // sorted by path
  std::vector<std::string> wanted_by;        // targets, through .wants/ or .requires/
};


// The units among `files` (sorted by path) in `dir`. A unit masked by a
// link to /dev/null is not a unit.
std::vector<ManifestUnit> units_among(const std::vector<ManifestFile>& files, const std::string& dir);

struct ManifestHook {
  std::string name;
  std::vector<std::string> command;
  std::vector<std::string> inputs;
  std::optional<std::string> root_flag;
  std::string inputs_hash;  // of the command and every input's entry: a change runs the hook
};

struct ManifestHome {
  std::string user;
  std::string home;
  std::string generation;  // the home generation's store object
  std::vector<ManifestFile> files;
  std::vector<std::string> packages;
};

struct Manifest {
  std::string host;
  std::string sysconf_version;
  std::string build_time;           // ISO 8601, UTC; not part of the generation's hash
  std::optional<std::string> revision;
  bool dirty = false;
  std::vector<ManifestFile> files;  // /etc, sorted by path
  std::vector<ManifestHome> homes;  // sorted by user
  std::vector<std::string> packages;
  std::vector<RenderedUser> users;
  std::vector<RenderedGroup> groups;
  std::vector<ManifestHook> hooks;  // in the order they run
  std::vector<std::string> objects; // store objects no path names (service scripts)

  const ManifestFile* file(const std::string& path) const;
  const ManifestHome* home(const std::string& user) const;

  // `with_time` = false gives the text the generation's hash is taken of.
  std::string to_json(bool with_time = true) const;
  // Fails when `text` is not JSON or not a sysconf generation manifest.
  static Result<Manifest> from_json(const std::string& text);
};

std::string home_manifest_json(const ManifestHome& home);

}  // namespace sc

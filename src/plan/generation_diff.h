// What differs between two generations, from their manifests alone (no
// disk, no manager): the files of /etc and of each home, the packages, the
// users and groups, and the units. A value, so that `sysconf diff`, its
// --json and the switch plan print the same comparison.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "store/manifest.h"

namespace sc {

// Names (paths, packages, units) that appear, change or disappear. Each list
// is sorted; `changed` is empty where a name has no content to compare.
struct NameChanges {
  std::vector<std::string> added;
  std::vector<std::string> changed;
  std::vector<std::string> removed;

  bool empty() const { return added.empty() && changed.empty() && removed.empty(); }
};

// One user's home, in either generation.
struct HomeChanges {
  std::string user;
  NameChanges files;  // paths relative to the home
  NameChanges units;  // user units, compared as the system's
};

struct GenerationDiff {
  NameChanges etc;                 // /etc paths: by what activating the entry writes
  std::vector<HomeChanges> homes;  // every user with a home in either generation, by name
  NameChanges packages;
  NameChanges users;
  NameChanges groups;
  // System units, by their file, drop-ins and the targets that want them:
  // a unit whose identity changes is one a switch restarts or reloads if
  // it runs (the manager decides which; see UnitSteps).
  NameChanges units;

  bool empty() const;
};

// Compares generation `from` (null: none, as before the first switch) with `to`.
GenerationDiff compare_manifests(const Manifest* from, const Manifest& to);

// `sysconf diff`'s text: a "files:" section ("  + /etc/x", "  ~ ~craig/.profile",
// "  - ..."), then one line each for packages, users and units
// ("packages: +a -b", "units: unchanged").
std::string describe_generation_diff(const GenerationDiff& diff);

// The same as a JSON object: {"etc": CHANGES, "homes": [{"user", "files":
// CHANGES, "units": CHANGES}], "packages", "users", "groups", "units"},
// where CHANGES is {"added", "changed", "removed"}; "packages", "users" and
// "groups" have no "changed".
nlohmann::json generation_diff_json(const GenerationDiff& diff);

}  // namespace sc

// A generation: one store object holding manifest.json, the etc/ tree of
// links to file objects, and home/<user> links to each user's home
// generation (itself an object with its manifest.json and files/ tree).
#pragma once

#include <optional>
#include <set>
#include <string>

#include "render/rendered.h"
#include "store/manifest.h"
#include "store/store.h"
#include "util/result.h"

namespace sc {

struct BuildInfo {
  std::string host;
  std::string version;
  std::string build_time;
  std::optional<std::string> revision;
  bool dirty = false;
};

struct BuiltGeneration {
  std::string object;   // the system generation's store object
  Manifest manifest;
  bool existed = false; // an identical generation was already in the store
};

// Writes every object of `rendered` that the store lacks (none in a dry run).
// Throws FsError when the store cannot be written.
BuiltGeneration build_generation(const Rendered& rendered, const BuildInfo& info, Store& store);

// Adds the generation `object` and every object it uses (a system
// generation's files and home generations, a home generation's files) to
// `live`, for gc. Fails, saying what is wrong, when the generation, or a home
// generation it names, cannot be read completely: `live` then lacks objects
// the generation uses, and gc must delete nothing.
Status mark_live(const Root& root, const std::string& object, std::set<std::string>& live);

// Reads a generation's manifest from the store. Fails when it is missing or
// unreadable.
Result<Manifest> read_manifest(const Root& root, const std::string& object);

}  // namespace sc

// The import closure. Parses every module reachable from the library and the
// entry modules, on several threads, then orders them deterministically: a
// depth-first pre-order walk, library first, each file once by canonical path.
#pragma once

#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "load/module.h"
#include "util/config_reader.h"
#include "util/diagnostic.h"

namespace sc {

struct ModuleRoot {
  std::string path;  // a file, or a directory meaning its default.toml
  SourcePos pos;     // the site that names it (unknown for the library)
};

struct LoadedModules {
  std::vector<Module> modules;  // in load order
  // Whether every module of the closure was found and parsed as TOML. When
  // false, evaluating would only add errors caused by the missing files.
  bool complete = true;
  std::vector<std::unique_ptr<Arena>> arenas;  // own everything the modules point into
};

// Loads `roots` (in order) and their imports. Problems (a missing import, a
// TOML syntax error) go to `diags` in load order; the module set is then
// incomplete and the caller should stop after reporting them.
// `threads` = 0 picks the number of cores.
// `reader`, when given, reads each file as the configuration's owner could
// (config_reader.h); without it (the library's own documentation), only
// regular files are read.
LoadedModules load_modules(const std::vector<ModuleRoot>& roots, SourceFiles& files, Diagnostics& diags,
                           const ConfigReader* reader = nullptr, unsigned threads = 0);

// A module path as written → the file to read: a directory means its
// default.toml. Returns the canonical path, or empty when there is no file.
// `cache` (optional) remembers canonical directories between calls.
using DirCache = std::unordered_map<std::string, std::string>;
std::string resolve_module_path(const std::string& path, DirCache* cache = nullptr);

}  // namespace sc

// Reading back the generations a command works between: the one the
// machine is on, a numbered one of the system profile, and the ones
// `rollback` and `diff` choose by default.
#pragma once

#include <optional>
#include <string>

#include "store/manifest.h"
#include "util/diagnostic.h"
#include "util/safe_fs.h"

namespace sc {

// A generation with its manifest. `number` is its number in the system
// profile, or 0 when it was found another way (the one in use).
struct LoadedGeneration {
  int number = 0;
  std::string object;
  int64_t time = 0;
  Manifest manifest;
};

// Generation `number` of the system profile. Nullopt, with an error in
// `diags`, when there is no such generation or its manifest cannot be read.
std::optional<LoadedGeneration> load_generation(const Root& root, int number, Diagnostics& diags);

// The generation the machine is on (activate.h: current_generation), with
// number 0; nullopt before the first switch, or when its manifest cannot be
// read (a switch then plans as if it were the first).
std::optional<LoadedGeneration> generation_in_use(const Root& root);

// The newest generation of the system profile older than `number`; 0 when
// there is none.
int generation_before(const Root& root, int number);

// The two generations a rollback goes between: the current one, and `to`
// or else the one before it. Nullopt, with an error in `diags`, when there
// is nothing to roll back to.
struct RollbackPair {
  LoadedGeneration from;
  LoadedGeneration to;
};
std::optional<RollbackPair> rollback_generations(const Root& root, std::optional<int> to, Diagnostics& diags);

}  // namespace sc

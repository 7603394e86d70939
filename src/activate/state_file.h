// The small JSON records sysconf keeps beside its generations in
// /var/lib/sysconf: journal.json, packages.json, backups.json, hooks.json.
// Each is written atomically, so a damaged one means something outside
// sysconf touched it (a disk error, an editor, a restore from backup). A
// damaged record is never read as empty: forgetting an interrupted
// activation, the packages sysconf installed or the backups it must put back
// would lose what the record is for. Readers throw DamagedState; commands
// that change the machine check every record first and stop, changing
// nothing, pointing at `sysconf repair` (repair.h), as LevelDB reports
// corruption rather than guess.
#pragma once

#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "util/safe_fs.h"

namespace sc {

struct DamagedState : std::runtime_error {
  DamagedState(std::string file, const std::string& what)
      : std::runtime_error(file + " is damaged: " + what), file(std::move(file)) {}
  std::string file;  // the runtime path, /var/lib/sysconf/NAME
};

// The record `name` parsed, or nullopt when there is none (no state
// directory yet, or no such file). Throws DamagedState when it is not a
// regular file, cannot be read, or is not JSON; FsError when the state
// directory cannot be opened for another reason.
std::optional<nlohmann::json> read_state_file(const Root& root, const char* name);

// The text of record `name` as JSON; throws DamagedState when it is not.
nlohmann::json parse_state_text(const char* name, const std::string& text);

// `what` is a field of record `name` that has the wrong shape: the message a
// reader throws when the JSON parses but is not a record of its kind.
[[noreturn]] void throw_damaged(const char* name, const std::string& what);

void write_state_file(const Root& root, const char* name, const nlohmann::json& record);

}  // namespace sc

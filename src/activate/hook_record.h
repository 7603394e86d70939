// Which activation hooks have done their work (/var/lib/sysconf/hooks.json):
// each hook's inputs hash at its last success. A hook is planned to run when
// its inputs hash is not the recorded one, so a hook that failed, was
// interrupted or could not start runs again at every later switch and
// rollback until it succeeds.
#pragma once

#include <map>
#include <string>

#include "util/safe_fs.h"

namespace sc {

// Hook name → its inputsHash when it last succeeded.
using HookRecord = std::map<std::string, std::string>;

// The record; empty when there is none yet. Throws DamagedState
// (state_file.h) when it cannot be read or is damaged (it is never read as
// empty: HAZARDS.md 26).
HookRecord read_hook_record(const Root& root);
void write_hook_record(const Root& root, const HookRecord& record);

}  // namespace sc

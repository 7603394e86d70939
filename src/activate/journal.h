// The activation journal (/var/lib/sysconf/journal.json): which activation
// is under way and the phase it reached. Written atomically at each phase;
// removed when the activation is complete. A journal found at start means
// the last activation was interrupted (a crash, a power loss).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "units/unit_plan.h"
#include "util/safe_fs.h"

namespace sc {

struct Journal {
  std::optional<std::string> from;  // the generation being left (none on the first activation)
  std::string to;                   // the generation being activated
  int profile_number = 0;           // the system profile's number for `to`
  std::string phase;
  // Units to reload, restart and start once the files are switched: written
  // before any unit is stopped, so that a run killed after stopping them
  // brings them back (NixOS's start list).
  // (Only the reload, restart and start lists are kept.)
  UnitPlan units;
  // The same for each user's manager, recorded by the home's activation
  // before it stops any of their units.
  std::map<std::string, UnitPlan> home_units;
};

// Nullopt when no activation is under way. Throws DamagedState (state_file.h)
// when the journal cannot be read or is not a journal.
std::optional<Journal> read_journal(const Root& root);
void write_journal(const Root& root, const Journal& journal);
void clear_journal(const Root& root);

// The journal as JSON and back; journal_from_json throws DamagedState.
Journal journal_from_json(const nlohmann::json& j);
nlohmann::json journal_to_json(const Journal& journal);

}  // namespace sc

// Activating one user's home: run as that user, in a child process that has
// dropped root (setgroups/setresgid/setresuid), walking below the home with
// O_NOFOLLOW on every component. A symlink the user planted can at most
// redirect a write to where the user could write anyway (HAZARDS.md 1-4, 10, 11).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "activate/accounts.h"
#include "activate/backups.h"
#include "plan/plan.h"
#include "units/unit_plan.h"

namespace sc {

struct HomeOutcome {
  // Backups made and backups put back: "~user/rel" → name, and paths restored.
  BackupRecord new_backups;
  std::vector<std::string> restored;
};

// Told each message (`error`: a failure) as the home's activation makes it.
using HomeSay = std::function<void(const std::string& message, bool error)>;

// The user's units in the old and new home generations, read by root
// before the child drops to the user; the child plans and runs the jobs in
// the user's manager (at `address`, if one is running).
struct HomeUnits {
  UnitSet old_units, new_units;
  std::vector<std::string> all;  // the new generation's units
  std::optional<std::string> address;
  UnitPlan resume;  // lists an interrupted activation recorded: merged into the plan
  // Called (in the parent, as root) with the reload/restart/start lists
  // before the child stops any unit, to keep them in the journal.
  std::function<void(const UnitPlan&)> record;
};

// The child becomes the user with the user's supplementary groups (from the
// root's /etc/group); a file's onChange runs with the user's environment
// (user_command.h), its output told line by line as "user: line".
// REQUIRES: the user's home profile already points at the new home generation.
HomeOutcome activate_home(const Root& root, const HomePlan& plan, const Account& account, const BackupRecord& backups,
                          bool run_on_change, const HomeUnits& units, const HomeSay& say);

}  // namespace sc

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

// The record of backups, kept by root (backups.h): the child is given what
// it says, asks for each backup to be recorded before making it, and tells
// of each put back (or found never made), so that a crash at any point
// leaves no backup unrecorded.
struct HomeBackups {
  BackupRecord known;
  // "~user/rel" and the backup's name beside it; throws FsError when it
  // cannot be recorded (the file then stays where it is).
  std::function<void(const std::string& key, const std::string& backup)> made;
  std::function<void(const std::string& key)> forgotten;
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
void activate_home(const Root& root, const HomePlan& plan, const Account& account, const HomeBackups& backups,
                   bool run_on_change, const HomeUnits& units, const HomeSay& say);

}  // namespace sc

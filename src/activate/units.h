// The system manager's part of a switch (DESIGN.md section 6, steps 3 and
// 8): plan the unit jobs from the two generations' unit files and what the
// manager reports active, stop before the files change, and after them
// daemon-reload, reload, restart and start, waiting for every job.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "activate/journal.h"
#include "plan/plan.h"
#include "store/manifest.h"
#include "units/unit_plan.h"

namespace sc {

// A store object's content, for objects a switch has not written yet.
using ReadObject = std::function<std::optional<std::string>(const std::string& object)>;

// The units among `files` in `dir`, parsed with their drop-ins; objects are
// read from the store under `root`, else through `unbuilt`. Their triggers
// are resolved against `files` (units/unit_file.h); `home`, for a user's
// units, is the home directory, since a trigger may name a home file as
// ~/P, HOME/P or P.
UnitSet generation_units(const Root& root, const std::vector<ManifestFile>& files, const std::string& dir,
                         const ReadObject& unbuilt, const std::string& home = "");

// Plans the system units. `resume`: the lists an interrupted activation left
// in its journal, done again whatever the files say.
UnitSteps plan_system_units(const Root& root, const Manifest* from, const Manifest& to, const ReadObject& unbuilt,
                            const Journal* resume);

struct UnitJobsReport {
  std::vector<std::string> messages;
  std::vector<std::string> failures;  // each makes the switch exit 3
  // Told each message and failure as it is made (a step's "stopping the
  // following units" before its jobs run, which may take minutes).
  std::function<void(const std::string& text, bool failure)> live;

  void say(std::string message);
  void fail(std::string failure);
};

class SystemdManager;

// Adds the reload, restart and start lists of `resumed` (an interrupted
// activation's) to `plan`'s, each sorted and without repeats.
void merge_resumed(UnitPlan& plan, const UnitPlan& resumed);

// Step 3: stop what the plan stops.
void stop_units(const Root& root, const UnitSteps& steps, UnitJobsReport& report);
// Step 8: daemon-reload, then reload, restart and start.
void start_units(const Root& root, const UnitSteps& steps, UnitJobsReport& report);

// The same two steps on any manager (a user's, from the home's child).
// `label`: "units" or "user units".
void run_stop_step(SystemdManager& manager, const UnitPlan& plan, const std::string& label, UnitJobsReport& report);
void run_start_steps(SystemdManager& manager, const UnitPlan& plan, const std::vector<std::string>& all,
                     const std::string& label, UnitJobsReport& report);

}  // namespace sc

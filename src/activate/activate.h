// Activation (DESIGN.md section 6, steps 2-10): carries out a plan on the
// machine under the root, journaled phase by phase so that an interrupted
// activation is finished or undone by the next run.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "activate/units.h"
#include "plan/plan.h"
#include "store/manifest.h"

namespace sc {

struct ActivationTarget {
  std::string object;         // the generation's store object
  const Manifest* manifest;
  int profile_number = 0;     // its number in the system profile; 0: added when activation starts
};

struct ActivationOptions {
  bool dry_run = false;
  bool no_backup = false;
  bool json = false;
  ReadObject unbuilt;             // the new generation's objects before they are in the store
  const Journal* resume = nullptr;  // an interrupted activation's journal, being finished
};

// How an activation shows what it does while it does it, so that a run that
// is killed or hangs has shown how far it got. Either may be empty.
struct ActivationProgress {
  std::function<void(const std::string& text)> print;   // output lines, each ending in '\n'
  std::function<void(const std::string& phase)> phase;  // what is being worked on now; "" when done
};

struct ActivationReport {
  // The plan as the command prints it at the end: --dry-run's, or --json's.
  // A real run shows each part of the plan as its phase begins instead.
  std::string plan_text;
  std::vector<std::string> messages;  // backups made, files left alone, hooks run
  bool failures = false;  // a hook, a home or a package step failed: exit 3
  int number = 0;         // the activated generation's number in the system profile
  ActivationProgress live;

  // A message, printed at once when live.
  void say(std::string message);
  // A failure: "error: " + message, and exit 3.
  void fail(std::string message);
  // Output that is not a message (a part of the plan), when live.
  void print(const std::string& text) const;
  void enter(const std::string& phase) const;
};

// The generation the machine is on: /run/sysconf/current-system, else the
// system profile's current generation (after a reboot /run is empty).
std::optional<std::string> current_generation(const Root& root);

// Activates `to` over `from`. Returns false with errors in `diags` when it
// stopped before changing anything (a planning error). REQUIRES: the state
// lock is held.
bool activate(const Root& root, const std::optional<ActivationTarget>& from, const ActivationTarget& to,
              const ActivationOptions& options, Diagnostics& diags, ActivationReport& report);

// Plans `to` over `from`: the plan, and its text in `report`. Returns false
// when the plan must stop the activation (the errors are in `diags`).
bool plan_activation(const Root& root, const std::optional<ActivationTarget>& from, const ActivationTarget& to,
                     const ActivationOptions& options, Diagnostics& diags, ActivationReport& report, Plan& plan);
// Carries out a plan made by plan_activation for the same `from` and `to`.
// REQUIRES: the state lock is held; `to`'s objects are in the store.
void run_plan(const Root& root, const std::optional<ActivationTarget>& from, const ActivationTarget& to,
              const Plan& plan, Diagnostics& diags, ActivationReport& report);

// Finishes (or, with `undo`, reverses) an activation a journal says was
// interrupted. Returns false if the journal names generations that are gone.
bool recover(const Root& root, bool undo, Diagnostics& diags, ActivationReport& report);

}  // namespace sc

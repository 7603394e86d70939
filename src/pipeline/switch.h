// Switching to a generation (DESIGN.md section 6, steps 2-10): plan a
// candidate against the generation in use before anything is written, then
// carry the plan out; and activating a generation already in the store, as
// `rollback` does. Each step takes the previous one's values.
#pragma once

#include <optional>

#include "activate/activate.h"
#include "pipeline/build.h"
#include "pipeline/generations.h"
#include "plan/plan.h"

namespace sc {

struct SwitchOptions {
  bool dry_run = false;
  bool no_backup = false;
  bool json = false;  // the plan's text in the report is its JSON
};

// Plans switching from `from` (null: the first switch) to `to`, the
// candidate as store_candidate named it in a dry run, reading its new unit
// files from `candidate` since the store may not have them yet. The plan's
// text (--dry-run's, or --json's) goes to `report`. Nullopt when the plan
// must stop the switch before anything is written, the store included;
// the errors are in `diags`.
// REQUIRES: `from`, `candidate` and `to` outlive the plan, which points
// into their manifests.
std::optional<Plan> plan_switch(const Root& root, const LoadedGeneration* from, const Candidate& candidate,
                                const BuiltGeneration& to, const SwitchOptions& options, Diagnostics& diags,
                                ActivationReport& report);

// Carries out `plan`, made by plan_switch for the same `from` and `to`;
// `report.number` is then the new generation's number.
// REQUIRES: the state lock is held; store_candidate wrote `to`'s objects.
void switch_to(const Root& root, const LoadedGeneration* from, const BuiltGeneration& to, const Plan& plan,
               Diagnostics& diags, ActivationReport& report);

// Activates `to`, a generation of the system profile, over `from` (the one
// in use), without building anything; with `dry_run` only plans, the
// plan's text in `report`. Returns false, with errors in `diags`, when the
// plan stopped it before anything changed.
// REQUIRES: the state lock is held (unless `dry_run`).
bool activate_generation(const Root& root, const LoadedGeneration& from, const LoadedGeneration& to,
                         const SwitchOptions& options, Diagnostics& diags, ActivationReport& report);

}  // namespace sc

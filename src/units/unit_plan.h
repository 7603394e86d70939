// Which units a switch stops, reloads, restarts and starts (DESIGN.md
// section 7), decided as NixOS's switch-to-configuration does from the old
// and new unit files and from what the manager reports active. A value:
// computed before anything changes, printed by --dry-run, carried out by
// unit_jobs.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "units/unit_file.h"

namespace sc {

// One generation's units in one scope (system, or a user's), by unit name.
struct UnitSet {
  std::map<std::string, UnitSections> units;
  // target → the units it wants or requires through .wants/ and .requires/ links
  std::map<std::string, std::set<std::string>> wanted_by_target;
};

struct UnitPlan {
  std::vector<std::string> stop;     // before the files change
  std::vector<std::string> skip;     // changed, but restartIfChanged = false (or manual start only): reported
  std::vector<std::string> reload;   // after daemon-reload
  std::vector<std::string> restart;
  std::vector<std::string> start;
  // Units the manager did not find when the plan was made (their package is
  // not installed yet): after the package step, each that an active unit
  // wants or requires is started, as it would have been at boot.
  std::vector<std::string> start_if_wanted;
  bool empty() const {
    return stop.empty() && reload.empty() && restart.empty() && start.empty() && start_if_wanted.empty();
  }
};

// The template of an instance: "foo@bar.service" → "foo@.service"; "" for a
// unit that is not an instance (a template itself included).
std::string instance_template(const std::string& unit);

// `active`: every unit the manager reports active or activating (with its
// ActiveState); other units are never touched, as in NixOS. A running
// instance (foo@a.service) that has no file of its own follows its
// template's (foo@.service) change or removal, under its own name.
UnitPlan plan_units(const UnitSet& old_units, const UnitSet& new_units, const std::map<std::string, std::string>& active);

// --dry-run's "would stop the following units: a, b" lines. A real run says
// "stopping the following units: a, b" as it does it (activate/units.cc).
std::string describe_unit_plan(const UnitPlan& plan, const std::string& scope_label);

}  // namespace sc

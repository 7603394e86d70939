#include "pipeline/switch.h"

#include <map>
#include <string>

namespace sc {

namespace {

std::optional<ActivationTarget> target_of(const LoadedGeneration* generation) {
  if (!generation) return std::nullopt;
  return ActivationTarget{generation->object, &generation->manifest, generation->number};
}

// The new generation is numbered in the system profile when activation starts.
ActivationTarget target_of(const BuiltGeneration& built) { return ActivationTarget{built.object, &built.manifest, 0}; }

}  // namespace

std::optional<Plan> plan_switch(const Root& root, const LoadedGeneration* from, const Candidate& candidate,
                                const BuiltGeneration& to, const SwitchOptions& options, Diagnostics& diags,
                                ActivationReport& report) {
  ActivationOptions activation{options.dry_run, options.no_backup, options.json};
  // The new unit files, to plan the units before the store has them. The
  // manifest's /etc entries were made from rendered.etc, one for one, in order.
  const std::vector<RenderedFile>& etc = candidate.rendered.etc;
  std::map<std::string, const std::string*> unit_objects;
  for (size_t i = 0; i < etc.size() && i < to.manifest.files.size(); ++i) {
    const ManifestFile& entry = to.manifest.files[i];
    if (entry.type == "file" && entry.path == etc[i].path && entry.path.rfind(kSystemUnitDir, 0) == 0)
      unit_objects[entry.object] = &etc[i].content;
  }
  activation.unbuilt = [&](const std::string& object) -> std::optional<std::string> {
    auto it = unit_objects.find(object);
    if (it == unit_objects.end()) return std::nullopt;
    return *it->second;
  };
  Plan plan;
  if (!plan_activation(root, target_of(from), target_of(to), activation, diags, report, plan)) return std::nullopt;
  return plan;
}

void switch_to(const Root& root, const LoadedGeneration* from, const BuiltGeneration& to, const Plan& plan,
               Diagnostics& diags, ActivationReport& report) {
  run_plan(root, target_of(from), target_of(to), plan, diags, report);
}

bool activate_generation(const Root& root, const LoadedGeneration& from, const LoadedGeneration& to,
                         const SwitchOptions& options, Diagnostics& diags, ActivationReport& report) {
  ActivationOptions activation{options.dry_run, options.no_backup, options.json};
  return activate(root, target_of(&from), *target_of(&to), activation, diags, report);
}

}  // namespace sc

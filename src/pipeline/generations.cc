#include "pipeline/generations.h"

#include <fmt/format.h>

#include "activate/activate.h"
#include "store/generation.h"
#include "store/profiles.h"

namespace sc {

std::optional<LoadedGeneration> load_generation(const Root& root, int number, Diagnostics& diags) {
  Profiles profiles(root, true);
  auto g = profiles.get("system", number);
  if (!g) {
    diags.error(fmt::format("there is no generation {}", number), SourcePos{}, "`sysconf generations` lists them");
    return std::nullopt;
  }
  auto manifest = read_manifest(root, g->object);
  if (!manifest.ok()) {
    diags.error(fmt::format("generation {} cannot be read: {}", number, manifest.message()), SourcePos{});
    return std::nullopt;
  }
  return LoadedGeneration{g->number, g->object, g->time, std::move(manifest).value()};
}

std::optional<LoadedGeneration> generation_in_use(const Root& root) {
  auto object = current_generation(root);
  if (!object) return std::nullopt;
  auto manifest = read_manifest(root, *object);
  if (!manifest.ok()) return std::nullopt;  // planned as the first switch, as the header promises
  return LoadedGeneration{0, *object, 0, std::move(manifest).value()};
}

int generation_before(const Root& root, int number) {
  int before = 0;
  for (const ProfileGeneration& g : Profiles(root, true).list("system"))
    if (g.number < number) before = g.number;
  return before;
}

std::optional<RollbackPair> rollback_generations(const Root& root, std::optional<int> to, Diagnostics& diags) {
  Profiles profiles(root, true);
  auto current = profiles.current("system");
  if (!current || profiles.list("system").empty()) {
    diags.error("there is no generation to roll back from", SourcePos{}, "`sysconf switch` makes the first one");
    return std::nullopt;
  }
  int target = to ? *to : generation_before(root, *current);
  if (!to && target == 0) {
    diags.error(fmt::format("generation {} is the oldest: there is nothing earlier", *current), SourcePos{},
                "`sysconf generations` lists them");
    return std::nullopt;
  }
  auto from_generation = load_generation(root, *current, diags);
  auto to_generation = load_generation(root, target, diags);
  if (!from_generation || !to_generation) return std::nullopt;
  return RollbackPair{std::move(*from_generation), std::move(*to_generation)};
}

}  // namespace sc

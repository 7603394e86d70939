// sysconf rollback [--to N]: activate an earlier generation, without
// rebuilding anything.
#include <cstdio>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/progress.h"
#include "cli/state.h"

namespace sc {

int run_rollback(CommandContext& ctx, const RollbackOptions& options) {
  auto root = open_root(ctx, options.dry_run);
  if (!root) return ctx.report();
  StateLock lock;
  if (!options.dry_run)
    if (auto stop = take_lock(ctx, *root, options.wait, lock)) return *stop;
  if (auto stop = refuse_damaged_state(ctx, *root)) return *stop;
  // Each step is printed as it happens (the JSON document only at the end).
  ActivationConsole console(!options.json, !options.dry_run && want_progress_line(ctx.options().verbosity));
  ActivationReport report;
  report.live = console.progress();
  try {
    // An interrupted activation is undone: that is the rollback asked for.
    if (!options.dry_run && !options.to) {
      auto before = report.messages.size();
      if (!recover(*root, true, ctx.diags(), report)) return ctx.report();
      if (report.messages.size() != before) return finish_activation(ctx, true, report, options.json, "{}");
    }
    Profiles profiles(*root, true);
    auto current_number = profiles.current("system");
    auto all = profiles.list("system");
    if (!current_number || all.empty()) {
      ctx.diags().error("there is no generation to roll back from", SourcePos{}, "`sysconf switch` makes the first one");
      return ctx.report();
    }
    int target = 0;
    if (options.to) {
      target = *options.to;
    } else {
      for (const auto& g : all)
        if (g.number < *current_number) target = g.number;
      if (target == 0) {
        ctx.diags().error(fmt::format("generation {} is the oldest: there is nothing earlier", *current_number),
                          SourcePos{}, "`sysconf generations` lists them");
        return ctx.report();
      }
    }
    auto from = load_generation(ctx, *root, *current_number);
    auto to = load_generation(ctx, *root, target);
    if (!from || !to) return ctx.report();
    if (!options.json) fmt::print("rolling back from generation {} to {}\n", from->number, to->number);
    ActivationTarget from_target{from->object, &from->manifest, from->number};
    ActivationTarget to_target{to->object, &to->manifest, to->number};
    bool ok = activate(*root, from_target, to_target, ActivationOptions{options.dry_run, false, options.json}, ctx.diags(),
                       report);
    nlohmann::json head = {{"from", from->number}, {"to", to->number}, {"dryRun", options.dry_run}};
    return finish_activation(ctx, ok, report, options.json, head.dump());
  } catch (const FsError& e) {
    report.enter("");
    ctx.diags().error(e.what(), SourcePos{}, "the next `sysconf rollback` finishes or undoes this activation");
    return ctx.report();
  }
}

}  // namespace sc

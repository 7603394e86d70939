// sysconf rollback [--to N]: activate an earlier generation, without
// rebuilding anything.
#include <cstdio>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/progress.h"
#include "cli/state.h"
#include "pipeline/switch.h"

namespace sc {

int run_rollback(CommandContext& ctx, const RollbackOptions& options) {
  auto root = open_root(ctx, options.dry_run);
  if (!root) return ctx.report();
  StateLock lock;
  if (!options.dry_run)
    if (auto stop = take_lock(ctx, *root, options.wait, lock)) return *stop;
  if (auto stop = refuse_damaged_state(ctx, *root)) return *stop;
  // Each step is printed as it happens (the JSON document only at the end).
  ActivationConsole console(!options.json, ctx.quiet(), !options.dry_run && want_progress_line(ctx.options().verbosity));
  ActivationReport report;
  report.live = console.progress();
  try {
    // An interrupted activation is undone: that is the rollback asked for.
    if (!options.dry_run && !options.to) {
      auto before = report.messages.size();
      if (!recover(*root, true, ctx.diags(), report)) return ctx.report();
      if (report.messages.size() != before) return finish_activation(ctx, true, report, options.json, "{}");
    }
    auto pair = rollback_generations(*root, options.to, ctx.diags());
    if (!pair) return ctx.report();
    const LoadedGeneration& from = pair->from;
    const LoadedGeneration& to = pair->to;
    if (!options.json && !ctx.quiet()) fmt::print("rolling back from generation {} to {}\n", from.number, to.number);
    bool ok = activate_generation(*root, from, to, SwitchOptions{options.dry_run, false, options.json}, ctx.diags(), report);
    nlohmann::json head = {{"from", from.number}, {"to", to.number}, {"dryRun", options.dry_run}};
    return finish_activation(ctx, ok, report, options.json, head.dump());
  } catch (const FsError& e) {
    report.enter("");
    ctx.diags().error(e.what(), SourcePos{}, "the next `sysconf rollback` finishes or undoes this activation");
    return ctx.report();
  }
}

}  // namespace sc

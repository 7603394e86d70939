// sysconf build / switch: evaluate, render, write the generation into the
// store and, for switch, activate it (DESIGN.md sections 5 and 6). The
// steps are the pipeline's (pipeline/build.h, pipeline/switch.h); this file
// takes the lock, calls them in order and prints.
#include <chrono>
#include <cstdio>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "cli/commands.h"
#include "cli/host_session.h"
#include "pipeline/package_warnings.h"
#include "cli/progress.h"
#include "cli/state.h"
#include "pipeline/build.h"
#include "pipeline/switch.h"
#include "store/store.h"
#include "util/exit_fast.h"

namespace sc {

namespace {

double millis_since(std::chrono::steady_clock::time_point& start) {
  auto now = std::chrono::steady_clock::now();
  double ms = std::chrono::duration<double, std::milli>(now - start).count();
  start = now;
  return ms;
}

std::string built_line(const std::string& object, size_t written, bool dry) {
  return fmt::format("{} {} ({} new object{}{})\n", dry ? "would build" : "built", store_path(object), written,
                     written == 1 ? "" : "s", dry ? ", nothing written" : "");
}

nlohmann::json built_json(const std::string& object, size_t written, bool dry) {
  return nlohmann::json{{"generation", object}, {"path", store_path(object)}, {"objectsWritten", written}, {"dryRun", dry}};
}

}  // namespace

int run_build(CommandContext& ctx, const BuildOptions& options) {
  auto session = open_host(ctx, true);
  auto stage = std::chrono::steady_clock::now();
  if (!session || !evaluate_with_checks(session->host, ctx.diags())) return ctx.report();
  spdlog::debug("evaluated with checks in {:.1f} ms", millis_since(stage));
  // Before anything changes. A real switch names each such package as its
  // own failure when it installs the others.
  if (!options.activate || options.dry_run) {
    warn_unavailable_packages(session->host, ctx.options().root, ctx.diags());
    spdlog::debug("asked which packages can be installed in {:.1f} ms", millis_since(stage));
  }
  bool dry = options.dry_run;
  auto root = open_root(ctx, dry);
  if (!root) return ctx.report();
  StateLock lock;
  if (!dry)
    if (auto stop = take_lock(ctx, *root, options.wait, lock)) return *stop;
  if (options.activate)
    if (auto stop = refuse_damaged_state(ctx, *root)) return *stop;

  // Each step is printed as it happens (the JSON document only at the end).
  ActivationConsole console(!options.json, ctx.quiet(), !dry && want_progress_line(ctx.options().verbosity));
  ActivationReport report;
  report.live = console.progress();
  try {
    // An activation that a crash interrupted is finished before anything else.
    if (options.activate && !dry && !recover(*root, false, ctx.diags(), report)) return ctx.report();

    auto candidate = render_candidate(session->host, *root, session->repo.config_dir, ctx.files(), ctx.diags());
    if (!candidate) return ctx.report();
    spdlog::debug("rendered {} files in /etc in {:.1f} ms", candidate->rendered.etc.size(), millis_since(stage));

    if (!options.activate && !dry) {  // a plain build: write the generation, plan nothing
      StoredGeneration stored = store_candidate(*root, *candidate, false);
      spdlog::debug("built the generation in {:.1f} ms", millis_since(stage));
      leave_to_exit(session);
      const std::string& object = stored.built.object;
      std::string out = options.json ? built_json(object, stored.objects_written, false).dump(2) + "\n"
                                     : built_line(object, stored.objects_written, false);
      if (!ctx.quiet()) std::fputs(out.c_str(), stdout);
      return ctx.report();
    }

    // Planned once, before anything is written: a switch that must stop (a
    // missing secret, a file in the way with --no-backup) stops before
    // anything is written, the store included.
    std::optional<LoadedGeneration> from = generation_in_use(*root);
    const LoadedGeneration* from_ptr = from ? &*from : nullptr;
    StoredGeneration preview = store_candidate(*root, *candidate, true);
    SwitchOptions switch_options{dry, options.no_backup, options.json};
    auto plan = plan_switch(*root, from_ptr, *candidate, preview.built, switch_options, ctx.diags(), report);
    if (!plan) return finish_activation(ctx, false, report, options.json, "{}");
    size_t written = preview.objects_written;
    if (!dry) written = store_candidate(*root, *candidate, false).objects_written;  // the same objects, written
    leave_to_exit(session);
    const std::string& object = preview.built.object;
    nlohmann::json json_head = built_json(object, written, dry);
    if (!options.json && !ctx.quiet()) std::fputs(built_line(object, written, dry).c_str(), stdout);
    if (!dry) {
      switch_to(*root, from_ptr, preview.built, *plan, ctx.diags(), report);
      if (!options.json) report.say(fmt::format("switched to generation {}", report.number));
    }
    json_head["number"] = report.number;
    return finish_activation(ctx, true, report, options.json, json_head.dump());
  } catch (const FsError& e) {
    ctx.diags().error(e.what(), SourcePos{},
                      options.activate ? "nothing was left half-written; the next `sysconf switch` finishes or undoes "
                                         "this activation"
                                       : "the store was not changed");
    report.enter("");
    if (!report.live.print)
      for (const std::string& m : report.messages)
        if (!ctx.quiet() || m.starts_with("error: ")) fmt::print("{}\n", m);
    return ctx.report();
  }
}

}  // namespace sc

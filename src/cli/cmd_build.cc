// sysconf build / switch: evaluate, render, write the generation into the
// store and, for switch, activate it (DESIGN.md sections 5 and 6).
#include <chrono>
#include <cstdio>
#include <ctime>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "activate/command.h"
#include "cli/commands.h"
#include "cli/host_session.h"
#include "cli/package_warnings.h"
#include "cli/progress.h"
#include "cli/state.h"
#include "plan/plan.h"
#include "render/render.h"
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

// The configuration's git revision, and whether the work tree is dirty.
void git_revision(const std::string& dir, BuildInfo& info) {
  CommandResult head = run_command({"git", "-C", dir, "rev-parse", "--verify", "-q", "HEAD"});
  if (head.status != 0) return;
  std::string rev = head.output.substr(0, head.output.find('\n'));
  if (rev.size() != 40) return;
  info.revision = rev;
  CommandResult status = run_command({"git", "-C", dir, "status", "--porcelain", "--untracked-files=normal"});
  info.dirty = status.status != 0 || !status.output.empty();
}

// UTC now, or SOURCE_DATE_EPOCH for reproducible builds and tests.
std::string build_time() {
  std::time_t t = std::time(nullptr);
  if (const char* epoch = std::getenv("SOURCE_DATE_EPOCH"); epoch && *epoch) t = std::strtoll(epoch, nullptr, 10);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
  return buffer;
}

// Everything a build checks: the whole configuration of the host and of
// every user, with assertions, as `check` does.
bool evaluate_completely(HostSession& session, CommandContext& ctx) {
  session.host.system->eval->whole_tree();
  session.host.system->eval->run_checks();
  for (HomeEvaluation& home : session.host.homes) {
    home.config->eval->whole_tree();
    home.config->eval->run_checks();
  }
  return !ctx.diags().has_errors();
}

}  // namespace

int run_build(CommandContext& ctx, const BuildOptions& options) {
  auto session = open_host(ctx, true);
  auto stage = std::chrono::steady_clock::now();
  if (!session || !evaluate_completely(*session, ctx)) return ctx.report();
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
  ActivationConsole console(!options.json, !dry && want_progress_line(ctx.options().verbosity));
  ActivationReport report;
  report.live = console.progress();
  try {
    // An activation that a crash interrupted is finished before anything else.
    if (options.activate && !dry && !recover(*root, false, ctx.diags(), report)) return ctx.report();

    std::optional<ConfigReader> sources;
    try {
      sources.emplace(session->repo.config_dir);
    } catch (const FsError& e) {
      ctx.diags().error(e.what(), SourcePos{});
      return ctx.report();
    }
    RenderContext render_ctx{*root, *sources, ctx.files(), ctx.diags()};
    auto rendered = render_host(session->host, render_ctx);
    if (!rendered) return ctx.report();
    spdlog::debug("rendered {} files in /etc in {:.1f} ms", rendered->etc.size(), millis_since(stage));

    BuildInfo info{session->host.host->name, SYSCONF_VERSION, build_time(), std::nullopt, false};
    git_revision(session->repo.config_dir, info);

    auto summary = [&](const std::string& object, size_t written) {
      return fmt::format("{} {} ({} new object{}{})\n", dry ? "would build" : "built", store_path(object),
                         written, written == 1 ? "" : "s", dry ? ", nothing written" : "");
    };
    auto head = [&](const std::string& object, size_t written) {
      return nlohmann::json{{"generation", object},
                            {"path", store_path(object)},
                            {"objectsWritten", written},
                            {"dryRun", dry}};
    };
    if (!options.activate && !dry) {  // a plain build: write the generation, plan nothing
      Store store(*root, false);
      store.remove_stale_temporaries();
      BuiltGeneration built = build_generation(*rendered, info, store);
      spdlog::debug("built the generation in {:.1f} ms", millis_since(stage));
      leave_to_exit(session);
      std::string out = options.json ? head(built.object, store.objects_written()).dump(2) + "\n"
                                     : summary(built.object, store.objects_written());
      std::fputs(out.c_str(), stdout);
      return ctx.report();
    }

    // The generation the machine is on, to plan against.
    std::optional<LoadedGeneration> current;
    if (auto object = current_generation(*root)) {
      std::string error;
      if (auto m = read_manifest(*root, *object, error)) current = LoadedGeneration{0, *object, 0, std::move(*m)};
    }
    std::optional<ActivationTarget> from;
    if (current) from = ActivationTarget{current->object, &current->manifest, 0};

    // The generation's names and manifest without writing anything, to plan
    // once: a switch that must stop (a missing secret, a file in the way with
    // --no-backup) stops before anything is written, the store included.
    Store preview_store(*root, true);
    BuiltGeneration built = build_generation(*rendered, info, preview_store);
    ActivationTarget to{built.object, &built.manifest, 0};  // numbered when activation starts
    ActivationOptions activation{dry, options.no_backup, options.json};
    // The new unit files, to plan the units before the store has them. The
    // manifest's /etc entries were made from rendered->etc, one for one, in order.
    std::map<std::string, const std::string*> unit_objects;
    for (size_t i = 0; i < rendered->etc.size() && i < built.manifest.files.size(); ++i) {
      const ManifestFile& entry = built.manifest.files[i];
      if (entry.type == "file" && entry.path == rendered->etc[i].path && entry.path.rfind(kSystemUnitDir, 0) == 0)
        unit_objects[entry.object] = &rendered->etc[i].content;
    }
    activation.unbuilt = [&](const std::string& object) -> std::optional<std::string> {
      auto it = unit_objects.find(object);
      if (it == unit_objects.end()) return std::nullopt;
      return *it->second;
    };
    Plan plan;
    if (!plan_activation(*root, from, to, activation, ctx.diags(), report, plan))
      return finish_activation(ctx, false, report, options.json, "{}");
    size_t written = preview_store.objects_written();
    if (!dry) {
      // The same rendering gives the same objects: write the ones missing.
      Store store(*root, false);
      store.remove_stale_temporaries();
      build_generation(*rendered, info, store);
      written = store.objects_written();
    }
    leave_to_exit(session);
    nlohmann::json json_head = head(built.object, written);
    if (!options.json) std::fputs(summary(built.object, written).c_str(), stdout);
    if (!dry) {
      run_plan(*root, from, to, plan, ctx.diags(), report);
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
      for (const std::string& m : report.messages) fmt::print("{}\n", m);
    return ctx.report();
  }
}

}  // namespace sc

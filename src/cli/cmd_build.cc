// sysconf build / switch: evaluate, render, write the generation into the
// store and, for switch, activate it (DESIGN.md sections 5 and 6).
#include <cstdio>
#include <ctime>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "activate/command.h"
#include "cli/commands.h"
#include "cli/host_session.h"
#include "cli/state.h"
#include "render/render.h"

namespace sc {

namespace {

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
  if (!session || !evaluate_completely(*session, ctx)) return ctx.report();
  bool dry = options.dry_run;
  auto root = open_root(ctx, dry);
  if (!root) return ctx.report();
  StateLock lock;
  if (!dry)
    if (auto stop = take_lock(ctx, *root, options.wait, lock)) return *stop;

  ActivationReport report;
  try {
    // An activation that a crash interrupted is finished before anything else.
    if (options.activate && !dry && !recover(*root, false, ctx.diags(), report)) return ctx.report();

    RenderContext render_ctx{*root, session->repo.config_dir, ctx.files(), ctx.diags()};
    auto rendered = render_host(session->host, render_ctx);
    if (!rendered) return ctx.report();

    BuildInfo info{session->host.host->name, SYSCONF_VERSION, build_time(), std::nullopt, false};
    git_revision(session->repo.config_dir, info);

    // The generation the machine is on, to plan against (a plain build plans nothing).
    std::optional<LoadedGeneration> current;
    bool plans = options.activate || dry;
    if (auto object = plans ? current_generation(*root) : std::nullopt) {
      std::string error;
      if (auto m = read_manifest(*root, *object, error)) current = LoadedGeneration{0, *object, 0, std::move(*m)};
    }
    std::optional<ActivationTarget> from;
    if (current) from = ActivationTarget{current->object, &current->manifest, 0};

    // A switch that must stop (a missing secret, a file in the way with
    // --no-backup) stops before anything is written, the store included.
    if (options.activate && !dry) {
      Store dry_store(*root, true);
      BuiltGeneration preview = build_generation(*rendered, info, dry_store);
      ActivationReport preview_report;
      if (!activate(*root, from, ActivationTarget{preview.object, &preview.manifest, 0},
                    ActivationOptions{true, options.no_backup, options.json}, ctx.diags(), preview_report))
        return finish_activation(ctx, false, preview_report, options.json, "{}");
    }

    Store store(*root, dry);
    if (!dry) store.remove_stale_temporaries();
    BuiltGeneration built = build_generation(*rendered, info, store);

    nlohmann::json head = {{"generation", built.object},
                           {"path", Store::runtime_path(built.object)},
                           {"objectsWritten", store.objects_written()},
                           {"dryRun", dry}};
    std::string summary =
        fmt::format("{} {} ({} new object{}{})\n", dry ? "would build" : "built", Store::runtime_path(built.object),
                    store.objects_written(), store.objects_written() == 1 ? "" : "s", dry ? ", nothing written" : "");

    (void)session.release();  // left to the OS at exit, as in eval
    if (!options.activate && !dry) {
      if (!options.json) std::fputs(summary.c_str(), stdout);
      else std::fputs((head.dump(2) + "\n").c_str(), stdout);
      return ctx.report();
    }
    ActivationTarget to{built.object, &built.manifest, 0};  // numbered when activation starts
    ActivationOptions activation{dry || !options.activate, options.no_backup, options.json};
    if (!options.json) std::fputs(summary.c_str(), stdout);
    bool ok = activate(*root, from, to, activation, ctx.diags(), report);
    head["number"] = report.number;
    if (ok && options.activate && !dry && !options.json)
      report.messages.push_back(fmt::format("switched to generation {}", report.number));
    return finish_activation(ctx, ok, report, options.json, head.dump());
  } catch (const FsError& e) {
    ctx.diags().error(e.what(), SourcePos{},
                      options.activate ? "nothing was left half-written; the next `sysconf switch` finishes or undoes "
                                         "this activation"
                                       : "the store was not changed");
    for (const std::string& m : report.messages) fmt::print("{}\n", m);
    return ctx.report();
  }
}

}  // namespace sc

// sysconf check: every host and every user evaluated completely, their
// assertions and warnings checked, and rendered as a build would render them,
// so that check passes exactly when `build --dry-run` would.
#include <unistd.h>

#include <cstdio>

#include <fmt/format.h>

#include "cli/commands.h"
#include "pipeline/package_warnings.h"
#include "cli/state.h"
#include "eval/pipeline.h"
#include "load/repo.h"
#include "render/render.h"
#include "util/config_reader.h"

namespace sc {

namespace {

// Whether `host` is the one this machine would switch to: the one --host
// names, else the one named like the machine. Only its packages are worth
// asking this machine's package manager about.
bool host_of_this_machine(const HostSpec& host, const std::optional<std::string>& flag) {
  if (flag) return host.name == *flag;
  char name[256] = {};
  return gethostname(name, sizeof name - 1) == 0 && host.name == name;
}

// What rendering reads besides the evaluation: --root (read-only) and the
// configuration's sources. Opened for the first host that renders; a failure
// to open them is reported once.
struct RenderInputs {
  bool opened = false;
  std::unique_ptr<Root> root;
  std::optional<ConfigReader> sources;
};

// Renders `host` as `build --dry-run` does, writing nothing: what a build
// checks after evaluating (file contents and sources, modes, paths, units
// and hooks). Problems go to the diagnostics.
void render_as_build(HostEvaluation& host, const std::string& config_dir, RenderInputs& in, CommandContext& ctx) {
  if (!in.opened) {
    in.opened = true;
    in.root = open_root(ctx, true);
    try {
      in.sources.emplace(config_dir);
    } catch (const FsError& e) {
      ctx.diags().error(e.what(), SourcePos{});
    }
  }
  if (!in.root || !in.sources) return;
  RenderContext render_ctx{*in.root, *in.sources, ctx.files(), ctx.diags()};
  render_host(host, render_ctx);
}

}  // namespace

int run_check(CommandContext& ctx) {
  std::string dir = find_config_dir(ctx.options().config_dir);
  auto repo = load_repo(dir, ctx.files(), ctx.diags());
  if (!repo || ctx.diags().has_errors()) return ctx.report();
  std::vector<const HostSpec*> hosts;
  if (ctx.options().host) {
    const HostSpec* h = select_host(*repo, ctx.options().host, ctx.diags());
    if (!h) return ctx.report();
    hosts.push_back(h);
  } else {
    for (const HostSpec& h : repo->hosts) hosts.push_back(&h);
  }
  std::string summary;
  RenderInputs render_inputs;
  for (const HostSpec* host : hosts) {
    size_t errors_before = ctx.diags().error_count();
    HostEvaluation evaluated = prepare_host(*host, ctx.files(), ctx.diags(), true);
    size_t options = 0;
    std::vector<std::string> users;
    if (evaluated.system->ok) {
      evaluated.system->eval->whole_tree();
      evaluated.system->eval->run_checks();
      options += evaluated.system->decls->tree.options().size();
      for (HomeEvaluation& home : evaluated.homes) {
        users.push_back(home.user.name);
        if (!home.config->ok) continue;
        home.config->eval->whole_tree();
        home.config->eval->run_checks();
        options += home.config->decls->tree.options().size();
      }
    }
    bool ok = ctx.diags().error_count() == errors_before;
    if (ok) {
      render_as_build(evaluated, repo->config_dir, render_inputs, ctx);
      ok = ctx.diags().error_count() == errors_before;
    }
    if (ok && host_of_this_machine(*host, ctx.options().host))
      warn_unavailable_packages(evaluated, ctx.options().root, ctx.diags());
    std::string who = users.empty() ? host->name : fmt::format("{} (users: {})", host->name, fmt::join(users, ", "));
    if (!ok) summary += fmt::format("FAILED: host {}\n", who);
    else if (!ctx.quiet()) summary += fmt::format("ok: host {}, {} options\n", who, options);
  }
  int code = ctx.report();
  std::fputs(summary.c_str(), stdout);
  return code;
}

}  // namespace sc

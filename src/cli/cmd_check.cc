// sysconf check: every host and every user evaluated completely, and their
// assertions and warnings checked.
#include <unistd.h>

#include <cstdio>

#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/package_warnings.h"
#include "eval/pipeline.h"
#include "load/repo.h"

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
    if (ok && host_of_this_machine(*host, ctx.options().host))
      warn_unavailable_packages(evaluated, ctx.options().root, ctx.diags());
    std::string who = users.empty() ? host->name : fmt::format("{} (users: {})", host->name, fmt::join(users, ", "));
    summary += ok ? fmt::format("ok: host {}, {} options\n", who, options) : fmt::format("FAILED: host {}\n", who);
  }
  int code = ctx.report();
  std::fputs(summary.c_str(), stdout);
  return code;
}

}  // namespace sc

// sysconf eval [OPTION] [--json] [--user NAME]: the merged configuration.
#include <chrono>
#include <cstdio>

#include <spdlog/spdlog.h>

#include "cli/commands.h"
#include "cli/host_session.h"
#include "util/exit_fast.h"
#include "util/json_writer.h"

namespace sc {

int run_eval(CommandContext& ctx, const EvalOptions& options) {
  std::optional<std::vector<std::string>> path;
  if (options.option) {
    path = option_path_argument(*options.option);
    if (!path) return kExitUsage;
  }
  auto session = open_host(ctx, options.user.has_value());
  if (!session) return ctx.report();
  Evaluation* eval = session->evaluation_for(options.user, ctx);
  if (!eval) return ctx.report();

  const Value* result = nullptr;
  auto start = std::chrono::steady_clock::now();
  if (path) {
    result = eval->lookup(*path).value;
  } else {
    // The whole configuration is what a build would use: check it the same way.
    result = eval->whole_tree();
    if (!ctx.diags().has_errors()) eval->run_checks();
  }
  auto evaluated = std::chrono::steady_clock::now();
  if (ctx.diags().has_errors() || !result) return ctx.report();
  std::string out = to_json(result, JsonStyle{!options.json});
  out += '\n';
  spdlog::debug("evaluated in {:.1f} ms, printed {} bytes in {:.1f} ms",
                std::chrono::duration<double, std::milli>(evaluated - start).count(), out.size(),
                std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - evaluated).count());
  std::fwrite(out.data(), 1, out.size(), stdout);
  std::fflush(stdout);
  leave_to_exit(session);  // the process ends right after
  return ctx.report();
}

}  // namespace sc

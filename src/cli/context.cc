#include "cli/context.h"

#include <unistd.h>

#include <cstdio>

#include <fmt/format.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

namespace sc {

namespace {
bool want_color(const std::string& mode, int fd) {
  if (mode == "always") return true;
  if (mode == "never") return false;
  const char* no_color = getenv("NO_COLOR");
  if (no_color && *no_color) return false;
  return isatty(fd) != 0;
}
}  // namespace

CommandContext::CommandContext(const GlobalOptions& options)
    : options_(options),
      color_stderr_(want_color(options.color, STDERR_FILENO)),
      color_stdout_(want_color(options.color, STDOUT_FILENO)) {}

int CommandContext::report() {
  RenderOptions render_options{color_stderr_, options_.show_trace};
  std::string out;
  for (const Diagnostic& d : diags_.all()) {
    if (d.severity == Severity::Warning && options_.verbosity < 0) continue;
    out += render(d, files_, render_options);
  }
  size_t errors = diags_.error_count();
  if (errors > 0) {
    out += fmt::format("{}\n", errors == 1 ? std::string("1 error") : fmt::format("{} errors", errors));
  }
  std::fputs(out.c_str(), stderr);
  std::fflush(stderr);
  diags_ = Diagnostics();
  return errors > 0 ? kExitConfigError : kExitOk;
}

void setup_logging(int verbosity, bool color) {
  auto logger = color ? spdlog::stderr_color_mt("sysconf") : spdlog::stderr_logger_mt("sysconf");
  logger->set_pattern("%^%l%$: %v");
  logger->set_level(verbosity < 0 ? spdlog::level::warn : verbosity == 0 ? spdlog::level::info : spdlog::level::debug);
  spdlog::set_default_logger(logger);
}

}  // namespace sc

// What every command shares: the global flags, how diagnostics reach the
// terminal, and the exit codes of DESIGN.md section 8.
#pragma once

#include <optional>
#include <string>

#include "util/diagnostic.h"

namespace sc {

enum ExitCode : int {
  kExitOk = 0,
  kExitConfigError = 1,
  kExitUsage = 2,
  kExitFailedUnits = 3,
  kExitLocked = 4,
  kExitInternal = 5,  // sysconf itself failed: a bug, or the system refused something unexpected
  kExitDamagedState = 6,  // a record in /var/lib/sysconf is damaged; nothing was changed
};

struct GlobalOptions {
  std::optional<std::string> config_dir;
  std::string root = "/";
  std::optional<std::string> host;
  bool show_trace = false;
  int verbosity = 0;  // -1 quiet, 0 normal, 1+ verbose
  std::string color = "auto";
};

// Everything a command needs to run and report.
class CommandContext {
 public:
  explicit CommandContext(const GlobalOptions& options);
  const GlobalOptions& options() const { return options_; }
  SourceFiles& files() { return files_; }
  Diagnostics& diags() { return diags_; }
  bool color_stdout() const { return color_stdout_; }
  // -q: nothing on stdout but what was asked for (a value, a listing) and
  // errors; no plans, steps or summaries.
  bool quiet() const { return options_.verbosity < 0; }

  // Prints every diagnostic gathered so far to stderr (and forgets them),
  // with a summary line when there were errors. Returns kExitConfigError if
  // any was an error, else kExitOk.
  int report();

 private:
  GlobalOptions options_;
  SourceFiles files_;
  Diagnostics diags_;
  bool color_stderr_;
  bool color_stdout_;
};

void setup_logging(int verbosity, bool color);

}  // namespace sc

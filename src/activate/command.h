// Running external tools (hooks, package managers): argv, no shell, output
// captured. Never systemctl: units go through sd-bus.
#pragma once

#include <string>
#include <vector>

namespace sc {

struct CommandResult {
  int status = -1;      // exit code; -1 when it could not start or was killed
  std::string output;   // stdout and stderr together
};

CommandResult run_command(const std::vector<std::string>& argv);

}  // namespace sc

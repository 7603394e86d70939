// Running external tools (hooks, package managers): argv, no shell, output
// captured. Never systemctl: units go through sd-bus.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "util/result.h"

namespace sc {

// The PATH of the tools sysconf runs for the system, whatever the caller's
// (sudo, a unit, cron and a login shell each pass another).
inline constexpr const char* kSanePath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

struct CommandResult {
  int status = -1;      // exit code; -1 when it could not start or was killed
  std::string output;   // stdout and stderr together
};

// Runs argv[0] as found on the caller's PATH, in the caller's environment.
CommandResult run_command(const std::vector<std::string>& argv);

// Where the program `name` is: a name with a '/' as it is; a bare name on
// kSanePath, then where systemd installs its own tools (/usr/lib/systemd,
// /lib/systemd), which Debian keeps off every PATH (systemd-sysctl).
// Fails, naming every directory looked in, when it is in none.
Result<std::string> find_program(const std::string& name);

// Runs a system tool (an activation hook): argv[0] found by find_program, in
// the caller's environment with PATH=kSanePath. When it is not found: status
// -1 and the output says where it was looked for.
CommandResult run_system_command(const std::vector<std::string>& argv);

}  // namespace sc

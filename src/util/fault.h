// Fault injection for the crash tests. The environment variable
// SYSCONF_TEST_CRASH_AT, known only to tests, makes sysconf kill itself with
// SIGKILL at a named point ("phase:links") or at the K-th filesystem write
// ("write:17"), or throw an unexpected exception at a point ("throw:phase:links").
// Unset, or in a build without test seams, these calls cost one branch.
#pragma once

#include <sys/types.h>

#include <string_view>

namespace sc {

// Kills the process if the tests asked for a crash at point `name`.
void fault_point(std::string_view name);
// The same, killing the child `child` first (a home's activation, running
// as the user), so that the test sees what a crash of the whole of sysconf leaves.
void fault_point_with_child(std::string_view name, pid_t child);
// Whether the tests asked for a crash at point `name`: the home's child,
// which cannot kill its parent once it is the user, asks the parent to.
bool fault_point_armed(std::string_view name);
// Counts one filesystem write; kills the process at the one asked for.
void fault_write();

}  // namespace sc

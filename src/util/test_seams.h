// The seams the tests drive sysconf through: SYSCONF_TEST_CRASH_AT (fault
// injection), SYSCONF_TEST_PACKAGE_BACKEND (a fake package manager),
// SYSCONF_TEST_RUN_ON_CHANGE and SYSCONF_TEST_[USER_]SYSTEMD_ADDRESS (private
// managers). They are read only in a build made with SYSCONF_TEST_SEAMS (the
// test build); a release build cannot be talked into them by its environment.
#pragma once

namespace sc {

// The value of the test seam `name` (an environment variable), or nullptr:
// always nullptr in a build without test seams.
const char* test_seam(const char* name);

// Whether this build honours test seams (shown by --version).
bool test_seams_enabled();

}  // namespace sc

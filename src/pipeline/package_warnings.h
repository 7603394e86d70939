// Warnings, before anything changes, about the packages a host asks for that
// the package manager cannot install (no installation candidate), each at the
// definition that asked for it. For check, build and switch --dry-run.
#pragma once

#include <string>

#include "eval/pipeline.h"
#include "util/diagnostic.h"

namespace sc {

// Asks the package manager that can answer for the root at `root_path`
// (detect_package_query: the machine's own for /, a --root's own apt state)
// which of the packages of `host` (sysconf.packages and each home's
// sysconf.home.packages) it has no installation candidate for, and adds a
// warning for each to `diags`. Asks nothing, and says so only with -v, when
// no package manager can answer for that root.
// REQUIRES: `host` and its homes were evaluated without errors.
void warn_unavailable_packages(HostEvaluation& host, const std::string& root_path, Diagnostics& diags);

}  // namespace sc

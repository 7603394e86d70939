// Building a generation (DESIGN.md section 6, step 1), from an evaluated
// host to objects in the store: check the whole configuration, render it,
// say where it came from, and write (or, in a dry run, only name) its
// objects. Each step takes the previous one's value.
#pragma once

#include <cstddef>
#include <optional>
#include <string>

#include "eval/pipeline.h"
#include "render/rendered.h"
#include "store/generation.h"
#include "util/diagnostic.h"
#include "util/safe_fs.h"

namespace sc {

// Forces the whole configuration of the host and of every user, with
// assertions, as `check` does. Returns false when `diags` has errors.
bool evaluate_with_checks(HostEvaluation& host, Diagnostics& diags);

// A rendered generation and what its manifest says of its making.
struct Candidate {
  Rendered rendered;
  BuildInfo info;
};

// Renders `host` (its sources read from `config_dir`, absolute paths inside
// `root`) and records the configuration's git revision and the build time
// (SOURCE_DATE_EPOCH when set). Nullopt when anything failed to render;
// every problem is in `diags`.
// REQUIRES: evaluate_with_checks(host) succeeded.
std::optional<Candidate> render_candidate(HostEvaluation& host, const Root& root, const std::string& config_dir,
                                          SourceFiles& files, Diagnostics& diags);

// The candidate as a generation in the store under `root`.
struct StoredGeneration {
  BuiltGeneration built;
  size_t objects_written = 0;  // in a dry run: that would be written
};

// Writes the objects of `candidate` that the store lacks, first removing
// temporaries a killed sysconf left; with `dry_run`, names them and writes
// nothing. The same candidate always gives the same object names. Throws
// FsError when the store cannot be read or written.
// REQUIRES: unless `dry_run`, the state lock is held.
StoredGeneration store_candidate(const Root& root, const Candidate& candidate, bool dry_run);

}  // namespace sc

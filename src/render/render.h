// The render stage: an evaluated host (and its users' homes) → the files,
// packages, users and hooks of one generation. Reads the few primitive
// options the engine understands (DESIGN.md section 2): environment.etc,
// environment.systemPackages, users.users/groups, system.activation.hooks,
// and per user home.file, home.packages.
#pragma once

#include <optional>
#include <string>

#include "eval/pipeline.h"
#include "render/rendered.h"
#include "util/config_reader.h"
#include "util/safe_fs.h"

namespace sc {

struct RenderContext {
  const Root& root;             // absolute paths in the configuration are read inside it
  const ConfigReader& sources;  // ... through this, as the configuration's owner could
  SourceFiles& files;
  Diagnostics& diags;
};

// Returns nullopt when anything failed to render; every problem is reported.
std::optional<Rendered> render_host(HostEvaluation& host, RenderContext& ctx);

}  // namespace sc

// The render stage: an evaluated host (and its users' homes) → the files,
// packages, users and hooks of one generation. Reads only the primitive
// schema (README "The primitive schema", modules/sysconf.toml), which the
// library's modules define: sysconf.files, sysconf.packages, sysconf.hooks,
// and per home sysconf.home.files and sysconf.home.packages.
#pragma once

#include <optional>
#include <string>

#include "eval/pipeline.h"
#include "render/rendered.h"
#include "util/config_reader.h"
#include "util/safe_fs.h"

namespace sc {

// The version of the primitive schema this engine reads (sysconf.version).
constexpr int64_t kPrimitiveSchemaVersion = 1;

struct RenderContext {
  const Root& root;             // absolute paths in the configuration are read inside it
  const ConfigReader& sources;  // ... through this, as the configuration's owner could
  SourceFiles& files;
  Diagnostics& diags;
};

// Returns nullopt when anything failed to render; every problem is reported.
std::optional<Rendered> render_host(HostEvaluation& host, RenderContext& ctx);

}  // namespace sc

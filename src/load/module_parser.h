// TOML text → Module. Knows the module format of DESIGN.md section 3: the
// top-level keys, where a definition's path ends, wrappers, `[[when]]`.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "load/module.h"
#include "util/diagnostic.h"

namespace sc {

// Parses `text` (the content of the file `path`, registered as `file`).
// Everything it allocates goes into `arena`. Returns nullopt when the TOML
// itself does not parse; other problems are reported to `diags` and the
// offending part is left out of the module.
std::optional<Module> parse_module(std::string_view text, const std::string& path, FileId file, Arena& arena,
                                   Diagnostics& diags);

}  // namespace sc

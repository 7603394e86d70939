// Serialisers for `format = "..."` with `settings`: json, toml and yaml by
// toml++'s real writers (json by our own, which sorts keys), ini, keyvalue
// kdl (niri's language), sh (export lines), gitconfig (git's sections and
// subsections) and systemd (unit files) by the small writers here.
#pragma once

#include <optional>
#include <string>

#include "util/result.h"
#include "util/value.h"

namespace sc {

// A value as plain text, as it follows `=` in an ini file: a string as it
// is, numbers and booleans as JSON writes them, a list's items separated by
// spaces. nullopt for a table, null, or a list holding one.
std::optional<std::string> plain_text(const Value* v);

// Renders `settings` in `format`. Fails when the value has no form in that
// format (a list at the top of an ini file, ...) or the format is unknown.
Result<std::string> render_format(const std::string& format, const Value* settings);

}  // namespace sc

// The filters of `{{ value | filter(...) }}` (DESIGN.md section 3): pure
// functions from a value to a value. `default` is not here: it decides
// whether a missing value is an error, which is the template's business.
#pragma once

#include <string>

#include "load/template.h"
#include "util/arena.h"
#include "util/source.h"
#include "util/value.h"

namespace sc {

// Applies `filter` to `v` (never null). `shown` names the value in messages
// ("services.x.ports"); `site` is the filter's position. Throws EvalError.
const Value* apply_filter(Arena& arena, const TemplateFilter& filter, const Value* v, const std::string& shown,
                          SourcePos site);

}  // namespace sc

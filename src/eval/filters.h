// The filters of `{{ value | filter(...) }}` (DESIGN.md section 3):
// functions from a value to a value. `writeScript` also keeps the script it
// writes in `written`, the evaluation's own record (eval/written_objects.h);
// the others are pure. `default` and `omitEmpty` are not here: they decide
// what a missing value means, which is the template's business.
#pragma once

#include <string>

#include "eval/written_objects.h"
#include "load/template.h"
#include "util/arena.h"
#include "util/source.h"
#include "util/value.h"

namespace sc {

// Applies `filter` to `v` (never null). `arg`: the filter's first argument,
// already rendered when it holds `{{ }}`. `shown` names the value in messages
// ("services.x.ports"); `site` is the filter's position. Throws EvalError.
const Value* apply_filter(Arena& arena, WrittenObjects& written, const TemplateFilter& filter, const Value* arg,
                          const Value* v, const std::string& shown, SourcePos site);

}  // namespace sc

// Values as people read them in `sysconf option` and `sysconf docs`: JSON,
// with a template shown as the text its author wrote.
#pragma once

#include <string>

#include "util/value.h"

namespace sc {

// REQUIRES: nothing; works on unevaluated values (templates, wrappers).
std::string show_source_value(const Value* v);

}  // namespace sc

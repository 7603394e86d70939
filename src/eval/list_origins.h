// Where each element of a list option came from: the definition that wrote
// it, for a diagnostic about one element found long after merging (a package
// that cannot be installed). The merge keeps no record of it; this walks the
// definitions again the way the merge used them.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "eval/evaluation.h"
#include "util/diagnostic.h"

namespace sc {

struct ElementOrigin {
  SourcePos pos;            // where the element was written (or the list that held it)
  std::vector<Note> notes;  // how it got from there into the option: `{{ }}` references, [[when]] conditions
};

// For each string element of `option` (a listOf option of `eval`), every
// place that put it there: the definitions that count (active, at the best
// priority, else the declaration's default), following a whole-list `{{ X }}`
// to the definitions of list option X, and noting for an element written as
// `{{ Y }}` where option Y got its value. REQUIRES: `option` has been
// evaluated without errors.
std::map<std::string, std::vector<ElementOrigin>> list_element_origins(Evaluation& eval, const OptionInfo& option);

}  // namespace sc

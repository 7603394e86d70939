// Sending a definition to the options it defines: the walk down its path,
// and the split of a table written at a group of options into one
// definition per option. Used by the index stage (the top-level options) and
// by merging (a submodule's sub-options).
#pragma once

#include <functional>
#include <vector>

#include "declare/option_tree.h"
#include "util/diagnostic.h"

namespace sc {

struct MergeDef;

// Sends `def` to the options of `tree` it defines, starting at `from`: walks
// its path, and splits a table written at a group of options into one
// definition per option. `keep_properties`: whether the split parts keep the
// definition's priority and order (true above an option, as NixOS pushes
// mkDefault down; false inside a submodule element, whose own priority was
// already used). Unknown names become diagnostics in `errors`.
void distribute(const OptionTree& tree, const OptionNode* from, const MergeDef& def, bool keep_properties,
                const std::function<void(const OptionInfo*, const MergeDef&)>& sink, std::vector<Diagnostic>& errors);

}  // namespace sc

// The declared options of one evaluation: a tree of option names whose
// leaves are declarations. The top-level configuration and every submodule
// type have one.
#pragma once

#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "declare/type.h"
#include "load/loader.h"
#include "load/module.h"
#include "util/diagnostic.h"

namespace sc {

struct OptionInfo;

struct OptionNode {
  std::string_view name;
  const OptionNode* parent = nullptr;
  std::vector<const OptionNode*> children;  // in declaration order
  OptionInfo* option = nullptr;             // set when an option is declared exactly here
  uint32_t depth = 0;
};

struct OptionInfo {
  uint32_t id = 0;                 // index in OptionTree::options()
  const OptionNode* node = nullptr;
  std::string name;                // the dotted path, quoted where needed
  const Type* type = nullptr;
  const OptionDecl* decl = nullptr;
  SourcePos pos;                   // declaration site
};

class OptionTree {
 public:
  OptionTree();
  const OptionNode* root() const { return root_; }
  // The child of `parent` called `name`, or nullptr.
  const OptionNode* child(const OptionNode* parent, std::string_view name) const {
    auto it = children_.find(Key{parent, name});
    return it == children_.end() ? nullptr : it->second;
  }
  OptionNode* child_or_add(const OptionNode* parent, std::string_view name);
  const std::vector<OptionInfo*>& options() const { return options_; }
  OptionInfo* add_option(OptionNode* node);

  // Every option path below `node` (all when it is the root), for suggestions.
  std::vector<std::string> names_below(const OptionNode* node) const;
  // "Did you mean" for a path that has no child `segment` below `node`:
  // the children whose names are close to `segment`, each continued with
  // `rest` where that leads to an option. Full dotted paths, nearest first.
  std::vector<std::string> suggest(const OptionNode* node, std::string_view segment,
                                   const std::vector<std::string_view>& rest) const;
  // The dotted path of a node.
  static std::string node_path(const OptionNode* node);

 private:
  struct Key {
    const OptionNode* parent;
    std::string_view name;
    bool operator==(const Key& o) const { return parent == o.parent && name == o.name; }
  };
  struct KeyHash {
    size_t operator()(const Key& k) const {
      return std::hash<std::string_view>()(k.name) * 31 + std::hash<const void*>()(k.parent);
    }
  };
  std::deque<OptionNode> nodes_;
  std::deque<OptionInfo> infos_;
  OptionNode* root_;
  std::unordered_map<Key, OptionNode*, KeyHash> children_;
  std::vector<OptionInfo*> options_;
};

// The result of the declare stage: every option and named type of one
// evaluation, with their types resolved.
struct Declarations {
  OptionTree tree;
  std::deque<Type> types;                              // owns every Type
  std::deque<OptionTree> submodules;                   // owns every submodule's tree
  std::unordered_map<std::string, const Type*> named;  // named submodule types
  std::vector<uint32_t> option_module;                 // option id → index of the declaring module
};

// Builds the declarations from every module's `options` and `types`.
// Duplicate declarations, bad type expressions and unknown type names are
// reported to `diags`.
std::unique_ptr<Declarations> declare_options(const std::vector<Module>& modules, Diagnostics& diags);

}  // namespace sc

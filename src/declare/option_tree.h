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
    if (slots_.empty()) return nullptr;
    size_t hash = hash_of(parent, name);
    for (size_t i = hash & mask_;; i = (i + 1) & mask_) {
      const Slot& s = slots_[i];
      if (!s.node) return nullptr;
      if (s.hash == hash && s.node->parent == parent && s.node->name == name) return s.node;
    }
  }
  OptionNode* child_or_add(const OptionNode* parent, std::string_view name);
  // The option declared exactly at `path`, or nullptr (no such option, or a
  // path into one).
  const OptionInfo* option_at(const std::vector<std::string>& path) const;
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
  // Children of every node in one open-addressing table, keyed by (parent,
  // name): the lookups of every definition's path go through it.
  struct Slot {
    size_t hash = 0;
    OptionNode* node = nullptr;
  };
  static size_t hash_of(const OptionNode* parent, std::string_view name) {
    return std::hash<std::string_view>()(name) ^ (reinterpret_cast<uintptr_t>(parent) * 0x9E3779B97F4A7C15ull);
  }
  void grow();
  std::deque<OptionNode> nodes_;
  std::deque<OptionInfo> infos_;
  OptionNode* root_;
  std::vector<Slot> slots_;
  size_t mask_ = 0;
  size_t used_ = 0;
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

// Merging by type (DESIGN.md section 3, "Merging"): priorities and orders at
// every level, lists concatenate, attrsOf merges per key, lines join,
// submodules merge option by option, everything else must agree.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "declare/option_tree.h"
#include "eval/distribute.h"
#include "eval/scope.h"
#include "util/arena.h"
#include "util/diagnostic.h"
#include "util/value.h"

namespace sc {

// A definition as seen at one level of merging: `rest` is what is left of its
// path below this level (empty when it defines this level's value itself).
struct MergeDef {
  const Value* value;
  const std::string_view* rest;
  uint32_t rest_size;
  int32_t priority;
  int32_t order;
  SourcePos pos;   // the defining key; pos.file is the defining file
  uint32_t seq;    // load order then text order: the tie-breaker for lists
  int32_t when;    // the condition guarding it (top level only), or -1
  const KeyPos* rest_pos = nullptr;  // where each segment of `rest` was written, or null
  const Scope* scope = nullptr;      // the bindings its templates read ([[for]] elements, `name`)
};

// What merging needs from the evaluator: expanding `{{ }}` in strings, with
// the bindings of `scope` (may be null).
class Interpolator {
 public:
  virtual ~Interpolator() = default;
  // Returns a String value. May throw EvalError / EvalAborted.
  virtual const Value* interpolate(const Value* tmpl, FileId file, const Scope* scope) = 0;
  // For a template that is exactly one `{{ path }}`: the value at that path
  // itself (a table stays a table). nullptr for any other template.
  virtual const Value* reference(const Value* tmpl, FileId file, const Scope* scope) = 0;
};

// The name of what is being merged, for error messages only: a chain of
// parents, turned into text ("services.x.settings.level", "l[2]") only
// when an error needs it, never on the fast path.
struct Where {
  enum class Kind { Root, Key, Index, Sub };
  Kind kind = Kind::Root;
  const Where* parent = nullptr;
  std::string_view name;  // Root: the whole name; Key: an attribute; Sub: a dotted sub-option
  uint32_t index = 0;     // Index
  std::string str() const;
};

class Merger {
 public:
  Merger(Arena& arena, Interpolator& interpolator, const SourceFiles& files)
      : arena_(arena), interpolator_(interpolator), files_(files) {}

  // Merges the definitions of one option (or element, or sub-option) named
  // `where`. REQUIRES: `defs` is not empty and holds only active
  // definitions. Returns nullptr when the result has no value (a submodule
  // whose every option is unset). Throws EvalError on a type error or
  // conflict.
  const Value* merge(const Type& type, std::vector<MergeDef> defs, const Where& where);

  // Merges only the element `key` of an attrsOf option, for element-level
  // laziness (NixOS evaluates attrsOf values lazily). REQUIRES: `type` is
  // attrsOf, `defs` as for merge(). Returns nullptr when nothing defines it.
  const Value* merge_element(const Type& type, std::vector<MergeDef> defs, const Where& where,
                             std::string_view key);

  // Expands templates anywhere inside `v`; returns `v` itself when it has
  // none. With `references`, a template that is one `{{ path }}` becomes the
  // value at that path rather than its text (for values of type anything).
  const Value* materialize(const Value* v, FileId file, const Scope* scope, bool references = false);

 private:
  // Unwraps whole-value wrappers, keeps the best priority, sorts by order.
  static void select(std::vector<MergeDef>& defs);
  const Value* merge_scalar(const Type& type, const std::vector<MergeDef>& defs, const Where& where);
  const Value* merge_lines(const std::vector<MergeDef>& defs, const Where& where);
  const Value* merge_list(const Type& type, const std::vector<MergeDef>& defs, const Where& where);
  const Value* merge_attrs(const Type& elem, const std::vector<MergeDef>& defs, const Where& where);
  const Value* merge_anything(const std::vector<MergeDef>& defs, const Where& where);
  const Value* merge_submodule(const OptionTree& options, const std::vector<MergeDef>& defs, const Where& where);
  const Value* check_scalar(const Type& type, const Value* v, const MergeDef& d, const Where& where);
  void no_rest(const Type& type, const MergeDef& d, const Where& where);
  [[noreturn]] void type_error(const Type& type, const Value* v, const MergeDef& d, const Where& where,
                               std::string detail = {});
  [[noreturn]] void conflict(const std::vector<MergeDef>& defs, const std::vector<const Value*>& values,
                             const Where& where);
  SourcePos value_pos(const Value* v, const MergeDef& d) const;
  [[noreturn]] void missing_sub_option(const OptionInfo& option, const std::vector<MergeDef>& element,
                                       const Where& where);
  // The binding `name` = `name`, inside `parent`.
  const Scope* name_scope(std::string_view name, const Scope* parent);

  Arena& arena_;
  const Scope* element_name_ = nullptr;  // the attrsOf element being merged, for defaults
  Interpolator& interpolator_;
  const SourceFiles& files_;
};

// The effective priority of a definition at the level where it stands.
inline int32_t level_priority(const MergeDef& d) { return d.rest_size == 0 ? d.priority : 100; }
inline int32_t level_order(const MergeDef& d) { return d.rest_size == 0 ? d.order : 1000; }
// The same, before select() has unwrapped a `_priority` wrapper on the whole value.
int32_t wrapped_priority(const MergeDef& d);
// The best of wrapped_priority() over `defs`; INT32_MAX when empty.
int32_t best_priority(const std::vector<MergeDef>& defs);

// The error for a read-only option `name` with more than one definition,
// its `default` (at `default_pos`, when it has one) counting as one, as in
// NixOS. REQUIRES: defs.size() + (default_pos ? 1 : 0) > 1.
[[noreturn]] void read_only_error(const std::string& name, const std::vector<MergeDef>& defs,
                                  const SourcePos* default_pos);

}  // namespace sc

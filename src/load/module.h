// One module file, converted from TOML to the engine's own compact form. The
// toml++ document is dropped as soon as this is built: it costs several times
// the memory, and nothing later needs it.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "load/condition.h"
#include "util/source.h"
#include "util/value.h"

namespace sc {

// Priorities, as in NixOS: lower wins.
constexpr int32_t kPriorityForce = 50;
constexpr int32_t kPriorityNormal = 100;
constexpr int32_t kPriorityDefaults = 1000;
constexpr int32_t kPriorityOptionDefault = 1500;
// Orders for list and `lines` concatenation (NixOS mkOrder).
constexpr int32_t kOrderBefore = 500;
constexpr int32_t kOrderDefault = 1000;
constexpr int32_t kOrderAfter = 1500;

// A path of option names, in an Arena.
struct PathRef {
  const std::string_view* segments = nullptr;
  uint32_t size = 0;
  const KeyPos* positions = nullptr;  // one per segment, or null
  const std::string_view* begin() const { return segments; }
  const std::string_view* end() const { return segments + size; }
  std::string_view operator[](size_t i) const { return segments[i]; }
  bool empty() const { return size == 0; }
};

PathRef make_path(Arena& arena, const std::vector<std::string_view>& segments);
std::string path_string(PathRef path);

struct Template;

struct Definition {
  PathRef path;               // from the root of the configuration
  const Value* value;         // never Wrapped: a top-level wrapper sets priority/order
  int32_t priority;
  int32_t order;
  SourcePos pos;              // the key that defines it
  int32_t block = -1;         // the innermost [[when]]/[[for]] around it (Module::blocks), or -1
  // Per path segment, its `{{ }}` template or null; null as a whole when no
  // segment has one. Such a definition is generated: its keys are rendered
  // per element of the [[for]] blocks around it.
  const Template* const* key_templates = nullptr;
};

// A `[[when]]` block guards the definitions inside it with a condition; a
// `[[for]]` block generates them once per element of `each`, binding the
// element as `AS.name` and `AS.value`, and guards each element with its
// optional `if`. Blocks nest (`[[for.for]]`, `[[for.when]]`).
struct Block {
  enum class Kind : uint8_t { When, For };
  Kind kind = Kind::When;
  int32_t parent = -1;            // the enclosing block in Module::blocks, or -1
  const Expr* condition = nullptr;  // `if`; required for [[when]], optional for [[for]]
  std::string_view text;          // the condition as written
  SourcePos pos;                  // the `if` string, else the block
  // [[for]] only.
  std::vector<std::string> each;  // the path iterated: an option, a path into one, or a binding's
  std::string_view each_text;
  SourcePos each_pos;             // the `each` string
  std::string_view as;            // the binding's name
};

struct OptionDecl {
  PathRef path;               // relative to the enclosing `options` table
  SourcePos pos;              // the declaration's key
  std::string_view type_text;
  SourcePos type_pos;
  const Value* default_value = nullptr;
  const Value* example = nullptr;
  std::string_view description;
  const Value* enum_values = nullptr;   // `values = [...]` of an enum
  bool read_only = false;
  bool internal = false;
  std::vector<OptionDecl> sub_options;  // a submodule's options
};

// `[types.NAME.options...]`: a submodule type with a name, reusable anywhere.
struct NamedTypeDecl {
  std::string_view name;
  SourcePos pos;
  std::string_view description;
  std::vector<OptionDecl> sub_options;
};

struct Import {
  std::string path;  // resolved against the importing file's directory
  SourcePos pos;
};

// An assertion (fails when the condition is false) or a warning (shown when
// the condition is true).
struct Check {
  bool is_warning = false;
  const Expr* condition = nullptr;
  std::string_view text;
  SourcePos condition_pos;
  const Value* message = nullptr;  // a string or a template
  SourcePos pos;
  int32_t block = -1;              // the innermost block around it, or -1
};

struct Module {
  FileId file = kNoFile;
  std::string path;            // canonical
  std::vector<Import> imports;
  std::vector<OptionDecl> options;
  std::vector<NamedTypeDecl> types;
  std::vector<Definition> definitions;  // sorted by position in the text
  std::vector<Block> blocks;  // every [[when]] and [[for]], outer before inner
  std::vector<Check> checks;
};

}  // namespace sc

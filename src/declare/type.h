// Option types (DESIGN.md section 3) and the parser of type expressions such
// as "attrsOf(listOf(str))" or "either(str, int)".
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "util/result.h"
#include "util/source.h"
#include "util/value.h"

namespace sc {

class OptionTree;

struct Type {
  enum class Kind { Bool, Int, Float, Str, Lines, Path, Package, Enum, ListOf, AttrsOf, NullOr, Either, Anything, Submodule };
  Kind kind = Kind::Anything;
  const Type* elem = nullptr;              // listOf, attrsOf, nullOr; either's first
  const Type* alt = nullptr;               // either's second
  std::vector<std::string> enum_values;    // enum
  const OptionTree* options = nullptr;     // submodule
  std::string name;                        // a named submodule type's name

  bool is_scalar() const {
    return kind == Kind::Bool || kind == Kind::Int || kind == Kind::Float || kind == Kind::Str ||
           kind == Kind::Path || kind == Kind::Package || kind == Kind::Enum;
  }
};

// How a type is written: "attrsOf(file)", "enum [\"a\", \"b\"]".
std::string describe_type(const Type& type);

// Whether `name` is a package name: a letter or digit, then letters, digits
// and `+ - . _ @ :` (Debian's, Fedora's and Arch's names, and apt's
// `name:arch`). Names reach package managers' command lines, so one that
// starts with `-` or holds a space must be refused where it is defined.
bool is_package_name(std::string_view name);
inline constexpr const char* kPackageNameRule =
    "a package name starts with a letter or digit and holds only letters, digits and + - . _ @ :";

// Whether `v` has the right shape for `type` at its top level (used by either).
bool value_fits(const Type& type, const Value* v);

// The parsed form of a type expression before names are resolved.
struct TypeExpr {
  std::string head;               // bool, listOf, file, ...
  std::vector<TypeExpr> args;
  uint32_t offset = 0;            // byte offset in the expression
};

// Parses "attrsOf(listOf(str))", the value of the string literal at
// `literal`. Fails with the site of the fault inside that string.
Result<TypeExpr> parse_type_expr(std::string_view text, SourcePos literal);

}  // namespace sc

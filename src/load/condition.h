// The condition language of `[[when]] if = "..."`, assertions and warnings:
//   !  (tightest), then == !=, then &&, then ||; parentheses; string, number
//   and boolean literals, null, [] and {}; option paths such as
//   environment.etc."a.conf".enable
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "util/arena.h"
#include "util/value.h"

namespace sc {

struct Expr {
  enum class Kind { Literal, Path, Not, And, Or, Eq, Ne, Lt, Le, Gt, Ge };
  Kind kind = Kind::Literal;
  uint32_t offset = 0;               // byte offset of the node in the condition text
  const Value* literal = nullptr;    // Literal
  std::vector<std::string> path;     // Path
  const Expr* lhs = nullptr;         // Not: operand; binary: left
  const Expr* rhs = nullptr;
};

struct ParseFailure {
  std::string message;
  uint32_t offset = 0;  // byte offset in the text where parsing failed
};

// Parses a whole condition. Returns nullptr and fills `failure` on error.
const Expr* parse_condition(std::string_view text, Arena& arena, ParseFailure& failure);

// Parses a dotted option path as written on the command line, such as
// environment.etc."foo.conf".text. Returns false on a malformed path.
bool parse_option_path(std::string_view text, std::vector<std::string>& out, ParseFailure& failure);

// Parses a literal or option path from a lexer (shared with templates).
class ExprLexer;
const Expr* parse_operand(ExprLexer& lexer, Arena& arena, ParseFailure& failure);

}  // namespace sc

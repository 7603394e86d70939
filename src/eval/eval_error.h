// How an evaluation error unwinds. Inside the evaluator only: an option that
// fails records its diagnostic once and is marked failed; everything that
// depended on it unwinds with EvalAborted and reports nothing more.
#pragma once

#include <string>

#include "util/diagnostic.h"

namespace sc {

struct EvalError {
  Diagnostic diag;
};

struct EvalAborted {};

// Throws an EvalError at `pos`.
[[noreturn]] inline void fail(std::string message, SourcePos pos, std::string help = {}, std::string label = {}) {
  Diagnostic d;
  d.message = std::move(message);
  d.pos = pos;
  d.help = std::move(help);
  d.label = std::move(label);
  throw EvalError{std::move(d)};
}

// Conditions and string templates are one-line strings in the common case:
// the column of a part is the string's column, past the quote, plus its offset.
inline SourcePos offset_in_string(SourcePos base, uint32_t offset) {
  if (base.known()) base.column += 1 + offset;
  return base;
}

}  // namespace sc

// How an evaluation error unwinds. Inside the evaluator only: an option that
// fails records its diagnostic once and is marked failed; everything that
// depended on it unwinds with EvalAborted and reports nothing more.
#pragma once

#include <string>
#include <vector>

#include "util/diagnostic.h"

namespace sc {

struct EvalError {
  Diagnostic diag;
  std::vector<Diagnostic> more;  // others found together (each unknown name in one element)
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

// A part of a condition or string template, `offset` bytes into the string's
// value; its line and column are found only if an error shows it.
inline SourcePos offset_in_string(SourcePos base, uint32_t offset) { return inside_string(base, offset); }

}  // namespace sc

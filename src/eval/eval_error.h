// How an evaluation error unwinds. Inside the evaluator only: an option that
// fails records its diagnostic once and is marked failed; everything that
// depended on it unwinds with EvalAborted and reports nothing more.
#pragma once

#include "util/diagnostic.h"

namespace sc {

struct EvalError {
  Diagnostic diag;
};

struct EvalAborted {};

}  // namespace sc

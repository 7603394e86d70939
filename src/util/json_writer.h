// Prints evaluated values as JSON: object keys sorted (tables are sorted
// already), numbers as plain digits. Compact for machines, indented for people.
#pragma once

#include <string>

#include "util/value.h"

namespace sc {

struct JsonStyle {
  bool pretty = false;  // two-space indentation, one entry a line
};

// REQUIRES: `v` is fully evaluated (no Template or Wrapped nodes).
void write_json(std::string& out, const Value* v, JsonStyle style = {}, int depth = 0);
std::string to_json(const Value* v, JsonStyle style = {});

// A number as JSON prints it: integers as digits, floats shortest round-trip.
std::string format_number(const Value* v);

}  // namespace sc

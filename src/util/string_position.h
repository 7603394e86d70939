// Where a byte of a TOML string's value is written in the file. A `{{ }}` or
// a condition is parsed from the value toml++ gives (escapes decoded, the
// line break after an opening """ dropped, line-ending backslashes folded),
// so an error in it is found at a byte offset of that value; this walks the
// string literal in the file's text to the line and column of that byte.
#pragma once

#include <cstdint>
#include <string_view>

#include "util/source.h"

namespace sc {

// The position of byte `offset` of the value of the string literal that
// starts (at its opening quote) at `literal`, in the file whose whole text is
// `text`. Lines and columns are 1-based, columns count code points, as
// toml++'s do. A byte that an escape produced is at the escape's backslash;
// an offset at or past the end of the value is at the closing quote. When no
// string literal starts at `literal` (the file changed since it was parsed),
// returns the old approximation: the literal's column + 1 + offset.
SourcePos position_in_string(std::string_view text, SourcePos literal, uint32_t offset);

}  // namespace sc

// Where each segment of a dotted key is written. toml++ gives a key the
// position where its table was first named, so in
//   a.x = 1
//   a.y = 2
// the `a` of the second line is said to be on the first. A definition's own
// segments are found again from the text of the line that writes them.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace sc {

// The columns (1-based, in code points, as toml++ counts them) of the
// segments of the key that `line` starts with: a key/value line's dotted key,
// or the name in a table header (`[a.b]`, `[[a.b]]`). nullopt when the line
// starts with neither.
std::optional<std::vector<uint32_t>> key_segment_columns(std::string_view line);

}  // namespace sc

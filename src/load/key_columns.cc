#include "load/key_columns.h"

namespace sc {

namespace {

bool is_blank(char c) { return c == ' ' || c == '\t'; }
bool is_bare(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
}
bool is_continuation(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

}  // namespace

std::optional<std::vector<uint32_t>> key_segment_columns(std::string_view line) {
  size_t i = 0;
  uint32_t column = 1;  // of line[i]
  auto advance = [&] {
    if (!is_continuation(line[i])) ++column;
    ++i;
    // Columns count code points: a multi-byte one is one column.
    while (i < line.size() && is_continuation(line[i])) ++i;
  };
  auto skip_blanks = [&] {
    while (i < line.size() && is_blank(line[i])) advance();
  };
  skip_blanks();
  if (i < line.size() && line[i] == '[') {
    advance();
    if (i < line.size() && line[i] == '[') advance();
    skip_blanks();
  }
  std::vector<uint32_t> columns;
  for (;;) {
    if (i >= line.size()) return std::nullopt;
    columns.push_back(column);
    char quote = line[i];
    if (quote == '"' || quote == '\'') {
      advance();
      while (i < line.size() && line[i] != quote) {
        if (quote == '"' && line[i] == '\\' && i + 1 < line.size()) advance();  // an escaped quote does not close it
        advance();
      }
      if (i >= line.size()) return std::nullopt;
      advance();
    } else if (is_bare(quote)) {
      while (i < line.size() && is_bare(line[i])) advance();
    } else {
      return std::nullopt;
    }
    skip_blanks();
    if (i >= line.size() || line[i] != '.') return columns;
    advance();
    skip_blanks();
  }
}

}  // namespace sc

#include "util/string_position.h"

#include <algorithm>
#include <charconv>

namespace sc {

namespace {

bool is_continuation(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }
bool is_blank(char c) { return c == ' ' || c == '\t'; }

// Bytes of the UTF-8 encoding of code point `v`.
uint32_t utf8_length(uint32_t v) { return v < 0x80 ? 1 : v < 0x800 ? 2 : v < 0x10000 ? 3 : 4; }

// A position in the file's text that knows its line and column.
class Cursor {
 public:
  Cursor(std::string_view text, FileId file) : text_(text), file_(file) {}

  // Moves to `line`, `column`. False when the text has no such place.
  bool seek(uint32_t line, uint32_t column) {
    while (line_ < line) {
      size_t newline = text_.find('\n', i_);
      if (newline == std::string_view::npos) return false;
      i_ = newline + 1;
      ++line_;
    }
    while (column_ < column) {
      if (at_end() || peek() == '\n') return false;
      advance(code_point());
    }
    return true;
  }

  bool at_end() const { return i_ >= text_.size(); }
  char peek(size_t ahead = 0) const { return i_ + ahead < text_.size() ? text_[i_ + ahead] : '\0'; }
  std::string_view ahead(size_t from, size_t n) const { return i_ + from < text_.size() ? text_.substr(i_ + from, n) : ""; }

  // The length of the line break `ahead` bytes on ("\n" or "\r\n"), or 0.
  size_t line_break(size_t ahead = 0) const {
    if (peek(ahead) == '\n') return 1;
    return peek(ahead) == '\r' && peek(ahead + 1) == '\n' ? 2 : 0;
  }

  // The length of the UTF-8 code point here.
  size_t code_point() const {
    size_t n = 1;
    while (i_ + n < text_.size() && is_continuation(text_[i_ + n])) ++n;
    return n;
  }

  void advance(size_t n) {
    for (; n > 0 && i_ < text_.size(); --n) {
      char c = text_[i_++];
      if (c == '\n') {
        ++line_;
        column_ = 1;
      } else if (!is_continuation(c)) {
        ++column_;
      }
    }
  }

  SourcePos pos() const { return SourcePos{file_, line_, column_}; }

 private:
  std::string_view text_;
  FileId file_;
  size_t i_ = 0;
  uint32_t line_ = 1;
  uint32_t column_ = 1;
};

// How many bytes of the value the escape at the cursor (a backslash in a
// basic string) writes, and how long it is in the text.
struct Escape {
  size_t raw;
  uint32_t produced;
};

Escape escape_at(const Cursor& c) {
  char kind = c.peek(1);
  size_t digits = kind == 'u' ? 4 : kind == 'U' ? 8 : kind == 'x' ? 2 : 0;
  if (digits == 0) return Escape{2, 1};
  std::string_view hex = c.ahead(2, digits);
  uint32_t value = 0;
  std::from_chars(hex.data(), hex.data() + hex.size(), value, 16);
  return Escape{2 + digits, utf8_length(value)};
}

}  // namespace

SourcePos position_in_string(std::string_view text, SourcePos literal, uint32_t offset) {
  SourcePos approximate{literal.file, literal.line, literal.column + 1 + offset};
  Cursor c(text, literal.file);
  if (!c.seek(literal.line, literal.column)) return approximate;
  const char quote = c.peek();
  if (quote != '"' && quote != '\'') return approximate;
  const bool basic = quote == '"';
  const bool multi_line = c.peek(1) == quote && c.peek(2) == quote;
  c.advance(multi_line ? 3 : 1);
  // A line break right after the opening """ or ''' is not part of the value.
  if (multi_line) c.advance(c.line_break());

  uint32_t decoded = 0;  // bytes of the value written before the cursor
  while (!c.at_end()) {
    if (c.peek() == quote) {
      if (!multi_line) return c.pos();
      size_t run = 0;
      while (c.peek(run) == quote) ++run;
      if (run >= 3) {
        // The closing """; up to two quotes just before it belong to the value.
        uint32_t in_value = static_cast<uint32_t>(std::min<size_t>(run - 3, 2));
        c.advance(std::min(in_value, offset >= decoded ? offset - decoded : 0));
        return c.pos();
      }
    }
    size_t raw;
    uint32_t produced;
    if (basic && c.peek() == '\\') {
      size_t blanks = 1;
      while (is_blank(c.peek(blanks))) ++blanks;
      if (multi_line && c.line_break(blanks)) {
        // A line-ending backslash: it and all the blanks and line breaks
        // after it are left out of the value.
        c.advance(blanks);
        while (size_t n = is_blank(c.peek()) ? 1 : c.line_break()) c.advance(n);
        continue;
      }
      Escape e = escape_at(c);
      raw = e.raw;
      produced = e.produced;
    } else if (size_t n = multi_line ? c.line_break() : 0) {
      raw = n;  // "\r\n" is "\n" in the value
      produced = 1;
    } else {
      raw = c.code_point();
      produced = static_cast<uint32_t>(raw);
    }
    if (offset < decoded + produced) return c.pos();
    decoded += produced;
    c.advance(raw);
  }
  return c.pos();
}

}  // namespace sc

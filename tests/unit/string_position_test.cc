// Positions inside TOML string literals.
#include <catch2/catch.hpp>

#include <string>

#include <toml++/toml.h>

#include "util/string_position.h"

using namespace sc;

namespace {

// The string value `key` of the TOML document `text`, and where its literal starts.
std::pair<std::string, SourcePos> literal(const std::string& text, const char* key) {
  toml::table doc = toml::parse(text);
  const toml::node* node = doc.get(key);
  REQUIRE(node);
  REQUIRE(node->is_string());
  return {node->as_string()->get(), SourcePos{1, node->source().begin.line, node->source().begin.column}};
}

// The character at a 1-based line and column of an ASCII text.
char char_at(const std::string& text, SourcePos pos) {
  size_t i = 0;
  for (uint32_t line = 1; line < pos.line; ++line) i = text.find('\n', i) + 1;
  return text[i + pos.column - 1];
}

// Every byte of the value that is written as itself is found where it is written.
void check_plain_bytes(const std::string& text, const char* key) {
  auto [value, start] = literal(text, key);
  for (uint32_t offset = 0; offset < value.size(); ++offset) {
    SourcePos pos = position_in_string(text, start, offset);
    char written = char_at(text, pos);
    if (written != '\\' && value[offset] != '\n') {
      INFO("offset " << offset);
      CHECK(written == value[offset]);
    }
  }
}

SourcePos at(uint32_t line, uint32_t column) { return SourcePos{1, line, column}; }

bool same(SourcePos a, SourcePos b) { return a.line == b.line && a.column == b.column; }

}  // namespace

TEST_CASE("a one-line string without escapes: the literal's column, past the quote, plus the offset") {
  std::string text = "a = \"x {{ y }}\"\n";
  auto [value, start] = literal(text, "a");
  CHECK(same(position_in_string(text, start, 2), at(1, 8)));
  CHECK(same(position_in_string(text, start, static_cast<uint32_t>(value.size())), at(1, 15)));  // the closing quote
}

TEST_CASE("a multi-line basic string: the line break after \"\"\" is not in the value") {
  std::string text = "a = \"\"\"\nfirst\n  second {{ y }}\n\"\"\"\n";
  auto [value, start] = literal(text, "a");
  CHECK(same(position_in_string(text, start, 0), at(2, 1)));
  CHECK(same(position_in_string(text, start, static_cast<uint32_t>(value.find("{{"))), at(3, 10)));
  check_plain_bytes(text, "a");
}

TEST_CASE("escapes: a byte an escape writes is at its backslash") {
  std::string text = "a = \"\\u00e9\\U0001F600\\t\\\"{{ y }}\"\n";
  auto [value, start] = literal(text, "a");
  CHECK(same(position_in_string(text, start, 1), at(1, 6)));   // the second byte of é
  CHECK(same(position_in_string(text, start, 2), at(1, 12)));  // the emoji's \U
  CHECK(same(position_in_string(text, start, static_cast<uint32_t>(value.find("{{"))), at(1, 26)));
  check_plain_bytes(text, "a");
}

TEST_CASE("line-ending backslashes drop the line break and the blanks after it") {
  std::string text = "a = \"\"\"\\\n   one \\  \n\n   two {{ y }}\"\"\"\n";
  auto [value, start] = literal(text, "a");
  CHECK(value == "one two {{ y }}");
  CHECK(same(position_in_string(text, start, 4), at(4, 4)));
  check_plain_bytes(text, "a");
}

TEST_CASE("multi-line literal strings, CRLF line breaks and quotes before the closing delimiter") {
  std::string text = "a = '''\r\nx\r\ny {{ z }}'''\r\nb = \"\"\"\"q\"\"\"\"\"\n";
  check_plain_bytes(text, "a");
  check_plain_bytes(text, "b");
  auto [value, start] = literal(text, "b");
  CHECK(value == "\"q\"\"");
  CHECK(same(position_in_string(text, start, 3), at(4, 11)));  // the second quote of the two before """
}

TEST_CASE("code points count as one column, as toml++ counts them") {
  std::string text = "a = \"é {{ y }}\"\n";
  auto [value, start] = literal(text, "a");
  CHECK(same(position_in_string(text, start, static_cast<uint32_t>(value.find("{{"))), at(1, 8)));
}

TEST_CASE("a position that is not at a string literal falls back to the column arithmetic") {
  CHECK(same(position_in_string("a = 1\n", at(1, 5), 3), at(1, 9)));
  CHECK(same(position_in_string("", at(3, 5), 3), at(3, 9)));
}

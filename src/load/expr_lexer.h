// The tokens shared by the condition language (`[[when]] if = "..."`) and the
// interpolation language (`{{ path | filter("x") }}`).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace sc {

enum class TokenKind {
  End,
  Word,     // bare word: [A-Za-z0-9_-]+ (true/false/numbers are words too)
  String,   // "..." or '...', with the escapes \\ \" \' \n \t
  Dot,
  LParen,
  RParen,
  Not,      // !
  And,      // &&
  Or,       // ||
  Eq,       // ==
  Ne,       // !=
  Lt,       // <
  Le,       // <=
  Gt,       // >
  Ge,       // >=
  Pipe,     // |
  Comma,
  CloseInterp,  // }} (templates only)
  EmptyList,    // []
  EmptyTable,   // {}
  Error,
};

struct Token {
  TokenKind kind = TokenKind::End;
  std::string text;     // the word, or the string's decoded content
  uint32_t offset = 0;  // byte offset in the source text
};

class ExprLexer {
 public:
  // Lexes `text` starting at `offset`.
  ExprLexer(std::string_view text, size_t offset = 0) : text_(text), pos_(offset) {}

  const Token& peek();
  Token next();
  size_t position() const { return pos_; }
  std::string error;  // set when a token of kind Error is produced

 private:
  Token lex();
  std::string_view text_;
  size_t pos_;
  bool peeked_ = false;
  Token lookahead_;
};

bool is_bare_char(char c);
// True when `word` reads as a number literal: -?digits(.digits)?
bool is_number_word(std::string_view word);

}  // namespace sc

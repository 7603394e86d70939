#include "load/expr_lexer.h"

namespace sc {

bool is_bare_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
}

bool is_number_word(std::string_view w) {
  size_t i = 0;
  if (i < w.size() && w[i] == '-') ++i;
  size_t digits = 0;
  while (i < w.size() && w[i] >= '0' && w[i] <= '9') ++i, ++digits;
  if (digits == 0) return false;
  if (i == w.size()) return true;
  return false;
}

const Token& ExprLexer::peek() {
  if (!peeked_) {
    lookahead_ = lex();
    peeked_ = true;
  }
  return lookahead_;
}

Token ExprLexer::next() {
  if (peeked_) {
    peeked_ = false;
    return std::move(lookahead_);
  }
  return lex();
}

Token ExprLexer::lex() {
  while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\t' || text_[pos_] == '\n' || text_[pos_] == '\r'))
    ++pos_;
  Token t;
  t.offset = static_cast<uint32_t>(pos_);
  if (pos_ >= text_.size()) return t;
  char c = text_[pos_];
  auto two = [&](char second) { return pos_ + 1 < text_.size() && text_[pos_ + 1] == second; };
  auto single = [&](TokenKind kind, size_t width) {
    t.kind = kind;
    t.text = std::string(text_.substr(pos_, width));
    pos_ += width;
    return t;
  };
  if (c == '.') return single(TokenKind::Dot, 1);
  if (c == '(') return single(TokenKind::LParen, 1);
  if (c == ')') return single(TokenKind::RParen, 1);
  if (c == ',') return single(TokenKind::Comma, 1);
  if (c == '!') return two('=') ? single(TokenKind::Ne, 2) : single(TokenKind::Not, 1);
  if (c == '&' && two('&')) return single(TokenKind::And, 2);
  if (c == '|') return two('|') ? single(TokenKind::Or, 2) : single(TokenKind::Pipe, 1);
  if (c == '=' && two('=')) return single(TokenKind::Eq, 2);
  if (c == '<') return two('=') ? single(TokenKind::Le, 2) : single(TokenKind::Lt, 1);
  if (c == '>') return two('=') ? single(TokenKind::Ge, 2) : single(TokenKind::Gt, 1);
  if (c == '}' && two('}')) return single(TokenKind::CloseInterp, 2);
  if (c == '[' && two(']')) return single(TokenKind::EmptyList, 2);
  if (c == '{' && two('}')) return single(TokenKind::EmptyTable, 2);
  if (c == '"' || c == '\'') {
    char quote = c;
    ++pos_;
    t.kind = TokenKind::String;
    while (pos_ < text_.size() && text_[pos_] != quote) {
      char ch = text_[pos_++];
      if (ch == '\\' && pos_ < text_.size()) {
        char esc = text_[pos_++];
        switch (esc) {
          case 'n': t.text += '\n'; break;
          case 't': t.text += '\t'; break;
          case '\\': case '"': case '\'': t.text += esc; break;
          default:
            t.kind = TokenKind::Error;
            error = std::string("unknown escape \\") + esc + " in a string";
            return t;
        }
      } else {
        t.text += ch;
      }
    }
    if (pos_ >= text_.size()) {
      t.kind = TokenKind::Error;
      error = "unterminated string";
      return t;
    }
    ++pos_;  // closing quote
    return t;
  }
  if (is_bare_char(c)) {
    size_t start = pos_;
    while (pos_ < text_.size() && is_bare_char(text_[pos_])) ++pos_;
    // A float literal: digits '.' digits. Paths never start with a digit.
    if ((c >= '0' && c <= '9') || c == '-') {
      if (pos_ + 1 < text_.size() && text_[pos_] == '.' && text_[pos_ + 1] >= '0' && text_[pos_ + 1] <= '9' &&
          is_number_word(text_.substr(start, pos_ - start))) {
        ++pos_;
        while (pos_ < text_.size() && text_[pos_] >= '0' && text_[pos_] <= '9') ++pos_;
      }
    }
    t.kind = TokenKind::Word;
    t.text = std::string(text_.substr(start, pos_ - start));
    return t;
  }
  t.kind = TokenKind::Error;
  error = std::string("unexpected character '") + c + "'";
  ++pos_;
  return t;
}

}  // namespace sc

#include "load/condition.h"

#include <cstdlib>
#include <optional>

#include "load/expr_lexer.h"

namespace sc {

namespace {

class ConditionParser {
 public:
  ConditionParser(std::string_view text, Arena& arena, ParseFailure& failure)
      : lexer_(text), arena_(arena), failure_(failure) {}

  const Expr* parse() {
    const Expr* e = parse_or();
    if (!e) return nullptr;
    const Token& t = lexer_.peek();
    if (t.kind == TokenKind::Error) return fail(lexer_.error, t.offset);
    if (t.kind != TokenKind::End) return fail("unexpected `" + t.text + "` after the end of the condition", t.offset);
    return e;
  }

 private:
  const Expr* fail(std::string message, uint32_t offset) {
    if (failure_.message.empty()) {
      failure_.message = std::move(message);
      failure_.offset = offset;
    }
    return nullptr;
  }

  const Expr* binary(Expr::Kind kind, const Expr* lhs, const Expr* rhs, uint32_t offset) {
    Expr* e = arena_.make<Expr>();
    e->kind = kind;
    e->lhs = lhs;
    e->rhs = rhs;
    e->offset = offset;
    return e;
  }

  const Expr* parse_or() {
    const Expr* lhs = parse_and();
    while (lhs && lexer_.peek().kind == TokenKind::Or) {
      uint32_t at = lexer_.next().offset;
      const Expr* rhs = parse_and();
      if (!rhs) return nullptr;
      lhs = binary(Expr::Kind::Or, lhs, rhs, at);
    }
    return lhs;
  }

  const Expr* parse_and() {
    const Expr* lhs = parse_compare();
    while (lhs && lexer_.peek().kind == TokenKind::And) {
      uint32_t at = lexer_.next().offset;
      const Expr* rhs = parse_compare();
      if (!rhs) return nullptr;
      lhs = binary(Expr::Kind::And, lhs, rhs, at);
    }
    return lhs;
  }

  const Expr* parse_compare() {
    const Expr* lhs = parse_unary();
    if (!lhs) return nullptr;
    auto comparison = [](TokenKind k) -> std::optional<Expr::Kind> {
      switch (k) {
        case TokenKind::Eq: return Expr::Kind::Eq;
        case TokenKind::Ne: return Expr::Kind::Ne;
        case TokenKind::Lt: return Expr::Kind::Lt;
        case TokenKind::Le: return Expr::Kind::Le;
        case TokenKind::Gt: return Expr::Kind::Gt;
        case TokenKind::Ge: return Expr::Kind::Ge;
        default: return std::nullopt;
      }
    };
    if (auto kind = comparison(lexer_.peek().kind)) {
      uint32_t at = lexer_.next().offset;
      const Expr* rhs = parse_unary();
      if (!rhs) return nullptr;
      lhs = binary(*kind, lhs, rhs, at);
      if (comparison(lexer_.peek().kind)) return fail("comparisons do not chain; add parentheses", lexer_.peek().offset);
    }
    return lhs;
  }

  // Each `!` and `(` nests one level deeper: bounded, so that no input can
  // exhaust the stack (a person writes a handful).
  static constexpr int kMaxDepth = 100;

  const Expr* parse_unary() {
    if ((lexer_.peek().kind == TokenKind::Not || lexer_.peek().kind == TokenKind::LParen) && depth_ >= kMaxDepth)
      return fail("the condition nests `!` and `(` too deeply (more than 100 levels)", lexer_.peek().offset);
    struct Deeper {
      int& depth;
      explicit Deeper(int& d) : depth(++d) {}
      ~Deeper() { --depth; }
    } deeper(depth_);
    if (lexer_.peek().kind == TokenKind::Not) {
      uint32_t at = lexer_.next().offset;
      const Expr* operand = parse_unary();
      if (!operand) return nullptr;
      return binary(Expr::Kind::Not, operand, nullptr, at);
    }
    if (lexer_.peek().kind == TokenKind::LParen) {
      lexer_.next();
      const Expr* inner = parse_or();
      if (!inner) return nullptr;
      const Token& close = lexer_.peek();
      if (close.kind == TokenKind::Error) return fail(lexer_.error, close.offset);
      if (close.kind != TokenKind::RParen) return fail("expected `)`", close.offset);
      lexer_.next();
      return inner;
    }
    return parse_operand(lexer_, arena_, failure_);
  }

  ExprLexer lexer_;
  Arena& arena_;
  ParseFailure& failure_;
  int depth_ = 0;
};

}  // namespace

const Expr* parse_operand(ExprLexer& lexer, Arena& arena, ParseFailure& failure) {
  auto fail = [&](std::string message, uint32_t offset) -> const Expr* {
    if (failure.message.empty()) {
      failure.message = std::move(message);
      failure.offset = offset;
    }
    return nullptr;
  };
  Token t = lexer.next();
  Expr* e = arena.make<Expr>();
  e->offset = t.offset;
  switch (t.kind) {
    case TokenKind::String:
      e->kind = Expr::Kind::Literal;
      e->literal = make::string(arena, t.text);
      return e;
    case TokenKind::EmptyList:
      e->kind = Expr::Kind::Literal;
      e->literal = make::list(arena, nullptr, 0);
      return e;
    case TokenKind::EmptyTable:
      e->kind = Expr::Kind::Literal;
      e->literal = make::table(arena, nullptr, 0);
      return e;
    case TokenKind::Word: {
      if (t.text == "null") {
        e->kind = Expr::Kind::Literal;
        e->literal = make::null(arena);
        return e;
      }
      if (t.text == "true" || t.text == "false") {
        e->kind = Expr::Kind::Literal;
        e->literal = make::boolean(arena, t.text == "true");
        return e;
      }
      if (is_number_word(t.text)) {
        e->kind = Expr::Kind::Literal;
        e->literal = make::integer(arena, std::strtoll(t.text.c_str(), nullptr, 10));
        return e;
      }
      if ((t.text[0] >= '0' && t.text[0] <= '9') || t.text[0] == '-') {
        if (t.text.find_first_not_of("-0123456789.") == std::string::npos) {
          e->kind = Expr::Kind::Literal;
          e->literal = make::number(arena, std::strtod(t.text.c_str(), nullptr));
          return e;
        }
        return fail("`" + t.text + "` is neither a number nor an option path", t.offset);
      }
      e->kind = Expr::Kind::Path;
      e->path.push_back(std::move(t.text));
      while (lexer.peek().kind == TokenKind::Dot) {
        lexer.next();
        Token segment = lexer.next();
        if (segment.kind != TokenKind::Word && segment.kind != TokenKind::String)
          return fail("expected a name after `.`", segment.offset);
        e->path.push_back(std::move(segment.text));
      }
      return e;
    }
    case TokenKind::End: return fail("expected an option path or a value, found the end", t.offset);
    case TokenKind::Error: return fail(lexer.error, t.offset);
    default: return fail("expected an option path or a value, found `" + t.text + "`", t.offset);
  }
}

bool parse_option_path(std::string_view text, std::vector<std::string>& out, ParseFailure& failure) {
  ExprLexer lexer(text);
  for (;;) {
    Token t = lexer.next();
    if (t.kind != TokenKind::Word && t.kind != TokenKind::String) {
      failure.message = t.kind == TokenKind::Error ? lexer.error : "expected an option name";
      failure.offset = t.offset;
      return false;
    }
    out.push_back(std::move(t.text));
    Token sep = lexer.next();
    if (sep.kind == TokenKind::End) return true;
    if (sep.kind != TokenKind::Dot) {
      failure.message = "expected `.` between option names";
      failure.offset = sep.offset;
      return false;
    }
  }
}

const Expr* parse_condition(std::string_view text, Arena& arena, ParseFailure& failure) {
  return ConditionParser(text, arena, failure).parse();
}

}  // namespace sc

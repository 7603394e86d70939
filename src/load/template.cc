#include "load/template.h"

#include "load/expr_lexer.h"

namespace sc {

bool is_known_filter(std::string_view name) {
  return name == "join" || name == "json" || name == "default" || name == "upper" || name == "lower" ||
         name == "each" || name == "format" || name == "replace" || name == "shell" || name == "writeScript" ||
         name == "omitEmpty" || name == "systemdField";
}

namespace {

// How many literal arguments a filter takes.
int filter_arguments(std::string_view name) {
  if (name == "replace") return 2;
  return name == "join" || name == "default" || name == "each" || name == "format" || name == "writeScript" ? 1 : 0;
}

}  // namespace

const Template* parse_template(std::string_view text, Arena& arena, ParseFailure& failure) {
  auto fail = [&](std::string message, size_t offset) -> const Template* {
    if (failure.message.empty()) {
      failure.message = std::move(message);
      failure.offset = static_cast<uint32_t>(offset);
    }
    return nullptr;
  };
  Template* tmpl = arena.make<Template>();
  tmpl->source = std::string(text);
  size_t pos = 0;
  std::string literal;
  while (pos < text.size()) {
    size_t open = text.find("{{", pos);
    if (open == std::string_view::npos) {
      literal.append(text.substr(pos));
      break;
    }
    literal.append(text.substr(pos, open - pos));
    ExprLexer lexer(text, open + 2);
    TemplatePart part;
    part.offset = static_cast<uint32_t>(open);
    part.expr = parse_operand(lexer, arena, failure);
    if (!part.expr) return nullptr;
    while (lexer.peek().kind == TokenKind::Pipe) {
      lexer.next();
      Token name = lexer.next();
      if (name.kind != TokenKind::Word) return fail("expected a filter name after `|`", name.offset);
      if (!is_known_filter(name.text))
        return fail("unknown filter `" + name.text +
                        "`; the filters are join, json, default, upper, lower, each, format, replace, shell, "
                        "writeScript, omitEmpty and systemdField",
                    name.offset);
      TemplateFilter filter{name.text, nullptr, nullptr, nullptr, name.offset};
      int given = 0;
      if (lexer.peek().kind == TokenKind::LParen) {
        lexer.next();
        for (;;) {
          const Expr* arg = parse_operand(lexer, arena, failure);
          if (!arg) return nullptr;
          if (arg->kind != Expr::Kind::Literal) return fail("a filter's argument must be a literal", arg->offset);
          (given == 0 ? filter.arg : filter.arg2) = arg->literal;
          if (given == 0 && arg->literal->is_string() && has_interpolation(arg->literal->str())) {
            ParseFailure inner;
            filter.arg_template = parse_template(arg->literal->str(), arena, inner);
            if (!filter.arg_template) return fail("in the filter's argument: " + inner.message, arg->offset);
          }
          ++given;
          if (lexer.peek().kind != TokenKind::Comma || given == 2) break;
          lexer.next();
        }
        Token close = lexer.next();
        if (close.kind != TokenKind::RParen) return fail("expected `)` after the filter's arguments", close.offset);
      }
      int wanted = filter_arguments(filter.name);
      if (given != wanted) {
        if (wanted == 0) return fail("filter `" + filter.name + "` takes no argument", name.offset);
        return fail(wanted == 2 ? "filter `replace` needs two arguments, as in replace(\"a\", \"b\")"
                                : "filter `" + filter.name + "` needs an argument, as in " + filter.name + "(\", \")",
                    name.offset);
      }
      part.filters.push_back(std::move(filter));
    }
    Token close = lexer.next();
    if (close.kind == TokenKind::Error) return fail(lexer.error, close.offset);
    if (close.kind != TokenKind::CloseInterp)
      return fail(close.kind == TokenKind::End ? "`{{` is not closed by `}}`" : "expected `}}` or `|`, found `" + close.text + "`",
                  close.offset);
    pos = lexer.position();
    // A literal-only expression such as {{ '{{' }} is folded into the text.
    if (part.expr->kind == Expr::Kind::Literal && part.filters.empty() && part.expr->literal->is_string()) {
      literal.append(part.expr->literal->str());
      continue;
    }
    if (!literal.empty()) {
      tmpl->parts.push_back(TemplatePart{std::move(literal), nullptr, {}, 0});
      literal.clear();
    }
    tmpl->parts.push_back(std::move(part));
  }
  if (!literal.empty()) tmpl->parts.push_back(TemplatePart{std::move(literal), nullptr, {}, static_cast<uint32_t>(pos)});
  return tmpl;
}

}  // namespace sc

// The condition, interpolation and type-expression parsers.
#include <catch2/catch.hpp>

#include "declare/type.h"
#include "load/condition.h"
#include "load/template.h"
#include "util/text.h"

using namespace sc;

namespace {
// A condition back as a fully parenthesised string, to check precedence.
std::string show(const Expr* e) {
  switch (e->kind) {
    case Expr::Kind::Literal:
      if (e->literal->kind == ValueKind::Bool) return e->literal->boolean ? "true" : "false";
      if (e->literal->kind == ValueKind::Int) return std::to_string(e->literal->integer);
      if (e->literal->kind == ValueKind::Float) return std::to_string(e->literal->number);
      return "'" + std::string(e->literal->str()) + "'";
    case Expr::Kind::Path: {
      std::string out;
      for (auto& s : e->path) out += (out.empty() ? "" : ".") + s;
      return out;
    }
    case Expr::Kind::Not: return "!" + show(e->lhs);
    case Expr::Kind::And: return "(" + show(e->lhs) + " && " + show(e->rhs) + ")";
    case Expr::Kind::Or: return "(" + show(e->lhs) + " || " + show(e->rhs) + ")";
    case Expr::Kind::Eq: return "(" + show(e->lhs) + " == " + show(e->rhs) + ")";
    case Expr::Kind::Ne: return "(" + show(e->lhs) + " != " + show(e->rhs) + ")";
    case Expr::Kind::Lt: return "(" + show(e->lhs) + " < " + show(e->rhs) + ")";
    case Expr::Kind::Le: return "(" + show(e->lhs) + " <= " + show(e->rhs) + ")";
    case Expr::Kind::Gt: return "(" + show(e->lhs) + " > " + show(e->rhs) + ")";
    case Expr::Kind::Ge: return "(" + show(e->lhs) + " >= " + show(e->rhs) + ")";
  }
  return "?";
}

std::string parse(const std::string& text) {
  static Arena arena;
  ParseFailure failure;
  const Expr* e = parse_condition(text, arena, failure);
  return e ? show(e) : "error@" + std::to_string(failure.offset) + ": " + failure.message;
}
}  // namespace

TEST_CASE("condition precedence: ! then ==/!= then && then ||") {
  CHECK(parse("a || b && c") == "(a || (b && c))");
  CHECK(parse("a && b || c && d") == "((a && b) || (c && d))");
  CHECK(parse("!a == b") == "(!a == b)");
  CHECK(parse("a == 1 && b != \"x\"") == "((a == 1) && (b != 'x'))");
  CHECK(parse("!(a || b)") == "!(a || b)");
  CHECK(parse("!!a") == "!!a");
  CHECK(parse("a < 1 || b >= 2.5 && c <= d") == "((a < 1) || ((b >= 2.500000) && (c <= d)))");
  CHECK(parse("a > -1") == "(a > -1)");
  CHECK(parse("a < b < c").rfind("error@6: comparisons do not chain", 0) == 0);
}

TEST_CASE("condition literals and quoted path segments") {
  CHECK(parse("environment.etc.\"foo.conf\".enable") == "environment.etc.foo.conf.enable");
  CHECK(parse("x == true") == "(x == true)");
  CHECK(parse("x == -12") == "(x == -12)");
  CHECK(parse("x == 'single'") == "(x == 'single')");
  CHECK(parse("x == 1.5") == "(x == 1.500000)");
  CHECK(parse("services.power-profiles-daemon.enable") == "services.power-profiles-daemon.enable");
}

TEST_CASE("condition syntax errors point at the offending token") {
  CHECK(parse("a &&") == "error@4: expected an option path or a value, found the end");
  CHECK(parse("(a || b") == "error@7: expected `)`");
  CHECK(parse("a == b == c") == "error@7: comparisons do not chain; add parentheses");
  CHECK(parse("a b") == "error@2: unexpected `b` after the end of the condition");
  CHECK(parse("a == \"open") == "error@5: unterminated string");
  CHECK(parse("a = b") == "error@2: unexpected character '='");
  CHECK(parse("a.") == "error@2: expected a name after `.`");
}

TEST_CASE("condition nesting is bounded, so no input exhausts the stack") {
  std::string deep(100, '(');
  CHECK(parse(deep + "a" + std::string(100, ')')) == "a");
  CHECK(parse(std::string(100, '!') + "a").rfind("!!", 0) == 0);
  CHECK(parse(std::string(101, '(') + "a" + std::string(101, ')')) ==
        "error@100: the condition nests `!` and `(` too deeply (more than 100 levels)");
  CHECK(parse(std::string(50, '!') + std::string(60, '(') + "a").rfind("error@100: the condition nests", 0) == 0);
  CHECK(parse(std::string(100000, '(')).rfind("error@100: ", 0) == 0);
}

TEST_CASE("option paths from the command line") {
  std::vector<std::string> p;
  ParseFailure f;
  REQUIRE(parse_option_path("environment.etc.\"a.conf\".text", p, f));
  CHECK(p == std::vector<std::string>{"environment", "etc", "a.conf", "text"});
  p.clear();
  CHECK_FALSE(parse_option_path("a..b", p, f));
}

TEST_CASE("templates split into literal text and interpolations") {
  Arena arena;
  ParseFailure f;
  const Template* t = parse_template("host {{ networking.hostName | upper }}!", arena, f);
  REQUIRE(t);
  REQUIRE(t->parts.size() == 3);
  CHECK(t->parts[0].literal == "host ");
  CHECK(t->parts[1].expr->path == std::vector<std::string>{"networking", "hostName"});
  REQUIRE(t->parts[1].filters.size() == 1);
  CHECK(t->parts[1].filters[0].name == "upper");
  CHECK(t->parts[2].literal == "!");
}

TEST_CASE("{{ '{{' }} writes literal braces") {
  Arena arena;
  ParseFailure f;
  const Template* t = parse_template("a {{ '{{' }} b }}", arena, f);
  REQUIRE(t);
  REQUIRE(t->parts.size() == 1);
  CHECK(t->parts[0].literal == "a {{ b }}");
}

TEST_CASE("template filters take their arguments") {
  Arena arena;
  ParseFailure f;
  const Template* t = parse_template("{{ xs | join(\", \") }}{{ y | default(\"none\") | json }}", arena, f);
  REQUIRE(t);
  REQUIRE(t->parts.size() == 2);
  CHECK(t->parts[0].filters[0].arg->str() == ", ");
  CHECK(t->parts[1].filters.size() == 2);
}

TEST_CASE("malformed templates are rejected with a reason") {
  Arena arena;
  auto error = [&](const std::string& text) {
    ParseFailure f;
    return parse_template(text, arena, f) ? std::string("ok") : f.message;
  };
  CHECK(error("{{ a") == "`{{` is not closed by `}}`");
  CHECK(error("{{ a | shout }}") ==
        "unknown filter `shout`; the filters are join, json, default, upper, lower, each, format, replace, shell, writeScript, omitEmpty and systemdField");
  CHECK(error("{{ a | replace(\"x\") }}") == "filter `replace` needs two arguments, as in replace(\"a\", \"b\")");
  CHECK(error("{{ a | shell(\"x\") }}") == "filter `shell` takes no argument");
  CHECK(error("{{ a | replace(\"x\", \"y\") | shell }}") == "ok");
  CHECK(error("{{ a | join }}") == "filter `join` needs an argument, as in join(\", \")");
  CHECK(error("{{ a | upper(\"x\") }}") == "filter `upper` takes no argument");
  CHECK(error("{{ a | default(b) }}") == "a filter's argument must be a literal");
  CHECK(error("{{ }}") == "expected an option path or a value, found `}}`");
}

TEST_CASE("shell words are quoted as Nix's escapeShellArg quotes them") {
  CHECK(shell_word("plain/path-1.0_x+y:z@h%") == "plain/path-1.0_x+y:z@h%");
  CHECK(shell_word("") == "''");
  CHECK(shell_word("two words") == "'two words'");
  CHECK(shell_word("it's") == "'it'\\''s'");
  CHECK(shell_word("$HOME; rm -rf /") == "'$HOME; rm -rf /'");
  CHECK(replace_all("a/b/c", "/", " ") == "a b c");
  CHECK(replace_all("aaa", "aa", "b") == "ba");
}

TEST_CASE("type expressions nest") {
  SourcePos literal{1, 3, 8};
  auto e = parse_type_expr("attrsOf(listOf(str))", literal);
  REQUIRE(e.ok());
  CHECK(e->head == "attrsOf");
  REQUIRE(e->args.size() == 1);
  CHECK(e->args[0].head == "listOf");
  CHECK(e->args[0].args[0].head == "str");
  auto either = parse_type_expr("either(str, nullOr(int))", literal);
  REQUIRE(either.ok());
  CHECK(either->args.size() == 2);
  auto open = parse_type_expr("attrsOf(", literal);
  REQUIRE_FALSE(open.ok());
  CHECK(open.errors()[0].pos == inside_string(literal, 8));
  CHECK_FALSE(parse_type_expr("str)", literal).ok());
}

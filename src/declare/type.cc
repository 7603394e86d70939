#include "declare/type.h"

#include <fmt/format.h>

#include "util/text.h"

namespace sc {

bool is_package_name(std::string_view name) {
  auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); };
  if (name.empty() || !alnum(name.front())) return false;
  for (char c : name)
    if (!alnum(c) && c != '+' && c != '-' && c != '.' && c != '_' && c != '@' && c != ':') return false;
  return true;
}

std::string describe_type(const Type& t) {
  switch (t.kind) {
    case Type::Kind::Bool: return "bool";
    case Type::Kind::Int: return "int";
    case Type::Kind::Float: return "float";
    case Type::Kind::Str: return "str";
    case Type::Kind::Lines: return "lines";
    case Type::Kind::Path: return "path";
    case Type::Kind::Package: return "package";
    case Type::Kind::Anything: return "anything";
    case Type::Kind::Enum: {
      std::vector<std::string> quoted;
      for (const auto& v : t.enum_values) quoted.push_back(json_quote(v));
      return fmt::format("enum [{}]", fmt::join(quoted, ", "));
    }
    case Type::Kind::ListOf: return fmt::format("listOf({})", describe_type(*t.elem));
    case Type::Kind::AttrsOf: return fmt::format("attrsOf({})", describe_type(*t.elem));
    case Type::Kind::NullOr: return fmt::format("nullOr({})", describe_type(*t.elem));
    case Type::Kind::Either: return fmt::format("either({}, {})", describe_type(*t.elem), describe_type(*t.alt));
    case Type::Kind::Submodule: return t.name.empty() ? "submodule" : t.name;
  }
  return "?";
}

bool value_fits(const Type& t, const Value* v) {
  ValueKind k = v->kind;
  bool stringy = k == ValueKind::String || k == ValueKind::Template;
  switch (t.kind) {
    case Type::Kind::Bool: return k == ValueKind::Bool;
    case Type::Kind::Int: return k == ValueKind::Int;
    case Type::Kind::Float: return k == ValueKind::Float || k == ValueKind::Int;
    case Type::Kind::Str:
    case Type::Kind::Lines:
    case Type::Kind::Path:
    case Type::Kind::Package: return stringy;
    case Type::Kind::Enum:
      if (k != ValueKind::String) return stringy;
      for (const auto& e : t.enum_values)
        if (e == v->str()) return true;
      return false;
    case Type::Kind::ListOf: return k == ValueKind::List;
    case Type::Kind::AttrsOf:
    case Type::Kind::Submodule: return k == ValueKind::Table;
    case Type::Kind::NullOr: return k == ValueKind::Null || value_fits(*t.elem, v);
    case Type::Kind::Either: return value_fits(*t.elem, v) || value_fits(*t.alt, v);
    case Type::Kind::Anything: return true;
  }
  return false;
}

namespace {

class TypeParser {
 public:
  explicit TypeParser(std::string_view text) : text_(text) {}

  bool parse(TypeExpr& out) {
    if (!expr(out)) return false;
    skip_space();
    if (pos_ != text_.size()) return fail(fmt::format("unexpected `{}`", text_.substr(pos_, 1)));
    return true;
  }

  std::string error;
  uint32_t error_offset = 0;

 private:
  bool fail(std::string message) {
    error = std::move(message);
    error_offset = static_cast<uint32_t>(pos_);
    return false;
  }
  void skip_space() {
    while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\t')) ++pos_;
  }
  bool expr(TypeExpr& out) {
    skip_space();
    out.offset = static_cast<uint32_t>(pos_);
    size_t start = pos_;
    while (pos_ < text_.size() && (is_bare_key(text_.substr(pos_, 1)))) ++pos_;
    if (pos_ == start) return fail(pos_ == text_.size() ? "expected a type name, found the end" : "expected a type name");
    out.head = std::string(text_.substr(start, pos_ - start));
    skip_space();
    if (pos_ < text_.size() && text_[pos_] == '(') {
      ++pos_;
      for (;;) {
        out.args.emplace_back();
        if (!expr(out.args.back())) return false;
        skip_space();
        if (pos_ < text_.size() && text_[pos_] == ',') {
          ++pos_;
          continue;
        }
        if (pos_ < text_.size() && text_[pos_] == ')') {
          ++pos_;
          break;
        }
        return fail("expected `,` or `)`");
      }
    }
    return true;
  }

  std::string_view text_;
  size_t pos_ = 0;
};

}  // namespace

Result<TypeExpr> parse_type_expr(std::string_view text, SourcePos literal) {
  TypeParser p(text);
  TypeExpr out;
  if (p.parse(out)) return out;
  return Failure(p.error, inside_string(literal, p.error_offset));
}

}  // namespace sc

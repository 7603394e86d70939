#include "util/json_writer.h"

#include <cmath>

#include <fmt/format.h>

#include "util/text.h"

namespace sc {

std::string format_number(const Value* v) {
  if (v->kind == ValueKind::Int) return std::to_string(v->integer);
  double d = v->number;
  if (std::isnan(d) || std::isinf(d)) return "null";  // JSON has no NaN or infinity
  if (d == std::floor(d) && std::fabs(d) < 1e15) return fmt::format("{:.1f}", d);
  return fmt::format("{}", d);
}

namespace {
void newline(std::string& out, const JsonStyle& style, int depth) {
  if (!style.pretty) return;
  out += '\n';
  out.append(static_cast<size_t>(depth) * 2, ' ');
}
}  // namespace

void write_json(std::string& out, const Value* v, JsonStyle style, int depth) {
  switch (v->kind) {
    case ValueKind::Null: out += "null"; break;
    case ValueKind::Bool: out += v->boolean ? "true" : "false"; break;
    case ValueKind::Int:
    case ValueKind::Float: out += format_number(v); break;
    case ValueKind::String: append_json_quoted(out, v->str()); break;
    case ValueKind::List:
      if (v->list.size == 0) {
        out += "[]";
        break;
      }
      out += '[';
      for (uint32_t i = 0; i < v->list.size; ++i) {
        if (i) out += ',';
        newline(out, style, depth + 1);
        write_json(out, v->list.items[i], style, depth + 1);
      }
      newline(out, style, depth);
      out += ']';
      break;
    case ValueKind::Table:
      if (v->table.size == 0) {
        out += "{}";
        break;
      }
      out += '{';
      for (uint32_t i = 0; i < v->table.size; ++i) {
        if (i) out += ',';
        newline(out, style, depth + 1);
        append_json_quoted(out, v->table.entries[i].key);
        out += style.pretty ? ": " : ":";
        write_json(out, v->table.entries[i].value, style, depth + 1);
      }
      newline(out, style, depth);
      out += '}';
      break;
    case ValueKind::Template:
    case ValueKind::Wrapped: out += "null"; break;  // never reached for evaluated values
  }
}

std::string to_json(const Value* v, JsonStyle style) {
  std::string out;
  write_json(out, v, style);
  return out;
}

}  // namespace sc

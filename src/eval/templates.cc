// Evaluation, part: rendering `{{ }}` in strings and template files, and
// checking assertions and warnings (see evaluation.h).
#include <algorithm>

#include <fmt/format.h>

#include "eval/evaluation.h"
#include "eval/filters.h"
#include "util/json_writer.h"
#include "util/text.h"

namespace sc {

namespace {
// The position of byte `offset` of a file's text.
SourcePos position_in(std::string_view text, FileId file, uint32_t offset) {
  uint32_t line = 1, column = 1;
  for (uint32_t i = 0; i < offset && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
  return SourcePos{file, line, column};
}
}  // namespace

void Evaluation::run_checks() {
  // A check inside blocks runs once per instance whose guard holds, with
  // that instance's bindings in its condition and message.
  size_t block_base = 0;
  for (const Module& m : modules_) {
    for (const Check& c : m.checks) {
      std::vector<Instance> top{Instance{nullptr, -1}};
      try {
        const std::vector<Instance>& all =
            c.block < 0 ? top : instances(static_cast<int32_t>(block_base) + c.block, c.pos);
        for (const Instance& instance : all) {
          try {
            if (instance.guard >= 0 && !guard_holds(instance.guard)) continue;
            const Value* v = eval_expr(c.condition, c.condition_pos, instance.scope);
            if (v->kind != ValueKind::Bool)
              fail(fmt::format("the condition `{}` is {}, not true or false", c.text, describe_kind(v->kind)),
                   c.condition_pos);
            bool fires = c.is_warning ? v->boolean : !v->boolean;
            if (!fires) continue;
            const Value* message = merger_.materialize(c.message, m.file, instance.scope);
            Diagnostic d;
            d.severity = c.is_warning ? Severity::Warning : Severity::Error;
            d.message = std::string(message->str());
            d.pos = c.pos;
            d.label = c.is_warning ? fmt::format("warning when `{}`", c.text) : fmt::format("assertion `{}` failed", c.text);
            note_elements(d, instance.scope);
            diags_.add(std::move(d));
          } catch (EvalError& e) {
            note_elements(e.diag, instance.scope);
            record(e);
          } catch (EvalAborted&) {
          }
        }
      } catch (EvalError& e) {
        record(e);
      } catch (EvalAborted&) {
      }
    }
    block_base += m.blocks.size();
  }
}

std::optional<std::string> Evaluation::render_file(const Template& tmpl, FileId file, std::string_view text) {
  try {
    return render(tmpl, SourcePos{file, 1, 1}, text);
  } catch (EvalError& e) {
    record(e);
  } catch (EvalAborted&) {
  }
  return std::nullopt;
}

std::string Evaluation::render(const Template& tmpl, SourcePos base, std::string_view source_text,
                               const Scope* scope) {
  std::string out;
  auto offset_by = [&](SourcePos at, uint32_t offset) {
    return source_text.empty() ? offset_in_string(at, offset) : position_in(source_text, at.file, offset);
  };
  try {
    for (const TemplatePart& part : tmpl.parts) {
      if (!part.expr) {
        out += part.literal;
        continue;
      }
      SourcePos site = offset_by(base, part.offset);
      std::string shown = part.expr->kind == Expr::Kind::Path ? join_path(part.expr->path) : "the value";
      const Value* v = filtered(part, site, [&](uint32_t offset) { return offset_by(base, offset); }, scope);
      switch (v->kind) {
        case ValueKind::String: out += v->str(); break;
        case ValueKind::Int:
        case ValueKind::Float:
        case ValueKind::Bool: out += to_json(v); break;
        case ValueKind::Null:
          fail(fmt::format("`{}` is null and cannot be written into a string", shown), site,
               "add `| default(\"...\")` for the unset case");
        default:
          fail(fmt::format("`{}` is {} and cannot be written into a string as it is", shown, describe_kind(v->kind)),
               site, "use `| join(\", \")` for a list of strings, or `| json`");
      }
    }
  } catch (EvalError& e) {
    note_elements(e.diag, scope);
    throw;
  }
  return out;
}

const Value* Evaluation::filtered(const TemplatePart& part, SourcePos site,
                                  const std::function<SourcePos(uint32_t)>& at, const Scope* scope) {
  bool has_default = false;
  for (const TemplateFilter& f : part.filters) has_default |= f.name == "default";
  std::string shown = part.expr->kind == Expr::Kind::Path ? join_path(part.expr->path) : "the value";
  const Value* v = part.expr->kind == Expr::Kind::Literal ? part.expr->literal
                                                           : read_path(part.expr->path, site, has_default, "", scope);
  bool omitted = false;  // by omitEmpty: the rest of the chain passes the null along
  for (const TemplateFilter& f : part.filters) {
    if (omitted) break;
    if (f.name == "default") {
      if (!v || v->kind == ValueKind::Null) v = f.arg;
      continue;
    }
    if (!v) fail(fmt::format("`{}` has no value", shown), site, "put `| default(\"...\")` first");
    if (f.name == "omitEmpty") {
      bool empty = (v->is_string() && v->str().empty()) || (v->is_list() && v->list.size == 0) ||
                   (v->is_table() && v->begin_entries() == v->end_entries()) || v->kind == ValueKind::Null;
      if (empty) {
        v = make::null(arena_);
        omitted = true;
      }
      continue;
    }
    const Value* arg = f.arg;
    if (f.arg_template) arg = make::string(arena_, render(*f.arg_template, at(f.offset), {}, scope));
    v = apply_filter(arena_, written_, f, arg, v, shown, at(f.offset));
  }
  if (!v) fail(fmt::format("`{}` has no value", shown), site, "add `| default(\"...\")`");
  return v;
}

const Value* Evaluation::reference(const Value* tmpl, FileId file, const Scope* scope) {
  const Template& t = *tmpl->tmpl;
  if (t.parts.size() != 1 || !t.parts[0].expr || !t.parts[0].filters.empty() ||
      t.parts[0].expr->kind != Expr::Kind::Path)
    return nullptr;
  SourcePos site = offset_in_string(SourcePos{file, tmpl->line, tmpl->column}, t.parts[0].offset);
  try {
    return read_path(t.parts[0].expr->path, site, false, "", scope);
  } catch (EvalError& e) {
    note_elements(e.diag, scope);
    throw;
  }
}

const Value* Evaluation::interpolate(const Value* tmpl, FileId file, const Scope* scope) {
  // A whole value that omitEmpty left out is null (a format leaves the key
  // out), not a string: "{{ service.value.description | omitEmpty }}".
  const Template& t = *tmpl->tmpl;
  auto omits = [](const TemplatePart& part) {
    return std::any_of(part.filters.begin(), part.filters.end(), [](const TemplateFilter& f) { return f.name == "omitEmpty"; });
  };
  if (t.parts.size() == 1 && t.parts[0].expr && omits(t.parts[0])) {
    SourcePos base{file, tmpl->line, tmpl->column};
    try {
      const Value* v = filtered(t.parts[0], offset_in_string(base, t.parts[0].offset),
                                [&](uint32_t offset) { return offset_in_string(base, offset); }, scope);
      if (v->kind == ValueKind::Null) return v;
    } catch (EvalError& e) {
      note_elements(e.diag, scope);
      throw;
    }
  }
  return make::string(arena_, render(*tmpl->tmpl, SourcePos{file, tmpl->line, tmpl->column}, {}, scope), tmpl->line,
                      tmpl->column);
}

}  // namespace sc

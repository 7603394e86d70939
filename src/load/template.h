// Interpolation: `{{ option.path | filter("arg") }}` inside strings, `text`
// and template files, in the shape of ninja's EvalString: the text is split
// once, at load time, into literal runs and expressions, and evaluated later
// against an environment (the evaluator).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "load/condition.h"
#include "util/arena.h"

namespace sc {

struct Template;

struct TemplateFilter {
  std::string name;              // join, json, default, upper, lower, each, format, replace, shell, writeScript, omitEmpty, systemdField
  const Value* arg = nullptr;    // the argument of join(...), default(...), each(...), format(...); replace's first
  const Value* arg2 = nullptr;   // replace's second argument
  // A string argument holding `{{ }}` (writeScript("{{ service.name }}-start")),
  // rendered in the template's own scope before the filter runs.
  const Template* arg_template = nullptr;
  uint32_t offset = 0;
};

struct TemplatePart {
  std::string literal;           // when expr is null
  const Expr* expr = nullptr;    // a Literal or a Path
  std::vector<TemplateFilter> filters;
  uint32_t offset = 0;           // byte offset of the `{{`
};

struct Template {
  std::vector<TemplatePart> parts;
  std::string source;  // the text as written, for `sysconf option`
};

inline bool has_interpolation(std::string_view text) { return text.find("{{") != std::string_view::npos; }

// Parses `text`. Returns nullptr and fills `failure` on a malformed `{{ }}`.
const Template* parse_template(std::string_view text, Arena& arena, ParseFailure& failure);

// The filters a template may name.
bool is_known_filter(std::string_view name);

}  // namespace sc

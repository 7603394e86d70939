#include "eval/filters.h"

#include <cctype>

#include <fmt/format.h>

#include "eval/eval_error.h"
#include "util/accounts_text.h"
#include "util/formats.h"
#include "util/json_writer.h"
#include "util/text.h"

namespace sc {

namespace {

// `| each("map {key} {value}")`: one line per entry of a table (or item of a
// list, where {key} is its index), as Nix's mapAttrsToList joined with
// newlines; `{value.port}` is a field of a table entry. Null entries are
// left out, as the formats leave them out. Any other `{...}` is an error,
// never literal text.
std::string each_line(const Value* v, const Value* pattern, const std::string& shown, SourcePos site) {
  if (!pattern->is_string()) fail("`| each` takes a string such as \"{key} = {value}\"", site);
  // Tables (and lists holding them) as JSON.
  auto scalar = [&](const Value* x) {
    if (auto text = plain_text(x)) return *text;
    return to_json(x);
  };
  // {value.a.b}: the field a.b of the entry.
  auto field = [&](std::string_view key, const Value* value, std::string_view path) {
    const Value* x = value;
    size_t pos = 0;
    while (pos <= path.size()) {
      size_t dot = path.find('.', pos);
      std::string_view name = path.substr(pos, dot == std::string_view::npos ? std::string_view::npos : dot - pos);
      const TableEntry* entry = x->is_table() ? x->find(name) : nullptr;
      const Value* next = entry ? entry->value : nullptr;
      if (!next)
        fail(fmt::format("`| each`: entry `{}` of `{}` has no field `{}`", key, shown, path), site,
             "{key} is the entry's name, {value} its value, {value.FIELD} a field of a table");
      x = next;
      if (dot == std::string_view::npos) break;
      pos = dot + 1;
    }
    return scalar(x);
  };
  auto line = [&](std::string_view key, const Value* value) {
    std::string out;
    std::string_view p = pattern->str();
    for (size_t i = 0; i < p.size(); ++i) {
      if (p[i] != '{') {
        out += p[i];
        continue;
      }
      size_t close = p.find('}', i);
      std::string_view name = p.substr(i + 1, close == std::string_view::npos ? std::string_view::npos : close - i - 1);
      if (close != std::string_view::npos && name == "key") {
        out += key;
      } else if (close != std::string_view::npos && name == "value") {
        out += scalar(value);
      } else if (close != std::string_view::npos && name.starts_with("value.") && name.size() > 6) {
        out += field(key, value, name.substr(6));
      } else {
        fail(fmt::format("`| each`: unknown placeholder `{}` in \"{}\"", p.substr(i, close == std::string_view::npos ? 1 : close - i + 1), p),
             site, "the placeholders are {key}, {value} and {value.FIELD}");
      }
      i = close;
    }
    return out;
  };
  std::string out;
  auto add = [&](std::string_view key, const Value* value) {
    if (value->kind == ValueKind::Null) return;
    if (!out.empty()) out += '\n';
    out += line(key, value);
  };
  if (v->is_table()) {
    for (auto e = v->begin_entries(); e != v->end_entries(); ++e) add(e->key, e->value);
  } else if (v->is_list()) {
    for (uint32_t i = 0; i < v->list.size; ++i) add(std::to_string(i), v->list.items[i]);
  } else {
    fail(fmt::format("`| each` needs a table or a list, but `{}` is {}", shown, describe_kind(v->kind)), site);
  }
  return out;
}

}  // namespace

const Value* apply_filter(Arena& arena, WrittenObjects& written, const TemplateFilter& f, const Value* arg,
                          const Value* v, const std::string& shown, SourcePos fsite) {
  if (f.name == "json") {
    v = make::string(arena, to_json(v));
  } else if (f.name == "join") {
    if (v->kind != ValueKind::List)
      fail(fmt::format("`| join` needs a list, but `{}` is {}", shown, describe_kind(v->kind)), fsite);
    std::string sep = arg->is_string() ? std::string(arg->str()) : to_json(arg);
    std::string joined;
    for (auto it = v->begin_items(); it != v->end_items(); ++it) {
      if (it != v->begin_items()) joined += sep;
      const Value* item = *it;
      if (item->is_string()) joined += item->str();
      else if (item->kind == ValueKind::Int || item->kind == ValueKind::Float || item->kind == ValueKind::Bool)
        joined += to_json(item);
      else
        fail(fmt::format("`| join` needs a list of strings or numbers, but `{}` holds {}", shown,
                         describe_kind(item->kind)),
             fsite, "use `| json` to print structured values");
    }
    v = make::string(arena, joined);
  } else if (f.name == "each") {
    v = make::string(arena, each_line(v, arg, shown, fsite));
  } else if (f.name == "format") {
    // The serialisers of `format` + `settings`, inside a text: generated
    // settings followed by verbatim lines, as home-manager composes them.
    Result<std::string> text = arg->is_string() ? render_format(std::string(arg->str()), v)
                                                : Failure("its argument is a format's name, such as \"ini\"");
    if (!text.ok())
      fail(fmt::format("`| format` cannot write `{}`: {}", shown, text.message()), fsite,
           "the formats are ini, keyvalue, json, toml, yaml, kdl and sh");
    v = make::string(arena, text.value());
  } else if (f.name == "replace") {
    if (!v->is_string())
      fail(fmt::format("`| replace` needs a string, but `{}` is {}", shown, describe_kind(v->kind)), fsite);
    if (!arg->is_string() || !f.arg2->is_string() || arg->str().empty())
      fail("`| replace` takes two strings, the first not empty, as in replace(\"/\", \" \")", fsite);
    v = make::string(arena, replace_all(v->str(), arg->str(), f.arg2->str()));
  } else if (f.name == "writeScript") {
    // A /bin/sh script in the store, as NixOS's unit scripts: its path here,
    // the object kept with the evaluation (nothing is written until the build).
    if (!v->is_string())
      fail(fmt::format("`| writeScript` needs a string, but `{}` is {}", shown, describe_kind(v->kind)), fsite);
    if (!arg->is_string() || arg->str().empty())
      fail("`| writeScript` takes the script's name, as in writeScript(\"backup-start\")", fsite);
    std::string content = "#!/bin/sh\nset -e\n" + std::string(v->str());
    if (content.back() != '\n') content += '\n';
    v = make::string(arena, written.write(std::move(content), true, arg->str()));
  } else if (f.name == "systemdField") {
    // One field of a sysusers.d or tmpfiles.d line: `-` for nothing, a plain
    // word as it is, anything else quoted as those tools unquote.
    if (v->kind == ValueKind::Int || v->kind == ValueKind::Float) v = make::string(arena, to_json(v));
    if (v->kind != ValueKind::Null && !v->is_string())
      fail(fmt::format("`| systemdField` needs a string, a number or null, but `{}` is {}", shown, describe_kind(v->kind)),
           fsite);
    bool nothing = v->kind == ValueKind::Null || v->str().empty();
    v = make::string(arena, nothing ? "-" : systemd_field(v->str()));
  } else if (f.name == "shell") {
    // One word for a shell command line, as Nix's escapeShellArg.
    if (v->kind == ValueKind::Int || v->kind == ValueKind::Float) v = make::string(arena, to_json(v));
    if (!v->is_string())
      fail(fmt::format("`| shell` needs a string or a number, but `{}` is {}", shown, describe_kind(v->kind)), fsite,
           "use `| join(\" \")` after quoting each item, or `| each`");
    v = make::string(arena, shell_word(v->str()));
  } else {  // upper, lower
    if (!v->is_string())
      fail(fmt::format("`| {}` needs a string, but `{}` is {}", f.name, shown, describe_kind(v->kind)), fsite);
    std::string s(v->str());
    for (char& ch : s)
      ch = f.name == "upper" ? static_cast<char>(std::toupper(static_cast<unsigned char>(ch)))
                             : static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    v = make::string(arena, s);
  }
  return v;
}

}  // namespace sc

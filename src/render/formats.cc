#include "render/formats.h"

#include <sstream>

#include <fmt/format.h>
#include <toml++/toml.h>

#include "util/json_writer.h"

namespace sc {

namespace {

struct Unrepresentable {
  std::string message;
};

// Value → toml++ node, for toml++'s TOML and YAML writers. TOML has no null:
// a null inside settings is left out, as unset.
std::unique_ptr<toml::node> to_toml(const Value* v) {
  switch (v->kind) {
    case ValueKind::Bool: return std::make_unique<toml::value<bool>>(v->boolean);
    case ValueKind::Int: return std::make_unique<toml::value<int64_t>>(v->integer);
    case ValueKind::Float: return std::make_unique<toml::value<double>>(v->number);
    case ValueKind::String: return std::make_unique<toml::value<std::string>>(std::string(v->str()));
    case ValueKind::List: {
      auto a = std::make_unique<toml::array>();
      for (auto it = v->begin_items(); it != v->end_items(); ++it) {
        if ((*it)->kind == ValueKind::Null) continue;
        a->push_back(std::move(*to_toml(*it)));
      }
      return a;
    }
    case ValueKind::Table: {
      auto t = std::make_unique<toml::table>();
      for (auto e = v->begin_entries(); e != v->end_entries(); ++e) {
        if (e->value->kind == ValueKind::Null) continue;
        t->insert(std::string(e->key), std::move(*to_toml(e->value)));
      }
      return t;
    }
    default: throw Unrepresentable{"null values cannot be written"};
  }
}

// A scalar as it appears after `=` in ini and key=value files.
std::string plain(const Value* v, std::string_view where) {
  switch (v->kind) {
    case ValueKind::String: return std::string(v->str());
    case ValueKind::Bool: return v->boolean ? "true" : "false";
    case ValueKind::Int:
    case ValueKind::Float: return format_number(v);
    case ValueKind::List: {
      std::string out;
      for (auto it = v->begin_items(); it != v->end_items(); ++it) {
        if (it != v->begin_items()) out += ' ';
        out += plain(*it, where);
      }
      return out;
    }
    default: throw Unrepresentable{fmt::format("{} cannot hold {}", where, describe_kind(v->kind))};
  }
}

// key=value files (/etc/environment, os-release, environment.d): strings
// that a shell would split are double-quoted.
std::string keyvalue_value(const Value* v) {
  std::string s = plain(v, "a key=value file");
  bool needs_quotes = s.empty() || s.find_first_of(" \t\"'\\$`#;&|<>()*?[]~") != std::string::npos;
  if (!needs_quotes) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\' || c == '$' || c == '`') out += '\\';
    out += c;
  }
  return out + "\"";
}

std::string render_ini(const Value* settings) {
  // Top-level scalars first (a global section), then one [section] per table.
  std::string out;
  for (auto e = settings->begin_entries(); e != settings->end_entries(); ++e) {
    if (e->value->kind == ValueKind::Table || e->value->kind == ValueKind::Null) continue;
    out += fmt::format("{}={}\n", e->key, plain(e->value, "an ini file"));
  }
  for (auto e = settings->begin_entries(); e != settings->end_entries(); ++e) {
    if (e->value->kind != ValueKind::Table) continue;
    if (!out.empty()) out += '\n';
    out += fmt::format("[{}]\n", e->key);
    for (auto k = e->value->begin_entries(); k != e->value->end_entries(); ++k) {
      if (k->value->kind == ValueKind::Null) continue;
      if (k->value->kind == ValueKind::Table)
        throw Unrepresentable{fmt::format("ini section [{}] cannot hold the table `{}`", e->key, k->key)};
      if (k->value->kind == ValueKind::List) {
        // Repeated keys, as systemd and many ini readers take lists.
        for (auto it = k->value->begin_items(); it != k->value->end_items(); ++it)
          out += fmt::format("{}={}\n", k->key, plain(*it, "an ini file"));
      } else {
        out += fmt::format("{}={}\n", k->key, plain(k->value, "an ini file"));
      }
    }
  }
  return out;
}

}  // namespace

std::optional<std::string> render_format(const std::string& format, const Value* settings, std::string& error) {
  try {
    if (format == "json") return to_json(settings, JsonStyle{true}) + "\n";
    if (settings->kind != ValueKind::Table) {
      error = fmt::format("`settings` must be a table for format \"{}\", not {}", format, describe_kind(settings->kind));
      return std::nullopt;
    }
    if (format == "toml" || format == "yaml") {
      auto node = to_toml(settings);
      std::ostringstream out;
      if (format == "toml") {
        out << toml::toml_formatter(*node->as_table());
      } else {
        out << toml::yaml_formatter(*node->as_table());
      }
      std::string text = out.str();
      if (text.empty() || text.back() != '\n') text += '\n';
      return text;
    }
    if (format == "ini") return render_ini(settings);
    if (format == "keyvalue") {
      std::string out;
      for (auto e = settings->begin_entries(); e != settings->end_entries(); ++e) {
        if (e->value->kind == ValueKind::Null) continue;
        out += fmt::format("{}={}\n", e->key, keyvalue_value(e->value));
      }
      return out;
    }
    error = fmt::format("unknown format \"{}\"", format);
  } catch (const Unrepresentable& u) {
    error = u.message;
  }
  return std::nullopt;
}

}  // namespace sc

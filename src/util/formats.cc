#include "util/formats.h"

#include <algorithm>
#include <cctype>
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
  if (auto text = plain_text(v)) return *text;
  throw Unrepresentable{fmt::format("{} cannot hold {}", where, describe_kind(v->kind))};
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

// export KEY="value" lines for a POSIX shell, as home-manager writes
// hm-session-vars.sh: `"`, `\` and backquotes are escaped, `$` is not, so
// that `$HOME` and `${PATH}` expand when the file is sourced.
std::string render_sh(const Value* settings) {
  std::string out;
  for (auto e = settings->begin_entries(); e != settings->end_entries(); ++e) {
    if (e->value->kind == ValueKind::Null) continue;
    std::string value = plain(e->value, "a shell variable");
    std::string quoted;
    for (char c : value) {
      if (c == '"' || c == '\\' || c == '`') quoted += '\\';
      quoted += c;
    }
    out += fmt::format("export {}=\"{}\"\n", e->key, quoted);
  }
  return out;
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


// git's config file (git-config(1)): each top-level table is a section, a
// table inside it a subsection (`[remote "origin"]`; deeper tables join
// their names with dots, as nixpkgs' toGitINI does), lists repeat the key.
// Strings are always double-quoted with `\`, `"`, newline and tab escaped,
// so that `#`, `;` and edge spaces survive; numbers and booleans are bare.
bool git_name_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '-'; }

std::string git_key(std::string_view key, std::string_view section) {
  bool ok = !key.empty() && std::isalpha(static_cast<unsigned char>(key[0]));
  for (char c : key) ok = ok && git_name_char(c);
  if (!ok)
    throw Unrepresentable{fmt::format("git config key `{}` in [{}] must be a letter followed by letters, digits or `-`", key, section)};
  return std::string(key);
}

std::string git_value(const Value* v, std::string_view key) {
  if (v->kind != ValueKind::String) {
    if (v->kind == ValueKind::Bool || v->kind == ValueKind::Int || v->kind == ValueKind::Float) return *plain_text(v);
    throw Unrepresentable{fmt::format("git config key `{}` cannot hold {}", key, describe_kind(v->kind))};
  }
  std::string out = "\"";
  for (char c : v->str()) {
    switch (c) {
      case '\\': out += "\\\\"; break;
      case '"': out += "\\\""; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      default: out += c;
    }
  }
  return out + "\"";
}

std::string git_section_header(std::string_view section, std::string_view subsection, bool has_subsection) {
  bool ok = !section.empty();
  for (char c : section) ok = ok && (git_name_char(c) || c == '.');
  if (!ok) throw Unrepresentable{fmt::format("git config section `{}` must be letters, digits, `-` or `.`", section)};
  if (!has_subsection) return fmt::format("[{}]\n", section);
  std::string quoted;
  for (char c : subsection) {
    if (c == '\n' || c == '\0')
      throw Unrepresentable{fmt::format("git config subsection of [{}] cannot hold a newline", section)};
    if (c == '"' || c == '\\') quoted += '\\';
    quoted += c;
  }
  return fmt::format("[{} \"{}\"]\n", section, quoted);
}

// One section (or subsection) with its keys, then its tables as subsections.
void git_section(std::string_view section, const std::string& subsection, bool has_subsection, const Value* table,
                 std::string& out) {
  std::string keys;
  std::string where = has_subsection ? fmt::format("{} \"{}\"", section, subsection) : std::string(section);
  for (auto e = table->begin_entries(); e != table->end_entries(); ++e) {
    if (e->value->kind == ValueKind::Null || e->value->kind == ValueKind::Table) continue;
    std::string key = git_key(e->key, where);
    if (e->value->kind == ValueKind::List) {
      for (auto it = e->value->begin_items(); it != e->value->end_items(); ++it)
        keys += fmt::format("\t{} = {}\n", key, git_value(*it, key));
    } else {
      keys += fmt::format("\t{} = {}\n", key, git_value(e->value, key));
    }
  }
  if (!keys.empty()) {
    if (!out.empty()) out += '\n';
    out += git_section_header(section, subsection, has_subsection) + keys;
  }
  for (auto e = table->begin_entries(); e != table->end_entries(); ++e) {
    if (e->value->kind != ValueKind::Table) continue;
    std::string name = has_subsection ? subsection + "." + std::string(e->key) : std::string(e->key);
    git_section(section, name, true, e->value, out);
  }
}

std::string render_gitconfig(const Value* settings) {
  std::string out;
  for (auto e = settings->begin_entries(); e != settings->end_entries(); ++e) {
    if (e->value->kind == ValueKind::Null) continue;
    if (e->value->kind != ValueKind::Table)
      throw Unrepresentable{fmt::format("git config needs sections: `{}` must be a table, not {}", e->key, describe_kind(e->value->kind))};
    git_section(e->key, "", false, e->value, out);
  }
  return out;
}

// systemd's unit files (systemd.syntax(7)), as NixOS's attrsToSection
// writes them: each top-level table is a section, [Unit] first and
// [Install] last; a list repeats its key (an empty string resets a list
// setting, as `ExecStart=`); booleans are true/false; null leaves a key out,
// and a section with nothing in it is not written. A table inside a section
// is a group of settings written in its place, so that a module can keep
// keys in the order people read them (`{ "1" = { Description = ... },
// "2" = serviceConfig }`): the group's own name is not written.
bool unit_name_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_'; }

void unit_setting(std::string_view section, std::string_view key, const Value* v, std::string& out) {
  std::string value = plain(v, fmt::format("the unit setting {}", key));
  if (value.find('\n') != std::string::npos)
    throw Unrepresentable{fmt::format("the unit setting {}= in [{}] holds a newline; a list repeats the setting instead",
                                      key, section)};
  out += fmt::format("{}={}\n", key, value);
}

void unit_settings(std::string_view name, const Value* table, std::string& body) {
  for (auto k = table->begin_entries(); k != table->end_entries(); ++k) {
    if (k->value->kind == ValueKind::Null) continue;
    if (k->value->kind == ValueKind::Table) {
      unit_settings(name, k->value, body);
      continue;
    }
    if (k->key.empty() || !std::all_of(k->key.begin(), k->key.end(), unit_name_char))
      throw Unrepresentable{fmt::format("`{}` in [{}] is not a unit setting's name", k->key, name)};
    if (k->value->kind == ValueKind::List) {
      for (auto it = k->value->begin_items(); it != k->value->end_items(); ++it) unit_setting(name, k->key, *it, body);
    } else {
      unit_setting(name, k->key, k->value, body);
    }
  }
}

std::string unit_section(std::string_view name, const Value* table) {
  if (name.empty() || name.find_first_of("[]\n") != std::string_view::npos)
    throw Unrepresentable{fmt::format("`{}` is not a unit file section's name", name)};
  std::string body;
  unit_settings(name, table, body);
  return body.empty() ? "" : fmt::format("[{}]\n{}", name, body);
}

std::string render_systemd(const Value* settings) {
  std::vector<std::pair<int, const TableEntry*>> sections;
  for (auto e = settings->begin_entries(); e != settings->end_entries(); ++e) {
    if (e->value->kind == ValueKind::Null) continue;
    if (e->value->kind != ValueKind::Table)
      throw Unrepresentable{fmt::format("a unit file holds sections: `{}` must be a table, not {}", e->key,
                                        describe_kind(e->value->kind))};
    sections.emplace_back(e->key == "Unit" ? 0 : e->key == "Install" ? 2 : 1, e);
  }
  std::stable_sort(sections.begin(), sections.end(), [](auto& a, auto& b) { return a.first < b.first; });
  std::string out;
  for (const auto& [rank, e] : sections) {
    std::string section = unit_section(e->key, e->value);
    if (section.empty()) continue;
    if (!out.empty()) out += '\n';
    out += section;
  }
  return out;
}

// KDL, niri's configuration language. A table's entries are nodes; each key is
// written verbatim as the node's head, so it may carry arguments and
// properties of its own (`'output "eDP-1"'`, `"Mod+T repeat=false"`). A
// scalar is the node's argument, a list of scalars its arguments, a table its
// children; a list of tables or of lists repeats the node; `true` is a bare
// flag node (`prefer-no-csd`) and `false` leaves the node out.
std::string kdl_string(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) out += fmt::format("\\u{{{:x}}}", static_cast<unsigned>(c));
        else out += c;
    }
  }
  return out + "\"";
}

std::string kdl_argument(const Value* v, std::string_view node) {
  switch (v->kind) {
    case ValueKind::String: return kdl_string(v->str());
    case ValueKind::Bool: return v->boolean ? "true" : "false";
    case ValueKind::Int:
    case ValueKind::Float: return format_number(v);
    default: throw Unrepresentable{fmt::format("the KDL node `{}` cannot take {} as an argument", node, describe_kind(v->kind))};
  }
}

void kdl_nodes(const Value* table, int depth, std::string& out);

void kdl_node(std::string_view head, const Value* v, int depth, std::string& out) {
  std::string indent(depth * 4, ' ');
  switch (v->kind) {
    case ValueKind::Null: return;
    case ValueKind::Bool:
      if (v->boolean) out += indent + std::string(head) + "\n";
      return;
    case ValueKind::Table:
      out += indent + std::string(head) + " {\n";
      kdl_nodes(v, depth + 1, out);
      out += indent + "}\n";
      return;
    case ValueKind::List: {
      bool repeated = v->list.size > 0 && ((*v->begin_items())->is_table() || (*v->begin_items())->is_list());
      if (repeated) {
        for (auto it = v->begin_items(); it != v->end_items(); ++it) {
          if ((*it)->is_list() || (*it)->is_table()) kdl_node(head, *it, depth, out);
          else throw Unrepresentable{fmt::format("the KDL node `{}` mixes tables or lists with scalars", head)};
        }
        return;
      }
      out += indent + std::string(head);
      for (auto it = v->begin_items(); it != v->end_items(); ++it) out += " " + kdl_argument(*it, head);
      out += "\n";
      return;
    }
    default: out += indent + std::string(head) + " " + kdl_argument(v, head) + "\n";
  }
}

void kdl_nodes(const Value* table, int depth, std::string& out) {
  for (auto e = table->begin_entries(); e != table->end_entries(); ++e) kdl_node(e->key, e->value, depth, out);
}

}  // namespace

std::optional<std::string> plain_text(const Value* v) {
  switch (v->kind) {
    case ValueKind::String: return std::string(v->str());
    case ValueKind::Bool: return v->boolean ? "true" : "false";
    case ValueKind::Int:
    case ValueKind::Float: return format_number(v);
    case ValueKind::List: {
      std::string out;
      for (auto it = v->begin_items(); it != v->end_items(); ++it) {
        auto item = plain_text(*it);
        if (!item) return std::nullopt;
        if (it != v->begin_items()) out += ' ';
        out += *item;
      }
      return out;
    }
    default: return std::nullopt;
  }
}

Result<std::string> render_format(const std::string& format, const Value* settings) {
  try {
    if (format == "json") return to_json(settings, JsonStyle{true}) + "\n";
    if (settings->kind != ValueKind::Table)
      return Failure(fmt::format("`settings` must be a table for format \"{}\", not {}", format, describe_kind(settings->kind)));
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
    if (format == "sh") return render_sh(settings);
    if (format == "gitconfig") return render_gitconfig(settings);
    if (format == "systemd") return render_systemd(settings);
    if (format == "kdl") {
      std::string out;
      kdl_nodes(settings, 0, out);
      return out;
    }
    if (format == "keyvalue") {
      std::string out;
      for (auto e = settings->begin_entries(); e != settings->end_entries(); ++e) {
        if (e->value->kind == ValueKind::Null) continue;
        out += fmt::format("{}={}\n", e->key, keyvalue_value(e->value));
      }
      return out;
    }
    return Failure(fmt::format("unknown format \"{}\"", format));
  } catch (const Unrepresentable& u) {
    return Failure(u.message);
  }
}

}  // namespace sc

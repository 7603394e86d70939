#include "load/module_parser.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <optional>

#include <fmt/format.h>
#include <toml++/toml.h>

#include "load/key_columns.h"
#include "load/template.h"
#include "util/text.h"

namespace sc {

PathRef make_path(Arena& arena, const std::vector<std::string_view>& segments) {
  std::string_view* copy = arena.array<std::string_view>(segments.size());
  for (size_t i = 0; i < segments.size(); ++i) copy[i] = segments[i];
  return PathRef{copy, static_cast<uint32_t>(segments.size())};
}

std::string path_string(PathRef path) { return join_path(path); }

namespace {

const std::vector<std::string> kTopLevelKeys = {"imports", "options", "types",      "config",  "defaults",
                                                "force",   "when",    "for",        "assertions", "warnings"};
const std::vector<std::string> kDeclarationKeys = {"type",   "default",  "description", "example",
                                                   "values", "readOnly", "internal",    "options"};

class ModuleBuilder {
 public:
  ModuleBuilder(Module& module, std::string_view text, Arena& arena, Diagnostics& diags)
      : m_(module), text_(text), arena_(arena), diags_(diags) {}

  void build(const toml::table& doc) {
    for (auto&& [key, node] : doc) {
      std::string_view name = key.str();
      if (name == "imports") {
        imports(node, key);
      } else if (name == "options") {
        if (auto* t = table_or_error(node, "options", "a table of option declarations")) {
          std::vector<std::string_view> path;
          options(*t, path, m_.options);
        }
      } else if (name == "types") {
        if (auto* t = table_or_error(node, "types", "a table of named types")) named_types(*t);
      } else if (name == "config" || name == "defaults" || name == "force") {
        if (auto* t = table_or_error(node, name, "a table of definitions")) {
          std::vector<std::string_view> path;
          definitions(*t, path, section_priority(name), -1);
        }
      } else if (name == "when" || name == "for") {
        blocks(node, name == "when" ? Block::Kind::When : Block::Kind::For, -1);
      } else if (name == "assertions" || name == "warnings") {
        checks(node, name == "warnings", -1);
      } else {
        unknown_key(name, at(key), kTopLevelKeys, "a module's top level",
                    "Option values go under [config], [defaults] or [force].");
      }
    }
    std::stable_sort(m_.definitions.begin(), m_.definitions.end(), [](const Definition& a, const Definition& b) {
      return a.pos.line != b.pos.line ? a.pos.line < b.pos.line : a.pos.column < b.pos.column;
    });
  }

 private:
  SourcePos at(const toml::source_region& r) const { return SourcePos{m_.file, r.begin.line, r.begin.column}; }
  SourcePos at(const toml::key& k) const { return at(k.source()); }
  SourcePos at(const toml::node& n) const { return at(n.source()); }

  static int32_t section_priority(std::string_view section) {
    if (section == "force") return kPriorityForce;
    if (section == "defaults") return kPriorityDefaults;
    return kPriorityNormal;
  }

  void error(std::string message, SourcePos pos, std::string help = {}) {
    diags_.error(std::move(message), pos, std::move(help));
  }

  void unknown_key(std::string_view name, SourcePos pos, const std::vector<std::string>& allowed,
                   std::string_view where, std::string_view extra_help = {}) {
    auto near = closest_names(name, allowed, 1);
    std::string help = near.empty() ? fmt::format("the keys allowed here are {}.", list_words(allowed))
                                    : fmt::format("did you mean `{}`?", near[0]);
    if (!extra_help.empty()) help += fmt::format(" {}", extra_help);
    error(fmt::format("unknown key `{}` in {}", name, where), pos, help);
  }

  const toml::table* table_or_error(const toml::node& node, std::string_view name, std::string_view what) {
    if (auto* t = node.as_table()) return t;
    error(fmt::format("`{}` must be {}", name, what), at(node));
    return nullptr;
  }

  const std::string* string_or_error(const toml::node& node, std::string_view name) {
    if (auto* s = node.as_string()) return &s->get();
    error(fmt::format("`{}` must be a string, not {}", name, toml_kind(node)), at(node));
    return nullptr;
  }

  static std::string_view toml_kind(const toml::node& node) {
    switch (node.type()) {
      case toml::node_type::table: return "a table";
      case toml::node_type::array: return "a list";
      case toml::node_type::string: return "a string";
      case toml::node_type::integer: return "an integer";
      case toml::node_type::floating_point: return "a float";
      case toml::node_type::boolean: return "a boolean";
      default: return "a date or time";
    }
  }

  // A TOML value → Value. Strings with `{{` become templates, tables with a
  // `_value` key become wrappers.
  const Value* convert(const toml::node& node) {
    SourcePos pos = at(node);
    switch (node.type()) {
      case toml::node_type::string: {
        const std::string& s = node.as_string()->get();
        if (has_interpolation(s)) {
          ParseFailure failure;
          const Template* tmpl = parse_template(s, arena_, failure);
          if (!tmpl) {
            error(fmt::format("malformed interpolation: {}", failure.message), inside_string(pos, failure.offset),
                  "write {{ option.path }} or {{ option.path | filter }}; {{ '{{' }} writes literal braces");
            return make::string(arena_, s, pos.line, pos.column);
          }
          Value* v = arena_.make<Value>();
          v->kind = ValueKind::Template;
          v->tmpl = tmpl;
          v->line = pos.line;
          v->column = pos.column;
          return v;
        }
        return make::string(arena_, s, pos.line, pos.column);
      }
      case toml::node_type::integer: return make::integer(arena_, node.as_integer()->get(), pos.line, pos.column);
      case toml::node_type::floating_point:
        return make::number(arena_, node.as_floating_point()->get(), pos.line, pos.column);
      case toml::node_type::boolean: return make::boolean(arena_, node.as_boolean()->get(), pos.line, pos.column);
      case toml::node_type::array: {
        const toml::array& a = *node.as_array();
        std::vector<const Value*> items;
        items.reserve(a.size());
        for (const toml::node& item : a) items.push_back(convert(item));
        return make::list(arena_, items.data(), items.size(), pos.line, pos.column);
      }
      case toml::node_type::table: {
        const toml::table& t = *node.as_table();
        if (is_wrapper(t)) return wrapper(t, pos);
        std::vector<TableEntry> entries;
        entries.reserve(t.size());
        for (auto&& [key, child] : t) {
          if (!reserved_key_ok(key)) continue;
          SourcePos kp = at(key);
          entries.push_back(TableEntry{arena_.copy(key.str()), convert(child), {kp.line, kp.column}});
        }
        return make::table(arena_, entries.data(), entries.size(), pos.line, pos.column);
      }
      default: {
        // Dates and times have no option type; keep them as their TOML text.
        std::string text;
        if (auto* d = node.as_date()) text = fmt::format("{:04}-{:02}-{:02}", d->get().year, d->get().month, d->get().day);
        error("dates and times are not supported as option values", pos, "write the value as a string");
        return make::string(arena_, text, pos.line, pos.column);
      }
    }
  }

  static bool is_wrapper(const toml::table& t) { return t.contains("_value"); }

  // Keys starting with `_` belong to wrappers; anywhere else they are an error.
  bool reserved_key_ok(const toml::key& key) {
    if (key.str().empty() || key.str()[0] != '_') return true;
    error(fmt::format("`{}` is only allowed in a wrapper table", key.str()), at(key),
          "a wrapper is { _value = ..., _priority = N, _order = \"before\" | \"after\" | N }; option names "
          "never start with `_`");
    return false;
  }

  const Value* wrapper(const toml::table& t, SourcePos pos) {
    Value* v = arena_.make<Value>();
    v->kind = ValueKind::Wrapped;
    v->line = pos.line;
    v->column = pos.column;
    v->wrapped.inner = convert(*t.get("_value"));
    v->wrapped.priority = kUnset;
    v->wrapped.order = kUnset;
    for (auto&& [key, node] : t) {
      std::string_view k = key.str();
      if (k == "_value") continue;
      if (k == "_priority") {
        if (auto* i = node.as_integer()) {
          v->wrapped.priority = static_cast<int32_t>(i->get());
        } else {
          error("`_priority` must be an integer (force is 50, config 100, defaults 1000)", at(node));
        }
      } else if (k == "_order") {
        if (auto* i = node.as_integer()) {
          v->wrapped.order = static_cast<int32_t>(i->get());
        } else if (auto* s = node.as_string(); s && (s->get() == "before" || s->get() == "after")) {
          v->wrapped.order = s->get() == "before" ? kOrderBefore : kOrderAfter;
        } else {
          error("`_order` must be \"before\", \"after\" or an integer (the default is 1000)", at(node));
        }
      } else {
        unknown_key(k, at(key), {"_value", "_priority", "_order"}, "a wrapper table");
      }
    }
    return v;
  }

  void definitions(const toml::table& t, std::vector<std::string_view>& path, int32_t priority, int32_t block) {
    for (auto&& [key, node] : t) {
      if (!reserved_key_ok(key)) continue;
      path.push_back(arena_.copy(key.str()));
      key_positions_.push_back(KeyPos{key.source().begin.line, key.source().begin.column});
      key_templates_.push_back(key_template(key));
      const toml::table* sub = node.as_table();
      // An inline table whose keys hold {{ }} is split like a [table]:
      // a generated key belongs in the definition's path. An empty [table]
      // defines its path as {} (an attrsOf element with its defaults).
      if (sub && !sub->empty() && (!sub->is_inline() || has_template_key(*sub)) && !is_wrapper(*sub)) {
        definitions(*sub, path, priority, block);
      } else {
        Definition d;
        d.path = make_path(arena_, path);
        KeyPos* positions = arena_.array<KeyPos>(key_positions_.size());
        std::copy(key_positions_.begin(), key_positions_.end(), positions);
        own_positions(positions, key_positions_.size());
        d.path.positions = positions;
        if (std::any_of(key_templates_.begin(), key_templates_.end(), [](const Template* t) { return t; })) {
          const Template** templates = arena_.array<const Template*>(key_templates_.size());
          std::copy(key_templates_.begin(), key_templates_.end(), templates);
          d.key_templates = templates;
        }
        d.value = convert(node);
        d.priority = priority;
        d.order = kOrderDefault;
        d.pos = at(key);
        d.block = block;
        if (d.value->kind == ValueKind::Wrapped) {
          if (d.value->wrapped.priority != kUnset) d.priority = d.value->wrapped.priority;
          if (d.value->wrapped.order != kUnset) d.order = d.value->wrapped.order;
          d.value = d.value->wrapped.inner;
        }
        m_.definitions.push_back(d);
      }
      path.pop_back();
      key_positions_.pop_back();
      key_templates_.pop_back();
    }
  }

  static bool has_template_key(const toml::table& t) {
    for (auto&& [key, node] : t)
      if (has_interpolation(key.str())) return true;
    return false;
  }

  // The template of a key such as "backup-{{ job.name }}", or null.
  const Template* key_template(const toml::key& key) {
    if (!has_interpolation(key.str())) return nullptr;
    ParseFailure failure;
    const Template* tmpl = parse_template(key.str(), arena_, failure);
    if (!tmpl) {
      SourcePos where = at(key);
      if (key.source().begin.column != 0) where = inside_string(where, failure.offset);
      error(fmt::format("malformed interpolation in a key: {}", failure.message), where,
            "write a key as \"name-{{ binding.name }}\"");
    }
    return tmpl;
  }

  // The text of line `n` (1-based), without its line break.
  std::string_view line_text(uint32_t n) {
    if (line_starts_.empty()) {
      line_starts_.push_back(0);
      for (size_t i = 0; i < text_.size(); ++i)
        if (text_[i] == '\n') line_starts_.push_back(i + 1);
    }
    if (n == 0 || n > line_starts_.size()) return {};
    size_t begin = line_starts_[n - 1];
    size_t end = n < line_starts_.size() ? line_starts_[n] - 1 : text_.size();
    std::string_view line = text_.substr(begin, end - begin);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    return line;
  }

  // Puts each segment of a definition's path where this definition writes
  // it (toml++ gives where its table was first named, see key_columns.h):
  // the last segments are the dotted key on the line of the last one, which
  // is exact; those before them end the table header above, whose last
  // segment is exact too. A line that does not read as expected leaves the
  // positions as they were.
  void own_positions(KeyPos* positions, size_t n) {
    size_t unplaced = n;
    for (int line = 0; line < 2 && unplaced > 0; ++line) {  // the key's line, then the header's
      KeyPos last = positions[unplaced - 1];
      auto columns = key_segment_columns(line_text(last.line));
      if (!columns || columns->back() != last.column) return;
      size_t k = std::min(unplaced, columns->size());
      for (size_t j = 0; j < k; ++j)
        positions[unplaced - k + j] = KeyPos{last.line, (*columns)[columns->size() - k + j]};
      unplaced -= k;
    }
  }

  void options(const toml::table& t, std::vector<std::string_view>& path, std::vector<OptionDecl>& out) {
    for (auto&& [key, node] : t) {
      if (!reserved_key_ok(key)) continue;
      path.push_back(arena_.copy(key.str()));
      const toml::table* sub = node.as_table();
      if (!sub) {
        error(fmt::format("`{}` must be a table: an option declaration (with `type`) or a group of them",
                          join_path(path)),
              at(key), "declare an option as [options.a.b] with type = \"...\"");
      } else if (auto* type = sub->get("type"); type && type->is_string()) {
        out.push_back(declaration(*sub, path, at(key)));
      } else {
        options(*sub, path, out);
      }
      path.pop_back();
    }
  }

  OptionDecl declaration(const toml::table& t, const std::vector<std::string_view>& path, SourcePos pos) {
    OptionDecl d;
    d.path = make_path(arena_, path);
    d.pos = pos;
    for (auto&& [key, node] : t) {
      std::string_view k = key.str();
      if (k == "type") {
        d.type_text = arena_.copy(node.as_string()->get());
        d.type_pos = at(node);
      } else if (k == "default") {
        d.default_value = convert(node);
      } else if (k == "example") {
        d.example = convert(node);
      } else if (k == "description") {
        if (auto* s = string_or_error(node, "description")) d.description = arena_.copy(*s);
      } else if (k == "values") {
        d.enum_values = convert(node);
      } else if (k == "readOnly" || k == "internal") {
        if (auto* b = node.as_boolean()) {
          (k == "readOnly" ? d.read_only : d.internal) = b->get();
        } else {
          error(fmt::format("`{}` must be true or false", k), at(node));
        }
      } else if (k == "options") {
        if (auto* sub = table_or_error(node, "options", "a table of sub-option declarations")) {
          std::vector<std::string_view> rel;
          options(*sub, rel, d.sub_options);
        }
      } else {
        unknown_key(k, at(key), kDeclarationKeys, "an option declaration");
      }
    }
    return d;
  }

  void named_types(const toml::table& t) {
    for (auto&& [key, node] : t) {
      NamedTypeDecl decl;
      decl.name = arena_.copy(key.str());
      decl.pos = at(key);
      const toml::table* body = table_or_error(node, key.str(), "a named type: a table with `options`");
      if (!body) continue;
      bool has_options = false;
      for (auto&& [k, v] : *body) {
        if (k.str() == "options") {
          if (auto* opts = table_or_error(v, "options", "a table of sub-option declarations")) {
            std::vector<std::string_view> rel;
            options(*opts, rel, decl.sub_options);
            has_options = true;
          }
        } else if (k.str() == "description") {
          if (auto* s = string_or_error(v, "description")) decl.description = arena_.copy(*s);
        } else {
          unknown_key(k.str(), at(k), {"options", "description"}, "a named type");
        }
      }
      if (!has_options) {
        error(fmt::format("named type `{}` declares no options", key.str()), decl.pos,
              fmt::format("declare its options as [types.{}.options.NAME] with type = \"...\"", key.str()));
        continue;
      }
      m_.types.push_back(std::move(decl));
    }
  }

  void imports(const toml::node& node, const toml::key& key) {
    const toml::array* list = node.as_array();
    if (!list) {
      error("`imports` must be a list of paths", at(key), "write imports = [\"./other.toml\"]");
      return;
    }
    std::filesystem::path dir = std::filesystem::path(m_.path).parent_path();
    for (const toml::node& item : *list) {
      auto* s = item.as_string();
      if (!s) {
        error(fmt::format("an import must be a path string, not {}", toml_kind(item)), at(item));
        continue;
      }
      std::filesystem::path p(s->get());
      if (p.is_relative()) p = dir / p;
      m_.imports.push_back(Import{p.lexically_normal().string(), at(item)});
    }
  }

  const Expr* condition(const std::string& text, SourcePos pos) {
    ParseFailure failure;
    const Expr* e = parse_condition(text, arena_, failure);
    if (!e) {
      error(fmt::format("malformed condition: {}", failure.message), inside_string(pos, failure.offset),
            "conditions use option paths, literals, !, ==, !=, &&, || and parentheses");
    }
    return e;
  }

  // `[[when]]` or `[[for]]` blocks (`kind`), inside `parent` or at the top level.
  void blocks(const toml::node& node, Block::Kind kind, int32_t parent) {
    std::string_view name = kind == Block::Kind::When ? "when" : "for";
    const toml::array* list = node.as_array();
    if (!list) {
      error(fmt::format("`{}` must be written as [[{}]] blocks", name, name), at(node));
      return;
    }
    for (const toml::node& item : *list) {
      const toml::table* table = item.as_table();
      if (!table) {
        error(fmt::format("each [[{}]] entry must be a table", name), at(item));
        continue;
      }
      if (auto index = block_head(*table, kind, parent, at(item))) block_body(*table, *index);
    }
  }

  // Checks and records a block's own keys (`if`, `each`, `as`); returns its index.
  std::optional<int32_t> block_head(const toml::table& t, Block::Kind kind, int32_t parent, SourcePos pos) {
    Block b;
    b.kind = kind;
    b.parent = parent;
    b.pos = pos;
    const toml::node* cond = t.get("if");
    if (cond && !cond->is_string()) {
      error("`if` must be a condition string, such as \"x.enable\"", at(*cond));
      return std::nullopt;
    }
    if (kind == Block::Kind::When && !cond) {
      error("a [[when]] block needs `if = \"condition\"`", pos);
      return std::nullopt;
    }
    if (cond) {
      b.text = arena_.copy(cond->as_string()->get());
      b.pos = at(*cond);
      b.condition = condition(cond->as_string()->get(), b.pos);
      if (!b.condition) return std::nullopt;
    }
    if (kind == Block::Kind::For) {
      const toml::node* each = t.get("each");
      const toml::node* as = t.get("as");
      if (!each || !each->is_string() || !as || !as->is_string()) {
        error("a [[for]] block needs `each = \"option.path\"` and `as = \"name\"`", pos,
              "as in: each = \"services.backup.jobs\", as = \"job\"; then {{ job.name }} and {{ job.value }}");
        return std::nullopt;
      }
      b.each_text = arena_.copy(each->as_string()->get());
      b.each_pos = at(*each);
      ParseFailure failure;
      if (!parse_option_path(b.each_text, b.each, failure) || b.each.empty()) {
        error(fmt::format("`each` must be an option path: {}", failure.message.empty() ? "it is empty" : failure.message),
              inside_string(b.each_pos, failure.offset), "write the path of an attrsOf or listOf option, such as \"services.backup.jobs\"");
        return std::nullopt;
      }
      b.as = arena_.copy(as->as_string()->get());
      if (!is_binding_name(b.as)) {
        error(fmt::format("`as = \"{}\"` is not a name a template can read", b.as), at(*as),
              "a binding is a word of letters, digits and _, not os, user, true, false or null");
        return std::nullopt;
      }
    }
    int32_t index = static_cast<int32_t>(m_.blocks.size());
    m_.blocks.push_back(std::move(b));
    return index;
  }

  static bool is_binding_name(std::string_view s) {
    if (s.empty() || std::isdigit(static_cast<unsigned char>(s[0]))) return false;
    for (char c : s)
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') return false;
    return s != "os" && s != "user" && s != "true" && s != "false" && s != "null";
  }

  // What a block holds besides its head: definitions, blocks, checks.
  void block_body(const toml::table& t, int32_t index) {
    bool is_for = m_.blocks[index].kind == Block::Kind::For;
    std::string_view name = is_for ? "a [[for]] block" : "a [[when]] block";
    for (auto&& [key, child] : t) {
      std::string_view k = key.str();
      if (k == "if" || (is_for && (k == "each" || k == "as"))) continue;
      if (k == "config" || k == "defaults" || k == "force") {
        if (auto* table = table_or_error(child, k, "a table of definitions")) {
          std::vector<std::string_view> path;
          definitions(*table, path, section_priority(k), index);
        }
      } else if (k == "when" || k == "for") {
        blocks(child, k == "when" ? Block::Kind::When : Block::Kind::For, index);
      } else if (k == "assertions" || k == "warnings") {
        checks(child, k == "warnings", index);
      } else {
        std::vector<std::string> allowed = {"if", "config", "defaults", "force", "when", "for", "assertions", "warnings"};
        if (is_for) allowed.insert(allowed.begin(), {"each", "as"});
        unknown_key(k, at(key), allowed, name);
      }
    }
  }

  void checks(const toml::node& node, bool warnings, int32_t block) {
    std::string_view name = warnings ? "warnings" : "assertions";
    std::string_view cond_key = warnings ? "when" : "assertion";
    const toml::array* list = node.as_array();
    if (!list) {
      error(fmt::format("`{}` must be a list of tables", name), at(node));
      return;
    }
    for (const toml::node& item : *list) {
      const toml::table* t = item.as_table();
      const toml::node* cond = t ? t->get(cond_key) : nullptr;
      const toml::node* message = t ? t->get("message") : nullptr;
      if (!t || !cond || !cond->is_string() || !message || !message->is_string()) {
        error(fmt::format("each entry of `{}` must be {{ {} = \"condition\", message = \"...\" }}", name, cond_key),
              at(item));
        continue;
      }
      for (auto&& [key, child] : *t) {
        if (key.str() != cond_key && key.str() != "message")
          unknown_key(key.str(), at(key), {std::string(cond_key), "message"}, fmt::format("an entry of `{}`", name));
      }
      const std::string& text = cond->as_string()->get();
      const Expr* e = condition(text, at(*cond));
      if (!e) continue;
      Check c;
      c.is_warning = warnings;
      c.condition = e;
      c.text = arena_.copy(text);
      c.condition_pos = at(*cond);
      c.message = convert(*message);
      c.pos = at(item);
      c.block = block;
      m_.checks.push_back(c);
    }
  }

  Module& m_;
  std::string_view text_;               // the module's source
  std::vector<size_t> line_starts_;     // where each line of text_ starts, made when first needed
  Arena& arena_;
  Diagnostics& diags_;
  std::vector<KeyPos> key_positions_;  // of the definition path being walked
  std::vector<const Template*> key_templates_;  // of the same
};

}  // namespace

std::optional<Module> parse_module(std::string_view text, const std::string& path, FileId file, Arena& arena,
                                   Diagnostics& diags) {
  Module module;
  module.file = file;
  module.path = path;
  toml::table doc;
  try {
    doc = toml::parse(text, path);
  } catch (const toml::parse_error& e) {
    Diagnostic d;
    d.message = fmt::format("TOML syntax error: {}", e.description());
    d.pos = SourcePos{file, e.source().begin.line, e.source().begin.column};
    d.help = "fix the TOML syntax of this file";
    diags.add(std::move(d));
    return std::nullopt;
  }
  ModuleBuilder(module, text, arena, diags).build(doc);
  return module;
}

}  // namespace sc

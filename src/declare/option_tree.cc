#include "declare/option_tree.h"

#include <fmt/format.h>

#include "util/text.h"

namespace sc {

OptionTree::OptionTree() {
  nodes_.emplace_back();
  root_ = &nodes_.back();
}

void OptionTree::grow() {
  std::vector<Slot> old = std::move(slots_);
  slots_.assign(old.empty() ? 64 : old.size() * 2, Slot{});
  mask_ = slots_.size() - 1;
  for (const Slot& s : old) {
    if (!s.node) continue;
    size_t i = s.hash & mask_;
    while (slots_[i].node) i = (i + 1) & mask_;
    slots_[i] = s;
  }
}

const OptionInfo* OptionTree::option_at(const std::vector<std::string>& path) const {
  const OptionNode* node = root_;
  for (const std::string& segment : path) {
    if (node->option) return nullptr;
    node = child(node, segment);
    if (!node) return nullptr;
  }
  return node->option;
}

OptionNode* OptionTree::child_or_add(const OptionNode* parent, std::string_view name) {
  if (const OptionNode* existing = child(parent, name)) return const_cast<OptionNode*>(existing);
  if ((used_ + 1) * 2 > slots_.size()) grow();  // at most half full
  nodes_.emplace_back();
  OptionNode* node = &nodes_.back();
  node->name = name;
  node->parent = parent;
  node->depth = parent->depth + 1;
  const_cast<OptionNode*>(parent)->children.push_back(node);
  size_t hash = hash_of(parent, name);
  size_t i = hash & mask_;
  while (slots_[i].node) i = (i + 1) & mask_;
  slots_[i] = Slot{hash, node};
  ++used_;
  return node;
}

OptionInfo* OptionTree::add_option(OptionNode* node) {
  infos_.emplace_back();
  OptionInfo* info = &infos_.back();
  info->id = static_cast<uint32_t>(options_.size());
  info->node = node;
  info->name = node_path(node);
  node->option = info;
  options_.push_back(info);
  return info;
}

std::string OptionTree::node_path(const OptionNode* node) {
  std::vector<std::string_view> parts;
  for (; node && node->parent; node = node->parent) parts.push_back(node->name);
  std::string out;
  for (auto it = parts.rbegin(); it != parts.rend(); ++it) {
    if (!out.empty()) out += '.';
    out += quote_segment(*it);
  }
  return out;
}

std::vector<std::string> OptionTree::names_below(const OptionNode* node) const {
  std::vector<std::string> out;
  std::vector<const OptionNode*> stack{node};
  while (!stack.empty()) {
    const OptionNode* n = stack.back();
    stack.pop_back();
    if (n->option) out.push_back(n->option->name);
    for (auto it = n->children.rbegin(); it != n->children.rend(); ++it) stack.push_back(*it);
  }
  return out;
}

std::vector<std::string> OptionTree::suggest(const OptionNode* node, std::string_view segment,
                                             const std::vector<std::string_view>& rest) const {
  std::vector<std::string> names;
  for (const OptionNode* child : node->children) names.emplace_back(child->name);
  std::vector<std::string> out;
  for (const std::string& near : closest_names(segment, names, 3)) {
    const OptionNode* at = child(node, near);
    // Follow the rest of the wanted path as far as it goes.
    for (std::string_view s : rest) {
      if (at->option) break;
      const OptionNode* next = child(at, s);
      if (!next) break;
      at = next;
    }
    out.push_back(node_path(at));
  }
  return out;
}

namespace {

class Declarer {
 public:
  Declarer(Declarations& out, Diagnostics& diags) : out_(out), diags_(diags) {}

  void collect_named_types(const std::vector<Module>& modules) {
    for (const Module& m : modules) {
      for (const NamedTypeDecl& t : m.types) {
        std::string name(t.name);
        if (is_builtin(name)) {
          diags_.error(fmt::format("`{}` is a built-in type and cannot be redeclared", name), t.pos,
                       "give the named type another name");
          continue;
        }
        auto it = named_decls_.find(name);
        if (it != named_decls_.end()) {
          Diagnostic d;
          d.message = fmt::format("type `{}` is declared twice", name);
          d.pos = t.pos;
          d.label = "second declaration";
          d.notes.push_back(Note{"first declared here", it->second->pos});
          d.help = "a named type is declared once; rename one of them";
          diags_.add(std::move(d));
          continue;
        }
        named_decls_.emplace(name, &t);
      }
    }
  }

  void declare_module_options(const std::vector<OptionDecl>& decls, uint32_t module_index) {
    for (const OptionDecl& d : decls) declare(out_.tree, out_.tree.root(), d, module_index, true);
  }

 private:
  static bool is_builtin(std::string_view name) {
    static const char* const kBuiltins[] = {"bool",   "int",     "float", "str",     "lines",  "path",     "package",
                                            "enum",   "listOf",  "attrsOf", "nullOr", "either", "anything", "submodule"};
    for (const char* b : kBuiltins)
      if (name == b) return true;
    return false;
  }

  // Declares `d` below `base` in `tree`.
  void declare(OptionTree& tree, const OptionNode* base, const OptionDecl& d, uint32_t module_index, bool top) {
    OptionNode* node = nullptr;
    const OptionNode* parent = base;
    for (uint32_t i = 0; i < d.path.size; ++i) {
      if (parent->option) {
        Diagnostic diag;
        diag.message = fmt::format("option `{}` is declared inside option `{}`", OptionTree::node_path(parent) + "." + path_string(d.path),
                                   parent->option->name);
        diag.pos = d.pos;
        diag.notes.push_back(Note{fmt::format("`{}` is declared here", parent->option->name), parent->option->pos});
        diag.help = "an option's value cannot also hold options; use a submodule type for nested options";
        diags_.add(std::move(diag));
        return;
      }
      node = tree.child_or_add(parent, d.path[i]);
      parent = node;
    }
    if (!node) return;
    if (node->option) {
      Diagnostic diag;
      diag.message = fmt::format("option `{}` is declared twice", node->option->name);
      diag.pos = d.pos;
      diag.label = "second declaration";
      diag.notes.push_back(Note{"first declared here", node->option->pos});
      diag.help = "an option is declared once; set its value under [config] instead of declaring it again";
      diags_.add(std::move(diag));
      return;
    }
    if (!node->children.empty()) {
      diags_.error(fmt::format("option `{}` is declared where other options are already declared below it",
                               OptionTree::node_path(node)),
                   d.pos, "declare it under another name, or use a submodule type");
      return;
    }
    OptionInfo* info = tree.add_option(node);
    info->decl = &d;
    info->pos = d.pos;
    info->type = build_type(d);
    if (top) out_.option_module.push_back(module_index);
  }

  const Type* build_type(const OptionDecl& d) {
    auto expr = parse_type_expr(d.type_text, d.type_pos);
    if (!expr.ok()) {
      diags_.error(fmt::format("malformed type `{}`: {}", d.type_text, expr.message()), expr.errors()[0].pos,
                   "types are written like attrsOf(listOf(str)) or either(str, int)");
      return anything();
    }
    return resolve(expr.value(), d);
  }

  const Type* anything() {
    out_.types.emplace_back();
    return &out_.types.back();
  }

  const Type* resolve(const TypeExpr& e, const OptionDecl& d) {
    auto bad = [&](std::string message, std::string help) {
      diags_.error(std::move(message), inside_string(d.type_pos, e.offset), std::move(help));
      return anything();
    };
    static const std::pair<const char*, Type::Kind> kSimple[] = {
        {"bool", Type::Kind::Bool},   {"int", Type::Kind::Int},         {"float", Type::Kind::Float},
        {"str", Type::Kind::Str},     {"lines", Type::Kind::Lines},     {"path", Type::Kind::Path},
        {"package", Type::Kind::Package}, {"anything", Type::Kind::Anything}};
    for (auto& [name, kind] : kSimple) {
      if (e.head == name) {
        if (!e.args.empty()) return bad(fmt::format("type `{}` takes no arguments", e.head), "");
        // Simple types carry nothing but their kind: one object each.
        const Type*& shared = simple_[static_cast<int>(kind)];
        if (!shared) {
          out_.types.emplace_back();
          out_.types.back().kind = kind;
          shared = &out_.types.back();
        }
        return shared;
      }
    }
    auto arity = [&](size_t n) { return e.args.size() == n; };
    if (e.head == "listOf" || e.head == "attrsOf" || e.head == "nullOr") {
      if (!arity(1)) return bad(fmt::format("`{}` takes one type, as in {}(str)", e.head, e.head), "");
      const Type* elem = resolve(e.args[0], d);
      out_.types.emplace_back();
      Type& t = out_.types.back();
      t.kind = e.head == "listOf" ? Type::Kind::ListOf : e.head == "attrsOf" ? Type::Kind::AttrsOf : Type::Kind::NullOr;
      t.elem = elem;
      return &t;
    }
    if (e.head == "either") {
      if (!arity(2)) return bad("`either` takes two types, as in either(str, int)", "");
      const Type* a = resolve(e.args[0], d);
      const Type* b = resolve(e.args[1], d);
      out_.types.emplace_back();
      Type& t = out_.types.back();
      t.kind = Type::Kind::Either;
      t.elem = a;
      t.alt = b;
      return &t;
    }
    if (e.head == "enum") {
      if (!e.args.empty()) return bad("`enum` takes its values from `values = [...]`", "");
      out_.types.emplace_back();
      Type& t = out_.types.back();
      t.kind = Type::Kind::Enum;
      bool ok = d.enum_values && d.enum_values->is_list() && d.enum_values->list.size > 0;
      if (ok) {
        for (auto it = d.enum_values->begin_items(); it != d.enum_values->end_items(); ++it) {
          if (!(*it)->is_string()) ok = false;
          else t.enum_values.emplace_back((*it)->str());
        }
      }
      if (!ok) return bad("an `enum` option needs `values`, a non-empty list of strings", "add values = [\"a\", \"b\"]");
      return &t;
    }
    if (e.head == "submodule") {
      if (!e.args.empty()) return bad("`submodule` takes its options from the declaration's `options` table", "");
      if (d.sub_options.empty())
        return bad("a `submodule` option declares no sub-options",
                   "declare them under the declaration's own `options` table, as [options.x.options.y]");
      return submodule(d.sub_options, "");
    }
    auto named = out_.named.find(e.head);
    if (named != out_.named.end()) {
      if (!e.args.empty()) return bad(fmt::format("named type `{}` takes no arguments", e.head), "");
      return named->second;
    }
    auto decl = named_decls_.find(e.head);
    if (decl != named_decls_.end()) {
      // Register before building the options so a type may refer to itself.
      out_.types.emplace_back();
      Type& t = out_.types.back();
      t.kind = Type::Kind::Submodule;
      t.name = e.head;
      out_.named.emplace(e.head, &t);
      t.options = submodule(decl->second->sub_options, e.head)->options;
      return &t;
    }
    std::vector<std::string> candidates = {"bool", "int", "float", "str", "lines", "path", "package", "enum",
                                           "listOf", "attrsOf", "nullOr", "either", "anything", "submodule"};
    for (auto& [name, _] : named_decls_) candidates.push_back(name);
    auto near = closest_names(e.head, candidates, 1);
    return bad(fmt::format("unknown type `{}`", e.head),
               near.empty() ? "declare it under [types." + e.head + ".options] or use a built-in type"
                            : fmt::format("did you mean `{}`?", near[0]));
  }

  const Type* submodule(const std::vector<OptionDecl>& decls, const std::string& name) {
    out_.submodules.emplace_back();
    OptionTree& tree = out_.submodules.back();
    for (const OptionDecl& sub : decls) declare(tree, tree.root(), sub, 0, false);
    out_.types.emplace_back();
    Type& t = out_.types.back();
    t.kind = Type::Kind::Submodule;
    t.name = name;
    t.options = &tree;
    return &t;
  }

  Declarations& out_;
  Diagnostics& diags_;
  std::unordered_map<std::string, const NamedTypeDecl*> named_decls_;
  const Type* simple_[16] = {};
};

}  // namespace

std::unique_ptr<Declarations> declare_options(const std::vector<Module>& modules, Diagnostics& diags) {
  auto out = std::make_unique<Declarations>();
  Declarer declarer(*out, diags);
  declarer.collect_named_types(modules);
  for (uint32_t i = 0; i < modules.size(); ++i) declarer.declare_module_options(modules[i].options, i);
  return out;
}

}  // namespace sc

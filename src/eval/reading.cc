// Evaluation, part: what a path in a condition or a template reads (an
// option, a path into one, a group of options, a binding, os.* and user.*),
// and the condition language (see evaluation.h).
#include <fmt/format.h>

#include "eval/evaluation.h"
#include "util/json_writer.h"
#include "util/text.h"

namespace sc {

const Value* Evaluation::eval_expr(const Expr* e, SourcePos base, const Scope* scope) {
  SourcePos site = offset_in_string(base, e->offset);
  auto boolean = [&](const Expr* operand) {
    const Value* v = eval_expr(operand, base, scope);
    if (v->kind != ValueKind::Bool) {
      SourcePos at = offset_in_string(base, operand->offset);
      std::string what = operand->kind == Expr::Kind::Path ? "`" + join_path(operand->path) + "`" : "this operand";
      fail(fmt::format("{} is {}, not true or false", what, describe_kind(v->kind)), at,
           "compare it with a value, as in `option == \"value\"`");
    }
    return v->boolean;
  };
  switch (e->kind) {
    case Expr::Kind::Literal: return e->literal;
    case Expr::Kind::Path: return read_path(e->path, site, false, "", scope);
    case Expr::Kind::Not: return make::boolean(arena_, !boolean(e->lhs));
    case Expr::Kind::And: return make::boolean(arena_, boolean(e->lhs) && boolean(e->rhs));
    case Expr::Kind::Or: return make::boolean(arena_, boolean(e->lhs) || boolean(e->rhs));
    case Expr::Kind::Eq:
    case Expr::Kind::Ne: {
      bool same = values_equal(eval_expr(e->lhs, base, scope), eval_expr(e->rhs, base, scope));
      return make::boolean(arena_, e->kind == Expr::Kind::Eq ? same : !same);
    }
    case Expr::Kind::Lt:
    case Expr::Kind::Le:
    case Expr::Kind::Gt:
    case Expr::Kind::Ge: {
      auto number = [&](const Expr* operand) {
        const Value* v = eval_expr(operand, base, scope);
        if (v->kind == ValueKind::Int) return static_cast<double>(v->integer);
        if (v->kind == ValueKind::Float) return v->number;
        std::string what = operand->kind == Expr::Kind::Path ? "`" + join_path(operand->path) + "`" : "this operand";
        fail(fmt::format("{} is {}; <, <=, > and >= compare numbers", what, describe_kind(v->kind)),
             offset_in_string(base, operand->offset), "guard it first, as in `x != null && x < 10`");
      };
      double a = number(e->lhs), b = number(e->rhs);
      bool r = e->kind == Expr::Kind::Lt ? a < b : e->kind == Expr::Kind::Le ? a <= b : e->kind == Expr::Kind::Gt ? a > b : a >= b;
      return make::boolean(arena_, r);
    }
  }
  return nullptr;
}

const Value* Evaluation::read_path(const std::vector<std::string>& path, SourcePos site, bool allow_absent,
                                   std::string_view shown_prefix, const Scope* scope) {
  auto shown = [&](const std::vector<std::string>& p) { return std::string(shown_prefix) + join_path(p); };
  // A binding hides an option of the same name, as a Nix `let` would.
  if (scope && !path.empty()) {
    if (const Scope* binding = scope->find(path[0])) return read_binding(*binding, path, site, allow_absent);
  }
  if (os_ && !path.empty() && path[0] == "os") {
    std::vector<std::string> rest(path.begin() + 1, path.end());
    if (rest.empty()) fail("`os` is the whole system configuration; read one of its options", site);
    return os_->read_path(rest, site, allow_absent, "os.");
  }
  if (os_ && !path.empty() && path[0] == "user") {
    if (path.size() == 2 && path[1] == "name") return make::string(arena_, user_.name);
    if (path.size() == 2 && path[1] == "home") return make::string(arena_, user_.home);
    auto near = path.size() == 2 ? closest_names(path[1], {"name", "home"}, 1) : std::vector<std::string>{};
    fail(fmt::format("unknown user attribute `{}`", join_path(path)), site,
         near.empty() ? "a home module can read user.name and user.home" : fmt::format("did you mean `user.{}`?", near[0]),
         "read here");
  }
  const OptionTree& tree = decls_.tree;
  const OptionNode* node = tree.root();
  size_t i = 0;
  for (; i < path.size() && !node->option; ++i) {
    const OptionNode* child = tree.child(node, path[i]);
    if (!child) {
      std::vector<std::string_view> after(path.begin() + static_cast<long>(i) + 1, path.end());
      auto near = tree.suggest(node, path[i], after);
      std::string help = "check the option's name";
      // Inside a block, a misspelt binding is likelier than an option.
      std::vector<std::string> bound;
      if (i == 0 && scope)
        for (const Scope* s = scope; s; s = s->parent) bound.emplace_back(s->binding);
      auto near_bound = closest_names(path[0], bound, 1);
      if (!near_bound.empty()) {
        help = fmt::format("did you mean `{}`, bound here?", join_path(std::vector<std::string>{near_bound[0]}) +
                                                                 shown(path).substr(path[0].size()));
      } else if (!near.empty()) {
        std::vector<std::string> quoted;
        for (auto& n : near) quoted.push_back("`" + std::string(shown_prefix) + n + "`");
        help = fmt::format("did you mean {}?", list_words(quoted));
      } else if (!os_ && shown_prefix.empty() && path[0] == "os") {
        help = "`os.*` can only be read in a home module";
      } else if (!bound.empty()) {
        help = fmt::format("the names bound here are {}", list_words(bound));
      }
      bool binding_like = i == 0 && scope;
      fail(fmt::format("unknown {} `{}`", binding_like ? "option or binding" : "option", shown(path)), site, help,
           "read here");
    }
    node = child;
  }
  if (!node->option) return subtree(node, site);
  const OptionInfo& option = *node->option;
  const Value* v;
  if (i < path.size() && option.type->kind == Type::Kind::AttrsOf && state_[option.id] != State::Done) {
    // Read one element without forcing its siblings, as NixOS does.
    v = force_element(option, path[i], site);
    if (!v) {
      if (allow_absent) return nullptr;
      fail(fmt::format("`{}{}` has no attribute `{}`", shown_prefix, option.name, quote_segment(path[i])), site,
           "check the name, or use | default(\"...\") in a template", "read here");
    }
    ++i;
  } else {
    v = force(option, site);
  }
  if (!v) {
    if (allow_absent) return nullptr;
    used_without_value(option, site, shown_prefix);
  }
  return walk_into(v, path, i, site, allow_absent, shown_prefix);
}

const Value* Evaluation::subtree(const OptionNode* node, SourcePos site) {
  std::vector<TableEntry> entries;
  for (const OptionNode* child : node->children) {
    const Value* v = child->option ? force(*child->option, site) : subtree(child, site);
    if (v) entries.push_back(TableEntry{child->name, v, 0, 0});
  }
  if (entries.empty() && node != decls_.tree.root()) return nullptr;
  return make::table(arena_, entries.data(), entries.size());
}


const Value* Evaluation::walk_into(const Value* v, const std::vector<std::string>& path, size_t from, SourcePos site,
                                   bool allow_absent, std::string_view shown_prefix) {
  auto shown = [&](const std::vector<std::string>& p) { return std::string(shown_prefix) + join_path(p); };
  for (size_t i = from; i < path.size(); ++i) {
    const TableEntry* entry = v->find(path[i]);
    if (!entry) {
      if (allow_absent) return nullptr;
      std::vector<std::string> prefix(path.begin(), path.begin() + static_cast<long>(i));
      std::string help = "it is not a table";
      if (v->kind == ValueKind::Table) {
        std::vector<std::string> keys;
        for (auto e = v->begin_entries(); e != v->end_entries(); ++e) keys.emplace_back(e->key);
        auto near = closest_names(path[i], keys, 1);
        help = near.empty() ? "check the name, or use | default(\"...\") in a template"
                            : fmt::format("did you mean `{}.{}`?", shown(prefix), quote_segment(near[0]));
      }
      fail(fmt::format("`{}` has no attribute `{}`", shown(prefix), quote_segment(path[i])), site, help, "read here");
    }
    v = entry->value;
  }
  return v;
}

const Value* Evaluation::read_binding(const Scope& binding, const std::vector<std::string>& path, SourcePos site,
                                      bool allow_absent) {
  std::string name(binding.binding);
  if (binding.kind == Scope::Kind::ElementName) {
    if (path.size() == 1) return binding.key;
    fail(fmt::format("`name` is the element's name, a string: it has no attribute `{}`", path[1]), site,
         "read {{ name }} itself", "read here");
  }
  if (path.size() == 1)
    fail(fmt::format("`{}` is a [[for]] element: read `{}.name` or `{}.value`", name, name, name), site,
         fmt::format("{}.name is the element's key (a list's index), {}.value its value", name, name), "read here");
  if (path[1] == "name") {
    if (path.size() == 2) return binding.key;
    fail(fmt::format("`{}.name` is the element's key: it has no attribute `{}`", name, path[2]), site, {}, "read here");
  }
  if (path[1] != "value") {
    fail(fmt::format("unknown attribute `{}` of the [[for]] element `{}`", quote_segment(path[1]), name), site,
         fmt::format("the element has `{}.name` (its key) and `{}.value`{}", name, name,
                     closest_names(path[1], {"name", "value"}, 1).empty()
                         ? ""
                         : fmt::format("; did you mean `{}.{}`?", name, closest_names(path[1], {"name", "value"}, 1)[0])),
         "read here");
  }
  const Value* v = binding.value;
  if (!v) {
    std::string key(binding.key->str());
    v = force_element(*binding.option, key, site);
    if (!v) {
      if (allow_absent) return nullptr;
      fail(fmt::format("`{}.{}` has no value", binding.option->name, quote_segment(key)), site, {}, "read here");
    }
  }
  return walk_into(v, path, 2, site, allow_absent, "");
}

}  // namespace sc

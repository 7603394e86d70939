#include "eval/list_origins.h"

#include <algorithm>

#include <fmt/format.h>

#include "util/text.h"

namespace sc {

namespace {

// References of references are followed this deep; evaluation has already
// reported any cycle, so this only bounds the walk.
constexpr int kMaxDepth = 8;

// The path a template reads when it is exactly one `{{ path }}`.
const std::vector<std::string>* reference_path(const Value* v) {
  if (v->kind != ValueKind::Template) return nullptr;
  const Template& t = *v->tmpl;
  if (t.parts.size() != 1 || !t.parts[0].expr || !t.parts[0].filters.empty() ||
      t.parts[0].expr->kind != Expr::Kind::Path)
    return nullptr;
  return &t.parts[0].expr->path;
}

SourcePos value_site(const MergeDef& d, const Value* v) {
  return v->line ? SourcePos{d.pos.file, v->line, v->column} : d.pos;
}

// The definitions the merge used for `option`, as Merger::select picks them:
// the active ones with their wrappers' priorities applied, at the best
// priority; else the declaration's default.
std::vector<MergeDef> counted_definitions(Evaluation& eval, const OptionInfo& option) {
  std::vector<MergeDef> defs;
  for (const MergeDef& d : eval.definitions_of(option)) {
    if (d.rest_size != 0 || !eval.definition_active(d).value_or(false)) continue;
    MergeDef u = d;
    if (u.value->kind == ValueKind::Wrapped) {
      if (u.value->wrapped.priority != kUnset) u.priority = u.value->wrapped.priority;
      u.value = u.value->wrapped.inner;
    }
    defs.push_back(u);
  }
  if (defs.empty()) {
    if (const Value* v = option.decl->default_value)
      defs.push_back(MergeDef{v, nullptr, 0, kPriorityOptionDefault, kOrderDefault,
                              SourcePos{option.pos.file, v->line, v->column}, UINT32_MAX, -1});
    return defs;
  }
  int32_t best = kPriorityOptionDefault;
  for (const MergeDef& d : defs) best = std::min(best, level_priority(d));
  std::erase_if(defs, [best](const MergeDef& d) { return level_priority(d) != best; });
  return defs;
}

class OriginFinder {
 public:
  explicit OriginFinder(Evaluation& eval) : eval_(eval) {}

  using Origins = std::map<std::string, std::vector<ElementOrigin>>;

  Origins of_list(const OptionInfo& option, int depth) {
    Origins out;
    for (const MergeDef& d : counted_definitions(eval_, option)) {
      std::vector<Note> guard;
      if (const Block* when = eval_.guard_block(d.when))
        guard.push_back(Note{fmt::format("asked for because `{}` holds", when->text), when->pos});
      note_elements_of(d.scope, guard);
      if (d.value->kind == ValueKind::Template) {
        whole_list(option, d, guard, depth, out);
        continue;
      }
      if (d.value->kind != ValueKind::List) continue;
      for (auto it = d.value->begin_items(); it != d.value->end_items(); ++it) {
        const Value* item = *it;
        if (item->kind == ValueKind::Wrapped) item = item->wrapped.inner;
        ElementOrigin origin{value_site(d, item), guard};
        std::optional<std::string> text = element_text(item, d, origin.notes);
        if (text) out[*text].push_back(std::move(origin));
      }
    }
    return out;
  }

 private:
  // "for job = "daily"": which [[for]] elements generated a definition.
  static void note_elements_of(const Scope* scope, std::vector<Note>& notes) {
    Diagnostic d;
    note_elements(d, scope);
    for (Note& n : d.notes) notes.push_back(std::move(n));
  }

  // A definition that is one `{{ X }}` for the whole list: X's own elements
  // when X is a list option here; else the elements it read, at the reference.
  void whole_list(const OptionInfo& option, const MergeDef& d, const std::vector<Note>& guard, int depth, Origins& out) {
    const std::vector<std::string>* path = reference_path(d.value);
    const OptionInfo* source = path ? eval_.declarations().tree.option_at(*path) : nullptr;
    if (source && source->type->kind == Type::Kind::ListOf && depth < kMaxDepth) {
      Note through{fmt::format("added to `{}` through `{{{{ {} }}}}`", option.name, join_path(*path)), d.pos};
      for (auto& [element, origins] : of_list(*source, depth + 1))
        for (ElementOrigin& origin : origins) {
          origin.notes.push_back(through);
          origin.notes.insert(origin.notes.end(), guard.begin(), guard.end());
          out[element].push_back(std::move(origin));
        }
      return;
    }
    const Value* list = nullptr;
    try {
      list = eval_.reference(d.value, d.pos.file, d.scope);  // `{{ os.x }}` in a home, a path into an option
    } catch (const EvalError&) {
    } catch (const EvalAborted&) {
    }
    if (!list || list->kind != ValueKind::List) return;
    for (auto it = list->begin_items(); it != list->end_items(); ++it)
      if ((*it)->is_string()) out[std::string((*it)->str())].push_back(ElementOrigin{d.pos, guard});
  }

  // An element's text; for one written as `{{ Y }}`, a note on where option
  // Y got it. nullopt for an element that is not a string.
  std::optional<std::string> element_text(const Value* item, const MergeDef& d, std::vector<Note>& notes) {
    if (item->is_string()) return std::string(item->str());
    if (item->kind != ValueKind::Template) return std::nullopt;
    const Value* text = nullptr;
    try {
      text = eval_.interpolate(item, d.pos.file, d.scope);
    } catch (const EvalError&) {
    } catch (const EvalAborted&) {
    }
    if (!text) return std::nullopt;
    if (const std::vector<std::string>* path = reference_path(item))
      if (const OptionInfo* source = eval_.declarations().tree.option_at(*path)) {
        std::vector<MergeDef> defs = counted_definitions(eval_, *source);
        if (!defs.empty())
          notes.push_back(Note{fmt::format("the name is `{}`, set here", join_path(*path)), value_site(defs[0], defs[0].value)});
      }
    return std::string(text->str());
  }

  Evaluation& eval_;
};

}  // namespace

std::map<std::string, std::vector<ElementOrigin>> list_element_origins(Evaluation& eval, const OptionInfo& option) {
  return OriginFinder(eval).of_list(option, 0);
}

}  // namespace sc

#include "eval/merge.h"

#include <algorithm>
#include <filesystem>

#include <fmt/format.h>

#include "eval/eval_error.h"
#include "util/json_writer.h"
#include "util/text.h"

namespace sc {

namespace {

std::string show_value(const Value* v) {
  switch (v->kind) {
    case ValueKind::Template: return "a string with {{ }}";
    case ValueKind::Wrapped: return "a priority wrapper";
    case ValueKind::List: return v->list.size == 0 ? "[]" : "a list";
    case ValueKind::Table: return v->table.size == 0 ? "{}" : "a table";
    default: {
      std::string s = to_json(v);
      if (s.size() > 60) s = s.substr(0, 57) + "...";
      return s;
    }
  }
}

// Whether a value of `type` may be a string.
bool type_takes_strings(const Type& type) {
  switch (type.kind) {
    case Type::Kind::Str:
    case Type::Kind::Lines:
    case Type::Kind::Path:
    case Type::Kind::Package:
    case Type::Kind::Enum: return true;
    case Type::Kind::NullOr: return type_takes_strings(*type.elem);
    case Type::Kind::Either: return type_takes_strings(*type.elem) || type_takes_strings(*type.alt);
    default: return false;
  }
}

Where child(const Where& parent, std::string_view key) { return Where{Where::Kind::Key, &parent, key, 0}; }

// `d` one level down its own path: the definition of the element rest[0].
MergeDef below(const MergeDef& d) {
  MergeDef e = d;
  e.rest = d.rest + 1;
  e.rest_size = d.rest_size - 1;
  if (d.rest_pos) e.rest_pos = d.rest_pos + 1;
  return e;
}

// The definition of one entry of a table that `d` defines as a whole. Its
// priority is plain: `d`'s own priority was used at the level above.
MergeDef entry_of(const MergeDef& d, const TableEntry& entry) {
  MergeDef e = d;
  e.value = entry.value;
  e.rest = nullptr;
  e.rest_size = 0;
  e.rest_pos = nullptr;
  e.priority = kPriorityNormal;
  e.order = kOrderDefault;
  e.pos = SourcePos{d.pos.file, entry.pos.line, entry.pos.column};
  return e;
}

}  // namespace

std::string Where::str() const {
  switch (kind) {
    case Kind::Root: return std::string(name);
    case Kind::Key: return parent->str() + "." + quote_segment(name);
    case Kind::Index: return parent->str() + "[" + std::to_string(index) + "]";
    case Kind::Sub: return parent->str() + "." + std::string(name);
  }
  return {};
}

void Merger::missing_sub_option(const OptionInfo& option, const std::vector<MergeDef>& element, const Where& where) {
  // As NixOS: an element is used with a sub-option that has neither a
  // definition nor a default. Left out silently, a file rendered from the
  // element would just lack the key.
  Diagnostic diag;
  diag.message = fmt::format("option `{}` is used but has no value", where.str());
  diag.pos = element[0].pos;
  diag.label = "the element is defined here, without it";
  diag.notes.push_back(Note{fmt::format("`{}` is declared here, without a default", option.name), option.pos});
  diag.help = fmt::format("define `{}` in the element, or give its declaration a `default` (or a nullOr type)", option.name);
  note_elements(diag, element[0].scope);
  throw EvalError{std::move(diag)};
}

const Scope* Merger::name_scope(std::string_view name, const Scope* parent) {
  Scope* s = arena_.make<Scope>();
  s->kind = Scope::Kind::ElementName;
  s->binding = "name";
  s->key = make::string(arena_, name);
  s->parent = parent;
  return s;
}

int32_t wrapped_priority(const MergeDef& d) {
  if (d.rest_size == 0 && d.value->kind == ValueKind::Wrapped && d.value->wrapped.priority != kUnset)
    return d.value->wrapped.priority;
  return level_priority(d);
}

int32_t best_priority(const std::vector<MergeDef>& defs) {
  int32_t best = INT32_MAX;
  for (const MergeDef& d : defs) best = std::min(best, wrapped_priority(d));
  return best;
}

void read_only_error(const std::string& name, const std::vector<MergeDef>& defs, const SourcePos* default_pos) {
  size_t count = defs.size() + (default_pos ? 1 : 0);
  Diagnostic d;
  d.message = fmt::format("option `{}` is read-only but is defined {} times", name, count);
  if (default_pos) {
    d.pos = defs[0].pos;
    d.label = "a definition";
    d.notes.push_back(Note{"its default counts as the first definition", *default_pos});
    for (size_t i = 1; i < defs.size(); ++i) d.notes.push_back(Note{"another definition", defs[i].pos});
    d.help = "a read-only option takes exactly one definition, and a `default` is one: remove this definition";
  } else {
    d.pos = defs[1].pos;
    d.label = "second definition";
    d.notes.push_back(Note{"first definition", defs[0].pos});
    d.help = "a read-only option takes exactly one definition";
  }
  throw EvalError{std::move(d)};
}

SourcePos Merger::value_pos(const Value* v, const MergeDef& d) const {
  if (v->line != 0) return SourcePos{d.pos.file, v->line, v->column};
  return d.pos;
}

void Merger::type_error(const Type& type, const Value* v, const MergeDef& d, const Where& where,
                        std::string detail) {
  Diagnostic diag;
  diag.message = fmt::format("type mismatch in `{}`: expected {}, got {}", where.str(), describe_type(type),
                             detail.empty() ? std::string(describe_kind(v->kind)) : detail);
  diag.pos = value_pos(v, d);
  diag.label = fmt::format("this is {}", show_value(v));
  if (type.kind == Type::Kind::Enum) {
    auto near = v->is_string() ? closest_names(v->str(), type.enum_values, 1) : std::vector<std::string>{};
    diag.help = near.empty() ? fmt::format("use one of {}", describe_type(type).substr(5))
                             : fmt::format("did you mean \"{}\"? The values are {}", near[0], describe_type(type).substr(5));
  } else if (type.kind == Type::Kind::Package && v->is_string()) {
    diag.help = kPackageNameRule;
  } else {
    diag.help = fmt::format("write a value of type {} here", describe_type(type));
  }
  note_elements(diag, d.scope);
  throw EvalError{std::move(diag)};
}

void Merger::conflict(const std::vector<MergeDef>& defs, const std::vector<const Value*>& values,
                      const Where& where) {
  Diagnostic diag;
  diag.message = fmt::format("conflicting values for `{}`", where.str());
  diag.pos = defs[0].pos;
  diag.label = fmt::format("defined as {} with priority {}", show_value(values[0]), level_priority(defs[0]));
  for (size_t i = 1; i < defs.size(); ++i) {
    diag.notes.push_back(Note{fmt::format("defined as {} with priority {}", show_value(values[i]), level_priority(defs[i])),
                              defs[i].pos});
  }
  int32_t priority = level_priority(defs[0]);
  if (priority > kPriorityForce) {
    diag.help =
        "remove all but one of them, or make one win: put it under [force] (priority 50), or move the others "
        "to [defaults] (priority 1000)";
  } else {
    diag.help = fmt::format(
        "remove all but one of them, or make one win with a lower number: {{ _value = ..., _priority = {} }}",
        priority - 1);
  }
  for (const MergeDef& d : defs) note_elements(diag, d.scope);
  throw EvalError{std::move(diag)};
}

void Merger::no_rest(const Type& type, const MergeDef& d, const Where& where) {
  if (d.rest_size == 0) return;
  Diagnostic diag;
  diag.message = fmt::format("`{}` is of type {} and has no `{}` inside it", where.str(), describe_type(type),
                             quote_segment(d.rest[0]));
  diag.pos = d.pos;
  diag.help = fmt::format("define `{}` itself", where.str());
  note_elements(diag, d.scope);
  throw EvalError{std::move(diag)};
}

const Value* Merger::materialize(const Value* v, FileId file, const Scope* scope, bool references) {
  switch (v->kind) {
    case ValueKind::Template:
      if (references) {
        if (const Value* r = interpolator_.reference(v, file, scope)) return r;
      }
      return interpolator_.interpolate(v, file, scope);
    case ValueKind::Wrapped: {
      Diagnostic diag;
      diag.message = "a priority wrapper has no meaning here";
      diag.pos = SourcePos{file, v->line, v->column};
      diag.help = "`_priority` and `_order` apply to a whole definition or an attribute of an attrsOf; not inside a list or a plain value";
      throw EvalError{std::move(diag)};
    }
    case ValueKind::List: {
      std::vector<const Value*> items;
      bool changed = false;
      for (auto it = v->begin_items(); it != v->end_items(); ++it) {
        items.push_back(materialize(*it, file, scope, references));
        changed |= items.back() != *it;
      }
      return changed ? make::list(arena_, items.data(), items.size(), v->line, v->column) : v;
    }
    case ValueKind::Table: {
      std::vector<TableEntry> entries(v->begin_entries(), v->end_entries());
      bool changed = false;
      for (auto& e : entries) {
        const Value* m = materialize(e.value, file, scope, references);
        changed |= m != e.value;
        e.value = m;
      }
      return changed ? make::table(arena_, entries.data(), entries.size(), v->line, v->column) : v;
    }
    default: return v;
  }
}

const Value* Merger::check_scalar(const Type& type, const Value* v, const MergeDef& d, const Where& where) {
  v = materialize(v, d.pos.file, d.scope);
  switch (type.kind) {
    case Type::Kind::Bool:
      if (v->kind != ValueKind::Bool) type_error(type, v, d, where);
      return v;
    case Type::Kind::Int:
      if (v->kind != ValueKind::Int) type_error(type, v, d, where);
      return v;
    case Type::Kind::Float:
      if (v->kind == ValueKind::Int) return make::number(arena_, static_cast<double>(v->integer), v->line, v->column);
      if (v->kind != ValueKind::Float) type_error(type, v, d, where);
      return v;
    case Type::Kind::Str:
    case Type::Kind::Package:
      if (v->kind != ValueKind::String) type_error(type, v, d, where);
      if (type.kind == Type::Kind::Package && !is_package_name(v->str()))
        type_error(type, v, d, where, fmt::format("{}, which is not a package name", show_value(v)));
      return v;
    case Type::Kind::Enum:
      if (v->kind != ValueKind::String) type_error(type, v, d, where);
      for (const auto& e : type.enum_values)
        if (e == v->str()) return v;
      type_error(type, v, d, where, show_value(v));
    case Type::Kind::Path: {
      if (v->kind != ValueKind::String) type_error(type, v, d, where);
      std::filesystem::path p(std::string(v->str()));
      if (p.is_absolute()) return v;
      // A relative path is relative to the file that wrote it.
      std::filesystem::path dir = std::filesystem::path(files_.path(d.pos.file)).parent_path();
      return make::string(arena_, (dir / p).lexically_normal().string(), v->line, v->column);
    }
    default: return v;
  }
}

void Merger::select(std::vector<MergeDef>& defs) {
  // Wrappers on whole values set the definition's priority and order.
  for (MergeDef& d : defs) {
    if (d.rest_size == 0 && d.value->kind == ValueKind::Wrapped) {
      if (d.value->wrapped.priority != kUnset) d.priority = d.value->wrapped.priority;
      if (d.value->wrapped.order != kUnset) d.order = d.value->wrapped.order;
      d.value = d.value->wrapped.inner;
    }
  }
  if (defs.size() == 1) return;  // the common case: nothing to filter or order
  // Only the definitions with the best priority count.
  int32_t best = level_priority(defs[0]);
  for (const MergeDef& d : defs) best = std::min(best, level_priority(d));
  std::erase_if(defs, [best](const MergeDef& d) { return level_priority(d) != best; });
  // Order, then load order (seq), decides how lists and lines concatenate.
  std::stable_sort(defs.begin(), defs.end(), [](const MergeDef& a, const MergeDef& b) {
    int32_t oa = level_order(a), ob = level_order(b);
    return oa != ob ? oa < ob : a.seq < b.seq;
  });
}

const Value* Merger::merge_element(const Type& type, std::vector<MergeDef> defs, const Where& where,
                                   std::string_view key) {
  select(defs);
  std::vector<MergeDef> key_defs;
  for (const MergeDef& d : defs) {
    if (d.rest_size > 0) {
      if (d.rest[0] == key) key_defs.push_back(below(d));
      continue;
    }
    if (d.value->kind != ValueKind::Table) type_error(type, d.value, d, where);
    if (const TableEntry* e = d.value->find(key)) key_defs.push_back(entry_of(d, *e));
  }
  if (key_defs.empty()) return nullptr;
  return merge(*type.elem, std::move(key_defs), child(where, key));
}

const Value* Merger::merge(const Type& type, std::vector<MergeDef> defs, const Where& where) {
  select(defs);
  // "{{ path }}" alone, given to a type that is not a string, passes the value itself.
  bool stringy = type.kind == Type::Kind::Str || type.kind == Type::Kind::Lines || type.kind == Type::Kind::Path ||
                 type.kind == Type::Kind::Package || type.kind == Type::Kind::Enum;
  if (!stringy) {
    // A type that takes strings through nullOr or either gets the text of a
    // scalar, as plain str does ("${toString n}" in Nix); a table, a list or
    // null still passes whole.
    bool takes_strings = type_takes_strings(type);
    for (MergeDef& d : defs) {
      if (d.rest_size != 0 || d.value->kind != ValueKind::Template) continue;
      const Value* r = interpolator_.reference(d.value, d.pos.file, d.scope);
      if (r && (!takes_strings || r->kind == ValueKind::Table || r->kind == ValueKind::List ||
                r->kind == ValueKind::Null))
        d.value = r;
    }
  }
  switch (type.kind) {
    case Type::Kind::Bool:
    case Type::Kind::Int:
    case Type::Kind::Float:
    case Type::Kind::Str:
    case Type::Kind::Path:
    case Type::Kind::Package:
    case Type::Kind::Enum: return merge_scalar(type, defs, where);
    case Type::Kind::Lines: return merge_lines(defs, where);
    case Type::Kind::ListOf: return merge_list(type, defs, where);
    case Type::Kind::AttrsOf: return merge_attrs(*type.elem, defs, where);
    case Type::Kind::NullOr: {
      // A null value comes from a reference to an unset nullOr ("{{ x }}"):
      // all null is null, null beside a value conflicts, as in NixOS.
      size_t nulls = std::count_if(defs.begin(), defs.end(), [](const MergeDef& d) {
        return d.rest_size == 0 && d.value->kind == ValueKind::Null;
      });
      if (nulls == defs.size()) return defs[0].value;
      if (nulls > 0) {
        std::vector<const Value*> vs;
        for (const MergeDef& d : defs) vs.push_back(d.value);
        conflict(defs, vs, where);
      }
      return merge(*type.elem, std::move(defs), where);
    }
    case Type::Kind::Either: {
      // A string with {{ }} left here is text: which side it fits (an enum's
      // values) depends on that text.
      for (MergeDef& d : defs)
        if (d.rest_size == 0 && d.value->kind == ValueKind::Template) d.value = materialize(d.value, d.pos.file, d.scope);
      bool all_first = true, all_second = true;
      for (const MergeDef& d : defs) {
        if (d.rest_size > 0) {
          all_first &= type.elem->kind == Type::Kind::AttrsOf || type.elem->kind == Type::Kind::Submodule || type.elem->kind == Type::Kind::Anything;
          all_second &= type.alt->kind == Type::Kind::AttrsOf || type.alt->kind == Type::Kind::Submodule || type.alt->kind == Type::Kind::Anything;
          continue;
        }
        all_first &= value_fits(*type.elem, d.value);
        all_second &= value_fits(*type.alt, d.value);
      }
      if (all_first) return merge(*type.elem, std::move(defs), where);
      if (all_second) return merge(*type.alt, std::move(defs), where);
      for (const MergeDef& d : defs)
        if (d.rest_size == 0 && !value_fits(*type.elem, d.value) && !value_fits(*type.alt, d.value))
          type_error(type, d.value, d, where);
      // Each value fits one side, but not all the same side.
      conflict(defs, [&] {
        std::vector<const Value*> vs;
        for (auto& d : defs) vs.push_back(d.value);
        return vs;
      }(), where);
    }
    case Type::Kind::Anything: return merge_anything(defs, where);
    case Type::Kind::Submodule: return merge_submodule(*type.options, defs, where);
  }
  return nullptr;
}

const Value* Merger::merge_scalar(const Type& type, const std::vector<MergeDef>& defs, const Where& where) {
  std::vector<const Value*> values;
  values.reserve(defs.size());
  for (const MergeDef& d : defs) {
    no_rest(type, d, where);
    values.push_back(check_scalar(type, d.value, d, where));
  }
  for (size_t i = 1; i < values.size(); ++i)
    if (!values_equal(values[0], values[i])) conflict(defs, values, where);
  return values[0];
}

const Value* Merger::merge_lines(const std::vector<MergeDef>& defs, const Where& where) {
  static const Type kLines{Type::Kind::Lines};
  if (defs.size() == 1) {
    no_rest(kLines, defs[0], where);
    const Value* v = materialize(defs[0].value, defs[0].pos.file, defs[0].scope);
    if (v->kind != ValueKind::String) type_error(kLines, v, defs[0], where);
    return v;
  }
  std::string joined;
  for (size_t i = 0; i < defs.size(); ++i) {
    no_rest(kLines, defs[i], where);
    const Value* v = materialize(defs[i].value, defs[i].pos.file, defs[i].scope);
    if (v->kind != ValueKind::String) type_error(kLines, v, defs[i], where);
    if (i) joined += '\n';
    joined += v->str();
  }
  return make::string(arena_, joined);
}

const Value* Merger::merge_list(const Type& type, const std::vector<MergeDef>& defs, const Where& where) {
  const Type& elem = *type.elem;
  std::vector<const Value*> items;
  for (const MergeDef& d : defs) {
    no_rest(type, d, where);
    if (d.value->kind != ValueKind::List) type_error(type, d.value, d, where);
    uint32_t index = 0;
    for (auto it = d.value->begin_items(); it != d.value->end_items(); ++it, ++index) {
      const Value* item = *it;
      Where item_where{Where::Kind::Index, &where, {}, index};
      // A template item goes through merge(), where a lone "{{ path }}"
      // passes the value itself, as it does for an option (`[ v.port ]`).
      if (elem.is_scalar() && item->kind != ValueKind::Wrapped && item->kind != ValueKind::Template) {
        items.push_back(check_scalar(elem, item, d, item_where));
        continue;
      }
      MergeDef one = d;
      one.value = item;
      one.priority = 100;
      one.order = 1000;
      if (item->line) one.pos = SourcePos{d.pos.file, item->line, item->column};
      const Value* merged = merge(elem, {one}, item_where);
      if (merged) items.push_back(merged);
    }
  }
  return make::list(arena_, items.data(), items.size());
}

const Value* Merger::merge_attrs(const Type& elem, const std::vector<MergeDef>& defs, const Where& where) {
  // Element definitions with their keys, then grouped by a stable sort on
  // the key, which keeps the order of `defs` within each key.
  std::vector<std::pair<std::string_view, MergeDef>> keyed;
  keyed.reserve(defs.size());
  for (const MergeDef& d : defs) {
    if (d.rest_size > 0) {
      keyed.emplace_back(d.rest[0], below(d));
      continue;
    }
    const Value* v = d.value;
    if (v->kind != ValueKind::Table) {
      Type shown{Type::Kind::AttrsOf};
      shown.elem = &elem;
      type_error(shown, v, d, where);
    }
    for (auto e = v->begin_entries(); e != v->end_entries(); ++e) keyed.emplace_back(e->key, entry_of(d, *e));
  }
  std::stable_sort(keyed.begin(), keyed.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<TableEntry> entries;
  std::vector<MergeDef> key_defs;
  for (size_t i = 0; i < keyed.size();) {
    std::string_view key = keyed[i].first;
    key_defs.clear();
    for (; i < keyed.size() && keyed[i].first == key; ++i) key_defs.push_back(keyed[i].second);
    if (const Value* v = merge(elem, key_defs, child(where, key))) entries.push_back(TableEntry{key, v, 0, 0});
  }
  // Already in key order: no sort needed when building the table.
  return make::table(arena_, entries.data(), entries.size());
}

const Value* Merger::merge_anything(const std::vector<MergeDef>& defs, const Where& where) {
  static const Type kAnything{Type::Kind::Anything};
  bool any_table = false, all_tables = true;
  for (const MergeDef& d : defs) {
    bool table = d.rest_size > 0 || d.value->kind == ValueKind::Table;
    any_table |= table;
    all_tables &= table;
  }
  if (all_tables) return merge_attrs(kAnything, defs, where);
  std::vector<const Value*> values;
  for (const MergeDef& d : defs) values.push_back(d.rest_size > 0 ? d.value : materialize(d.value, d.pos.file, d.scope, true));
  if (any_table) conflict(defs, values, where);
  // As in NixOS, other values (lists included) must agree.
  for (size_t i = 1; i < values.size(); ++i)
    if (!values_equal(values[0], values[i])) conflict(defs, values, where);
  return values[0];
}

const Value* Merger::merge_submodule(const OptionTree& options, const std::vector<MergeDef>& defs,
                                     const Where& where) {
  std::vector<std::vector<MergeDef>> per_option(options.options().size());
  std::vector<Diagnostic> errors;
  auto sink = [&](const OptionInfo* o, const MergeDef& d) { per_option[o->id].push_back(d); };
  // An element of an attrsOf knows its own name, as NixOS's `{ name, ... }`:
  // its sub-options' defaults and its definitions read it as {{ name }}.
  const Scope* outer_name = element_name_;
  if (where.kind == Where::Kind::Key) element_name_ = name_scope(where.name, nullptr);
  struct Restore {
    const Scope*& slot;
    const Scope* saved;
    ~Restore() { slot = saved; }
  } restore{element_name_, outer_name};
  for (const MergeDef& given : defs) {
    MergeDef d = given;
    if (where.kind == Where::Kind::Key) d.scope = name_scope(where.name, d.scope);
    if (d.rest_size == 0 && d.value->kind != ValueKind::Table) {
      Type shown{Type::Kind::Submodule};
      shown.options = &options;
      type_error(shown, d.value, d, where, std::string(describe_kind(d.value->kind)));
    }
    size_t errors_before = errors.size();
    distribute(options, options.root(), d, false, sink, errors);
    for (size_t i = errors_before; i < errors.size(); ++i) note_elements(errors[i], d.scope);
  }
  if (!errors.empty()) {
    // In the order they are written (a table's entries are sorted by key), each
    // named in terms of the whole path, not the submodule's own.
    std::stable_sort(errors.begin(), errors.end(), [](const Diagnostic& a, const Diagnostic& b) {
      return a.pos.line != b.pos.line ? a.pos.line < b.pos.line : a.pos.column < b.pos.column;
    });
    for (Diagnostic& e : errors)
      if (size_t tick = e.message.find('`'); tick != std::string::npos) e.message.insert(tick + 1, where.str() + ".");
    throw EvalError{std::move(errors[0]), {std::make_move_iterator(errors.begin() + 1), std::make_move_iterator(errors.end())}};
  }
  // Build the element: each sub-option's merged value, nested by its path.
  struct Built {
    std::vector<std::string_view> path;
    const Value* value;
  };
  std::vector<Built> built;
  for (const OptionInfo* o : options.options()) {
    std::vector<MergeDef>& od = per_option[o->id];
    Where name{Where::Kind::Sub, &where, o->name, 0};
    if (o->decl->read_only && od.size() + (o->decl->default_value ? 1 : 0) > 1)
      read_only_error(name.str(), od, o->decl->default_value ? &o->pos : nullptr);
    // The default is a definition at priority 1500: it loses to better ones
    // and wins over worse ones ({ _value = ..., _priority = 2000 }).
    if (o->decl->default_value && (od.empty() || best_priority(od) >= kPriorityOptionDefault)) {
      MergeDef def{o->decl->default_value, nullptr, 0, kPriorityOptionDefault, kOrderDefault, o->pos, UINT32_MAX, -1,
                   nullptr, element_name_};
      od.push_back(def);
    }
    const Value* v = nullptr;
    if (!od.empty()) {
      v = merge(*o->type, std::move(od), name);
    } else if (o->type->kind == Type::Kind::NullOr) {
      v = make::null(arena_);
    } else {
      missing_sub_option(*o, defs, name);
    }
    if (!v) continue;
    std::vector<std::string_view> path;
    for (const OptionNode* n = o->node; n && n->parent; n = n->parent) path.push_back(n->name);
    std::reverse(path.begin(), path.end());
    built.push_back(Built{std::move(path), v});
  }
  // Sub-options are usually one level deep; nest the deeper ones.
  std::function<const Value*(size_t, size_t, size_t)> nest = [&](size_t depth, size_t lo, size_t hi) -> const Value* {
    std::vector<TableEntry> entries;
    size_t i = lo;
    while (i < hi) {
      std::string_view key = built[i].path[depth];
      size_t j = i;
      while (j < hi && built[j].path[depth] == key) ++j;
      if (built[i].path.size() == depth + 1) {
        entries.push_back(TableEntry{key, built[i].value, 0, 0});
      } else {
        entries.push_back(TableEntry{key, nest(depth + 1, i, j), 0, 0});
      }
      i = j;
    }
    return make::table(arena_, entries.data(), entries.size());
  };
  std::stable_sort(built.begin(), built.end(), [](const Built& a, const Built& b) { return a.path < b.path; });
  return nest(0, 0, built.size());
}

}  // namespace sc

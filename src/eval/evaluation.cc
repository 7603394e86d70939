// Evaluation, part: indexing definitions, forcing options and attrsOf
// elements with the blackhole protocol, and reporting cycles (see evaluation.h).
#include "eval/evaluation.h"

#include <algorithm>
#include <functional>

#include <fmt/format.h>

#include "eval/eval_error.h"
#include "util/formats.h"
#include "util/json_writer.h"
#include "util/text.h"

namespace sc {

namespace {

// The option's default as a definition at priority 1500 (NixOS's mkOptionDefault).
// REQUIRES: the option has a default.
MergeDef default_definition(const OptionInfo& option) {
  const Value* def = option.decl->default_value;
  return MergeDef{def, nullptr, 0, kPriorityOptionDefault, kOrderDefault,
                  SourcePos{option.pos.file, def->line, def->column}, UINT32_MAX, -1};
}

}  // namespace

Evaluation::Evaluation(const std::vector<Module>& modules, const Declarations& decls, const SourceFiles& files,
                       Diagnostics& diags)
    : modules_(modules), decls_(decls), files_(files), diags_(diags), merger_(arena_, *this, files) {}

void Evaluation::set_home_context(Evaluation* os, UserContext user) {
  os_ = os;
  user_ = std::move(user);
  reported_ = os->reported_;
}

bool Evaluation::index() {
  const OptionTree& tree = decls_.tree;
  size_t n = tree.options().size();
  defs_.assign(n, {});
  state_.assign(n, State::Todo);
  value_.assign(n, nullptr);
  generators_of_.assign(n, {});
  expanded_.assign(n, State::Todo);
  expand_depth_.assign(n, 0);
  keys_state_.assign(n, State::Todo);
  std::vector<Diagnostic> errors;
  auto sink = [this](const OptionInfo* o, const MergeDef& d) { defs_[o->id].push_back(d); };
  uint32_t seq = 0;
  for (const Module& m : modules_) {
    int32_t block_base = static_cast<int32_t>(blocks_.size());
    index_blocks(m);
    for (const Definition& d : m.definitions) {
      int32_t block = d.block < 0 ? -1 : block_base + d.block;
      MergeDef md{d.value, d.path.segments, d.path.size, d.priority, d.order, d.pos, seq++, -1, d.path.positions};
      bool generated = d.key_templates != nullptr;
      for (int32_t b = block; b >= 0 && !generated; b = blocks_[b].parent)
        generated = blocks_[b].block->kind == Block::Kind::For;
      if (generated) {
        index_generator(d, md, block, errors);
        continue;
      }
      // Under [[when]] blocks only: one instance, made without evaluating anything.
      if (block >= 0) md.when = instances(block, d.pos)[0].guard;
      distribute(tree, tree.root(), md, true, sink, errors);
    }
  }
  for (Diagnostic& d : errors) diags_.add(std::move(d));
  return errors.empty();
}

void Evaluation::add_trace(Diagnostic& d) const {
  for (auto it = stack_.rbegin(); it != stack_.rend(); ++it) {
    if (it->read_site.known()) {
      SourcePos site = files_.resolve(it->read_site);
      d.trace.push_back(fmt::format("while evaluating `{}`, read at {}:{}:{}", it->name(),
                                    files_.display(site.file), site.line, site.column));
    } else {
      d.trace.push_back(fmt::format("while evaluating `{}`", it->name()));
    }
  }
}

void Evaluation::record(EvalError& e) {
  auto add = [&](Diagnostic& d) {
    // The same error can be found again: a definition of a whole attrsOf is
    // merged for each element read alone (each user's home reads its own
    // `os.users.users.NAME`) and for the whole option; each home reads `os.*`
    // through a module they may share. Report it once.
    std::string key = fmt::format("{}:{}:{}:{}:{}", d.pos.file, d.pos.line, d.pos.column, d.pos.string_offset, d.message);
    if (!reported_->insert(std::move(key)).second) return;
    add_trace(d);
    diags_.add(std::move(d));
  };
  add(e.diag);
  for (Diagnostic& d : e.more) add(d);
}

std::string Evaluation::Frame::name() const {
  return element.empty() ? option->name : option->name + "." + quote_segment(element);
}

void Evaluation::cycle_at(const OptionInfo& option, const std::string& element, SourcePos read_site) {
  for (size_t i = 0; i < stack_.size(); ++i)
    if (stack_[i].option == &option && stack_[i].element == element)
      cycle(i, read_site, Frame{&option, element, {}}.name());
  throw EvalAborted{};  // unreachable: a busy frame is on the stack
}

const Value* Evaluation::force(const OptionInfo& option, SourcePos read_site) {
  State& state = state_[option.id];
  switch (state) {
    case State::Done: return value_[option.id];
    case State::Failed: throw EvalAborted{};
    case State::Busy: cycle_at(option, "", read_site);
    case State::Todo: break;
  }
  const Value* v = guarded(Frame{&option, "", read_site}, state, [&] {
    expand(option, read_site);
    return compute(option);
  });
  value_[option.id] = v;
  return v;
}

const Value* Evaluation::force_element(const OptionInfo& option, const std::string& key, SourcePos read_site) {
  ElementResult& result = elements_[{option.id, key}];
  switch (result.state) {
    case State::Done: return result.value;
    case State::Failed: throw EvalAborted{};
    case State::Busy: cycle_at(option, key, read_site);
    case State::Todo: break;
  }
  result.value = guarded(Frame{&option, key, read_site}, result.state, [&]() -> const Value* {
    expand(option, read_site);
    // Only the conditions of definitions that can hold `key` are evaluated:
    // a definition of another element cannot change this one, except by
    // outranking a whole-table definition at a priority worse than 100.
    std::vector<MergeDef> relevant;
    std::vector<const MergeDef*> others;
    for (const MergeDef& d : defs_[option.id]) {
      bool touches = d.rest_size == 0 || d.rest[0] == key;
      if (!touches) {
        others.push_back(&d);
      } else if (d.when < 0 || guard_holds(d.when)) {
        relevant.push_back(d);
      }
    }
    int32_t best = best_priority(relevant);
    bool other_active = false;
    if (best > kPriorityNormal) {
      for (const MergeDef* d : others) {
        if (d->when < 0 || guard_holds(d->when)) {
          relevant.push_back(*d);  // takes part in the priority filter only
          other_active = true;
          break;
        }
      }
    }
    // The default is a whole-value definition at 1500: it wins over worse priorities.
    if (!relevant.empty() && !other_active && best >= kPriorityOptionDefault && option.decl->default_value)
      relevant.push_back(default_definition(option));
    if (relevant.empty() && !other_active) {
      const Value* whole = compute(option);  // only the default: nothing can recurse
      const TableEntry* e = whole ? whole->find(key) : nullptr;
      return e ? e->value : nullptr;
    }
    return merger_.merge_element(*option.type, std::move(relevant), Where{Where::Kind::Root, nullptr, option.name, 0}, key);
  });
  return result.value;
}

void Evaluation::cycle(size_t from, SourcePos closing_site, const std::string& closing_name) {
  // The chain: stack_[from] reads stack_[from+1] ... the last reads `closing_name`.
  struct Step {
    std::string reader, read;
    SourcePos site;
  };
  std::vector<Step> steps;
  for (size_t k = from + 1; k < stack_.size(); ++k)
    steps.push_back(Step{stack_[k - 1].name(), stack_[k].name(), stack_[k].read_site});
  steps.push_back(Step{stack_.back().name(), closing_name, closing_site});
  std::vector<std::string> names;
  for (const Step& s : steps) names.push_back("`" + s.reader + "`");
  names.push_back("`" + closing_name + "`");
  Diagnostic d;
  d.message = fmt::format("infinite recursion: {}", fmt::join(names, " -> "));
  d.pos = steps[0].site;
  d.label = fmt::format("`{}` reads `{}` here", steps[0].reader, steps[0].read);
  for (size_t i = 1; i < steps.size(); ++i)
    d.notes.push_back(Note{fmt::format("`{}` reads `{}` here", steps[i].reader, steps[i].read), steps[i].site});
  d.help = steps.size() == 1 ? "an option cannot depend on itself; read another option here"
                             : "break the cycle: one of these options must not depend on the others";
  if (note_busy_blocks(d, from))
    d.help = "a [[for]] block cannot define the option it iterates, nor anything that option reads";
  throw EvalError{std::move(d)};
}

void Evaluation::used_without_value(const OptionInfo& option, SourcePos site, std::string_view shown_prefix) {
  Diagnostic d;
  d.message = fmt::format("option `{}{}` is used but has no value", shown_prefix, option.name);
  d.pos = site;
  d.label = "used here";
  d.notes.push_back(Note{fmt::format("`{}` is declared here, without a default", option.name), option.pos});
  d.help = fmt::format("define `{}` under [config], or give its declaration a `default`", option.name);
  throw EvalError{std::move(d)};
}

std::vector<MergeDef> Evaluation::active_definitions(const OptionInfo& option) {
  const std::vector<MergeDef>& all = defs_[option.id];
  std::vector<MergeDef> active;
  active.reserve(all.size());
  for (const MergeDef& d : all)
    if (d.when < 0 || guard_holds(d.when)) active.push_back(d);
  return active;
}

const Value* Evaluation::compute(const OptionInfo& option) {
  std::vector<MergeDef> active = active_definitions(option);
  const Value* def = option.decl->default_value;
  if (option.decl->read_only && active.size() + (def ? 1 : 0) > 1) {
    SourcePos default_pos = def ? default_definition(option).pos : SourcePos{};
    read_only_error(option.name, active, def ? &default_pos : nullptr);
  }
  // The default takes part like any definition: it wins over worse priorities.
  if (def && (active.empty() || best_priority(active) >= kPriorityOptionDefault))
    active.push_back(default_definition(option));
  if (active.empty()) {
    if (option.type->kind == Type::Kind::NullOr) {
      return make::null(arena_);
    } else {
      return nullptr;
    }
  }
  return merger_.merge(*option.type, std::move(active), Where{Where::Kind::Root, nullptr, option.name, 0});
}

const std::vector<MergeDef>& Evaluation::definitions_of(const OptionInfo& option) {
  option_value(option);  // expands its generated definitions; errors are reported once
  return defs_[option.id];
}

std::optional<bool> Evaluation::definition_active(const MergeDef& def) {
  if (def.when < 0) return true;
  try {
    return guard_holds(def.when);
  } catch (EvalError& e) {
    record(e);
  } catch (EvalAborted&) {
  }
  return std::nullopt;
}

bool Evaluation::declares(const std::vector<std::string>& path) const {
  const OptionTree& tree = decls_.tree;
  const OptionNode* node = tree.root();
  for (const std::string& segment : path) {
    node = tree.child(node, segment);
    if (!node) return false;
  }
  return node->option != nullptr;
}

const MergeDef* Evaluation::best_definition(const std::vector<std::string>& path, size_t& at,
                                            SourcePos& declared) const {
  const OptionTree& tree = decls_.tree;
  const OptionNode* node = tree.root();
  size_t i = 0;
  for (; i < path.size() && !node->option; ++i) {
    node = tree.child(node, path[i]);
    if (!node) return nullptr;
  }
  if (!node->option) return nullptr;
  declared = node->option->pos;
  at = i;
  const MergeDef* best = nullptr;
  size_t best_depth = 0;
  for (const MergeDef& d : defs_[node->option->id]) {
    if (d.when >= 0 && guards_[d.when].state == 2) continue;  // its condition is false: it defines nothing
    // The definition that names the most of the remaining path.
    // It defines the path if one of the two is a prefix of the other.
    size_t depth = 0;
    size_t common = std::min<size_t>(d.rest_size, path.size() - i);
    while (depth < common && d.rest[depth] == path[i + depth]) ++depth;
    if (depth < common) continue;
    if (depth + 1 > best_depth) {
      best = &d;
      best_depth = depth + 1;
    }
  }
  return best;
}

Evaluation::Origin Evaluation::definition_origin(const std::vector<std::string>& path) const {
  Origin origin{path, SourcePos{}};
  // A definition a [[for]] block generated is followed to the element that
  // generated it: to the value it passes on ("{{ file.value }}", or a field
  // of a table, "{{ account.value.home }}"), else to the element as a whole.
  // A bounded number of times, as blocks may chain.
  for (int hop = 0; hop < 8; ++hop) {
    size_t at = 0;
    SourcePos declared;
    const MergeDef* d = best_definition(origin.path, at, declared);
    origin.pos = d ? d->pos : declared;
    if (!d || !d->scope) break;
    // What the definition gives at `path`, as far as its table reaches (a
    // definition of something below `path` gives nothing there).
    size_t below = at + d->rest_size;
    const Value* v = below <= origin.path.size() ? d->value : nullptr;
    for (; v; ++below) {
      if (v->kind == ValueKind::Wrapped) v = v->wrapped.inner;
      const TableEntry* e = below < origin.path.size() && v->is_table() ? v->find(origin.path[below]) : nullptr;
      if (!e) break;
      v = e->value;
    }
    const std::vector<std::string>* read = nullptr;
    if (v && v->kind == ValueKind::Template) {
      const Template& t = *v->tmpl;
      if (t.parts.size() == 1 && t.parts[0].expr && t.parts[0].filters.empty() && t.parts[0].expr->kind == Expr::Kind::Path &&
          t.parts[0].expr->path.size() >= 2 && t.parts[0].expr->path[1] == "value")
        read = &t.parts[0].expr->path;
    }
    const Scope* element = read ? d->scope->find((*read)[0]) : nullptr;
    if (!element || element->kind != Scope::Kind::ForElement) {
      // Not a value passed on: the innermost element the block was expanding.
      read = nullptr;
      element = d->scope;
      while (element && element->kind != Scope::Kind::ForElement) element = element->parent;
    }
    if (!element || !element->option || !element->key || element->key->kind != ValueKind::String) break;
    std::vector<std::string> next;
    for (const OptionNode* n = element->option->node; n && n->parent; n = n->parent) next.emplace_back(n->name);
    std::reverse(next.begin(), next.end());
    next.emplace_back(element->key->str());
    if (read) {
      next.insert(next.end(), read->begin() + 2, read->end());
      next.insert(next.end(), origin.path.begin() + static_cast<long>(below), origin.path.end());
    }
    origin.path = std::move(next);
  }
  return origin;
}

SourcePos Evaluation::definition_site(const std::vector<std::string>& path) const {
  return definition_origin(path).pos;
}

Evaluation::Result Evaluation::option_value(const OptionInfo& option) {
  try {
    const Value* v = force(option, SourcePos{});
    return v ? Result{Status::Value, v} : Result{Status::Absent, nullptr};
  } catch (EvalAborted&) {
    return Result{Status::Failed, nullptr};
  }
}

Evaluation::Result Evaluation::lookup(const std::vector<std::string>& path, bool allow_absent) {
  try {
    const Value* v = read_path(path, SourcePos{}, allow_absent, "");
    return v ? Result{Status::Value, v} : Result{Status::Absent, nullptr};
  } catch (EvalError& e) {
    record(e);
  } catch (EvalAborted&) {
  }
  return Result{Status::Failed, nullptr};
}

const Value* Evaluation::whole_tree() {
  // Every option is forced on its own, so that all errors are reported.
  std::function<const Value*(const OptionNode*)> build = [&](const OptionNode* node) -> const Value* {
    if (node->option) return option_value(*node->option).value;
    std::vector<TableEntry> entries;
    entries.reserve(node->children.size());
    for (const OptionNode* child : node->children) {
      if (const Value* v = build(child)) entries.push_back(TableEntry{child->name, v, 0, 0});
    }
    if (entries.empty() && node != decls_.tree.root()) return nullptr;
    return make::table(arena_, entries.data(), entries.size());
  };
  return build(decls_.tree.root());
}

}  // namespace sc

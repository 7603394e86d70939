// Evaluation, part: [[when]] guards and [[for]] expansion (see evaluation.h).
//
// A definition under a [[for]] is indexed statically, by its literal option
// path, as a generator of that option. It is expanded when the option is
// first read: the block's `each` is enumerated (an attrsOf option by its
// keys only, so that an element's value is forced only when read), and one
// definition is made per element, with its keys rendered and the element
// bound for its templates and conditions.
#include <algorithm>

#include <fmt/format.h>

#include "eval/evaluation.h"
#include "util/json_writer.h"
#include "util/text.h"

namespace sc {

namespace {

const std::vector<std::string>& no_keys() {
  static const std::vector<std::string> none;
  return none;
}

// `what` names what segment `segment` of the path must be instead.
Diagnostic template_where_name_expected(const MergeDef& md, uint32_t segment, std::string_view what,
                                        std::string label) {
  std::vector<std::string_view> upto(md.rest, md.rest + segment + 1);
  Diagnostic e;
  e.message = fmt::format("a template where {} is expected: `{}`", what, join_path(upto));
  e.pos = md.rest_pos ? SourcePos{md.pos.file, md.rest_pos[segment].line, md.rest_pos[segment].column} : md.pos;
  e.label = std::move(label);
  e.help =
      "an option's path is written out, so that which options a block defines is known without evaluating; "
      "{{ }} may only name an element of an attrsOf option, as in systemd.services.\"backup-{{ job.name }}\"";
  return e;
}

// Whether every templated segment of `md.rest`, from `from` on, names an
// element of an attrsOf (or a key of an `anything`) inside `option`'s type.
bool templates_name_elements(const OptionInfo& option, const MergeDef& md, uint32_t from,
                             const Template* const* templates, std::vector<Diagnostic>& errors) {
  const Type* type = option.type;
  const OptionTree* sub = nullptr;
  const OptionNode* group = nullptr;  // inside a submodule: the group of sub-options reached
  for (uint32_t j = from; j < md.rest_size;) {
    bool templated = templates[j] != nullptr;
    if (group) {
      if (templated) {
        errors.push_back(template_where_name_expected(md, j, "a sub-option's name", "a sub-option of a submodule"));
        return false;
      }
      const OptionNode* next = sub->child(group, md.rest[j]);
      if (!next) return true;  // merging reports the unknown sub-option
      group = next->option ? nullptr : next;
      if (next->option) type = next->option->type;
      ++j;
      continue;
    }
    while (type->kind == Type::Kind::NullOr) type = type->elem;
    switch (type->kind) {
      case Type::Kind::AttrsOf: type = type->elem; ++j; continue;
      case Type::Kind::Anything: ++j; continue;
      case Type::Kind::Submodule: sub = type->options; group = sub->root(); continue;
      case Type::Kind::Either: return true;  // which side holds is known only when merging
      default:
        if (templated) {
          errors.push_back(template_where_name_expected(
              md, j, "nothing", fmt::format("a value of type {} has no attributes", describe_type(*type))));
          return false;
        }
        return true;  // merging reports a path into a plain value
    }
  }
  return true;
}

}  // namespace

void Evaluation::index_blocks(const Module& module) {
  int32_t base = static_cast<int32_t>(blocks_.size());
  for (const Block& b : module.blocks) blocks_.push_back(BlockInfo{&b, b.parent < 0 ? -1 : base + b.parent, module.file});
}

void Evaluation::index_generator(const Definition& def, const MergeDef& md, int32_t block,
                                 std::vector<Diagnostic>& errors) {
  const OptionTree& tree = decls_.tree;
  const OptionNode* node = tree.root();
  uint32_t i = 0;
  for (; i < md.rest_size && node && !node->option; ++i) {
    if (def.key_templates && def.key_templates[i]) {
      errors.push_back(template_where_name_expected(md, i, "an option's name", "an option, not an element of an attrsOf"));
      return;
    }
    node = tree.child(node, md.rest[i]);
  }
  if (node && node->option && def.key_templates &&
      !templates_name_elements(*node->option, md, i, def.key_templates, errors))
    return;
  auto sink = [&](const OptionInfo* option, const MergeDef& part) {
    // The part's path is a suffix of the definition's (or, for a table
    // split at a group of options, a literal key inside its value).
    const Template* const* templates = nullptr;
    if (def.key_templates && part.rest >= md.rest && part.rest < md.rest + md.rest_size)
      templates = def.key_templates + (part.rest - md.rest);
    generators_of_[option->id].push_back(static_cast<uint32_t>(generators_.size()));
    generators_.push_back(Generator{part, templates, block});
  };
  distribute(tree, tree.root(), md, true, sink, errors);
}

bool Evaluation::note_busy_blocks(Diagnostic& d, size_t from_frame) const {
  bool any = false;
  for (const BlockInfo& info : blocks_) {
    if (info.state != State::Busy || info.block->kind != Block::Kind::For || info.depth <= from_frame) continue;
    d.notes.push_back(Note{fmt::format("while the [[for]] over `{}` was being expanded", info.block->each_text),
                           offset_in_string(info.block->each_pos, 0)});
    any = true;
  }
  return any;
}

void Evaluation::expand(const OptionInfo& option, SourcePos read_site) {
  const std::vector<uint32_t>& generators = generators_of_[option.id];
  if (generators.empty()) return;
  switch (expanded_[option.id]) {
    case State::Done: return;
    case State::Failed: throw EvalAborted{};
    case State::Busy:
      cycle(expand_depth_[option.id], read_site, option.name);
    case State::Todo: break;
  }
  expanded_[option.id] = State::Busy;
  expand_depth_[option.id] = stack_.empty() ? 0 : static_cast<uint32_t>(stack_.size() - 1);
  try {
    std::vector<MergeDef> made;
    static const std::vector<Instance> kTopLevel{Instance{nullptr, -1}};
    for (uint32_t index : generators) {
      const Generator& g = generators_[index];
      const std::vector<Instance>& all = g.block < 0 ? kTopLevel : instances(g.block, g.def.pos);
      for (const Instance& instance : all) {
        MergeDef md = g.def;
        md.scope = instance.scope;
        md.when = instance.guard;
        if (g.rest_templates) md.rest = render_keys(g, instance.scope);
        made.push_back(md);
      }
    }
    std::vector<MergeDef>& defs = defs_[option.id];
    defs.insert(defs.end(), made.begin(), made.end());
    expanded_[option.id] = State::Done;
  } catch (...) {
    expanded_[option.id] = State::Failed;
    throw;
  }
}

const std::string_view* Evaluation::render_keys(const Generator& g, const Scope* scope) {
  const MergeDef& d = g.def;
  std::string_view* rest = arena_.array<std::string_view>(d.rest_size);
  for (uint32_t j = 0; j < d.rest_size; ++j) {
    if (!g.rest_templates[j]) {
      rest[j] = d.rest[j];
      continue;
    }
    SourcePos at = d.rest_pos ? SourcePos{d.pos.file, d.rest_pos[j].line, d.rest_pos[j].column} : d.pos;
    rest[j] = arena_.copy(render(*g.rest_templates[j], at, {}, scope));
  }
  return rest;
}

const std::vector<Evaluation::Instance>& Evaluation::instances(int32_t block, SourcePos read_site) {
  BlockInfo& info = blocks_[block];
  switch (info.state) {
    case State::Done: return info.instances;
    case State::Failed: throw EvalAborted{};
    case State::Busy: {
      // Its `each` reads, through other options, what the block defines.
      Diagnostic d;
      d.message = fmt::format("infinite recursion: the [[for]] over `{}` defines what it iterates",
                              info.block->each_text);
      d.pos = offset_in_string(info.block->each_pos, 0);
      for (size_t k = info.depth; k < stack_.size(); ++k)
        if (!(stack_[k].read_site == d.pos))
          d.notes.push_back(Note{fmt::format("`{}` is read here", stack_[k].name()), stack_[k].read_site});
      d.notes.push_back(Note{"and the block defines it here", read_site});
      d.help = "a [[for]] block cannot define the option it iterates, nor anything that option depends on";
      throw EvalError{std::move(d)};
    }
    case State::Todo: break;
  }
  info.state = State::Busy;
  info.depth = static_cast<uint32_t>(stack_.size());
  try {
    std::vector<Instance> parents{Instance{nullptr, -1}};
    if (info.parent >= 0) parents = instances(info.parent, read_site);
    std::vector<Instance> made;
    for (const Instance& parent : parents) {
      if (info.block->kind == Block::Kind::When) {
        guards_.push_back(Guard{info.block, parent.scope, parent.guard, info.file});
        made.push_back(Instance{parent.scope, static_cast<int32_t>(guards_.size() - 1)});
      } else {
        iterate(blocks_[block], parent, made);
      }
    }
    BlockInfo& done = blocks_[block];
    done.instances = std::move(made);
    done.state = State::Done;
    return done.instances;
  } catch (...) {
    blocks_[block].state = State::Failed;
    throw;
  }
}

void Evaluation::iterate(const BlockInfo& info, const Instance& parent, std::vector<Instance>& out) {
  const Block& b = *info.block;
  SourcePos site = offset_in_string(b.each_pos, 0);
  auto add = [&](const Value* key, const Value* value, const OptionInfo* lazy) {
    Scope* s = arena_.make<Scope>();
    s->kind = Scope::Kind::ForElement;
    s->binding = b.as;
    s->key = key;
    s->value = value;
    s->option = lazy;
    s->block = &b;
    s->file = info.file;
    s->parent = parent.scope;
    int32_t guard = parent.guard;
    if (b.condition) {
      guards_.push_back(Guard{&b, s, parent.guard, info.file});
      guard = static_cast<int32_t>(guards_.size() - 1);
    }
    out.push_back(Instance{s, guard});
  };
  // An attrsOf option iterated as a whole: its keys now, each value when read.
  bool binding = parent.scope && parent.scope->find(b.each[0]);
  if (!binding) {
    const OptionInfo* option = decls_.tree.option_at(b.each);
    if (option && option->type->kind == Type::Kind::AttrsOf) {
      for (const std::string& key : element_keys(*option, site)) add(make::string(arena_, key), nullptr, option);
      return;
    }
  }
  const Value* v = read_path(b.each, site, false, "", parent.scope);
  if (v->is_table()) {
    for (auto e = v->begin_entries(); e != v->end_entries(); ++e) add(make::string(arena_, e->key), e->value, nullptr);
  } else if (v->is_list()) {
    for (uint32_t i = 0; i < v->list.size; ++i) add(make::integer(arena_, i), v->list.items[i], nullptr);
  } else if (v->kind != ValueKind::Null) {
    Diagnostic d;
    d.message = fmt::format("a [[for]] iterates a table or a list, but `{}` is {}", b.each_text, describe_kind(v->kind));
    d.pos = site;
    d.label = "iterated here";
    d.help = "give `each` the path of an attrsOf or listOf option, or of a table or list inside one";
    note_elements(d, parent.scope);
    throw EvalError{std::move(d)};
  }
}

std::vector<std::string> Evaluation::element_keys(const OptionInfo& option, SourcePos read_site) {
  switch (state_[option.id]) {
    case State::Done: {
      std::vector<std::string> keys;
      if (const Value* v = value_[option.id]; v && v->is_table())
        for (auto e = v->begin_entries(); e != v->end_entries(); ++e) keys.emplace_back(e->key);
      return keys;
    }
    case State::Failed: throw EvalAborted{};
    case State::Busy: cycle_at(option, "", read_site);
    case State::Todo: break;
  }
  if (auto known = keys_.find(option.id); known != keys_.end()) return known->second;
  switch (keys_state_[option.id]) {
    case State::Failed: throw EvalAborted{};
    case State::Busy: cycle_at(option, "", read_site);
    default: break;
  }
  guarded(Frame{&option, "", read_site}, keys_state_[option.id], [&]() -> const Value* {
    expand(option, read_site);
    std::vector<MergeDef> active = active_definitions(option);
    // As merging would choose: only the best priority counts, the option's
    // default being a definition at 1500.
    int32_t best = std::min(kPriorityOptionDefault, best_priority(active));
    std::vector<std::string> keys;
    auto add_table = [&](const Value* v, const MergeDef* d) {
      if (v->kind == ValueKind::Wrapped) v = v->wrapped.inner;
      if (v->kind == ValueKind::Template) v = reference(v, d ? d->pos.file : option.pos.file, d ? d->scope : nullptr);
      if (!v || !v->is_table()) return false;
      for (auto e = v->begin_entries(); e != v->end_entries(); ++e) keys.emplace_back(e->key);
      return true;
    };
    bool plain = true;  // every definition's keys are known without merging
    for (const MergeDef& d : active) {
      if (wrapped_priority(d) != best) continue;
      if (d.rest_size > 0) {
        keys.emplace_back(d.rest[0]);
      } else {
        plain &= add_table(d.value, &d);
      }
    }
    if (best == kPriorityOptionDefault && option.decl->default_value) plain &= add_table(option.decl->default_value, nullptr);
    if (!plain) {
      // A value that is not a table: merging reports it, or finds its keys.
      keys.clear();
      const Value* whole = force(option, read_site);
      if (whole && whole->is_table())
        for (auto e = whole->begin_entries(); e != whole->end_entries(); ++e) keys.emplace_back(e->key);
    }
    std::sort(keys.begin(), keys.end());
    keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
    keys_[option.id] = std::move(keys);
    return nullptr;
  });
  auto known = keys_.find(option.id);
  return known == keys_.end() ? no_keys() : known->second;
}

bool Evaluation::guard_holds(int32_t guard) {
  if (guards_[guard].parent >= 0 && !guard_holds(guards_[guard].parent)) return false;
  switch (guards_[guard].state) {
    case 1: return true;
    case 2: return false;
    case 4: throw EvalAborted{};
    case 3: {
      // The condition reads an option that is itself defined under it.
      const Guard& g = guards_[guard];
      const Block& b = *g.block;
      Diagnostic d;
      const Frame& guarded_frame = stack_.back();
      d.message = fmt::format("infinite recursion: the condition `{}` depends on `{}`, which it guards", b.text,
                              guarded_frame.name());
      d.pos = offset_in_string(b.pos, 0);
      for (size_t k = g.depth; k < stack_.size(); ++k)
        d.notes.push_back(Note{fmt::format("`{}` is read here", stack_[k].name()), stack_[k].read_site});
      for (const MergeDef& def : defs_[guarded_frame.option->id]) {
        if (def.when != guard) continue;
        if (!guarded_frame.element.empty() && def.rest_size > 0 && def.rest[0] != guarded_frame.element) continue;
        d.notes.push_back(Note{fmt::format("`{}` is defined under the condition here", guarded_frame.name()), def.pos});
        break;
      }
      d.help = b.kind == Block::Kind::When
                   ? "a [[when]] block cannot define what its own condition reads; move that definition out of the block"
                   : "a [[for]] block's `if` cannot read what the block defines; move that definition out of the block";
      note_elements(d, g.scope);
      throw EvalError{std::move(d)};
    }
    default: break;
  }
  if (!guards_[guard].block->condition) return true;
  guards_[guard].state = 3;
  guards_[guard].depth = static_cast<uint32_t>(stack_.size());
  const Block& b = *guards_[guard].block;
  const Scope* scope = guards_[guard].scope;
  const Value* v;
  try {
    v = eval_expr(b.condition, b.pos, scope);
    if (v->kind != ValueKind::Bool)
      fail(fmt::format("the condition `{}` is {}, not true or false", b.text, describe_kind(v->kind)), b.pos,
           "compare it with a value, as in `option == \"value\"`");
  } catch (EvalError& e) {
    guards_[guard].state = 4;
    note_elements(e.diag, scope);
    throw;
  } catch (...) {
    guards_[guard].state = 4;
    throw;
  }
  guards_[guard].state = v->boolean ? 1 : 2;
  return v->boolean;
}

}  // namespace sc

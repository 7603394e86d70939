#include "eval/evaluation.h"

#include <functional>

#include <fmt/format.h>

#include "eval/eval_error.h"
#include "util/formats.h"
#include "util/json_writer.h"
#include "util/text.h"

namespace sc {

namespace {

// Conditions and string templates are one-line strings in the common case:
// the column of a part is the string's column, past the quote, plus its offset.
SourcePos offset_in_string(SourcePos base, uint32_t offset) {
  if (base.known()) base.column += 1 + offset;
  return base;
}

[[noreturn]] void fail(std::string message, SourcePos pos, std::string help = {}, std::string label = {}) {
  Diagnostic d;
  d.message = std::move(message);
  d.pos = pos;
  d.help = std::move(help);
  d.label = std::move(label);
  throw EvalError{std::move(d)};
}

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
}

bool Evaluation::index() {
  const OptionTree& tree = decls_.tree;
  size_t n = tree.options().size();
  defs_.assign(n, {});
  state_.assign(n, State::Todo);
  value_.assign(n, nullptr);
  std::vector<Diagnostic> errors;
  auto sink = [this](const OptionInfo* o, const MergeDef& d) { defs_[o->id].push_back(d); };
  uint32_t seq = 0;
  for (const Module& m : modules_) {
    int32_t when_base = static_cast<int32_t>(whens_.size());
    for (const WhenBlock& w : m.whens) whens_.push_back(&w);
    for (const Definition& d : m.definitions) {
      MergeDef md{d.value, d.path.segments, d.path.size, d.priority, d.order, d.pos, seq++,
                  d.when < 0 ? -1 : when_base + d.when, d.path.positions};
      distribute(tree, tree.root(), md, true, sink, errors);
    }
  }
  when_state_.assign(whens_.size(), 0);
  when_depth_.assign(whens_.size(), 0);
  for (Diagnostic& d : errors) diags_.add(std::move(d));
  return errors.empty();
}

void Evaluation::add_trace(Diagnostic& d) const {
  for (auto it = stack_.rbegin(); it != stack_.rend(); ++it) {
    if (it->read_site.known()) {
      d.trace.push_back(fmt::format("while evaluating `{}`, read at {}:{}:{}", it->name(),
                                    files_.display(it->read_site.file), it->read_site.line, it->read_site.column));
    } else {
      d.trace.push_back(fmt::format("while evaluating `{}`", it->name()));
    }
  }
}

void Evaluation::record(EvalError& e) {
  add_trace(e.diag);
  diags_.add(std::move(e.diag));
}

std::string Evaluation::Frame::name() const {
  return element.empty() ? option->name : option->name + "." + quote_segment(element);
}

// Runs `compute` for the frame with the blackhole protocol: marks it busy,
// records an error once, and marks it failed for everything above.
template <typename F>
const Value* Evaluation::guarded(Frame frame, State& state, F&& compute) {
  state = State::Busy;
  stack_.push_back(std::move(frame));
  try {
    const Value* v = compute();
    stack_.pop_back();
    state = State::Done;
    return v;
  } catch (EvalError& e) {
    record(e);
    state = State::Failed;
    stack_.pop_back();
    throw EvalAborted{};
  } catch (EvalAborted&) {
    state = State::Failed;
    stack_.pop_back();
    throw;
  }
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
  const Value* v = guarded(Frame{&option, "", read_site}, state, [&] { return compute(option); });
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
    // Only the conditions of definitions that can hold `key` are evaluated:
    // a definition of another element cannot change this one, except by
    // outranking a whole-table definition at a priority worse than 100.
    std::vector<MergeDef> relevant;
    std::vector<const MergeDef*> others;
    for (const MergeDef& d : defs_[option.id]) {
      bool touches = d.rest_size == 0 || d.rest[0] == key;
      if (!touches) {
        others.push_back(&d);
      } else if (d.when < 0 || when_holds(d.when)) {
        relevant.push_back(d);
      }
    }
    int32_t best = best_priority(relevant);
    bool other_active = false;
    if (best > kPriorityNormal) {
      for (const MergeDef* d : others) {
        if (d->when < 0 || when_holds(d->when)) {
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
    if (d.when < 0 || when_holds(d.when)) active.push_back(d);
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

bool Evaluation::when_holds(int32_t when) {
  switch (when_state_[when]) {
    case 1: return true;
    case 2: return false;
    case 4: throw EvalAborted{};
    case 3: {
      // The condition reads an option that is itself defined under it.
      const WhenBlock& w = *whens_[when];
      Diagnostic d;
      const Frame& guarded_frame = stack_.back();
      d.message = fmt::format("infinite recursion: the condition `{}` depends on `{}`, which it guards", w.text,
                              guarded_frame.name());
      d.pos = offset_in_string(w.pos, 0);
      for (size_t k = when_depth_[when]; k < stack_.size(); ++k)
        d.notes.push_back(Note{fmt::format("`{}` is read here", stack_[k].name()), stack_[k].read_site});
      for (const MergeDef& def : defs_[guarded_frame.option->id]) {
        if (def.when != when) continue;
        if (!guarded_frame.element.empty() && def.rest_size > 0 && def.rest[0] != guarded_frame.element) continue;
        d.notes.push_back(Note{fmt::format("`{}` is defined under the condition here", guarded_frame.name()), def.pos});
        break;
      }
      d.help = "a [[when]] block cannot define what its own condition reads; move that definition out of the block";
      throw EvalError{std::move(d)};
    }
    default: break;
  }
  const WhenBlock& w = *whens_[when];
  when_state_[when] = 3;
  when_depth_[when] = static_cast<uint32_t>(stack_.size());
  const Value* v;
  try {
    v = eval_expr(w.condition, w.pos);
  } catch (...) {
    when_state_[when] = 4;
    throw;
  }
  if (v->kind != ValueKind::Bool) {
    when_state_[when] = 4;
    fail(fmt::format("the condition `{}` is {}, not true or false", w.text, describe_kind(v->kind)), w.pos,
         "compare it with a value, as in `option == \"value\"`");
  }
  when_state_[when] = v->boolean ? 1 : 2;
  return v->boolean;
}

std::optional<bool> Evaluation::definition_active(const MergeDef& def) {
  if (def.when < 0) return true;
  try {
    return when_holds(def.when);
  } catch (EvalError& e) {
    record(e);
  } catch (EvalAborted&) {
  }
  return std::nullopt;
}

const Value* Evaluation::eval_expr(const Expr* e, SourcePos base) {
  SourcePos site = offset_in_string(base, e->offset);
  auto boolean = [&](const Expr* operand) {
    const Value* v = eval_expr(operand, base);
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
    case Expr::Kind::Path: return read_path(e->path, site, false, "");
    case Expr::Kind::Not: return make::boolean(arena_, !boolean(e->lhs));
    case Expr::Kind::And: return make::boolean(arena_, boolean(e->lhs) && boolean(e->rhs));
    case Expr::Kind::Or: return make::boolean(arena_, boolean(e->lhs) || boolean(e->rhs));
    case Expr::Kind::Eq:
    case Expr::Kind::Ne: {
      bool same = values_equal(eval_expr(e->lhs, base), eval_expr(e->rhs, base));
      return make::boolean(arena_, e->kind == Expr::Kind::Eq ? same : !same);
    }
    case Expr::Kind::Lt:
    case Expr::Kind::Le:
    case Expr::Kind::Gt:
    case Expr::Kind::Ge: {
      auto number = [&](const Expr* operand) {
        const Value* v = eval_expr(operand, base);
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
                                   std::string_view shown_prefix) {
  auto shown = [&](const std::vector<std::string>& p) { return std::string(shown_prefix) + join_path(p); };
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
      if (!near.empty()) {
        std::vector<std::string> quoted;
        for (auto& n : near) quoted.push_back("`" + std::string(shown_prefix) + n + "`");
        help = fmt::format("did you mean {}?", list_words(quoted));
      } else if (!os_ && shown_prefix.empty() && path[0] == "os") {
        help = "`os.*` can only be read in a home module";
      }
      fail(fmt::format("unknown option `{}`", shown(path)), site, help, "read here");
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
  for (; i < path.size(); ++i) {
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

const Value* Evaluation::subtree(const OptionNode* node, SourcePos site) {
  std::vector<TableEntry> entries;
  for (const OptionNode* child : node->children) {
    const Value* v = child->option ? force(*child->option, site) : subtree(child, site);
    if (v) entries.push_back(TableEntry{child->name, v, 0, 0});
  }
  if (entries.empty() && node != decls_.tree.root()) return nullptr;
  return make::table(arena_, entries.data(), entries.size());
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

SourcePos Evaluation::definition_site(const std::vector<std::string>& path) const {
  const OptionTree& tree = decls_.tree;
  const OptionNode* node = tree.root();
  size_t i = 0;
  for (; i < path.size() && !node->option; ++i) {
    node = tree.child(node, path[i]);
    if (!node) return SourcePos{};
  }
  if (!node->option) return SourcePos{};
  SourcePos best = node->option->pos;
  size_t best_depth = 0;
  for (const MergeDef& d : defs_[node->option->id]) {
    if (d.when >= 0 && when_state_[d.when] == 2) continue;  // its [[when]] is false: it defines nothing
    // The definition that names the most of the remaining path.
    // It defines the path if one of the two is a prefix of the other.
    size_t depth = 0;
    size_t common = std::min<size_t>(d.rest_size, path.size() - i);
    while (depth < common && d.rest[depth] == path[i + depth]) ++depth;
    if (depth < common) continue;
    if (depth + 1 > best_depth) {
      best = d.pos;
      best_depth = depth + 1;
    }
  }
  return best;
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

void Evaluation::run_checks() {
  for (const Module& m : modules_) {
    for (const Check& c : m.checks) {
      try {
        const Value* v = eval_expr(c.condition, c.condition_pos);
        if (v->kind != ValueKind::Bool)
          fail(fmt::format("the condition `{}` is {}, not true or false", c.text, describe_kind(v->kind)),
               c.condition_pos);
        bool fires = c.is_warning ? v->boolean : !v->boolean;
        if (!fires) continue;
        const Value* message = merger_.materialize(c.message, m.file);
        Diagnostic d;
        d.severity = c.is_warning ? Severity::Warning : Severity::Error;
        d.message = std::string(message->str());
        d.pos = c.pos;
        d.label = c.is_warning ? fmt::format("warning when `{}`", c.text) : fmt::format("assertion `{}` failed", c.text);
        diags_.add(std::move(d));
      } catch (EvalError& e) {
        record(e);
      } catch (EvalAborted&) {
      }
    }
  }
}

namespace {
// The position of byte `offset` of a file's text.
SourcePos position_in(std::string_view text, FileId file, uint32_t offset) {
  uint32_t line = 1, column = 1;
  for (uint32_t i = 0; i < offset && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
  return SourcePos{file, line, column};
}
}  // namespace

std::optional<std::string> Evaluation::render_file(const Template& tmpl, FileId file, std::string_view text) {
  try {
    return render(tmpl, SourcePos{file, 1, 1}, text);
  } catch (EvalError& e) {
    record(e);
  } catch (EvalAborted&) {
  }
  return std::nullopt;
}

// `| each("map {key} {value}")`: one line per entry of a table (or item of a
// list, where {key} is its index), as Nix's mapAttrsToList joined with
// newlines; `{value.port}` is a field of a table entry. Null entries are
// left out, as the formats leave them out. Any other `{...}` is an error,
// never literal text.
static std::string each_line(const Value* v, const Value* pattern, const std::string& shown, SourcePos site) {
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

std::string Evaluation::render(const Template& tmpl, SourcePos base, std::string_view source_text) {
  std::string out;
  auto offset_by = [&](SourcePos at, uint32_t offset) {
    return source_text.empty() ? offset_in_string(at, offset) : position_in(source_text, at.file, offset);
  };
  for (const TemplatePart& part : tmpl.parts) {
    if (!part.expr) {
      out += part.literal;
      continue;
    }
    SourcePos site = offset_by(base, part.offset);
    bool has_default = false;
    for (const TemplateFilter& f : part.filters) has_default |= f.name == "default";
    std::string shown = part.expr->kind == Expr::Kind::Path ? join_path(part.expr->path) : "the value";
    const Value* v = part.expr->kind == Expr::Kind::Literal ? part.expr->literal
                                                            : read_path(part.expr->path, site, has_default, "");
    for (const TemplateFilter& f : part.filters) {
      SourcePos fsite = offset_by(base, f.offset);
      if (f.name == "default") {
        if (!v || v->kind == ValueKind::Null) v = f.arg;
        continue;
      }
      if (!v) fail(fmt::format("`{}` has no value", shown), site, "put `| default(\"...\")` first");
      if (f.name == "json") {
        v = make::string(arena_, to_json(v));
      } else if (f.name == "join") {
        if (v->kind != ValueKind::List)
          fail(fmt::format("`| join` needs a list, but `{}` is {}", shown, describe_kind(v->kind)), fsite);
        std::string sep = f.arg->is_string() ? std::string(f.arg->str()) : to_json(f.arg);
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
        v = make::string(arena_, joined);
      } else if (f.name == "each") {
        v = make::string(arena_, each_line(v, f.arg, shown, fsite));
      } else if (f.name == "format") {
        // The serialisers of `format` + `settings`, inside a text: generated
        // settings followed by verbatim lines, as home-manager composes them.
        std::string problem;
        auto text = f.arg->is_string() ? render_format(std::string(f.arg->str()), v, problem) : std::nullopt;
        if (!text)
          fail(fmt::format("`| format` cannot write `{}`: {}", shown,
                           f.arg->is_string() ? problem : "its argument is a format's name, such as \"ini\""),
               fsite, "the formats are ini, keyvalue, json, toml, yaml, kdl and sh");
        v = make::string(arena_, *text);
      } else if (f.name == "replace") {
        if (!v->is_string())
          fail(fmt::format("`| replace` needs a string, but `{}` is {}", shown, describe_kind(v->kind)), fsite);
        if (!f.arg->is_string() || !f.arg2->is_string() || f.arg->str().empty())
          fail("`| replace` takes two strings, the first not empty, as in replace(\"/\", \" \")", fsite);
        v = make::string(arena_, replace_all(v->str(), f.arg->str(), f.arg2->str()));
      } else if (f.name == "shell") {
        // One word for a shell command line, as Nix's escapeShellArg.
        if (v->kind == ValueKind::Int || v->kind == ValueKind::Float) v = make::string(arena_, to_json(v));
        if (!v->is_string())
          fail(fmt::format("`| shell` needs a string or a number, but `{}` is {}", shown, describe_kind(v->kind)), fsite,
               "use `| join(\" \")` after quoting each item, or `| each`");
        v = make::string(arena_, shell_word(v->str()));
      } else {  // upper, lower
        if (!v->is_string())
          fail(fmt::format("`| {}` needs a string, but `{}` is {}", f.name, shown, describe_kind(v->kind)), fsite);
        std::string s(v->str());
        for (char& ch : s)
          ch = f.name == "upper" ? static_cast<char>(std::toupper(static_cast<unsigned char>(ch)))
                                 : static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
        v = make::string(arena_, s);
      }
    }
    if (!v) fail(fmt::format("`{}` has no value", shown), site, "add `| default(\"...\")`");
    switch (v->kind) {
      case ValueKind::String: out += v->str(); break;
      case ValueKind::Int:
      case ValueKind::Float:
      case ValueKind::Bool: out += to_json(v); break;
      case ValueKind::Null:
        fail(fmt::format("`{}` is null and cannot be written into a string", shown), site,
             "add `| default(\"...\")` for the unset case");
      default:
        fail(fmt::format("`{}` is {} and cannot be written into a string as it is", shown, describe_kind(v->kind)),
             site, "use `| join(\", \")` for a list of strings, or `| json`");
    }
  }
  return out;
}

const Value* Evaluation::reference(const Value* tmpl, FileId file) {
  const Template& t = *tmpl->tmpl;
  if (t.parts.size() != 1 || !t.parts[0].expr || !t.parts[0].filters.empty() ||
      t.parts[0].expr->kind != Expr::Kind::Path)
    return nullptr;
  SourcePos site = offset_in_string(SourcePos{file, tmpl->line, tmpl->column}, t.parts[0].offset);
  return read_path(t.parts[0].expr->path, site, false, "");
}

const Value* Evaluation::interpolate(const Value* tmpl, FileId file) {
  return make::string(arena_, render(*tmpl->tmpl, SourcePos{file, tmpl->line, tmpl->column}), tmpl->line, tmpl->column);
}

}  // namespace sc

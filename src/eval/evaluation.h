// One evaluation: the host's configuration, or one user's home. Options are
// forced lazily and memoised; an option being forced is marked busy first
// (Nix's blackhole), so a cycle is reported as the whole chain of options
// instead of recursing forever.
//
// The class is one state (what is forced, what is busy); its jobs live in
// one file each:
//   evaluation.cc  indexing definitions, forcing options and elements, cycles
//   blocks.cc      [[when]] guards and [[for]] expansion: instances of blocks,
//                  generated definitions, the keys of an iterated option
//   reading.cc     paths in conditions and templates: options, bindings, os.*,
//                  user.*; the condition language
//   templates.cc   rendering `{{ }}` strings and files; assertions, warnings
// and, outside the class, filters.cc (template filters) and merge.cc.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "declare/option_tree.h"
#include "eval/eval_error.h"
#include "eval/merge.h"
#include "eval/scope.h"
#include "eval/written_objects.h"
#include "load/module.h"
#include "load/template.h"
#include "util/arena.h"
#include "util/diagnostic.h"

namespace sc {

// What `{{ user.name }}` and `{{ user.home }}` read in a home evaluation.
struct UserContext {
  std::string name;
  std::string home;
};

class Evaluation : public Interpolator {
 public:
  // `modules` and `decls` must outlive the evaluation. Errors go to `diags`.
  Evaluation(const std::vector<Module>& modules, const Declarations& decls, const SourceFiles& files,
             Diagnostics& diags);

  // Makes this a home evaluation: `os.*` reads `os`, `user.*` reads `user`.
  void set_home_context(Evaluation* os, UserContext user);
  bool is_home() const { return os_ != nullptr; }
  const UserContext& user() const { return user_; }

  // The index stage: attaches every definition to the option it defines.
  // Reports every unknown option; returns false if there was one.
  bool index();

  enum class Status { Value, Absent, Failed };
  struct Result {
    Status status;
    const Value* value = nullptr;
  };

  // Forces one option. Errors are reported to the diagnostics once.
  Result option_value(const OptionInfo& option);
  // The value at a dotted path (an option, a path into one, or a group of
  // options), as `sysconf eval OPTION` shows it.
  // With `allow_absent`, a missing value or attribute is Absent, not an error.
  Result lookup(const std::vector<std::string>& path, bool allow_absent = false);
  // Every option that has a value, nested by path. Options without a value
  // are left out; errors of all options are reported.
  const Value* whole_tree();
  // Checks every module's assertions (errors) and warnings.
  void run_checks();

  // Renders a template string at `base` to text, reading the bindings of
  // `scope`. With `source_text` (a template file), positions come from the
  // offset into that text instead. Throws EvalError / EvalAborted.
  std::string render(const Template& tmpl, SourcePos base, std::string_view source_text = {},
                     const Scope* scope = nullptr);
  // Renders a template file; errors are reported, and nullopt returned.
  std::optional<std::string> render_file(const Template& tmpl, FileId file, std::string_view text);
  const Value* interpolate(const Value* tmpl, FileId file, const Scope* scope) override;
  const Value* reference(const Value* tmpl, FileId file, const Scope* scope) override;

  // For `sysconf option`: the definitions of an option, generated ones
  // included (an error expanding them is reported), and whether each one's
  // conditions hold (nullopt when evaluating them failed).
  const std::vector<MergeDef>& definitions_of(const OptionInfo& option);
  std::optional<bool> definition_active(const MergeDef& def);
  // The innermost [[when]] or [[for]] `if` that guards a definition
  // (MergeDef::when), or nullptr: its condition text and position.
  const Block* guard_block(int32_t guard) const { return guard < 0 ? nullptr : guards_[guard].block; }

  // Where `path` (an option or a path into one) was defined: the first
  // active-or-not definition that reaches it, else the declaration. For
  // errors found after evaluation, when rendering.
  // A definition made by a [[for]] that passes its element whole
  // ("{{ file.value }}") is followed to the element's own definition.
  SourcePos definition_site(const std::vector<std::string>& path) const;
  // The same, with the path that definition wrote: errors name it
  // (`xdg.configFile."x"`, not the home.file element it becomes).
  struct Origin {
    std::vector<std::string> path;
    SourcePos pos;
  };
  Origin definition_origin(const std::vector<std::string>& path) const;

  // Whether `path` names a declared option (reading it is then never an
  // unknown-option error).
  bool declares(const std::vector<std::string>& path) const;

  const Declarations& declarations() const { return decls_; }
  const std::vector<Module>& modules() const { return modules_; }
  Arena& arena() { return arena_; }
  // The store objects its templates wrote (`| writeScript`), for the render stage.
  const std::vector<WrittenObject>& written_objects() const { return written_.all(); }

 private:
  // One `{{ }}`'s value: its expression through its filters (`at` gives a
  // filter's position); null when omitEmpty left it out.
  const Value* filtered(const TemplatePart& part, SourcePos site, const std::function<SourcePos(uint32_t)>& at,
                        const Scope* scope);
  // The active definition of `path` that names the most of it, or null; `at`:
  // where the option ends in `path`; `declared`: the option's declaration.
  const MergeDef* best_definition(const std::vector<std::string>& path, size_t& at, SourcePos& declared) const;
  enum class State : uint8_t { Todo, Busy, Done, Failed };
  struct Frame {
    const OptionInfo* option;
    std::string element;  // for an attrsOf element forced alone: its key
    SourcePos read_site;  // where it was read from (unknown for a root)
    std::string name() const;
  };
  struct ElementResult {
    State state = State::Todo;
    const Value* value = nullptr;
  };
  // One expansion of a block: the bindings its contents read, and the guard
  // (its own `if` and those of the blocks around it) they are defined under.
  struct Instance {
    const Scope* scope;
    int32_t guard;
  };
  // A block as numbered across all modules.
  struct BlockInfo {
    const Block* block;
    int32_t parent;  // global number, or -1
    FileId file;
    State state = State::Todo;
    uint32_t depth = 0;                  // stack depth when its instances began
    std::vector<Instance> instances;
  };
  // A condition to hold, with the bindings it reads: a [[when]], or the `if`
  // of one [[for]] element. The guard of a definition is true when its own
  // condition and its parent's are.
  struct Guard {
    const Block* block;  // its condition is block->condition; null condition: only the parent's
    const Scope* scope;
    int32_t parent;      // the guard of the enclosing block's instance, or -1
    FileId file;
    uint8_t state = 0;   // 0 unknown, 1 true, 2 false, 3 busy, 4 failed
    uint32_t depth = 0;  // stack depth when it became busy
  };
  // A definition under a [[for]], or with {{ }} in its keys: expanded into
  // one MergeDef per instance of its block when its option is first read.
  struct Generator {
    MergeDef def;                           // `rest` may hold templates
    const Template* const* rest_templates;  // one per segment of def.rest, or null
    int32_t block;                          // global number, or -1
  };

  // evaluation.cc
  const Value* force(const OptionInfo& option, SourcePos read_site);  // nullptr: no value
  const Value* compute(const OptionInfo& option);
  // The definitions of `option` whose conditions hold, generated ones included.
  std::vector<MergeDef> active_definitions(const OptionInfo& option);
  // One element of an attrsOf option, merged without the others.
  const Value* force_element(const OptionInfo& option, const std::string& key, SourcePos read_site);
  [[noreturn]] void cycle_at(const OptionInfo& option, const std::string& element, SourcePos read_site);
  [[noreturn]] void cycle(size_t from_frame, SourcePos closing_site, const std::string& closing_name);
  template <typename F>
  const Value* guarded(Frame frame, State& state, F&& compute);
  [[noreturn]] void used_without_value(const OptionInfo& option, SourcePos site, std::string_view shown_prefix = {});
  void add_trace(Diagnostic& d) const;
  void record(EvalError& e);

  // blocks.cc
  void index_blocks(const Module& module);
  // Sends a definition under a [[for]] (or with templated keys) to the
  // options it can define, checking that only attrsOf keys are templated.
  void index_generator(const Definition& def, const MergeDef& md, int32_t block, std::vector<Diagnostic>& errors);
  // Adds the generated definitions of `option` to defs_, once.
  void expand(const OptionInfo& option, SourcePos read_site);
  const std::vector<Instance>& instances(int32_t block, SourcePos read_site);
  // The elements of a [[for]]'s `each` in the bindings of `parent`.
  void iterate(const BlockInfo& info, const Instance& parent, std::vector<Instance>& out);
  // The keys of an attrsOf option, without forcing the elements' values.
  std::vector<std::string> element_keys(const OptionInfo& option, SourcePos read_site);
  bool guard_holds(int32_t guard);
  // The generated keys of a generator's definition in the bindings of `scope`.
  const std::string_view* render_keys(const Generator& g, const Scope* scope);
  // Adds, to a cycle from stack frame `from_frame` on, a note per [[for]]
  // that was expanding inside it; whether there was one.
  bool note_busy_blocks(Diagnostic& d, size_t from_frame) const;

  // reading.cc
  const Value* eval_expr(const Expr* e, SourcePos base, const Scope* scope);
  // `shown_prefix` is put before option names in messages ("os." when a
  // home reads the system).
  const Value* read_path(const std::vector<std::string>& path, SourcePos site, bool allow_absent,
                         std::string_view shown_prefix, const Scope* scope = nullptr);
  const Value* read_binding(const Scope& binding, const std::vector<std::string>& path, SourcePos site,
                            bool allow_absent);
  // Follows path[from...] into `v`, naming `path` in errors.
  const Value* walk_into(const Value* v, const std::vector<std::string>& path, size_t from, SourcePos site,
                         bool allow_absent, std::string_view shown_prefix);
  const Value* subtree(const OptionNode* node, SourcePos site);

  const std::vector<Module>& modules_;
  const Declarations& decls_;
  const SourceFiles& files_;
  Diagnostics& diags_;
  Arena arena_;
  WrittenObjects written_;
  Merger merger_;

  Evaluation* os_ = nullptr;
  UserContext user_;

  std::vector<std::vector<MergeDef>> defs_;  // per option id; generated ones appended by expand()
  std::vector<State> state_;
  std::map<std::pair<uint32_t, std::string>, ElementResult> elements_;
  std::vector<const Value*> value_;
  std::vector<BlockInfo> blocks_;            // every module's blocks, globally numbered
  std::vector<Guard> guards_;
  std::vector<Generator> generators_;
  std::vector<std::vector<uint32_t>> generators_of_;  // per option id: indices into generators_
  std::vector<State> expanded_;                       // per option id
  std::vector<uint32_t> expand_depth_;                // per option id: the stack frame that began expanding it
  std::map<uint32_t, std::vector<std::string>> keys_;  // element_keys(), per option id
  std::vector<State> keys_state_;                     // per option id
  std::vector<Frame> stack_;
  // Each recorded error's site and message, to record it once; a home shares
  // its system's, as its reads of `os.*` find the system's errors again.
  std::shared_ptr<std::set<std::string>> reported_ = std::make_shared<std::set<std::string>>();
};

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

}  // namespace sc

// One evaluation: the host's configuration, or one user's home. Options are
// forced lazily and memoised; an option being forced is marked busy first
// (Nix's blackhole), so a cycle is reported as the whole chain of options
// instead of recursing forever.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "declare/option_tree.h"
#include "eval/eval_error.h"
#include "eval/merge.h"
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

  // Renders a template string at `base` to text. With `source_text` (a
  // template file), positions come from the offset into that text instead.
  // Throws EvalError / EvalAborted.
  std::string render(const Template& tmpl, SourcePos base, std::string_view source_text = {});
  // Renders a template file; errors are reported, and nullopt returned.
  std::optional<std::string> render_file(const Template& tmpl, FileId file, std::string_view text);
  const Value* interpolate(const Value* tmpl, FileId file) override;
  const Value* reference(const Value* tmpl, FileId file) override;

  // For `sysconf option`: the definitions of an option, and whether each
  // one's condition holds (nullopt when evaluating it failed).
  const std::vector<MergeDef>& definitions_of(const OptionInfo& option) const { return defs_[option.id]; }
  std::optional<bool> definition_active(const MergeDef& def);
  // The [[when]] block that guards a definition (MergeDef::when), or nullptr
  // for -1.
  const WhenBlock* when_block(int32_t when) const { return when < 0 ? nullptr : whens_[when]; }

  // Where `path` (an option or a path into one) was defined: the first
  // active-or-not definition that reaches it, else the declaration. For
  // errors found after evaluation, when rendering.
  SourcePos definition_site(const std::vector<std::string>& path) const;

  // Whether `path` names a declared option (reading it is then never an
  // unknown-option error).
  bool declares(const std::vector<std::string>& path) const;

  const Declarations& declarations() const { return decls_; }
  const std::vector<Module>& modules() const { return modules_; }
  Arena& arena() { return arena_; }

 private:
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

  const Value* force(const OptionInfo& option, SourcePos read_site);  // nullptr: no value
  const Value* compute(const OptionInfo& option);
  // The definitions of `option` whose conditions hold.
  std::vector<MergeDef> active_definitions(const OptionInfo& option);
  // One element of an attrsOf option, merged without the others.
  const Value* force_element(const OptionInfo& option, const std::string& key, SourcePos read_site);
  [[noreturn]] void cycle_at(const OptionInfo& option, const std::string& element, SourcePos read_site);
  bool when_holds(int32_t when);
  const Value* eval_expr(const Expr* e, SourcePos base);
  // `shown_prefix` is put before option names in messages ("os." when a
  // home reads the system).
  const Value* read_path(const std::vector<std::string>& path, SourcePos site, bool allow_absent,
                         std::string_view shown_prefix);
  const Value* subtree(const OptionNode* node, SourcePos site);
  [[noreturn]] void cycle(size_t from_frame, SourcePos closing_site, const std::string& closing_name);
  template <typename F>
  const Value* guarded(Frame frame, State& state, F&& compute);
  [[noreturn]] void used_without_value(const OptionInfo& option, SourcePos site, std::string_view shown_prefix = {});
  void add_trace(Diagnostic& d) const;
  void record(EvalError& e);

  const std::vector<Module>& modules_;
  const Declarations& decls_;
  const SourceFiles& files_;
  Diagnostics& diags_;
  Arena arena_;
  Merger merger_;

  Evaluation* os_ = nullptr;
  UserContext user_;

  std::vector<std::vector<MergeDef>> defs_;  // per option id
  std::vector<State> state_;
  std::map<std::pair<uint32_t, std::string>, ElementResult> elements_;
  std::vector<const Value*> value_;
  std::vector<const WhenBlock*> whens_;      // every module's [[when]] blocks, globally numbered
  std::vector<uint8_t> when_state_;          // 0 unknown, 1 true, 2 false, 3 busy, 4 failed
  std::vector<uint32_t> when_depth_;         // stack depth when a busy block started
  std::vector<Frame> stack_;
};

}  // namespace sc

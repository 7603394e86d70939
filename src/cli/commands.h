// The subcommands. Each returns the process's exit code; only main exits.
#pragma once

#include <optional>
#include <string>

#include "cli/context.h"

namespace sc {

struct EvalOptions {
  std::optional<std::string> option;  // a dotted path; the whole tree when absent
  std::optional<std::string> user;    // evaluate this user's home instead
  bool json = false;
};
int run_eval(CommandContext& ctx, const EvalOptions& options);

struct OptionOptions {
  std::string option;
  std::optional<std::string> user;
};
int run_option(CommandContext& ctx, const OptionOptions& options);

int run_check(CommandContext& ctx);

struct BuildOptions {
  bool dry_run = false;
  bool json = false;
  bool activate = false;  // switch
  bool no_backup = false;
  bool wait = false;
};
int run_build(CommandContext& ctx, const BuildOptions& options);

struct RollbackOptions {
  std::optional<int> to;
  bool dry_run = false;
  bool json = false;
  bool wait = false;
};
int run_rollback(CommandContext& ctx, const RollbackOptions& options);

int run_generations(CommandContext& ctx, bool json);

struct DiffOptions {
  std::optional<int> a;
  std::optional<int> b;
  bool json = false;
};
int run_diff(CommandContext& ctx, const DiffOptions& options);

struct GcOptions {
  std::optional<int> keep;
  std::optional<int64_t> older_than_days;
  bool dry_run = false;
};
int run_gc(CommandContext& ctx, const GcOptions& options);

struct RepairOptions {
  bool dry_run = false;
};
int run_repair(CommandContext& ctx, const RepairOptions& options);

struct DocsOptions {
  std::string format = "md";
};
int run_docs(CommandContext& ctx, const DocsOptions& options);

}  // namespace sc

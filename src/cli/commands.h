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

struct DocsOptions {
  std::string format = "md";
};
int run_docs(CommandContext& ctx, const DocsOptions& options);

}  // namespace sc

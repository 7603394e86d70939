// Opening the configuration a command works on: the repository, the selected
// host, its evaluation and, on request, its users' homes.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cli/context.h"
#include "eval/pipeline.h"
#include "load/repo.h"

namespace sc {

struct HostSession {
  Repo repo;
  HostEvaluation host;
  // The evaluation of the system, or of `user`'s home. Null (with a
  // diagnostic) when there is no such user.
  Evaluation* evaluation_for(const std::optional<std::string>& user, CommandContext& ctx);
};

// Null when the repository or host cannot be loaded, or the evaluation
// could not be prepared; the diagnostics say why.
std::unique_ptr<HostSession> open_host(CommandContext& ctx, bool with_homes);

// The options the library's own modules declare (`home`: its home modules),
// without a configuration: what `docs` lists with no host, and where
// `option` finds a home option asked for without --user.
struct LibraryDeclarations {
  LoadedModules modules;                // the declarations point into these
  std::unique_ptr<Declarations> decls;  // null when loading or declaring failed (diagnostics say why)
};
std::unique_ptr<LibraryDeclarations> declare_library(const std::vector<std::string>& library_dirs, bool home,
                                                     CommandContext& ctx);

// Parses a dotted option path from the command line; reports a usage error.
std::optional<std::vector<std::string>> option_path_argument(const std::string& text);

}  // namespace sc

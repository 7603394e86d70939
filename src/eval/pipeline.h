// The stages from files to an evaluated configuration, for a host and for
// each of its users: load → declare → index → (lazy) evaluate.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "declare/option_tree.h"
#include "eval/evaluation.h"
#include "load/loader.h"
#include "load/repo.h"

namespace sc {

struct EvaluatedConfig {
  LoadedModules loaded;
  std::unique_ptr<Declarations> decls;
  std::unique_ptr<Evaluation> eval;
  // Whether evaluation can go on: every module was found and parsed. Errors
  // in declarations or unknown options do not stop it, so that one run
  // reports all of them; the diagnostics decide the exit code.
  bool ok = false;
};

// Loads and prepares one evaluation of `roots`. `os`/`user` make it a home.
// `reader`: how the files are read (load_modules).
std::unique_ptr<EvaluatedConfig> prepare(const std::vector<ModuleRoot>& roots, SourceFiles& files, Diagnostics& diags,
                                         const ConfigReader* reader, Evaluation* os = nullptr,
                                         const UserContext* user = nullptr);

struct HomeEvaluation {
  UserContext user;
  std::unique_ptr<EvaluatedConfig> config;
};

struct HostEvaluation {
  const HostSpec* host = nullptr;
  std::unique_ptr<EvaluatedConfig> system;
  std::vector<HomeEvaluation> homes;  // sorted by user name
};

// Prepares the host's system evaluation and, when `with_homes`, one home
// evaluation per `home-manager.users.<name>` (forcing that option).
HostEvaluation prepare_host(const HostSpec& host, SourceFiles& files, Diagnostics& diags, bool with_homes);

}  // namespace sc

#include "cli/host_session.h"

#include <fmt/format.h>

#include "load/condition.h"
#include "util/text.h"

namespace sc {

std::unique_ptr<HostSession> open_host(CommandContext& ctx, bool with_homes) {
  auto session = std::make_unique<HostSession>();
  std::string dir = find_config_dir(ctx.options().config_dir);
  auto repo = load_repo(dir, ctx.files(), ctx.diags());
  if (!repo || ctx.diags().has_errors()) return nullptr;
  session->repo = std::move(*repo);
  const HostSpec* host = select_host(session->repo, ctx.options().host, ctx.diags());
  if (!host) return nullptr;
  session->host = prepare_host(*host, ctx.files(), ctx.diags(), with_homes);
  if (!session->host.system->ok) return nullptr;
  for (const HomeEvaluation& home : session->host.homes)
    if (!home.config->ok) return nullptr;
  return session;
}

Evaluation* HostSession::evaluation_for(const std::optional<std::string>& user, CommandContext& ctx) {
  if (!user) return host.system->eval.get();
  std::vector<std::string> names;
  for (HomeEvaluation& home : host.homes) {
    if (home.user.name == *user) return home.config->eval.get();
    names.push_back("`" + home.user.name + "`");
  }
  ctx.diags().error(fmt::format("host `{}` gives no home configuration to user `{}`", host.host->name, *user), SourcePos{},
                    names.empty() ? std::string("set home-manager.users.NAME.modules in the host's configuration")
                                  : fmt::format("the users with a home configuration are {}", list_words(names, " and ")));
  return nullptr;
}

std::unique_ptr<LibraryDeclarations> declare_library(const std::vector<std::string>& library_dirs, bool home,
                                                     CommandContext& ctx) {
  auto out = std::make_unique<LibraryDeclarations>();
  std::vector<ModuleRoot> roots;
  for (const std::string& dir : library_dirs)
    for (const std::string& file : library_modules(dir, home)) roots.push_back(ModuleRoot{file, {}});
  out->modules = load_modules(roots, ctx.files(), ctx.diags());
  if (out->modules.complete) out->decls = declare_options(out->modules.modules, ctx.diags());
  return out;
}

std::optional<std::vector<std::string>> option_path_argument(const std::string& text) {
  std::vector<std::string> path;
  ParseFailure failure;
  if (!parse_option_path(text, path, failure)) {
    fmt::print(stderr, "error: malformed option path `{}`: {} (at character {})\n", text, failure.message,
               failure.offset + 1);
    return std::nullopt;
  }
  return path;
}

}  // namespace sc

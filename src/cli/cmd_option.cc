// sysconf option OPTION: what nixos-option shows: type, description,
// default, value, and every definition with its site and priority.
#include <cstdio>

#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/host_session.h"
#include "cli/value_text.h"
#include "util/json_writer.h"
#include "util/text.h"

namespace sc {

namespace {

std::string site(const SourceFiles& files, SourcePos pos) {
  pos = files.resolve(pos);
  return pos.known() ? fmt::format("{}:{}:{}", files.display(pos.file), pos.line, pos.column) : "(unknown)";
}

// Whether `path` reaches an option (or a group of them) that the library's
// home modules declare.
bool is_home_option(const std::vector<std::string>& library_dirs, const std::vector<std::string>& path,
                    CommandContext& ctx) {
  CommandContext probe(ctx.options());  // a home library that does not load is no answer, not an error here
  auto library = declare_library(library_dirs, true, probe);
  if (!library->decls) return false;
  const OptionTree& tree = library->decls->tree;
  const OptionNode* node = tree.root();
  for (const std::string& segment : path) {
    node = tree.child(node, segment);
    if (!node) return false;
    if (node->option) return true;
  }
  return true;
}

}  // namespace

int run_option(CommandContext& ctx, const OptionOptions& options) {
  auto path = option_path_argument(options.option);
  if (!path) return kExitUsage;
  auto session = open_host(ctx, options.user.has_value());
  if (!session) return ctx.report();
  Evaluation* eval = session->evaluation_for(options.user, ctx);
  if (!eval) return ctx.report();

  const OptionTree& tree = eval->declarations().tree;
  const OptionNode* node = tree.root();
  for (const std::string& segment : *path) {
    const OptionNode* child = tree.child(node, segment);
    if (!child) {
      std::string wanted = join_path(*path);
      std::vector<std::string_view> after(path->begin() + (&segment - path->data()) + 1, path->end());
      auto near = tree.suggest(node, segment, after);
      if (!options.user && is_home_option(session->host.host->library_dirs, *path, ctx)) {
        ctx.diags().error(fmt::format("`{}` is a home option, declared for each user's home", wanted), SourcePos{},
                          fmt::format("add --user NAME: sysconf option --user NAME {}", wanted));
        return ctx.report();
      }
      ctx.diags().error(fmt::format("no option `{}` is declared", wanted), SourcePos{},
                        near.empty() ? std::string("`sysconf docs` lists every option")
                                     : fmt::format("did you mean `{}`?", near[0]));
      return ctx.report();
    }
    node = child;
    if (node->option) break;
  }
  std::string out;
  if (!node->option) {
    out += fmt::format("`{}` is a group of options:\n", join_path(*path));
    for (const OptionNode* child : node->children) out += fmt::format("  {}\n", OptionTree::node_path(child));
    std::fputs(out.c_str(), stdout);
    return kExitOk;
  }
  const OptionInfo& option = *node->option;
  const OptionDecl& decl = *option.decl;
  const SourceFiles& files = ctx.files();
  out += fmt::format("Option:      {}\n", option.name);
  out += fmt::format("Type:        {}\n", describe_type(*option.type));
  if (!decl.description.empty()) out += fmt::format("Description: {}\n", decl.description);
  out += fmt::format("Default:     {}\n", decl.default_value ? show_source_value(decl.default_value)
                                                              : option.type->kind == Type::Kind::NullOr ? "null" : "(none)");
  if (decl.example) out += fmt::format("Example:     {}\n", show_source_value(decl.example));
  if (decl.read_only) out += "Read-only:   yes\n";
  Evaluation::Result value = eval->option_value(option);
  switch (value.status) {
    case Evaluation::Status::Value: out += fmt::format("Value:       {}\n", to_json(value.value)); break;
    case Evaluation::Status::Absent: out += "Value:       (none: not defined, and no default)\n"; break;
    case Evaluation::Status::Failed: out += "Value:       (error, see below)\n"; break;
  }
  out += fmt::format("Declared in: {}\n", site(files, option.pos));
  const auto& defs = eval->definitions_of(option);
  out += fmt::format("Definitions: {}\n", defs.size());
  // The priority that counts at the option's level, among active definitions.
  std::vector<std::optional<bool>> active;
  int32_t best = kPriorityOptionDefault;
  for (const MergeDef& d : defs) {
    active.push_back(eval->definition_active(d));
    if (active.back().value_or(false)) best = std::min(best, level_priority(d));
  }
  for (size_t i = 0; i < defs.size(); ++i) {
    const MergeDef& d = defs[i];
    std::vector<std::string_view> rest(d.rest, d.rest + d.rest_size);
    std::string at = rest.empty() ? std::string() : fmt::format("  at .{}", join_path(rest));
    std::string order = d.order != kOrderDefault ? fmt::format("  order {}", d.order) : "";
    std::string state = !active[i]               ? "  (condition failed)"
                        : !*active[i]            ? "  (inactive: its condition is false)"
                        : level_priority(d) > best ? fmt::format("  (overridden by priority {})", best)
                                                   : "";
    std::string elements = describe_elements(d.scope);
    std::string where = elements.empty() ? site(files, d.pos) : site(files, d.pos) + ", " + elements;
    out += fmt::format("  {}  priority {}{}{}{}\n    {}\n", where, d.priority, order, at, state,
                       show_source_value(d.value));
  }
  std::fputs(out.c_str(), stdout);
  std::fflush(stdout);
  return ctx.report();
}

}  // namespace sc

// sysconf: NixOS-style declarative configuration for a systemd machine.
// Parses the command line, runs one command, and turns its result into the
// exit code of DESIGN.md section 8. The only place that exits.
#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

#include "cli/commands.h"

#include <fmt/format.h>

#include "util/text.h"

using namespace sc;

namespace {

// Usage errors in sysconf's own style, with the unknown-subcommand case
// named (CLI11 would only say that a subcommand is required).
void report_usage_error(const CLI::App& app, int argc, char** argv, const CLI::ParseError& e) {
  std::vector<std::string> names;
  for (const CLI::App* sub : app.get_subcommands({})) names.push_back(sub->get_name());
  static const std::vector<std::string> kTakesValue = {"--config", "--root", "--host", "--color"};
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (std::find(kTakesValue.begin(), kTakesValue.end(), arg) != kTakesValue.end()) {
      ++i;
      continue;
    }
    if (arg.starts_with("-")) continue;
    if (std::find(names.begin(), names.end(), arg) != names.end()) break;
    auto near = closest_names(arg, names, 1);
    fmt::print(stderr, "error: unknown subcommand `{}`\nhelp: {}he subcommands are {}\n", arg,
               near.empty() ? "t" : fmt::format("did you mean `{}`? T", near[0]), list_words(names, " and "));
    return;
  }
  fmt::print(stderr, "error: {}\nhelp: run `sysconf --help`, or `sysconf SUBCOMMAND --help`\n", e.what());
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"sysconf: declarative configuration for a systemd machine, in TOML modules", "sysconf"};
  app.set_version_flag("--version", std::string("sysconf ") + SYSCONF_VERSION);
  app.require_subcommand(1);
  app.fallthrough();  // global flags may follow the subcommand

  GlobalOptions global;
  app.add_option("--config", global.config_dir, "the configuration directory (default: . if it has sysconf.toml, else /etc/sysconf)");
  app.add_option("--root", global.root, "the root every path is below (default: /)");
  app.add_option("--host", global.host, "the host to evaluate (default: this machine's hostname)");
  app.add_flag("--show-trace", global.show_trace, "show the chain of evaluation that led to an error");
  app.add_flag_function("-v,--verbose", [&](int64_t n) { global.verbosity += static_cast<int>(n); }, "more output");
  app.add_flag_function("-q,--quiet", [&](int64_t) { global.verbosity = -1; }, "only errors");
  app.add_option("--color", global.color, "auto, always or never")->check(CLI::IsMember({"auto", "always", "never"}));

  EvalOptions eval_options;
  CLI::App* eval = app.add_subcommand("eval", "print the merged configuration, or one option's value");
  eval->add_option("OPTION", eval_options.option, "a dotted option path, as environment.etc.\"a.conf\".text");
  eval->add_option("--user", eval_options.user, "evaluate this user's home configuration");
  eval->add_flag("--json", eval_options.json, "compact JSON with sorted keys");

  OptionOptions option_options;
  CLI::App* option = app.add_subcommand("option", "show an option: type, description, default, value, definitions");
  option->add_option("OPTION", option_options.option, "a dotted option path")->required();
  option->add_option("--user", option_options.user, "look in this user's home configuration");

  CLI::App* check = app.add_subcommand("check", "evaluate every host and user completely, with assertions");

  DocsOptions docs_options;
  CLI::App* docs = app.add_subcommand("docs", "print the reference of every declared option");
  docs->add_option("--format", docs_options.format, "md or man")->check(CLI::IsMember({"md", "man"}));

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    report_usage_error(app, argc, argv, e);
    return kExitUsage;
  }

  CommandContext ctx(global);
  setup_logging(global.verbosity, global.color == "always");
  if (eval->parsed()) return run_eval(ctx, eval_options);
  if (option->parsed()) return run_option(ctx, option_options);
  if (check->parsed()) return run_check(ctx);
  if (docs->parsed()) return run_docs(ctx, docs_options);
  return kExitUsage;
}

// sysconf: NixOS-style declarative configuration for a systemd machine.
// Parses the command line, runs one command, and turns its result into the
// exit code of DESIGN.md section 8. The only place that exits.
#include <sys/stat.h>

#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

#include "cli/commands.h"
#include "eval/eval_error.h"

#include <fmt/format.h>

#include "util/test_seams.h"
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
  // Every file and directory gets an explicit mode; the children sysconf
  // runs (hooks, package managers, onChange) get the umask an activation
  // expects, as NixOS's activation sets it, not a caller's 077.
  umask(022);
  CLI::App app{"sysconf: declarative configuration for a systemd machine, in TOML modules", "sysconf"};
  app.set_version_flag("--version", std::string("sysconf ") + SYSCONF_VERSION +
                                        (test_seams_enabled() ? " (test build: SYSCONF_TEST_* honoured)" : ""));
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

  BuildOptions build_options;
  CLI::App* build = app.add_subcommand("build", "evaluate and build a generation; --dry-run writes nothing");
  build->add_flag("--dry-run", build_options.dry_run, "evaluate, render and plan, and write nothing");
  build->add_flag("--json", build_options.json, "machine-readable output");
  build->add_flag("--wait", build_options.wait, "wait for another sysconf instead of failing");

  BuildOptions switch_options;
  switch_options.activate = true;
  CLI::App* switch_cmd = app.add_subcommand("switch", "build a generation and activate it");
  switch_cmd->add_flag("--dry-run", switch_options.dry_run, "print the plan and change nothing");
  switch_cmd->add_flag("--json", switch_options.json, "machine-readable output");
  switch_cmd->add_flag("--no-backup", switch_options.no_backup,
                       "stop before changing anything if an unmanaged file is in the way");
  switch_cmd->add_flag("--wait", switch_options.wait, "wait for another sysconf instead of failing");

  RollbackOptions rollback_options;
  CLI::App* rollback = app.add_subcommand("rollback", "activate an earlier generation, without rebuilding");
  rollback->add_option("--to", rollback_options.to, "the generation's number (default: the one before the current)");
  rollback->add_flag("--dry-run", rollback_options.dry_run, "print the plan and change nothing");
  rollback->add_flag("--json", rollback_options.json, "machine-readable output");
  rollback->add_flag("--wait", rollback_options.wait, "wait for another sysconf instead of failing");

  bool generations_json = false;
  CLI::App* generations = app.add_subcommand("generations", "list the generations");
  generations->add_flag("--json", generations_json, "machine-readable output");

  DiffOptions diff_options;
  CLI::App* diff = app.add_subcommand("diff", "files, units, packages and users between two generations");
  diff->add_option("A", diff_options.a, "the older generation (default: the one before B)");
  diff->add_option("B", diff_options.b, "the newer generation (default: the current one)");
  diff->add_flag("--json", diff_options.json, "machine-readable output");

  GcOptions gc_options;
  std::string older_than;
  CLI::App* gc = app.add_subcommand("gc", "drop old generations and remove unused store objects");
  gc->add_option("--keep", gc_options.keep, "keep the newest N generations of each profile");
  gc->add_option("--older-than", older_than, "drop generations older than this many days, as 30d");
  gc->add_flag("--dry-run", gc_options.dry_run, "say what would go, remove nothing");

  RepairOptions repair_options;
  CLI::App* repair = app.add_subcommand("repair", "set damaged records in /var/lib/sysconf aside and rebuild them");
  repair->add_flag("--dry-run", repair_options.dry_run, "say what is damaged and what would be done, change nothing");

  EvalOptions eval_options;
  CLI::App* eval = app.add_subcommand("eval", "print the merged configuration, or one option's value");
  eval->add_option("OPTION", eval_options.option, "a dotted option path, as environment.etc.\"a.conf\".text");
  eval->add_option("--user", eval_options.user, "evaluate this user's home configuration");
  eval->add_flag("--json", eval_options.json, "compact JSON with sorted keys");

  OptionOptions option_options;
  CLI::App* option = app.add_subcommand("option", "show an option: type, description, default, value, definitions");
  option->add_option("OPTION", option_options.option, "a dotted option path")->required();
  option->add_option("--user", option_options.user, "look in this user's home configuration");

  CLI::App* check = app.add_subcommand("check", "evaluate and render every host and user completely, with assertions, writing nothing");

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

  if (!older_than.empty()) {
    std::string days = older_than;
    if (days.back() == 'd') days.pop_back();
    if (days.empty() || days.find_first_not_of("0123456789") != std::string::npos) {
      fmt::print(stderr, "error: --older-than takes a number of days, as 30d\n");
      return kExitUsage;
    }
    gc_options.older_than_days = std::stoll(days);
  }
  CommandContext ctx(global);
  setup_logging(global.verbosity, global.color == "always");
  // Commands report every expected failure as a diagnostic; anything else
  // still reaches the user as a message and a documented exit code, never
  // an abort. An activation it interrupts is in the journal: the next run
  // finishes it, as after a crash.
  auto run_command = [&](CommandContext& ctx) {
    if (build->parsed()) return run_build(ctx, build_options);
    if (switch_cmd->parsed()) return run_build(ctx, switch_options);
    if (rollback->parsed()) return run_rollback(ctx, rollback_options);
    if (generations->parsed()) return run_generations(ctx, generations_json);
    if (diff->parsed()) return run_diff(ctx, diff_options);
    if (gc->parsed()) return run_gc(ctx, gc_options);
    if (repair->parsed()) return run_repair(ctx, repair_options);
    if (eval->parsed()) return run_eval(ctx, eval_options);
    if (option->parsed()) return run_option(ctx, option_options);
    if (check->parsed()) return run_check(ctx);
    if (docs->parsed()) return run_docs(ctx, docs_options);
    return static_cast<int>(kExitUsage);
  };
  try {
    return run_command(ctx);
  } catch (const std::exception& e) {
    fmt::print(stderr, "error: sysconf failed unexpectedly: {}\n", e.what());
  } catch (const EvalError& e) {
    // Evaluation's errors are turned into diagnostics below here; one that
    // escapes is a bug, but it still has its message.
    fmt::print(stderr, "error: sysconf failed unexpectedly: {}\n", e.diag.message);
  } catch (const EvalAborted&) {
    fmt::print(stderr, "error: sysconf failed unexpectedly\n");
  }
  // Nothing else is thrown by sysconf: anything else terminates, with its core.
  fmt::print(stderr,
             "help: nothing is half-written (each write is atomic); if a switch or rollback was interrupted, the next "
             "one finishes it. Please report this.\n");
  return kExitInternal;
}


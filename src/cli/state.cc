#include "cli/state.h"

#include <cstdio>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "activate/backups.h"
#include "activate/hook_record.h"
#include "activate/journal.h"
#include "activate/packages.h"
#include "activate/state_file.h"
#include "activate/uid_map.h"

namespace sc {

std::unique_ptr<Root> open_root(CommandContext& ctx, bool read_only) {
  try {
    return std::make_unique<Root>(ctx.options().root, read_only);
  } catch (const FsError& e) {
    ctx.diags().error(e.what(), SourcePos{}, "--root names the directory the configured system is in");
    return nullptr;
  }
}

std::optional<int> take_lock(CommandContext& ctx, const Root& root, bool wait, StateLock& lock) {
  try {
    std::string holder;
    if (lock.acquire(root, false, holder)) return std::nullopt;
    if (wait) {
      // Said before blocking, so that a person (or a test) knows why nothing happens.
      fmt::print(stderr, "waiting for another sysconf ({}) to finish\n", holder);
      std::fflush(stderr);
      if (lock.acquire(root, true, holder)) return std::nullopt;
    }
    fmt::print(stderr, "error: another sysconf ({}) is changing this system\nhelp: wait for it to finish, or pass --wait\n",
               holder);
    return kExitLocked;
  } catch (const FsError& e) {
    ctx.diags().error(e.what(), SourcePos{});
    return ctx.report();
  }
}

std::optional<std::string> damage_of(const std::function<void()>& read) {
  try {
    read();
    return std::nullopt;
  } catch (const DamagedState& e) {
    return e.what();
  }
}

std::optional<int> refuse_damaged_state(CommandContext& ctx, const Root& root) {
  std::vector<std::string> damage;
  try {
    for (auto read : std::initializer_list<std::function<void()>>{
             [&] { read_journal(root); }, [&] { read_installed_by_sysconf(root); }, [&] { read_backups(root); },
             [&] { read_hook_record(root); }, [&] { read_uid_map(root); }})
      if (auto what = damage_of(read)) damage.push_back(*what);
  } catch (const FsError& e) {
    damage.push_back(e.what());
  }
  if (damage.empty()) return std::nullopt;
  for (const std::string& what : damage)
    ctx.diags().error(what, SourcePos{},
                      "nothing was changed; `sudo sysconf repair` keeps the damaged file aside and rebuilds what can be "
                      "rebuilt (README: \"When sysconf's own state is damaged\")");
  ctx.report();
  return kExitDamagedState;
}

int finish_activation(CommandContext& ctx, bool ok, const ActivationReport& report, bool json,
                      const std::string& json_head) {
  report.enter("");  // the progress line goes before anything else is printed
  if (json) {
    nlohmann::json j = nlohmann::json::parse(json_head);
    if (!report.plan_text.empty()) j["plan"] = nlohmann::json::parse(report.plan_text);
    j["messages"] = report.messages;
    j["ok"] = ok && !report.failures;
    std::string out = j.dump(2) + "\n";
    std::fputs(out.c_str(), stdout);
  } else {
    // --dry-run's plan; a real run has printed its steps as they happened.
    if (!ctx.quiet()) std::fputs(report.plan_text.c_str(), stdout);
    if (!report.live.print)
      for (const std::string& m : report.messages)
        if (!ctx.quiet() || m.starts_with("error: ")) fmt::print("{}\n", m);
  }
  std::fflush(stdout);
  int code = ctx.report();
  if (code != kExitOk) return code;
  return report.failures ? kExitFailedUnits : kExitOk;
}

}  // namespace sc

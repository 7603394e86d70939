// sysconf generations [--json] and sysconf diff [A] [B].
#include <cstdio>
#include <ctime>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/state.h"
#include "pipeline/generations.h"
#include "plan/generation_diff.h"

namespace sc {

namespace {
std::string date_of(int64_t t) {
  std::time_t time = static_cast<std::time_t>(t);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%d %H:%M:%S", std::gmtime(&time));
  return buffer;
}
}  // namespace

int run_generations(CommandContext& ctx, bool json) {
  auto root = open_root(ctx, true);
  if (!root) return ctx.report();
  Profiles profiles(*root, true);
  auto current = profiles.current("system");
  nlohmann::json list = nlohmann::json::array();
  std::string out;
  for (const ProfileGeneration& g : profiles.list("system")) {
    auto read = read_manifest(*root, g.object);
    const Manifest* m = read.ok() ? &read.value() : nullptr;  // unreadable: listed with "?" for its host
    std::string host = m ? m->host : "?";
    std::string revision = m && m->revision ? m->revision->substr(0, 12) + (m->dirty ? "-dirty" : "") : "-";
    bool is_current = current && *current == g.number;
    list.push_back({{"number", g.number},
                    {"date", date_of(g.time)},
                    {"host", host},
                    {"revision", m && m->revision ? nlohmann::json(*m->revision) : nlohmann::json(nullptr)},
                    {"dirty", m ? m->dirty : false},
                    {"current", is_current},
                    {"generation", g.object}});
    out += fmt::format("{:>4}  {}  {:<12} {:<18} {}\n", g.number, date_of(g.time), host, revision,
                       is_current ? "(current)" : "");
  }
  if (json) out = list.dump(2) + "\n";
  std::fputs(out.c_str(), stdout);
  return ctx.report();
}

int run_diff(CommandContext& ctx, const DiffOptions& options) {
  auto root = open_root(ctx, true);
  if (!root) return ctx.report();
  Profiles profiles(*root, true);
  auto current = profiles.current("system");
  if (!current) {
    ctx.diags().error("there are no generations yet", SourcePos{}, "`sysconf switch` makes the first one");
    return ctx.report();
  }
  int b = options.b.value_or(*current);
  int a = options.a ? *options.a : generation_before(*root, b);
  auto from = load_generation(*root, a, ctx.diags());
  auto to = load_generation(*root, b, ctx.diags());
  if (!from || !to) return ctx.report();
  GenerationDiff diff = compare_manifests(&from->manifest, to->manifest);
  std::string out;
  if (options.json) {
    nlohmann::json j = generation_diff_json(diff);
    j["from"] = a;
    j["to"] = b;
    out = j.dump(2) + "\n";
  } else {
    out = fmt::format("generation {} -> {}\n", a, b) + describe_generation_diff(diff);
  }
  std::fputs(out.c_str(), stdout);
  return ctx.report();
}

}  // namespace sc

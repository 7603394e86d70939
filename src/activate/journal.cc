#include "activate/journal.h"

#include <nlohmann/json.hpp>

#include "store/store.h"

namespace sc {

namespace {
Fd state_dir(const Root& root, bool create) { return open_dir_beneath(root.fd(), Root::relative(kStateDir), create, 0755); }
}  // namespace

std::optional<Journal> read_journal(const Root& root) {
  try {
    Fd dir = state_dir(root, false);
    if (stat_at(dir.get(), "journal.json").type == FileStat::Type::Missing) return std::nullopt;
    auto j = nlohmann::json::parse(read_file_at(dir.get(), "journal.json"));
    Journal out;
    if (j["from"].is_string()) out.from = j["from"].get<std::string>();
    out.to = j.at("to").get<std::string>();
    out.profile_number = j.value("profileNumber", 0);
    out.phase = j.value("phase", "");
    out.units_reload = j.value("unitsToReload", std::vector<std::string>{});
    out.units_restart = j.value("unitsToRestart", std::vector<std::string>{});
    out.units_start = j.value("unitsToStart", std::vector<std::string>{});
    const nlohmann::json home_units = j.value("homeUnits", nlohmann::json::object());
    for (const auto& [user, lists] : home_units.items()) {
      UnitPlan& p = out.home_units[user];
      p.reload = lists.value("unitsToReload", std::vector<std::string>{});
      p.restart = lists.value("unitsToRestart", std::vector<std::string>{});
      p.start = lists.value("unitsToStart", std::vector<std::string>{});
    }
    return out;
  } catch (const FsError&) {
    return std::nullopt;
  } catch (const nlohmann::json::exception&) {
    return std::nullopt;  // torn cannot happen (atomic writes); unreadable means nothing to resume
  }
}

void write_journal(const Root& root, const Journal& journal) {
  nlohmann::json j;
  j["from"] = journal.from ? nlohmann::json(*journal.from) : nlohmann::json(nullptr);
  j["to"] = journal.to;
  j["profileNumber"] = journal.profile_number;
  j["phase"] = journal.phase;
  j["unitsToReload"] = journal.units_reload;
  j["unitsToRestart"] = journal.units_restart;
  j["unitsToStart"] = journal.units_start;
  j["homeUnits"] = nlohmann::json::object();
  for (const auto& [user, p] : journal.home_units)
    j["homeUnits"][user] = {{"unitsToReload", p.reload}, {"unitsToRestart", p.restart}, {"unitsToStart", p.start}};
  Fd dir = state_dir(root, true);
  write_file_at(dir.get(), "journal.json", j.dump(2) + "\n", 0644);
}

void clear_journal(const Root& root) {
  Fd dir = state_dir(root, true);
  unlink_at(dir.get(), "journal.json");
}

}  // namespace sc

#include "activate/journal.h"

#include <nlohmann/json.hpp>

#include "store/store.h"

namespace sc {

namespace {
Fd state_dir(const Root& root, bool create) { return open_dir_beneath(root.fd(), Root::relative(kStateDir), create, 0755); }

UnitPlan read_lists(const nlohmann::json& j) {
  UnitPlan p;
  p.reload = j.value("unitsToReload", std::vector<std::string>{});
  p.restart = j.value("unitsToRestart", std::vector<std::string>{});
  p.start = j.value("unitsToStart", std::vector<std::string>{});
  p.start_if_wanted = j.value("unitsToStartIfWanted", std::vector<std::string>{});
  return p;
}

void write_lists(nlohmann::json& j, const UnitPlan& p) {
  j["unitsToReload"] = p.reload;
  j["unitsToRestart"] = p.restart;
  j["unitsToStart"] = p.start;
  j["unitsToStartIfWanted"] = p.start_if_wanted;
}
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
    out.units = read_lists(j);
    const nlohmann::json home_units = j.value("homeUnits", nlohmann::json::object());
    for (const auto& [user, lists] : home_units.items()) out.home_units[user] = read_lists(lists);
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
  write_lists(j, journal.units);
  j["homeUnits"] = nlohmann::json::object();
  for (const auto& [user, p] : journal.home_units) write_lists(j["homeUnits"][user], p);
  Fd dir = state_dir(root, true);
  write_file_at(dir.get(), "journal.json", j.dump(2) + "\n", 0644);
}

void clear_journal(const Root& root) {
  Fd dir = state_dir(root, true);
  unlink_at(dir.get(), "journal.json");
}

}  // namespace sc

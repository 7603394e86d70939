#include "activate/journal.h"

#include <limits>

#include "activate/state_file.h"
#include "store/store.h"

namespace sc {

namespace {
constexpr const char* kFile = "journal.json";

std::string quoted(const char* key) { return std::string("\"") + key + "\""; }

std::vector<std::string> names(const nlohmann::json& j, const char* key) {
  if (!j.contains(key)) return {};
  const nlohmann::json& list = j[key];
  std::vector<std::string> out;
  if (!list.is_array()) throw_damaged(kFile, quoted(key) + " is not a list");
  for (const auto& n : list) {
    if (!n.is_string()) throw_damaged(kFile, quoted(key) + " holds something that is not a unit name");
    out.push_back(n.get<std::string>());
  }
  return out;
}

UnitPlan read_lists(const nlohmann::json& j) {
  UnitPlan p;
  p.reload = names(j, "unitsToReload");
  p.restart = names(j, "unitsToRestart");
  p.start = names(j, "unitsToStart");
  p.start_if_wanted = names(j, "unitsToStartIfWanted");
  return p;
}

void write_lists(nlohmann::json& j, const UnitPlan& p) {
  j["unitsToReload"] = p.reload;
  j["unitsToRestart"] = p.restart;
  j["unitsToStart"] = p.start;
  j["unitsToStartIfWanted"] = p.start_if_wanted;
}
}  // namespace

Journal journal_from_json(const nlohmann::json& j) {
  if (!j.is_object()) throw_damaged(kFile, "it is not a JSON object");
  Journal out;
  if (!j.contains("from") || !(j["from"].is_string() || j["from"].is_null()))
    throw_damaged(kFile, "\"from\" is missing or not a generation");
  if (j["from"].is_string()) out.from = j["from"].get<std::string>();
  if (!j.contains("to") || !j["to"].is_string() || j["to"].get<std::string>().empty())
    throw_damaged(kFile, "\"to\" is missing or not a generation");
  out.to = j["to"].get<std::string>();
  if (!j.contains("profileNumber") || !j["profileNumber"].is_number_integer() || j["profileNumber"] < 0 ||
      j["profileNumber"] > std::numeric_limits<int>::max())
    throw_damaged(kFile, "\"profileNumber\" is missing or not a generation number");
  out.profile_number = j["profileNumber"].get<int>();
  if (!j.contains("phase") || !j["phase"].is_string()) throw_damaged(kFile, "\"phase\" is missing or not a phase");
  out.phase = j["phase"].get<std::string>();
  out.units = read_lists(j);
  if (j.contains("homeUnits")) {
    if (!j["homeUnits"].is_object()) throw_damaged(kFile, "\"homeUnits\" is not an object");
    for (const auto& [user, lists] : j["homeUnits"].items()) {
      if (!lists.is_object()) throw_damaged(kFile, "\"homeUnits\" of " + user + " is not an object");
      out.home_units[user] = read_lists(lists);
    }
  }
  return out;
}

nlohmann::json journal_to_json(const Journal& journal) {
  nlohmann::json j;
  j["from"] = journal.from ? nlohmann::json(*journal.from) : nlohmann::json(nullptr);
  j["to"] = journal.to;
  j["profileNumber"] = journal.profile_number;
  j["phase"] = journal.phase;
  write_lists(j, journal.units);
  j["homeUnits"] = nlohmann::json::object();
  for (const auto& [user, p] : journal.home_units) write_lists(j["homeUnits"][user], p);
  return j;
}

std::optional<Journal> read_journal(const Root& root) {
  auto j = read_state_file(root, kFile);
  if (!j) return std::nullopt;
  return journal_from_json(*j);
}

void write_journal(const Root& root, const Journal& journal) { write_state_file(root, kFile, journal_to_json(journal)); }

void clear_journal(const Root& root) {
  Fd dir = open_dir_beneath(root.fd(), Root::relative(kStateDir), true, 0755);
  unlink_at(dir.get(), kFile);
}

}  // namespace sc

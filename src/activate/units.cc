#include "activate/units.h"

#include <algorithm>
#include <set>
#include <thread>

#include <fmt/format.h>

#include "store/store.h"
#include "units/systemd_bus.h"

namespace sc {

namespace {

// How long a switch waits for the jobs of one step.
constexpr std::chrono::seconds kJobTimeout{300};

Result<std::unique_ptr<SystemdManager>> connect_system_manager(const Root& root) {
  auto address = system_manager_address(root.is_live());
  if (!address) return Failure("no running system manager under --root");
  return SystemdManager::connect(*address);
}

void merge(std::vector<std::string>& into, const std::vector<std::string>& more) {
  std::set<std::string> all(into.begin(), into.end());
  all.insert(more.begin(), more.end());
  into.assign(all.begin(), all.end());
}

// What systemd says of a unit that failed, for the report.
std::string status_detail(const UnitStatus& s) {
  std::string detail = fmt::format("ActiveState={} SubState={}", s.active_state, s.sub_state);
  if (!s.result.empty()) detail += " Result=" + s.result;
  if (s.exit_status) detail += fmt::format(" ExecMainStatus={}", *s.exit_status);
  return detail;
}

// How a failure names a unit: a user's unit says whose manager ran it.
std::string unit_ref(const std::string& unit, const std::string& label) {
  return label == "units" ? unit : fmt::format("{} ({})", unit, label);
}

// Runs one step's jobs and reports each that did not finish.
void run_step(SystemdManager& manager, const char* method, const char* gerund, const std::vector<std::string>& units,
              const std::string& label, UnitJobsReport& report) {
  if (units.empty()) return;
  report.say(fmt::format("{} the following {}: {}", gerund, label, fmt::join(units, ", ")));
  for (const JobOutcome& job : manager.run_jobs(method, units, kJobTimeout)) {
    if (job.ok()) continue;
    report.fail(fmt::format("unit {} failed to {}: {} ({})", unit_ref(job.unit, label), job.verb, job.result,
                                          status_detail(manager.status(job.unit))));
  }
}

// Units that a target pulled in finish after the target's own job: wait
// until none of ours is still changing state (at most a few seconds), then
// report every one that failed, as NixOS does after its jobs settle.
void report_failed_units(SystemdManager& manager, const std::vector<std::string>& units, const std::string& label,
                         UnitJobsReport& report) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  std::map<std::string, UnitStatus> status;
  for (;;) {
    bool settling = false;
    for (const std::string& unit : units) {
      status[unit] = manager.status(unit);
      const std::string& state = status[unit].active_state;
      settling = settling || state == "activating" || state == "deactivating" || state == "reloading";
    }
    if (!settling || std::chrono::steady_clock::now() > deadline) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  for (const std::string& unit : units) {
    const UnitStatus& s = status[unit];
    if (s.active_state != "failed") continue;
    bool already = std::any_of(report.failures.begin(), report.failures.end(),
                               [&](const std::string& f) { return f.rfind("unit " + unit_ref(unit, label) + " ", 0) == 0; });
    if (already) continue;
    report.fail(fmt::format("unit {} failed ({})", unit_ref(unit, label), status_detail(s)));
  }
}

}  // namespace

void UnitJobsReport::say(std::string message) {
  if (live) live(message, false);
  messages.push_back(std::move(message));
}

void UnitJobsReport::fail(std::string failure) {
  if (live) live(failure, true);
  failures.push_back(std::move(failure));
}

namespace {

// What a file of the generation is, for the triggers that name it: two
// generations' entries for a path are the same file when these are equal.
std::string file_identity(const ManifestFile& f) {
  if (f.type == "symlink") return "symlink:" + f.target;
  if (f.type == "secret") return "secret:" + f.secret;
  return "file:" + f.object;
}

}  // namespace

UnitSet generation_units(const Root& root, const std::vector<ManifestFile>& files, const std::string& dir,
                         const ReadObject& unbuilt, const std::string& home) {
  std::optional<Fd> store;
  try {
    store = open_dir_beneath(root.fd(), Root::relative(kStoreDir), false);
  } catch (const FsError&) {
  }
  auto read = [&](const ManifestFile& f) -> std::string {
    if (f.type != "file") return "";
    if (store) {
      try {
        return read_file_at(store->get(), f.object);
      } catch (const FsError&) {
      }
    }
    if (unbuilt)
      if (auto text = unbuilt(f.object)) return *text;
    throw FsError(fmt::format("the unit file {} ({}) is not in the store", f.path, f.object), ENOENT);
  };
  std::map<std::string, const ManifestFile*> by_path;
  for (const ManifestFile& f : files) by_path.emplace(f.path, &f);
  auto trigger_identity = [&](const std::string& word) -> std::optional<std::string> {
    std::string path = word;
    if (!home.empty()) {
      if (path.starts_with("~/")) path = path.substr(2);
      else if (path.starts_with(home + "/")) path = path.substr(home.size() + 1);
    }
    auto it = by_path.find(path);
    if (it == by_path.end()) return std::nullopt;
    return file_identity(*it->second);
  };
  UnitSet set;
  std::vector<ManifestUnit> units = units_among(files, dir);
  std::map<std::string, const ManifestUnit*> by_name;
  for (const ManifestUnit& u : units) by_name[u.name] = &u;
  for (const ManifestUnit& u : units) {
    // An instance with drop-ins only (foo@a.service.d/) is its template's
    // file and drop-ins with its own on top, as systemd loads it.
    const ManifestUnit* templ = nullptr;
    if (!u.file)
      if (auto t = by_name.find(instance_template(u.name)); t != by_name.end() && t->second->file) templ = t->second;
    std::vector<std::string> dropins;
    if (templ)
      for (const ManifestFile* d : templ->dropins) dropins.push_back(read(*d));
    for (const ManifestFile* d : u.dropins) dropins.push_back(read(*d));
    const ManifestFile* file = templ ? templ->file : u.file;
    UnitSections& unit = set.units[u.name] = parse_unit(file ? read(*file) : "", dropins);
    resolve_triggers(unit, trigger_identity);
    for (const std::string& target : u.wanted_by) set.wanted_by_target[target].insert(u.name);
  }
  return set;
}

namespace {

// The units of `generation` that a package provides: its aliases and links
// to a package's unit, and units known only by sysconf's drop-ins. A
// manager that cannot find one yet will once this switch's packages are in.
std::vector<std::string> package_units(const Manifest& generation) {
  std::set<std::string> names;
  const std::string dir = kSystemUnitDir;
  for (const ManifestFile& f : generation.files) {
    if (f.path.compare(0, dir.size(), dir) != 0) continue;
    std::string rel = f.path.substr(dir.size());
    size_t slash = rel.find('/');
    std::string leaf = slash == std::string::npos ? rel : rel.substr(slash + 1);
    bool into_package = f.type == "symlink" && f.target.starts_with("/") && f.target != "/dev/null";
    if (into_package && leaf.find('/') == std::string::npos) names.insert(leaf);
  }
  for (const ManifestUnit& u : units_among(generation.files, dir))
    if (!u.file) names.insert(u.name);
  return {names.begin(), names.end()};
}

}  // namespace

UnitSteps plan_system_units(const Root& root, const Manifest* from, const Manifest& to, const ReadObject& unbuilt,
                            const Journal* resume) {
  UnitSteps steps;
  static const std::vector<ManifestFile> kNone;
  UnitSet old_units = generation_units(root, from ? from->files : kNone, kSystemUnitDir, nullptr);
  UnitSet new_units = generation_units(root, to.files, kSystemUnitDir, unbuilt);
  for (const auto& [name, unit] : new_units.units) {
    steps.all.push_back(name);
    auto old = old_units.units.find(name);
    if (old == old_units.units.end() || compare_units(old->second, unit) != UnitChange::Equal) steps.changed.push_back(name);
  }
  for (const auto& [name, unit] : old_units.units)
    if (!new_units.units.count(name)) steps.changed.push_back(name);
  std::sort(steps.changed.begin(), steps.changed.end());

  auto manager = connect_system_manager(root);
  Result<std::map<std::string, std::string>> active = manager.ok() ? manager.value()->active_units() : manager.failure();
  if (!active.ok()) {
    steps.note = active.message() + "; the new units take effect when the system next boots";
    return steps;
  }
  steps.manager = true;
  steps.plan = plan_units(old_units, new_units, active.value());
  for (const std::string& name : package_units(to))
    if (!active->count(name) && manager.value()->status(name).load_state == "not-found") steps.plan.start_if_wanted.push_back(name);
  if (resume) merge_resumed(steps.plan, resume->units);
  return steps;
}

void merge_resumed(UnitPlan& plan, const UnitPlan& resumed) {
  merge(plan.reload, resumed.reload);
  merge(plan.restart, resumed.restart);
  merge(plan.start, resumed.start);
  merge(plan.start_if_wanted, resumed.start_if_wanted);
}

void run_stop_step(SystemdManager& manager, const UnitPlan& plan, const std::string& label, UnitJobsReport& report) {
  run_step(manager, "StopUnit", "stopping", plan.stop, label, report);
}

void run_start_steps(SystemdManager& manager, const UnitPlan& plan, const std::vector<std::string>& all,
                     const std::string& label, UnitJobsReport& report) {
  if (Status reloaded = manager.reload(); !reloaded.ok()) {
    report.fail(reloaded.message());
    return;
  }
  if (!plan.skip.empty())
    report.say(fmt::format("NOT restarting the following changed {}: {}", label, fmt::join(plan.skip, ", ")));
  // A unit to reload that is no longer running (a dependency stopped it) is started instead.
  std::vector<std::string> reload, start = plan.start;
  for (const std::string& unit : plan.reload) {
    std::string state = manager.status(unit).active_state;
    (state == "active" || state == "activating" || state == "reloading" ? reload : start).push_back(unit);
  }
  run_step(manager, "ReloadUnit", "reloading", reload, label, report);
  run_step(manager, "RestartUnit", "restarting", plan.restart, label, report);
  std::sort(start.begin(), start.end());
  start.erase(std::unique(start.begin(), start.end()), start.end());
  run_step(manager, "StartUnit", "starting", start, label, report);
  // Units that exist only now that their package is installed (greetd
  // behind display-manager.service): started if an active unit pulls them
  // in, as the boot would have.
  std::vector<std::string> arrived;
  for (const std::string& unit : plan.start_if_wanted) {
    UnitStatus s = manager.status(unit);
    if (s.load_state != "loaded" || (s.active_state != "inactive" && s.active_state != "failed")) continue;
    for (const std::string& by : s.wanted_by) {
      std::string state = manager.status(by).active_state;
      if (state == "active" || state == "activating") {
        arrived.push_back(unit);
        break;
      }
    }
  }
  run_step(manager, "StartUnit", "starting (now installed)", arrived, label, report);
  report_failed_units(manager, all, label, report);
}

void stop_units(const Root& root, const UnitSteps& steps, UnitJobsReport& report) {
  if (!steps.manager || steps.plan.stop.empty()) return;
  auto manager = connect_system_manager(root);
  if (!manager.ok()) {
    report.fail(manager.message());
    return;
  }
  run_stop_step(*manager.value(), steps.plan, "units", report);
}

void start_units(const Root& root, const UnitSteps& steps, UnitJobsReport& report) {
  if (!steps.manager) {
    if (!steps.changed.empty())
      report.say(fmt::format("units changed: {} ({})", fmt::join(steps.changed, ", "), steps.note));
    return;
  }
  auto manager = connect_system_manager(root);
  if (!manager.ok()) {
    report.fail(manager.message());
    return;
  }
  run_start_steps(*manager.value(), steps.plan, steps.all, "units", report);
}

}  // namespace sc

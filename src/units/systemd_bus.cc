#include "units/systemd_bus.h"

#include <systemd/sd-bus.h>

#include <sys/stat.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include <fmt/format.h>

#include "util/test_seams.h"

namespace sc {

namespace {

constexpr const char* kDestination = "org.freedesktop.systemd1";
constexpr const char* kManagerPath = "/org/freedesktop/systemd1";
constexpr const char* kManager = "org.freedesktop.systemd1.Manager";

// sd_bus_error, freed on every path.
struct BusError {
  sd_bus_error e = SD_BUS_ERROR_NULL;
  ~BusError() { sd_bus_error_free(&e); }
  std::string text(int r) const { return e.message ? e.message : std::strerror(-r); }
};

struct Message {
  sd_bus_message* m = nullptr;
  ~Message() { sd_bus_message_unref(m); }
};

std::string verb_of(const std::string& method) {
  if (method == "StartUnit") return "start";
  if (method == "StopUnit") return "stop";
  if (method == "ReloadUnit") return "reload";
  if (method == "RestartUnit") return "restart";
  return method;
}

}  // namespace

// The JobRemoved handler, given the manager as its userdata.
struct JobSignals {
  static int removed(sd_bus_message* m, void* userdata, sd_bus_error*) {
    uint32_t id = 0;
    const char *job = nullptr, *unit = nullptr, *result = nullptr;
    if (sd_bus_message_read(m, "uoss", &id, &job, &unit, &result) >= 0)
      static_cast<SystemdManager*>(userdata)->job_removed(job, result);
    return 0;
  }
};

Result<std::unique_ptr<SystemdManager>> SystemdManager::connect(const std::string& address) {
  sd_bus* bus = nullptr;
  int r = sd_bus_new(&bus);
  if (r >= 0) r = sd_bus_set_address(bus, address.c_str());
  if (r >= 0) r = sd_bus_start(bus);  // a direct connection: no bus client, no Hello
  if (r < 0) {
    Failure failure(fmt::format("cannot connect to the systemd manager at {}: {}", address, std::strerror(-r)));
    sd_bus_flush_close_unref(bus);
    return failure;
  }
  std::unique_ptr<SystemdManager> manager(new SystemdManager(bus));
  // A private connection gets the manager's signals without Subscribe; a
  // match for JobRemoved is all that waiting needs.
  r = sd_bus_match_signal(bus, &manager->job_removed_slot_, nullptr, kManagerPath, kManager, "JobRemoved",
                          &JobSignals::removed, manager.get());
  if (r < 0) return Failure(fmt::format("cannot listen for systemd's job signals: {}", std::strerror(-r)));
  return manager;
}

SystemdManager::~SystemdManager() {
  sd_bus_slot_unref(job_removed_slot_);
  sd_bus_flush_close_unref(bus_);
}

void SystemdManager::job_removed(const std::string& job, const std::string& result) {
  auto it = pending_.find(job);
  if (it == pending_.end()) return;  // a job somebody else started
  outcomes_[it->second].result = result;
  pending_.erase(it);
}

Result<std::map<std::string, std::string>> SystemdManager::active_units() {
  std::map<std::string, std::string> out;
  BusError e;
  Message reply;
  int r = sd_bus_call_method(bus_, kDestination, kManagerPath, kManager, "ListUnits", &e.e, &reply.m, "");
  if (r < 0) return Failure("cannot list systemd's units: " + e.text(r));
  r = sd_bus_message_enter_container(reply.m, SD_BUS_TYPE_ARRAY, "(ssssssouso)");
  while (r > 0) {
    const char *name, *description, *load, *active, *sub, *following, *path, *job_type, *job_path;
    uint32_t job_id;
    r = sd_bus_message_read(reply.m, "(ssssssouso)", &name, &description, &load, &active, &sub, &following, &path,
                            &job_id, &job_type, &job_path);
    if (r <= 0) break;
    if (std::strcmp(active, "inactive") != 0 && following[0] == '\0') out[name] = active;
  }
  if (r < 0) return Failure(fmt::format("cannot read systemd's unit list: {}", std::strerror(-r)));
  return out;
}

UnitStatus SystemdManager::status(const std::string& unit) {
  UnitStatus s;
  BusError e;
  Message reply;
  if (sd_bus_call_method(bus_, kDestination, kManagerPath, kManager, "LoadUnit", &e.e, &reply.m, "s", unit.c_str()) < 0)
    return s;
  const char* path = nullptr;
  if (sd_bus_message_read(reply.m, "o", &path) < 0) return s;
  auto get = [&](const char* interface, const char* property) {
    BusError pe;
    char* value = nullptr;
    std::string out;
    if (sd_bus_get_property_string(bus_, kDestination, path, interface, property, &pe.e, &value) >= 0 && value) out = value;
    std::free(value);
    return out;
  };
  s.active_state = get("org.freedesktop.systemd1.Unit", "ActiveState");
  s.sub_state = get("org.freedesktop.systemd1.Unit", "SubState");
  s.fragment_path = get("org.freedesktop.systemd1.Unit", "FragmentPath");
  s.load_state = get("org.freedesktop.systemd1.Unit", "LoadState");
  for (const char* property : {"WantedBy", "RequiredBy"}) {
    BusError pe;
    char** list = nullptr;
    if (sd_bus_get_property_strv(bus_, kDestination, path, "org.freedesktop.systemd1.Unit", property, &pe.e, &list) >= 0 && list) {
      for (char** p = list; *p; ++p) {
        s.wanted_by.emplace_back(*p);
        std::free(*p);
      }
      std::free(list);
    }
  }
  if (unit.size() > 8 && unit.compare(unit.size() - 8, 8, ".service") == 0) {
    s.result = get("org.freedesktop.systemd1.Service", "Result");
    BusError pe;
    int32_t status = 0;
    if (sd_bus_get_property_trivial(bus_, kDestination, path, "org.freedesktop.systemd1.Service", "ExecMainStatus",
                                    &pe.e, 'i', &status) >= 0)
      s.exit_status = status;
  }
  return s;
}

Status SystemdManager::reload() {
  BusError e;
  Message reply;
  int r = sd_bus_call_method(bus_, kDestination, kManagerPath, kManager, "Reload", &e.e, &reply.m, "");
  if (r < 0) return Failure("daemon-reload failed: " + e.text(r));
  return {};
}

std::vector<JobOutcome> SystemdManager::run_jobs(const std::string& method, const std::vector<std::string>& units,
                                                 std::chrono::seconds timeout) {
  outcomes_.clear();
  pending_.clear();
  for (const std::string& unit : units) {
    outcomes_.push_back(JobOutcome{unit, verb_of(method), ""});
    BusError e;
    Message reply;
    int r = sd_bus_call_method(bus_, kDestination, kManagerPath, kManager, method.c_str(), &e.e, &reply.m, "ss",
                               unit.c_str(), "replace");
    const char* job = nullptr;
    if (r >= 0) r = sd_bus_message_read(reply.m, "o", &job);
    if (r < 0) {
      outcomes_.back().result = e.text(r);
      continue;
    }
    pending_[job] = outcomes_.size() - 1;
  }
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!pending_.empty()) {
    int r = sd_bus_process(bus_, nullptr);
    if (r < 0) break;
    if (r > 0) continue;  // more may be queued
    auto left = std::chrono::duration_cast<std::chrono::microseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    if (sd_bus_wait(bus_, static_cast<uint64_t>(left.count())) < 0) break;
  }
  for (auto& [job, index] : pending_) outcomes_[index].result = "timeout";
  pending_.clear();
  return outcomes_;
}

std::optional<std::string> system_manager_address(bool live_root) {
  if (const char* test = test_seam("SYSCONF_TEST_SYSTEMD_ADDRESS"); test && *test) return std::string(test);
  if (live_root) return std::string("unix:path=/run/systemd/private");
  return std::nullopt;
}

std::optional<std::string> user_manager_address(bool live_root, unsigned uid) {
  if (const char* test = test_seam("SYSCONF_TEST_USER_SYSTEMD_ADDRESS"); test && *test) return std::string(test);
  if (!live_root) return std::nullopt;
  std::string socket = fmt::format("/run/user/{}/systemd/private", uid);
  struct stat st;
  if (stat(socket.c_str(), &st) != 0 || !S_ISSOCK(st.st_mode)) return std::nullopt;
  return "unix:path=" + socket;
}

}  // namespace sc

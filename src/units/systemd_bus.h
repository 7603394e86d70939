// A connection to a systemd manager (the system's, or a user's) over
// libsystemd's sd-bus, speaking org.freedesktop.systemd1 directly on the
// manager's private socket: list units, daemon-reload, and run jobs while
// waiting for each one's JobRemoved signal. Never systemctl.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "util/result.h"

struct sd_bus;
struct sd_bus_slot;


namespace sc {

struct UnitStatus {
  std::string active_state;  // "active", "failed", ...
  std::string sub_state;     // "running", "dead", ...
  std::string result;        // a service's Result ("exit-code"), if it has one
  std::optional<int> exit_status;  // a service's ExecMainStatus
  std::string fragment_path;
  std::string load_state;    // "loaded", "not-found", ...
  std::vector<std::string> wanted_by;  // WantedBy and RequiredBy: who pulls it in
};

struct JobOutcome {
  std::string unit;
  std::string verb;    // "start", "stop", "reload", "restart"
  std::string result;  // "done", "failed", "timeout", "dependency", "canceled", "skipped", or the call's error
  bool ok() const { return result == "done" || result == "skipped"; }
};

class SystemdManager {
 public:
  // Connects to the manager listening at `address` ("unix:path=/run/systemd/private").
  // Fails when nobody answers there.
  static Result<std::unique_ptr<SystemdManager>> connect(const std::string& address);
  ~SystemdManager();
  SystemdManager(const SystemdManager&) = delete;
  SystemdManager& operator=(const SystemdManager&) = delete;

  // Units that are not inactive (and are not followers of another unit),
  // with their ActiveState. Fails when the list cannot be had whole.
  Result<std::map<std::string, std::string>> active_units();
  UnitStatus status(const std::string& unit);
  // daemon-reload; systemd answers when the reload is done.
  Status reload();
  // Runs one job per unit ("StartUnit", "StopUnit", "ReloadUnit",
  // "RestartUnit") and waits for all of them, at most `timeout` in all.
  std::vector<JobOutcome> run_jobs(const std::string& verb, const std::vector<std::string>& units,
                                   std::chrono::seconds timeout);

 private:
  explicit SystemdManager(sd_bus* bus) : bus_(bus) {}
  friend struct JobSignals;
  void job_removed(const std::string& job, const std::string& result);

  sd_bus* bus_;
  sd_bus_slot* job_removed_slot_ = nullptr;
  std::map<std::string, size_t> pending_;  // job object path → index in outcomes_
  std::vector<JobOutcome> outcomes_;
};

// The address of the system manager of `root`: the live system's private
// socket, or for tests under --root the manager named by
// SYSCONF_TEST_SYSTEMD_ADDRESS. None: the root has no running manager.
std::optional<std::string> system_manager_address(bool live_root);
// The address of a user's manager: /run/user/UID/systemd/private on the live
// system if it is listening, or SYSCONF_TEST_USER_SYSTEMD_ADDRESS in tests.
std::optional<std::string> user_manager_address(bool live_root, unsigned uid);

}  // namespace sc

#include "units/unit_plan.h"

#include <algorithm>

#include <fmt/format.h>

namespace sc {

std::string instance_template(const std::string& unit) {
  size_t at = unit.find('@'), dot = unit.rfind('.');
  if (at == std::string::npos || dot == std::string::npos || dot < at + 2) return "";
  return unit.substr(0, at + 1) + unit.substr(dot);
}

namespace {

std::string suffix_of(const std::string& unit) {
  size_t dot = unit.rfind('.');
  return dot == std::string::npos ? "" : unit.substr(dot + 1);
}

// "foo@bar.service" → "foo@"; "foo.service" → "foo".
std::string base_name(const std::string& unit) {
  std::string base = unit.substr(0, unit.rfind('.'));
  size_t at = base.find('@');
  return at == std::string::npos ? base : base.substr(0, at + 1);
}

// Targets and slices that change only through daemon-reload.
bool left_to_daemon_reload(const std::string& unit) {
  static const std::set<std::string> kBasic = {"sysinit.target", "basic.target", "multi-user.target",
                                               "graphical.target"};
  return kBasic.count(unit) || suffix_of(unit) == "slice";
}

class Planner {
 public:
  Planner(const UnitSet& old_units, const UnitSet& new_units, const std::map<std::string, std::string>& active)
      : old_(old_units), new_(new_units), active_(active) {}

  UnitPlan run() {
    for (const std::string& unit : candidates()) {
      if (!is_active(unit)) continue;  // inactive, failed or unknown: never touched
      const UnitSections& old_file = *file_of(old_, unit);
      const UnitSections* now = file_of(new_, unit);
      if (!now) {
        if (old_file.flag("Unit", "X-StopOnRemoval", true)) add(stop_, unit);
        continue;
      }
      const UnitSections& new_file = *now;
      if (suffix_of(unit) == "target") {
        // NixOS starts every active target again at each switch (and hides
        // them from its output); sysconf, sharing /etc/systemd/system with
        // the distribution, starts only targets whose own file changed or
        // that gained links (below), so that a switch that changes nothing
        // touches nothing.
        if (compare_units(old_file, new_file) != UnitChange::Equal) restart_target(unit, new_file);
        continue;
      }
      switch (compare_units(old_file, new_file)) {
        case UnitChange::Equal: break;
        case UnitChange::NeedsReload:
          if (!restart_.count(unit)) add(reload_, unit);
          break;
        case UnitChange::NeedsRestart: modified(unit, new_file); break;
      }
    }
    start_targets_with_new_units();
    return finish();
  }

 private:
  bool is_active(const std::string& unit) const {
    auto it = active_.find(unit);
    return it != active_.end() && (it->second == "active" || it->second == "activating");
  }

  static void add(std::set<std::string>& list, const std::string& unit) { list.insert(unit); }

  // The units the old generation describes: its own, and each running
  // instance (foo@a.service) of one of its templates (foo@.service) that
  // has no file of its own, judged by its template's file as
  // switch-to-configuration-ng does.
  std::vector<std::string> candidates() const {
    std::vector<std::string> units;
    for (const auto& [unit, file] : old_.units) units.push_back(unit);
    for (const auto& [unit, state] : active_)
      if (!old_.units.count(unit) && old_.units.count(instance_template(unit))) units.push_back(unit);
    return units;
  }

  // `unit`'s file in `set`: its own, else its template's; null if neither.
  static const UnitSections* file_of(const UnitSet& set, const std::string& unit) {
    auto own = set.units.find(unit);
    if (own != set.units.end()) return &own->second;
    auto from_template = set.units.find(instance_template(unit));
    return from_template == set.units.end() ? nullptr : &from_template->second;
  }

  // An active target is started again, which brings up what it newly wants.
  void restart_target(const std::string& unit, const UnitSections& new_file) {
    static const std::set<std::string> kSleep = {"suspend.target", "hibernate.target", "hybrid-sleep.target"};
    if (!kSleep.count(unit) && !new_file.flag("Unit", "RefuseManualStart") &&
        !new_file.flag("Unit", "X-OnlyManualStart"))
      add(start_, unit);
    if (new_file.flag("Unit", "X-StopOnReconfiguration")) add(stop_, unit);
  }

  // handle_modified_unit: a unit whose file changed in a way that needs more than a reload.
  void modified(const std::string& unit, const UnitSections& new_file) {
    std::string type = suffix_of(unit);
    if (left_to_daemon_reload(unit)) return;
    if (type == "mount") {
      add(unit == "-.mount" ? reload_ : restart_, unit);
      return;
    }
    if (type == "service" && new_file.flag("Service", "X-ReloadIfChanged") && !restart_.count(unit) &&
        !stop_.count(unit)) {
      add(reload_, unit);
      return;
    }
    if (!new_file.flag("Service", "X-RestartIfChanged", true) || new_file.flag("Unit", "RefuseManualStop") ||
        new_file.flag("Unit", "X-OnlyManualStart")) {
      add(skip_, unit);
      return;
    }
    if (type == "socket") {
      // A changed socket is restarted; its service, holding the old
      // listener, is stopped and comes back through the new socket.
      std::string service = base_name(unit) + ".service";
      if (is_active(service)) add(stop_, service);
      add(restart_, unit);
      reload_.erase(unit);
      return;
    }
    if (type != "service" || !new_file.flag("Service", "X-StopIfChanged", true)) {
      add(restart_, unit);
      reload_.erase(unit);
      return;
    }
    // Stopped before the files change, started after. A socket-activated
    // service is started through its socket, on demand.
    bool socket_activated = false;
    for (const std::string& socket : sockets_of(unit, new_file)) {
      if (is_active(socket)) {
        add(stop_, socket);
        if (new_.units.count(socket)) {
          add(start_, socket);
          socket_activated = true;
        }
      } else if (new_.units.count(socket)) {
        socket_activated = true;  // moving to socket activation: the socket starts it
      }
    }
    add(stop_, unit);
    if (!socket_activated) add(start_, unit);
    reload_.erase(unit);
  }

  std::vector<std::string> sockets_of(const std::string& unit, const UnitSections& file) const {
    std::vector<std::string> sockets;
    if (auto it = file.sections.find("Service"); it != file.sections.end()) {
      if (auto s = it->second.find("Sockets"); s != it->second.end()) {
        for (const std::string& value : s->second) {
          size_t pos = 0;
          while (pos < value.size()) {
            size_t end = value.find(' ', pos);
            if (end == std::string::npos) end = value.size();
            if (end > pos) sockets.push_back(value.substr(pos, end - pos));
            pos = end + 1;
          }
        }
      }
    }
    if (sockets.empty()) sockets.push_back(base_name(unit) + ".socket");
    return sockets;
  }

  // New units come up through the targets that want them: every active
  // target that gained a .wants/ or .requires/ link is started again.
  void start_targets_with_new_units() {
    for (const auto& [target, wanted] : new_.wanted_by_target) {
      if (!is_active(target)) continue;
      auto old_wanted = old_.wanted_by_target.find(target);
      bool gained = std::any_of(wanted.begin(), wanted.end(), [&](const std::string& u) {
        return old_wanted == old_.wanted_by_target.end() || !old_wanted->second.count(u);
      });
      auto file = new_.units.find(target);
      bool refuses = file != new_.units.end() && (file->second.flag("Unit", "RefuseManualStart") ||
                                                  file->second.flag("Unit", "X-OnlyManualStart"));
      if (gained && !refuses) add(start_, target);
    }
  }

  UnitPlan finish() const {
    UnitPlan plan;
    plan.stop.assign(stop_.begin(), stop_.end());
    plan.skip.assign(skip_.begin(), skip_.end());
    plan.reload.assign(reload_.begin(), reload_.end());
    plan.restart.assign(restart_.begin(), restart_.end());
    plan.start.assign(start_.begin(), start_.end());
    return plan;
  }

  const UnitSet& old_;
  const UnitSet& new_;
  const std::map<std::string, std::string>& active_;
  std::set<std::string> stop_, skip_, reload_, restart_, start_;
};

}  // namespace

UnitPlan plan_units(const UnitSet& old_units, const UnitSet& new_units, const std::map<std::string, std::string>& active) {
  return Planner(old_units, new_units, active).run();
}

std::string describe_unit_plan(const UnitPlan& plan, const std::string& scope_label) {
  std::string out;
  auto line = [&](const char* verb, const std::vector<std::string>& units) {
    if (!units.empty()) out += fmt::format("would {} the following {}: {}\n", verb, scope_label, fmt::join(units, ", "));
  };
  line("stop", plan.stop);
  line("NOT restart", plan.skip);
  line("reload", plan.reload);
  line("restart", plan.restart);
  line("start", plan.start);
  line("start, if their package provides them and an active unit wants them,", plan.start_if_wanted);
  return out;
}

}  // namespace sc

// Unit files compared as switch-to-configuration compares them, and the
// decisions of the unit plan, one row of DESIGN.md section 7 at a time.
#include <catch2/catch.hpp>

#include "units/unit_file.h"
#include "store/manifest.h"
#include "units/unit_plan.h"

using namespace sc;

namespace {

UnitChange change(const std::string& a, const std::string& b) { return compare_units(parse_unit(a), parse_unit(b)); }

const char* kService = "[Unit]\nDescription=Demo\nAfter=network.target\n\n[Service]\nExecStart=/bin/demo\n\n[Install]\nWantedBy=multi-user.target\n";

std::string with(std::string text, const std::string& from, const std::string& to) {
  size_t at = text.find(from);
  REQUIRE(at != std::string::npos);
  return text.replace(at, from.size(), to);
}

struct Gen {
  UnitSet set;
  Gen& unit(const std::string& name, const std::string& text) {
    set.units[name] = parse_unit(text);
    return *this;
  }
  Gen& wants(const std::string& target, const std::string& unit) {
    set.wanted_by_target[target].insert(unit);
    return *this;
  }
};

using Active = std::map<std::string, std::string>;
using Units = std::vector<std::string>;

}  // namespace

TEST_CASE("unit files: keys are lists, an empty assignment clears, continuations join, [Install] is dropped") {
  UnitSections u = parse_unit("# comment\n[Service]\nExecStart=/a\nExecStart=\nExecStart=/b \\\n  --flag\n; note\n[Install]\nWantedBy=x.target\n");
  REQUIRE(u.sections.count("Service"));
  CHECK(u.sections.at("Service").at("ExecStart") == std::vector<std::string>{"/b    --flag"});
  CHECK_FALSE(u.sections.count("Install"));
  UnitSections d = parse_unit("[Service]\nUser=a\n", {"[Service]\nUser=b\n"});
  CHECK(d.value("Service", "User") == "b");
  CHECK(d.flag("Service", "X-RestartIfChanged", true));
  CHECK_FALSE(parse_unit("[Service]\nX-RestartIfChanged=false\n").flag("Service", "X-RestartIfChanged", true));
}

TEST_CASE("unit comparison: cosmetic keys and [Install] are no change") {
  CHECK(change(kService, kService) == UnitChange::Equal);
  CHECK(change(kService, with(kService, "Description=Demo", "Description=Other")) == UnitChange::Equal);
  CHECK(change(kService, with(kService, "WantedBy=multi-user.target", "WantedBy=graphical.target")) == UnitChange::Equal);
  CHECK(change(kService, with(kService, "Description=Demo\n", "Description=Demo\nDocumentation=man:demo\n")) ==
        UnitChange::Equal);
}

TEST_CASE("unit comparison: reload triggers, ExecReload and mount options reload, anything else restarts") {
  CHECK(change(kService, with(kService, "After=network.target", "After=network.target\nX-Reload-Triggers=abc")) ==
        UnitChange::NeedsReload);
  std::string reloadable = with(kService, "After=network.target", "After=network.target\nX-Reload-Triggers=abc");
  CHECK(change(reloadable, with(reloadable, "abc", "def")) == UnitChange::NeedsReload);
  CHECK(change(reloadable, kService) == UnitChange::Equal);  // removing the triggers
  CHECK(change(kService, with(kService, "ExecStart=/bin/demo", "ExecStart=/bin/demo\nExecReload=/bin/kill -HUP $MAINPID")) ==
        UnitChange::NeedsReload);
  CHECK(change(kService, with(kService, "ExecStart=/bin/demo", "ExecStart=/bin/demo2")) == UnitChange::NeedsRestart);
  CHECK(change(kService, with(kService, "After=network.target", "After=network.target\nX-Restart-Triggers=abc")) ==
        UnitChange::NeedsRestart);
  CHECK(change(kService, with(kService, "[Service]\n", "[Service]\nX-RestartIfChanged=false\n")) ==
        UnitChange::NeedsRestart);
  const char* mount = "[Mount]\nWhat=/dev/sda1\nWhere=/data\nOptions=rw\n";
  CHECK(change(mount, with(mount, "Options=rw", "Options=ro")) == UnitChange::NeedsReload);
  CHECK(change(mount, with(mount, "Options=rw\n", "")) == UnitChange::NeedsRestart);
  CHECK(change(mount, with(mount, "/dev/sda1", "/dev/sdb1")) == UnitChange::NeedsRestart);
  CHECK(change(kService, std::string(kService) + "[Unit]\nCollectMode=inactive-or-failed\n") == UnitChange::Equal);
  CHECK(change(kService, std::string(kService) + "[Path]\nPathChanged=/x\n") == UnitChange::NeedsRestart);
}

TEST_CASE("unit plan: a removed active unit stops, unless X-StopOnRemoval=false, inactive units are never touched") {
  Gen old_gen, new_gen;
  old_gen.unit("a.service", kService).unit("keep.service", "[Unit]\nX-StopOnRemoval=false\n[Service]\nExecStart=/k\n");
  old_gen.unit("idle.service", kService);
  UnitPlan p = plan_units(old_gen.set, new_gen.set,
                          Active{{"a.service", "active"}, {"keep.service", "active"}, {"idle.service", "inactive"}});
  CHECK(p.stop == Units{"a.service"});
  CHECK(p.start.empty());
}

TEST_CASE("unit plan: a changed service is stopped and started, restarted, reloaded or left alone, per its options") {
  std::string changed = with(kService, "/bin/demo", "/bin/demo --new");
  auto plan_for = [&](const std::string& extra) {
    Gen old_gen, new_gen;
    old_gen.unit("s.service", kService);
    new_gen.unit("s.service", with(changed, "[Service]\n", "[Service]\n" + extra));
    return plan_units(old_gen.set, new_gen.set, Active{{"s.service", "active"}});
  };
  UnitPlan by_default = plan_for("");
  CHECK(by_default.stop == Units{"s.service"});
  CHECK(by_default.start == Units{"s.service"});
  UnitPlan no_stop = plan_for("X-StopIfChanged=false\n");
  CHECK(no_stop.stop.empty());
  CHECK(no_stop.restart == Units{"s.service"});
  UnitPlan reload = plan_for("X-ReloadIfChanged=true\n");
  CHECK(reload.reload == Units{"s.service"});
  CHECK(reload.stop.empty());
  UnitPlan leave = plan_for("X-RestartIfChanged=false\n");
  CHECK(leave.skip == Units{"s.service"});
  CHECK(leave.empty());
}

TEST_CASE("unit plan: a change only in reload triggers reloads, an unchanged unit is left alone") {
  std::string a = with(kService, "After=network.target", "After=network.target\nX-Reload-Triggers=one");
  Gen old_gen, new_gen, same;
  old_gen.unit("s.service", a);
  new_gen.unit("s.service", with(a, "one", "two"));
  same.unit("s.service", a);
  CHECK(plan_units(old_gen.set, new_gen.set, Active{{"s.service", "active"}}).reload == Units{"s.service"});
  CHECK(plan_units(old_gen.set, same.set, Active{{"s.service", "active"}}).empty());
}

TEST_CASE("unit triggers: each word naming a file of the generation stands for its content") {
  const std::string text = with(kService, "After=network.target",
                                "After=network.target\nX-Restart-Triggers=/etc/a.conf any-string\n"
                                "X-Reload-Triggers=/etc/r.conf");
  auto resolved = [&](std::map<std::string, std::string> files) {
    UnitSections unit = parse_unit(text);
    resolve_triggers(unit, [&](const std::string& word) -> std::optional<std::string> {
      auto it = files.find(word);
      return it == files.end() ? std::nullopt : std::optional<std::string>(it->second);
    });
    return unit;
  };
  UnitSections unit = resolved({{"/etc/a.conf", "file:1"}});
  CHECK(unit.sections.at("Unit").at("X-Restart-Triggers") == std::vector<std::string>{"/etc/a.conf=file:1 any-string"});
  CHECK(unit.sections.at("Unit").at("X-Reload-Triggers") == std::vector<std::string>{"/etc/r.conf"});
  // The same unit text: the files' contents decide.
  auto one = resolved({{"/etc/a.conf", "file:1"}, {"/etc/r.conf", "file:1"}});
  CHECK(compare_units(one, resolved({{"/etc/a.conf", "file:1"}, {"/etc/r.conf", "file:1"}})) == UnitChange::Equal);
  CHECK(compare_units(one, resolved({{"/etc/a.conf", "file:1"}, {"/etc/r.conf", "file:2"}})) == UnitChange::NeedsReload);
  CHECK(compare_units(one, resolved({{"/etc/a.conf", "file:2"}, {"/etc/r.conf", "file:1"}})) == UnitChange::NeedsRestart);
  CHECK(compare_units(one, resolved({{"/etc/r.conf", "file:1"}})) == UnitChange::NeedsRestart);  // no longer managed
  Gen old_gen, new_gen;
  old_gen.set.units["s.service"] = one;
  new_gen.set.units["s.service"] = resolved({{"/etc/a.conf", "file:2"}, {"/etc/r.conf", "file:1"}});
  UnitPlan plan = plan_units(old_gen.set, new_gen.set, Active{{"s.service", "active"}});
  CHECK(plan.stop == Units{"s.service"});
  CHECK(plan.start == Units{"s.service"});
}

TEST_CASE("unit plan: timers and paths restart, slices and basic targets are left to daemon-reload, mounts reload their options") {
  Gen old_gen, new_gen;
  old_gen.unit("t.timer", "[Timer]\nOnCalendar=daily\n").unit("p.path", "[Path]\nPathChanged=/a\n");
  new_gen.unit("t.timer", "[Timer]\nOnCalendar=hourly\n").unit("p.path", "[Path]\nPathChanged=/b\n");
  old_gen.unit("x.slice", "[Slice]\nCPUQuota=10%\n").unit("multi-user.target", "[Unit]\nWants=a\n");
  new_gen.unit("x.slice", "[Slice]\nCPUQuota=20%\n").unit("multi-user.target", "[Unit]\nWants=b\n");
  old_gen.unit("data.mount", "[Mount]\nWhat=/dev/a\nWhere=/data\nOptions=rw\n");
  new_gen.unit("data.mount", "[Mount]\nWhat=/dev/a\nWhere=/data\nOptions=ro\n");
  Active active{{"t.timer", "active"}, {"p.path", "active"}, {"x.slice", "active"}, {"data.mount", "active"}};
  UnitPlan p = plan_units(old_gen.set, new_gen.set, active);
  CHECK(p.restart == Units{"p.path", "t.timer"});
  CHECK(p.reload == Units{"data.mount"});
  CHECK(p.stop.empty());
  CHECK(p.start.empty());
}

TEST_CASE("unit plan: a socket-activated service restarts through its socket") {
  Gen old_gen, new_gen;
  old_gen.unit("echo.socket", "[Socket]\nListenStream=/run/echo\n").unit("echo.service", "[Service]\nExecStart=/old\n");
  new_gen.unit("echo.socket", "[Socket]\nListenStream=/run/echo\n").unit("echo.service", "[Service]\nExecStart=/new\n");
  UnitPlan p = plan_units(old_gen.set, new_gen.set, Active{{"echo.socket", "active"}, {"echo.service", "active"}});
  CHECK(p.stop == Units{"echo.service", "echo.socket"});
  CHECK(p.start == Units{"echo.socket"});  // the service comes back on demand

  Gen changed_socket;
  changed_socket.unit("echo.socket", "[Socket]\nListenStream=/run/echo2\n").unit("echo.service", "[Service]\nExecStart=/old\n");
  UnitPlan q = plan_units(old_gen.set, changed_socket.set, Active{{"echo.socket", "active"}, {"echo.service", "active"}});
  CHECK(q.restart == Units{"echo.socket"});
  CHECK(q.stop == Units{"echo.service"});
}

TEST_CASE("unit plan: new units start through the active targets that gained them") {
  Gen old_gen, new_gen;
  old_gen.unit("a.service", kService).wants("multi-user.target", "a.service");
  new_gen.unit("a.service", kService).unit("b.service", kService).wants("multi-user.target", "a.service");
  new_gen.wants("multi-user.target", "b.service").wants("sleepy.target", "b.service");
  UnitPlan p = plan_units(old_gen.set, new_gen.set, Active{{"a.service", "active"}, {"multi-user.target", "active"}});
  CHECK(p.start == Units{"multi-user.target"});  // sleepy.target is not active
  CHECK(plan_units(old_gen.set, old_gen.set, Active{{"multi-user.target", "active"}}).empty());
}

TEST_CASE("unit plan: RefuseManualStart, RefuseManualStop and X-StopOnReconfiguration are respected") {
  Gen old_gen, new_gen;
  old_gen.unit("t.target", "[Unit]\nDescription=t\n").unit("s.service", kService);
  new_gen.unit("t.target", "[Unit]\nDescription=t\nRefuseManualStart=true\n");
  new_gen.unit("s.service", with(with(kService, "/bin/demo", "/bin/x"), "[Unit]\n", "[Unit]\nRefuseManualStop=yes\n"));
  UnitPlan p = plan_units(old_gen.set, new_gen.set, Active{{"t.target", "active"}, {"s.service", "active"}});
  CHECK(p.start.empty());
  CHECK(p.skip == Units{"s.service"});
  Gen reconf;
  reconf.unit("t.target", "[Unit]\nX-StopOnReconfiguration=true\n").unit("s.service", kService);
  UnitPlan q = plan_units(old_gen.set, reconf.set, Active{{"t.target", "active"}});
  CHECK(q.stop == Units{"t.target"});
  CHECK(q.start == Units{"t.target"});
}

TEST_CASE("manifest units: a package's unit is known by sysconf's drop-ins alone, and its links are its wantedBy") {
  auto file = [](const std::string& path, const std::string& object) {
    ManifestFile f;
    f.path = path;
    f.type = "file";
    f.object = object;
    return f;
  };
  ManifestFile link;
  link.path = "/etc/systemd/system/multi-user.target.wants/NetworkManager.service";
  link.type = "symlink";
  link.target = "/usr/lib/systemd/system/NetworkManager.service";
  std::vector<ManifestFile> files = {
      file("/etc/systemd/system/bluetooth.service.d/overrides.conf", "o1"),
      file("/etc/systemd/system/foo.d/x.conf", "o2"),  // not a unit's drop-in directory
      link,
  };
  std::vector<ManifestUnit> units = units_among(files, kSystemUnitDir);
  REQUIRE(units.size() == 1);
  CHECK(units[0].name == "bluetooth.service");
  CHECK(units[0].file == nullptr);
  REQUIRE(units[0].dropins.size() == 1);
  CHECK(units[0].dropins[0]->object == "o1");
  // A changed drop-in is a changed unit, planned like any other.
  Gen old_gen, new_gen;
  old_gen.set.units["bluetooth.service"] = parse_unit("", {"[Service]\nExecStart=\nExecStart=/usr/libexec/bluetoothd\n"});
  new_gen.set.units["bluetooth.service"] = parse_unit("", {"[Service]\nExecStart=\nExecStart=/usr/libexec/bluetoothd -E\n"});
  UnitPlan p = plan_units(old_gen.set, new_gen.set, Active{{"bluetooth.service", "active"}});
  CHECK(p.stop == Units{"bluetooth.service"});
  CHECK(p.start == Units{"bluetooth.service"});
}

TEST_CASE("unit plan: a running instance follows its template's change and removal (issue 13, item 10)") {
  CHECK(instance_template("foo@a.service") == "foo@.service");
  CHECK(instance_template("foo@.service") == "");
  CHECK(instance_template("foo.service") == "");
  Gen old_gen, new_gen, reload_gen, none;
  old_gen.unit("foo@.service", kService);
  new_gen.unit("foo@.service", with(kService, "/bin/demo", "/bin/demo2"));
  reload_gen.unit("foo@.service",
                  with(with(kService, "/bin/demo", "/bin/demo2"), "[Service]\n", "[Service]\nX-ReloadIfChanged=true\n"));
  Active active{{"foo@a.service", "active"}, {"foo@b.service", "active"}, {"foo@c.service", "inactive"}};
  UnitPlan p = plan_units(old_gen.set, new_gen.set, active);
  CHECK(p.stop == Units{"foo@a.service", "foo@b.service"});
  CHECK(p.start == Units{"foo@a.service", "foo@b.service"});
  CHECK(plan_units(old_gen.set, reload_gen.set, active).reload == Units{"foo@a.service", "foo@b.service"});
  CHECK(plan_units(old_gen.set, old_gen.set, active).empty());
  UnitPlan removed = plan_units(old_gen.set, none.set, active);
  CHECK(removed.stop == Units{"foo@a.service", "foo@b.service"});
  CHECK(removed.start.empty());
  // An instance with a file of its own is judged by that file.
  Gen own_old = old_gen, own_new = new_gen;
  own_old.unit("foo@a.service", kService);
  own_new.unit("foo@a.service", kService);
  CHECK(plan_units(own_old.set, own_new.set, active).stop == Units{"foo@b.service"});
}

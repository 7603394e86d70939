// The comparison of two generations (plan/generation_diff.h): two manifests
// made in memory, the value, and its text and JSON.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "plan/generation_diff.h"

using namespace sc;

namespace {

ManifestFile file(const std::string& path, const std::string& object) {
  ManifestFile f;
  f.path = path;
  f.type = "file";
  f.object = object;
  return f;
}

ManifestFile link(const std::string& path, const std::string& target) {
  ManifestFile f;
  f.path = path;
  f.type = "symlink";
  f.target = target;
  return f;
}

RenderedUser user(const std::string& name) {
  RenderedUser u;
  u.name = name;
  return u;
}

// Generation 1 of a small host, and generation 2 with one of everything changed.
Manifest first() {
  Manifest m;
  m.files = {file("/etc/gone.conf", "a-gone.conf"), file("/etc/motd", "a-motd"), file("/etc/same", "a-same"),
             file("/etc/systemd/system/demo.service", "a-demo.service"),
             file("/etc/systemd/system/old.service", "a-old.service"),
             link("/etc/systemd/system/multi-user.target.wants/demo.service", "../demo.service")};
  ManifestHome craig;
  craig.user = "craig";
  craig.home = "/home/craig";
  craig.files = {file(".bashrc", "a-bashrc"), file(".config/kitty/kitty.conf", "a-kitty.conf")};
  ManifestHome old;
  old.user = "olduser";
  old.home = "/home/olduser";
  old.files = {file(".profile", "a-profile")};
  m.homes = {craig, old};
  m.packages = {"htop", "vim"};
  m.users = {user("craig"), user("olduser")};
  m.groups = {RenderedGroup{"media", 44}};
  return m;
}

Manifest second() {
  Manifest m = first();
  m.files = {file("/etc/added.conf", "b-added.conf"), file("/etc/motd", "b-motd"), file("/etc/same", "a-same"),
             file("/etc/systemd/system/demo.service", "a-demo.service"),
             file("/etc/systemd/system/new.service", "b-new.service")};  // demo no longer wanted: changed
  m.homes[0].files = {file(".config/kitty/kitty.conf", "b-kitty.conf"), file(".config/systemd/user/sync.service", "b-sync"),
                      file(".profile", "b-profile")};
  m.homes.pop_back();
  m.packages = {"git", "htop"};
  m.users = {user("alice"), user("craig")};
  m.groups = {RenderedGroup{"video", 45}};
  return m;
}

}  // namespace

TEST_CASE("two manifests compare file by file, name by name and unit by unit", "[diff]") {
  Manifest a = first(), b = second();
  GenerationDiff diff = compare_manifests(&a, b);
  CHECK(diff.etc.added == std::vector<std::string>{"/etc/added.conf", "/etc/systemd/system/new.service"});
  CHECK(diff.etc.changed == std::vector<std::string>{"/etc/motd"});
  CHECK(diff.etc.removed == std::vector<std::string>{"/etc/gone.conf", "/etc/systemd/system/multi-user.target.wants/demo.service",
                                                     "/etc/systemd/system/old.service"});
  REQUIRE(diff.homes.size() == 2);
  CHECK(diff.homes[0].user == "craig");
  CHECK(diff.homes[0].files.added == std::vector<std::string>{".config/systemd/user/sync.service", ".profile"});
  CHECK(diff.homes[0].files.changed == std::vector<std::string>{".config/kitty/kitty.conf"});
  CHECK(diff.homes[0].files.removed == std::vector<std::string>{".bashrc"});
  CHECK(diff.homes[0].units.added == std::vector<std::string>{"sync.service"});
  CHECK(diff.homes[1].user == "olduser");  // a dropped home: everything in it goes
  CHECK(diff.homes[1].files.removed == std::vector<std::string>{".profile"});
  CHECK(diff.packages.added == std::vector<std::string>{"git"});
  CHECK(diff.packages.removed == std::vector<std::string>{"vim"});
  CHECK(diff.users.added == std::vector<std::string>{"alice"});
  CHECK(diff.users.removed == std::vector<std::string>{"olduser"});
  CHECK(diff.groups.added == std::vector<std::string>{"video"});
  CHECK(diff.groups.removed == std::vector<std::string>{"media"});
  // demo.service keeps its file but loses the target that wanted it.
  CHECK(diff.units.added == std::vector<std::string>{"new.service"});
  CHECK(diff.units.changed == std::vector<std::string>{"demo.service"});
  CHECK(diff.units.removed == std::vector<std::string>{"old.service"});
  CHECK_FALSE(diff.empty());
}

TEST_CASE("a mode or owner change is a change, the same generation twice is none", "[diff]") {
  Manifest a = first(), b = first();
  CHECK(compare_manifests(&a, b).empty());
  b.files[2].mode = "0600";
  GenerationDiff diff = compare_manifests(&a, b);
  CHECK(diff.etc.changed == std::vector<std::string>{"/etc/same"});
  CHECK(diff.etc.added.empty());
  CHECK(diff.units.empty());
}

TEST_CASE("before the first generation everything is added", "[diff]") {
  Manifest b = second();
  GenerationDiff diff = compare_manifests(nullptr, b);
  CHECK(diff.etc.added.size() == b.files.size());
  CHECK(diff.etc.changed.empty());
  CHECK(diff.etc.removed.empty());
  CHECK(diff.packages.added == std::vector<std::string>{"git", "htop"});
  CHECK(diff.units.added == std::vector<std::string>{"demo.service", "new.service"});
}

TEST_CASE("the diff prints as `sysconf diff` and as JSON", "[diff]") {
  Manifest a = first(), b = second();
  GenerationDiff diff = compare_manifests(&a, b);
  CHECK(describe_generation_diff(diff) ==
        "files:\n"
        "  + /etc/added.conf\n"
        "  ~ /etc/motd\n"
        "  + /etc/systemd/system/new.service\n"
        "  - /etc/gone.conf\n"
        "  - /etc/systemd/system/multi-user.target.wants/demo.service\n"
        "  - /etc/systemd/system/old.service\n"
        "  ~ ~craig/.config/kitty/kitty.conf\n"
        "  + ~craig/.config/systemd/user/sync.service\n"
        "  + ~craig/.profile\n"
        "  - ~craig/.bashrc\n"
        "  - ~olduser/.profile\n"
        "packages: +git -vim\n"
        "users: +alice -olduser\n"
        "units: ~demo.service +new.service -old.service +~craig/sync.service\n");
  CHECK(describe_generation_diff(compare_manifests(&a, a)) ==
        "files:\npackages: unchanged\nusers: unchanged\nunits: unchanged\n");

  nlohmann::json j = generation_diff_json(diff);
  CHECK(j["etc"]["changed"] == nlohmann::json{"/etc/motd"});
  CHECK(j["homes"][0]["user"] == "craig");
  CHECK(j["homes"][0]["units"]["added"] == nlohmann::json{"sync.service"});
  CHECK(j["homes"][1]["files"]["removed"] == nlohmann::json{".profile"});
  CHECK(j["packages"] == nlohmann::json{{"added", {"git"}}, {"removed", {"vim"}}});
  CHECK(j["groups"] == nlohmann::json{{"added", {"video"}}, {"removed", {"media"}}});
  CHECK(j["units"]["changed"] == nlohmann::json{"demo.service"});
}

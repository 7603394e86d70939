#include "store/manifest.h"

#include <nlohmann/json.hpp>

namespace sc {

using nlohmann::json;

bool ManifestFile::same_content(const ManifestFile& o) const {
  return type == o.type && object == o.object && executable == o.executable && target == o.target &&
         secret == o.secret && mode == o.mode && user == o.user && group == o.group;
}

const ManifestFile* Manifest::file(const std::string& path) const {
  for (const ManifestFile& f : files)
    if (f.path == path) return &f;
  return nullptr;
}

const ManifestHome* Manifest::home(const std::string& user) const {
  for (const ManifestHome& h : homes)
    if (h.user == user) return &h;
  return nullptr;
}

namespace {

json file_json(const ManifestFile& f, bool home) {
  json j = {{"path", f.path}, {"type", f.type}};
  if (f.type == "file") {
    j["object"] = f.object;
    j["executable"] = f.executable;
  } else if (f.type == "symlink") {
    j["target"] = f.target;
  } else {
    j["secret"] = f.secret;
  }
  if (home) {
    if (!f.on_change.empty()) j["onChange"] = f.on_change;
  } else {
    j["mode"] = f.mode;
    j["user"] = f.user;
    j["group"] = f.group;
  }
  return j;
}

ManifestFile file_from(const json& j) {
  ManifestFile f;
  f.path = j.at("path").get<std::string>();
  f.type = j.at("type").get<std::string>();
  f.object = j.value("object", "");
  f.executable = j.value("executable", false);
  f.target = j.value("target", "");
  f.secret = j.value("secret", "");
  f.mode = j.value("mode", "symlink");
  f.user = j.value("user", "root");
  f.group = j.value("group", "root");
  f.on_change = j.value("onChange", "");
  return f;
}

json home_json(const ManifestHome& h) {
  json files = json::array();
  for (const ManifestFile& f : h.files) files.push_back(file_json(f, true));
  return {{"user", h.user}, {"home", h.home}, {"files", files}, {"packages", h.packages}};
}

}  // namespace

std::string home_manifest_json(const ManifestHome& home) { return home_json(home).dump(2) + "\n"; }

std::string Manifest::to_json(bool with_time) const {
  json j;
  j["format"] = "sysconf-generation-1";
  j["host"] = host;
  j["sysconfVersion"] = sysconf_version;
  if (with_time) j["buildTime"] = build_time;
  j["revision"] = revision ? json(*revision) : json(nullptr);
  j["dirty"] = dirty;
  json f = json::array();
  for (const ManifestFile& file : files) f.push_back(file_json(file, false));
  j["files"] = f;
  json homes_json = json::array();
  for (const ManifestHome& h : homes) {
    json hj = home_json(h);
    hj["generation"] = h.generation;
    homes_json.push_back(hj);
  }
  j["homes"] = homes_json;
  j["packages"] = packages;
  json u = json::array();
  for (const RenderedUser& user : users) {
    json uj = {{"name", user.name}, {"description", user.description}, {"home", user.home},
               {"shell", user.shell}, {"isNormalUser", user.normal}, {"groups", user.groups}};
    uj["uid"] = user.uid ? json(*user.uid) : json(nullptr);
    u.push_back(uj);
  }
  j["users"] = u;
  json g = json::array();
  for (const RenderedGroup& group : groups) g.push_back({{"name", group.name}, {"gid", group.gid ? json(*group.gid) : json(nullptr)}});
  j["groups"] = g;
  json h = json::array();
  for (const ManifestHook& hook : hooks) {
    h.push_back({{"name", hook.name},
                 {"command", hook.command},
                 {"inputs", hook.inputs},
                 {"rootFlag", hook.root_flag ? json(*hook.root_flag) : json(nullptr)},
                 {"inputsHash", hook.inputs_hash}});
  }
  j["hooks"] = h;
  j["units"] = json::array();
  return j.dump(2) + "\n";
}

std::optional<Manifest> Manifest::from_json(const std::string& text, std::string& error) {
  try {
    json j = json::parse(text);
    if (j.value("format", "") != "sysconf-generation-1") {
      error = "not a sysconf generation manifest";
      return std::nullopt;
    }
    Manifest m;
    m.host = j.value("host", "");
    m.sysconf_version = j.value("sysconfVersion", "");
    m.build_time = j.value("buildTime", "");
    if (j.contains("revision") && j["revision"].is_string()) m.revision = j["revision"].get<std::string>();
    m.dirty = j.value("dirty", false);
    for (const json& f : j.at("files")) m.files.push_back(file_from(f));
    for (const json& hj : j.at("homes")) {
      ManifestHome h;
      h.user = hj.at("user").get<std::string>();
      h.home = hj.at("home").get<std::string>();
      h.generation = hj.value("generation", "");
      for (const json& f : hj.at("files")) h.files.push_back(file_from(f));
      h.packages = hj.value("packages", std::vector<std::string>{});
      m.homes.push_back(std::move(h));
    }
    m.packages = j.value("packages", std::vector<std::string>{});
    for (const json& uj : j.value("users", json::array())) {
      RenderedUser u;
      u.name = uj.value("name", "");
      u.description = uj.value("description", "");
      u.home = uj.value("home", "");
      u.shell = uj.value("shell", "");
      u.normal = uj.value("isNormalUser", false);
      u.groups = uj.value("groups", std::vector<std::string>{});
      if (uj.contains("uid") && uj["uid"].is_number()) u.uid = uj["uid"].get<int64_t>();
      m.users.push_back(std::move(u));
    }
    for (const json& gj : j.value("groups", json::array())) {
      RenderedGroup g;
      g.name = gj.value("name", "");
      if (gj.contains("gid") && gj["gid"].is_number()) g.gid = gj["gid"].get<int64_t>();
      m.groups.push_back(std::move(g));
    }
    for (const json& hj : j.value("hooks", json::array())) {
      ManifestHook h;
      h.name = hj.value("name", "");
      h.command = hj.value("command", std::vector<std::string>{});
      h.inputs = hj.value("inputs", std::vector<std::string>{});
      if (hj.contains("rootFlag") && hj["rootFlag"].is_string()) h.root_flag = hj["rootFlag"].get<std::string>();
      h.inputs_hash = hj.value("inputsHash", "");
      m.hooks.push_back(std::move(h));
    }
    return m;
  } catch (const json::exception& e) {
    error = e.what();
    return std::nullopt;
  }
}

}  // namespace sc

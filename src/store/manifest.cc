#include "store/manifest.h"

#include <map>
#include <set>
#include <stdexcept>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "util/json_out.h"

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

std::vector<ManifestUnit> units_among(const std::vector<ManifestFile>& files, const std::string& dir) {
  std::map<std::string, ManifestUnit> units;
  std::map<std::string, std::vector<std::string>> wanted_by;
  for (const ManifestFile& f : files) {
    if (f.path.compare(0, dir.size(), dir) != 0) continue;
    std::string_view rel = std::string_view(f.path).substr(dir.size());
    size_t slash = rel.find('/');
    if (slash == std::string_view::npos) {
      if (f.type == "symlink" && f.target == "/dev/null") continue;  // masked
      if (is_unit_name(rel) && f.type != "symlink") {
        ManifestUnit& u = units[std::string(rel)];
        u.name = std::string(rel);
        u.file = &f;
      }
      continue;
    }
    std::string_view parent = rel.substr(0, slash), leaf = rel.substr(slash + 1);
    if (leaf.find('/') != std::string_view::npos) continue;
    auto ends_with = [](std::string_view s, std::string_view end) {
      return s.size() > end.size() && s.substr(s.size() - end.size()) == end;
    };
    if (ends_with(parent, ".d") && ends_with(leaf, ".conf") && is_unit_name(parent.substr(0, parent.size() - 2))) {
      ManifestUnit& u = units[std::string(parent.substr(0, parent.size() - 2))];
      u.name = std::string(parent.substr(0, parent.size() - 2));
      u.dropins.push_back(&f);
    } else if (ends_with(parent, ".wants") || ends_with(parent, ".requires")) {
      std::string target(parent.substr(0, parent.rfind('.')));
      wanted_by[std::string(leaf)].push_back(target);
    }
  }
  std::vector<ManifestUnit> out;
  for (auto& [name, unit] : units) {
    // Drop-ins alone: a unit a package installs, changed by sysconf's overrides.
    unit.wanted_by = wanted_by[name];
    out.push_back(std::move(unit));
  }
  return out;
}

namespace {

void write_units(JsonOut& out, const std::vector<ManifestFile>& files, const std::string& dir) {
  out.begin_array();
  for (const ManifestUnit& u : units_among(files, dir)) {
    out.begin_object().key("name").string(u.name).key("object").optional_string(
        u.file ? std::optional<std::string>(u.file->object) : std::nullopt);
    out.key("dropIns").begin_array();
    for (const ManifestFile* d : u.dropins) out.string(d->path);
    out.end_array();
    out.key("wantedBy").strings(u.wanted_by).end_object();
  }
  out.end_array();
}

void write_file(JsonOut& out, const ManifestFile& f, bool home) {
  out.begin_object().key("path").string(f.path).key("type").string(f.type);
  if (f.type == "file") {
    out.key("object").string(f.object).key("executable").boolean(f.executable);
  } else if (f.type == "symlink") {
    out.key("target").string(f.target);
  } else {
    out.key("secret").string(f.secret);
  }
  if (home) {
    if (!f.on_change.empty()) out.key("onChange").string(f.on_change);
  } else {
    out.key("mode").string(f.mode).key("user").string(f.user).key("group").string(f.group);
  }
  out.end_object();
}

// What the manifest holds that JSON allows but a manifest does not.
struct ManifestError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// A file entry; one that names no content of its kind is refused, since
// every reader (activation, gc, diff) acts on that content.
ManifestFile file_from(const json& j) {
  ManifestFile f;
  f.path = j.at("path").get<std::string>();
  f.type = j.at("type").get<std::string>();
  const char* content = f.type == "file" ? "object" : f.type == "symlink" ? "target" : f.type == "secret" ? "secret" : nullptr;
  if (!content) throw ManifestError(fmt::format("{}: unknown entry type {}", f.path, json(f.type).dump()));
  if (!j.contains(content) || !j[content].is_string() || j[content].get<std::string>().empty())
    throw ManifestError(fmt::format("{}: a {} entry without its {}", f.path, f.type, content));
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

// A home's members; the system manifest adds the home's generation.
void write_home_members(JsonOut& out, const ManifestHome& h) {
  out.key("user").string(h.user).key("home").string(h.home);
  out.key("files").begin_array();
  for (const ManifestFile& f : h.files) write_file(out, f, true);
  out.end_array();
  out.key("packages").strings(h.packages);
  out.key("units");
  write_units(out, h.files, kUserUnitDir);
}

}  // namespace

std::string home_manifest_json(const ManifestHome& home) {
  JsonOut out;
  out.begin_object();
  write_home_members(out, home);
  out.end_object();
  return out.finish();
}

std::string Manifest::to_json(bool with_time) const {
  JsonOut out;
  out.begin_object();
  out.key("format").string("sysconf-generation-1");
  out.key("host").string(host);
  out.key("sysconfVersion").string(sysconf_version);
  if (with_time) out.key("buildTime").string(build_time);
  out.key("revision").optional_string(revision);
  out.key("dirty").boolean(dirty);
  out.key("files").begin_array();
  for (const ManifestFile& file : files) write_file(out, file, false);
  out.end_array();
  out.key("homes").begin_array();
  for (const ManifestHome& h : homes) {
    out.begin_object();
    write_home_members(out, h);
    out.key("generation").string(h.generation);
    out.end_object();
  }
  out.end_array();
  out.key("packages").strings(packages);
  out.key("users").begin_array();
  for (const RenderedUser& user : users) {
    out.begin_object().key("name").string(user.name).key("uid").optional_integer(user.uid);
    out.key("description").string(user.description).key("home").string(user.home).key("shell").string(user.shell);
    out.key("isNormalUser").boolean(user.normal).key("groups").strings(user.groups);
    // Only when set: generations without one keep their hash. The path only,
    // never the hash.
    if (!user.hashed_password_file.empty()) out.key("hashedPasswordFile").string(user.hashed_password_file);
    out.end_object();
  }
  out.end_array();
  out.key("groups").begin_array();
  for (const RenderedGroup& group : groups)
    out.begin_object().key("name").string(group.name).key("gid").optional_integer(group.gid).end_object();
  out.end_array();
  out.key("hooks").begin_array();
  for (const ManifestHook& hook : hooks) {
    out.begin_object().key("name").string(hook.name).key("command").strings(hook.command);
    out.key("inputs").strings(hook.inputs).key("rootFlag").optional_string(hook.root_flag);
    out.key("inputsHash").string(hook.inputs_hash).end_object();
  }
  out.end_array();
  out.key("units");
  write_units(out, files, kSystemUnitDir);
  out.key("objects").strings(objects);
  out.end_object();
  return out.finish();
}

Result<Manifest> Manifest::from_json(const std::string& text) {
  try {
    json j = json::parse(text);
    if (j.value("format", "") != "sysconf-generation-1") return Failure("not a sysconf generation manifest");
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
    m.objects = j.value("objects", std::vector<std::string>{});
    for (const json& uj : j.value("users", json::array())) {
      RenderedUser u;
      u.name = uj.value("name", "");
      u.description = uj.value("description", "");
      u.home = uj.value("home", "");
      u.shell = uj.value("shell", "");
      u.normal = uj.value("isNormalUser", false);
      u.groups = uj.value("groups", std::vector<std::string>{});
      u.hashed_password_file = uj.value("hashedPasswordFile", "");
      if (uj.contains("uid") && uj["uid"].is_number_integer()) u.uid = uj["uid"].get<int64_t>();
      m.users.push_back(std::move(u));
    }
    for (const json& gj : j.value("groups", json::array())) {
      RenderedGroup g;
      g.name = gj.value("name", "");
      if (gj.contains("gid") && gj["gid"].is_number_integer()) g.gid = gj["gid"].get<int64_t>();
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
    return Failure(e.what());
  } catch (const ManifestError& e) {
    return Failure(e.what());
  }
}

}  // namespace sc

#include "store/generation.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "util/hash.h"

namespace sc {

namespace {

// Puts `leaf` at the relative `path` inside `tree`, creating directories.
void place(TreeEntry& tree, const std::string& path, TreeEntry leaf) {
  TreeEntry* dir = &tree;
  size_t start = 0;
  for (;;) {
    size_t slash = path.find('/', start);
    if (slash == std::string::npos) break;
    dir = &dir->children[path.substr(start, slash - start)];
    dir->kind = TreeEntry::Kind::Dir;
    start = slash + 1;
  }
  dir->children[path.substr(start)] = std::move(leaf);
}

TreeEntry link_to(const std::string& target) {
  TreeEntry e;
  e.kind = TreeEntry::Kind::Symlink;
  e.target = target;
  return e;
}

// A link at `path` inside a generation to another store object, relative so
// that it resolves under --root as on the running system.
TreeEntry link_to_object(const std::string& path, const std::string& object) {
  std::string up = "../";
  for (char c : path)
    if (c == '/') up += "../";
  return link_to(up + object);
}

TreeEntry file_with(std::string content, bool executable = false) {
  TreeEntry e;
  e.kind = TreeEntry::Kind::File;
  e.content = std::move(content);
  e.executable = executable;
  return e;
}

// Whether `path` is a unit file itself (not a drop-in or a .wants/ link):
// its parent is a unit directory.
bool is_unit_file(const std::string& path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos) return false;
  std::string_view parent = std::string_view(path).substr(0, slash);
  return parent.ends_with("systemd/system") || parent.ends_with("systemd/user");
}

// What a generation's tree holds at a rendered file's place. A unit file is
// kept under its own name rather than linked to its object
// (<hash>-name.service): systemd follows the links to the last file and,
// when that file's name differs from the unit's, calls the unit an alias
// (`systemctl is-enabled` says "alias", `reenable` fails). NixOS gives
// every unit's last file the unit's name for the same reason.
TreeEntry tree_entry(const std::string& tree_path, const RenderedFile& f, const ManifestFile& entry) {
  if (entry.type == "symlink") return link_to(entry.target);
  if (is_unit_file(f.path)) return file_with(f.content, f.executable);
  return link_to_object(tree_path, entry.object);
}

// A rendered file → its manifest entry, adding its content to the store.
ManifestFile store_file(const RenderedFile& f, Store& store) {
  ManifestFile m;
  m.path = f.path;
  m.mode = f.mode;
  m.user = f.user;
  m.group = f.group;
  m.on_change = f.on_change;
  switch (f.kind) {
    case RenderedFile::Kind::Content:
      m.type = "file";
      m.executable = f.executable;
      m.object = store.add_file(f.path, f.content, f.executable);
      break;
    case RenderedFile::Kind::Symlink:
      m.type = "symlink";
      m.target = f.target;
      break;
    case RenderedFile::Kind::Secret:
      m.type = "secret";
      m.secret = f.secret;
      break;
  }
  return m;
}

std::string hook_inputs_hash(const RenderedHook& hook, const Manifest& m) {
  Sha256Builder b;
  for (const std::string& part : hook.command) b.add_field(part);
  for (const std::string& input : hook.inputs) {
    b.add_field(input);
    const ManifestFile* f = m.file(input);
    b.add_field(f ? fmt::format("{}|{}|{}|{}|{}", f->type, f->object, f->target, f->secret, f->mode) : "absent");
  }
  return short_base32(b.finish());
}

}  // namespace

BuiltGeneration build_generation(const Rendered& rendered, const BuildInfo& info, Store& store) {
  BuiltGeneration out;
  Manifest& m = out.manifest;
  m.host = info.host;
  m.sysconf_version = info.version;
  m.build_time = info.build_time;
  m.revision = info.revision;
  m.dirty = info.dirty;
  m.packages = rendered.packages;
  m.users = rendered.users;
  m.groups = rendered.groups;
  for (const RenderedObject& o : rendered.objects) {
    std::string name = store.add_file(o.name.substr(o.name.find('-') + 1), o.content, o.executable);
    if (name != o.name) throw FsError(fmt::format("the store names `{}` differently: {}", o.name, name), EINVAL);
    m.objects.push_back(name);
  }

  TreeEntry tree;
  tree.children["etc"].kind = TreeEntry::Kind::Dir;  // /etc/static exists even when empty
  for (const RenderedFile& f : rendered.etc) {
    ManifestFile entry = store_file(f, store);
    std::string rel = f.path.substr(5);  // below /etc/
    if (entry.type != "secret") place(tree.children["etc"], rel, tree_entry("etc/" + rel, f, entry));
    tree.children["etc"].kind = TreeEntry::Kind::Dir;
    m.files.push_back(std::move(entry));
  }
  for (const RenderedHome& h : rendered.homes) {
    ManifestHome home;
    home.user = h.user;
    home.home = h.home;
    home.packages = h.packages;
    TreeEntry home_tree;
    home_tree.children["files"].kind = TreeEntry::Kind::Dir;
    for (const RenderedFile& f : h.files) {
      ManifestFile entry = store_file(f, store);
      if (entry.type != "secret") place(home_tree.children["files"], f.path, tree_entry("files/" + f.path, f, entry));
      home.files.push_back(std::move(entry));
    }
    home_tree.children["manifest.json"] = file_with(home_manifest_json(home));
    home.generation = store.add_tree("sysconf-home-" + h.user, home_tree, home_tree).first;
    place(tree, "home/" + h.user, link_to_object("home/" + h.user, home.generation));
    m.homes.push_back(std::move(home));
  }
  for (const RenderedHook& h : rendered.hooks) {
    m.hooks.push_back(ManifestHook{h.name, h.command, h.inputs, h.root_flag, hook_inputs_hash(h, m)});
  }
  // The build time is recorded but is not part of the generation's identity:
  // rebuilding an unchanged configuration finds the same object.
  // The manifest with its build time is made only when the generation is new.
  tree.children["manifest.json"] = file_with(m.to_json(false));
  auto [object, existed] = store.add_tree("sysconf-system-" + info.host, tree, [&] {
    TreeEntry with_time = tree;
    with_time.children["manifest.json"] = file_with(m.to_json(true));
    return with_time;
  });
  out.object = object;
  out.existed = existed;
  return out;
}

Status mark_live(const Root& root, const std::string& object, std::set<std::string>& live) {
  if (!live.insert(object).second) return {};
  nlohmann::json j;
  try {
    Fd dir = open_dir_beneath(root.fd(), Root::relative(store_path(object)), false);
    j = nlohmann::json::parse(read_file_at(dir.get(), "manifest.json"));
  } catch (const FsError& e) {
    return Failure(fmt::format("{}: {}", store_path(object), e.what()));
  } catch (const nlohmann::json::exception& e) {
    return Failure(fmt::format("{}/manifest.json is not JSON ({})", store_path(object), e.what()));
  }
  // Every object a manifest names must be read: one skipped is one swept.
  auto damaged = [&](const char* what) {
    return Failure(fmt::format("{}/manifest.json: {}", store_path(object), what));
  };
  auto object_name = [](const nlohmann::json& v) {
    return v.is_string() && !v.get<std::string>().empty() && v.get<std::string>().find('/') == std::string::npos;
  };
  if (!j.is_object()) return damaged("not a manifest");
  for (const char* key : {"files", "objects", "homes"})
    if (j.contains(key) && !j[key].is_array()) return damaged("a list of objects is not a list");
  for (const auto& f : j.value("files", nlohmann::json::array())) {
    if (!f.is_object()) return damaged("a file entry is not an object");
    if (f.contains("object")) {
      if (!object_name(f["object"])) return damaged("a file entry names no store object");
      live.insert(f["object"].get<std::string>());
    }
  }
  for (const auto& o : j.value("objects", nlohmann::json::array())) {
    if (!object_name(o)) return damaged("an object is not a store object's name");
    live.insert(o.get<std::string>());
  }
  for (const auto& h : j.value("homes", nlohmann::json::array())) {
    if (!h.is_object()) return damaged("a home is not an object");
    if (!h.contains("generation")) continue;
    if (!object_name(h["generation"])) return damaged("a home names no generation");
    if (Status s = mark_live(root, h["generation"].get<std::string>(), live); !s.ok()) return s;
  }
  return {};
}

Result<Manifest> read_manifest(const Root& root, const std::string& object) {
  try {
    Fd dir = open_dir_beneath(root.fd(), Root::relative(store_path(object)), false);
    return Manifest::from_json(read_file_at(dir.get(), "manifest.json"));
  } catch (const FsError& e) {
    return Failure(e.what());
  }
}

}  // namespace sc

#include "load/repo.h"

#include <unistd.h>

#include <algorithm>
#include <filesystem>

#include <fmt/format.h>
#include <toml++/toml.h>

#include "util/text.h"

namespace fs = std::filesystem;

namespace sc {

std::string find_config_dir(const std::optional<std::string>& flag) {
  if (flag) {
    // "." normalises to "/abs/dir/": without the trailing slash, so that
    // paths inside the configuration are recognised as such.
    std::string dir = fs::absolute(*flag).lexically_normal().string();
    while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
    return dir;
  }
  std::error_code ec;
  fs::path cwd = fs::current_path(ec);
  if (!ec && fs::exists(cwd / "sysconf.toml", ec)) return cwd.string();
  return "/etc/sysconf";
}

std::string default_library_dir(const std::string& config_dir) {
  std::error_code ec;
  fs::path beside = fs::path(config_dir) / "modules";
  if (fs::is_directory(beside, ec)) return beside.string();
  return std::string(SYSCONF_DATADIR) + "/modules";
}

std::vector<std::string> library_modules(const std::string& dir, bool home) {
  std::vector<std::string> out;
  std::error_code ec;
  fs::path root(dir);
  fs::path home_dir = root / "home";
  fs::path start = home ? home_dir : root;
  if (!fs::is_directory(start, ec)) return out;
  for (auto it = fs::recursive_directory_iterator(start, fs::directory_options::skip_permission_denied, ec);
       it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (ec) break;
    if (!home && it->is_directory() && it->path() == home_dir) {
      it.disable_recursion_pending();
      continue;
    }
    if (it->is_regular_file() && it->path().extension() == ".toml") out.push_back(it->path().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::optional<Repo> load_repo(const std::string& config_dir, SourceFiles& files, Diagnostics& diags) {
  std::string path = config_dir + "/sysconf.toml";
  files.set_display_base(config_dir);
  std::error_code ec;
  if (!fs::exists(path, ec)) {
    diags.error(fmt::format("no sysconf.toml in `{}`", config_dir), SourcePos{},
                "run sysconf in your configuration's directory, or name it with --config DIR");
    return std::nullopt;
  }
  std::shared_ptr<const ConfigReader> reader;
  std::string text;
  try {
    reader = std::make_shared<const ConfigReader>(config_dir);
    text = reader->read_module(path);
  } catch (const FsError& e) {
    diags.error(fmt::format("cannot read sysconf.toml: {}", e.what()), SourcePos{});
    return std::nullopt;
  }
  FileId file = files.add(path);
  toml::table doc;
  try {
    doc = toml::parse(text, path);
  } catch (const toml::parse_error& e) {
    Diagnostic d;
    d.message = fmt::format("TOML syntax error: {}", e.description());
    d.pos = SourcePos{file, e.source().begin.line, e.source().begin.column};
    d.help = "fix the TOML syntax of this file";
    diags.add(std::move(d));
    return std::nullopt;
  }
  auto at = [&](const toml::source_region& r) { return SourcePos{file, r.begin.line, r.begin.column}; };
  Repo repo;
  repo.config_dir = config_dir;
  SourcePos default_host_pos;
  for (auto&& [key, node] : doc) {
    if (key.str() == "defaultHost") {
      if (auto* s = node.as_string()) {
        repo.default_host = s->get();
        default_host_pos = at(node.source());
      } else {
        diags.error("`defaultHost` must be a host's name", at(node.source()));
      }
      continue;
    }
    if (key.str() != "hosts") {
      auto near = closest_names(key.str(), {"hosts", "defaultHost"}, 2);
      diags.error(fmt::format("unknown key `{}` in sysconf.toml", key.str()), at(key.source()),
                  near.empty() ? "sysconf.toml holds [hosts.NAME] tables and defaultHost"
                               : fmt::format("did you mean `{}`?", near[0]));
      continue;
    }
    const toml::table* hosts = node.as_table();
    if (!hosts) {
      diags.error("`hosts` must be a table of [hosts.NAME] entries", at(node.source()));
      continue;
    }
    for (auto&& [name, body] : *hosts) {
      HostSpec host;
      host.reader = reader;
      host.name = std::string(name.str());
      host.pos = at(name.source());
      host.library_dirs.push_back(default_library_dir(config_dir));
      const toml::table* t = body.as_table();
      if (!t) {
        diags.error(fmt::format("host `{}` must be a table", host.name), host.pos);
        continue;
      }
      bool has_modules = false;
      for (auto&& [k, v] : *t) {
        if (k.str() == "modules") {
          const toml::array* list = v.as_array();
          if (!list) {
            diags.error("`modules` must be a list of paths", at(v.source()));
            continue;
          }
          has_modules = true;
          for (const toml::node& item : *list) {
            if (auto* s = item.as_string()) {
              fs::path p(s->get());
              if (p.is_relative()) p = fs::path(config_dir) / p;
              host.modules.push_back(ModuleRoot{p.lexically_normal().string(), at(item.source())});
            } else {
              diags.error("each entry of `modules` must be a path string", at(item.source()));
            }
          }
        } else if (k.str() == "library") {
          host.library_dirs.clear();
          if (auto* b = v.as_boolean()) {
            if (b->get()) host.library_dirs.push_back(default_library_dir(config_dir));
          } else if (auto* list = v.as_array()) {
            for (const toml::node& item : *list) {
              if (auto* s = item.as_string()) {
                fs::path p(s->get());
                if (p.is_relative()) p = fs::path(config_dir) / p;
                host.library_dirs.push_back(p.lexically_normal().string());
              } else {
                diags.error("each entry of `library` must be a directory path", at(item.source()));
              }
            }
          } else {
            diags.error("`library` must be a list of directories, or false", at(v.source()));
          }
        } else {
          auto near = closest_names(k.str(), {"modules", "library"}, 1);
          diags.error(fmt::format("unknown key `{}` in host `{}`", k.str(), host.name), at(k.source()),
                      near.empty() ? "a host has `modules` and `library`" : fmt::format("did you mean `{}`?", near[0]));
        }
      }
      if (!has_modules)
        diags.error(fmt::format("host `{}` has no `modules`", host.name), host.pos,
                    "add modules = [\"hosts/NAME/default.toml\"]");
      repo.hosts.push_back(std::move(host));
    }
  }
  if (repo.default_host &&
      std::none_of(repo.hosts.begin(), repo.hosts.end(), [&](const HostSpec& h) { return h.name == *repo.default_host; }))
    diags.error(fmt::format("`defaultHost` names `{}`, which is not a host of sysconf.toml", *repo.default_host),
                default_host_pos, "name one of the [hosts.NAME] tables");
  if (repo.hosts.empty() && !diags.has_errors())
    diags.error("sysconf.toml declares no hosts", SourcePos{file, 1, 1},
                "add a [hosts.NAME] table with modules = [\"hosts/NAME/default.toml\"]");
  return repo;
}

const HostSpec* select_host(const Repo& repo, const std::optional<std::string>& flag, Diagnostics& diags) {
  auto named = [&](const std::string& name) -> const HostSpec* {
    for (const HostSpec& h : repo.hosts)
      if (h.name == name) return &h;
    return nullptr;
  };
  std::vector<std::string> names;
  for (const HostSpec& h : repo.hosts) names.push_back("`" + h.name + "`");
  if (flag) {
    if (const HostSpec* h = named(*flag)) return h;
    diags.error(fmt::format("no host `{}` in sysconf.toml", *flag), SourcePos{},
                fmt::format("the hosts are {}; pick one with --host NAME", list_words(names, " and ")));
    return nullptr;
  }
  // A machine named like one of the hosts is that host, whatever the
  // default: applying one machine's configuration to another is worse than
  // asking. defaultHost is for a machine named like none of them.
  char name[256] = {};
  std::string hostname = gethostname(name, sizeof name - 1) == 0 ? name : "";
  if (const HostSpec* h = named(hostname)) return h;
  if (repo.default_host) return named(*repo.default_host);
  diags.error(fmt::format("no host `{}` in sysconf.toml", hostname), SourcePos{},
              fmt::format("the hosts are {}; pick one with --host NAME, or name the default with defaultHost = "
                          "\"NAME\" in sysconf.toml",
                          list_words(names, " and ")));
  return nullptr;
}

}  // namespace sc

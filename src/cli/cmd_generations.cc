// sysconf generations [--json] and sysconf diff [A] [B].
#include <cstdio>
#include <ctime>
#include <map>
#include <set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/state.h"

namespace sc {

namespace {
std::string date_of(int64_t t) {
  std::time_t time = static_cast<std::time_t>(t);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%d %H:%M:%S", std::gmtime(&time));
  return buffer;
}
}  // namespace

int run_generations(CommandContext& ctx, bool json) {
  auto root = open_root(ctx, true);
  if (!root) return ctx.report();
  Profiles profiles(*root, true);
  auto current = profiles.current("system");
  nlohmann::json list = nlohmann::json::array();
  std::string out;
  for (const ProfileGeneration& g : profiles.list("system")) {
    std::string error;
    auto m = read_manifest(*root, g.object, error);
    std::string host = m ? m->host : "?";
    std::string revision = m && m->revision ? m->revision->substr(0, 12) + (m->dirty ? "-dirty" : "") : "-";
    bool is_current = current && *current == g.number;
    list.push_back({{"number", g.number},
                    {"date", date_of(g.time)},
                    {"host", host},
                    {"revision", m && m->revision ? nlohmann::json(*m->revision) : nlohmann::json(nullptr)},
                    {"dirty", m ? m->dirty : false},
                    {"current", is_current},
                    {"generation", g.object}});
    out += fmt::format("{:>4}  {}  {:<12} {:<18} {}\n", g.number, date_of(g.time), host, revision,
                       is_current ? "(current)" : "");
  }
  if (json) out = list.dump(2) + "\n";
  std::fputs(out.c_str(), stdout);
  return ctx.report();
}

int run_diff(CommandContext& ctx, const DiffOptions& options) {
  auto root = open_root(ctx, true);
  if (!root) return ctx.report();
  Profiles profiles(*root, true);
  auto current = profiles.current("system");
  if (!current) {
    ctx.diags().error("there are no generations yet", SourcePos{}, "`sysconf switch` makes the first one");
    return ctx.report();
  }
  int b = options.b.value_or(*current);
  int a = 0;
  if (options.a) {
    a = *options.a;
  } else {
    for (const auto& g : profiles.list("system"))
      if (g.number < b) a = g.number;
  }
  auto from = load_generation(ctx, *root, a);
  auto to = load_generation(ctx, *root, b);
  if (!from || !to) return ctx.report();

  std::string out = fmt::format("generation {} -> {}\n", a, b);
  auto diff_files = [&](const std::vector<ManifestFile>& x, const std::vector<ManifestFile>& y, const std::string& prefix) {
    std::map<std::string, const ManifestFile*> old_files, new_files;
    for (const auto& f : x) old_files[f.path] = &f;
    for (const auto& f : y) new_files[f.path] = &f;
    for (auto& [path, f] : new_files) {
      auto it = old_files.find(path);
      if (it == old_files.end()) out += fmt::format("  + {}{}\n", prefix, path);
      else if (!it->second->same_content(*f)) out += fmt::format("  ~ {}{}\n", prefix, path);
    }
    for (auto& [path, f] : old_files)
      if (!new_files.count(path)) out += fmt::format("  - {}{}\n", prefix, path);
  };
  out += "files:\n";
  diff_files(from->manifest.files, to->manifest.files, "");
  std::set<std::string> users;
  for (const auto& h : from->manifest.homes) users.insert(h.user);
  for (const auto& h : to->manifest.homes) users.insert(h.user);
  for (const std::string& u : users) {
    static const std::vector<ManifestFile> kNone;
    const ManifestHome* x = from->manifest.home(u);
    const ManifestHome* y = to->manifest.home(u);
    diff_files(x ? x->files : kNone, y ? y->files : kNone, "~" + u + "/");
  }
  auto diff_names = [&](const std::vector<std::string>& x, const std::vector<std::string>& y, const std::string& what) {
    std::set<std::string> sx(x.begin(), x.end()), sy(y.begin(), y.end());
    std::string line;
    for (const auto& n : sy)
      if (!sx.count(n)) line += " +" + n;
    for (const auto& n : sx)
      if (!sy.count(n)) line += " -" + n;
    out += fmt::format("{}:{}\n", what, line.empty() ? " unchanged" : line);
  };
  diff_names(from->manifest.packages, to->manifest.packages, "packages");
  auto user_names = [](const Manifest& m) {
    std::vector<std::string> names;
    for (const auto& u : m.users) names.push_back(u.name);
    return names;
  };
  diff_names(user_names(from->manifest), user_names(to->manifest), "users");
  // Units, as the switch compares them: by their files and drop-ins, and
  // the targets that want them.
  std::string units;
  auto diff_units = [&](const std::vector<ManifestFile>& x, const std::vector<ManifestFile>& y, const std::string& dir,
                        const std::string& prefix) {
    auto identities = [&](const std::vector<ManifestFile>& files) {
      std::map<std::string, std::string> out;
      for (const ManifestUnit& u : units_among(files, dir)) {
        std::string id = u.file ? u.file->object : "";
        for (const ManifestFile* d : u.dropins) id += " " + d->path + "=" + d->object;
        for (const std::string& t : u.wanted_by) id += " <" + t;
        out[u.name] = id;
      }
      return out;
    };
    auto old_units = identities(x), new_units = identities(y);
    for (const auto& [name, id] : new_units) {
      auto it = old_units.find(name);
      if (it == old_units.end()) units += " +" + prefix + name;
      else if (it->second != id) units += " ~" + prefix + name;
    }
    for (const auto& [name, id] : old_units)
      if (!new_units.count(name)) units += " -" + prefix + name;
  };
  diff_units(from->manifest.files, to->manifest.files, kSystemUnitDir, "");
  for (const std::string& u : users) {
    static const std::vector<ManifestFile> kNone;
    const ManifestHome* x = from->manifest.home(u);
    const ManifestHome* y = to->manifest.home(u);
    diff_units(x ? x->files : kNone, y ? y->files : kNone, kUserUnitDir, "~" + u + "/");
  }
  out += fmt::format("units:{}\n", units.empty() ? " unchanged" : units);
  std::fputs(out.c_str(), stdout);
  return ctx.report();
}

}  // namespace sc

#include "eval/pipeline.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <filesystem>

namespace sc {

namespace {
double millis_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
}

// Where `item`, an element of the merged modules list at `path`
// (sysconf.homes.USER.modules), was written: followed to the option the
// library passed it from (home-manager.users.USER.modules), the element of an
// active definition there at the same line and column that names the same
// file; else the definition of the list. The merge keeps an element's line
// and column but not its file.
SourcePos home_module_site(Evaluation& os, const SourceFiles& files, const std::vector<std::string>& list_path,
                           const Value* item) {
  const std::vector<std::string> path = os.definition_origin(list_path).path;
  // The attrsOf option the path goes through: its longest prefix that is an option.
  const OptionInfo* option = nullptr;
  size_t depth = path.size();
  for (; depth > 0 && !option; --depth) option = os.declarations().tree.option_at({path.begin(), path.begin() + depth});
  if (!option || item->line == 0) return os.definition_site(path);
  ++depth;
  for (const MergeDef& d : os.definitions_of(*option)) {
    if (!os.definition_active(d).value_or(false)) continue;
    // The list this definition gives, reached through what is left of the path.
    const Value* v = d.value;
    size_t at = depth;
    for (uint32_t i = 0; i < d.rest_size && v; ++i, ++at)
      if (at >= path.size() || d.rest[i] != path[at]) v = nullptr;
    for (; v && at < path.size(); ++at) {
      if (v->kind == ValueKind::Wrapped) v = v->wrapped.inner;
      const TableEntry* e = v->is_table() ? v->find(path[at]) : nullptr;
      v = e ? e->value : nullptr;
    }
    if (v && v->kind == ValueKind::Wrapped) v = v->wrapped.inner;
    if (!v || !v->is_list()) continue;
    std::filesystem::path dir = std::filesystem::path(files.path(d.pos.file)).parent_path();
    for (auto it = v->begin_items(); it != v->end_items(); ++it) {
      const Value* written = *it;
      if (!written->is_string() || written->line != item->line || written->column != item->column) continue;
      std::filesystem::path p(std::string(written->str()));
      if (p.is_relative()) p = (dir / p).lexically_normal();
      if (p == std::string(item->str())) return SourcePos{d.pos.file, written->line, written->column};
    }
  }
  return os.definition_site(path);
}
}  // namespace

std::unique_ptr<EvaluatedConfig> prepare(const std::vector<ModuleRoot>& roots, SourceFiles& files, Diagnostics& diags,
                                         const ConfigReader* reader, Evaluation* os, const UserContext* user) {
  auto out = std::make_unique<EvaluatedConfig>();
  auto start = std::chrono::steady_clock::now();
  out->loaded = load_modules(roots, files, diags, reader);
  spdlog::debug("loaded {} modules in {:.1f} ms", out->loaded.modules.size(), millis_since(start));
  if (!out->loaded.complete) return out;
  start = std::chrono::steady_clock::now();
  out->decls = declare_options(out->loaded.modules, diags);
  spdlog::debug("declared {} options in {:.1f} ms", out->decls->tree.options().size(), millis_since(start));
  start = std::chrono::steady_clock::now();
  out->eval = std::make_unique<Evaluation>(out->loaded.modules, *out->decls, files, diags);
  if (os && user) out->eval->set_home_context(os, *user);
  out->eval->index();
  out->ok = true;
  spdlog::debug("indexed definitions in {:.1f} ms", millis_since(start));
  return out;
}

HostEvaluation prepare_host(const HostSpec& host, SourceFiles& files, Diagnostics& diags, bool with_homes) {
  HostEvaluation out;
  out.host = &host;
  std::vector<ModuleRoot> roots;
  for (const std::string& dir : host.library_dirs)
    for (const std::string& file : library_modules(dir, false)) roots.push_back(ModuleRoot{file, {}});
  roots.insert(roots.end(), host.modules.begin(), host.modules.end());
  out.system = prepare(roots, files, diags, host.reader.get());
  if (!with_homes || !out.system->ok) return out;

  // The homes the library asks for (sysconf.homes, the primitive schema).
  Evaluation& os = *out.system->eval;
  if (!os.declares({"sysconf", "homes"})) return out;
  auto homes = os.lookup({"sysconf", "homes"});
  if (homes.status != Evaluation::Status::Value || !homes.value->is_table()) return out;
  for (auto e = homes.value->begin_entries(); e != homes.value->end_entries(); ++e) {
    HomeEvaluation home;
    home.user.name = std::string(e->key);
    if (const TableEntry* dir = e->value->find("home"); dir && dir->value->is_string())
      home.user.home = std::string(dir->value->str());
    std::vector<ModuleRoot> home_roots;
    for (const std::string& dir : host.library_dirs)
      for (const std::string& file : library_modules(dir, true)) home_roots.push_back(ModuleRoot{file, {}});
    if (const TableEntry* modules = e->value->find("modules"); modules && modules->value->is_list()) {
      for (auto it = modules->value->begin_items(); it != modules->value->end_items(); ++it)
        if ((*it)->is_string())
          home_roots.push_back(ModuleRoot{std::string((*it)->str()),
                                          home_module_site(os, files, {"sysconf", "homes", home.user.name, "modules"}, *it)});
    }
    home.config = prepare(home_roots, files, diags, host.reader.get(), &os, &home.user);
    out.homes.push_back(std::move(home));
  }
  return out;
}

}  // namespace sc

#include "render/render.h"

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>

#include <fmt/format.h>

#include "load/template.h"
#include "render/fields.h"
#include "util/accounts_text.h"
#include "util/formats.h"
#include "util/json_writer.h"
#include "util/text.h"
#include "util/unit_name.h"

namespace sc {

namespace {

bool valid_mode(const std::string& mode) {
  if (mode.size() < 3 || mode.size() > 4) return false;
  return std::all_of(mode.begin(), mode.end(), [](char c) { return c >= '0' && c <= '7'; });
}

class Renderer {
 public:
  explicit Renderer(RenderContext& ctx) : ctx_(ctx) {}

  // The value of an option, or null when it is not declared or has no value.
  const Value* value(Evaluation& eval, const std::vector<std::string>& path) {
    if (!eval.declares(path)) return nullptr;
    auto r = eval.lookup(path, true);
    if (r.status == Evaluation::Status::Failed) ok_ = false;
    return r.status == Evaluation::Status::Value ? r.value : nullptr;
  }

  void error(std::string message, SourcePos pos, std::string help = {}) {
    ctx_.diags.error(std::move(message), pos, std::move(help));
    ok_ = false;
  }

  // The site to name in an error about `path`: found only when needed, since
  // finding it scans the option's definitions.
  struct Site {
    const Evaluation& eval;
    std::vector<std::string> path;
    SourcePos get() const { return eval.definition_site(path); }
    // The option path to name: the one written where the site is.
    std::string name() const { return join_path(eval.definition_origin(path).path); }
  };

  // Reads a file named in the configuration (util/config_reader.h says how).
  std::optional<std::string> read_source(const std::string& path, const Site& site, bool* executable) {
    try {
      return ctx_.sources.read(path, ctx_.root, executable);
    } catch (const FsError& e) {
      error(fmt::format("cannot read `{}`: {}", ctx_.files.display_path(path), e.what()), site.get(),
            "the path is relative to the file that names it; an absolute path is read inside --root");
      return std::nullopt;
    }
  }

  // One entry of environment.etc or home.file.
  std::optional<RenderedFile> file_entry(Evaluation& eval, const std::vector<std::string>& option, const std::string& key,
                                         const Value* entry, bool home) {
    std::vector<std::string> path = option;
    path.push_back(key);
    Site site{eval, path};
    RenderedFile f;
    static const char* kSources[] = {"text", "source", "template", "format", "symlink", "secret"};
    std::vector<std::string> given;
    for (const char* s : kSources)
      if (field(entry, s)) given.push_back(s);
    if (given.size() != 1) {
      error(given.empty() ? fmt::format("`{}` has no content", site.name())
                          : fmt::format("`{}` sets {}: only one of them can give the content", site.name(),
                                        list_words(given, " and ")),
            site.get(), "set exactly one of text, source, template, format (with settings), symlink or secret");
      return std::nullopt;
    }
    const std::string& how = given[0];
    if (how == "text") {
      f.content = text_field(entry, "text");
    } else if (how == "source") {
      auto data = read_source(text_field(entry, "source"), site, &f.executable);
      if (!data) return std::nullopt;
      f.content = std::move(*data);
    } else if (how == "template") {
      std::string file = text_field(entry, "template");
      auto data = read_source(file, site, nullptr);
      if (!data) return std::nullopt;
      FileId id = ctx_.files.add(file);
      ParseFailure failure;
      Arena& arena = eval.arena();
      const Template* tmpl = parse_template(*data, arena, failure);
      if (!tmpl) {
        uint32_t line = 1, column = 1;
        for (uint32_t i = 0; i < failure.offset && i < data->size(); ++i) {
          if ((*data)[i] == '\n') ++line, column = 1;
          else ++column;
        }
        error(fmt::format("malformed interpolation in template: {}", failure.message), SourcePos{id, line, column},
              "write {{ option.path }} or {{ option.path | filter }}; {{ '{{' }} writes literal braces");
        return std::nullopt;
      }
      auto text = eval.render_file(*tmpl, id, *data);
      if (!text) {
        ok_ = false;
        return std::nullopt;
      }
      f.content = std::move(*text);
    } else if (how == "format") {
      std::string format = text_field(entry, "format");
      const Value* settings = field(entry, "settings");
      if (!settings) settings = make::table(eval.arena(), nullptr, 0);
      auto text = render_format(format, settings);
      if (!text.ok()) {
        error(fmt::format("cannot render `{}` as {}: {}", site.name(), format, text.message()), site.get());
        return std::nullopt;
      }
      f.content = std::move(text).value();
    } else if (how == "symlink") {
      f.kind = RenderedFile::Kind::Symlink;
      f.target = text_field(entry, "symlink");
    } else {
      if (home) {
        error(fmt::format("`{}`: secrets are for /etc files only", site.name()), site.get());
        return std::nullopt;
      }
      f.kind = RenderedFile::Kind::Secret;
      f.secret = text_field(entry, "secret");
      if (f.secret.empty() || f.secret[0] != '/') {
        error(fmt::format("`{}`: a secret is an absolute path, read at activation", site.name()), site.get());
        return std::nullopt;
      }
    }
    if (home) {
      if (const Value* x = field(entry, "executable"); x && x->kind == ValueKind::Bool && x->boolean) f.executable = true;
      f.on_change = text_field(entry, "onChange");
    } else {
      f.mode = text_field(entry, "mode", "symlink");
      f.user = text_field(entry, "user", "root");
      f.group = text_field(entry, "group", "root");
      if (f.kind == RenderedFile::Kind::Secret && f.mode == "symlink") f.mode = "0400";  // a secret is always a copy
      if (f.mode != "symlink" && !valid_mode(f.mode)) {
        error(fmt::format("`{}.mode` is \"{}\": it must be \"symlink\" or an octal mode such as \"0644\"", site.name(), f.mode),
              site.get());
        return std::nullopt;
      }
      if (f.mode != "symlink" && f.kind == RenderedFile::Kind::Symlink) {
        error(fmt::format("`{}` is a symlink and cannot have the mode {}", site.name(), f.mode), site.get());
        return std::nullopt;
      }
    }
    return f;
  }

  // A rendered file and the entry that defines it, named only for errors.
  struct Collected {
    RenderedFile file;
    std::vector<std::string> entry;  // sysconf.files.KEY, or sysconf.home.files.KEY
    std::string defined_by(const Evaluation& eval) const { return join_path(eval.definition_origin(entry).path); }
  };

  // Every enabled entry of sysconf.files (keys: absolute paths under /etc)
  // or a home's sysconf.home.files (keys: relative to the home, or `~/P`).
  void file_entries(Evaluation& eval, const std::vector<std::string>& option, bool home, std::vector<Collected>& out) {
    const Value* entries = value(eval, option);
    if (!entries || !entries->is_table()) return;
    for (auto e = entries->begin_entries(); e != entries->end_entries(); ++e) {
      std::string key(e->key);
      if (const Value* enable = field(e->value, "enable"); enable && enable->kind == ValueKind::Bool && !enable->boolean)
        continue;
      std::vector<std::string> path = option;
      path.push_back(key);
      std::string rel = key;
      if (home && rel.starts_with("~/")) {
        rel.erase(0, 2);
      } else if (!home) {
        if (!rel.starts_with("/etc/")) {
          Site site{eval, path};
          error(fmt::format("`{}`: a system file is a path under /etc/, not `{}`", site.name(), key), site.get());
          continue;
        }
        rel.erase(0, 5);
      }
      while (!rel.empty() && rel.back() == '/') rel.pop_back();
      if (!is_clean_relative(rel)) {
        Site site{eval, path};
        error(fmt::format("`{}` is not a clean relative path", site.name()), site.get(),
              "paths are relative, without `.`, `..` or empty components");
        continue;
      }
      auto file = file_entry(eval, option, key, e->value, home);
      if (!file) continue;
      file->path = home ? rel : "/etc/" + rel;
      // A file directly in a unit directory is a unit to systemd and to the switch.
      std::string_view unit_dir = home ? kUserUnitDir : std::string_view(kSystemUnitDir).substr(5);
      if (rel.starts_with(unit_dir) && rel.find('/', unit_dir.size()) == std::string::npos &&
          !is_unit_name(std::string_view(rel).substr(unit_dir.size()))) {
        Site site{eval, path};
        error(fmt::format("`{}`: `{}` is not a unit name such as \"foo.socket\"", site.name(), rel.substr(unit_dir.size())),
              site.get(), "a file in a unit directory is named NAME.TYPE, TYPE one of systemd's unit types");
        continue;
      }
      out.push_back(Collected{std::move(*file), std::move(path)});
    }
  }

  // Sorts the files by path and checks that no path is given twice and that
  // no file is inside another (`a` and `a/b`).
  std::vector<RenderedFile> sorted_files(Evaluation& eval, std::vector<Collected> files) {
    std::stable_sort(files.begin(), files.end(),
                     [](const Collected& a, const Collected& b) { return a.file.path < b.file.path; });
    std::vector<RenderedFile> out;
    out.reserve(files.size());
    // Each file is moved to `out` once checked: compare with the path kept here.
    std::string previous;
    for (size_t i = 0; i < files.size(); ++i) {
      const std::string path = files[i].file.path;
      if (i > 0 && previous == path) {
        const Collected& first = files[i - 1];
        Diagnostic d;
        d.message = fmt::format("`{}` and `{}` both define the file {}", first.defined_by(eval), files[i].defined_by(eval),
                                path);
        d.pos = eval.definition_site(files[i].entry);
        d.notes.push_back(Note{fmt::format("`{}` is defined here", first.defined_by(eval)), eval.definition_site(first.entry)});
        d.help = "define the file once";
        ctx_.diags.add(std::move(d));
        ok_ = false;
        continue;
      }
      std::string below = path + "/";
      auto inside = std::lower_bound(files.begin() + i + 1, files.end(), below,
                                     [](const Collected& c, const std::string& p) { return c.file.path < p; });
      if (inside != files.end() && inside->file.path.rfind(below, 0) == 0)
        error(fmt::format("{} is a file, so {} cannot be inside it", path, inside->file.path), SourcePos{},
              fmt::format("`{}` and `{}` cannot both be defined", files[i].defined_by(eval), inside->defined_by(eval)));
      previous = path;
      out.push_back(std::move(files[i].file));
    }
    return out;
  }

  void users(Evaluation& eval, Rendered& out) {
    // Names reach sysusers.d and tmpfiles.d lines and useradd: refused where
    // they are defined unless every tool takes them.
    auto check_name = [&](const std::string& name, const std::vector<std::string>& site, std::string_view what) {
      if (is_account_name(name)) return true;
      error(fmt::format("`{}` is not a valid {} name", name, what), eval.definition_site(site), kAccountNameRule);
      return false;
    };
    auto check_path = [&](const std::string& path, const std::vector<std::string>& site, std::string_view what) {
      bool clean = std::none_of(path.begin(), path.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20; });
      if (path.empty() || (path[0] == '/' && clean)) return;
      error(fmt::format("`{}` is not a valid {}: `{}`", join_path(eval.definition_origin(site).path), what, path), eval.definition_site(site),
            "write an absolute path, without control characters");
    };
    static const std::vector<std::string> users_option{"sysconf", "accounts", "users"};
    static const std::vector<std::string> groups_option{"sysconf", "accounts", "groups"};
    auto site_of = [](const std::vector<std::string>& option, const std::string& name, const char* field = nullptr) {
      std::vector<std::string> path = option;
      path.push_back(name);
      if (field) path.emplace_back(field);
      return path;
    };
    const Value* accounts = value(eval, {"sysconf", "accounts"});
    if (const Value* users = field(accounts, "users"); users && users->is_table()) {
      for (auto e = users->begin_entries(); e != users->end_entries(); ++e) {
        RenderedUser u;
        u.name = std::string(e->key);
        if (!check_name(u.name, site_of(users_option, u.name), "user")) continue;
        u.normal = field(e->value, "normal") && field(e->value, "normal")->boolean;
        u.description = text_field(e->value, "description");
        u.home = text_field(e->value, "home");
        u.shell = text_field(e->value, "shell");
        check_path(u.home, site_of(users_option, u.name, "home"), "home directory");
        check_path(u.shell, site_of(users_option, u.name, "shell"), "shell");
        u.hashed_password_file = text_field(e->value, "hashedPasswordFile");
        check_path(u.hashed_password_file, site_of(users_option, u.name, "hashedPasswordFile"), "password file");
        if (const Value* uid = field(e->value, "uid"); uid && uid->kind == ValueKind::Int) u.uid = uid->integer;
        u.groups = string_list(field(e->value, "groups"));
        for (const std::string& g : u.groups) check_name(g, site_of(users_option, u.name, "groups"), "group");
        out.users.push_back(std::move(u));
      }
    }
    if (const Value* groups = field(accounts, "groups"); groups && groups->is_table()) {
      for (auto e = groups->begin_entries(); e != groups->end_entries(); ++e) {
        RenderedGroup g;
        g.name = std::string(e->key);
        if (!check_name(g.name, site_of(groups_option, g.name), "group")) continue;
        if (const Value* gid = field(e->value, "gid"); gid && gid->kind == ValueKind::Int) g.gid = gid->integer;
        out.groups.push_back(std::move(g));
      }
    }
  }

  void hooks(Evaluation& eval, Rendered& out) {
    const Value* hooks = value(eval, {"sysconf", "hooks"});
    if (!hooks || !hooks->is_table()) return;
    std::map<std::string, RenderedHook> by_name;
    for (auto e = hooks->begin_entries(); e != hooks->end_entries(); ++e) {
      if (const Value* enable = field(e->value, "enable"); enable && enable->kind == ValueKind::Bool && !enable->boolean)
        continue;
      RenderedHook h;
      h.name = std::string(e->key);
      h.command = string_list(field(e->value, "command"));
      h.inputs = string_list(field(e->value, "inputs"));
      h.after = string_list(field(e->value, "after"));
      if (const Value* flag = field(e->value, "rootFlag"); flag && flag->is_string()) h.root_flag = std::string(flag->str());
      if (h.command.empty()) {
        error(fmt::format("activation hook `{}` has no command", h.name),
              eval.definition_site({"sysconf", "hooks", h.name}));
        continue;
      }
      by_name.emplace(h.name, std::move(h));
    }
    // Declared order: each hook after those it names, ties by name.
    std::set<std::string> done;
    while (done.size() < by_name.size()) {
      bool progressed = false;
      for (auto& [name, hook] : by_name) {
        if (done.count(name)) continue;
        bool ready = std::all_of(hook.after.begin(), hook.after.end(),
                                 [&](const std::string& a) { return done.count(a) || !by_name.count(a); });
        if (!ready) continue;
        out.hooks.push_back(hook);
        done.insert(name);
        progressed = true;
        break;
      }
      if (!progressed) {
        std::vector<std::string> left, left_names;
        for (auto& [name, hook] : by_name)
          if (!done.count(name)) left.push_back("`" + name + "`"), left_names.push_back(name);
        error(fmt::format("activation hooks {} wait for each other in a cycle", list_words(left, " and ")),
              eval.definition_site({"sysconf", "hooks", left_names.front()}), "remove one of their `after` entries");
        return;
      }
    }
  }

  // The library's primitive schema is the one this engine reads (README
  // "The primitive schema"); a library without sysconf.version has none.
  bool supported_schema(Evaluation& eval) {
    const Value* version = value(eval, {"sysconf", "version"});
    if (!version || (version->kind == ValueKind::Int && version->integer == kPrimitiveSchemaVersion)) return true;
    error(fmt::format("the library writes version {} of the primitive schema; this sysconf reads version {}",
                      format_number(version), kPrimitiveSchemaVersion),
          eval.definition_site({"sysconf", "version"}), "use the library that came with this sysconf, or a sysconf that reads that version");
    return false;
  }

  std::optional<Rendered> run(HostEvaluation& host) {
    Rendered out;
    out.host = host.host->name;
    Evaluation& system = *host.system->eval;
    if (!supported_schema(system)) return std::nullopt;
    static const std::vector<std::string> etc_option{"sysconf", "files"};
    std::vector<Collected> etc;
    file_entries(system, etc_option, false, etc);
    users(system, out);
    out.etc = sorted_files(system, std::move(etc));
    std::set<std::string> packages;
    for (const std::string& p : string_list(value(system, {"sysconf", "packages"}))) packages.insert(p);
    hooks(system, out);

    for (HomeEvaluation& h : host.homes) {
      RenderedHome home;
      home.user = h.user.name;
      home.home = h.user.home;
      Evaluation& eval = *h.config->eval;
      static const std::vector<std::string> home_file_option{"sysconf", "home", "files"};
      std::vector<Collected> files;
      file_entries(eval, home_file_option, true, files);
      home.files = sorted_files(eval, std::move(files));
      home.packages = string_list(value(eval, {"sysconf", "home", "packages"}));
      for (const std::string& p : home.packages) packages.insert(p);
      out.homes.push_back(std::move(home));
    }
    out.packages.assign(packages.begin(), packages.end());
    // The scripts the evaluations' templates put in the store (`| writeScript`).
    written_objects(system, out);
    for (HomeEvaluation& h : host.homes) written_objects(*h.config->eval, out);
    std::sort(out.objects.begin(), out.objects.end(),
              [](const RenderedObject& a, const RenderedObject& b) { return a.name < b.name; });
    out.objects.erase(std::unique(out.objects.begin(), out.objects.end(),
                                  [](const RenderedObject& a, const RenderedObject& b) { return a.name == b.name; }),
                      out.objects.end());
    if (!ok_ || ctx_.diags.has_errors()) return std::nullopt;
    return out;
  }

 private:
  static void written_objects(const Evaluation& eval, Rendered& out) {
    for (const WrittenObject& o : eval.written_objects()) out.objects.push_back(RenderedObject{o.name, o.content, o.executable});
  }

  RenderContext& ctx_;
  bool ok_ = true;
};

}  // namespace

std::optional<Rendered> render_host(HostEvaluation& host, RenderContext& ctx) { return Renderer(ctx).run(host); }

}  // namespace sc

#include "render/units.h"

#include <fmt/format.h>

#include "render/fields.h"
#include "util/object_name.h"
#include "util/hash.h"
#include "util/json_writer.h"

namespace sc {

namespace {

bool flag(const Value* table, std::string_view key, bool fallback) {
  const Value* v = field(table, key);
  return v && v->kind == ValueKind::Bool ? v->boolean : fallback;
}

// A value as systemd writes it in a unit: booleans as true/false.
std::optional<std::string> unit_scalar(const Value* v) {
  switch (v->kind) {
    case ValueKind::Bool: return v->boolean ? "true" : "false";
    case ValueKind::Int:
    case ValueKind::Float: return format_number(v);
    case ValueKind::String: return std::string(v->str());
    default: return std::nullopt;
  }
}

// Environment="K=V", quoted as systemd unquotes it.
std::string environment_assignment(const std::string& name, const std::string& value) {
  std::string out = "\"";
  for (char c : name + "=" + value) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

class UnitWriter {
 public:
  UnitWriter(const UnitRenderer& r, std::vector<RenderedObject>& objects) : r_(r), objects_(objects) {}

  // A section is written with its first key, so that a drop-in has no empty ones.
  void section(const std::string& name) { pending_section_ = name; }
  void key(const std::string& k, const std::string& v) {
    if (!pending_section_.empty()) {
      if (!text_.empty()) text_ += '\n';
      text_ += "[" + pending_section_ + "]\n";
      pending_section_.clear();
    }
    text_ += k + "=" + v + "\n";
  }
  void list(const std::string& k, const std::vector<std::string>& values) {
    if (!values.empty()) key(k, fmt::format("{}", fmt::join(values, " ")));
  }
  // A table of extra keys (unitConfig, serviceConfig, timerConfig).
  void extra(const Value* table, const std::vector<std::string>& option) {
    if (!table || !table->is_table()) return;
    for (auto e = table->begin_entries(); e != table->end_entries(); ++e) {
      std::string k(e->key);
      if (e->value->kind == ValueKind::Null) continue;
      if (e->value->is_list()) {
        for (auto it = e->value->begin_items(); it != e->value->end_items(); ++it) scalar(k, *it, option);
      } else {
        scalar(k, e->value, option);
      }
    }
  }
  void scalar(const std::string& k, const Value* v, const std::vector<std::string>& option) {
    if (auto s = unit_scalar(v)) {
      key(k, *s);
    } else {
      auto where = option;
      where.push_back(k);
      r_.error("a unit setting is a string, a number, a boolean or a list of those", where);
    }
  }
  // The hash that stands for `triggers`: a managed file by its content, anything else by itself.
  std::string trigger_hash(const std::vector<std::string>& triggers) const {
    Sha256Builder b;
    for (const std::string& t : triggers) {
      auto identity = r_.managed_file_identity ? r_.managed_file_identity(t) : std::nullopt;
      b.add_field(identity ? "file" : "value");
      b.add_field(identity ? *identity : t);
    }
    return short_base32(b.finish());
  }
  // A script run from the store; returns its path.
  std::string script(const std::string& unit, const std::string& what, const std::string& body) {
    RenderedObject o;
    o.content = "#!/bin/sh\nset -e\n" + body;
    if (o.content.back() != '\n') o.content += '\n';
    o.name = object_name(file_object_hash(o.content, true), unit + "-" + what);
    std::string path = store_path(o.name);
    objects_.push_back(std::move(o));
    return path;
  }
  std::string finish() { return std::move(text_); }

 private:
  const UnitRenderer& r_;
  std::vector<RenderedObject>& objects_;
  std::string text_;
  std::string pending_section_;
};

}  // namespace

void UnitRenderer::render(const UnitOptions& options, std::vector<RenderedUnitFile>& files,
                          std::vector<RenderedObject>& objects) const {
  auto option_of = [&](const char* kind, std::string_view name) {
    std::vector<std::string> path = option_prefix;
    path.push_back(kind);
    path.emplace_back(name);
    return path;
  };
  auto add_file = [&](const std::string& unit, std::string content, const std::vector<std::string>& option) {
    RenderedUnitFile f;
    f.file.path = dir + unit;
    f.file.content = std::move(content);
    // A system unit is a file in /etc/systemd/system, as a package's or an
    // administrator's would be: systemd treats a link that leaves its search
    // path as a "linked" unit, which `systemctl disable` deletes and
    // `reenable` then cannot find. Drop-ins and .wants/ links stay links.
    if (dir.starts_with("/etc/") && unit.find('/') == std::string::npos) f.file.mode = "0644";
    f.option = option;
    files.push_back(std::move(f));
  };
  // wantedBy and requiredBy: links that systemd reads like [Install] had been
  // applied. A package's unit is linked where the package put it, as
  // `systemctl enable` links it (systemd itself goes by the link's name).
  auto add_links = [&](const std::string& unit, const Value* def, const std::vector<std::string>& option,
                       bool from_package) {
    for (const char* kind : {"wantedBy", "requiredBy"}) {
      for (const std::string& target : string_list(field(def, kind))) {
        RenderedUnitFile link;
        link.file.kind = RenderedFile::Kind::Symlink;
        link.file.path = dir + target + (kind[0] == 'w' ? ".wants/" : ".requires/") + unit;
        link.file.target = from_package ? package_dir + unit : "../" + unit;
        link.option = option;
        link.option.push_back(kind);
        files.push_back(std::move(link));
      }
    }
    // Other names of the unit (display-manager.service), as [Install] Alias= makes them.
    for (const std::string& alias : string_list(field(def, "aliases"))) {
      RenderedUnitFile link;
      link.file.kind = RenderedFile::Kind::Symlink;
      link.file.path = dir + alias;
      link.file.target = from_package ? package_dir + unit : unit;
      link.option = option;
      link.option.push_back("aliases");
      files.push_back(std::move(link));
    }
  };
  // [Unit] and [Install], common to services and timers.
  auto unit_section = [&](UnitWriter& w, const Value* def, const std::vector<std::string>& option) {
    w.section("Unit");
    if (std::string d = text_field(def, "description"); !d.empty()) w.key("Description", d);
    w.list("Documentation", string_list(field(def, "documentation")));
    w.list("After", string_list(field(def, "after")));
    w.list("Before", string_list(field(def, "before")));
    w.list("Wants", string_list(field(def, "wants")));
    w.list("Requires", string_list(field(def, "requires")));
    w.list("PartOf", string_list(field(def, "partOf")));
    w.list("Conflicts", string_list(field(def, "conflicts")));
    if (auto t = string_list(field(def, "restartTriggers")); !t.empty()) w.list("X-Restart-Triggers", t);
    if (auto t = string_list(field(def, "reloadTriggers")); !t.empty()) w.list("X-Reload-Triggers", t);
    auto unit_config = option;
    unit_config.push_back("unitConfig");
    w.extra(field(def, "unitConfig"), unit_config);
  };
  auto install_section = [&](UnitWriter& w, const Value* def) {
    auto wanted = string_list(field(def, "wantedBy")), required = string_list(field(def, "requiredBy"));
    if (wanted.empty() && required.empty()) return;
    w.section("Install");
    w.list("WantedBy", wanted);
    w.list("RequiredBy", required);
  };

  if (options.services && options.services->is_table()) {
    for (auto e = options.services->begin_entries(); e != options.services->end_entries(); ++e) {
      const Value* def = e->value;
      if (!flag(def, "enable", true)) continue;
      std::string unit = std::string(e->key) + ".service";
      auto option = option_of("services", e->key);
      UnitWriter w(*this, objects);
      unit_section(w, def, option);
      w.section("Service");
      if (const Value* env = field(def, "environment"); env && env->is_table())
        for (auto v = env->begin_entries(); v != env->end_entries(); ++v)
          if (v->value->is_string()) w.key("Environment", environment_assignment(std::string(v->key), std::string(v->value->str())));
      if (auto path = string_list(field(def, "path")); !path.empty())
        w.key("Environment", environment_assignment("PATH", fmt::format("{}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                                                                         fmt::join(path, ":"))));
      if (std::string s = text_field(def, "preStart"); !s.empty()) w.key("ExecStartPre", w.script(std::string(e->key), "pre-start", s));
      if (std::string s = text_field(def, "script"); !s.empty()) w.key("ExecStart", w.script(std::string(e->key), "start", s));
      if (std::string s = text_field(def, "postStart"); !s.empty()) w.key("ExecStartPost", w.script(std::string(e->key), "post-start", s));
      // NixOS's switch rules, carried in the unit itself.
      if (flag(def, "reloadIfChanged", false)) {
        w.key("X-ReloadIfChanged", "true");
      } else if (!flag(def, "restartIfChanged", true)) {
        w.key("X-RestartIfChanged", "false");
      }
      if (!flag(def, "stopIfChanged", true)) w.key("X-StopIfChanged", "false");
      auto service_config = option;
      service_config.push_back("serviceConfig");
      w.extra(field(def, "serviceConfig"), service_config);
      // Overriding a package's unit: the same keys as a drop-in, after its own.
      bool as_dropin = text_field(def, "overrideStrategy") == "asDropin";
      if (!as_dropin) install_section(w, def);
      add_file(as_dropin ? unit + ".d/overrides.conf" : unit, w.finish(), option);
      add_links(unit, def, option, as_dropin);
    }
  }
  if (options.timers && options.timers->is_table()) {
    for (auto e = options.timers->begin_entries(); e != options.timers->end_entries(); ++e) {
      const Value* def = e->value;
      if (!flag(def, "enable", true)) continue;
      std::string unit = std::string(e->key) + ".timer";
      auto option = option_of("timers", e->key);
      UnitWriter w(*this, objects);
      unit_section(w, def, option);
      w.section("Timer");
      auto timer_config = option;
      timer_config.push_back("timerConfig");
      w.extra(field(def, "timerConfig"), timer_config);
      install_section(w, def);
      add_file(unit, w.finish(), option);
      add_links(unit, def, option, false);
    }
  }
  if (options.units && options.units->is_table()) {
    for (auto e = options.units->begin_entries(); e != options.units->end_entries(); ++e) {
      const Value* def = e->value;
      if (!flag(def, "enable", true)) continue;
      std::string unit(e->key);
      auto option = option_of("units", e->key);
      if (unit.find('/') != std::string::npos || unit.find('.') == std::string::npos) {
        error(fmt::format("`{}` is not a unit name such as \"foo.socket\"", unit), option);
        continue;
      }
      // Without text the unit is a package's: sysconf only enables it.
      const Value* t = field(def, "text");
      if (t && t->is_string()) {
        std::string content(t->str());
        if (!content.empty() && content.back() != '\n') content += '\n';
        add_file(unit, std::move(content), option);
      }
      add_links(unit, def, option, !(t && t->is_string()));
    }
  }
}

}  // namespace sc

#include "units/unit_file.h"

#include <algorithm>
#include <array>

namespace sc {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

// [Unit] keys whose change alone restarts nothing (nixpkgs' unit_section_ignores).
bool ignored_unit_key(const std::string& key) {
  static const std::array<std::string_view, 12> kIgnored = {
      "Description", "Documentation", "OnFailure", "OnSuccess", "OnFailureJobMode", "IgnoreOnIsolate",
      "StopWhenUnneeded", "RefuseManualStart", "RefuseManualStop", "AllowIsolate", "CollectMode", "SourcePath"};
  return std::find(kIgnored.begin(), kIgnored.end(), key) != kIgnored.end();
}

// Keys whose change (or addition) needs only a reload; removing them is no change.
bool reload_key(const std::string& section, const std::string& key) {
  return (section == "Unit" && key == "X-Reload-Triggers") || (section == "Service" && key == "ExecReload");
}

using Section = std::map<std::string, std::vector<std::string>>;

UnitChange worse(UnitChange a, UnitChange b) { return static_cast<int>(a) > static_cast<int>(b) ? a : b; }

UnitChange compare_sections(const std::string& name, const Section* old_section, const Section* new_section) {
  static const Section kEmpty;
  const Section& o = old_section ? *old_section : kEmpty;
  const Section& n = new_section ? *new_section : kEmpty;
  UnitChange change = UnitChange::Equal;
  for (const auto& [key, old_values] : o) {
    if (name == "Unit" && ignored_unit_key(key)) continue;
    auto it = n.find(key);
    if (it == n.end()) {
      if (!reload_key(name, key)) return UnitChange::NeedsRestart;
      continue;
    }
    if (it->second == old_values) continue;
    bool reloads = reload_key(name, key) || (name == "Mount" && key == "Options");
    change = worse(change, reloads ? UnitChange::NeedsReload : UnitChange::NeedsRestart);
  }
  for (const auto& [key, new_values] : n) {
    if (o.count(key) || (name == "Unit" && ignored_unit_key(key))) continue;
    change = worse(change, reload_key(name, key) ? UnitChange::NeedsReload : UnitChange::NeedsRestart);
  }
  return change;
}

}  // namespace

std::optional<std::string> UnitSections::value(const std::string& section, const std::string& key) const {
  auto s = sections.find(section);
  if (s == sections.end()) return std::nullopt;
  auto k = s->second.find(key);
  if (k == s->second.end() || k->second.empty()) return std::nullopt;
  return k->second.back();
}

bool UnitSections::flag(const std::string& section, const std::string& key, bool fallback) const {
  auto v = value(section, key);
  if (!v) return fallback;
  return *v == "1" || *v == "yes" || *v == "true" || *v == "on";
}

void parse_unit_text(std::string_view text, UnitSections& into) {
  Section* current = nullptr;
  bool in_install = false;
  std::string logical;  // a line with its backslash continuations joined
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view raw = text.substr(pos, end - pos);
    pos = end + 1;
    if (!raw.empty() && raw.back() == '\r') raw.remove_suffix(1);
    if (logical.empty()) {
      std::string_view t = trim(raw);
      if (t.empty() || t[0] == '#' || t[0] == ';') continue;
    }
    if (!raw.empty() && raw.back() == '\\') {  // continued on the next line
      logical.append(raw.substr(0, raw.size() - 1));
      logical += ' ';
      continue;
    }
    logical.append(raw);
    std::string line = std::move(logical);
    logical.clear();
    std::string_view t = trim(line);
    if (t.front() == '[' && t.back() == ']') {
      std::string name(t.substr(1, t.size() - 2));
      in_install = name == "Install";
      current = in_install ? nullptr : &into.sections[name];
      continue;
    }
    size_t eq = t.find('=');
    if (eq == std::string_view::npos || in_install || !current) continue;
    std::string key(trim(t.substr(0, eq)));
    std::string value(trim(t.substr(eq + 1)));
    auto& values = (*current)[key];
    if (value.empty()) {
      values.clear();  // "Key=" resets the list
    } else {
      values.push_back(std::move(value));
    }
  }
}

UnitSections parse_unit(const std::string& file, const std::vector<std::string>& dropins) {
  UnitSections unit;
  parse_unit_text(file, unit);
  for (const std::string& d : dropins) parse_unit_text(d, unit);
  return unit;
}

void resolve_triggers(UnitSections& unit, const TriggerIdentity& identity) {
  auto section = unit.sections.find("Unit");
  if (section == unit.sections.end()) return;
  for (const char* key : {"X-Restart-Triggers", "X-Reload-Triggers"}) {
    auto values = section->second.find(key);
    if (values == section->second.end()) continue;
    for (std::string& value : values->second) {
      std::string resolved;
      size_t pos = 0;
      while (pos < value.size()) {
        size_t end = value.find_first_of(" \t", pos);
        if (end == std::string::npos) end = value.size();
        if (end > pos) {
          std::string word = value.substr(pos, end - pos);
          if (!resolved.empty()) resolved += ' ';
          auto id = identity(word);
          resolved += id ? word + "=" + *id : word;
        }
        pos = end + 1;
      }
      value = std::move(resolved);
    }
  }
}

UnitChange compare_units(const UnitSections& old_unit, const UnitSections& new_unit) {
  UnitChange change = UnitChange::Equal;
  for (const auto& [name, section] : old_unit.sections) {
    auto it = new_unit.sections.find(name);
    change = worse(change, compare_sections(name, &section, it == new_unit.sections.end() ? nullptr : &it->second));
    if (change == UnitChange::NeedsRestart) return change;
  }
  for (const auto& [name, section] : new_unit.sections)
    if (!old_unit.sections.count(name)) change = worse(change, compare_sections(name, nullptr, &section));
  return change;
}

}  // namespace sc

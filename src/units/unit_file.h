// Unit files as switch-to-configuration reads them: sections of keys, each
// key a list of values (repeated keys append, an empty assignment clears),
// with drop-ins folded in and [Install] dropped; and the comparison that
// decides whether a change needs a restart, a reload, or nothing.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sc {

struct UnitSections {
  std::map<std::string, std::map<std::string, std::vector<std::string>>> sections;

  // The last value of `key` in `section`, if any.
  std::optional<std::string> value(const std::string& section, const std::string& key) const;
  // A systemd boolean ("yes", "true", "on", "1"), or `fallback` when unset.
  bool flag(const std::string& section, const std::string& key, bool fallback = false) const;
};

// Folds `text` (a unit file or one of its drop-ins) into `into`.
void parse_unit_text(std::string_view text, UnitSections& into);
UnitSections parse_unit(const std::string& file, const std::vector<std::string>& dropins = {});

enum class UnitChange { Equal, NeedsReload, NeedsRestart };

// Equal when only ignored [Unit] keys (Description, Documentation, ...)
// differ; a reload when only X-Reload-Triggers, [Service] ExecReload or
// [Mount] Options changed; otherwise a restart.
UnitChange compare_units(const UnitSections& old_unit, const UnitSections& new_unit);

}  // namespace sc

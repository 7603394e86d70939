// Unit files as switch-to-configuration reads them: sections of keys, each
// key a list of values (repeated keys append, an empty assignment clears),
// with drop-ins folded in and [Install] dropped; and the comparison that
// decides whether a change needs a restart, a reload, or nothing.
#pragma once

#include <functional>
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

// The files a unit's triggers name stand for their content: each word of
// [Unit] X-Restart-Triggers= and X-Reload-Triggers= becomes "WORD=IDENTITY"
// when `identity` knows WORD as a file of the unit's generation, so that
// comparing two generations' units sees a trigger file's change as a change
// of the key (a restart, or a reload for X-Reload-Triggers). Other words
// (any string) stay as written. The unit text names only the paths, as
// NixOS's names store paths; the contents are the generation's.
using TriggerIdentity = std::function<std::optional<std::string>(const std::string& word)>;
void resolve_triggers(UnitSections& unit, const TriggerIdentity& identity);

enum class UnitChange { Equal, NeedsReload, NeedsRestart };

// Equal when only ignored [Unit] keys (Description, Documentation, ...)
// differ; a reload when only X-Reload-Triggers, [Service] ExecReload or
// [Mount] Options changed; otherwise a restart.
UnitChange compare_units(const UnitSections& old_unit, const UnitSections& new_unit);

}  // namespace sc

// The text rules of account files and of the systemd files that make
// accounts: strict ids, valid names, and quoting a field of a
// sysusers.d/tmpfiles.d line.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "util/result.h"

namespace sc {

// A uid or gid as /etc/passwd and /etc/group write it: decimal digits only,
// below 4294967295 (which means "none"). nullopt for anything else, so that a
// damaged entry is never read as 0 (root).
std::optional<uint32_t> parse_account_id(std::string_view text);

// name → uid of every entry of a passwd file's text. Fails when a line does
// not parse: a damaged file is never guessed at.
Result<std::map<std::string, int64_t>> parse_passwd_uids(const std::string& text);

// A user or group name that every tool accepts (useradd's and systemd's
// portable rule): a lower-case letter or _, then lower-case letters, digits,
// _ and -; at most 31 characters.
bool is_account_name(std::string_view name);
inline constexpr const char* kAccountNameRule =
    "a user or group name starts with a lower-case letter or _, holds only lower-case letters, digits, _ and -, "
    "and has at most 31 characters";

// One field of a sysusers.d or tmpfiles.d line, whatever it holds: as it is
// when it is a plain word, else in double quotes with C escapes (those tools
// unquote with C unescaping) and `%` doubled (they expand %-specifiers in
// these fields). `always_quote` quotes plain words too.
std::string systemd_field(std::string_view text, bool always_quote = false);

}  // namespace sc

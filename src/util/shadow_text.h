// The text rules of /etc/shadow and of a password hash file
// (users.users.NAME.hashedPasswordFile), strict in both directions: a
// damaged shadow is refused rather than guessed at, and a hash that would
// break a shadow line (a `:`, a newline) never reaches one.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "util/result.h"

namespace sc {

// The hash a password file holds: its first line, without the newline, as
// NixOS reads it (blank lines after it are ignored). Fails (the message never
// quoting the text: it is a secret) when the first line is
// empty, when text follows it, or when the hash holds a `:` or a control
// character.
Result<std::string> password_hash_from_file(std::string_view text);

// name → password field (field 2) of every entry of a shadow file's text.
// Fails when a line is not the nine fields of
// shadow(5) or a name appears twice: a damaged file is never edited.
Result<std::map<std::string, std::string>> shadow_passwords(std::string_view text);

// `text` with the password field of `user`'s entry replaced by `hash`; every
// other byte as it was. Fails when the file is damaged (as above) or has no entry for `user`.
// REQUIRES: `hash` passed password_hash_from_file.
Result<std::string> with_shadow_password(std::string_view text, const std::string& user, std::string_view hash);

}  // namespace sc

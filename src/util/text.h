// Small string helpers shared by the stages.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace sc {

// Levenshtein distance, for "did you mean" suggestions.
size_t edit_distance(std::string_view a, std::string_view b);

// The candidates closest to `wanted` (at most `limit`), nearest first; only
// those close enough to be a plausible typo.
std::vector<std::string> closest_names(std::string_view wanted, const std::vector<std::string>& candidates,
                                       size_t limit = 3);

// A path segment as it must be written in a condition or an option name:
// bare when it is a bare TOML key, otherwise in double quotes.
bool is_bare_key(std::string_view segment);
std::string quote_segment(std::string_view segment);

// Joins path segments with '.', quoting segments that need it.
template <typename Range>
std::string join_path(const Range& segments) {
  std::string out;
  for (const auto& s : segments) {
    if (!out.empty()) out += '.';
    out += quote_segment(s);
  }
  return out;
}

// A string as a JSON string literal (with quotes).
std::string json_quote(std::string_view s);
void append_json_quoted(std::string& out, std::string_view s);

// One shell word, as Nix's lib.escapeShellArg writes it: as it is when it
// holds only letters, digits and , . _ + : @ % / -; otherwise in single
// quotes, each ' written as '\''.
std::string shell_word(std::string_view s);

// `s` with every occurrence of `from` (not empty) replaced by `to`.
std::string replace_all(std::string_view s, std::string_view from, std::string_view to);

// "a, b or c"
std::string list_words(const std::vector<std::string>& words, std::string_view last_joiner = " or ");

}  // namespace sc

#include "util/shadow_text.h"

#include <algorithm>
#include <vector>

#include <fmt/format.h>

namespace sc {

namespace {
constexpr size_t kShadowFields = 9;

bool is_control(char c) {
  unsigned char u = static_cast<unsigned char>(c);
  return u < 0x20 || u == 0x7f;
}

struct ShadowLine {
  size_t start = 0;       // of the line in the text
  size_t field_start = 0;  // of the password field
  size_t field_end = 0;
  std::string name;
};

// Every entry's line and password field; fails on damage.
Result<std::vector<ShadowLine>> shadow_lines(std::string_view text) {
  std::vector<ShadowLine> out;
  size_t start = 0;
  for (int number = 1; start < text.size(); ++number) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    // shadow(5) has no comments or blank lines; a tool that wrote one has
    // damaged the file, and what else it did is not known.
    size_t colons = static_cast<size_t>(std::count(line.begin(), line.end(), ':'));
    size_t first = line.find(':');
    if (colons != kShadowFields - 1 || first == 0) {
      return Failure(fmt::format("line {} of /etc/shadow is not the nine fields name:password:...", number));
    }
    ShadowLine entry;
    entry.start = start;
    entry.name = std::string(line.substr(0, first));
    entry.field_start = start + first + 1;
    entry.field_end = start + line.find(':', first + 1);
    if (std::any_of(out.begin(), out.end(), [&](const ShadowLine& l) { return l.name == entry.name; })) {
      return Failure(fmt::format("line {} of /etc/shadow repeats the entry of `{}`", number, entry.name));
    }
    out.push_back(std::move(entry));
    start = end + 1;
  }
  return out;
}
}  // namespace

Result<std::string> password_hash_from_file(std::string_view text) {
  size_t newline = text.find('\n');
  std::string_view hash = text.substr(0, newline);
  std::string_view rest = newline == std::string_view::npos ? std::string_view{} : text.substr(newline + 1);
  if (hash.empty()) {
    // An empty password field lets anyone log in without a password.
    return Failure("its first line is empty (an empty hash would allow a login without a password)");
  }
  if (std::any_of(rest.begin(), rest.end(), [](char c) { return c != '\n' && c != ' ' && c != '\t'; })) {
    return Failure("it holds more than one line (write the hash alone, on one line)");
  }
  if (hash.find(':') != std::string_view::npos) {
    return Failure("the hash holds a `:`, which would break its line of /etc/shadow");
  }
  if (std::any_of(hash.begin(), hash.end(), is_control)) {
    return Failure("the hash holds a control character (a carriage return?)");
  }
  return std::string(hash);
}

Result<std::map<std::string, std::string>> shadow_passwords(std::string_view text) {
  auto lines = shadow_lines(text);
  if (!lines.ok()) return lines.failure();
  std::map<std::string, std::string> out;
  for (const ShadowLine& l : *lines) out[l.name] = std::string(text.substr(l.field_start, l.field_end - l.field_start));
  return out;
}

Result<std::string> with_shadow_password(std::string_view text, const std::string& user, std::string_view hash) {
  auto lines = shadow_lines(text);
  if (!lines.ok()) return lines.failure();
  auto entry = std::find_if(lines->begin(), lines->end(), [&](const ShadowLine& l) { return l.name == user; });
  if (entry == lines->end()) {
    return Failure(fmt::format("/etc/shadow has no entry for `{}`", user));
  }
  std::string out(text.substr(0, entry->field_start));
  out += hash;
  out += text.substr(entry->field_end);
  return out;
}

}  // namespace sc

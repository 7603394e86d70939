#include "util/accounts_text.h"

#include <algorithm>
#include <sstream>

#include <fmt/format.h>

namespace sc {

std::optional<uint32_t> parse_account_id(std::string_view text) {
  if (text.empty() || text.size() > 10) return std::nullopt;
  uint64_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + static_cast<uint64_t>(c - '0');
  }
  if (value >= 4294967295u) return std::nullopt;
  return static_cast<uint32_t>(value);
}

Result<std::map<std::string, int64_t>> parse_passwd_uids(const std::string& text) {
  std::map<std::string, int64_t> out;
  std::istringstream in(text);
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    if (line.empty() || line[0] == '#') continue;
    size_t a = line.find(':');
    size_t b = a == std::string::npos ? a : line.find(':', a + 1);
    size_t c = b == std::string::npos ? b : line.find(':', b + 1);
    auto uid = c == std::string::npos ? std::nullopt : parse_account_id(std::string_view(line).substr(b + 1, c - b - 1));
    if (!uid) return Failure(fmt::format("line {} of /etc/passwd is not name:password:uid:...", number));
    out[line.substr(0, a)] = *uid;
  }
  return out;
}

bool is_account_name(std::string_view name) {
  if (name.empty() || name.size() > 31) return false;
  if (!(name[0] == '_' || (name[0] >= 'a' && name[0] <= 'z'))) return false;
  for (char c : name)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-')) return false;
  return true;
}

std::string systemd_field(std::string_view text, bool always_quote) {
  bool plain = !text.empty() && text != "-" && std::all_of(text.begin(), text.end(), [](char c) {
    unsigned char u = static_cast<unsigned char>(c);
    return u > 0x20 && u != 0x7f && c != '"' && c != '\'' && c != '\\' && c != '%';
  });
  if (plain && !always_quote) return std::string(text);
  std::string out = "\"";
  for (char c : text) {
    unsigned char u = static_cast<unsigned char>(c);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '%': out += "%%"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      default:
        if (u < 0x20 || u == 0x7f) out += fmt::format("\\x{:02x}", u);
        else out += c;
    }
  }
  return out + "\"";
}

}  // namespace sc

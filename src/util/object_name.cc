#include "util/object_name.h"

namespace sc {

Sha256 file_object_hash(std::string_view content, bool executable) {
  Sha256Builder b;
  b.add_field("file");
  b.add_field(executable ? "x" : "-");
  b.add_field(content);
  return b.finish();
}

std::string object_name(const Sha256& hash, std::string_view hint) {
  std::string name = short_base32(hash) + "-";
  size_t start = hint.rfind('/');
  hint = start == std::string_view::npos ? hint : hint.substr(start + 1);
  for (char c : hint.substr(0, 64)) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
              c == '-' || c == '+';
    name += ok ? c : '_';
  }
  if (name.back() == '-') name += "object";
  return name;
}

}  // namespace sc

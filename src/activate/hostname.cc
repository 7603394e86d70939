#include "activate/hostname.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

namespace sc {

namespace {

// hostname(5): the first line, without surrounding blanks or comments.
std::string first_name(const std::string& text) {
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(pos, end - pos);
    size_t a = line.find_first_not_of(" \t\r"), b = line.find_last_not_of(" \t\r");
    if (a != std::string::npos && line[a] != '#') return line.substr(a, b - a + 1);
    pos = end + 1;
  }
  return {};
}

}  // namespace

Result<std::string> apply_hostname(const Root& root, const Manifest& generation) {
  if (!root.is_live() || !generation.file("/etc/hostname")) return std::string();
  std::string wanted;
  try {
    wanted = first_name(root.read_inside("/etc/hostname"));
  } catch (const FsError& e) {
    return Failure(fmt::format("the hostname was not set: {}", e.what()));
  }
  char current[256] = {};
  if (wanted.empty() || (gethostname(current, sizeof current - 1) == 0 && wanted == current)) return std::string();
  if (sethostname(wanted.data(), wanted.size()) != 0)
    return Failure(fmt::format("cannot set the hostname to {}: {}", wanted, std::strerror(errno)));
  return fmt::format("hostname set to {}", wanted);
}

}  // namespace sc

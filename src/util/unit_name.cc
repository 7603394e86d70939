#include "util/unit_name.h"

#include <array>
#include <algorithm>

namespace sc {

bool is_unit_name(std::string_view name) {
  static constexpr std::array<std::string_view, 11> kTypes = {"service", "socket", "target", "timer",  "path", "mount",
                                                              "automount", "swap", "slice",  "scope", "device"};
  size_t dot = name.rfind('.');
  if (dot == std::string_view::npos || dot == 0 || name.find('/') != std::string_view::npos) return false;
  return std::find(kTypes.begin(), kTypes.end(), name.substr(dot + 1)) != kTypes.end();
}

}  // namespace sc

// Unit files among a generation's files: the directories systemd reads them
// from, and the names a unit may have (NAME.TYPE). The store lists the units
// of a generation by these rules, and the render stage refuses a file in a
// unit directory that systemd would not take for a unit.
#pragma once

#include <string_view>

namespace sc {

constexpr const char* kSystemUnitDir = "/etc/systemd/system/";
constexpr const char* kUserUnitDir = ".config/systemd/user/";  // relative to the home

// NAME.TYPE, TYPE one of systemd's unit types ("foo.service", "getty@.service").
bool is_unit_name(std::string_view name);

}  // namespace sc

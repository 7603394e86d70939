#include "util/fault.h"

#include <signal.h>
#include <unistd.h>

#include <cstdlib>
#include <stdexcept>
#include <string>

#include "util/test_seams.h"

namespace sc {

namespace {

struct Plan {
  std::string point;
  bool throws = false;  // "throw:POINT": an unexpected exception there, not a kill
  long write = -1;
  long writes_seen = 0;
};

Plan& plan() {
  static Plan p = [] {
    Plan out;
    const char* env = test_seam("SYSCONF_TEST_CRASH_AT");
    if (!env) return out;
    std::string value = env;
    if (value.rfind("write:", 0) == 0) {
      out.write = std::strtol(value.c_str() + 6, nullptr, 10);
    } else if (value.rfind("throw:", 0) == 0) {
      out.point = value.substr(6);
      out.throws = true;
    } else {
      out.point = value;
    }
    return out;
  }();
  return p;
}

[[noreturn]] void die() {
  kill(getpid(), SIGKILL);
  _exit(137);
}

}  // namespace

void fault_point(std::string_view name) {
  Plan& p = plan();
  if (p.point.empty() || p.point != name) return;
  if (p.throws) throw std::runtime_error("injected failure at " + std::string(name));
  die();
}

void fault_point_with_child(std::string_view name, pid_t child) {
  Plan& p = plan();
  if (p.point.empty() || p.point != name) return;
  kill(child, SIGKILL);
  die();
}

bool fault_point_armed(std::string_view name) {
  Plan& p = plan();
  return !p.point.empty() && p.point == name;
}

void fault_write() {
  Plan& p = plan();
  if (p.write < 0) return;
  if (++p.writes_seen == p.write) die();
}

}  // namespace sc

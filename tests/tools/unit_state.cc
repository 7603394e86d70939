// unit_state ADDRESS UNIT...: prints "UNIT ACTIVE_STATE SUB_STATE" for each
// unit of the systemd manager at ADDRESS. The integration tests' window on
// their private manager (busctl cannot talk to a private socket).
#include <cstdio>

#include "units/systemd_bus.h"

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: unit_state ADDRESS UNIT...\n");
    return 2;
  }
  auto manager = sc::SystemdManager::connect(argv[1]);
  if (!manager.ok()) {
    std::fprintf(stderr, "%s\n", manager.message().c_str());
    return 1;
  }
  for (int i = 2; i < argc; ++i) {
    sc::UnitStatus s = manager.value()->status(argv[i]);
    std::printf("%s %s %s\n", argv[i], s.active_state.empty() ? "unknown" : s.active_state.c_str(),
                s.sub_state.empty() ? "unknown" : s.sub_state.c_str());
  }
  return 0;
}

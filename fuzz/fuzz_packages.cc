// Fuzzes the reader of the record of the packages sysconf installed (packages.json); see fuzz_state_record.h.
#include "activate/packages.h"
#include "fuzz_state_record.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return fuzz_state_record("packages.json", data, size, sc::installed_by_sysconf_from_json, sc::installed_by_sysconf_to_json);
}

// Fuzzes the reader of the record of the backups sysconf owes (backups.json); see fuzz_state_record.h.
#include "activate/backups.h"
#include "fuzz_state_record.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return fuzz_state_record("backups.json", data, size, sc::backups_from_json, sc::backups_to_json);
}

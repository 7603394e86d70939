// Fuzzes the reader of the activation journal (journal.json: an interrupted activation's generations and unit lists); see fuzz_state_record.h.
#include "activate/journal.h"
#include "fuzz_state_record.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return fuzz_state_record("journal.json", data, size, sc::journal_from_json, sc::journal_to_json);
}

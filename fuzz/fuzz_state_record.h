// What the fuzz targets of the state records (/var/lib/sysconf/*.json)
// share: any bytes must be read or refused as damaged with a message, never
// escape as another exception, and a record that is read must survive a
// round trip, so that what sysconf writes is always what it reads back.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "activate/state_file.h"

template <typename FromJson, typename ToJson>
int fuzz_state_record(const char* name, const uint8_t* data, size_t size, FromJson from_json, ToJson to_json) {
  std::string text(reinterpret_cast<const char*>(data), size);
  try {
    auto record = from_json(sc::parse_state_text(name, text));
    nlohmann::json written = to_json(record);
    if (to_json(from_json(sc::parse_state_text(name, written.dump(2)))) != written) __builtin_trap();
  } catch (const sc::DamagedState& e) {
    if (e.file.empty() || std::string(e.what()).empty()) __builtin_trap();
  }
  return 0;
}

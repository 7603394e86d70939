// Reading the fields of an evaluated option's table while rendering.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "util/value.h"

namespace sc {

// The field `key`, or null when it is missing or null.
inline const Value* field(const Value* table, std::string_view key) {
  const TableEntry* e = table ? table->find(key) : nullptr;
  return e && e->value->kind != ValueKind::Null ? e->value : nullptr;
}

inline std::string text_field(const Value* table, std::string_view key, std::string fallback = {}) {
  const Value* v = field(table, key);
  return v && v->is_string() ? std::string(v->str()) : fallback;
}

// The strings of a list value (other items are skipped).
inline std::vector<std::string> string_list(const Value* v) {
  std::vector<std::string> out;
  if (!v || !v->is_list()) return out;
  for (auto it = v->begin_items(); it != v->end_items(); ++it)
    if ((*it)->is_string()) out.emplace_back((*it)->str());
  return out;
}

}  // namespace sc

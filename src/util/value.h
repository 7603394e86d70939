// The engine's compact value: what a TOML literal becomes as soon as a module
// is parsed (toml++'s tables are dropped right after), and what evaluation
// produces. Values live in an Arena and are immutable once built; merged
// values share the pieces of the definitions they came from.
#pragma once

#include <cstdint>
#include <limits>
#include <string_view>

#include "util/arena.h"

namespace sc {

struct Template;  // load/template.h: a string with {{ interpolations }}

enum class ValueKind : uint8_t {
  Null,      // only an unset nullOr option; TOML has no null
  Bool,
  Int,
  Float,
  String,
  List,
  Table,
  Template,  // a string that still has to be interpolated
  Wrapped,   // { _value = ..., _priority = ..., _order = ... }
};

constexpr int32_t kUnset = std::numeric_limits<int32_t>::min();

struct Value;

// Where a key was written (line 0: computed, not written).
struct KeyPos {
  uint32_t line;
  uint32_t column;
};

struct TableEntry {
  std::string_view key;
  const Value* value;
  KeyPos pos;
};

struct Value {
  ValueKind kind = ValueKind::Null;
  uint32_t line = 0;  // position of the literal in its file; 0 when computed
  uint32_t column = 0;
  union {
    bool boolean;
    int64_t integer;
    double number;
    struct {
      const char* data;
      uint32_t size;
    } string;
    struct {
      const Value* const* items;
      uint32_t size;
    } list;
    struct {
      const TableEntry* entries;  // sorted by key, unique
      uint32_t size;
    } table;
    const Template* tmpl;
    struct {
      const Value* inner;
      int32_t priority;  // kUnset when not given
      int32_t order;     // kUnset when not given
    } wrapped;
  };

  Value() : integer(0) {}

  std::string_view str() const { return {string.data, string.size}; }
  const Value* const* begin_items() const { return list.items; }
  const Value* const* end_items() const { return list.items + list.size; }
  const TableEntry* begin_entries() const { return table.entries; }
  const TableEntry* end_entries() const { return table.entries + table.size; }
  // The entry for `key`, or nullptr. Binary search: entries are sorted.
  const TableEntry* find(std::string_view key) const;

  bool is_table() const { return kind == ValueKind::Table; }
  bool is_list() const { return kind == ValueKind::List; }
  bool is_string() const { return kind == ValueKind::String; }
};

// Structural equality of two fully evaluated values (no templates or wrappers).
bool values_equal(const Value* a, const Value* b);

// A short human name of a value's kind: "a string", "a list", ...
std::string_view describe_kind(ValueKind kind);

// Construction helpers; all results live in `arena`.
namespace make {
const Value* null(Arena& arena);
const Value* boolean(Arena& arena, bool v, uint32_t line = 0, uint32_t column = 0);
const Value* integer(Arena& arena, int64_t v, uint32_t line = 0, uint32_t column = 0);
const Value* number(Arena& arena, double v, uint32_t line = 0, uint32_t column = 0);
const Value* string(Arena& arena, std::string_view v, uint32_t line = 0, uint32_t column = 0);
const Value* list(Arena& arena, const Value* const* items, size_t n, uint32_t line = 0, uint32_t column = 0);
// `entries` need not be sorted; they are sorted here. Keys must be unique.
const Value* table(Arena& arena, TableEntry* entries, size_t n, uint32_t line = 0, uint32_t column = 0);
}  // namespace make

}  // namespace sc

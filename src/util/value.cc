#include "util/value.h"

#include <algorithm>
#include <cstring>

namespace sc {

const TableEntry* Value::find(std::string_view key) const {
  if (kind != ValueKind::Table) return nullptr;
  const TableEntry* first = table.entries;
  const TableEntry* last = table.entries + table.size;
  const TableEntry* it = std::lower_bound(first, last, key, [](const TableEntry& e, std::string_view k) { return e.key < k; });
  return (it != last && it->key == key) ? it : nullptr;
}

bool values_equal(const Value* a, const Value* b) {
  if (a == b) return true;
  if (a->kind != b->kind) {
    // An int and a float with the same value are the same number.
    if (a->kind == ValueKind::Int && b->kind == ValueKind::Float) return static_cast<double>(a->integer) == b->number;
    if (a->kind == ValueKind::Float && b->kind == ValueKind::Int) return a->number == static_cast<double>(b->integer);
    return false;
  }
  switch (a->kind) {
    case ValueKind::Null: return true;
    case ValueKind::Bool: return a->boolean == b->boolean;
    case ValueKind::Int: return a->integer == b->integer;
    case ValueKind::Float: return a->number == b->number;
    case ValueKind::String: return a->str() == b->str();
    case ValueKind::List:
      if (a->list.size != b->list.size) return false;
      for (uint32_t i = 0; i < a->list.size; ++i)
        if (!values_equal(a->list.items[i], b->list.items[i])) return false;
      return true;
    case ValueKind::Table:
      if (a->table.size != b->table.size) return false;
      for (uint32_t i = 0; i < a->table.size; ++i) {
        if (a->table.entries[i].key != b->table.entries[i].key) return false;
        if (!values_equal(a->table.entries[i].value, b->table.entries[i].value)) return false;
      }
      return true;
    case ValueKind::Template:
    case ValueKind::Wrapped: return false;
  }
  return false;
}

std::string_view describe_kind(ValueKind kind) {
  switch (kind) {
    case ValueKind::Null: return "null";
    case ValueKind::Bool: return "a boolean";
    case ValueKind::Int: return "an integer";
    case ValueKind::Float: return "a float";
    case ValueKind::String: return "a string";
    case ValueKind::List: return "a list";
    case ValueKind::Table: return "a table";
    case ValueKind::Template: return "a string";
    case ValueKind::Wrapped: return "a priority wrapper";
  }
  return "a value";
}

namespace make {

namespace {
Value* fresh(Arena& arena, ValueKind kind, uint32_t line, uint32_t column) {
  Value* v = arena.make<Value>();
  v->kind = kind;
  v->line = line;
  v->column = column;
  return v;
}
}  // namespace

const Value* null(Arena& arena) { return fresh(arena, ValueKind::Null, 0, 0); }

const Value* boolean(Arena& arena, bool b, uint32_t line, uint32_t column) {
  Value* v = fresh(arena, ValueKind::Bool, line, column);
  v->boolean = b;
  return v;
}

const Value* integer(Arena& arena, int64_t i, uint32_t line, uint32_t column) {
  Value* v = fresh(arena, ValueKind::Int, line, column);
  v->integer = i;
  return v;
}

const Value* number(Arena& arena, double d, uint32_t line, uint32_t column) {
  Value* v = fresh(arena, ValueKind::Float, line, column);
  v->number = d;
  return v;
}

const Value* string(Arena& arena, std::string_view s, uint32_t line, uint32_t column) {
  Value* v = fresh(arena, ValueKind::String, line, column);
  std::string_view copy = arena.copy(s);
  v->string.data = copy.data();
  v->string.size = static_cast<uint32_t>(copy.size());
  return v;
}

const Value* list(Arena& arena, const Value* const* items, size_t n, uint32_t line, uint32_t column) {
  Value* v = fresh(arena, ValueKind::List, line, column);
  const Value** copy = arena.array<const Value*>(n);
  if (n) std::memcpy(copy, items, n * sizeof(const Value*));
  v->list.items = copy;
  v->list.size = static_cast<uint32_t>(n);
  return v;
}

const Value* table(Arena& arena, TableEntry* entries, size_t n, uint32_t line, uint32_t column) {
  Value* v = fresh(arena, ValueKind::Table, line, column);
  TableEntry* copy = arena.array<TableEntry>(n);
  if (n) std::memcpy(copy, entries, n * sizeof(TableEntry));
  std::sort(copy, copy + n, [](const TableEntry& a, const TableEntry& b) { return a.key < b.key; });
  v->table.entries = copy;
  v->table.size = static_cast<uint32_t>(n);
  return v;
}

}  // namespace make

}  // namespace sc

// What a template or condition can read besides options: the element a
// [[for]] block is expanding (`job.name`, `job.value`), or the name of the
// attrsOf element a submodule is merged for (`name`, as NixOS's `{ name, ... }`).
// Scopes form a chain, innermost first; they live in the evaluation's arena.
#pragma once

#include <string>
#include <string_view>

#include "load/module.h"
#include "util/value.h"

namespace sc {

struct OptionInfo;

struct Scope {
  enum class Kind : uint8_t { ForElement, ElementName };
  Kind kind = Kind::ForElement;
  std::string_view binding;     // what templates write: "job", or "name"
  const Value* key = nullptr;   // the element's key (a string) or list index (an int)
  // The element's value: `value`, or, for an element of an attrsOf option
  // iterated as a whole, read lazily as element `key` of `option`, so that
  // expanding one element never forces its siblings.
  const Value* value = nullptr;
  const OptionInfo* option = nullptr;
  const Block* block = nullptr;  // the [[for]] (ForElement)
  FileId file = kNoFile;         // the [[for]]'s module
  const Scope* parent = nullptr;

  // The innermost binding called `name`, or nullptr.
  const Scope* find(std::string_view name) const {
    for (const Scope* s = this; s; s = s->parent)
      if (s->binding == name) return s;
    return nullptr;
  }
};

// `job = "daily"`, for messages; an index is written as a number.
std::string describe_element(const Scope& scope);
// `for job = "daily", for t = 0`: the [[for]] elements of a chain, outer
// first; empty when there are none.
std::string describe_elements(const Scope* scope);

}  // namespace sc

namespace sc {
struct Diagnostic;
// Adds a note per [[for]] element in `scope` ("in the [[for]] element job =
// "daily""), at the block's `each`, so that an error inside a generated
// definition says which element it was expanding. Does nothing twice.
void note_elements(Diagnostic& d, const Scope* scope);
}  // namespace sc

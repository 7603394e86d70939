#include "eval/scope.h"

#include <fmt/format.h>

#include "eval/eval_error.h"
#include "util/diagnostic.h"
#include "util/json_writer.h"

namespace sc {

std::string describe_element(const Scope& scope) {
  return fmt::format("{} = {}", scope.binding, to_json(scope.key));
}

std::string describe_elements(const Scope* scope) {
  std::string out;
  for (const Scope* s = scope; s; s = s->parent) {
    if (s->kind != Scope::Kind::ForElement) continue;
    out = "for " + describe_element(*s) + (out.empty() ? "" : ", ") + out;
  }
  return out;
}

void note_elements(Diagnostic& d, const Scope* scope) {
  for (const Scope* s = scope; s; s = s->parent) {
    if (s->kind != Scope::Kind::ForElement) continue;
    std::string message = fmt::format("while expanding the [[for]] element {}", describe_element(*s));
    bool present = false;
    for (const Note& n : d.notes) present |= n.message == message;
    if (!present) d.notes.push_back(Note{std::move(message), offset_in_string(s->block->each_pos, 0)});
  }
}

}  // namespace sc

#include "cli/value_text.h"

#include <fmt/format.h>

#include "load/template.h"
#include "util/json_writer.h"
#include "util/text.h"

namespace sc {

std::string show_source_value(const Value* v) {
  switch (v->kind) {
    case ValueKind::Template: return json_quote(v->tmpl->source);
    case ValueKind::Wrapped: {
      std::string out = "{ _value = " + show_source_value(v->wrapped.inner);
      if (v->wrapped.priority != kUnset) out += fmt::format(", _priority = {}", v->wrapped.priority);
      if (v->wrapped.order != kUnset) out += fmt::format(", _order = {}", v->wrapped.order);
      return out + " }";
    }
    case ValueKind::List: {
      std::string out = "[";
      for (auto it = v->begin_items(); it != v->end_items(); ++it) {
        if (it != v->begin_items()) out += ", ";
        out += show_source_value(*it);
      }
      return out + "]";
    }
    case ValueKind::Table: {
      if (v->table.size == 0) return "{}";
      std::string out = "{ ";
      for (auto e = v->begin_entries(); e != v->end_entries(); ++e) {
        if (e != v->begin_entries()) out += ", ";
        out += quote_segment(e->key) + " = " + show_source_value(e->value);
      }
      return out + " }";
    }
    default: return to_json(v);
  }
}

}  // namespace sc

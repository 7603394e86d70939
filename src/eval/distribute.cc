#include "eval/distribute.h"

#include <fmt/format.h>

#include "eval/merge.h"
#include "util/text.h"

namespace sc {

void distribute(const OptionTree& tree, const OptionNode* from, const MergeDef& def, bool keep_properties,
                const std::function<void(const OptionInfo*, const MergeDef&)>& sink, std::vector<Diagnostic>& errors) {
  const OptionNode* node = from;
  uint32_t i = 0;
  for (; i < def.rest_size && !node->option; ++i) {
    const OptionNode* child = tree.child(node, def.rest[i]);
    if (!child) {
      std::vector<std::string_view> wanted_parts(def.rest, def.rest + def.rest_size);
      std::string prefix = OptionTree::node_path(from);
      std::string full = prefix.empty() ? join_path(wanted_parts) : prefix + "." + join_path(wanted_parts);
      std::string upto = OptionTree::node_path(node);
      std::vector<std::string_view> after(def.rest + i + 1, def.rest + def.rest_size);
      std::vector<std::string> near = tree.suggest(node, def.rest[i], after);
      Diagnostic d;
      d.message = fmt::format("unknown option `{}`", full);
      d.pos = def.rest_pos ? SourcePos{def.pos.file, def.rest_pos[i].line, def.rest_pos[i].column} : def.pos;
      d.label = fmt::format("no option `{}` is declared",
                            upto.empty() ? quote_segment(def.rest[i]) : upto + "." + quote_segment(def.rest[i]));
      if (!near.empty()) {
        std::vector<std::string> quoted;
        for (auto& n : near) quoted.push_back("`" + n + "`");
        d.help = fmt::format("did you mean {}?", list_words(quoted));
      } else {
        d.help = "declare the option in a module under [options], or check its spelling";
      }
      errors.push_back(std::move(d));
      return;
    }
    node = child;
  }
  if (node->option) {
    MergeDef at = def;
    at.rest = def.rest + i;
    at.rest_size = def.rest_size - i;
    if (def.rest_pos) at.rest_pos = def.rest_pos + i;
    sink(node->option, at);
    return;
  }
  // The path ends at a group of options: the value must be a table naming them.
  if (def.value->kind != ValueKind::Table) {
    // Name the options inside, relative to the group: `x.enable`, not a subgroup `x`.
    std::string group = OptionTree::node_path(node);
    std::vector<std::string> names;
    for (const std::string& full : tree.names_below(node)) {
      if (names.size() == 6) {
        names.push_back("...");
        break;
      }
      names.push_back(full.substr(group.size() + 1));
    }
    Diagnostic d;
    d.message = fmt::format("`{}` is a group of options, not an option", group);
    d.pos = def.pos;
    d.label = fmt::format("got {}", describe_kind(def.value->kind));
    d.help = fmt::format("set one of its options ({}), or write a table", list_words(names, " and "));
    errors.push_back(std::move(d));
    return;
  }
  for (auto e = def.value->begin_entries(); e != def.value->end_entries(); ++e) {
    MergeDef part = def;
    part.value = e->value;
    part.rest = &e->key;
    part.rest_size = 1;
    part.pos = SourcePos{def.pos.file, e->pos.line, e->pos.column};
    part.rest_pos = &e->pos;
    if (!keep_properties) {
      part.priority = 100;
      part.order = 1000;
    }
    if (part.value->kind == ValueKind::Wrapped && !(tree.child(node, e->key) && tree.child(node, e->key)->option)) {
      // A wrapper on a group applies to each option in it.
      if (part.value->wrapped.priority != kUnset) part.priority = part.value->wrapped.priority;
      if (part.value->wrapped.order != kUnset) part.order = part.value->wrapped.order;
      part.value = part.value->wrapped.inner;
    }
    distribute(tree, node, part, true, sink, errors);
  }
}

}  // namespace sc

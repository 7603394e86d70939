// The store objects an evaluation's text refers to: `| writeScript` puts a
// script in the store and gives its path, and the evaluation keeps the
// object, as a Nix string carries the store paths it depends on. The render
// stage adds every kept object to the generation (render/render.cc).
#pragma once

#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace sc {

struct WrittenObject {
  std::string name;  // <hash>-<hint>, as the store names it (util/object_name.h)
  std::string content;
  bool executable = true;
};

// Owned by one Evaluation; filled as templates are rendered, so it holds
// what was read, once each.
class WrittenObjects {
 public:
  // Keeps the object and returns its path in the store.
  std::string write(std::string content, bool executable, std::string_view hint);
  const std::vector<WrittenObject>& all() const { return objects_; }

 private:
  std::vector<WrittenObject> objects_;
  std::set<std::string> names_;
};

}  // namespace sc

#include "eval/written_objects.h"

#include "util/object_name.h"

namespace sc {

std::string WrittenObjects::write(std::string content, bool executable, std::string_view hint) {
  std::string name = object_name(file_object_hash(content, executable), hint);
  if (names_.insert(name).second) objects_.push_back(WrittenObject{name, std::move(content), executable});
  return store_path(name);
}

}  // namespace sc

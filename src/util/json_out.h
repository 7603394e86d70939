// Writes JSON documents straight into a string, indented two spaces, in the
// order the caller gives. For the state sysconf writes itself (manifests),
// where building a DOM first costs more than the rest of a rebuild.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sc {

class JsonOut {
 public:
  JsonOut& begin_object();
  JsonOut& end_object();
  JsonOut& begin_array();
  JsonOut& end_array();
  // The next value is the member `name` of the enclosing object.
  JsonOut& key(std::string_view name);

  JsonOut& string(std::string_view s);
  JsonOut& boolean(bool b);
  JsonOut& integer(int64_t n);
  JsonOut& null();
  JsonOut& optional_string(const std::optional<std::string>& s) { return s ? string(*s) : null(); }
  JsonOut& optional_integer(const std::optional<int64_t>& n) { return n ? integer(*n) : null(); }
  JsonOut& strings(const std::vector<std::string>& list);

  // The document, with a final newline. REQUIRES: every begin has its end.
  std::string finish();

 private:
  void before_value();
  void open(char bracket);
  void close(char bracket);

  std::string out_;
  // Per open container: whether it has a member yet.
  std::vector<bool> nonempty_;
  bool after_key_ = false;
};

}  // namespace sc

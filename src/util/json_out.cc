#include "util/json_out.h"

#include "util/text.h"

namespace sc {

void JsonOut::before_value() {
  if (after_key_) {
    after_key_ = false;
    return;
  }
  if (nonempty_.empty()) return;  // the document itself
  out_ += nonempty_.back() ? ",\n" : "\n";
  nonempty_.back() = true;
  out_.append(2 * nonempty_.size(), ' ');
}

void JsonOut::open(char bracket) {
  before_value();
  out_ += bracket;
  nonempty_.push_back(false);
}

void JsonOut::close(char bracket) {
  bool had_members = nonempty_.back();
  nonempty_.pop_back();
  if (had_members) {
    out_ += '\n';
    out_.append(2 * nonempty_.size(), ' ');
  }
  out_ += bracket;
}

JsonOut& JsonOut::begin_object() {
  open('{');
  return *this;
}
JsonOut& JsonOut::end_object() {
  close('}');
  return *this;
}
JsonOut& JsonOut::begin_array() {
  open('[');
  return *this;
}
JsonOut& JsonOut::end_array() {
  close(']');
  return *this;
}

JsonOut& JsonOut::key(std::string_view name) {
  before_value();
  append_json_quoted(out_, name);
  out_ += ": ";
  after_key_ = true;
  return *this;
}

JsonOut& JsonOut::string(std::string_view s) {
  before_value();
  append_json_quoted(out_, s);
  return *this;
}

JsonOut& JsonOut::boolean(bool b) {
  before_value();
  out_ += b ? "true" : "false";
  return *this;
}

JsonOut& JsonOut::integer(int64_t n) {
  before_value();
  out_ += std::to_string(n);
  return *this;
}

JsonOut& JsonOut::null() {
  before_value();
  out_ += "null";
  return *this;
}

JsonOut& JsonOut::strings(const std::vector<std::string>& list) {
  begin_array();
  for (const std::string& s : list) string(s);
  return end_array();
}

std::string JsonOut::finish() {
  out_ += '\n';
  return std::move(out_);
}

}  // namespace sc

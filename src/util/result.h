// The one way a function says it failed: it returns a Result<T>, which holds
// either its value or the errors that stopped it, each a Diagnostic with its
// source position when the failing code knows one. As LevelDB's Status: the
// caller checks ok() and passes the errors on (report_to) or reads them;
// nothing is thrown across a stage and nothing is dropped unseen.
//
//   Result<int> parse_port(std::string_view text) {
//     if (text.empty()) return Failure("the port is empty");
//     return 22;
//   }
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "util/diagnostic.h"

namespace sc {

// The errors of a failed Result before it knows its value type: it converts
// to any Result<T>.
struct Failure {
  explicit Failure(std::string message, SourcePos pos = {}) {
    errors.emplace_back();
    errors.back().message = std::move(message);
    errors.back().pos = pos;
  }
  explicit Failure(std::vector<Diagnostic> all) : errors(std::move(all)) {}

  std::vector<Diagnostic> errors;  // never empty
};

// The part of Result that does not depend on T: the errors.
class ResultErrors {
 public:
  bool ok() const { return errors_.empty(); }

  // REQUIRES: !ok()
  const std::vector<Diagnostic>& errors() const { return errors_; }
  // The first error's text, for a caller that puts it in a message of its own.
  // REQUIRES: !ok()
  const std::string& message() const { return errors_.front().message; }
  // The errors as they were, with `pos` given to those that had no position.
  Failure failure(SourcePos pos = {}) const {
    Failure out(errors_);
    for (Diagnostic& d : out.errors)
      if (!d.pos.known()) d.pos = pos;
    return out;
  }
  // Adds the errors to `sink` (none when ok()); returns ok().
  bool report_to(Diagnostics& sink) const {
    for (const Diagnostic& d : errors_) sink.add(d);
    return ok();
  }

 protected:
  ResultErrors() = default;
  explicit ResultErrors(Failure f) : errors_(std::move(f.errors)) {}
  std::vector<Diagnostic> errors_;
};

template <class T>
class [[nodiscard]] Result : public ResultErrors {
 public:
  Result(T value) : value_(std::move(value)) {}
  Result(Failure f) : ResultErrors(std::move(f)) {}

  // REQUIRES: ok()
  T& value() & { return *value_; }
  const T& value() const& { return *value_; }
  T&& value() && { return std::move(*value_); }
  T* operator->() { return &*value_; }
  const T* operator->() const { return &*value_; }
  T& operator*() & { return *value_; }

 private:
  std::optional<T> value_;
};

// A function that returns nothing but can fail.
template <>
class [[nodiscard]] Result<void> : public ResultErrors {
 public:
  Result() = default;
  Result(Failure f) : ResultErrors(std::move(f)) {}
};

using Status = Result<void>;

}  // namespace sc

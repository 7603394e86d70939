// Result<T>: a value or the errors that stopped it (src/util/result.h).
#include <catch2/catch.hpp>

#include <memory>
#include <string>

#include "util/result.h"

using namespace sc;

namespace {

Result<int> half(int n) {
  if (n % 2) return Failure("odd number", SourcePos{1, 2, 3});
  return n / 2;
}

Status check_even(int n) {
  auto h = half(n);
  if (!h.ok()) return h.failure();
  return {};
}

}  // namespace

TEST_CASE("result: holds a value or its errors") {
  auto good = half(8);
  REQUIRE(good.ok());
  CHECK(good.value() == 4);
  CHECK(*good == 4);

  auto bad = half(7);
  REQUIRE_FALSE(bad.ok());
  REQUIRE(bad.errors().size() == 1);
  CHECK(bad.message() == "odd number");
  CHECK(bad.errors()[0].severity == Severity::Error);
  CHECK(bad.errors()[0].pos == SourcePos{1, 2, 3});
}

TEST_CASE("result: a move-only value moves out") {
  Result<std::unique_ptr<int>> r = std::make_unique<int>(5);
  REQUIRE(r.ok());
  std::unique_ptr<int> p = std::move(r).value();
  CHECK(*p == 5);
}

TEST_CASE("result: status passes errors on, keeping their positions") {
  CHECK(check_even(4).ok());
  Status s = check_even(3);
  REQUIRE_FALSE(s.ok());
  CHECK(s.message() == "odd number");
  CHECK(s.errors()[0].pos.line == 2);
}

TEST_CASE("result: failure(pos) gives a position only to errors without one") {
  Status unknown = Failure("no site");
  Failure f = unknown.failure(SourcePos{4, 5, 6});
  CHECK(f.errors[0].pos == SourcePos{4, 5, 6});
  Status known = Failure("site", SourcePos{1, 1, 1});
  CHECK(known.failure(SourcePos{4, 5, 6}).errors[0].pos == SourcePos{1, 1, 1});
}

TEST_CASE("result: report_to adds the errors to a Diagnostics") {
  Diagnostics diags;
  CHECK(half(2).report_to(diags));
  CHECK_FALSE(diags.has_errors());
  CHECK_FALSE(half(3).report_to(diags));
  REQUIRE(diags.error_count() == 1);
  CHECK(diags.all()[0].message == "odd number");
}

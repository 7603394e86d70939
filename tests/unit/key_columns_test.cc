// Where each segment of a dotted key or table header is written.
#include <catch2/catch.hpp>

#include "load/key_columns.h"

using namespace sc;

TEST_CASE("the segments of a dotted key or a table header") {
  CHECK(key_segment_columns("a.b = 1") == std::vector<uint32_t>{1, 3});
  CHECK(key_segment_columns("  a . \"b.c\" .'d' = 1") == std::vector<uint32_t>{3, 7, 14});
  CHECK(key_segment_columns("[config.services.foo]") == std::vector<uint32_t>{2, 9, 18});
  CHECK(key_segment_columns("[[ when ]]") == std::vector<uint32_t>{4});
  CHECK(key_segment_columns("\"é\\\"\".x = 1") == std::vector<uint32_t>{1, 7});
  CHECK_FALSE(key_segment_columns("= 1"));
  CHECK_FALSE(key_segment_columns(""));
}

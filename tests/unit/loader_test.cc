// The import closure: load order, each file once, cycles, directories.
#include <catch2/catch.hpp>

#include <filesystem>

#include "test_tree.h"
#include "util/text.h"

using namespace sc;
using sc::test::TestTree;

namespace {
std::vector<std::string> order(TestTree& t, const std::vector<std::string>& roots) {
  std::vector<ModuleRoot> r;
  for (auto& x : roots) r.push_back(ModuleRoot{t.path(x), {}});
  LoadedModules loaded = load_modules(r, t.files(), t.diags(), nullptr, 2);
  std::vector<std::string> out;
  for (const Module& m : loaded.modules) out.push_back(std::filesystem::path(m.path).filename().string());
  return out;
}
}  // namespace

TEST_CASE("load order is a depth-first pre-order walk, each file once") {
  TestTree t;
  t.write("lib.toml", "");
  t.write("entry.toml", "imports = [\"./a.toml\", \"./b.toml\"]\n");
  t.write("a.toml", "imports = [\"./c.toml\", \"./b.toml\"]\n");
  t.write("b.toml", "imports = [\"./entry.toml\"]\n");  // a cycle back to the entry
  t.write("c.toml", "imports = [\"./d\"]\n");
  t.write("d/default.toml", "");
  for (int run = 0; run < 5; ++run)  // parallel parsing must not change the order
    CHECK(order(t, {"lib.toml", "entry.toml"}) ==
          std::vector<std::string>{"lib.toml", "entry.toml", "a.toml", "c.toml", "default.toml", "b.toml"});
  CHECK_FALSE(t.diags().has_errors());
}

TEST_CASE("a file reached by two paths is loaded once") {
  TestTree t;
  t.write("entry.toml", "imports = [\"./sub/../x.toml\", \"x.toml\", \"./link.toml\"]\n");
  t.write("x.toml", "");
  std::filesystem::create_symlink(t.path("x.toml"), t.path("link.toml"));
  CHECK(order(t, {"entry.toml"}) == std::vector<std::string>{"entry.toml", "x.toml"});
}

TEST_CASE("a missing import is reported at the importing site") {
  TestTree t;
  t.write("entry.toml", "\nimports = [\"./nope.toml\"]\n");
  order(t, {"entry.toml"});
  REQUIRE(t.diags().error_count() == 1);
  const Diagnostic& d = t.diags().all()[0];
  CHECK(d.pos.line == 2);
  CHECK(d.pos.column == 12);
}

TEST_CASE("TOML syntax errors of several files are all reported, in load order") {
  TestTree t;
  t.write("entry.toml", "imports = [\"./a.toml\", \"./b.toml\"]\n");
  t.write("a.toml", "x = \n");
  t.write("b.toml", "[config\n");
  order(t, {"entry.toml"});
  REQUIRE(t.diags().error_count() == 2);
  CHECK(t.files().display(t.diags().all()[0].pos.file).ends_with("a.toml"));
  CHECK(t.files().display(t.diags().all()[1].pos.file).ends_with("b.toml"));
}

TEST_CASE("did-you-mean suggestions") {
  CHECK(closest_names("servces", {"services", "boot", "server"}) == std::vector<std::string>{"services", "server"});
  CHECK(closest_names("x", {"services"}).empty());
  CHECK(edit_distance("kitten", "sitting") == 3);
}

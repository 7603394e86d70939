// Merging by type, priorities and orders, through the real stages.
#include <catch2/catch.hpp>

#include "test_tree.h"

using sc::test::TestTree;

TEST_CASE("the best priority wins, option default 1500 < defaults 1000 < config 100 < force 50") {
  TestTree t;
  t.write("d.toml", R"T(
[options.a]
type = "int"
default = 1
[options.b]
type = "int"
default = 1
[options.c]
type = "int"
default = 1
[options.d]
type = "int"
default = 1
)T");
  t.write("m.toml", R"T(
imports = ["./d.toml"]
[defaults]
b = 2
c = 2
d = 2
[config]
c = 3
d = 3
[force]
d = 4
)T");
  CHECK(t.json({"m.toml"}) == R"({"a":1,"b":2,"c":3,"d":4})");
}

TEST_CASE("a wrapper sets one value's priority") {
  TestTree t;
  t.write("m.toml", R"T(
[options.x]
type = "str"
[config]
x = { _value = "strong", _priority = 60 }
[force]
x = { _value = "weak", _priority = 70 }
)T");
  CHECK(t.json({"m.toml"}) == R"({"x":"strong"})");
}

TEST_CASE("lists concatenate in load order, with _order before and after") {
  TestTree t;
  t.write("a.toml", R"T(
imports = ["./b.toml"]
[options.l]
type = "listOf(str)"
default = ["default"]
[config]
l = ["a1", "a2"]
)T");
  t.write("b.toml", R"T(
[config]
l = { _value = ["first"], _order = "before" }
[force]
)T");
  t.write("c.toml", R"T(
[config]
l = { _value = ["last"], _order = "after" }
)T");
  t.write("d.toml", R"T(
[config]
l = ["d"]
)T");
  // "after" (1500) sorts behind every default-order (1000) definition.
  CHECK(t.json({"a.toml", "c.toml", "d.toml"}) == R"({"l":["first","a1","a2","d","last"]})");
}

TEST_CASE("within a file, definitions keep their position in the text") {
  TestTree t;
  t.write("m.toml", R"T(
[options.l]
type = "listOf(int)"
[options.s]
type = "lines"
[[when]]
if = "true"
[when.config]
l = [1]
s = "one"
[[when]]
if = "true"
[when.config]
l = [2]
s = "two"
)T");
  t.write("n.toml", R"T(
[config]
zz = 0
)T");
  CHECK(t.json({"m.toml"}) == R"({"l":[1,2],"s":"one\ntwo"})");
}

TEST_CASE("lines join with newlines across files") {
  TestTree t;
  t.write("a.toml", "[options.s]\ntype = \"lines\"\n[config]\ns = \"first\"\n");
  t.write("b.toml", "[config]\ns = \"second\"\n");
  CHECK(t.json({"a.toml", "b.toml"}) == R"({"s":"first\nsecond"})");
}

TEST_CASE("attrsOf merges per key, each key with its own priority") {
  TestTree t;
  t.write("m.toml", R"T(
[options.s]
type = "attrsOf(str)"
default = { owner = "nobody" }
[config]
s = { a = "1" }
[defaults]
s.level = "low"
s.a = "lost"
)T");
  t.write("n.toml", R"T(
[config.s]
level = "high"
)T");
  // The default goes: definitions below an option count as 100 at its level.
  CHECK(t.json({"m.toml", "n.toml"}) == R"({"s":{"a":"1","level":"high"}})");
}

TEST_CASE("a default below an option still removes the option's default") {
  TestTree t;
  t.write("m.toml", R"T(
[options.s]
type = "attrsOf(str)"
default = { owner = "nobody" }
[defaults]
s.level = "low"
)T");
  CHECK(t.json({"m.toml"}) == R"({"s":{"level":"low"}})");
}

TEST_CASE("submodules merge option by option and fill in defaults") {
  TestTree t;
  t.write("m.toml", R"T(
[types.file.options.text]
type = "lines"
default = ""
[types.file.options.mode]
type = "str"
default = "0644"
[options.files]
type = "attrsOf(file)"
default = {}
[config]
files."a.conf".text = "line 1"
files."b.conf" = { mode = "0600" }
[[when]]
if = "true"
[when.config]
files."a.conf".text = "line 2"
)T");
  CHECK(t.json({"m.toml"}) ==
        R"({"files":{"a.conf":{"mode":"0644","text":"line 1\nline 2"},"b.conf":{"mode":"0600","text":""}}})");
}

TEST_CASE("submodules with nested sub-options") {
  TestTree t;
  t.write("m.toml", R"T(
[options.svc]
type = "attrsOf(submodule)"
[options.svc.options.serviceConfig.Type]
type = "str"
default = "simple"
[options.svc.options.serviceConfig.ExecStart]
type = "str"
[config]
svc.web.serviceConfig.ExecStart = "/bin/web"
)T");
  CHECK(t.json({"m.toml"}) == R"({"svc":{"web":{"serviceConfig":{"ExecStart":"/bin/web","Type":"simple"}}}})");
}

TEST_CASE("nullOr is null when unset, either picks the side all values fit") {
  TestTree t;
  t.write("m.toml", R"T(
[options.n]
type = "nullOr(int)"
[options.e1]
type = "either(int, str)"
[options.e2]
type = "either(int, listOf(str))"
[config]
e1 = "text"
e2 = ["a"]
)T");
  t.write("n.toml", "[config]\ne2 = [\"b\"]\n");
  CHECK(t.json({"m.toml", "n.toml"}) == R"({"e1":"text","e2":["a","b"],"n":null})");
}

TEST_CASE("anything merges tables recursively and requires equal other values") {
  TestTree t;
  t.write("m.toml", R"T(
[options.x]
type = "anything"
[config]
x.bar.a = 1
x.list = [1, 2]
)T");
  t.write("n.toml", R"T(
[config]
x = { bar = { b = 2 }, list = [1, 2] }
)T");
  CHECK(t.json({"m.toml", "n.toml"}) == R"({"x":{"bar":{"a":1,"b":2},"list":[1,2]}})");
  TestTree u;
  u.write("m.toml", "[options.x]\ntype = \"anything\"\n[config]\nx.list = [1]\n");
  u.write("n.toml", "[config]\nx.list = [2]\n");
  CHECK(u.json({"m.toml", "n.toml"}) == "ERROR");
  CHECK(u.messages() == "conflicting values for `x.list`\n");
}

TEST_CASE("a path is resolved against the directory of the file that defines it") {
  TestTree t;
  t.write("d.toml", "[options.p]\ntype = \"listOf(path)\"\n");
  t.write("sub/m.toml", "[config]\np = [\"./files/a\", \"../b\", \"/abs/c\"]\n");
  std::string expected = "{\"p\":[\"" + t.path("sub/files/a") + "\",\"" + t.path("b") + "\",\"/abs/c\"]}";
  CHECK(t.json({"d.toml", "sub/m.toml"}) == expected);
}

TEST_CASE("an int is accepted where a float is wanted") {
  TestTree t;
  t.write("m.toml", "[options.f]\ntype = \"float\"\n[config]\nf = 2\n");
  CHECK(t.json({"m.toml"}) == R"({"f":2.0})");
}

TEST_CASE("conflicts, type errors and enums are errors") {
  TestTree t;
  t.write("m.toml", R"T(
[options.s]
type = "str"
[options.i]
type = "int"
[options.e]
type = "enum"
values = ["a", "b"]
[config]
s = "one"
i = "two"
e = "c"
)T");
  t.write("n.toml", "[config]\ns = \"other\"\n");
  CHECK(t.json({"m.toml", "n.toml"}) == "ERROR");
  CHECK(t.messages() ==
        "type mismatch in `e`: expected enum [\"a\", \"b\"], got \"c\"\n"
        "type mismatch in `i`: expected int, got a string\n"
        "conflicting values for `s`\n");
}

TEST_CASE("equal values at the same priority are not a conflict") {
  TestTree t;
  t.write("m.toml", "[options.s]\ntype = \"str\"\n[config]\ns = \"same\"\n");
  t.write("n.toml", "[config]\ns = \"same\"\n");
  CHECK(t.json({"m.toml", "n.toml"}) == R"({"s":"same"})");
}

TEST_CASE("a read-only option takes one definition") {
  TestTree t;
  t.write("m.toml", "[options.r]\ntype = \"int\"\nreadOnly = true\n[config]\nr = 1\n");
  t.write("n.toml", "[config]\nr = 1\n");
  CHECK(t.json({"m.toml", "n.toml"}) == "ERROR");
  CHECK(t.messages() == "option `r` is read-only but is defined 2 times\n");
}

TEST_CASE("an option without value or default is left out of the whole tree") {
  TestTree t;
  t.write("m.toml", "[options.a]\ntype = \"str\"\n[options.g.b]\ntype = \"int\"\n[options.c]\ntype = \"int\"\ndefault = 3\n");
  CHECK(t.json({"m.toml"}) == R"({"c":3})");
  CHECK(t.json_of("a") == "ERROR");
  CHECK(t.messages() == "option `a` is used but has no value\n");
}

TEST_CASE("a table written at a group of options defines each option, keeping its priority") {
  TestTree t;
  t.write("m.toml", R"T(
[options.g.a]
type = "int"
[options.g.b]
type = "int"
[defaults]
g = { a = 1, b = 1 }
[config]
g.b = 2
)T");
  CHECK(t.json({"m.toml"}) == R"({"g":{"a":1,"b":2}})");
}

TEST_CASE("a priority worse than the default's 1500 loses to the default, at every level") {
  TestTree t;
  t.write("m.toml", R"T(
[options.x]
type = "int"
default = 1
[options.l]
type = "listOf(int)"
default = [1]
[options.n]
type = "int"
[options.a]
type = "attrsOf(int)"
default = { b = 1 }
[options.s]
type = "attrsOf(submodule)"
[options.s.options.port]
type = "int"
default = 80
[options.s.options.name]
type = "str"
[config]
x = { _value = 2, _priority = 2000 }
l = { _value = [2], _priority = 1500 }
n = { _value = 3, _priority = 2000 }
a = { _value = { c = 2 }, _priority = 2000 }
s.web = { port = { _value = 8080, _priority = 2000 }, name = "web" }
)T");
  // A definition at 1500 merges with the default; one alone still counts.
  CHECK(t.json({"m.toml"}) == R"({"a":{"b":1},"l":[2,1],"n":3,"s":{"web":{"name":"web","port":80}},"x":1})");
  // The element-level path (attrsOf elements read one by one) agrees.
  CHECK(t.json_of("a.c") == "ERROR");
  CHECK(t.json_of("a.b") == "1");
}

TEST_CASE("a read-only option's default counts as its one definition") {
  TestTree t;
  t.write("m.toml", R"T(
[options.r]
type = "int"
readOnly = true
default = 1
[options.s]
type = "submodule"
default = {}
[options.s.options.v]
type = "int"
readOnly = true
default = 1
[options.ok]
type = "int"
readOnly = true
default = 1
[config]
r = 2
s.v = 2
)T");
  CHECK(t.json({"m.toml"}) == "ERROR");
  CHECK(t.messages() ==
        "option `r` is read-only but is defined 2 times\n"
        "option `s.v` is read-only but is defined 2 times\n");
}

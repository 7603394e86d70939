// Laziness, conditions, cycles, interpolation, assertions and homes.
#include <catch2/catch.hpp>

#include "test_tree.h"
#include "util/object_name.h"

using namespace sc;
using sc::test::TestTree;

TEST_CASE("conditions read options that other conditional blocks define") {
  TestTree t;
  t.write("m.toml", R"T(
[options.a]
type = "bool"
default = false
[options.b]
type = "bool"
default = false
[options.c]
type = "str"
default = "off"
[[when]]
if = "b"
[when.config]
c = "on"
[[when]]
if = "a"
[when.config]
b = true
[config]
a = true
)T");
  CHECK(t.json({"m.toml"}) == R"({"a":true,"b":true,"c":"on"})");
}

TEST_CASE("a false condition drops its definitions, even of unusable values") {
  TestTree t;
  t.write("m.toml", R"T(
[options.x]
type = "int"
default = 1
[options.y]
type = "int"
default = 1
[[when]]
if = "y == 2 || !(y != 1) && false"
[when.config]
x = "not even an int"
)T");
  CHECK(t.json({"m.toml"}) == R"({"x":1,"y":1})");
}

TEST_CASE("evaluation is lazy: an error in an unread option does not stop others") {
  TestTree t;
  t.write("m.toml", R"T(
[options.bad]
type = "int"
[options.good]
type = "int"
[config]
bad = "x"
good = 2
)T");
  EvaluatedConfig& c = t.evaluate({"m.toml"});
  REQUIRE(c.ok);
  CHECK(t.json_of("good") == "2");
  CHECK_FALSE(t.diags().has_errors());
}

TEST_CASE("a cycle is reported once, as the whole chain") {
  TestTree t;
  t.write("m.toml", R"T(
[options.a]
type = "int"
default = 1
[options.b]
type = "int"
default = 1
[options.c]
type = "int"
default = 1
[[when]]
if = "b == 1"
[when.config]
a = 2
[[when]]
if = "c == 1"
[when.config]
b = 2
[[when]]
if = "a == 1"
[when.config]
c = 2
)T");
  CHECK(t.json({"m.toml"}) == "ERROR");
  CHECK(t.messages() == "infinite recursion: `a` -> `b` -> `c` -> `a`\n");
  REQUIRE(t.diags().all()[0].notes.size() == 2);
}

TEST_CASE("a condition cannot guard the option it reads") {
  TestTree t;
  t.write("m.toml", R"T(
[options.a]
type = "bool"
default = true
[[when]]
if = "a"
[when.config]
a = false
)T");
  CHECK(t.json({"m.toml"}) == "ERROR");
  CHECK(t.messages() == "infinite recursion: `a` -> `a`\n");

  // Reached through another option the block guards, the block itself is the cycle.
  TestTree u;
  u.write("m.toml", R"T(
[options.a]
type = "bool"
default = true
[options.b]
type = "int"
default = 0
[[when]]
if = "a"
[when.config]
b = 1
a = false
)T");
  EvaluatedConfig& c = u.evaluate({"m.toml"});
  REQUIRE(c.ok);
  CHECK(u.json_of("b") == "ERROR");
  CHECK(u.messages() == "infinite recursion: the condition `a` depends on `a`, which it guards\n");
}

TEST_CASE("attrsOf elements are lazy: one element may read another") {
  TestTree t;
  t.write("m.toml", R"T(
[options.out]
type = "attrsOf(str)"
[config]
out.a = "A"
out.b = "{{ out.a }}+B"
out.c = "{{ out.b }}+C"
)T");
  CHECK(t.json({"m.toml"}) == R"({"out":{"a":"A","b":"A+B","c":"A+B+C"}})");
  TestTree u;
  u.write("m.toml", "[options.out]\ntype = \"attrsOf(str)\"\n[config]\nout.a = \"{{ out.b }}\"\nout.b = \"{{ out.a }}\"\n");
  CHECK(u.json({"m.toml"}) == "ERROR");
  CHECK(u.messages() == "infinite recursion: `out.b` -> `out.a` -> `out.b`\n");
}

TEST_CASE("interpolation with filters") {
  TestTree t;
  t.write("m.toml", R"T(
[options.name]
type = "str"
default = "Vivo"
[options.list]
type = "listOf(str)"
default = ["a", "b"]
[options.port]
type = "int"
default = 8080
[options.unset]
type = "str"
[options.out]
type = "attrsOf(str)"
[config]
out.upper = "{{ name | upper }}"
out.lower = "{{ name | lower }}"
out.join = "{{ list | join(\", \") }}"
out.json = "{{ list | json }}"
out.number = "port {{ port }}"
out.default = "{{ unset | default(\"fallback\") }}"
out.braces = "{{ '{{' }} not a template }}"
out.nested = "{{ out.upper }}!"
)T");
  CHECK(t.json({"m.toml"}) ==
        R"({"list":["a","b"],"name":"Vivo","out":{"braces":"{{ not a template }}","default":"fallback",)"
        R"("join":"a, b","json":"[\"a\",\"b\"]","lower":"vivo","nested":"VIVO!","number":"port 8080","upper":"VIVO"},"port":8080})");
}

TEST_CASE("ordering comparisons take numbers and reject anything else") {
  TestTree t;
  t.write("m.toml", R"T(
[options.limit]
type = "int"
default = 80
[options.ratio]
type = "float"
default = 0.5
[options.name]
type = "str"
default = "x"
[options.out]
type = "attrsOf(bool)"
default = {}
[[when]]
if = "limit >= 20 && limit <= 100 && ratio < 1 && !(limit > 80)"
[when.config]
out.inRange = true
[[when]]
if = "limit < 80"
[when.config]
out.below = true
)T");
  t.evaluate({"m.toml"});
  CHECK(t.json_of("out") == R"({"inRange":true})");
  TestTree bad;
  bad.write("m.toml", R"T(
[options.name]
type = "str"
default = "x"
[options.out]
type = "bool"
default = false
[[when]]
if = "name < 3"
[when.config]
out = true
)T");
  CHECK(bad.json({"m.toml"}) == "ERROR");
  CHECK(bad.messages().find("`name` is a string; <, <=, > and >= compare numbers") != std::string::npos);
}

TEST_CASE("the each filter writes one line per table entry or list item") {
  TestTree t;
  t.write("m.toml", R"T(
[options.settings]
type = "attrsOf(anything)"
default = { font_size = 11.5, blink = false, family = "Fira Code", skipped = { a = 1 } }
[options.keys]
type = "listOf(str)"
default = ["a", "b"]
[options.out]
type = "attrsOf(str)"
[config]
out.table = "{{ settings | each(\"{key} {value}\") }}"
out.list = "{{ keys | each(\"{key}={value};\") }}"
)T");
  t.evaluate({"m.toml"});
  CHECK(t.json_of("out") ==
        R"({"list":"0=a;\n1=b;","table":"blink false\nfamily Fira Code\nfont_size 11.5\nskipped {\"a\":1}"})");
  TestTree bad;
  bad.write("m.toml", R"T(
[options.n]
type = "int"
default = 1
[options.out]
type = "str"
[config]
out = "{{ n | each(\"{key}\") }}"
)T");
  CHECK(bad.json({"m.toml"}) == "ERROR");
  CHECK(bad.messages().find("`| each` needs a table or a list, but `n` is an integer") != std::string::npos);
}

TEST_CASE("the format filter writes a table in a file format inside a text") {
  TestTree t;
  t.write("m.toml", R"T(
[options.settings]
type = "attrsOf(anything)"
default = { font = "mono 10", "urgency=high" = { border-color = "#f38ba8" } }
[options.out]
type = "str"
[config]
out = "{{ settings | format(\"ini\") }}[app-name=Spotify]\ninvisible=1\n"
)T");
  t.evaluate({"m.toml"});
  CHECK(t.json_of("out") == R"("font=mono 10\n\n[urgency=high]\nborder-color=#f38ba8\n[app-name=Spotify]\ninvisible=1\n")");
  TestTree bad;
  bad.write("m.toml", R"T(
[options.settings]
type = "attrsOf(anything)"
default = { a = 1 }
[options.out]
type = "str"
[config]
out = "{{ settings | format(\"xml\") }}"
)T");
  CHECK(bad.json({"m.toml"}) == "ERROR");
  CHECK(bad.messages().find("`| format` cannot write `settings`: unknown format \"xml\"") != std::string::npos);
}

TEST_CASE("interpolating a list without a filter is an error") {
  TestTree t;
  t.write("m.toml", "[options.l]\ntype = \"listOf(str)\"\ndefault = []\n[options.s]\ntype = \"str\"\ndefault = \"{{ l }}\"\n");
  CHECK(t.json({"m.toml"}) == "ERROR");
  CHECK(t.messages() == "`l` is a list and cannot be written into a string as it is\n");
}

TEST_CASE("unknown options are reported with suggestions, all of them") {
  TestTree t;
  t.write("m.toml", R"T(
[options.services.bluetooth.enable]
type = "bool"
[config]
services.bluetoth.enable = true
services.bluetooth.enabel = true
)T");
  EvaluatedConfig& c = t.evaluate({"m.toml"});
  CHECK(c.ok);  // evaluation goes on, to report every error
  REQUIRE(t.diags().all().size() == 2);
  CHECK(t.diags().all()[0].help == "did you mean `services.bluetooth.enable`?");
  CHECK(t.diags().all()[1].help == "did you mean `services.bluetooth.enable`?");
}

TEST_CASE("declaring an option twice names both sites") {
  TestTree t;
  t.write("a.toml", "[options.x]\ntype = \"int\"\n");
  t.write("b.toml", "[options.x]\ntype = \"str\"\n");
  t.evaluate({"a.toml", "b.toml"});
  REQUIRE(t.diags().all().size() == 1);
  const Diagnostic& d = t.diags().all()[0];
  CHECK(d.message == "option `x` is declared twice");
  CHECK(t.files().display(d.pos.file).ends_with("b.toml"));
  REQUIRE(d.notes.size() == 1);
  CHECK(t.files().display(d.notes[0].pos.file).ends_with("a.toml"));
}

TEST_CASE("assertions fail with their interpolated message, warnings do not fail") {
  TestTree t;
  t.write("m.toml", R"T(
assertions = [{ assertion = "port => 0", message = "x" }]
[options.port]
type = "int"
default = 80
)T");
  t.evaluate({"m.toml"});
  CHECK(t.messages() == "malformed condition: unexpected character '='\n");

  TestTree u;
  u.write("m.toml", R"T(
assertions = [{ assertion = "port != 80", message = "port {{ port }} is taken" }]
warnings = [{ when = "port == 80", message = "port {{ port }} is privileged" }, { when = "false", message = "never" }]
[options.port]
type = "int"
default = 80
)T");
  EvaluatedConfig& c = u.evaluate({"m.toml"});
  REQUIRE(c.ok);
  c.eval->run_checks();
  REQUIRE(u.diags().all().size() == 2);
  CHECK(u.diags().all()[0].message == "port 80 is taken");
  CHECK(u.diags().all()[0].severity == Severity::Error);
  CHECK(u.diags().all()[1].message == "port 80 is privileged");
  CHECK(u.diags().all()[1].severity == Severity::Warning);
}

TEST_CASE("a home evaluation reads os.* and user.*") {
  TestTree t;
  t.write("sys.toml", "[options.networking.hostName]\ntype = \"str\"\ndefault = \"vivo\"\n");
  t.write("home.toml", R"T(
[options.greeting]
type = "str"
default = "{{ user.name }} at {{ user.home }} on {{ os.networking.hostName }}"
[options.fallback]
type = "str"
default = "{{ os.missing.option | default(\"x\") }}"
)T");
  SourceFiles& files = t.files();
  auto system = prepare({ModuleRoot{t.path("sys.toml"), {}}}, files, t.diags(), nullptr);
  REQUIRE(system->ok);
  UserContext user{"craig", "/home/craig"};
  auto home = prepare({ModuleRoot{t.path("home.toml"), {}}}, files, t.diags(), nullptr, system->eval.get(), &user);
  REQUIRE(home->ok);
  auto r = home->eval->lookup({"greeting"});
  REQUIRE(r.status == Evaluation::Status::Value);
  CHECK(r.value->str() == "craig at /home/craig on vivo");
  // Reading an undeclared option of the system is an error even with a default.
  CHECK(home->eval->lookup({"fallback"}).status == Evaluation::Status::Failed);
  CHECK(t.messages() == "unknown option `os.missing.option`\n");
}

TEST_CASE("conditions compare with null, [] and {}") {
  TestTree t;
  t.write("m.toml", R"T(
[options.tz]
type = "nullOr(str)"
[options.l]
type = "listOf(str)"
default = []
[options.a]
type = "attrsOf(int)"
default = { x = 1 }
[options.out]
type = "listOf(str)"
default = []
[[when]]
if = "tz == null && l == [] && a != {}"
[when.config]
out = ["all three"]
)T");
  CHECK(t.json({"m.toml"}) == R"({"a":{"x":1},"l":[],"out":["all three"],"tz":null})");
}

TEST_CASE("a lone {{ path }} passes a value itself to a non-string option") {
  TestTree t;
  t.write("m.toml", R"T(
[options.vars]
type = "attrsOf(str)"
default = { EDITOR = "nvim" }
[options.port]
type = "int"
default = 8080
[options.settings]
type = "anything"
[options.copy]
type = "attrsOf(str)"
[options.text]
type = "str"
[config]
settings = { env = "{{ vars }}", port = "{{ port }}", label = "port {{ port }}" }
copy = "{{ vars }}"
text = "{{ port }}"
)T");
  CHECK(t.json({"m.toml"}) ==
        R"({"copy":{"EDITOR":"nvim"},"port":8080,"settings":{"env":{"EDITOR":"nvim"},"label":"port 8080","port":8080},)"
        R"("text":"8080","vars":{"EDITOR":"nvim"}})");
}

TEST_CASE("a lone {{ path }} passes a value itself as a list element too") {
  TestTree t;
  t.write("m.toml", R"T(
[options.port]
type = "int"
default = 8080
[options.ports]
type = "listOf(int)"
[options.names]
type = "listOf(str)"
[config]
ports = ["{{ port }}", 22]
names = ["{{ port }}", "p{{ port }}"]
)T");
  CHECK(t.json({"m.toml"}) == R"({"names":["8080","p8080"],"port":8080,"ports":[8080,22]})");
}

TEST_CASE("a lone {{ path }} is text for a type that takes strings through nullOr or either") {
  TestTree t;
  t.write("m.toml", R"T(
[options.n]
type = "int"
default = 0
[options.vars]
type = "attrsOf(str)"
default = { EDITOR = "nvim" }
[options.none]
type = "nullOr(str)"
[options.a]
type = "nullOr(str)"
[options.b]
type = "either(str, int)"
[options.c]
type = "either(int, str)"
[options.d]
type = "either(str, attrsOf(str))"
[options.e]
type = "nullOr(str)"
[options.l]
type = "listOf(nullOr(str))"
[options.f]
type = "either(enum, lines)"
values = ["lo", "hi"]
[config]
f = "{{ n }}"
a = "{{ n }}"
b = "{{ n }}"
c = "{{ n }}"
d = "{{ vars }}"
e = "{{ none }}"
l = ["{{ n }}"]
)T");
  // The enum side does not take "0": the text goes to lines, as in NixOS.
  CHECK(t.json({"m.toml"}) == R"({"a":"0","b":"0","c":"0","d":{"EDITOR":"nvim"},"e":null,"f":"0","l":["0"],"n":0,)"
                              R"("none":null,"vars":{"EDITOR":"nvim"}})");
}

TEST_CASE("writeScript puts a script in the store, kept with the evaluation, omitEmpty leaves a value out") {
  TestTree t;
  t.write("m.toml", R"T(
[options.jobs]
type = "attrsOf(str)"
default = { backup = "rsync -a /home /srv", empty = "" }
[options.settings]
type = "anything"
[[for]]
each = "jobs"
as = "job"
[for.config]
settings."{{ job.name }}" = { start = "{{ job.value | omitEmpty | writeScript('{{ job.name }}-start') }}", label = "{{ job.value | omitEmpty }}" }
)T");
  std::string json = t.json({"m.toml"});
  INFO(t.messages());
  const std::string content = "#!/bin/sh\nset -e\nrsync -a /home /srv\n";
  const std::string name = object_name(file_object_hash(content, true), "backup-start");
  CHECK(json == R"({"jobs":{"backup":"rsync -a /home /srv","empty":""},"settings":{"backup":{"label":"rsync -a /home /srv",)"
                R"("start":")" + store_path(name) + R"("},"empty":{"label":null,"start":null}}})");
  const auto& written = t.evaluated().eval->written_objects();
  REQUIRE(written.size() == 1);
  CHECK(written[0].name == name);
  CHECK(written[0].content == content);
  CHECK(written[0].executable);
}

TEST_CASE("writeScript needs a string and a name") {
  TestTree t;
  t.write("m.toml", R"T(
[options.n]
type = "str"
[config]
n = "{{ 3 | writeScript('x') }}"
)T");
  CHECK(t.json({"m.toml"}) == "ERROR");
  CHECK(t.messages().find("`| writeScript` needs a string") != std::string::npos);
}

TEST_CASE("systemdField writes one field of a sysusers.d or tmpfiles.d line") {
  TestTree t;
  t.write("m.toml", R"T(
[options.in]
type = "anything"
default = { plain = "craig", spaced = "Ann Lee", odd = "100% \"sure\"", empty = "", none = "", n = 1000 }
[options.out]
type = "attrsOf(str)"
[config]
out.plain = "{{ in.plain | systemdField }}"
out.spaced = "{{ in.spaced | systemdField }}"
out.odd = "{{ in.odd | systemdField }}"
out.empty = "{{ in.empty | systemdField }}"
out.null = "{{ in.missing | default(null) | systemdField }}"
out.n = "{{ in.n | systemdField }}"
)T");
  std::string json = t.json({"m.toml"});
  INFO(t.messages());
  CHECK(json.find(R"("out":{"empty":"-","n":"1000","null":"-","odd":"\"100%% \\\"sure\\\"\"","plain":"craig",)"
                  R"("spaced":"\"Ann Lee\""})") != std::string::npos);
}

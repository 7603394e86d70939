// [[for]] blocks: expansion, bindings, nesting, priorities, laziness and
// cycles; and {{ name }} inside attrsOf(submodule) elements.
#include <catch2/catch.hpp>

#include <string>

#include "test_tree.h"

using namespace sc;
using sc::test::TestTree;

namespace {

// An attrsOf(submodule) of jobs and a few attrsOf targets to generate into.
const char* kJobs = R"T(
[options.jobs]
type = "attrsOf(submodule)"
default = {}
[options.jobs.options.enable]
type = "bool"
default = true
[options.jobs.options.paths]
type = "listOf(str)"
default = []
[options.jobs.options.when]
type = "str"
default = "daily"
[options.jobs.options.dir]
type = "str"
default = "/srv/{{ name }}"
[options.units]
type = "attrsOf(str)"
default = {}
[options.flags]
type = "attrsOf(bool)"
default = {}
[options.all]
type = "listOf(str)"
default = []
)T";

}  // namespace

TEST_CASE("[[for]] makes one definition per element, filtered by `if`, names rendered from the key") {
  TestTree t;
  t.write("m.toml", std::string(kJobs) + R"T(
[config.jobs.a]
paths = ["/home"]
[config.jobs.b]
when = "weekly"
[config.jobs.c]
enable = false
[[for]]
each = "jobs"
as = "job"
if = "job.value.enable"
[for.config]
units."backup-{{ job.name }}" = "{{ job.value.when }} {{ job.value.dir }} {{ job.value.paths | join(',') }}"
all = ["{{ job.name }}"]
)T");
  t.evaluate({"m.toml"});
  CHECK(t.json_of("units") == R"({"backup-a":"daily /srv/a /home","backup-b":"weekly /srv/b "})");
  // List elements from the block come in key order.
  CHECK(t.json_of("all") == R"(["a","b"])");
}

TEST_CASE("[[for]] over a list binds the index as the name, nested blocks read the outer binding") {
  TestTree t;
  t.write("m.toml", std::string(kJobs) + R"T(
[config.jobs.a]
paths = ["/home", "/etc"]
[config.jobs.b]
paths = ["/srv"]
[[for]]
each = "jobs"
as = "job"
[[for.for]]
each = "job.value.paths"
as = "p"
[for.for.config]
units."{{ job.name }}-{{ p.name }}" = "{{ p.value }}"
[[for.when]]
if = 'job.name == "b"'
[for.when.config]
flags."{{ job.name }}" = true
)T");
  t.evaluate({"m.toml"});
  CHECK(t.json_of("units") == R"({"a-0":"/home","a-1":"/etc","b-0":"/srv"})");
  CHECK(t.json_of("flags") == R"({"b":true})");
}

TEST_CASE("generated definitions take their section's priority, and lose or win as written ones do") {
  TestTree u;
  u.write("m.toml", std::string(kJobs) + R"T(
[config.jobs.a]
[config.jobs.b]
[config]
units.gen-a = "written"
flags.a = false
[[for]]
each = "jobs"
as = "j"
[for.defaults]
units."gen-{{ j.name }}" = "generated default"
[for.force]
flags."{{ j.name }}" = true
)T");
  u.evaluate({"m.toml"});
  CHECK(u.json_of("units") == R"({"gen-a":"written","gen-b":"generated default"})");
  CHECK(u.json_of("flags") == R"({"a":true,"b":true})");
}

TEST_CASE("reading one generated element forces that element of `each` alone") {
  // 500 jobs whose values are all broken but one: reading the one generated
  // unit must not touch the others (their `if`, their values).
  std::string text = std::string(kJobs) + "[config.jobs]\n";
  for (int i = 0; i < 500; ++i) text += "j" + std::to_string(i) + (i == 7 ? " = { when = \"hourly\" }\n" : " = { when = 5 }\n");
  text += R"T(
[[for]]
each = "jobs"
as = "job"
if = 'job.value.when != "never"'
[for.config]
units."u-{{ job.name }}" = "{{ job.value.when }}"
)T";
  TestTree t;
  t.write("m.toml", text);
  t.evaluate({"m.toml"});
  CHECK(t.json_of("units.u-j7") == R"("hourly")");
  CHECK_FALSE(t.diags().has_errors());
  // The whole option does force them all.
  CHECK(t.json_of("units") == "ERROR");
  CHECK(t.messages().find("expected str, got an integer") != std::string::npos);
}

TEST_CASE("a [[for]] that defines what it iterates is an infinite recursion, with its sites") {
  TestTree t;
  t.write("m.toml", std::string(kJobs) + R"T(
[config.jobs.a]
[[for]]
each = "jobs"
as = "j"
[for.config]
jobs."{{ j.name }}-copy".when = "x"
)T");
  t.evaluate({"m.toml"});
  CHECK(t.json_of("jobs") == "ERROR");
  CHECK(t.messages().find("infinite recursion") != std::string::npos);
}

TEST_CASE("a template where an option name is expected is an error before evaluation") {
  TestTree t;
  t.write("m.toml", std::string(kJobs) + R"T(
[[for]]
each = "jobs"
as = "j"
[for.config]
"u-{{ j.name }}".x = 1
jobs.a."{{ j.name }}" = 1
)T");
  t.evaluate({"m.toml"});
  CHECK(t.diags().has_errors());
  CHECK(t.messages().find("a template where an option's name is expected") != std::string::npos);
  CHECK(t.messages().find("a template where a sub-option's name is expected") != std::string::npos);
}

TEST_CASE("assertions in a [[for]] run per element, with the element in the message") {
  TestTree t;
  t.write("m.toml", std::string(kJobs) + R"T(
[config.jobs.a]
[config.jobs.b]
when = "never"
[[for]]
each = "jobs"
as = "j"
[[for.assertions]]
assertion = 'j.value.when != "never"'
message = "job {{ j.name }} never runs"
)T");
  EvaluatedConfig& c = t.evaluate({"m.toml"});
  REQUIRE(c.ok);
  c.eval->run_checks();
  CHECK(t.messages() == "job b never runs\n");
}

TEST_CASE("{{ name }} is an attrsOf(submodule) element's own key, in defaults and definitions") {
  TestTree t;
  t.write("m.toml", std::string(kJobs) + R"T(
[config.jobs.web]
paths = ["{{ name }}/www"]
)T");
  t.evaluate({"m.toml"});
  CHECK(t.json_of("jobs.web") == R"({"dir":"/srv/web","enable":true,"paths":["web/www"],"when":"daily"})");
}

TEST_CASE("{{ }} in an attrsOf key outside a [[for]] reads options") {
  TestTree t;
  t.write("m.toml", std::string(kJobs) + R"T(
[options.host]
type = "str"
default = "vivo"
[config]
units."{{ host }}.conf" = "x"
)T");
  t.evaluate({"m.toml"});
  CHECK(t.json_of("units") == R"({"vivo.conf":"x"})");
}

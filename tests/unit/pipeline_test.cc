// The switch pipeline (pipeline/) driven step by step on a scratch root,
// with a candidate made in memory: no command line, no CommandContext, only
// the values each step hands the next.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <filesystem>

#include "activate/lock.h"
#include "pipeline/build.h"
#include "pipeline/generations.h"
#include "pipeline/switch.h"
#include "scratch_root.h"

using namespace sc;
using sc::test::ScratchRoot;

namespace {


Candidate candidate(const std::string& motd, const std::vector<std::string>& packages) {
  Candidate c;
  c.rendered.host = "unit";
  RenderedFile file;
  file.path = "/etc/motd";
  file.content = motd;
  c.rendered.etc.push_back(file);
  file.path = "/etc/unit.conf";
  file.content = "same\n";
  c.rendered.etc.push_back(file);
  c.rendered.packages = packages;
  c.info = BuildInfo{"unit", "0.0.0", "2026-12-01T00:00:00Z", std::nullopt, false};
  return c;
}

// Builds, plans and switches to `c` as `sysconf switch` does; returns the plan's diff.
GenerationDiff switch_to_candidate(const Root& root, const Candidate& c, ActivationReport& report) {
  Diagnostics diags;
  auto from = generation_in_use(root);
  StoredGeneration preview = store_candidate(root, c, true);
  auto plan = plan_switch(root, from ? &*from : nullptr, c, preview.built, SwitchOptions{}, diags, report);
  REQUIRE(plan);
  CHECK_FALSE(diags.has_errors());
  StoredGeneration stored = store_candidate(root, c, false);
  CHECK(stored.built.object == preview.built.object);  // the preview named what is written
  CHECK(stored.objects_written == preview.objects_written);
  switch_to(root, from ? &*from : nullptr, preview.built, *plan, diags, report);
  CHECK_FALSE(diags.has_errors());
  return plan->diff;
}

}  // namespace

TEST_CASE("build, plan and switch pass values, and a rollback goes back between two of them", "[pipeline]") {
  ScratchRoot scratch;
  Root root(scratch.dir);
  StateLock lock;
  std::string holder;
  REQUIRE(lock.acquire(root, false, holder));

  // The first switch: nothing in use, everything added.
  CHECK_FALSE(generation_in_use(root));
  Candidate one = candidate("one\n", {"htop", "vim"});
  StoredGeneration dry = store_candidate(root, one, true);
  CHECK(dry.objects_written > 0);
  CHECK_FALSE(std::filesystem::exists(scratch.dir + "/var/lib/sysconf/store/" + dry.built.object));
  ActivationReport first;
  GenerationDiff diff = switch_to_candidate(root, one, first);
  CHECK(first.number == 1);
  CHECK(diff.etc.added == std::vector<std::string>{"/etc/motd", "/etc/unit.conf"});
  CHECK(diff.packages.added == std::vector<std::string>{"htop", "vim"});
  CHECK(std::filesystem::read_symlink(scratch.dir + "/etc/motd") == "static/motd");
  auto in_use = generation_in_use(root);
  REQUIRE(in_use);
  CHECK(in_use->object == dry.built.object);

  // The second: only what changed.
  ActivationReport second;
  diff = switch_to_candidate(root, candidate("two\n", {"htop"}), second);
  CHECK(second.number == 2);
  CHECK(diff.etc.added.empty());
  CHECK(diff.etc.changed == std::vector<std::string>{"/etc/motd"});
  CHECK(diff.packages.removed == std::vector<std::string>{"vim"});

  // A rollback's default pair is the current generation and the one before it.
  Diagnostics diags;
  auto pair = rollback_generations(root, std::nullopt, diags);
  REQUIRE(pair);
  CHECK(pair->from.number == 2);
  CHECK(pair->to.number == 1);
  ActivationReport dry_run;
  REQUIRE(activate_generation(root, pair->from, pair->to, SwitchOptions{true, false, false}, diags, dry_run));
  CHECK(dry_run.plan_text.find("  ~ /etc/motd\n") != std::string::npos);
  CHECK(dry_run.plan_text.find("unit.conf") == std::string::npos);  // unchanged, so not listed
  CHECK(generation_in_use(root)->object == load_generation(root, 2, diags)->object);  // a dry run changes nothing
}

TEST_CASE("a rollback with nothing earlier is an error, not a guess", "[pipeline]") {
  ScratchRoot scratch;
  Root root(scratch.dir);
  Diagnostics diags;
  CHECK_FALSE(rollback_generations(root, std::nullopt, diags));
  CHECK(diags.has_errors());
  Diagnostics none;
  CHECK_FALSE(load_generation(root, 3, none));
  CHECK(none.has_errors());
}

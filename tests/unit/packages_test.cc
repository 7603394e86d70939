// Installing packages: one that cannot be installed fails alone.
#include <catch2/catch.hpp>

#include <set>

#include "activate/packages.h"

using namespace sc;

namespace {

// A package manager in memory. An install is one transaction, as apt-get's
// is: a package without a candidate, or a broken one, installs nothing.
class FakeBackend : public PackageBackend {
 public:
  std::set<std::string> installed_set, unavailable, broken;
  std::vector<std::vector<std::string>> installs;  // every transaction asked for
  bool query_fails = false;

  std::string name() const override { return "fake"; }
  Availability availability(const std::vector<std::string>& packages) override {
    Availability a;
    if (query_fails) {
      a.error = "the cache is locked";
      return a;
    }
    for (const std::string& p : packages)
      if (unavailable.count(p)) a.unavailable[p] = "Unable to locate package";
    return a;
  }
  bool installed(const std::string& package) override { return installed_set.count(package) > 0; }
  std::optional<std::string> install(const std::vector<std::string>& packages) override {
    installs.push_back(packages);
    for (const std::string& p : packages)
      if (unavailable.count(p) || broken.count(p)) return "E: " + p + " failed";
    installed_set.insert(packages.begin(), packages.end());
    return std::nullopt;
  }
  std::optional<std::string> remove(const std::vector<std::string>&) override { return std::nullopt; }
};

using Names = std::vector<std::string>;

}  // namespace

TEST_CASE("packages with a candidate are installed in one transaction, the others fail alone") {
  FakeBackend b;
  b.unavailable = {"niri"};
  PackageInstall out = install_available(b, {"curl", "niri", "git"});
  CHECK(out.installed == Names{"curl", "git"});
  CHECK(out.failures ==
        Names{"package niri: not installed: fake has no installation candidate for it (Unable to locate package)"});
  CHECK(b.installs == std::vector<Names>{{"curl", "git"}});
}

TEST_CASE("a failed transaction is retried one package at a time") {
  FakeBackend b;
  b.broken = {"bad"};
  PackageInstall out = install_available(b, {"a", "bad", "c"});
  CHECK(out.installed == Names{"a", "c"});
  CHECK(out.failures == Names{"package bad: not installed: E: bad failed"});
  CHECK(b.installs == std::vector<Names>{{"a", "bad", "c"}, {"a"}, {"bad"}, {"c"}});
}

TEST_CASE("a single package that fails is not installed twice") {
  FakeBackend b;
  b.broken = {"bad"};
  PackageInstall out = install_available(b, {"bad"});
  CHECK(out.installed.empty());
  CHECK(out.failures == Names{"package bad: not installed: E: bad failed"});
  CHECK(b.installs.size() == 1);
}

TEST_CASE("when the package manager cannot be asked, the transaction still names each failure") {
  FakeBackend b;
  b.query_fails = true;
  b.unavailable = {"niri"};
  PackageInstall out = install_available(b, {"curl", "niri"});
  CHECK(out.notes == Names{"could not ask fake which packages it can install: the cache is locked"});
  CHECK(out.installed == Names{"curl"});
  CHECK(out.failures == Names{"package niri: not installed: E: niri failed"});
}

TEST_CASE("nothing missing asks nothing") {
  FakeBackend b;
  PackageInstall out = install_available(b, {});
  CHECK(out.installed.empty());
  CHECK(out.failures.empty());
  CHECK(b.installs.empty());
}

// Reading apt-cache's answers: which packages apt-get could install.
#include <catch2/catch.hpp>

#include "activate/apt_cache.h"

using namespace sc;

namespace {

// What Debian 12's apt-cache printed for `policy -- bash niri intel-microcode
// awk libc-dev` (niri is unknown, so it is missing from the answer).
constexpr const char* kPolicy = R"(bash:
  Installed: 5.2.15-2+b8
  Candidate: 5.2.15-2+b13
  Version table:
     5.2.15-2+b13 500
        500 http://deb.debian.org/debian bookworm/main amd64 Packages
 *** 5.2.15-2+b8 100
        100 /var/lib/dpkg/status
intel-microcode:
  Installed: (none)
  Candidate: (none)
  Version table:
awk:
  Installed: (none)
  Candidate: (none)
  Version table:
libc-dev:
  Installed: (none)
  Candidate: (none)
  Version table:
libc6:i386:
  Installed: (none)
  Candidate: 2.36-9+deb12u14
  Version table:
     2.36-9+deb12u14 500
        500 http://deb.debian.org/debian bookworm/main i386 Packages
)";

// `showpkg -- intel-microcode awk libc-dev`, abridged where apt indents.
constexpr const char* kShowpkg = R"(Package: intel-microcode
Versions: 

Reverse Depends: 
  firmware-misc-nonfree,intel-microcode
Dependencies: 
Provides: 
Reverse Provides: 
Package: awk
Versions: 

Reverse Depends: 
  base-files,awk
Dependencies: 
Provides: 
Reverse Provides: 
original-awk 2022-09-12-1 (= )
mawk 1.3.4.20200120-3.1 (= 1.3.4)
gawk 1:5.2.1-2 (= )
mawk 1.3.4.20200120-3 (= 1.3.4)
Package: libc-dev
Versions: 

Reverse Depends: 
Dependencies: 
Provides: 
Reverse Provides: 
libc6-dev 2.36-9+deb12u7 (= 2.36-9+deb12u7)
libc6-dev 2.36-9+deb12u14 (= 2.36-9+deb12u14)
)";

}  // namespace

TEST_CASE("apt-cache policy: a candidate, (none), and packages apt does not list") {
  AptPolicy policy = parse_apt_policy(kPolicy);
  REQUIRE(policy.size() == 5);
  CHECK(policy.at("bash") == "5.2.15-2+b13");
  CHECK_FALSE(policy.at("intel-microcode").has_value());
  CHECK_FALSE(policy.at("awk").has_value());
  CHECK(policy.at("libc6:i386") == "2.36-9+deb12u14");
  CHECK(policy.count("niri") == 0);
  CHECK(parse_apt_policy("").empty());
  // apt's own notices are not package blocks.
  CHECK(parse_apt_policy("N: Unable to locate package niri\nW: Some index files failed to download:\n").empty());
}

TEST_CASE("apt-cache showpkg: the distinct providers of each package") {
  AptProviders providers = parse_apt_providers(kShowpkg);
  CHECK(providers.at("intel-microcode").empty());
  CHECK(providers.at("awk") == std::vector<std::string>{"gawk", "mawk", "original-awk"});
  CHECK(providers.at("libc-dev") == std::vector<std::string>{"libc6-dev"});
  CHECK(providers.count("firmware-misc-nonfree") == 0);  // a reverse dependency, not a package block
}

TEST_CASE("why apt-get cannot install a package, in apt's terms") {
  AptPolicy policy = parse_apt_policy(kPolicy);
  AptProviders providers = parse_apt_providers(kShowpkg);
  CHECK_FALSE(apt_unavailable_reason("bash", policy, providers));
  CHECK(apt_unavailable_reason("niri", policy, providers) == "Unable to locate package");
  CHECK(apt_unavailable_reason("intel-microcode", policy, providers) ==
        "no configured source has it; only other packages refer to it");
  CHECK(apt_unavailable_reason("awk", policy, providers) ==
        "a virtual package provided by gawk, mawk, original-awk: name one of them");
  // One provider: apt-get installs it instead.
  CHECK_FALSE(apt_unavailable_reason("libc-dev", policy, providers));
  // Before showpkg was asked, a package without a candidate is not installable.
  CHECK(apt_unavailable_reason("libc-dev", policy, {}));
  // apt prints the machine's own architecture without its qualifier.
  AptPolicy native = parse_apt_policy("libc6:\n  Installed: 2.36\n  Candidate: 2.36\n");
  CHECK_FALSE(apt_unavailable_reason("libc6:amd64", native, {}));
  CHECK_FALSE(apt_unavailable_reason("libc6:i386", policy, providers));
}

// Reading apt-cache's answers (run with LC_ALL=C) to the apt backend's one
// question: which of these packages can apt-get install?
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sc {

// `apt-cache policy -- NAME...`: each package apt knows, with its candidate
// version, or nullopt for "Candidate: (none)". A package apt does not know
// at all is missing from its answer, and so from this map.
using AptPolicy = std::map<std::string, std::optional<std::string>>;
AptPolicy parse_apt_policy(std::string_view output);

// `apt-cache showpkg -- NAME...`: for each package listed, the distinct names
// of the packages that provide it ("Reverse Provides"), sorted.
using AptProviders = std::map<std::string, std::vector<std::string>>;
AptProviders parse_apt_providers(std::string_view output);

// Why apt-get cannot install `package`, given what policy (and showpkg, for
// the packages without a candidate) answered; nullopt when it can: it has a
// candidate, or it is a virtual package that exactly one package provides
// (apt-get installs that one instead).
std::optional<std::string> apt_unavailable_reason(const std::string& package, const AptPolicy& policy,
                                                  const AptProviders& providers);

}  // namespace sc

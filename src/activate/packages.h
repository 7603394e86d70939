// Packages: installs what the generation wants and is missing, and removes
// what it dropped, but only packages sysconf itself installed (recorded in
// /var/lib/sysconf/packages.json). The package managers themselves are in
// package_backend.h. Under a --root other than / nothing runs: the plan shows
// what would.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "activate/package_backend.h"
#include "util/safe_fs.h"

namespace sc {

struct PackageInstall {
  std::vector<std::string> installed;  // installed by this step: sysconf's, to remove when dropped
  std::vector<std::string> failures;   // one message a package still missing, naming it and why
  std::vector<std::string> notes;      // what else happened (the availability query failed)
};

// Installs as many of `missing` as the package manager can, so that one
// package it cannot install does not keep the others out: the packages with
// an installation candidate in one transaction; if that transaction fails,
// each still missing alone, so that each failure names one package. Each
// package without a candidate fails alone with the package manager's reason.
// REQUIRES: none of `missing` is installed.
PackageInstall install_available(PackageBackend& backend, const std::vector<std::string>& missing);

// The packages sysconf installed; empty when none. Throws DamagedState
// (state_file.h) when the record cannot be read or is not one.
std::vector<std::string> read_installed_by_sysconf(const Root& root);
void write_installed_by_sysconf(const Root& root, const std::vector<std::string>& packages);

// The record as JSON and back (sorted, without duplicates); the reader
// throws DamagedState.
std::vector<std::string> installed_by_sysconf_from_json(const nlohmann::json& j);
nlohmann::json installed_by_sysconf_to_json(const std::vector<std::string>& packages);

}  // namespace sc

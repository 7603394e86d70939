// The accounts an activation creates itself: normal users whose uid the
// configuration leaves open. A build never reads the machine (so the same
// configuration builds the same generation everywhere); their uid is decided
// here, at activation, as NixOS's update-users-groups does: the uid the user
// had before (sysconf keeps every uid it gave in /var/lib/sysconf/uids.json,
// as NixOS keeps /var/lib/nixos/uid-map, so that a user removed and added
// again gets its uid, and its files, back), else the lowest free from 1000.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "render/rendered.h"
#include "util/result.h"

namespace sc {

using UidMap = std::map<std::string, int64_t>;  // user name → the uid sysconf gave it

// Debian's normal range (login.defs UID_MIN and UID_MAX).
constexpr int64_t kFirstNormalUid = 1000;
constexpr int64_t kLastNormalUid = 59999;

struct AccountStep {
  std::string user;
  int64_t uid = 0;
  bool kept = false;       // the uid the user had before, from the uid map
  std::string sysusers;    // its `u` line, as systemd-sysusers --inline takes it
};

struct AccountPlan {
  std::vector<AccountStep> create;  // by name
  UidMap uids;                      // the uid map after this activation
  bool uids_changed = false;        // `uids` differs from the map the plan read
};

// `passwd` is the text of the machine's /etc/passwd (empty: none yet).
// Fails when it does not parse: a damaged passwd is never guessed at (a uid
// read wrongly could be root's).
Result<AccountPlan> plan_accounts(const std::vector<RenderedUser>& users, const std::string& passwd, const UidMap& kept);

}  // namespace sc

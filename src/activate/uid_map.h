// The uid map, /var/lib/sysconf/uids.json: every uid sysconf gave a normal
// user (plan/accounts.h), kept when the user is removed, as NixOS's
// /var/lib/nixos/uid-map. A state record as strict as the others
// (state_file.h): a damaged one throws DamagedState.
#pragma once

#include "plan/accounts.h"
#include "util/safe_fs.h"

namespace sc {

UidMap read_uid_map(const Root& root);  // empty when there is none yet
void write_uid_map(const Root& root, const UidMap& uids);

// The map rebuilt from the machine: every user of /etc/passwd in the normal
// range (kFirstNormalUid to kLastNormalUid). Throws FsError when
// /etc/passwd does not parse.
UidMap normal_uids_in_passwd(const Root& root);

}  // namespace sc

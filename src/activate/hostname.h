// The running hostname follows /etc/hostname, as NixOS's activation sets it:
// otherwise a changed networking.hostName would take effect only at the
// next boot, and the next sysconf command would not find its host by name.
#pragma once

#include <string>

#include "store/manifest.h"
#include "util/result.h"
#include "util/safe_fs.h"

namespace sc {

// When the root is live and `generation` manages /etc/hostname, sets the
// kernel's hostname to the name in it. Returns what was set (empty when
// nothing had to change), or fails saying why it was not set.
Result<std::string> apply_hostname(const Root& root, const Manifest& generation);

}  // namespace sc

// The one lock (/var/lib/sysconf/lock, flock) that serialises every command
// that writes. Released when the process ends, however it ends.
#pragma once

#include <string>

#include "util/safe_fs.h"

namespace sc {

class StateLock {
 public:
  // Takes the lock under `root`. With `wait`, blocks until it is free;
  // otherwise returns false at once when another sysconf holds it, and
  // `holder` names that process.
  bool acquire(const Root& root, bool wait, std::string& holder);

 private:
  Fd fd_;
};

}  // namespace sc

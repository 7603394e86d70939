// Objects the process frees by exiting. A command that prints its result
// and ends releases its evaluation rather than destroying it: freeing every
// value and option one by one costs more than the OS takes to drop the
// whole heap. A sanitizer build (SYSCONF_SANITIZE) destroys them as usual,
// so that LeakSanitizer reports only real leaks.
#pragma once

#include <memory>

namespace sc {

template <typename T>
void leave_to_exit(std::unique_ptr<T>& object) {
#ifdef SYSCONF_FREE_AT_EXIT
  (void)object;
#else
  (void)object.release();
#endif
}

}  // namespace sc

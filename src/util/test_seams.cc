#include "util/test_seams.h"

#include <cstdlib>

namespace sc {

#ifdef SYSCONF_TEST_SEAMS
const char* test_seam(const char* name) { return std::getenv(name); }
bool test_seams_enabled() { return true; }
#else
const char* test_seam(const char*) { return nullptr; }
bool test_seams_enabled() { return false; }
#endif

}  // namespace sc

// Built from util/test_seams.cc without SYSCONF_TEST_SEAMS, as a release
// build is: with every SYSCONF_TEST_* variable set, no seam may answer.
#include <cstdio>

#include "util/test_seams.h"

int main() {
  const char* seams[] = {"SYSCONF_TEST_CRASH_AT", "SYSCONF_TEST_PACKAGE_BACKEND", "SYSCONF_TEST_RUN_ON_CHANGE",
                         "SYSCONF_TEST_SYSTEMD_ADDRESS", "SYSCONF_TEST_USER_SYSTEMD_ADDRESS"};
  int answered = 0;
  for (const char* name : seams) {
    if (sc::test_seam(name)) {
      std::printf("a build without test seams read %s\n", name);
      ++answered;
    }
  }
  if (sc::test_seams_enabled()) ++answered;
  return answered == 0 ? 0 : 1;
}

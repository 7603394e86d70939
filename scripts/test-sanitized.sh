#!/usr/bin/env bash
# The whole test suite once under AddressSanitizer and UndefinedBehaviorSanitizer
# (leaks included), in build-sanitized/. Not part of CI's run (it takes about
# three times as long); run it before a release and record the result.
# Any sanitizer report fails the test that triggered it; test timeouts are
# ten times longer in this build (tests/CMakeLists.txt).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
"$repo/scripts/install-deps.sh"
build="$repo/build-sanitized"
cmake -S "$repo" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSYSCONF_SANITIZE=ON >/dev/null
ninja -C "$build" -j2
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:detect_stack_use_after_return=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
cd "$build"
ctest --output-on-failure -j2 --timeout 3600 "$@"

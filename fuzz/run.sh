#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (ASan + UBSan) and runs each for
# SECONDS (default 600) on its seed corpus in fuzz/corpus/<target>. New
# inputs go to a scratch corpus, never into the repository. Exits non-zero
# if any target finds a crash; the crashing input is left in the build dir.
set -euo pipefail
seconds=${1:-600}
here=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$here")
build=${SYSCONF_FUZZ_BUILD:-$repo/build-fuzz}
cmake -S "$repo" -B "$build" -G Ninja -DSYSCONF_FUZZ=ON -DSYSCONF_TESTS=OFF \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++ \
  -DCMAKE_CXX_FLAGS="-fsanitize=fuzzer-no-link,address,undefined" >/dev/null
targets=(condition template module manifest journal packages backups)
ninja -C "$build" -j2 "${targets[@]/#/fuzz_}" >"$build/ninja.log" || { cat "$build/ninja.log"; exit 1; }
for target in "${targets[@]}"; do
  scratch="$build/corpus-$target"
  mkdir -p "$scratch"
  echo "fuzz_$target: ${seconds}s"
  (cd "$build" && "./fuzz/fuzz_$target" -max_total_time="$seconds" -max_len=8192 -timeout=10 \
      -print_final_stats=1 "$scratch" "$here/corpus/$target" 2>&1 | tail -n 12)
done
echo "fuzzing: no crash in ${seconds}s per target"

#!/usr/bin/env bash
# Differential test of `sysconf eval` against the reference model of the
# synthetic benchmark workload (shared/bench/WORKLOAD.md).
#
# usage: differential_test.sh SYSCONF_BINARY N [SHARED_BENCH_DIR]
#
# Generates the workload for N modules (gen_nix_modules.py, which also
# writes workload.json), translates it into a sysconf tree
# (gen_sysconf_tree.py), evaluates it with `sysconf ... eval --json`, and
# compares the result with reference_eval.py in sysconf's forward order.
# SHARED_BENCH_DIR defaults to shared/bench beside the repository.
# Exit status: 0 when the outputs match, 1 when a step fails or they differ,
# 2 on a usage error.  Set SYSCONF_DIFFTEST_KEEP=1 to keep the temporary
# directory for inspection.
set -euo pipefail

prog=$(basename "$0")
usage() {
    echo "usage: $prog SYSCONF_BINARY N [SHARED_BENCH_DIR]" >&2
    exit 2
}
die() {
    echo "$prog: $*" >&2
    exit 1
}

[[ $# -ge 2 && $# -le 3 ]] || usage
here=$(cd "$(dirname "$0")" && pwd)
sysconf=$1
n=$2
bench=${3:-$here/../../../shared/bench}

if [[ ! $n =~ ^[0-9]+$ ]]; then
    echo "$prog: N must be a number, got '$n'" >&2
    usage
fi
if [[ ! -d $bench ]]; then
    echo "$prog: shared bench directory not found: $bench" >&2
    echo "$prog: pass it as the third argument" >&2
    exit 2
fi
bench=$(cd "$bench" && pwd)
for f in gen_nix_modules.py reference_eval.py; do
    [[ -f $bench/$f ]] || { echo "$prog: $bench/$f is missing" >&2; exit 2; }
done
if [[ $sysconf == */* ]]; then
    [[ -f $sysconf && -x $sysconf ]] || die "not an executable file: $sysconf"
    sysconf=$(cd "$(dirname "$sysconf")" && pwd)/$(basename "$sysconf")
else
    sysconf=$(command -v -- "$sysconf") || die "not found in PATH: $1"
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/sysconf-difftest.XXXXXX")
cleanup() {
    if [[ ${SYSCONF_DIFFTEST_KEEP:-} == 1 ]]; then
        echo "$prog: kept $tmp" >&2
    else
        rm -rf -- "$tmp"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

echo "$prog: N=$n, generating the workload" >&2
python3 "$bench/gen_nix_modules.py" "$n" "$tmp/nix" >"$tmp/gen.log" 2>&1 ||
    { cat "$tmp/gen.log" >&2; die "gen_nix_modules.py failed"; }
python3 "$here/gen_sysconf_tree.py" "$tmp/nix/workload.json" "$tmp/tree" \
    >"$tmp/tree.log" 2>&1 ||
    { cat "$tmp/tree.log" >&2; die "gen_sysconf_tree.py failed"; }

echo "$prog: evaluating with $sysconf" >&2
status=0
"$sysconf" --config "$tmp/tree" --host bench eval --json \
    >"$tmp/out.json" 2>"$tmp/sysconf.err" || status=$?
if [[ $status -ne 0 ]]; then
    cat "$tmp/sysconf.err" >&2
    die "sysconf eval exited with status $status"
fi
if [[ -s $tmp/sysconf.err ]]; then
    echo "$prog: sysconf eval wrote to stderr:" >&2
    cat "$tmp/sysconf.err" >&2
fi

status=0
python3 "$bench/reference_eval.py" "$tmp/nix/workload.json" --order forward \
    --check "$tmp/out.json" >"$tmp/check.log" 2>&1 || status=$?
cat "$tmp/check.log"
if [[ $status -ne 0 ]]; then
    die "sysconf's output differs from the reference model (status $status)"
fi

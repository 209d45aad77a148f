#!/usr/bin/env bash
# The tests under a sanitizer (docs/sanitizers.md): `make test-asan` and `make test-tsan`.
#
#   scripts/sanitizer-tests.sh address|thread [FILTER]
#
# Builds the package and its tests for debugging with -sanitize=address or -sanitize=thread into a scratch path of
# its own (.build/asan, .build/tsan), so neither the release build of `make test` nor the other sanitizer's is
# touched, then runs `swift test` on it, with `--filter FILTER` when one is given. SANITIZER_CONFIG=release builds
# optimised instead (same checks, faster tests). The `zoo` the tests start is
# that instrumented build too, and so is each child it starts (zoo convert's index process).
#
# Every report goes to a file under <scratch>/reports (the sanitizer's log_path), from whichever process made it:
# a test that runs zoo keeps only zoo's one-line error, so a report on standard error could go unseen. The run
# fails when a report was written (other than libhdf5's own crashes in the index process, below), and prints
# them, even if every test passed.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
die() { echo "sanitizer-tests.sh: error: $*" >&2; exit 1; }

sanitizer=${1:-}
filter=${2:-}
case $sanitizer in
    address) name=asan ;;
    thread) name=tsan ;;
    *) die "usage: scripts/sanitizer-tests.sh address|thread [FILTER]" ;;
esac
scratch="$root/.build/$name"
reports="$scratch/reports"
# -enable-testing: the tests import internal names (@testable), which a release build hides without it.
swift_flags=(-c "${SANITIZER_CONFIG:-debug}" --sanitize="$sanitizer" --scratch-path "$scratch" -Xswiftc -enable-testing)

# shellcheck source=scripts/test-environment.sh
. "$root/scripts/test-environment.sh"

# A new scratch path resolves the dependencies again; an offline machine takes them from the main build's checkouts.
if [ ! -d "$scratch/checkouts" ] && [ -d "$root/.build/checkouts" ]; then
    mkdir -p "$scratch"
    cp -a "$root/.build/checkouts" "$root/.build/repositories" "$root/.build/workspace-state.json" "$scratch/"
fi

cd "$root"
start=$SECONDS
echo "sanitizer-tests.sh: building with -sanitize=$sanitizer into $scratch (log: $scratch/build.log)"
mkdir -p "$scratch"
swift build "${swift_flags[@]}" --build-tests > "$scratch/build.log" 2>&1 || { cat "$scratch/build.log"; die "swift build failed"; }
echo "sanitizer-tests.sh: built in $((SECONDS - start)) s"

rm -rf "$reports"
mkdir -p "$reports"
# Leak checking is off unless ASAN_OPTIONS=detect_leaks=1 is given (a later option wins): it reports Foundation's,
# XCTest's and the Swift runtime's own allocations kept for the life of the process, which
# scripts/lsan-suppressions.txt lists, each with why it is not Zoo's (docs/sanitizers.md). A suppressed leak writes no
# report (print_suppressions=0), so any report left is one to fix. ThreadSanitizer goes on after a report, so one run
# finds every race.
export ASAN_OPTIONS="detect_leaks=0:log_path=$reports/asan${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
export LSAN_OPTIONS="suppressions=$root/scripts/lsan-suppressions.txt:print_suppressions=0${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
export TSAN_OPTIONS="halt_on_error=0:log_path=$reports/tsan${TSAN_OPTIONS:+:$TSAN_OPTIONS}"
start=$SECONDS
status=0
swift test "${swift_flags[@]}" --skip-build ${filter:+--filter "$filter"} || status=$?
echo "sanitizer-tests.sh: tests ran in $((SECONDS - start)) s, exit status $status"

# A hostile checkpoint crashes libhdf5 in zoo convert's index process on purpose (HostileHDF5Tests): a report
# from that process (IndexCheckpointCommand on its stack) with libhdf5 in its first 12 frames, as fuzz.sh counts
# them, is the containment working. Every other report fails the run.
contained=0
unexpected=()
for report in $(find "$reports" -type f | sort); do
    if grep -q IndexCheckpointCommand "$report" &&
       awk '/ERROR: /{ f = 1 } f && /#[0-9]+ / { print; if (++n == 12) exit }' "$report" | grep -q libhdf5; then
        contained=$((contained + 1))
    else
        unexpected+=("$report")
    fi
done
echo "sanitizer-tests.sh: $contained report(s) inside libhdf5 in the index process (contained by design), ${#unexpected[@]} other(s)"
if [ ${#unexpected[@]} -gt 0 ]; then
    for report in "${unexpected[@]}"; do echo "=== $report"; cat "$report"; done
    die "${#unexpected[@]} sanitizer report(s) in $reports (printed above)"
fi
exit "$status"

#!/usr/bin/env bash
# The C++ quality gate CI runs. Stages, each announced on one line and timed:
#   1. format  clang-format --dry-run --Werror on every C++ file under cpp/
#   2. dev     configure + build the `dev` preset (-Werror) and run ctest
#   3. qemu    the dev test binary under `qemu-x86_64 -cpu Haswell`: detection
#              must report avx2 there, and any AVX-512 instruction reachable
#              from the paths a Haswell CPU takes dies with SIGILL
#   4. asan    configure + build the `asan` preset (ASan + UBSan, no recovery)
#              and run ctest with leak detection on
# Runs in about 5-8 minutes on 2 cores from a clean tree; incremental reruns
# are much faster. Usage: tools/check_cpp.sh   (from anywhere in the repo)
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

JOBS="${LAMINA_CHECK_JOBS:-2}"
TIMINGS=()
STAGE_NAME=""
STAGE_START=0

stage_begin() {
  STAGE_NAME="$1"
  STAGE_START=$SECONDS
  printf '\n==> [%s] stage %s: %s\n' "$(date +%H:%M:%S)" "$1" "$2"
}

stage_end() {
  local took=$((SECONDS - STAGE_START))
  TIMINGS+=("$(printf '%-8s %4ds' "$STAGE_NAME" "$took")")
  printf '<== stage %s passed in %ds\n' "$STAGE_NAME" "$took"
}

on_exit() {
  local rc=$?
  if [[ $rc -ne 0 && -n "$STAGE_NAME" ]]; then
    printf '\n!!! check_cpp.sh FAILED in stage %s (exit %d)\n' "$STAGE_NAME" "$rc" >&2
  fi
}
trap on_exit EXIT

# The test binary picks its ISA from the CPU; a cap left in the caller's
# environment would silently narrow what the native stages exercise.
unset LAMINA_ISA LAMINA_NUM_THREADS

# ---------------------------------------------------------------------------
stage_begin format "clang-format --dry-run --Werror on cpp/**/*.{cpp,h,inc}"
CLANG_FORMAT="$(command -v clang-format-14 || command -v clang-format || true)"
if [[ -z "$CLANG_FORMAT" ]]; then
  echo "clang-format (14) is required" >&2
  exit 1
fi
"$CLANG_FORMAT" --version
mapfile -d '' CPP_FILES < <(find cpp \( -name '*.cpp' -o -name '*.h' -o -name '*.inc' \) -print0 | sort -z)
echo "checking ${#CPP_FILES[@]} files"
"$CLANG_FORMAT" --dry-run --Werror "${CPP_FILES[@]}"
stage_end

# ---------------------------------------------------------------------------
stage_begin dev "configure, build (-j$JOBS) and ctest the dev preset"
cmake --preset dev >/dev/null
cmake --build --preset dev -j "$JOBS"
ctest --preset dev -j "$JOBS"
stage_end

# ---------------------------------------------------------------------------
stage_begin qemu "dev tests under qemu-x86_64 -cpu Haswell (expect isa avx2)"
TEST_BIN=build/dev/cpp/tests/lamina_tests
if ! command -v qemu-x86_64 >/dev/null; then
  echo "qemu-x86_64 is required (Debian: qemu-user)" >&2
  exit 1
fi
# LAMINA_TEST_READABLE_GUARDS: qemu's AVX2 masked loads fault on masked-off
# lanes (real CPUs do not), so guard pages are made read-only here; writes past
# an array still fault. Tail reads are checked natively in the dev stage.
QEMU_LOG="build/dev/qemu_haswell.log"
if ! LAMINA_EXPECT_ISA=avx2 LAMINA_TEST_READABLE_GUARDS=1 \
  qemu-x86_64 -cpu Haswell "$TEST_BIN" --gtest_brief=1 >"$QEMU_LOG" 2>&1; then
  grep -v "TCG doesn't support requested feature" "$QEMU_LOG" | tail -n 60 >&2
  echo "tests failed under qemu -cpu Haswell (full log: $QEMU_LOG)" >&2
  exit 1
fi
grep -v "TCG doesn't support requested feature" "$QEMU_LOG" | grep -E "INFO|PASSED|SKIPPED" || true
if ! grep -q "best=avx2 active=avx2" "$QEMU_LOG"; then
  echo "cpu detection did not report avx2 under qemu -cpu Haswell" >&2
  exit 1
fi
stage_end

# ---------------------------------------------------------------------------
stage_begin asan "configure, build (-j$JOBS) and ctest the asan preset (ASan+UBSan)"
export ASAN_OPTIONS=detect_leaks=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
cmake --preset asan >/dev/null
cmake --build --preset asan -j "$JOBS"
ctest --preset asan -j "$JOBS"
stage_end

# ---------------------------------------------------------------------------
stage_begin tsan "ThreadSanitizer on the thread pool, the engine and threaded kernels"
cmake --preset tsan >/dev/null
cmake --build --preset tsan -j "$JOBS"
TSAN_OPTIONS=halt_on_error=1 build/tsan/cpp/tests/lamina_tests --gtest_brief=1 \
  --gtest_filter='ParallelFor*:Plan*:*ThreadCount*:*Dropout*'
stage_end

STAGE_NAME=""
printf '\n==> check_cpp.sh passed; stage times:\n'
printf '    %s\n' "${TIMINGS[@]}"
printf '    %-8s %4ds\n' total "$SECONDS"

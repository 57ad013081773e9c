#!/usr/bin/env bash
# Builds a component fuzzer (clang, libFuzzer, ASan, UBSan) and runs it.
#   fuzz/run-component-fuzz.sh [SECONDS] [extra libFuzzer flags...]     (default 60 s)
# Environment: TORVYN_FUZZ_TARGET (component_decoder_fuzz, the default, or component_load_fuzz),
# TORVYN_FUZZ_BUILD_DIR (default build-fuzz), TORVYN_FUZZ_JOBS (parallel workers, default 1).
# The growing corpus lives in the build directory; fuzz/corpus/component holds the seeds. Crashes,
# leaks and timeouts are written to $BUILD/fuzz-artifacts/ and make the script exit non-zero.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
seconds=${1:-60}
[ $# -gt 0 ] && shift
build=${TORVYN_FUZZ_BUILD_DIR:-$root/build-fuzz}
jobs=${TORVYN_FUZZ_JOBS:-1}
target=${TORVYN_FUZZ_TARGET:-component_decoder_fuzz}
case "$target" in
  component_decoder_fuzz | component_load_fuzz) ;;
  *) echo "run-component-fuzz.sh: unknown TORVYN_FUZZ_TARGET '$target'" >&2; exit 2 ;;
esac

CC=clang CXX=clang++ cmake -S "$root" -B "$build" -G Ninja -DTORVYN_FUZZ=ON -DTORVYN_BUILD_BENCH=OFF >/dev/null
ninja -C "$build" "$target"

corpus=$build/fuzz-corpus/$target
artifacts=$build/fuzz-artifacts/
mkdir -p "$corpus" "$artifacts"
args=(-max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1
      -dict="$root/fuzz/component.dict" -artifact_prefix="$artifacts")
if [ "$jobs" -gt 1 ]; then args+=(-jobs="$jobs" -workers="$jobs"); fi
cd "$build"  # -jobs writes fuzz-N.log files into the working directory
exec "$build/bin/$target" "${args[@]}" "$@" "$corpus" "$root/fuzz/corpus/component"

#!/usr/bin/env bash
# Runs the whole test suite (CTest). Long soak/fuzz/full-conformance runs carry the label `long`
# and are excluded here; run them with scripts/long-tests.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${TORVYN_BUILD_DIR:-build}
ctest --test-dir "$BUILD_DIR" --output-on-failure -j "$(nproc)" -LE long "$@"

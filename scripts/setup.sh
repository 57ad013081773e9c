#!/usr/bin/env bash
# Installs every dependency Torvyn needs (Debian packages only) and builds the project into ./build.
# Idempotent: when everything is installed it skips apt entirely and only runs an incremental build.
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(
  build-essential cmake ninja-build pkg-config
  wabt                                  # libwabt.a (interp + wasm2c C writer), wast2json, wat2wasm
  libssl-dev                            # SHA-256 for the compilation cache
  nlohmann-json3-dev libcli11-dev       # JSON (spectest scripts), command-line parsing
  libgtest-dev libgmock-dev libbenchmark-dev
  clang-19 lld-19                       # guest toolchain: C/C++ -> wasm32 (benchmark kernels, SDK)
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

BUILD_DIR=${TORVYN_BUILD_DIR:-build}
if [ ! -f "$BUILD_DIR/build.ninja" ]; then
  cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo ${TORVYN_CMAKE_ARGS:-}
fi
cmake --build "$BUILD_DIR" -j "$(nproc)"

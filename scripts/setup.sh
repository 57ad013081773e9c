#!/usr/bin/env bash
# Installs every dependency Torvyn needs (Debian packages only) and builds the project into ./build.
# Idempotent: when everything is installed it skips apt entirely and only runs an incremental build.
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(
  build-essential cmake ninja-build pkg-config
  wabt                                  # libwabt.a (interp + wasm2c C writer), wast2json, wat2wasm
  libssl-dev                            # SHA-256 for the compilation cache
  nlohmann-json3-dev libcli11-dev       # JSON (spectest scripts, --format json), command-line parsing
  libtomlplusplus-dev                   # Torvyn.toml
  libgtest-dev libgmock-dev libbenchmark-dev
  clang-19 lld-19                       # guest toolchain: C/C++ -> wasm32 (benchmark kernels, SDK)
  wasi-libc libclang-rt-19-dev-wasm32   # WASI guests (sdk --wasi) and compiler-rt builtins for wasm32
  libcpp-httplib-dev                    # inspection API server (HTTP/1.1 on a Unix socket or loopback TCP)
  prometheus                            # observability tests: a real Prometheus scrapes /metrics (and promtool lints it)
  libcurl4-openssl-dev                  # otlp-http trace exporter (OTLP/JSON over HTTP)
  libgrpc++-dev libprotobuf-dev protobuf-compiler protobuf-compiler-grpc  # otlp-grpc trace exporter
  libarchive-dev                        # torvyn pack: OCI layouts as .tar (packaging)
  openssl                               # packaging tests: signatures checked against the openssl command line
  skopeo umoci                          # packaging tests: other tools must read what torvyn pack writes
  docker-registry                       # registry tests: torvyn publish/pull against a real OCI registry (CNCF distribution) on 127.0.0.1
  apache2-utils                         # registry tests: htpasswd for the registry's basic-auth users
  chromium                              # dashboard test: the inspection API's web dashboard in a real headless browser (driven by npm playwright-core)
  tmux                                  # torvyn top test: the terminal view under a real terminal (send-keys, capture-pane)
  libnats-dev                           # nats-jetstream connector nodes (nats.c client)
  nats-server                           # nats tests: a real JetStream server on 127.0.0.1
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

# Guest toolchain from npm (jco, pinned by package-lock.json; see sdk/README.md). Node 20 + npm come
# with the machine. Reinstalls only when node_modules is missing or older than the lockfile.
if [ -f package-lock.json ]; then
  if ! command -v npm >/dev/null 2>&1; then
    echo "setup: npm not found; the guest toolchain (sdk/) needs Node.js 20 and npm" >&2
    exit 3
  fi
  if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    echo "setup: npm ci (guest toolchain)"
    npm ci --no-audit --no-fund
  fi
fi

BUILD_DIR=${TORVYN_BUILD_DIR:-build}
if [ ! -f "$BUILD_DIR/build.ninja" ]; then
  cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo ${TORVYN_CMAKE_ARGS:-}
fi
cmake --build "$BUILD_DIR" -j "$(nproc)"

#!/usr/bin/env bash
# Instructions per Component Model crossing (issue 12 targets), counted by callgrind, which a busy
# machine cannot disturb. Runs bench/crossing_bench.cc cases with a fixed iteration count, counts
# only inside measured_loop(), and splits the guest's own instructions (wasm2c functions w2c_* and
# export wrappers Z_torvynZ_*) from the host's (everything else, the glue's import thunks included).
#
#   bench/crossing_costs.sh [build-dir] [engine: Aot|Interp]
set -euo pipefail
BUILD=${1:-build}
ENGINE=${2:-Aot}
ITERS=${TORVYN_CROSSING_ITERS:-2000}
BIN="$BUILD/bin/crossing_bench"
[ -x "$BIN" ] || { echo "no $BIN (build the crossing_bench target)" >&2; exit 2; }
command -v valgrind >/dev/null || { echo "valgrind not found" >&2; exit 3; }
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT

# host guest: instructions per iteration of one benchmark case.
measure() {
  local filter=$1 file="$OUT/cg.$RANDOM"
  TORVYN_CROSSING_ITERS=$ITERS valgrind --tool=callgrind --callgrind-out-file="$file" \
    --toggle-collect='*measured_loop*' "$BIN" --benchmark_filter="^${filter}/iterations" >/dev/null 2>&1
  callgrind_annotate --inclusive=no --threshold=100 --auto=no "$file" 2>/dev/null |
    awk -v iters="$ITERS" '
      /^ *[0-9,]+ \(/ && !/PROGRAM TOTALS/ {
        n = $1; gsub(",", "", n)
        if ($0 ~ /:(w2c_|Z_torvynZ_)/) guest += n; else host += n
      }
      END { printf "%.1f %.1f\n", host / iters, guest / iters }'
}

per_crossing() {  # op -> host instructions per crossing, guest instructions per crossing
  read -r h0 g0 < <(measure "BM_Crossing_${ENGINE}/$1/0")
  read -r h16 g16 < <(measure "BM_Crossing_${ENGINE}/$1/16")
  awk -v a="$h0" -v b="$h16" -v c="$g0" -v d="$g16" 'BEGIN { printf "%.1f %.1f\n", (b - a) / 16, (d - c) / 16 }'
}

printf '%-44s %12s %12s\n' "crossing ($ENGINE, $ITERS iterations)" "host instr" "guest instr"
read -r h g < <(measure "BM_ExportCall_${ENGINE}")
printf '%-44s %12s %12s\n' "export call (notify-backpressure)" "$h" "$g"
read -r h g < <(measure "BM_Crossing_${ENGINE}/none/0")
printf '%-44s %12s %12s\n' "process() of a stream-element, empty body" "$h" "$g"
for op in size append read-all allocate-drop; do
  read -r h g < <(per_crossing "$op")
  case $op in
    size) label="host call: buffer.size" ;;
    append) label="host call: mutable-buffer.append 64 B" ;;
    read-all) label="host call + cabi_realloc: buffer.read-all 64 B" ;;
    allocate-drop) label="allocate + resource drop (2 crossings)" ;;
  esac
  printf '%-44s %12s %12s\n' "$label" "$h" "$g"
done

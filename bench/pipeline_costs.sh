#!/usr/bin/env bash
# Instructions per element of source -> processor -> sink (64 B, aot) and of the native chain,
# counted by callgrind: (cost of N2 elements - cost of N1 elements) / (N2 - N1) per case, so
# instantiation and setup cancel out. A shared machine cannot disturb these counts.
#
#   bench/pipeline_costs.sh [build-dir]
set -euo pipefail
BUILD=${1:-build}
BIN="$BUILD/bin/pipeline_bench"
[ -x "$BIN" ] || { echo "no $BIN (build the pipeline_bench target)" >&2; exit 2; }
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
N1=5000 N2=15000

total() {  # case elements -> instructions inside the benchmark function
  TORVYN_BENCH_ELEMENTS=$2 valgrind --tool=callgrind --callgrind-out-file="$OUT/cg" --toggle-collect="$3" \
    "$BIN" --benchmark_filter="^$1/" >/dev/null 2>&1
  awk '/^summary:/ { print $2 }' "$OUT/cg"
}

printf '%-36s %14s\n' "case" "instr/element"
for spec in "BM_Pipeline_Native|*BM_Pipeline_Native*" "BM_Reactor_PerElement/metrics:0|*reactor_pipeline*" \
            "BM_Reactor_Batch/metrics:0|*reactor_pipeline*" \
            "BM_Pipeline_Aot/max_batch:1|*component_pipeline*" "BM_Pipeline_Aot/max_batch:64|*component_pipeline*"; do
  name=${spec%%|*} toggle=${spec#*|}
  a=$(total "$name" $N1 "$toggle")
  b=$(total "$name" $N2 "$toggle")
  # 5 iterations per run (the benchmarks' fixed count)
  printf '%-36s %14s\n' "$name" "$(( (b - a) / (5 * (N2 - N1)) ))"
done

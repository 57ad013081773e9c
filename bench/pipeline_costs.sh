#!/usr/bin/env bash
# Instructions per element of source -> processor -> sink (64 B, aot) and of the native chain,
# counted by callgrind: (cost of N2 elements - cost of N1 elements) / (N2 - N1) per case, so
# instantiation and setup cancel out. A shared machine cannot disturb these counts.
#
# Per-element calls are timed in runs whose length (the pacing stride) follows the calls' measured
# times, and under callgrind calls slow down far more than clock reads. So each case first runs
# natively and reports the calls per run production's pacing chose (calls_per_run); the counted
# runs pin the stride to that (TORVYN_BENCH_STRIDE), which makes the per-element rows repeatable
# and as long as they are natively. The stride used is printed beside each row.
#
#   bench/pipeline_costs.sh [build-dir]
set -euo pipefail
BUILD=${1:-build}
BIN="$BUILD/bin/pipeline_bench"
[ -x "$BIN" ] || { echo "no $BIN (build the pipeline_bench target)" >&2; exit 2; }
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
N1=5000 N2=15000

total() {  # case elements toggle stride -> instructions inside the benchmark function
  TORVYN_BENCH_STRIDE=$4 TORVYN_BENCH_ELEMENTS=$2 valgrind --tool=callgrind --callgrind-out-file="$OUT/cg" --toggle-collect="$3" \
    "$BIN" --benchmark_filter="^$1/" >/dev/null 2>&1
  awk '/^summary:/ { print $2 }' "$OUT/cg"
}

native_stride() {  # case -> calls per run of a native run (0 when every stage made batch calls)
  TORVYN_BENCH_ELEMENTS=$N2 "$BIN" --benchmark_filter="^$1/" 2>/dev/null |
    awk '{ for (i = 1; i <= NF; ++i) if ($i ~ /^calls_per_run=/) { sub("calls_per_run=", "", $i); s = $i } }
         END { printf "%d\n", s + 0.5 }'
}

printf '%-36s %14s %8s\n' "case" "instr/element" "stride"
for spec in "BM_Pipeline_Native|*BM_Pipeline_Native*" "BM_Reactor_PerElement/metrics:0|*reactor_pipeline*" \
            "BM_Reactor_Batch/metrics:0|*reactor_pipeline*" \
            "BM_Pipeline_Aot/max_batch:1|*component_pipeline*" "BM_Pipeline_Aot/max_batch:64|*component_pipeline*"; do
  name=${spec%%|*} toggle=${spec#*|}
  stride=$(native_stride "$name")
  a=$(total "$name" $N1 "$toggle" "$stride")
  b=$(total "$name" $N2 "$toggle" "$stride")
  # 5 iterations per run (the benchmarks' fixed count)
  printf '%-36s %14s %8s\n' "$name" "$(( (b - a) / (5 * (N2 - N1)) ))" "$stride"
done

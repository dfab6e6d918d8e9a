#!/usr/bin/env bash
# Instruction counts of the whole plugin through its test `.clap`, under callgrind: repeatable
# on a noisy machine, where the timings of `cargo bench` are not. For each chain and block size
# it runs the bench binary twice (1 s and 2 s of audio) and reports the difference: the
# instructions for one second of audio, per frame and per process() call, without the set-up.
#   scripts/bench-callgrind.sh            (after `cargo xtask test-bundle`)
set -euo pipefail
cd "$(dirname "$0")/.."
command -v valgrind >/dev/null || { echo "valgrind is not installed (apt-get install valgrind)" >&2; exit 1; }
cargo bench -p lacquer-tests --bench plugin --no-run 2>/dev/null
bench=$(ls -t target/release/deps/plugin-* | grep -v '\.d$' | head -1)
# Only the main thread counts: it is the one calling process(). The plugin's background
# threads (workers, the reference loader) run on their own schedule and would make the total
# vary from run to run.
instructions() {
  local out
  out=$(mktemp -d)
  LACQUER_BENCH_RUN="$1:$2:$3" valgrind --tool=callgrind --separate-threads=yes \
    --callgrind-out-file="$out/cg" "$bench" >/dev/null 2>&1
  callgrind_annotate "$out/cg-01" 2>/dev/null | awk '/PROGRAM TOTALS/ { gsub(",", "", $1); print $1 }'
  rm -rf "$out"
}
for config in default heaviest; do
  for block in 16 64 512 4096; do
    one=$(instructions "$config" "$block" 49152)
    two=$(instructions "$config" "$block" 98304)
    per_frame=$(( (two - one) / 49152 ))
    per_call=$(( (two - one) / (49152 / block) ))
    printf '%-9s block %4d: %7d instructions per frame, %9d per call\n' "$config" "$block" "$per_frame" "$per_call"
  done
done

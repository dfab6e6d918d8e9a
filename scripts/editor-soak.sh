#!/usr/bin/env bash
# The editor's cost over time: the standalone with its editor open and audio playing for
# MINUTES (default 10), sampling every 30 s the process's CPU use (audio, editor, and the
# software GL rasteriser drawing it) and its resident memory. Prints a table; the README
# quotes it.
#   scripts/editor-soak.sh [MINUTES]
set -euo pipefail
cd "$(dirname "$0")/.."
minutes="${1:-10}"
out=target/soak
mkdir -p "$out"
scripts/system-deps.sh --screenshots
cargo build --release -p lacquer --bin lacquer-standalone
source scripts/lib/live-session.sh
start_session
start_standalone 1
xdotool key --window "$window" 1 # the EQ panel: spectra and curves, the busiest view

tick=$(getconf CLK_TCK)
# CPU ticks of the process, and of Mesa's software rasteriser threads (llvmpipe-*), which do
# the editor's drawing on a machine without a GPU.
ticks_of() { read -r -a f <"$1/stat"; echo $((f[13] + f[14])); }
raster_ticks() {
  local sum=0
  for t in /proc/"$app"/task/*; do
    case "$(cat "$t/comm")" in llvmpipe-*) sum=$((sum + $(ticks_of "$t"))) ;; esac
  done
  echo "$sum"
}
rss_of() { awk '/VmRSS/{print $2}' "/proc/$app/status"; }
pct() { echo "($1) / $tick / $dt * 100" | bc -l; }

printf '%8s %16s %20s %12s\n' "time" "process CPU %" "of which GL raster %" "RSS MB"
prev_p=$(ticks_of "/proc/$app") prev_r=$(raster_ticks) prev_t=$(date +%s.%N)
for i in $(seq 1 $((minutes * 2))); do
  sleep 30
  p=$(ticks_of "/proc/$app") r=$(raster_ticks) t=$(date +%s.%N)
  dt=$(echo "$t - $prev_t" | bc -l)
  printf '%7ss %16.1f %20.1f %12.1f\n' "$((i * 30))" "$(pct "$p - $prev_p")" \
    "$(pct "$r - $prev_r")" "$(echo "$(rss_of) / 1024" | bc -l)"
  prev_p=$p prev_r=$r prev_t=$t
done
stop_standalone

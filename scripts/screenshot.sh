#!/usr/bin/env bash
# Screenshots of every editor panel at 100 % and 200 % scale, with audio playing through the
# standalone so the meters, spectra and histories are alive, plus one real interaction driven
# with xdotool (an EQ band added by double-click, then its node dragged).
#   scripts/screenshot.sh [OUT_DIR]        default: target/screenshots
# No sound card or desktop needed (see scripts/lib/live-session.sh). Needs the test packages
# (scripts/system-deps.sh --screenshots installs them).
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-target/screenshots}"
mkdir -p "$out"
scripts/system-deps.sh --screenshots
cargo build --release -p lacquer --bin lacquer-standalone
source scripts/lib/live-session.sh
start_session

shoot() { # name
  import -window "$window" "$out/$1.png"
  echo "screenshot: $out/$1.png"
}

panels=(eq compressor multiband saturation imager limiter dither loudness reference)
for scale in 1 2; do
  start_standalone "$scale"
  for k in "${!panels[@]}"; do
    xdotool key --window "$window" "$((k + 1))"
    sleep 2
    shoot "${panels[$k]}@${scale}x"
  done
  if [ "$scale" = 1 ]; then
    # The interaction a person does first: add a band by double-clicking the EQ display,
    # then drag its node up and to the right.
    xdotool key --window "$window" 1
    sleep 1
    eval "$(xdotool getwindowgeometry --shell "$window")"
    x=$((X + 360)) y=$((Y + 230))
    xdotool mousemove "$x" "$y" click --repeat 2 --delay 80 1
    sleep 1
    xdotool mousemove "$x" "$y" mousedown 1
    for step in $(seq 1 10); do
      xdotool mousemove "$((x + step * 8))" "$((y - step * 5))"
      sleep 0.05
    done
    xdotool mouseup 1
    sleep 1.5
    shoot "eq-drag@1x"
  fi
  stop_standalone
done

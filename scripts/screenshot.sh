#!/usr/bin/env bash
# Screenshots of every editor panel at 100 % and 200 % scale, with audio playing through the
# standalone so the meters, spectra and histories are alive, plus one real interaction driven
# with xdotool (an EQ band added by double-click, then its node dragged).
#   scripts/screenshot.sh [OUT_DIR]        default: target/screenshots
# Runs a virtual X server (Xvfb) and a JACK server on its dummy driver: no sound card or
# desktop needed. Needs the test packages (scripts/system-deps.sh --test installs them).
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-target/screenshots}"
mkdir -p "$out"
scripts/system-deps.sh --test
cargo build --release -p lacquer --bin lacquer-standalone
bin=target/release/lacquer-standalone

display=":$((90 + RANDOM % 100))"
Xvfb "$display" -screen 0 2200x1400x24 -nolisten tcp >/dev/null 2>&1 &
pids=($!)
cleanup() { kill "${pids[@]}" 2>/dev/null || true; }
trap cleanup EXIT
export DISPLAY="$display" LIBGL_ALWAYS_SOFTWARE=1
export JACK_DEFAULT_SERVER="lacquer-shots-$$" JACK_NO_AUDIO_RESERVATION=1
for _ in $(seq 50); do xdpyinfo >/dev/null 2>&1 && break; sleep 0.1; done

jackd --no-realtime -d dummy -r 48000 -p 512 >"$out/jackd.log" 2>&1 &
pids+=($!)
jack_wait -w -t 10 >/dev/null
# Programme material: a bass note and a bright tick (transients for the dynamics), and a
# steady tone.
jack_metro -n bass -b 96 -f 55 -A 0.6 -D 350 >/dev/null 2>&1 &
pids+=($!)
jack_metro -n tick -b 192 -f 3200 -A 0.35 -D 25 >/dev/null 2>&1 &
pids+=($!)
jack_simple_client >/dev/null 2>&1 &
pids+=($!)
sleep 0.5

# Start the standalone at a scale; sets $app and $window.
start() {
  LACQUER_UI_SCALE="$1" "$bin" --backend jack >"$out/standalone-$1x.log" 2>&1 &
  app=$!
  window=""
  for _ in $(seq 600); do
    window=$(xdotool search --name "Lacquer" 2>/dev/null | head -n 1 || true)
    [ -n "$window" ] && break
    kill -0 "$app" 2>/dev/null || { echo "the standalone exited; see $out/standalone-$1x.log" >&2; exit 1; }
    sleep 0.1
  done
  [ -n "$window" ] || { echo "no Lacquer window appeared" >&2; exit 1; }
  # Every source into both Lacquer inputs.
  mapfile -t ins < <(jack_lsp -p | awk '/^lacquer:/{p=$0} /properties: input/{if(p){print p}; p=""}')
  mapfile -t srcs < <(jack_lsp | grep -E '^(bass|tick|jack_simple_client):' || true)
  for s in "${srcs[@]}"; do
    for i in "${ins[@]}"; do jack_connect "$s" "$i" 2>/dev/null || true; done
  done
  sleep 3 # meters and histories fill
}

shoot() { # name
  import -window "$window" "$out/$1.png"
  echo "screenshot: $out/$1.png"
}

panels=(eq compressor multiband saturation imager limiter dither loudness)
for scale in 1 2; do
  start "$scale"
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
  kill "$app" 2>/dev/null || true
  wait "$app" 2>/dev/null || true
done

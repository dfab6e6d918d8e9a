#!/usr/bin/env bash
# Opens the standalone editor under a virtual X server and saves a screenshot of it.
#   scripts/screenshot.sh [OUT.png]        default: target/screenshots/editor.png
# Needs the test packages (scripts/system-deps.sh --test installs them). Builds the standalone
# if it is not there yet.
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-target/screenshots/editor.png}"
mkdir -p "$(dirname "$out")"
scripts/system-deps.sh --test
bin=target/release/lacquer-standalone
[ -x "$bin" ] || cargo build --release -p lacquer --bin lacquer-standalone

display=":$((90 + RANDOM % 100))"
Xvfb "$display" -screen 0 1024x768x24 -nolisten tcp >/dev/null 2>&1 &
xvfb=$!
app=""
cleanup() {
  [ -n "$app" ] && kill "$app" 2>/dev/null || true
  kill "$xvfb" 2>/dev/null || true
}
trap cleanup EXIT
export DISPLAY="$display"
for _ in $(seq 50); do xdpyinfo >/dev/null 2>&1 && break; sleep 0.1; done

# The dummy back-end needs no sound card; the editor is what is being looked at.
LIBGL_ALWAYS_SOFTWARE=1 "$bin" --backend dummy >target/screenshots/standalone.log 2>&1 &
app=$!
window=""
for _ in $(seq 400); do
  window=$(xdotool search --name "Lacquer" 2>/dev/null | head -n 1 || true)
  [ -n "$window" ] && break
  kill -0 "$app" 2>/dev/null || { echo "the standalone exited; see target/screenshots/standalone.log" >&2; exit 1; }
  sleep 0.1
done
[ -n "$window" ] || { echo "no Lacquer window appeared" >&2; exit 1; }
sleep 1.5   # let egui lay out and paint a few frames
import -window "$window" "$out"
echo "screenshot: $out"

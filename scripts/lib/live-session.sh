# Sourced by scripts that look at the editor with audio playing: a virtual X server (Xvfb), a
# JACK server on its dummy driver (no sound card), test clients as programme material, and the
# standalone connected to them. Callers set $out (a directory for logs) before sourcing.

bin=target/release/lacquer-standalone
pids=()
cleanup() { kill "${pids[@]}" 2>/dev/null || true; }
trap cleanup EXIT

start_session() {
  display=":$((90 + RANDOM % 100))"
  Xvfb "$display" -screen 0 2200x1400x24 -nolisten tcp >/dev/null 2>&1 &
  pids+=($!)
  export DISPLAY="$display" LIBGL_ALWAYS_SOFTWARE=1
  # One server name: JACK keeps a small registry of servers, and unique names fill it.
  export JACK_DEFAULT_SERVER=lacquer-session JACK_NO_AUDIO_RESERVATION=1
  for _ in $(seq 50); do xdpyinfo >/dev/null 2>&1 && break; sleep 0.1; done
  jackd --no-realtime -d dummy -r 48000 -p 512 >"$out/jackd.log" 2>&1 &
  pids+=($!)
  jack_wait -w -t 60 >/dev/null
  # Programme material: a bass note and a bright tick (transients for the dynamics), and a
  # steady tone.
  jack_metro -n bass -b 96 -f 55 -A 0.6 -D 350 >/dev/null 2>&1 &
  pids+=($!)
  jack_metro -n tick -b 192 -f 3200 -A 0.35 -D 25 >/dev/null 2>&1 &
  pids+=($!)
  jack_simple_client >/dev/null 2>&1 &
  pids+=($!)
  sleep 0.5
}

# Start the standalone at UI scale $1, connected to the test clients; sets $app and $window.
start_standalone() {
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
  mapfile -t ins < <(jack_lsp -p | awk '/^lacquer:/{p=$0} /properties: input/{if(p){print p}; p=""}')
  mapfile -t srcs < <(jack_lsp | grep -E '^(bass|tick|jack_simple_client):' || true)
  for s in "${srcs[@]}"; do
    for i in "${ins[@]}"; do jack_connect "$s" "$i" 2>/dev/null || true; done
  done
  sleep 3 # meters and histories fill
}

stop_standalone() {
  kill "$app" 2>/dev/null || true
  wait "$app" 2>/dev/null || true
}

#!/usr/bin/env bash
# Runs tests/ardour/run.sh N times and counts aborts (heap corruption hunt).
#
#   tests/ardour/repeat.sh N [run.sh options...]
#   e.g. tests/ardour/repeat.sh 30 --mode loaded --no-reload target/test-bundled/Lacquer.vst3
# Extra environment (MALLOC_CHECK_, MALLOC_PERTURB_, LD_PRELOAD of libc_malloc_debug.so.0, ...)
# is passed through. Each run's work folder is kept under target/ardour-repeat/<i> when it failed.
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
n="${1:?usage: repeat.sh N [run.sh options]}"; shift
base="${LQ_REPEAT_DIR:-$root/target/ardour-repeat}"
rm -rf "$base"; mkdir -p "$base"
ok=0; bad=0
declare -A codes
for i in $(seq 1 "$n"); do
	w="$base/$i"
	"$here/run.sh" --work "$w" "$@" > "$base/$i.out" 2>&1
	rc=$?
	codes[$rc]=$(( ${codes[$rc]:-0} + 1 ))
	if [ $rc = 0 ]; then
		ok=$((ok + 1)); rm -rf "$w"
	else
		bad=$((bad + 1))
		msg=$(grep -h -a -E 'free\(\)|corrupt|double free|malloc|Aborted|SIGABRT|SIGSEGV|Segmentation|panicked|assert' "$base/$i.out" "$w"/*.log 2>/dev/null | head -3 | tr '\n' ' ')
		echo "run $i: exit $rc: $msg"
	fi
done
echo "runs: $n  ok: $ok  failed: $bad  exit codes: $(for k in "${!codes[@]}"; do printf '%s:%s ' "$k" "${codes[$k]}"; done)"
[ $bad = 0 ]

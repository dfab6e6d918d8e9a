#!/usr/bin/env bash
# Headless Ardour 7 (Debian package `ardour`) harness for Lacquer's VST3.
#
#   tests/ardour/run.sh [options] [path/to/Lacquer.vst3]
#
# Builds a bus with ACE Noise -> Lacquer, sets the limiter, automates Output Gain, exports 4-8 s
# to WAV, saves, closes, reloads, exports again. The suite's test (tests/src/ardour.rs) checks
# the exports.
# Everything (Ardour config with the Dummy backend unhidden, plugin cache, session, exports)
# lives in a private work folder; nothing touches ~/.config.
#
# Options:
#   --work DIR       work folder (default: target/ardour-test, wiped first)
#   --plugin NAME    lacquer (default) | x42-dpl | none
#   --mode MODE      full (default) | loaded (plugin loaded, nothing set, no automation)
#   --no-reload      only the create phase
#   --wrap CMD       run the interpreter (/usr/lib/ardour7/luasession) under CMD, split into
#                    words: e.g. "valgrind --tool=memcheck" or "$here/gdb-wrap.sh"
#   --install-deps   apt-get install ardour (as root) when it is missing
# Environment passed through to session.lua: LQ_EXPORT_START, LQ_EXPORT_END,
# LQ_AUTOMATION_SECONDS, LQ_RATE.
# Exit status: 0 on success; the lua interpreter's status (134 = abort, 139 = segfault) or 1.
set -u
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"

work="$root/target/ardour-test"
plugin=lacquer
mode=full
reload=1
wrap=""
deps=0
bundle=""
while [ $# -gt 0 ]; do
	case "$1" in
		--work) work="$2"; shift 2 ;;
		--plugin) plugin="$2"; shift 2 ;;
		--mode) mode="$2"; shift 2 ;;
		--no-reload) reload=0; shift ;;
		--wrap) wrap="$2"; shift 2 ;;
		--install-deps) deps=1; shift ;;
		-h|--help) sed -n '2,22p' "$0"; exit 0 ;;
		*) bundle="$1"; shift ;;
	esac
done
[ -n "$bundle" ] || bundle="$root/target/test-bundled/Lacquer.vst3"

LUA=/usr/bin/ardour7-lua
# What /usr/bin/ardour7-lua does, so the interpreter binary itself can run under gdb/valgrind.
LUASESSION=/usr/lib/ardour7/luasession
export LD_LIBRARY_PATH=/usr/lib/ardour7${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
export ARDOUR_DATA_PATH=/usr/share/ardour7 ARDOUR_CONFIG_PATH=/etc/ardour7
export ARDOUR_DLL_PATH=/usr/lib/ardour7 VAMP_PATH=/usr/lib/ardour7/vamp
SCANNER=/usr/lib/ardour7/ardour-vst3-scanner
if [ ! -x "$LUA" ]; then
	if [ "$deps" = 1 ] && [ "$(id -u)" = 0 ]; then
		DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=900 install -y \
			--no-install-recommends ardour || exit 1
	else
		echo "ardour7-lua not found: apt-get install --no-install-recommends ardour" >&2
		exit 1
	fi
fi

rm -rf "$work"
mkdir -p "$work/config/ardour7/export" "$work/cache" "$work/vst3" "$work/out"
export XDG_CONFIG_HOME="$work/config" XDG_CACHE_HOME="$work/cache" XDG_DATA_HOME="$work/data"

# The plugin is reached through a private VST3 folder holding only a link to the bundle.
if [ "$plugin" = lacquer ]; then
	[ -d "$bundle" ] || { echo "no VST3 bundle at $bundle" >&2; exit 1; }
	ln -s "$(cd "$bundle" && pwd)" "$work/vst3/Lacquer.vst3"
fi
cat > "$work/config/ardour7/config" <<XML
<?xml version="1.0" encoding="UTF-8"?>
<Ardour>
  <Config>
    <Option name="hide-dummy-backend" value="0"/>
    <Option name="plugin-path-vst3" value="$work/vst3"/>
    <Option name="discover-plugins-on-start" value="0"/>
  </Config>
</Ardour>
XML
# 32-bit float WAV at the session rate, file named after the export's name only.
cat > "$work/config/ardour7/export/lacquer-test.format" <<'XML'
<?xml version="1.0" encoding="UTF-8"?>
<ExportFormatSpecification name="Lacquer test WAV float" id="0e1f2a3b-4c5d-4e6f-8a9b-0c1d2e3f4a5b" with-cue="false" with-toc="false" with-mp4chaps="false" command="" analyse="false" soundcloud-upload="false">
  <Encoding id="F_WAV" type="T_Sndfile" extension="wav" name="WAV" has-sample-format="true" channel-limit="256"/>
  <SampleRate rate="SR_Session"/>
  <SRCQuality quality="SRC_SincBest"/>
  <EncodingOptions>
    <Option name="sample-format" value="SF_Float"/>
    <Option name="dithering" value="D_None"/>
    <Option name="tag-metadata" value="false"/>
    <Option name="tag-support" value="false"/>
    <Option name="broadcast-info" value="false"/>
  </EncodingOptions>
  <Processing>
    <Normalize enabled="false" loudness="no" dbfs="0" lufs="-23" dbtp="-1"/>
    <Silence>
      <Start><Trim enabled="false"/><Add enabled="false"><Duration format="Timecode" hours="0" minutes="0" seconds="0" frames="0"/></Add></Start>
      <End><Trim enabled="false"/><Add enabled="false"><Duration format="Timecode" hours="0" minutes="0" seconds="0" frames="0"/></Add></End>
    </Silence>
  </Processing>
</ExportFormatSpecification>
XML
cat > "$work/config/ardour7/export/lacquer-test.preset" <<'XML'
<?xml version="1.0" encoding="UTF-8"?>
<ExportPreset id="8c4ef0a5-5ad5-4fdd-8f55-9a2a5fc3d7a1" name="Lacquer test">
  <ExportFormat id="0e1f2a3b-4c5d-4e6f-8a9b-0c1d2e3f4a5b"/>
  <ExportFilename>
    <Folder relative="1" path="export"/>
    <Field name="label" enabled="0"/>
    <Field name="session" enabled="0"/>
    <Field name="snapshot" enabled="0"/>
    <Field name="timespan" enabled="1"/>
    <Field name="revision" enabled="0"/>
    <Field name="time" enabled="0" value="T_None"/>
    <Field name="date" enabled="0" value="D_None"/>
  </ExportFilename>
</ExportPreset>
XML

if [ "$plugin" = lacquer ]; then
	"$SCANNER" -f -v "$work/vst3/Lacquer.vst3" > "$work/scan.log" 2>&1
	rc=$?
	if [ $rc != 0 ]; then
		cat "$work/scan.log" >&2
		echo "ardour-vst3-scanner failed ($rc)" >&2
		exit 1
	fi
fi

export LQ_SESSION_DIR="$work/session" LQ_EXPORT_DIR="$work/out" LQ_PLUGIN="$plugin" LQ_MODE="$mode"
export LQ_PRESET=8c4ef0a5-5ad5-4fdd-8f55-9a2a5fc3d7a1
run_phase() {
	# $wrap is split into words on purpose (e.g. --wrap "valgrind --tool=memcheck").
	LQ_PHASE="$1" $wrap "$LUASESSION" "$here/session.lua" > "$work/$1.log" 2>&1 < /dev/null
	local rc=$?
	if [ $rc != 0 ] || ! grep -q '^LQ done' "$work/$1.log"; then
		echo "== phase $1 failed (exit $rc); last lines of $work/$1.log:" >&2
		tail -n 30 "$work/$1.log" >&2
		[ $rc != 0 ] && return $rc
		return 1
	fi
	return 0
}
run_phase create || exit $?
[ "$reload" = 1 ] && { run_phase reload || exit $?; }

grep -h '^LQ' "$work"/create.log "$work"/reload.log 2>/dev/null | grep -v '^LQ done'
echo "ardour harness: OK ($work)"

#!/usr/bin/env bash
# Makes sure the Debian/Ubuntu packages Lacquer builds and tests with are installed.
# Installs them with apt-get when running as root (or through sudo without a password);
# otherwise prints the exact command and exits non-zero.
set -euo pipefail

# Build: a C toolchain and linker (Rust links with it; some crates compile C), audio
# back-ends for the standalone, X11 and OpenGL for the editor.
BUILD_PKGS=(build-essential pkg-config libasound2-dev libjack-jackd2-dev libx11-dev libx11-xcb-dev
  libxcursor-dev libxcb1-dev libxcb-icccm4-dev libxcb-dri2-0-dev libgl-dev)
# Tests: a virtual X server for the editor checks, the independent EBU R128 meter (ebur128),
# ffmpeg, and Ardour for the DAW test.
TEST_PKGS=(xvfb libgl1-mesa-dri ebumeter ffmpeg ardour git)
# Screenshots and the editor soak: xdotool to drive the editor, ImageMagick to crop, and a
# JACK server with test clients so the editor shows audio playing.
SCREENSHOT_PKGS=(xvfb libgl1-mesa-dri xdotool imagemagick jackd2 bc)

want=("${BUILD_PKGS[@]}")
case "${1:-}" in
  --test) want+=("${TEST_PKGS[@]}") ;;
  --screenshots) want+=("${SCREENSHOT_PKGS[@]}") ;;
esac

missing=()
for pkg in "${want[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$pkg")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
  echo "error: missing packages (${missing[*]}) and no apt-get: install them with your package manager." >&2
  exit 1
fi
if [ "$(id -u)" -eq 0 ]; then
  SUDO=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  SUDO=(sudo)
else
  echo "error: missing system packages. Install them with:" >&2
  echo "  sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
echo "installing system packages: ${missing[*]}"
# `env` inside sudo: sudo drops the caller's environment, and with it DEBIAN_FRONTEND.
"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
  "${missing[@]}"

#!/usr/bin/env bash
# Quick start, command 1: build the release bundles (target/bundled/Lacquer.{clap,vst3})
# and the standalone app (target/release/lacquer-standalone).
# `scripts/build.sh --install` also copies the bundles into ~/.clap and ~/.vst3.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/system-deps.sh
cargo xtask bundle lacquer --release
echo "bundles:    $(pwd)/target/bundled/Lacquer.clap, $(pwd)/target/bundled/Lacquer.vst3"
echo "standalone: $(pwd)/target/release/lacquer-standalone"
if [ "${1:-}" = "--install" ]; then
  cargo xtask install
fi

#!/usr/bin/env bash
# Quick start, command 2: the whole test suite. Builds the test bundles (release speed with
# debug assertions and the audio-thread allocation guard on), then runs every test against them.
#
# Under CI (CI=true) the suite runs in a fresh clone of the commit, in a folder of its own with
# nothing beside it, so a test that reads anything outside the repository fails there.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${CI:-}" = "true" ] && [ -z "${LACQUER_ISOLATED:-}" ]; then
  alone="$(mktemp -d)/lacquer"
  echo "running the suite in a clean clone with no siblings: $alone"
  git clone --quiet --no-hardlinks "$(pwd)" "$alone"
  LACQUER_ISOLATED=1 exec "$alone/scripts/test.sh"
fi
scripts/system-deps.sh --test
cargo xtask test-bundle
# The offline renderer's binary, which tests/src/render.rs runs (same profile as the bundles).
cargo build --profile testbundle -p lacquer-render
cargo test --profile testbundle --workspace --exclude lacquer --exclude xtask
# The plugin crate's own unit tests (parameter text round trips, module order codes).
cargo test --profile testbundle -p lacquer --lib

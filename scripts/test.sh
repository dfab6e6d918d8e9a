#!/usr/bin/env bash
# Quick start, command 2: the whole test suite. Builds the test bundles (release speed with
# debug assertions and the audio-thread allocation guard on), then runs every test against them.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/system-deps.sh --test
cargo xtask test-bundle
# The offline renderer's binary, which tests/src/render.rs runs (same profile as the bundles).
cargo build --profile testbundle -p lacquer-render
cargo test --profile testbundle --workspace --exclude lacquer --exclude xtask
# The plugin crate's own unit tests (parameter text round trips, module order codes).
cargo test --profile testbundle -p lacquer --lib

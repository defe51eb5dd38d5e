#!/usr/bin/env bash
# Runs the whole test suite: unit, integration, compile-fail (trybuild), doc tests and the
# conformance tests against the pinned kfp client, which this script installs into a
# virtual environment first (see scripts/kfp-venv.sh).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

VERTEX_KFP_PYTHON_BIN=$(scripts/kfp-venv.sh | tail -n 1)
export VERTEX_KFP_PYTHON_BIN

# The container tests run the example's image and, in an empty chroot, the static binary
# it contains; docker is part of the test environment.
if ! docker info >/dev/null 2>&1; then
    echo "test.sh: no Docker engine is reachable; the container tests need one" >&2
    exit 1
fi
scripts/image.sh penguins:test
export VERTEX_TEST_IMAGE=penguins:test
VERTEX_TEST_BINARY=$PWD/target/x86_64-unknown-linux-gnu/release/penguins
export VERTEX_TEST_BINARY

cargo test --workspace --doc
if cargo nextest --version >/dev/null 2>&1; then
    cargo nextest run --workspace --no-fail-fast
else
    cargo test --workspace --no-fail-fast
fi

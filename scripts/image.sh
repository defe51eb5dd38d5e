#!/usr/bin/env bash
# Builds the example's static release binary and its `FROM scratch` image.
#
#   scripts/image.sh [TAG]     TAG defaults to penguins:latest
#
# The binary links glibc statically (`+crt-static`); `--target` keeps that flag away from
# the proc-macro crates, which must stay dynamic. Prints the binary path and image size.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
tag=${1:-penguins:latest}
target=x86_64-unknown-linux-gnu

RUSTFLAGS="-C target-feature=+crt-static" cargo build --release --quiet -p penguins --target "$target"
binary=target/$target/release/penguins

context=$(mktemp -d)
trap 'rm -rf "$context"' EXIT
cp "$binary" Dockerfile "$context/"
# The output is shown only on failure: the legacy builder warns on every build.
if ! log=$(docker build --quiet --tag "$tag" "$context" 2>&1); then
    echo "$log" >&2
    exit 1
fi
echo "binary $binary $(stat -c %s "$binary") bytes"
echo "image $tag $(docker image inspect --format '{{.Size}}' "$tag") bytes"

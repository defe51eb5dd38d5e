#!/usr/bin/env bash
# Builds the example's static release binary and, from it, the `runtime` stage of the
# template Dockerfile.
#
#   scripts/image.sh [TAG]     TAG defaults to penguins:latest
#
# The binary links glibc statically (`+crt-static`) at a fixed address
# (`relocation-model=static`, see the Dockerfile); `--target` keeps those flags away from
# the proc-macro crates, which must stay dynamic. The builder stages of the Dockerfile need
# the rust base image, which these machines cannot pull, so this script builds the binary
# on the host and runs only the runtime stage: the lines of the Dockerfile before its first
# FROM, then its `runtime` stage with `COPY --from=builder` turned into a COPY from a build
# context laid out like the builder stage (/out/<binary> and the CA bundle, taken from the
# host's ca-certificates package). Prints the binary path and the image size.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
tag=${1:-penguins:latest}
target=x86_64-unknown-linux-gnu
name=penguins
certificates=/etc/ssl/certs/ca-certificates.crt

# Without default features, as the Dockerfile builds it: the image's binary has no `submit`.
RUSTFLAGS="-C target-feature=+crt-static -C relocation-model=static" cargo build --release --quiet -p "$name" --target "$target" --no-default-features
binary=target/$target/release/$name

if ! grep -q '^FROM scratch AS runtime$' Dockerfile; then
    echo "image.sh: Dockerfile has no line 'FROM scratch AS runtime'" >&2
    exit 1
fi
if [[ ! -f $certificates ]]; then
    echo "image.sh: $certificates not found; install the ca-certificates package" >&2
    exit 1
fi

context=$(mktemp -d)
trap 'rm -rf "$context"' EXIT
mkdir -p "$context/out/tmp" "$context/etc/ssl/certs"
cp "$binary" "$context/out/$name"
cp "$certificates" "$context/etc/ssl/certs/"
{
    sed -n '1,/^FROM /{/^FROM /!p}' Dockerfile
    sed -n '/^FROM scratch AS runtime$/,$p' Dockerfile | sed 's/^COPY --from=builder /COPY /'
} >"$context/Dockerfile"

# The output is shown only on failure: the legacy builder warns on every build.
if ! log=$(docker build --quiet --build-arg "BINARY=$name" --tag "$tag" "$context" 2>&1); then
    echo "$log" >&2
    exit 1
fi
echo "binary $binary $(stat -c %s "$binary") bytes"
echo "image $tag $(docker image inspect --format '{{.Size}}' "$tag") bytes"

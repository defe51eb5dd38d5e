#!/usr/bin/env bash
# Measures vertex-rs beside KFP's Python SDK (kfp==2.17.3) in one run: task start, footprint,
# compile, local runs, the largest executor input, build cost, and the criterion
# micro-benchmarks of vertex-runtime. docs/benchmarks.md describes each figure.
#
#   bench/vs-kfp.sh [--quick] [--out DIR] [--sections LIST]
#
#   --quick      few runs of everything, to check the script (figures are not meaningful)
#   --out DIR    where report.md and results.json go (default target/vs-kfp/<UTC time>)
#   --sections   comma-separated subset of start,footprint,compile,local,largest,criterion,build
#
# Installs what it lacks: hyperfine (Debian's package), the kfp venv (scripts/kfp-venv.sh,
# PyPI the first time). Needs cargo, cc with a static libc, python3 with venv, and docker
# for the image size (without docker the image is reported as not measured). Takes about
# 15 minutes on 2 cores. It is not part of the test suite.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

quick=()
out=target/vs-kfp/$(date -u +%Y%m%dT%H%M%SZ)
sections=start,footprint,compile,local,largest,criterion,build
while (($#)); do
    case $1 in
        --quick) quick=(--quick) ;;
        --out) out=$2; shift ;;
        --sections) sections=$2; shift ;;
        *) echo "usage: $0 [--quick] [--out DIR] [--sections LIST]" >&2; exit 2 ;;
    esac
    shift
done

if ! command -v hyperfine >/dev/null; then
    echo "installing hyperfine" >&2
    apt-get update -qq && apt-get install -y -qq hyperfine >/dev/null
fi
for tool in cc cargo /usr/bin/time; do
    command -v "$tool" >/dev/null || { echo "vs-kfp.sh: $tool is missing" >&2; exit 1; }
done
python=$(scripts/kfp-venv.sh | tail -n 1)
venv=$(dirname "$(dirname "$python")")

# The static binaries: `--target` keeps `+crt-static` off the proc-macro crates.
target=x86_64-unknown-linux-gnu
release=${CARGO_TARGET_DIR:-target}/$target/release
static() {
    RUSTFLAGS="-C target-feature=+crt-static -C relocation-model=static" cargo build --release --quiet --target "$target" "$@"
}
# Without `submit`, as the image's binary is built.
echo "building the static vertex-bench binary" >&2
static -p vertex-bench --no-default-features

image_args=()
if command -v docker >/dev/null && docker info >/dev/null 2>&1; then
    echo "building the penguins image" >&2
    scripts/image.sh penguins:latest >&2
    image_args=(--image penguins:latest --penguins-bin "$release/penguins")
else
    echo "docker is not available: the image size is not measured" >&2
    static -p penguins --no-default-features
    image_args=(--penguins-bin "$release/penguins")
fi

if [[ ,$sections, == *,criterion,* ]]; then
    echo "building the criterion benchmarks" >&2
    cargo bench --quiet -p vertex-runtime --bench executor --no-run
fi

mkdir -p "$out"
"$python" bench/vs_kfp.py --repo . --bin "$release/vertex-bench" --venv "$venv" --out "$out" \
    --sections "$sections" "${image_args[@]}" "${quick[@]}"
echo "report: $out/report.md" >&2

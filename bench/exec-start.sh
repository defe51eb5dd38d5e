#!/usr/bin/env bash
# Measures the start-to-exit time and peak memory of one task, `BIN exec` of a trivial
# component (adding two integers), beside KFP's Python executor on the same executor input
# and a C program that only writes a fixed executor output (the floor).
#
#   bench/exec-start.sh [RUNS]      RUNS defaults to 300
#
# Needs hyperfine (installed from Debian's packages when missing), cc, and the kfp venv
# (scripts/kfp-venv.sh). Prints hyperfine's table and the median peak RSS of each command.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
runs=${1:-300}

if ! command -v hyperfine >/dev/null; then
    apt-get update -qq && apt-get install -y -qq hyperfine >/dev/null
fi
python=$(scripts/kfp-venv.sh | tail -n 1)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

target=x86_64-unknown-linux-gnu
RUSTFLAGS="-C target-feature=+crt-static" cargo build --release --quiet -p vertex-tests --bin kitchen-sink --target "$target"
bin=target/$target/release/kitchen-sink

input=$(printf '{"inputs":{"parameterValues":{"a":40,"b":2}},"outputs":{"parameters":{"Output":{"outputFile":"%s/py/Output"}},"outputFile":"%s/out/executor_output.json"}}' "$work" "$work")

cat > "$work/floor.c" <<'C'
#include <stdio.h>
#include <string.h>
/* Takes --executor-input JSON like the others and writes a fixed executor output. */
int main(int argc, char **argv) {
    if (argc < 3 || strcmp(argv[1], "--executor-input") != 0) return 2;
    FILE *out = fopen(argv[3], "w");
    if (!out) return 1;
    fputs("{\"parameterValues\":{\"Output\":42}}", out);
    return fclose(out) == 0 ? 0 : 1;
}
C
cc -O2 -static -o "$work/floor" "$work/floor.c"
mkdir -p "$work/out" "$work/py"

cat > "$work/add.py" <<'PY'
from kfp import dsl

@dsl.component
def add(a: int, b: int = 0) -> int:
    return a + b
PY

declare -A commands=(
    [vertex]="$bin exec add --executor-input '$input'"
    [floor]="$work/floor --executor-input '$input' $work/out/floor.json"
    [kfp-executor]="$python -m kfp.dsl.executor_main --component_module_path $work/add.py --executor_input '$input' --function_to_execute add"
)
for name in vertex floor kfp-executor; do
    eval "${commands[$name]}" >/dev/null 2>&1 || { echo "$name failed: ${commands[$name]}" >&2; exit 1; }
done

echo "== start to exit, $runs runs each (median, min, max) =="
hyperfine --shell=none --warmup 20 --runs "$runs" --export-json "$work/times.json" \
    -n vertex "${commands[vertex]}" -n floor "${commands[floor]}" -n kfp-executor "${commands[kfp-executor]}" >/dev/null
"$python" - "$work/times.json" <<'PY'
import json, sys
results = json.load(open(sys.argv[1]))["results"]
floor = next(r["median"] for r in results if r["command"] == "floor")
for r in results:
    print(f'{r["command"]:13} median {r["median"]*1e3:7.2f} ms  min {r["min"]*1e3:7.2f}  max {r["max"]*1e3:7.2f}  '
          f'user {r["user"]*1e3:6.2f}  system {r["system"]*1e3:6.2f}  ({r["median"]/floor:.1f}x floor)')
PY

echo "== peak resident memory, median of 30 runs =="
for name in vertex floor kfp-executor; do
    for _ in $(seq 30); do
        eval "/usr/bin/time -f %M ${commands[$name]}" 2>&1 >/dev/null | tail -n 1
    done | sort -n | awk -v name="$name" '{ v[NR] = $1 } END { printf "%-13s %6.1f MiB\n", name, v[int((NR + 1) / 2)] / 1024 }'
done

echo "== sizes =="
echo "kitchen-sink static binary: $(stat -c %s "$bin") bytes"

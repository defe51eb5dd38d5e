#!/usr/bin/env bash
# Rebuilds the seed corpora in fuzz/corpus/ from real kfp output:
#   exec_input  - the executor inputs that kfp.local builds for the fuzz crate's components
#                 and for kitchen-sink's `echo` (`harness.py executor-input`), each also in
#                 the Go launcher's rendering (`--backend`).
#   param_text  - each parameter value of those executor inputs as `--param` text, after a
#                 byte giving its type.
#   spec_roundtrip - a few byte strings, because this target builds its interface from raw
#                 bytes.
# Needs the kfp venv (scripts/kfp-venv.sh) and a debug build of kitchen-sink.
set -euo pipefail
fuzz=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$fuzz")
python=${VERTEX_KFP_PYTHON_BIN:-$root/target/kfp-venv/bin/python}
harness=$root/tests/kfp/harness.py
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

(cd "$fuzz" && cargo build --quiet --example components)
components=$fuzz/target/debug/examples/components
kitchen_sink=${KITCHEN_SINK:-$root/target/debug/kitchen-sink}
[ -x "$kitchen_sink" ] || (cd "$root" && cargo build --quiet -p vertex-tests --bin kitchen-sink)

table=$work/table.csv
printf 'a,b\n1,2\n' >"$table"
artifact() { printf '{"artifact": {"uri": "%s", "schemaTitle": "%s", "metadata": {"rows": 2}}}' "$1" "$2"; }
dataset=$(artifact "$table" system.Dataset)
model=$(artifact "gs://bucket/models/m" system.Model)
shard=$(artifact "s3://bucket/shards/0" system.Artifact)

every_kind=$(cat <<JSON
{"text": "héllo ✓\n\"q\"", "tiny": -128, "small": 255, "big": 9007199254740993, "signed": -5,
 "wide": -9007199254740992, "huge": 9007199254740992, "size": 7, "ratio": 3.5, "single": 0.25,
 "flag": true, "items": [1, 2, -3], "names": ["a", ""], "grid": [[1, 2], []],
 "scores": {"x": 1.5}, "counts": {"k": 2}, "raw": {"n": 1, "s": [true]},
 "settings": {"depth": 4, "rate": 1, "tags": ["t"], "limit": -3, "inner": {"b": [0, 255]}},
 "table": $dataset, "extra": $model, "shards": [$shard, $dataset]}
JSON
)
optional_kinds=$(cat <<JSON
{"text": "", "tiny": 5, "wide": 0, "huge": 1, "size": -1, "single": 1e-3, "items": [4], "scores": {"s": [0.5]},
 "object": {"k": {"n": [1.0]}}, "table": $dataset}
JSON
)
echo_args='{"text": "t", "small": 1, "big": 2, "signed": -3, "ratio": 0.5, "single": 0.25,
 "flag": false, "items": [1], "names": ["n"], "scores": {"s": 1.5}, "counts": {"c": 2},
 "raw": {"r": "x"}, "config": {"depth": 1, "rate": 0.5, "tags": []}}'

exec_dir=$fuzz/corpus/exec_input
param_dir=$fuzz/corpus/param_text
spec_dir=$fuzz/corpus/spec_roundtrip
rm -rf "$exec_dir" "$param_dir" "$spec_dir"
mkdir -p "$exec_dir" "$param_dir" "$spec_dir"

seed() { # BINARY COMPONENT ARGS NAME [--backend]
    local spec=$work/$2.yaml
    "$1" spec "$2" --image fuzz:1 >"$spec"
    {
        printf '%s\n' "$2"
        "$python" "$harness" executor-input "$spec" --args "$3" --root "$work/root" "${@:5}"
    } >"$exec_dir/$4"
}
for backend in "" --backend; do
    suffix=${backend:+-backend}
    seed "$components" every-kind "$every_kind" "every-kind$suffix" $backend
    seed "$components" optional-kinds "$optional_kinds" "optional-kinds$suffix" $backend
    # kfp.local applies int() to every integer input, so unset ones would crash it.
    seed "$components" optional-kinds '{"tiny": 1, "wide": 2, "huge": 3, "size": 4}' "optional-kinds-ints$suffix" $backend
    seed "$components" sum '{"a": 40}' "sum$suffix" $backend
    seed "$kitchen_sink" echo "$echo_args" "kitchen-sink-echo$suffix" $backend
done
# The component names are only for this target; kitchen-sink's `echo` is not linked in it,
# which exercises the unknown-component path.

# param_text: type byte (0 double, 1 integer, 2 string, 3 boolean, 4 list, 5 struct) + text.
"$python" - "$exec_dir" "$param_dir" <<'PY'
import json, pathlib, sys
exec_dir, param_dir = map(pathlib.Path, sys.argv[1:])
def type_of(value):
    if isinstance(value, bool): return 3
    if isinstance(value, int): return 1
    if isinstance(value, float): return 1 if value.is_integer() else 0
    if isinstance(value, str): return 2
    if isinstance(value, list): return 4
    return 5
count = 0
for path in sorted(exec_dir.iterdir()):
    name, text = path.read_text().split("\n", 1)
    values = json.loads(text)["inputs"].get("parameterValues", {})
    for key, value in values.items():
        if value is None:
            continue
        kind = type_of(value)
        body = value if kind == 2 else json.dumps(value)
        (param_dir / f"{path.name}-{key}").write_bytes(bytes([kind]) + body.encode())
        count += 1
print(f"param_text: {count} seeds", file=sys.stderr)
PY
# spec_roundtrip: short byte strings; arbitrary() turns any bytes into an interface.
printf 'counts-lines\x02\x05text\x00\x01\x03abc' >"$spec_dir/small"
printf 'x\x01#\x00image:1\x03\x04name\x01\x02\x01\x05\x01\x41\x00' >"$spec_dir/header"
echo "exec_input: $(ls "$exec_dir" | wc -l) seeds" >&2

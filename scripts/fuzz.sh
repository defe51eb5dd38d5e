#!/usr/bin/env bash
# Runs each cargo-fuzz target of fuzz/ for a set time, one after the other, and prints the
# executions, corpus size and findings of each.
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]
#
# SECONDS is per target, 60 by default; the targets are exec_input, param_text and
# spec_roundtrip unless named. Needs the nightly toolchain and cargo-fuzz
# (`cargo install cargo-fuzz`). New corpus entries go to fuzz/work/<target>/, seeded from
# fuzz/corpus/<target>/ (rebuilt by fuzz/make_seeds.sh); crashes go to
# fuzz/artifacts/<target>/, logs to fuzz/work/<target>.log. The script waits while a
# benchmark (bench/vs-kfp.sh) runs, since fuzzing would skew its timings. Exits 1 if any
# target found something.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
fuzz=$root/fuzz
seconds=${1:-60}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(exec_input param_text spec_roundtrip)

if ! cargo +nightly fuzz --version >/dev/null 2>&1; then
    echo "fuzz.sh: needs the nightly toolchain and cargo-fuzz (cargo install cargo-fuzz)" >&2
    exit 2
fi

wait_for_benchmarks() {
    while pgrep -f vs-kfp.sh >/dev/null; do
        echo "fuzz.sh: a benchmark is running (vs-kfp.sh); waiting" >&2
        sleep 30
    done
}

cd "$fuzz"
cargo +nightly fuzz build >&2
mkdir -p work
summary=()
found=0
for target in "${targets[@]}"; do
    wait_for_benchmarks
    mkdir -p "work/$target" "artifacts/$target" "corpus/$target"
    before=$(find "artifacts/$target" -type f | wc -l)
    log=work/$target.log
    echo "fuzz.sh: $target for ${seconds}s, log in fuzz/$log" >&2
    status=0
    started=$(date +%s)
    cargo +nightly fuzz run "$target" "work/$target" "corpus/$target" -- \
        -max_total_time="$seconds" -max_len=16384 -timeout=10 -rss_limit_mb=2048 \
        -print_final_stats=1 >"$log" 2>&1 || status=$?
    elapsed=$(($(date +%s) - started))
    executions=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    rss=$(sed -n 's/^stat::peak_rss_mb: *//p' "$log" | tail -n 1)
    corpus=$(find "work/$target" -type f | wc -l)
    after=$(find "artifacts/$target" -type f | wc -l)
    new=$((after - before))
    if [ "$status" -ne 0 ] || [ "$new" -gt 0 ]; then
        found=1
        grep -m 1 -E "^==[0-9]+==|panicked at|ERROR: libFuzzer" "$log" >&2 || true
    fi
    # A finding stops libFuzzer, so the time run can be shorter than asked.
    summary+=("$(printf '%-15s %8ss %12s %8s %9s %8s' "$target" "$elapsed" \
        "${executions:-?}" "$corpus" "$new" "${rss:-?}")")
done

printf '%-15s %9s %12s %8s %9s %8s\n' target time executions corpus findings rss_mb
printf '%s\n' "${summary[@]}"
exit "$found"

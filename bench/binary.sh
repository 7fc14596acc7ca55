# Sourced by the benchmarks (bench/run.sh, bench/fleet.sh) before they
# change directory: which newswatch binary a run measures.
# NEWSWATCH_BENCH_BINARY names one (relative to where the script was
# started, or absolute), to compare two versions on the same corpus; else
# `bench_binary TARGET_DIR` builds this tree's release binary.

bench_override=${NEWSWATCH_BENCH_BINARY:-}
case $bench_override in
    "" | /*) ;;
    *) bench_override=$PWD/$bench_override ;;
esac

# Prints the binary to run; builds the release binary when none is named.
bench_binary() {
    if [ -n "$bench_override" ]; then
        [ -x "$bench_override" ] || {
            echo "bench: NEWSWATCH_BENCH_BINARY=$bench_override is not an executable" >&2; return 1; }
        echo "$bench_override"
    else
        cargo build --release --locked --quiet >&2
        echo "$1/release/newswatch"
    fi
}

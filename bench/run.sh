#!/usr/bin/env bash
# One repeatable benchmark run: newswatch `once` over a generated corpus
# (bench/genfeeds) served by nginx (bench/serve.sh), cold (empty state)
# and warm (state kept, everything 304), with hyperfine; and, where they
# are installed (Debian's newsboat, feed2exec, rss2email), the same for
# the peers on the same URLs. Prints a Markdown table: wall and CPU time,
# peak RSS, items per second, and each peer's ratio to newswatch.
#
# Usage: bench/run.sh [FEEDS] [ITEMS] [PORT]     (default 1000 50 8089)
#        NEWSWATCH_BENCH_PEERS=0 bench/run.sh 10000 50   (newswatch only)
#        NEWSWATCH_BENCH_BINARY=/tmp/old/newswatch bench/run.sh
#            (that binary instead of this tree's release build, to compare
#            two versions on the same corpus)
# Needs: nginx, hyperfine, GNU time, bc (apt-get install nginx-light hyperfine time bc).
set -euo pipefail
# Before changing directory: a binary named relative to where we started.
source "$(dirname "$0")/binary.sh"
cd "$(dirname "$0")/.."

feeds=${1:-1000}
items=${2:-50}
port=${3:-8089}
root=$(pwd)
target=${CARGO_TARGET_DIR:-$root/target}
work=$(mktemp -d "${TMPDIR:-/tmp}/newswatch-bench.XXXXXX")
chmod 755 "$work"   # nginx's workers read the corpus as another user
trap 'bash bench/serve.sh --stop "$work/corpus" 2>/dev/null || true; rm -rf "$work"' EXIT

for tool in nginx hyperfine bc /usr/bin/time; do
    command -v "$tool" >/dev/null || { echo "bench: $tool is missing (apt-get install nginx-light hyperfine time bc)" >&2; exit 1; }
done

binary=$(bench_binary "$target")

cargo run --release --locked --quiet --example genfeeds -- \
    "$work/corpus" --feeds "$feeds" --items "$items" >/dev/null
bash bench/serve.sh "$work/corpus" "$port" >/dev/null
sed "s/{PORT}/$port/" "$work/corpus/urls.txt" > "$work/urls.txt"
total_items=$((feeds * items))

# newswatch's config: every feed, the shipped watch lists, a file sink.
{
    printf '[state]\ndirectory = "%s/state"\n\n[http]\nlisten = ""\n\n' "$work"
    printf '[poll]\nconcurrency = 32\nper_host = 32\nbacklog = "all"\n\n'
    while read -r url; do printf '[[feed]]\nurl = "%s"\n' "$url"; done < "$work/urls.txt"
    sed -n '/^\[\[watch\]\]/,/^# -\{10,\} sinks/p' config/newswatch.toml | sed '$d'
    printf '\n[[sink]]\ntype = "file"\npath = "%s/alerts.jsonl"\n' "$work"
} > "$work/newswatch.toml"

# Wall and CPU time and peak RSS of one command, from GNU time's format.
measure() {
    local label=$1; shift
    /usr/bin/time -f "%e %U %S %M" -o "$work/time.txt" "$@" >/dev/null 2>"$work/err.txt" || {
        echo "bench: $label failed:" >&2; tail -5 "$work/err.txt" >&2; return 1; }
    read -r wall user sys rss < "$work/time.txt"
    printf '%s|%s|%s|%s\n' "$label" "$wall" "$(echo "$user + $sys" | bc)" "$((rss / 1024))"
}

results=()
# hyperfine for the timing (several runs), GNU time for RSS and CPU.
cold_prepare="rm -rf $work/state $work/alerts.jsonl"
hyperfine --style none --runs 5 --prepare "$cold_prepare" \
    --export-csv "$work/cold.csv" "$binary once --config $work/newswatch.toml" >/dev/null 2>&1
hyperfine --style none --runs 10 --warmup 1 \
    --export-csv "$work/warm.csv" "$binary once --config $work/newswatch.toml" >/dev/null 2>&1
# The median from hyperfine's CSV (command,mean,stddev,median,user,system,
# min,max), counted from the end in case the command holds a comma.
median() { awk -F, 'NR == 2 {printf "%.3f\n", $(NF - 4)}' "$1"; }

rm -rf "$work/state" "$work/alerts.jsonl"
results+=("$(measure "newswatch cold" "$binary" once --config "$work/newswatch.toml")|$(median "$work/cold.csv")")
# A benchmark of failures would be meaningless: every feed must have come.
grep -q "polled $feeds feeds: $feeds fetched, 0 unchanged, 0 failed" "$work/err.txt" || {
    echo "bench: the cold run did not fetch every feed:" >&2; grep -m3 -E "failed|error" "$work/err.txt" >&2; exit 1; }
results+=("$(measure "newswatch warm" "$binary" once --config "$work/newswatch.toml")|$(median "$work/warm.csv")")

# Peers, where installed, on the same URLs (NEWSWATCH_BENCH_PEERS=0 skips
# them: at 10,000 feeds feed2exec alone takes most of an hour).
peers=${NEWSWATCH_BENCH_PEERS:-1}
if [ "$peers" != 0 ] && command -v newsboat >/dev/null; then
    mkdir -p "$work/newsboat"
    cp "$work/urls.txt" "$work/newsboat/urls"
    nb=(newsboat -u "$work/newsboat/urls" -c "$work/newsboat/cache.db" -x reload)
    results+=("$(measure "newsboat cold" "${nb[@]}")|")
    results+=("$(measure "newsboat warm" "${nb[@]}")|")
fi
if [ "$peers" != 0 ] && command -v feed2exec >/dev/null; then
    # Its config file written directly: `feed2exec add` per feed takes
    # longer than the benchmark.
    n=0; while read -r url; do
        n=$((n + 1)); printf '[f%d]\nurl = %s\noutput = feed2exec.plugins.null\n\n' "$n" "$url"
    done < "$work/urls.txt" > "$work/feed2exec.ini"
    f2e=(feed2exec --config "$work/feed2exec.ini" --database "$work/feed2exec.db" fetch)
    results+=("$(measure "feed2exec cold" "${f2e[@]}")|")
    results+=("$(measure "feed2exec warm" "${f2e[@]}")|")
fi
if [ "$peers" != 0 ] && command -v r2e >/dev/null; then
    {
        printf '[DEFAULT]\nto = bench@example.org\nfrom = bench@example.org\n\n'
        n=0; while read -r url; do n=$((n + 1)); printf '[feed.f%d]\nurl = %s\n\n' "$n" "$url"; done < "$work/urls.txt"
    } > "$work/rss2email.cfg"
    r2e=(r2e -c "$work/rss2email.cfg" -d "$work/rss2email.json" run --no-send)
    results+=("$(measure "rss2email cold" "${r2e[@]}")|")
    results+=("$(measure "rss2email warm" "${r2e[@]}")|")
fi

echo "## $feeds feeds x $items items ($total_items items), $(date -u +%Y-%m-%d), $(nproc) cores, $(uname -m)"
echo
echo "| run | wall (s) | hyperfine median (s) | CPU (s) | peak RSS (MB) | items/s | x newswatch |"
echo "|---|---|---|---|---|---|---|"
for row in "${results[@]}"; do
    IFS='|' read -r label wall cpu rss med <<< "$row"
    base_label="newswatch ${label##* }"
    base=$(printf '%s\n' "${results[@]}" | grep "^$base_label|" | cut -d'|' -f2)
    ratio=$(echo "scale=1; $wall / $base" | bc 2>/dev/null || echo "-")
    rate=$(echo "scale=0; $total_items / $wall" | bc 2>/dev/null || echo "-")
    echo "| $label | $wall | ${med:--} | $cpu | $rss | $rate | $ratio |"
done
echo
echo "alerts written: $(wc -l < "$work/alerts.jsonl" 2>/dev/null || echo 0)"

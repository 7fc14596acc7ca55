#!/usr/bin/env bash
# A soak run of the daemon: FEEDS feeds on a 5-minute interval served by
# nginx, with churn (every minute CHURN feeds are replaced by new content,
# so new items arrive and old ones leave) and a short retention (so old
# keys are pruned). Samples the daemon's CPU and RSS every 30 seconds and
# prints the average CPU (percent of one core) and the RSS over time.
# The corpus comes from bench/genfeeds, nginx from bench/serve.sh.
#
# Usage: bench/soak.sh [MINUTES] [FEEDS] [CHURN] [PORT]   (default 20 10000 100 8095)
set -euo pipefail
cd "$(dirname "$0")/.."

minutes=${1:-20}
feeds=${2:-10000}
churn=${3:-100}
port=${4:-8095}
target=${CARGO_TARGET_DIR:-$(pwd)/target}
work=$(mktemp -d "${TMPDIR:-/tmp}/newswatch-soak.XXXXXX")
daemon=""   # set once the daemon runs; the trap reads it
chmod 755 "$work"
trap 'kill "$daemon" 2>/dev/null || true; bash bench/serve.sh --stop "$work/corpus" 2>/dev/null || true; rm -rf "$work"' EXIT

cargo build --release --locked --quiet
genfeeds() { cargo run --release --locked --quiet --example genfeeds -- "$@" >/dev/null; }
genfeeds "$work/corpus" --feeds "$feeds" --items 50
# Churn alternates each chosen feed between its original and another
# version (another seed), generated once up front.
cp -r "$work/corpus/feeds" "$work/original"
genfeeds "$work/other" --feeds "$feeds" --items 50 --seed 99
bash bench/serve.sh "$work/corpus" "$port" >/dev/null
sed "s/{PORT}/$port/" "$work/corpus/urls.txt" > "$work/urls.txt"
{
    printf '[state]\ndirectory = "%s/state"\n\n[http]\nlisten = ""\n\n' "$work"
    printf '[poll]\ninterval = "5m"\nstartup_spread = "5m"\nconcurrency = 32\nper_host = 32\nbacklog = "all"\n\n'
    printf '[dedup]\nretention = "10m"\n\n'
    while read -r url; do printf '[[feed]]\nurl = "%s"\n' "$url"; done < "$work/urls.txt"
    sed -n '/^\[\[watch\]\]/,/^# -\{10,\} sinks/p' config/newswatch.toml | sed '$d'
    printf '\n[[sink]]\ntype = "file"\npath = "%s/alerts.jsonl"\n' "$work"
} > "$work/newswatch.toml"

"$target/release/newswatch" run --config "$work/newswatch.toml" 2>"$work/daemon.log" &
daemon=$!
ticks=$(getconf CLK_TCK)
cpu() { awk '{print $14 + $15}' "/proc/$daemon/stat"; }
rss() { awk '/VmRSS/ {print int($2 / 1024)}' "/proc/$daemon/status"; }

# The first interval polls every feed once (cold); measure after it.
sleep 330
start_cpu=$(cpu); start=$(date +%s)
echo "minute  rss_mb  cpu_percent_since_start"
for ((second = 30; second <= minutes * 60; second += 30)); do
    sleep 30
    if ((second % 60 == 0)); then
        # Churn: some feeds switch to their other version.
        for name in $(ls "$work/original" | shuf -n "$churn"); do
            if cmp -s "$work/corpus/feeds/$name" "$work/original/$name"; then
                cp "$work/other/feeds/$name" "$work/corpus/feeds/$name"
            else
                cp "$work/original/$name" "$work/corpus/feeds/$name"
            fi
        done
    fi
    now=$(date +%s)
    used=$(( $(cpu) - start_cpu ))
    printf '%6.1f  %6d  %5.2f\n' "$(echo "$second / 60" | bc -l)" "$(rss)" "$(echo "100 * $used / $ticks / ($now - $start)" | bc -l)"
done
echo "alerts: $(wc -l < "$work/alerts.jsonl"); pruned: $(grep -c 'store pruned' "$work/daemon.log")"

#!/usr/bin/env bash
# A repeatable benchmark of a fleet: INSTANCES newswatch daemons (`run`)
# sharing one PostgreSQL database, polling FEEDS feeds of a generated
# corpus (bench/genfeeds) served by nginx on loopback; then, for
# comparison, one daemon alone on a fresh database and the same corpus.
# PostgreSQL is a private cluster started for the run (fsync on: the cost
# measured is the real one), with pg_stat_statements loaded.
#
# For each run it prints, as Markdown:
#   cold cycle   from the daemons' start on an empty database until every
#                feed has been polled once with success (checked in the
#                database every 0.2 s): wall time, the database's CPU
#                (utime+stime of the postmaster and its children, and what
#                the postmaster reaped of children that exited), the
#                statements' execution time and calls per poll
#                (pg_stat_statements), and the top statements by calls;
#   warm phase   WARM_SECONDS more with the feeds due every 20 s: polls
#                recorded, nginx requests, the duplicate-fetch ratio
#                (requests / polls recorded) and queries per poll;
#   per daemon   its peak RSS (VmHWM), and its polls in each phase (from
#                its /metrics, on loopback): how the fleet shares the work;
#   requests     per feed, from nginx's access log, in the warm phase and
#                over the whole run (max and mean), and the requests that
#                came less than half an interval after the same feed's
#                last: a fleet must not fetch a feed more often than one
#                daemon does.
#
# Usage: bench/fleet.sh [FEEDS] [INSTANCES] [ITEMS] [WARM_SECONDS]
#                                             (default 10000 3 20 60)
#        bash bench/fleet.sh 1000 3 10 20     (a quick run)
#        NEWSWATCH_BENCH_PORT=8091            nginx's port
#        NEWSWATCH_BENCH_PG_PORT=55432        the private cluster's port
#        NEWSWATCH_BENCH_METRICS_PORT=9480    daemon i's /metrics on this port + i
#        NEWSWATCH_BENCH_DEADLINE=600         seconds a cold cycle may take
#        NEWSWATCH_BENCH_KEEP=1               keep the work directory (logs,
#                                             configs, nginx's access log)
#        NEWSWATCH_BENCH_BINARY=/tmp/old/newswatch bench/fleet.sh
#            (that binary instead of this tree's release build)
# Needs: nginx, PostgreSQL (initdb, pg_ctl, psql and pg_stat_statements,
# in /usr/lib/postgresql/*/bin), bc, pgrep
# (apt-get install nginx-light postgresql bc procps). Run as root, the
# cluster runs as the user postgres.
set -euo pipefail
# Before changing directory: a binary named relative to where we started.
source "$(dirname "$0")/binary.sh"
cd "$(dirname "$0")/.."

feeds=${1:-10000}
instances=${2:-3}
items=${3:-20}
warm=${4:-60}
port=${NEWSWATCH_BENCH_PORT:-8091}
pgport=${NEWSWATCH_BENCH_PG_PORT:-55432}
metrics_port=${NEWSWATCH_BENCH_METRICS_PORT:-9480}
deadline=${NEWSWATCH_BENCH_DEADLINE:-600}
for value in "$feeds" "$instances" "$items" "$warm" "$port" "$pgport" "$metrics_port" "$deadline"; do
    [[ "$value" =~ ^[0-9]+$ ]] || { echo "bench: $value is not a number" >&2; exit 2; }
done
((instances >= 1 && instances <= 26)) || { echo "bench: INSTANCES must be 1 to 26" >&2; exit 2; }

# Every daemon's [poll]: per_host is the fleet-wide budget of the one host
# all feeds are on (127.0.0.1), so it is at least every instance's
# concurrency together: the host budget is not the bottleneck.
concurrency=32
per_host=$((instances * concurrency > 64 ? instances * concurrency : 64))
interval=20s
root=$(pwd)
target=${CARGO_TARGET_DIR:-$root/target}

# ------------------------------------------------------------------ tools
hint="apt-get install nginx-light postgresql bc procps"
for tool in nginx psql bc awk pgrep getconf; do
    command -v "$tool" >/dev/null || { echo "bench: $tool is missing ($hint)" >&2; exit 1; }
done
pgversion=$(ls /usr/lib/postgresql 2>/dev/null | sort -n | tail -1)
pgbin=/usr/lib/postgresql/$pgversion/bin
for tool in initdb pg_ctl postgres; do
    [ -x "$pgbin/$tool" ] || { echo "bench: PostgreSQL's $tool is missing from /usr/lib/postgresql/*/bin ($hint)" >&2; exit 1; }
done
[ -f "$("$pgbin/pg_config" --pkglibdir 2>/dev/null || echo /usr/lib/postgresql/$pgversion/lib)/pg_stat_statements.so" ] ||
    { echo "bench: pg_stat_statements is missing from PostgreSQL $pgversion ($hint)" >&2; exit 1; }
# PostgreSQL refuses to run as root: as root, its commands run as postgres.
if [ "$(id -u)" = 0 ]; then
    id postgres >/dev/null 2>&1 || { echo "bench: run as root, the cluster needs the user postgres ($hint)" >&2; exit 1; }
    as_pg() { runuser -u postgres -- "$@"; }
else
    as_pg() { "$@"; }
fi
listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
listening "$port" && { echo "bench: port $port is in use (NEWSWATCH_BENCH_PORT)" >&2; exit 1; }
listening "$pgport" && { echo "bench: port $pgport is in use (NEWSWATCH_BENCH_PG_PORT)" >&2; exit 1; }
for ((i = 0; i < instances; i++)); do
    listening $((metrics_port + i)) && { echo "bench: port $((metrics_port + i)) is in use (NEWSWATCH_BENCH_METRICS_PORT)" >&2; exit 1; }
done

work=$(mktemp -d "${TMPDIR:-/tmp}/newswatch-fleet.XXXXXX")
chmod 755 "$work"   # nginx's workers and postgres read in it as other users
pids=()             # the running daemons; the trap stops them
names=()
ports=()            # their /metrics ports

cleanup() {
    stop_daemons >/dev/null 2>&1 || true
    [ -s "$work/corpus/.nginx/nginx.pid" ] && bash bench/serve.sh --stop "$work/corpus" 2>/dev/null || true
    [ -s "$work/pg/postmaster.pid" ] && as_pg "$pgbin/pg_ctl" -D "$work/pg" -m fast -w stop >/dev/null 2>&1 || true
    if [ "${NEWSWATCH_BENCH_KEEP:-0}" = 1 ]; then
        echo "bench: kept $work" >&2
    else
        rm -rf "$work"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

binary=$(bench_binary "$target")

# ------------------------------------------------------------------ PostgreSQL

# psql as the cluster's superuser, on loopback, unaligned and bare.
sql() {
    as_pg env PGOPTIONS="-c client_min_messages=warning" \
        "$pgbin/psql" -X -q -A -t -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$pgport" -U postgres "$@"
}

# A private cluster in the work directory: loopback only, its socket in
# the work directory, pg_stat_statements tracking nested statements too.
start_pg() {
    mkdir -p "$work/pg" "$work/pgsock"
    [ "$(id -u)" = 0 ] && chown postgres: "$work/pg" "$work/pgsock"
    as_pg "$pgbin/initdb" -D "$work/pg" -U postgres -A trust -E UTF8 >"$work/initdb.log" 2>&1 ||
        { echo "bench: initdb failed:" >&2; tail -5 "$work/initdb.log" >&2; exit 1; }
    as_pg "$pgbin/pg_ctl" -D "$work/pg" -l "$work/pgsock/postgres.log" -w -t 60 start -o \
        "-c listen_addresses=127.0.0.1 -p $pgport -c unix_socket_directories=$work/pgsock \
         -c shared_preload_libraries=pg_stat_statements -c max_connections=200 \
         -c pg_stat_statements.track=all -c pg_stat_statements.max=20000" >/dev/null ||
        { echo "bench: PostgreSQL did not start:" >&2; tail -5 "$work/pgsock/postgres.log" >&2; exit 1; }
    sql -d postgres -c "CREATE ROLE newswatch LOGIN PASSWORD 'newswatch'"
}

# An empty database newswatch (dropped first if there is one), owned by
# the daemons' role, with pg_stat_statements; then a checkpoint, so the
# previous run's dirty pages are not this one's cost.
fresh_database() {
    sql -d postgres -c "DROP DATABASE IF EXISTS newswatch" -c "CREATE DATABASE newswatch OWNER newswatch"
    sql -d newswatch -c "CREATE EXTENSION pg_stat_statements" -c "CHECKPOINT"
}

postmaster() { head -1 "$work/pg/postmaster.pid"; }

# CPU ticks of the cluster: utime+stime (fields 14 and 15 of
# /proc/PID/stat) of the postmaster and of each of its children, plus the
# postmaster's cutime+cstime (16 and 17): what it reaped of children that
# exited, so a backend gone during the window still counts. The fields are
# counted after the command name, which may hold spaces.
pg_ticks() {
    local master pid total=0 ticks
    master=$(postmaster)
    for pid in "$master" $(pgrep -P "$master"); do
        ticks=$(sed 's/^.*) //' "/proc/$pid/stat" 2>/dev/null | awk -v master="$([ "$pid" = "$master" ] && echo 1)" \
            '{print $12 + $13 + (master ? $14 + $15 : 0)}') || ticks=0
        total=$((total + ${ticks:-0}))
    done
    echo "$total"
}

# The daemons' CPU ticks (utime+stime), together.
daemon_ticks() {
    local pid total=0 ticks
    for pid in "${pids[@]}"; do
        ticks=$(sed 's/^.*) //' "/proc/$pid/stat" 2>/dev/null | awk '{print $12 + $13}') || ticks=0
        total=$((total + ${ticks:-0}))
    done
    echo "$total"
}

clk_tck=$(getconf CLK_TCK)
seconds_of() { printf '%.2f' "$(echo "scale=4; ($1) / $clk_tck" | bc)"; }

# The statements pg_stat_statements counts in this database, without the
# bench's own: those are the superuser's (the daemons connect as
# newswatch), and their texts are left out too (the statistics
# themselves, the monitoring queries).
own="userid = (SELECT oid FROM pg_roles WHERE rolname = 'newswatch') \
     AND query NOT LIKE '%pg_stat_statements%' AND query NOT LIKE '%last_success_at IS NOT NULL%' \
     AND query NOT LIKE '%pg_sleep%' AND query NOT LIKE '%pg_tables%'"
statements="FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = 'newswatch') AND $own"

# Windows are bounded by the database's clock: the statement that resets
# or reads the statistics says when it ran (epoch seconds), and nginx's
# log is cut at those times (its $msec, the same machine's clock), so
# that the polls and the requests counted are of the same window.

# Resets the statistics; prints when.
reset_statements() {
    sql -d newswatch -c "SELECT EXTRACT(EPOCH FROM clock_timestamp()) FROM (SELECT pg_stat_statements_reset()) AS reset"
}

# "time calls exec_ms polls evicted feeds_polled": when it was read, the
# total calls, the total execution time (ms), the polls recorded (each
# recorded poll upserts its feed's row once), how many entries
# pg_stat_statements evicted for room since the reset (then the counts
# fall short: the batched statements take an entry per row count), and
# how many feeds were polled since $1 (epoch seconds).
statement_totals() {
    sql -d newswatch -F ' ' -c "SELECT EXTRACT(EPOCH FROM clock_timestamp()), \
        COALESCE(SUM(calls), 0), ROUND(COALESCE(SUM(total_exec_time), 0)::numeric), \
        COALESCE(SUM(calls) FILTER (WHERE query LIKE 'INSERT INTO feeds %'), 0), \
        (SELECT dealloc FROM pg_stat_statements_info), \
        (SELECT COUNT(*) FROM feeds WHERE last_poll_at >= ($1 * 1000)::bigint) $statements"
}

# The top 8 statements by calls, as Markdown rows.
top_statements() {
    sql -d newswatch -F $'\t' -c "SELECT LEFT(REGEXP_REPLACE(query, '\\s+', ' ', 'g'), 90), calls, \
        ROUND(mean_exec_time::numeric, 3) $statements ORDER BY calls DESC LIMIT 8" |
        awk -F '\t' '{gsub(/\|/, "\\|", $1); printf "| `%s` | %s | %s |\n", $1, $2, $3}'
}

# Waits until the SQL condition holds, checking it every 0.2 s within one
# session (5 s per session, so that the daemons and the deadline are
# checked between, and the bench costs the database few connections);
# fails after `limit` seconds. Each check is a query of its own, so it
# sees what was committed meanwhile (to_regclass() would not: within one
# transaction it keeps its view of the catalog).
wait_for_sql() {
    local condition=$1 limit=$2 start=$SECONDS holds
    while :; do
        holds=$(sql -d newswatch \
            -c "DO \$\$ BEGIN FOR i IN 1..25 LOOP EXIT WHEN ($condition); PERFORM pg_sleep(0.2); END LOOP; END \$\$" \
            -c "SELECT ($condition)")
        [ "$holds" = t ] && return 0
        check_daemons
        if ((SECONDS - start > limit)); then
            echo "bench: after ${limit}s, still not: $condition" >&2
            for name in "${names[@]}"; do
                echo "--- $name's log, last lines:" >&2; tail -5 "$work/$name/daemon.log" >&2
            done
            exit 1
        fi
    done
}

# ------------------------------------------------------------------ nginx

# nginx as bench/serve.sh starts it, from bench/nginx.conf with access
# logging on (the request, its time and status), since the requests per
# feed are counted from the log. bench/nginx.conf stays as it is.
start_nginx() {
    local dir=$work/corpus escaped
    grep -q '^ *access_log off;' bench/nginx.conf ||
        { echo "bench: bench/nginx.conf has no 'access_log off;' line to replace" >&2; exit 1; }
    mkdir -p "$dir/.nginx/tmp"
    escaped=$(printf '%s' "$dir" | sed 's/[\\|&]/\\&/g')
    sed -e "s|^\( *\)access_log off;|\1log_format fleet '\$msec \$request_uri \$status';\n\1access_log \"@DIR@/.nginx/access.log\" fleet;|" \
        -e "s|@DIR@|$escaped|g" -e "s|@PORT@|$port|g" bench/nginx.conf > "$dir/.nginx/nginx.conf"
    nginx -c "$dir/.nginx/nginx.conf" -e "$dir/.nginx/error.log"
    for _ in $(seq 100); do [ -s "$dir/.nginx/nginx.pid" ] && break; sleep 0.05; done
    [ -s "$dir/.nginx/nginx.pid" ] || { echo "bench: nginx wrote no pid file; see $dir/.nginx/error.log" >&2; exit 1; }
    touch "$dir/.nginx/access.log"
}
access_log=$work/corpus/.nginx/access.log
# The log's lines of requests answered after time $1 up to time $2.
log_between() { awk -v from="$1" -v to="$2" '$1 > from && $1 <= to' "$access_log"; }
# "requests 200s 304s others" between two times.
request_counts() {
    log_between "$1" "$2" | awk '{n++; s[$3 == 200 ? "ok" : $3 == 304 ? "nm" : "other"]++}
        END {printf "%d %d %d %d\n", n, s["ok"], s["nm"], s["other"]}'
}
# "max mean feeds near" of requests per feed between two times: the
# most any feed had, the mean, how many feeds had any, and how many
# requests came less than half an interval after the same feed's last
# (a feed fetched twice for one due time).
requests_per_feed() {
    log_between "$1" "$2" | awk -v feeds="$feeds" -v half="$((${interval%s} / 2))" '
        {n[$2]++; total++; if ($2 in last && $1 - last[$2] < half) near++; last[$2] = $1}
        END {for (f in n) {if (n[f] > max) max = n[f]; seen++}
             printf "%d %.2f %d %d\n", max, total / feeds, seen, near}'
}

# ------------------------------------------------------------------ daemons

# Instance `name`'s config in $work/name: every feed, the shipped watch
# lists, a file sink. The files differ only in [daemon] instance, [state]
# and [http] (each machine's own, left out of the fleet's config
# fingerprint: the endpoint on loopback, for its /metrics, at port
# `port`); the sink's path is relative, so that each daemon, started
# in its own directory, writes its own file while the fleet sees one
# config. max_server_delay = "0s": the corpus's RSS feeds say <ttl>15</ttl>,
# which would keep them from being polled again in the warm phase.
write_config() {
    local name=$1 port=$2 dir=$work/$1
    mkdir -p "$dir"
    {
        printf '[state]\ndirectory = "%s/state"\n' "$dir"
        printf 'database = "postgres://newswatch:newswatch@127.0.0.1:%s/newswatch"\n\n' "$pgport"
        printf '[daemon]\ninstance = "%s"\n\n[http]\nlisten = "127.0.0.1:%s"\n\n' "$name" "$port"
        printf '[poll]\nconcurrency = %d\nper_host = %d\nbacklog = "all"\n' "$concurrency" "$per_host"
        printf 'interval = "%s"\nstartup_spread = "0s"\nmax_server_delay = "0s"\n\n' "$interval"
        cat "$work/feeds.toml"
        sed -n '/^\[\[watch\]\]/,/^# -\{10,\} sinks/p' config/newswatch.toml | sed '$d'
        printf '\n[[sink]]\ntype = "file"\npath = "alerts.jsonl"\n'
    } > "$dir/newswatch.toml"
}

start_daemon() {
    local name=$1 port=$2 dir=$work/$1
    write_config "$name" "$port"
    (cd "$dir" && exec "$binary" run --config "$dir/newswatch.toml") >"$dir/stdout.log" 2>"$dir/daemon.log" &
    pids+=("$!")
    names+=("$name")
    ports+=("$port")
}

# The polls daemon i has made (every outcome), from its /metrics.
polls_of() {
    timeout 10 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$0" &&
        printf "GET /metrics HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n" >&3 && cat <&3' "${ports[$1]}" |
        awk '/^newswatch_polls_total\{/ {n += $2} END {print n + 0}'
}

# Whether process $1 is gone (or a zombie waiting to be reaped).
exited() {
    local state
    state=$(sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null | awk '{print $1}') || true
    [ -z "$state" ] || [ "$state" = Z ]
}

# Fails, with the log's tail, when a daemon has exited.
check_daemons() {
    local i
    for i in "${!pids[@]}"; do
        if exited "${pids[$i]}"; then
            echo "bench: daemon ${names[$i]} (pid ${pids[$i]}) exited early; its log ends:" >&2
            tail -20 "$work/${names[$i]}/daemon.log" >&2
            exit 1
        fi
    done
}

# Daemon i's peak RSS (MB).
peak_rss() { awk '/^VmHWM/ {print int($2 / 1024)}' "/proc/${pids[$1]}/status"; }

# SIGTERM to every daemon, and waits for each (60 s at most, then SIGKILL).
stop_daemons() {
    local i pid rc
    for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for i in "${!pids[@]}"; do
        pid=${pids[$i]}
        for _ in $(seq 600); do exited "$pid" && break; sleep 0.1; done
        if ! exited "$pid"; then
            echo "bench: daemon ${names[$i]} did not stop within 60 s; killed" >&2
            kill -KILL "$pid" 2>/dev/null || true
        fi
        rc=0; wait "$pid" 2>/dev/null || rc=$?
        [ "$rc" = 0 ] || echo "bench: daemon ${names[$i]} exited with status $rc" >&2
    done
    pids=()
    names=()
    ports=()
}

# ------------------------------------------------------------------ one run

declare -A R   # results, by "run.key"

# One run: the given instances on a fresh database; cold cycle, warm
# phase, RSS, the fleet's listing, then the daemons stopped.
run_phase() {
    local run=$1; shift
    local t0 t1 pg0 pg1 from to d0 d1 calls exec polls evicted polled i
    local -a cold_polls=() warm_polls=()
    fresh_database
    reset_statements >/dev/null
    pg0=$(pg_ticks); t0=$(date +%s.%N)
    i=0; for name in "$@"; do start_daemon "$name" $((metrics_port + i)); i=$((i + 1)); done

    # Cold: until every feed has had a successful poll.
    wait_for_sql "EXISTS (SELECT FROM pg_tables WHERE schemaname = 'public' AND tablename = 'feeds')" 120
    wait_for_sql "(SELECT COUNT(*) FROM feeds WHERE last_success_at IS NOT NULL) >= $feeds" "$deadline"
    t1=$(date +%s.%N)
    read -r to calls exec polls evicted polled <<< "$(statement_totals 0)"
    for i in "${!pids[@]}"; do cold_polls[i]=$(polls_of "$i"); done
    pg1=$(pg_ticks); d0=$(daemon_ticks)
    R[$run.cold_wall]=$(printf '%.1f' "$(echo "$t1 - $t0" | bc)")
    R[$run.cold_db_cpu]=$(seconds_of "$pg1 - $pg0")
    R[$run.cold_daemon_cpu]=$(seconds_of "$d0")
    R[$run.cold_calls]=$calls; R[$run.cold_exec]=$exec; R[$run.cold_polls]=$polls; R[$run.cold_evicted]=$evicted
    R[$run.cold_qpf]=$(printf '%.1f' "$(echo "scale=3; $calls / $feeds" | bc)")
    R[$run.cold_qpp]=$(printf '%.1f' "$(echo "scale=3; $calls / $polls" | bc)")
    R[$run.cold_top]=$(top_statements)
    R[$run.cold_requests]=$(request_counts "$t0" "$to")

    # Warm: the daemons keep running; the feeds come due every 20 s.
    from=$(reset_statements)
    pg0=$(pg_ticks); d0=$(daemon_ticks)
    for ((s = 0; s < warm; s++)); do sleep 1; check_daemons; done
    read -r to calls exec polls evicted polled <<< "$(statement_totals "$from")"
    for i in "${!pids[@]}"; do warm_polls[i]=$(($(polls_of "$i") - cold_polls[i])); done
    pg1=$(pg_ticks); d1=$(daemon_ticks)
    R[$run.warm_feeds]=$polled
    R[$run.warm_secs]=$(printf '%.1f' "$(echo "$to - $from" | bc)")
    R[$run.warm_daemon_cpu]=$(seconds_of "$d1 - $d0")
    R[$run.warm_db_cpu]=$(seconds_of "$pg1 - $pg0")
    R[$run.warm_calls]=$calls; R[$run.warm_exec]=$exec; R[$run.warm_polls]=$polls; R[$run.warm_evicted]=$evicted
    R[$run.warm_qpp]=$( ((polls > 0)) && printf '%.1f' "$(echo "scale=3; $calls / $polls" | bc)" || echo -)
    R[$run.warm_top]=$(top_statements)
    R[$run.warm_requests]=$(request_counts "$from" "$to")
    R[$run.warm_per_feed]=$(requests_per_feed "$from" "$to")

    R[$run.daemons]=$(for i in "${!pids[@]}"; do
        echo "${names[$i]} $(peak_rss "$i") ${cold_polls[$i]} ${warm_polls[$i]}"
    done)
    R[$run.listing]=$("$binary" fleet --config "$work/$1/newswatch.toml" 2>&1 || true)
    stop_daemons
    R[$run.per_feed]=$(requests_per_feed "$t0" "$(date +%s.%N)")
}

# WARN and ERROR lines of the run's daemon logs, counted per message (the
# time and the fields cut off).
log_problems() {
    local name
    for name in "$@"; do cat "$work/$name/daemon.log"; done |
        sed 's/\x1b\[[0-9;]*m//g' | { grep -E ' (WARN|ERROR) ' || true; } |
        sed -E 's/^[^ ]+ +(WARN|ERROR) +/\1 /; s/ [a-z_.]+=.*$//' |
        sort | uniq -c | sort -rn | head -20
}

# ------------------------------------------------------------------ the runs

cargo run --release --locked --quiet --example genfeeds -- \
    "$work/corpus" --feeds "$feeds" --items "$items" >/dev/null
start_nginx
sed "s/{PORT}/$port/" "$work/corpus/urls.txt" | while read -r url; do
    printf '[[feed]]\nurl = "%s"\n' "$url"
done > "$work/feeds.toml"
start_pg

fleet_names=()
for ((i = 0; i < instances; i++)); do fleet_names+=("$(printf "\\x$(printf %x $((97 + i)))")"); done
run_phase fleet "${fleet_names[@]}"
fleet_problems=$(log_problems "${fleet_names[@]}")
run_phase single solo
single_problems=$(log_problems solo)

# ------------------------------------------------------------------ report

label() { [ "$1" = fleet ] && echo "fleet ($instances)" || echo "single"; }
rate() { printf '%.0f' "$(echo "scale=3; $1 / $2" | bc)"; }
ratio() { [ "$2" -gt 0 ] && printf '%.3f' "$(echo "scale=5; $1 / $2" | bc)" || echo -; }

echo "## Fleet: $feeds feeds x $items items, $instances daemons vs 1, $(date -u +%Y-%m-%d), $(nproc) cores, $(uname -m), PostgreSQL $pgversion"
echo
echo "Each daemon: concurrency $concurrency, per_host $per_host (the fleet-wide budget of the one host), interval $interval, startup_spread 0s, backlog all; the database on loopback with fsync on."
echo
echo "### Cold cycle: from the start on an empty database until every feed has been polled once"
echo
echo "| run | wall (s) | feeds/s | polls recorded | requests (200/304/other) | DB CPU (s) | DB exec time (ms) | queries | queries/feed | queries/poll | daemon CPU (s) |"
echo "|---|---|---|---|---|---|---|---|---|---|---|"
for run in fleet single; do
    read -r n ok nm other <<< "${R[$run.cold_requests]}"
    echo "| $(label $run) | ${R[$run.cold_wall]} | $(rate "$feeds" "${R[$run.cold_wall]}") | ${R[$run.cold_polls]} | $n ($ok/$nm/$other) | ${R[$run.cold_db_cpu]} | ${R[$run.cold_exec]} | ${R[$run.cold_calls]} | ${R[$run.cold_qpf]} | ${R[$run.cold_qpp]} | ${R[$run.cold_daemon_cpu]} |"
done
echo
echo "queries: pg_stat_statements calls in the window, the bench's own left out; queries/feed divides them by the $feeds feeds, queries/poll by the polls recorded (the feeds' upserts, one per written poll: more than the feeds when some came due again, every $interval, before the cycle ended). DB CPU: the cluster's processes, the monitoring query every 0.2 s included."
echo
echo "### Warm phase: $warm s after the cold cycle, feeds due every $interval"
echo
echo "| run | polls recorded | polls/s | feeds polled | requests (200/304/other) | duplicate-fetch ratio | queries/poll | DB CPU (s) | DB exec time (ms) | daemon CPU (s) |"
echo "|---|---|---|---|---|---|---|---|---|---|"
for run in fleet single; do
    read -r n ok nm other <<< "${R[$run.warm_requests]}"
    echo "| $(label $run) | ${R[$run.warm_polls]} | $(rate "${R[$run.warm_polls]}" "${R[$run.warm_secs]}") | ${R[$run.warm_feeds]} | $n ($ok/$nm/$other) | $(ratio "$n" "${R[$run.warm_polls]}") | ${R[$run.warm_qpp]} | ${R[$run.warm_db_cpu]} | ${R[$run.warm_exec]} | ${R[$run.warm_daemon_cpu]} |"
done
echo
echo "duplicate-fetch ratio: nginx requests / polls recorded in the window (1.000: no fetch without its poll written; a poll in flight at either end of the window counts on one side only, which matters when the end falls in a burst of polls). Feeds polled: feeds whose last poll started in the window."
echo
echo "### Per daemon: peak RSS, and its share of the polls"
echo
echo "| run | daemon | peak RSS (MB) | polls, cold cycle | polls, warm phase |"
echo "|---|---|---|---|---|"
for run in fleet single; do
    while read -r name rss cold warm_polls; do
        echo "| $(label $run) | $name | $rss | $cold | $warm_polls |"
    done <<< "${R[$run.daemons]}"
done
echo
echo "Polls: the daemon's own count (newswatch_polls_total), read when the cold cycle ended and when the warm phase did."
echo
echo "### Requests per feed (nginx's access log)"
echo
echo "| run | window | max | mean | feeds requested | requests < $((${interval%s} / 2)) s after the feed's last |"
echo "|---|---|---|---|---|---|"
for run in fleet single; do
    read -r max mean seen near <<< "${R[$run.warm_per_feed]}"
    echo "| $(label $run) | warm phase (${R[$run.warm_secs]} s) | $max | $mean | $seen of $feeds | $near |"
    read -r max mean seen near <<< "${R[$run.per_feed]}"
    echo "| $(label $run) | whole run (cold $(printf '%.0f' "${R[$run.cold_wall]}") s + warm) | $max | $mean | $seen of $feeds | $near |"
done
echo
echo "The warm phase is the like-for-like comparison (the same length for both); the whole run lasts as long as its cold cycle did. A feed fetched twice for one due time shows in the last column."
for run in fleet single; do
    for phase in cold warm; do
        if [ "${R[$run.${phase}_evicted]}" != 0 ]; then
            echo
            echo "**pg_stat_statements evicted ${R[$run.${phase}_evicted]} entries in the $(label $run) $phase window: its counts there fall short.**"
        fi
    done
done
for run in fleet single; do
    for phase in cold warm; do
        echo
        echo "### Top statements by calls: $(label $run), $phase"
        echo
        echo "| statement | calls | mean (ms) |"
        echo "|---|---|---|"
        echo "${R[$run.${phase}_top]}"
    done
done
for run in fleet single; do
    echo
    echo "### \`newswatch fleet\` before the daemons stopped: $(label $run)"
    echo
    echo '```'
    echo "${R[$run.listing]}"
    echo '```'
done
echo
echo "### WARN and ERROR lines in the daemons' logs, per message"
echo
echo '```'
echo "fleet:"; echo "${fleet_problems:-  none}"
echo "single:"; echo "${single_problems:-  none}"
echo '```'
if grep -q ERROR <<< "$fleet_problems$single_problems"; then
    echo "bench: the daemons logged errors; see the report's last section" >&2
fi

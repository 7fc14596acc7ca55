#!/usr/bin/env bash
# Serves a directory over HTTP on loopback with a real nginx configured
# from bench/nginx.conf (ETag and Last-Modified on, so conditional GETs
# answer 304; gzip on). nginx's pid file, error log and temp files go in
# DIR/.nginx. Used by bench/run.sh, bench/soak.sh and tests/it/nginx.rs.
#
# Usage: bench/serve.sh DIR PORT     starts nginx in the background, prints its pid
#        bench/serve.sh --stop DIR   stops the nginx started for DIR
# Needs nginx (Debian: apt-get install -y nginx-light).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)

# Waits up to 5 s for a condition (a command), polling.
wait_for() {
    for _ in $(seq 100); do "$@" && return 0; sleep 0.05; done
    return 1
}
gone() { ! kill -0 "$1" 2>/dev/null; }

if [[ "${1:-}" == "--stop" ]]; then
    dir=$(cd "${2:?usage: serve.sh --stop DIR}" && pwd)
    pid=$(cat "$dir/.nginx/nginx.pid")
    kill "$pid"
    wait_for gone "$pid" || { echo "serve.sh: nginx $pid did not stop" >&2; exit 1; }
    exit 0
fi

dir=$(cd "${1:?usage: serve.sh DIR PORT}" && pwd)
port=${2:?usage: serve.sh DIR PORT}
[[ "$port" =~ ^[0-9]+$ ]] || { echo "serve.sh: PORT must be a number, not $port" >&2; exit 2; }
command -v nginx >/dev/null || { echo "serve.sh: nginx is missing (apt-get install -y nginx-light)" >&2; exit 1; }
mkdir -p "$dir/.nginx/tmp"
rm -f "$dir/.nginx/nginx.pid"
# The directory goes into a sed replacement: escape what sed would read.
escaped=$(printf '%s' "$dir" | sed 's/[\\|&]/\\&/g')
sed -e "s|@DIR@|$escaped|g" -e "s|@PORT@|$port|g" "$here/nginx.conf" > "$dir/.nginx/nginx.conf"
# nginx listens before its first process exits; the daemon it leaves
# behind writes the pid file a moment later.
nginx -c "$dir/.nginx/nginx.conf" -e "$dir/.nginx/error.log"
wait_for test -s "$dir/.nginx/nginx.pid" || {
    echo "serve.sh: nginx wrote no pid file; see $dir/.nginx/error.log" >&2; exit 1; }
cat "$dir/.nginx/nginx.pid"

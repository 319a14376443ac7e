#!/usr/bin/env bash
# Runs the same load against the reference server and a running LesCopains node, in rounds
# (--pairs of them) whose order rotates, so each server goes first in turn, and prints a summary
# line and a JSON line per run. With --probe, the fan-out probe (bench/LesCopains.FanoutProbe) is
# one more target; with --direct, LesCopains over its direct transport (/hubs/gateway/ws, for a
# node run with DIRECT_WEBSOCKETS=true) is another.
#
#   RATE_LIMIT_MAX=1000000 LOGIN_RATE_LIMIT=1000000 REGISTER_RATE_LIMIT=1000000 ./scripts/run.sh   # one terminal
#   bench/reference/compare.sh --members 100 --rate 50 --duration 20 --senders 10 --pairs 3        # another
#
# The reference server is started here, against the PostgreSQL server of the running stack
# (DATABASE_URL overrides it), in its own table (REFERENCE_SCHEMA, see server.mjs). The server
# processes' CPU over each run's send window is reported as serverCores.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)

pairs=3 warmup=5 probe=false direct=false load_args=()
while [[ $# -gt 0 ]]; do
    case $1 in
        --pairs) pairs=$2; shift 2 ;;
        --warmup) warmup=$2; shift 2 ;;
        --probe) probe=true; shift ;;
        --direct) direct=true; shift ;;
        --members | --rate | --duration | --senders) load_args+=("$1" "$2"); shift 2 ;;
        *) echo "unknown option $1 (--members --rate --duration --senders --pairs --warmup --probe --direct)" >&2; exit 2 ;;
    esac
done

lescopains_url=${LESCOPAINS_URL:-http://127.0.0.1:3000}
reference_port=${REFERENCE_PORT:-3100}
probe_port=${PROBE_PORT:-3200}
if [[ -z ${DATABASE_URL:-} ]]; then
    # shellcheck disable=SC1091
    source "$root/data/ports.env" 2>/dev/null || true
    secret=$(sed -n 's/^PRIVATE_POSTGRES_PASSWORD=//p' "$root/data/secrets.env" 2>/dev/null || true)
    [[ -n $secret ]] || { echo "DATABASE_URL is not set and no running stack's data/secrets.env was found" >&2; exit 2; }
    DATABASE_URL="postgresql://lescopains:${secret}@127.0.0.1:${POSTGRES_PORT:-55432}/lescopains"
fi
curl -fsS -o /dev/null "$lescopains_url/health" || { echo "LesCopains is not answering at $lescopains_url (start ./scripts/run.sh first)" >&2; exit 2; }

[[ -d $here/node_modules ]] || (cd "$here" && npm ci --no-audit --no-fund)

pids=() logs=()
trap 'kill "${pids[@]}" 2>/dev/null || true; rm -f "${logs[@]}"' EXIT
start() { # start PORT COMMAND...: run a server in the background until it answers /health
    local port=$1 log
    shift
    log=$(mktemp)
    logs+=("$log")
    DATABASE_URL=$DATABASE_URL PORT=$port "$@" >"$log" 2>&1 &
    pids+=($!)
    for _ in $(seq 1 100); do
        curl -fsS -o /dev/null "http://127.0.0.1:$port/health" 2>/dev/null && return 0
        kill -0 "${pids[-1]}" 2>/dev/null || break
        sleep 0.2
    done
    cat "$log" >&2
    exit 1
}
start "$reference_port" node "$here/server.mjs"
reference_pid=${pids[-1]}
targets=(reference lescopains)
if $probe; then
    dotnet build -c Release -v q --nologo "$root/bench/LesCopains.FanoutProbe" >/dev/null
    start "$probe_port" dotnet "$root/bench/LesCopains.FanoutProbe/bin/Release/net10.0/LesCopains.FanoutProbe.dll"
    probe_pid=${pids[-1]}
    targets+=(probe)
fi
$direct && targets+=(direct)

run() { # run TARGET [extra load args...]: one load run, its summary and JSON lines on stdout
    local target=$1 watch
    shift
    if [[ $target == reference ]]; then
        watch="server=$reference_pid;postgres=comm:postgres;redis=comm:redis-server"
        node "$here/load.mjs" --target reference --url "http://127.0.0.1:$reference_port" --watch "$watch" "$@" | tail -2
    elif [[ $target == probe ]]; then
        watch="server=$probe_pid;postgres=comm:postgres;redis=comm:redis-server"
        node "$here/load.mjs" --target probe --url "http://127.0.0.1:$probe_port" --watch "$watch" "$@" | tail -2
    else
        local hub=/hubs/gateway
        [[ $target == direct ]] && hub=/hubs/gateway/ws
        watch="server=$(pgrep -d, -f 'LesCopains\.(Node|Api|Silo)\.dll' || true);postgres=comm:postgres;redis=comm:redis-server"
        node "$here/load.mjs" --target lescopains --hub "$hub" --url "$lescopains_url" --watch "$watch" "$@" | tail -2
    fi
}

# Warm every server (JIT, pools, caches) before anything is counted.
for target in "${targets[@]}"; do
    run "$target" "${load_args[@]}" --duration "$warmup" >/dev/null || true
done
# Round k starts with target k (mod the count): each goes first, and follows each other, in turn.
n=${#targets[@]}
for round in $(seq 0 $((pairs - 1))); do
    for i in $(seq 0 $((n - 1))); do
        run "${targets[$(((round + i) % n))]}" "${load_args[@]}" || true
    done
done

#!/usr/bin/env bash
# Build and run LesCopains on this machine: PostgreSQL, Redis, one node (a silo and the Api in one
# process), N-1 more silos and M-1 more Api nodes; or, with --separate, N silos and M Api nodes as
# their own processes.
set -euo pipefail

# shellcheck source=lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
# shellcheck source=lib/postgres.sh
source "$LC_ROOT/scripts/lib/postgres.sh"
# shellcheck source=lib/redis.sh
source "$LC_ROOT/scripts/lib/redis.sh"
# shellcheck source=lib/procs.sh
source "$LC_ROOT/scripts/lib/procs.sh"
# shellcheck source=lib/janus.sh
source "$LC_ROOT/scripts/lib/janus.sh"

usage() {
    cat <<'EOF'
Usage: ./scripts/run.sh [options]

Builds the web client and the .NET projects, then runs LesCopains in the foreground:
one node (silo 1 and the Api in one process, src/Node), silos 2..N, one SFU worker (Janus + its adapter, for voice), and (unless you point it at your own servers) a private PostgreSQL
and Redis whose data lives in ./data. Ctrl-C stops everything this script started.

Options:
  --silos N      number of silos (default 1; the node is silo 1). Silo i (0-based)
                 listens on SILO_PORT 11111+i, GATEWAY_PORT 30000+i and, when it is
                 its own process, HTTP port 3001+100*i (health, metrics, dashboard).
  --apis M       number of Api nodes (default 1, at most 9). Api node i (1-based) listens on
                 the Api port + 10*(i-1): 3000, 3010, 3020, ... Each serves the whole
                 cluster; clients may connect to any of them (a guild's events reach
                 every node that has members of it online).
  --separate     run silo 1 and the Api as two processes (the Docker Compose layout)
                 instead of one node. One node uses less CPU and answers faster on one
                 box (docs/operations.md); its dashboard is on the Api port under
                 /dashboard.
  --port PORT    Api port (default 3000, or API_PORT).
  --bind ADDR    address the Api listens on (default 127.0.0.1; 0.0.0.0 to serve the LAN).
  --no-build     skip the web and .NET builds (fast restart after a build).
  -h, --help     this text.

Environment (optional):
  DATABASE_URL   postgresql://user:pass@host:port/db of an existing server; without it a
                 private server runs from ./data/postgres (127.0.0.1, port in ./data/ports.env).
  REDIS_URL      redis://host:port of an existing server (REDIS_PASSWORD if it needs one);
                 without it a private server runs from ./data/redis (append-only file on).
  CLUSTER_ID     Orleans cluster id (default lescopains).
  SFU_WORKER_PORT  the SFU worker adapter's port (default 3003, loopback).
  RTC_MIN_PORT/RTC_MAX_PORT  Janus' media ports (40000/40100; one per peer connection).
  JANUS_INTERFACE  address Janus announces to browsers (default 127.0.0.1: this machine only;
                 set it to a LAN address to talk from other machines).
  Any other setting of docs/operations.md (JWT_ACCESS_EXPIRY, RATE_LIMIT_MAX, ...) is passed on.

Secrets (JWT_SECRET, MFA_SECRET_KEY, ADMIN_PASSWORD, the private servers' passwords) are generated once
into ./data/secrets.env (mode 600); values already in the environment win.
Logs are streamed here with a [name] prefix and kept in ./data/logs.
EOF
}

silos=1
apis=1
single=1
api_port=${API_PORT:-3000}
bind_address=${BIND_ADDRESS:-127.0.0.1}
build=1
while [[ $# -gt 0 ]]; do
    case $1 in
        --silos)
            [[ ${2:-} =~ ^[1-9][0-9]?$ ]] || die "--silos needs a number from 1 to 99"
            silos=$2
            shift 2
            ;;
        --silos=*)
            silos=${1#*=}
            [[ $silos =~ ^[1-9][0-9]?$ ]] || die "--silos needs a number from 1 to 99"
            shift
            ;;
        --apis)
            [[ ${2:-} =~ ^[1-9]$ ]] || die "--apis needs a number from 1 to 9"
            apis=$2
            shift 2
            ;;
        --apis=*)
            apis=${1#*=}
            [[ $apis =~ ^[1-9]$ ]] || die "--apis needs a number from 1 to 9"
            shift
            ;;
        --port)
            [[ ${2:-} =~ ^[0-9]+$ ]] || die "--port needs a port number"
            api_port=$2
            shift 2
            ;;
        --port=*)
            api_port=${1#*=}
            [[ $api_port =~ ^[0-9]+$ ]] || die "--port needs a port number"
            shift
            ;;
        --bind)
            [[ -n ${2:-} ]] || die "--bind needs an address"
            bind_address=$2
            shift 2
            ;;
        --bind=*)
            bind_address=${1#*=}
            shift
            ;;
        --separate)
            single=0
            shift
            ;;
        --no-build)
            build=0
            shift
            ;;
        -h | --help)
            usage
            exit 0
            ;;
        *)
            usage >&2
            die "unknown option: $1"
            ;;
    esac
done

cd "$LC_ROOT"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

data_dir=$LC_ROOT/data
logs_dir=$data_dir/logs
secrets_file=$data_dir/secrets.env
ports_file=$data_dir/ports.env
silo_dll=$LC_ROOT/src/Silo/bin/Release/net10.0/LesCopains.Silo.dll
api_dll=$LC_ROOT/src/Api/bin/Release/net10.0/LesCopains.Api.dll
node_dll=$LC_ROOT/src/Node/bin/Release/net10.0/LesCopains.Node.dll
sfu_dll=$LC_ROOT/src/SfuWorker/bin/Release/net10.0/LesCopains.SfuWorker.dll
sfu_port=${SFU_WORKER_PORT:-3003}
web_dir=$LC_ROOT/src/Web

# ---------------------------------------------------------------- stopping
pg_bin=''
pg_dir=$data_dir/postgres
redis_dir=$data_dir/redis
started_pg=0
started_redis=0
stopping=0
pids_file=$data_dir/run.pids

cleanup() {
    local rc=$?
    ((stopping)) && return
    stopping=1
    trap '' INT TERM
    if [[ ${#LC_PIDS[@]} -gt 0 ]]; then
        info "Stopping LesCopains..."
        stop_named 20 sfu-worker
        stop_named 10 janus
        stop_named 20 'api*'
        stop_named 40 node
        stop_named 40 'silo-*'
    fi
    if ((started_redis)); then
        info "Stopping the private Redis"
        redis_stop "$redis_dir"
    fi
    if ((started_pg)); then
        info "Stopping the private PostgreSQL"
        pg_stop "$pg_bin" "$pg_dir" || warn "PostgreSQL did not stop cleanly"
    fi
    [[ ${#LC_PIDS[@]} -gt 0 ]] && rm -f "$pids_file"
    ((${#LC_PIDS[@]} > 0 || started_pg || started_redis)) && info "Stopped."
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---------------------------------------------------------------- prerequisites
require_dotnet
have_web=0
if [[ -f $web_dir/package.json ]]; then
    have_web=1
    ((build)) && require_npm
else
    warn "src/Web/package.json not found: skipping the web client build"
fi
[[ $build == 0 || -f $LC_ROOT/LesCopains.sln ]] || die "LesCopains.sln not found in $LC_ROOT"

apt_needs=(curl janus)
[[ -n ${DATABASE_URL:-} ]] || apt_needs+=(postgresql)
[[ -n ${REDIS_URL:-} ]] || apt_needs+=(redis-server)
ensure_apt_packages "${apt_needs[@]}"

mkdir -p "$data_dir" "$logs_dir"
ensure_secrets "$secrets_file"
declare -A secret=()
while IFS='=' read -r key value; do
    [[ $key =~ ^[A-Z_]+$ ]] && secret[$key]=$value
done <"$secrets_file"
export JWT_SECRET=${JWT_SECRET:-${secret[JWT_SECRET]}}
export MFA_SECRET_KEY=${MFA_SECRET_KEY:-${secret[MFA_SECRET_KEY]}}
export ADMIN_PASSWORD=${ADMIN_PASSWORD:-${secret[ADMIN_PASSWORD]}}
export SFU_WORKER_SECRET=${SFU_WORKER_SECRET:-${secret[SFU_WORKER_SECRET]}}
export CLUSTER_ID=${CLUSTER_ID:-lescopains}
export UPLOADS_DIR=${UPLOADS_DIR:-$data_dir/uploads}
mkdir -p "$UPLOADS_DIR"

# ---------------------------------------------------------------- build
if ((build)); then
    if ((have_web)); then
        t0=$(now)
        web_install || die "npm ci failed in src/Web"
        info "Building the web client (npm run build; fails when over the size budget)"
        (cd "$web_dir" && npm run build) || die "the web client build failed (see above)"
        info "Web client built in $(($(now) - t0))s"
    fi
    t0=$(now)
    info "Building the silo and the Api (Release)"
    dotnet build "$LC_ROOT/src/Silo/LesCopains.Silo.csproj" -c Release -nologo -v quiet ||
        die "dotnet build of src/Silo failed"
    dotnet build "$LC_ROOT/src/Api/LesCopains.Api.csproj" -c Release -nologo -v quiet ||
        die "dotnet build of src/Api failed"
    if ((single)); then
        dotnet build "$LC_ROOT/src/Node/LesCopains.Node.csproj" -c Release -nologo -v quiet ||
            die "dotnet build of src/Node failed"
    fi
    dotnet build "$LC_ROOT/src/SfuWorker/LesCopains.SfuWorker.csproj" -c Release -nologo -v quiet ||
        die "dotnet build of src/SfuWorker failed"
    info ".NET build done in $(($(now) - t0))s"
fi
[[ -f $silo_dll ]] || die "$silo_dll not found: run without --no-build first"
[[ -f $api_dll ]] || die "$api_dll not found: run without --no-build first"
[[ -f $sfu_dll ]] || die "$sfu_dll not found: run without --no-build first"
((single == 0)) || [[ -f $node_dll ]] || die "$node_dll not found: run without --no-build first"

# ---------------------------------------------------------------- ports
# Processes of an earlier run that was killed (kill -9, closed terminal) are still listed here.
if [[ -f $pids_file ]]; then
    leftovers=()
    while read -r pid; do
        [[ $pid =~ ^[0-9]+$ ]] || continue
        if tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qE 'LesCopains\.(Silo|Api|Node|SfuWorker)\.dll'; then
            leftovers+=("$pid")
        fi
    done <"$pids_file"
    if [[ ${#leftovers[@]} -gt 0 ]]; then
        die "silo/Api processes of an earlier run are still running (pids ${leftovers[*]}). Stop them with: kill ${leftovers[*]}"
    fi
    rm -f "$pids_file"
fi
silo_http_port() { echo $((3001 + 100 * $1)); }
# Api node i (0-based): the Api port, then every tenth port after it.
api_node_port() { echo $((api_port + 10 * $1)); }
check_port_free() {
    port_in_use "$1" && die "port $1 ($2) is already in use on 127.0.0.1. Is LesCopains already running? Stop it or choose other ports (--port)."
    return 0
}
for ((i = 0; i < apis; i++)); do
    check_port_free "$(api_node_port "$i")" "Api node $((i + 1))"
done
check_port_free "$sfu_port" "SFU worker (SFU_WORKER_PORT)"
for ((i = 0; i < silos; i++)); do
    check_port_free $((11111 + i)) "silo $((i + 1)) SILO_PORT"
    check_port_free $((30000 + i)) "silo $((i + 1)) GATEWAY_PORT"
    ((single && i == 0)) && continue
    check_port_free "$(silo_http_port "$i")" "silo $((i + 1)) SILO_HTTP_PORT"
done

# The private servers keep their ports across runs (recorded in data/ports.env).
declare -A ports=()
if [[ -f $ports_file ]]; then
    while IFS='=' read -r key value; do
        [[ $key =~ ^[A-Z_]+$ ]] && ports[$key]=$value
    done <"$ports_file"
fi
record_port() {
    # record_port KEY PREFERRED: keep a recorded port, else take PREFERRED or any free one.
    local key=$1 preferred=$2 chosen
    [[ -n ${ports[$key]:-} ]] && return 0
    if port_in_use "$preferred"; then
        pick_free_port chosen
    else
        chosen=$preferred
    fi
    ports[$key]=$chosen
    printf '%s=%s\n' "$key" "$chosen" >>"$ports_file"
}

# ---------------------------------------------------------------- PostgreSQL
if [[ -n ${DATABASE_URL:-} ]]; then
    info "Using DATABASE_URL from the environment"
else
    pg_bin=$(pg_bin_dir)
    [[ -n $pg_bin ]] || die "no PostgreSQL server binaries under /usr/lib/postgresql"
    record_port POSTGRES_PORT 55432
    pg_port=${ports[POSTGRES_PORT]}
    pg_password=${secret[PRIVATE_POSTGRES_PASSWORD]}
    t0=$(now)
    pg_init "$pg_bin" "$pg_dir" lescopains "$pg_password"
    if pg_is_running "$pg_bin" "$pg_dir"; then
        warn "the private PostgreSQL in $pg_dir was still running (an earlier run was killed); using it, and stopping it at exit"
        started_pg=1
    else
        check_port_free "$pg_port" "private PostgreSQL, recorded in data/ports.env"
        info "Starting the private PostgreSQL ($pg_bin) on 127.0.0.1:$pg_port"
        started_pg=1
        pg_start "$pg_bin" "$pg_dir" "$pg_port" || die "the private PostgreSQL did not start"
    fi
    pg_ensure_db "$pg_bin" "$pg_port" lescopains "$pg_password" lescopains ||
        die "could not create the database lescopains"
    info "PostgreSQL ready in $(($(now) - t0))s"
    export DATABASE_URL="postgresql://lescopains:$pg_password@127.0.0.1:$pg_port/lescopains"
fi

# ---------------------------------------------------------------- Redis
if [[ -n ${REDIS_URL:-} ]]; then
    info "Using REDIS_URL from the environment"
else
    record_port REDIS_PORT 56379
    redis_port=${ports[REDIS_PORT]}
    export REDIS_PASSWORD=${secret[PRIVATE_REDIS_PASSWORD]}
    t0=$(now)
    if redis_pid "$redis_dir" >/dev/null; then
        warn "the private Redis in $redis_dir was still running (an earlier run was killed); using it, and stopping it at exit"
    else
        check_port_free "$redis_port" "private Redis, recorded in data/ports.env"
        info "Starting the private Redis on 127.0.0.1:$redis_port"
    fi
    started_redis=1
    redis_start "$redis_dir" "$redis_port" "$REDIS_PASSWORD" persist
    info "Redis ready in $(($(now) - t0))s"
    export REDIS_URL="redis://127.0.0.1:$redis_port"
fi

# ---------------------------------------------------------------- silos and Api
# Silos that advertise the loopback address serve it only; one that advertises another address
# (a cluster across machines) listens on all of them.
silo_advertised=${SILO_ADVERTISED_IP:-127.0.0.1}
silo_bind=0.0.0.0
[[ $silo_advertised == 127.* ]] && silo_bind=127.0.0.1
first_silo=0
if ((single)); then
    # Silo 1 and the Api in one process; its silo ports are silo 1's.
    info "Starting the node (silo 1 and the Api in one process) on $bind_address:$api_port (silo port 11111, gateway 30000)"
    t0=$(now)
    start_process node "$logs_dir/node.log" 1 "$LC_ROOT/src/Node" \
        API_PORT="$api_port" BIND_ADDRESS="$bind_address" SILO_PORT=11111 GATEWAY_PORT=30000 \
        SILO_ADVERTISED_IP="$silo_advertised" \
        -- dotnet "$node_dll"
    wait_for_http "http://127.0.0.1:$api_port/health" 180 "$(pid_of node)" node ||
        die "the node did not become healthy (log: data/logs/node.log)"
    pid_of node >>"$pids_file"
    echo >>"$pids_file"
    info "node healthy in $(($(now) - t0))s"
    first_silo=1
fi
for ((i = first_silo; i < silos; i++)); do
    name="silo-$((i + 1))"
    http_port=$(silo_http_port "$i")
    info "Starting $name (silo port $((11111 + i)), gateway $((30000 + i)), http $http_port)"
    t0=$(now)
    start_process "$name" "$logs_dir/$name.log" 1 "$LC_ROOT/src/Silo" \
        SILO_PORT=$((11111 + i)) GATEWAY_PORT=$((30000 + i)) SILO_HTTP_PORT="$http_port" \
        SILO_ADVERTISED_IP="$silo_advertised" BIND_ADDRESS="$silo_bind" \
        -- dotnet "$silo_dll"
    wait_for_http "http://127.0.0.1:$http_port/health" 180 "$(pid_of "$name")" "$name" ||
        die "$name did not become healthy (log: data/logs/$name.log)"
    pid_of "$name" >>"$pids_file"
    echo >>"$pids_file"
    info "$name healthy in $(($(now) - t0))s"
done

# The Api nodes: in the node layout the node is the first one.
first_api=$single
for ((i = first_api; i < apis; i++)); do
    name=api
    ((i > 0)) && name="api-$((i + 1))"
    port=$(api_node_port "$i")
    info "Starting $name on $bind_address:$port"
    t0=$(now)
    start_process "$name" "$logs_dir/$name.log" 1 "$LC_ROOT/src/Api" \
        API_PORT="$port" BIND_ADDRESS="$bind_address" \
        -- dotnet "$api_dll"
    wait_for_http "http://127.0.0.1:$port/health" 120 "$(pid_of "$name")" "$name" ||
        die "$name did not become healthy (log: data/logs/$name.log)"
    pid_of "$name" >>"$pids_file"
    echo >>"$pids_file"
    info "$name healthy in $(($(now) - t0))s"
done

# ---------------------------------------------------------------- SFU worker (voice)
# Janus runs from a generated folder (data/janus), never /etc/janus; its API stays on loopback.
janus_write_config "$data_dir/janus"
declare -A janus_env=()
while IFS='=' read -r key value; do
    [[ $key =~ ^[A-Z_]+$ ]] && janus_env[$key]=$value
done <"$data_dir/janus/janus.env"
t0=$(now)
mapfile -t janus_cmd < <(janus_command "$data_dir/janus")
start_process janus "$logs_dir/janus.log" 0 "$data_dir/janus" -- "${janus_cmd[@]}"
wait_for_http "${janus_env[JANUS_URL]}/info" 30 "$(pid_of janus)" janus ||
    die "Janus did not start (log: data/logs/janus.log)"
start_process sfu-worker "$logs_dir/sfu-worker.log" 1 "$LC_ROOT/src/SfuWorker" \
    SFU_WORKER_PORT="$sfu_port" BIND_ADDRESS=127.0.0.1 SFU_WORKER_URL="http://127.0.0.1:$sfu_port" \
    SFU_WORKER_ID="${SFU_WORKER_ID:-local}" JANUS_URL="${janus_env[JANUS_URL]}" JANUS_ADMIN_URL="${janus_env[JANUS_ADMIN_URL]}" \
    JANUS_ADMIN_SECRET="${janus_env[JANUS_ADMIN_SECRET]}" JANUS_ADMIN_KEY="${janus_env[JANUS_ADMIN_KEY]}" \
    -- dotnet "$sfu_dll"
wait_for_http "http://127.0.0.1:$sfu_port/health" 120 "$(pid_of sfu-worker)" sfu-worker ||
    die "the SFU worker did not become healthy (logs: data/logs/sfu-worker.log, data/logs/janus.log)"
pid_of sfu-worker >>"$pids_file"
echo >>"$pids_file"
info "SFU worker healthy in $(($(now) - t0))s"

echo
echo "LesCopains is running at http://localhost:$api_port"
for ((i = 1; i < apis; i++)); do
    echo "  Api node $((i + 1)): http://localhost:$(api_node_port "$i")"
done
echo "  Voice: SFU worker on 127.0.0.1:$sfu_port, Janus media on ${JANUS_INTERFACE:-127.0.0.1} udp ${RTC_MIN_PORT:-40000}-${RTC_MAX_PORT:-40100}"
((single)) && echo "  Orleans dashboard (node): http://localhost:$api_port/dashboard"
for ((i = first_silo; i < silos; i++)); do
    echo "  Orleans dashboard (silo $((i + 1))): http://localhost:$(silo_http_port "$i")/dashboard"
done
echo "  Dashboard and /metrics login: user 'admin', password = ADMIN_PASSWORD in $secrets_file"
echo "  Logs: $logs_dir. Press Ctrl-C to stop."
echo

# Stay in the foreground until Ctrl-C/TERM, or until one of the processes exits by itself.
exited=''
set +e
wait -n -p exited "${LC_PIDS[@]}"
status=$?
set -e
if [[ -n $exited ]]; then
    warn "$(name_of "$exited") exited with status $status; stopping the rest"
    exit 1
fi

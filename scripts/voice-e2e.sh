#!/usr/bin/env bash
# Voice browser tests: the whole stack — PostgreSQL, Redis, a silo, the Api, Janus and Chromium —
# runs inside a private network namespace that this script creates and deletes (scripts/lib/netns.sh
# says why). Needs root, Release builds of src/Silo and src/Api and the built web client
# (./scripts/test.sh does all of that first).
set -uo pipefail

# shellcheck source=lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
# shellcheck source=lib/netns.sh
source "$LC_ROOT/scripts/lib/netns.sh"

usage() {
    cat <<'EOF'
Usage: ./scripts/voice-e2e.sh [--keep-logs DIR] [-h|--help] [-- NODE_TEST_ARGS...]

Creates network namespace lcvoice-<pid> (lo + veth lctest0 10.99.0.1/24 <-> lctest1 10.99.0.2/24,
no route out), starts inside it a throwaway PostgreSQL and Redis, Janus (media on lctest0 only),
the SFU worker adapter, one silo and the Api, then runs src/Web/tests/voice/*.test.mjs in Chromium with fake media
devices. Everything is stopped and the namespace deleted on exit, also on failure or Ctrl-C.

  --keep-logs DIR   copy the server logs (silo, api, sfu, janus) to DIR before cleaning up

ENABLE_SIMULCAST (default true here) is passed to the servers and the tests: the camera test then
checks the three simulcast encodings and the layer switch; ENABLE_SIMULCAST=false checks one encoding.
VOICE_TESTS (default tests/voice/) names the test files to run, e.g. tests/voice/camera.test.mjs.
VOICE_DEBUG=1 prints each page's console and its voice hub frames (time-stamped) to stderr.
EOF
}

keep_logs=''
inside=0
test_args=()
while [[ $# -gt 0 ]]; do
    case $1 in
        --inside) inside=1 ;;
        --keep-logs)
            keep_logs=$2
            shift
            ;;
        --)
            shift
            test_args=("$@")
            break
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
    shift
done

silo_dll=$LC_ROOT/src/Silo/bin/Release/net10.0/LesCopains.Silo.dll
api_dll=$LC_ROOT/src/Api/bin/Release/net10.0/LesCopains.Api.dll
sfu_dll=$LC_ROOT/src/SfuWorker/bin/Release/net10.0/LesCopains.SfuWorker.dll
web_dir=$LC_ROOT/src/Web

# ---------------------------------------------------------------- outside: the namespace
if ((!inside)); then
    is_root || die "the voice browser tests create a network namespace: run as root"
    [[ -f $silo_dll && -f $api_dll && -f $sfu_dll ]] || die "build first: dotnet build -c Release src/Silo src/Api src/SfuWorker"
    [[ -f $LC_ROOT/src/Api/wwwroot/index.html ]] || die "build the web client first: (cd src/Web && npm run build)"
    # The Api serves the copy (and compressed variants) made by its own build, not src/Api/wwwroot.
    served=$LC_ROOT/src/Api/bin/Release/net10.0/wwwroot/index.html
    if [[ ! -f $served || -n $(find "$LC_ROOT/src/Api/wwwroot" -newer "$served" -print -quit) ]]; then
        die "the Api's copy of the web client is older than the web build: dotnet build -c Release src/Api"
    fi
    ensure_apt_packages janus chromium postgresql redis-server curl
    ns=${LC_NETNS:-lcvoice-$$}
    trap 'netns_down "$ns"' EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
    netns_up "$ns"
    netns_check "$ns"
    info "Network namespace $ns: lo, $LC_NETNS_SFU_IF $LC_NETNS_SFU_IP, $LC_NETNS_PEER_IF $LC_NETNS_PEER_IP"
    args=(--inside)
    [[ -n $keep_logs ]] && args+=(--keep-logs "$keep_logs")
    netns_exec "$ns" bash "${BASH_SOURCE[0]}" "${args[@]}" -- "${test_args[@]}"
    exit $?
fi

# ---------------------------------------------------------------- inside: the stack and the tests
# shellcheck source=lib/postgres.sh
source "$LC_ROOT/scripts/lib/postgres.sh"
# shellcheck source=lib/redis.sh
source "$LC_ROOT/scripts/lib/redis.sh"
# shellcheck source=lib/procs.sh
source "$LC_ROOT/scripts/lib/procs.sh"
# shellcheck source=lib/janus.sh
source "$LC_ROOT/scripts/lib/janus.sh"

unset DATABASE_URL REDIS_URL REDIS_PASSWORD
tmp=$(mktemp -d /tmp/lescopains-voice.XXXXXX)
chmod 711 "$tmp"
pg_bin=$(pg_bin_dir)
pg_dir=$tmp/postgres
redis_dir=$tmp/redis
# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() {
    local rc=$?
    trap '' INT TERM
    if [[ -n $keep_logs ]]; then
        mkdir -p "$keep_logs"
        cp -r "$tmp/logs/." "$keep_logs/" 2>/dev/null
    fi
    stop_named 20 api
    stop_named 20 sfu
    stop_named 40 silo
    stop_named 10 janus
    redis_stop "$redis_dir"
    [[ -n $pg_bin ]] && pg_stop "$pg_bin" "$pg_dir"
    rm -rf "$tmp"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Loopback inside the namespace is private: fixed ports cannot collide with anything outside.
pg_port=5432 redis_port=6379 silo_port=11111 gateway_port=30000 silo_http=3001 api_port=3000
sfu_port=3003

pg_password=$(random_password 20)
pg_init "$pg_bin" "$pg_dir" postgres "$pg_password" fast
pg_start "$pg_bin" "$pg_dir" "$pg_port" || die "PostgreSQL did not start"
pg_ensure_db "$pg_bin" "$pg_port" postgres "$pg_password" lescopains_voice || die "could not create the database"
redis_start "$redis_dir" "$redis_port" '' throwaway

# Janus puts only the namespace's SFU address in its SDP and gathers on lctest0 alone.
JANUS_INTERFACE=$LC_NETNS_SFU_IP JANUS_ICE_ENFORCE_LIST=$LC_NETNS_SFU_IF JANUS_HTTP_PORT=8088 JANUS_ADMIN_PORT=7088 \
    janus_write_config "$tmp/janus"
# shellcheck disable=SC1091 # generated
source "$tmp/janus/janus.env"
mapfile -t janus_cmd < <(janus_command "$tmp/janus")
start_process janus "$tmp/logs/janus.log" 0 "$tmp" -- "${janus_cmd[@]}"
wait_for_http "http://127.0.0.1:$JANUS_HTTP_PORT/janus/info" 30 "$(pid_of janus)" janus || die "Janus did not start"
sfu_secret=$(random_secret 48)

common=(
    DATABASE_URL="postgresql://postgres:$pg_password@127.0.0.1:$pg_port/lescopains_voice"
    REDIS_URL="redis://127.0.0.1:$redis_port" CLUSTER_ID=lescopains-voice
    ADMIN_PASSWORD="$(random_password 24)" JWT_SECRET="$(random_secret 48)"
    UPLOADS_DIR="$tmp/uploads"
    SFU_WORKER_SECRET="$sfu_secret"
    ENABLE_SIMULCAST="${ENABLE_SIMULCAST:-true}"
)
start_process silo "$tmp/logs/silo.log" 0 "$LC_ROOT/src/Silo" "${common[@]}" \
    SILO_PORT="$silo_port" GATEWAY_PORT="$gateway_port" SILO_HTTP_PORT="$silo_http" \
    SILO_ADVERTISED_IP=127.0.0.1 BIND_ADDRESS=127.0.0.1 -- dotnet "$silo_dll"
if ! wait_for_http "http://127.0.0.1:$silo_http/health" 180 "$(pid_of silo)" silo; then
    tail -n 40 "$tmp/logs/silo.log" >&2
    die "the silo did not become healthy"
fi
start_process api "$tmp/logs/api.log" 0 "$LC_ROOT/src/Api" "${common[@]}" \
    API_PORT="$api_port" BIND_ADDRESS=127.0.0.1 -- dotnet "$api_dll"
if ! wait_for_http "http://127.0.0.1:$api_port/health" 120 "$(pid_of api)" api; then
    tail -n 40 "$tmp/logs/api.log" >&2
    die "the Api did not become healthy"
fi

start_process sfu "$tmp/logs/sfu.log" 0 "$LC_ROOT/src/SfuWorker" "${common[@]}" \
    SFU_WORKER_PORT="$sfu_port" BIND_ADDRESS=127.0.0.1 SFU_WORKER_ID=voice-e2e \
    JANUS_URL="$JANUS_URL" JANUS_ADMIN_URL="$JANUS_ADMIN_URL" \
    JANUS_ADMIN_SECRET="$JANUS_ADMIN_SECRET" JANUS_ADMIN_KEY="$JANUS_ADMIN_KEY" -- dotnet "$sfu_dll"
if ! wait_for_http "http://127.0.0.1:$sfu_port/health" 120 "$(pid_of sfu)" sfu; then
    tail -n 40 "$tmp/logs/sfu.log" >&2
    die "the SFU worker did not become healthy"
fi

info "Voice browser tests (BASE_URL=http://127.0.0.1:$api_port, Janus on $LC_NETNS_SFU_IP)"
# shellcheck disable=SC2086 # VOICE_TESTS is a list of paths
(
    cd "$web_dir" &&
        env BASE_URL="http://127.0.0.1:$api_port" CHROMIUM_PATH="${CHROMIUM_PATH:-/usr/bin/chromium}" \
            JANUS_URL="$JANUS_URL" JANUS_ADMIN_KEY="$JANUS_ADMIN_KEY" \
            JANUS_ADMIN_URL="$JANUS_ADMIN_URL" JANUS_ADMIN_SECRET="$JANUS_ADMIN_SECRET" \
            LC_MEDIA_IP="$LC_NETNS_SFU_IP" ENABLE_SIMULCAST="${ENABLE_SIMULCAST:-true}" VOICE_DEBUG="${VOICE_DEBUG:-}" \
            node --test --test-concurrency=1 --test-timeout=300000 "${test_args[@]}" ${VOICE_TESTS:-tests/voice/}
)
rc=$?
if ((rc != 0)); then
    for name in silo api sfu; do
        echo "----- last lines of the $name log -----" >&2
        tail -n 30 "$tmp/logs/$name.log" >&2
    done
fi
exit "$rc"

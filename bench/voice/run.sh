#!/usr/bin/env bash
# Janus CPU/memory per forwarded stream and the audio latency budget (bench/voice/bench.mjs), with
# Janus and headless Chromium inside a private network namespace (scripts/lib/netns.sh says why).
# Needs root, the `janus` and `chromium` packages and the built web client (cd src/Web && npm ci &&
# npm run build). No database, silo or Api: the pages load the app's voice chunk from a static
# server and the benchmark drives Janus' videoroom directly, as the SFU worker adapter does.
#
#   sudo bench/voice/run.sh [-- BENCH_ARGS...]     e.g. -- --sizes 2,4,6,8 --window 20
#   sudo bench/voice/run.sh -- --sizes 2 --series 12 --source tone --jitter-target 0
set -uo pipefail

# shellcheck source=../../scripts/lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../scripts/lib/common.sh"
# shellcheck source=../../scripts/lib/netns.sh
source "$LC_ROOT/scripts/lib/netns.sh"

inside=0
bench_args=()
while [[ $# -gt 0 ]]; do
    case $1 in
        --inside) inside=1 ;;
        --)
            shift
            bench_args=("$@")
            break
            ;;
        -h | --help)
            sed -n '2,10p' "${BASH_SOURCE[0]}"
            exit 0
            ;;
        *) die "unknown option: $1" ;;
    esac
    shift
done

if ((!inside)); then
    is_root || die "the voice benchmark creates a network namespace: run as root"
    [[ -f $LC_ROOT/src/Api/wwwroot/.vite/manifest.json ]] || die "build the web client first: (cd src/Web && npm ci && npm run build)"
    ensure_apt_packages janus chromium
    ns=lcbench-$$
    trap 'netns_down "$ns"' EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
    netns_up "$ns"
    netns_check "$ns"
    netns_exec "$ns" bash "${BASH_SOURCE[0]}" --inside -- "${bench_args[@]}"
    exit $?
fi

# shellcheck source=../../scripts/lib/procs.sh
source "$LC_ROOT/scripts/lib/procs.sh"
# shellcheck source=../../scripts/lib/janus.sh
source "$LC_ROOT/scripts/lib/janus.sh"

tmp=$(mktemp -d /tmp/lescopains-voice-bench.XXXXXX)
# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() {
    local rc=$?
    trap '' INT TERM
    stop_named 10 janus
    rm -rf "$tmp"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Media only on the namespace's veth address; enough ports for 2 peer connections per participant.
JANUS_INTERFACE=$LC_NETNS_SFU_IP JANUS_ICE_ENFORCE_LIST=$LC_NETNS_SFU_IF JANUS_HTTP_PORT=8088 JANUS_ADMIN_PORT=7088 \
    RTC_MIN_PORT=40000 RTC_MAX_PORT=40200 janus_write_config "$tmp/janus"
# shellcheck disable=SC1091 # generated
source "$tmp/janus/janus.env"
mapfile -t janus_cmd < <(janus_command "$tmp/janus")
start_process janus "$tmp/janus.log" 0 "$tmp" -- "${janus_cmd[@]}"
wait_for_http "http://127.0.0.1:$JANUS_HTTP_PORT/janus/info" 30 "$(pid_of janus)" janus || die "Janus did not start"
info "Janus $(janus --version 2>/dev/null | head -n1) pid $(pid_of janus); $(nproc) cores; load $(cut -d' ' -f1-3 /proc/loadavg)"

env JANUS_URL="$JANUS_URL" JANUS_ADMIN_KEY="$JANUS_ADMIN_KEY" JANUS_PID="$(pid_of janus)" \
    CHROMIUM_PATH="${CHROMIUM_PATH:-/usr/bin/chromium}" \
    node "$LC_ROOT/bench/voice/bench.mjs" "${bench_args[@]}"

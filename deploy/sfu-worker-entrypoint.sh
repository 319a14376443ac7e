#!/usr/bin/env bash
# SFU worker container: generate Janus' private configuration, run Janus (API on loopback only)
# and the worker adapter side by side; when either exits, stop the other, so the container restarts.
set -euo pipefail
# shellcheck source=../scripts/lib/common.sh
source /app/scripts/lib/common.sh
# shellcheck source=../scripts/lib/janus.sh
source /app/scripts/lib/janus.sh

own_address=$(hostname -i | awk '{print $1}')
# Janus gathers candidates on the container's address; browsers are told RTC_ANNOUNCED_IP (nat_1_1_mapping).
export JANUS_INTERFACE=${JANUS_INTERFACE:-$own_address}
[[ ${SFU_WORKER_URL:-auto} == auto ]] && export SFU_WORKER_URL="http://$own_address:${SFU_WORKER_PORT:-3003}"
export SFU_WORKER_ID=${SFU_WORKER_ID:-$(hostname)}

janus_write_config "$JANUS_CONFIG_DIR"
set -a
# shellcheck disable=SC1091
source "$JANUS_CONFIG_DIR/janus.env"
set +a

mapfile -t janus_cmd < <(janus_command "$JANUS_CONFIG_DIR")
"${janus_cmd[@]}" &
janus_pid=$!
"$@" &
adapter_pid=$!
trap 'kill -TERM "$janus_pid" "$adapter_pid" 2>/dev/null' TERM INT
set +e
wait -n "$janus_pid" "$adapter_pid"
status=$?
kill -TERM "$janus_pid" "$adapter_pid" 2>/dev/null
wait
exit "$status"

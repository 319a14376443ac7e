# shellcheck shell=bash
# Start long-running processes in the background, keep their pids, stop exactly those.
# Needs common.sh.

LC_PIDS=()
LC_NAMES=()

# start_process NAME LOGFILE STREAM WORKDIR [VAR=VALUE...] -- COMMAND...
# Runs COMMAND in WORKDIR with the extra environment, appending its output to LOGFILE and,
# when STREAM is 1, also to our stdout with a "[NAME] " prefix. The recorded pid is the
# command itself (exec), not a wrapper, so signals reach it directly.
start_process() {
    local name=$1 log=$2 stream=$3 dir=$4
    shift 4
    local envs=()
    while [[ $# -gt 0 && $1 != -- ]]; do
        envs+=("$1")
        shift
    done
    [[ ${1:-} == -- ]] || die "start_process: missing -- before the command"
    shift
    mkdir -p "$(dirname "$log")"
    printf '\n===== %s started %s =====\n' "$name" "$(date -Is)" >>"$log"
    if [[ $stream == 1 ]]; then
        # The log pipeline ignores INT/TERM so it outlives the process and shows its last words.
        (cd "$dir" && exec env "${envs[@]}" "$@") \
            > >(trap '' INT TERM; tee -a "$log" | sed -u "s|^|[$name] |") 2>&1 &
    else
        (cd "$dir" && exec env "${envs[@]}" "$@") >>"$log" 2>&1 &
    fi
    LC_PIDS+=("$!")
    LC_NAMES+=("$name")
}

# pid_of NAME: the pid start_process recorded for NAME.
pid_of() {
    local i
    for i in "${!LC_NAMES[@]}"; do
        [[ ${LC_NAMES[$i]} == "$1" ]] && printf '%s' "${LC_PIDS[$i]}" && return 0
    done
    return 1
}

# name_of PID
name_of() {
    local i
    for i in "${!LC_PIDS[@]}"; do
        [[ ${LC_PIDS[$i]} == "$1" ]] && printf '%s' "${LC_NAMES[$i]}" && return 0
    done
    printf 'pid %s' "$1"
}

# stop_pids TIMEOUT PID...: SIGTERM (graceful shutdown), then SIGKILL after TIMEOUT seconds.
stop_pids() {
    local timeout=$1 pid alive deadline
    shift
    [[ $# -gt 0 ]] || return 0
    for pid in "$@"; do
        kill -TERM "$pid" 2>/dev/null || true
    done
    deadline=$(($(now) + timeout))
    while :; do
        alive=()
        for pid in "$@"; do
            kill -0 "$pid" 2>/dev/null && alive+=("$pid")
        done
        [[ ${#alive[@]} -eq 0 ]] && break
        if (($(now) >= deadline)); then
            for pid in "${alive[@]}"; do
                warn "$(name_of "$pid") did not stop within ${timeout}s; killing it"
                kill -KILL "$pid" 2>/dev/null || true
            done
            break
        fi
        sleep 0.2
    done
    for pid in "$@"; do
        wait "$pid" 2>/dev/null || true
    done
}

# stop_named TIMEOUT PATTERN: stop the started processes whose name matches the glob PATTERN.
stop_named() {
    local timeout=$1 pattern=$2 i pids=()
    for i in "${!LC_NAMES[@]}"; do
        # shellcheck disable=SC2053 # PATTERN is a glob on purpose
        [[ ${LC_NAMES[$i]} == $pattern ]] && pids+=("${LC_PIDS[$i]}")
    done
    stop_pids "$timeout" "${pids[@]}"
}

# shellcheck shell=bash
# A private Redis server in a directory of our own, never the system service. Needs common.sh.

# redis_pid DIR: the pid of the server started in DIR, if it is still that server.
redis_pid() {
    local pid
    [[ -f $1/redis.pid ]] || return 1
    pid=$(cat "$1/redis.pid")
    [[ $pid =~ ^[0-9]+$ ]] || return 1
    [[ $(cat "/proc/$pid/comm" 2>/dev/null) == redis-server* ]] || return 1
    printf '%s' "$pid"
}

# redis_ping PORT [PASSWORD]
redis_ping() {
    [[ $(REDISCLI_AUTH=${2:-} timeout 5 redis-cli -h 127.0.0.1 -p "$1" --no-auth-warning ping 2>/dev/null) == PONG ]]
}

# redis_start DIR PORT [PASSWORD] [persist|throwaway]: start (or reuse) the server in DIR.
# 'persist' keeps an append-only file so data survives a restart.
redis_start() {
    local dir=$1 port=$2 password=${3:-} mode=${4:-persist} deadline
    [[ $dir == /* ]] || die "redis_start needs an absolute path, got '$dir'"
    mkdir -p "$dir"
    chmod 700 "$dir"
    if redis_pid "$dir" >/dev/null; then
        redis_ping "$port" "$password" && return 0
        die "a Redis server from $dir is running but does not answer on port $port"
    fi
    (
        umask 077
        {
            printf 'bind 127.0.0.1\nport %s\nprotected-mode yes\n' "$port"
            printf 'daemonize yes\npidfile %s/redis.pid\nlogfile %s/redis.log\ndir %s\n' "$dir" "$dir" "$dir"
            [[ -n $password ]] && printf 'requirepass %s\n' "$password"
            if [[ $mode == persist ]]; then
                printf 'appendonly yes\nappendfsync everysec\n'
            else
                printf 'appendonly no\nsave ""\n'
            fi
        } >"$dir/redis.conf"
    )
    redis-server "$dir/redis.conf" >/dev/null || die "redis-server failed to start (see $dir/redis.log)"
    deadline=$(($(now) + 30))
    until redis_ping "$port" "$password"; do
        if (($(now) >= deadline)); then
            tail -n 20 "$dir/redis.log" >&2 || true
            die "Redis on port $port did not answer within 30s"
        fi
        sleep 0.2
    done
}

# redis_stop DIR: stop the server started in DIR (it flushes its append-only file first).
redis_stop() {
    local dir=$1 pid i
    pid=$(redis_pid "$dir") || return 0
    kill -TERM "$pid" 2>/dev/null || return 0
    for ((i = 0; i < 150; i++)); do
        kill -0 "$pid" 2>/dev/null || return 0
        sleep 0.2
    done
    warn "Redis ($pid) did not stop in 30s; killing it"
    kill -KILL "$pid" 2>/dev/null || true
}

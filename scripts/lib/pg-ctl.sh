#!/usr/bin/env bash
# Stop or start the throwaway PostgreSQL that scripts/test.sh runs, so that a test can take the
# database away and check how health reporting reacts.
#
# Usage: scripts/lib/pg-ctl.sh stop|start|restart|status
# Reads TEST_POSTGRES_BIN, TEST_POSTGRES_DATA and TEST_POSTGRES_PORT (exported by scripts/test.sh).
# 'start' returns once the server accepts connections again; 'stop' once it is down.
set -euo pipefail

# shellcheck source=common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
# shellcheck source=postgres.sh
source "$LC_ROOT/scripts/lib/postgres.sh"

bin=${TEST_POSTGRES_BIN:?TEST_POSTGRES_BIN is not set (run the tests through scripts/test.sh)}
dir=${TEST_POSTGRES_DATA:?TEST_POSTGRES_DATA is not set}
port=${TEST_POSTGRES_PORT:?TEST_POSTGRES_PORT is not set}

case ${1:-} in
    stop) pg_stop "$bin" "$dir" ;;
    start) pg_is_running "$bin" "$dir" || pg_start "$bin" "$dir" "$port" ;;
    restart)
        pg_stop "$bin" "$dir"
        pg_start "$bin" "$dir" "$port"
        ;;
    status)
        if pg_is_running "$bin" "$dir"; then
            echo running
        else
            echo stopped
            exit 3
        fi
        ;;
    *)
        echo "usage: $0 stop|start|restart|status" >&2
        exit 2
        ;;
esac

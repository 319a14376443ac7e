#!/usr/bin/env bash
# Run every LesCopains test suite against throwaway PostgreSQL and Redis servers:
# web build (size budget) + web unit tests, .NET build + tests, then browser tests against a
# real silo + Api. Ends with one line "N passed, N failed"; exits non-zero if anything failed.
set -uo pipefail

# shellcheck source=lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
# shellcheck source=lib/postgres.sh
source "$LC_ROOT/scripts/lib/postgres.sh"
# shellcheck source=lib/redis.sh
source "$LC_ROOT/scripts/lib/redis.sh"
# shellcheck source=lib/procs.sh
source "$LC_ROOT/scripts/lib/procs.sh"

usage() {
    cat <<'EOF'
Usage: ./scripts/test.sh [--no-web] [--no-e2e] [--no-voice] [-h|--help]

Installs what the tests need (postgresql, redis-server, janus, chromium; npm ci), starts a throwaway
PostgreSQL and Redis on free loopback ports, and runs, in order:
  web build     npm run build in src/Web (fails over the size budget)
  web unit      npm test
  dotnet build  dotnet build LesCopains.sln -c Release
  dotnet test   dotnet test LesCopains.sln -c Release --no-build
  e2e           one silo + one Api on free ports, then npm run test:e2e (Chromium)
  voice e2e     scripts/voice-e2e.sh: the whole stack with Janus and Chromium in a private
                network namespace (root only; skipped otherwise), src/Web/tests/voice
Everything it started is stopped and its temporary files deleted on exit, also on failure/Ctrl-C.

Tests get: TEST_DATABASE_URL (superuser, database 'postgres'; create your own databases),
TEST_REDIS_URL, TEST_POSTGRES_BIN, TEST_POSTGRES_DATA, TEST_POSTGRES_PORT, TEST_PG_CTL
(scripts/lib/pg-ctl.sh: stop|start|restart|status of that PostgreSQL), CHROMIUM_PATH,
TEST_JANUS_BIN and TEST_JANUS_CONFIG (scripts/lib/janus.sh: the voice tests start their own
Janus instances on loopback with a generated configuration).

  --no-web   skip the web build, web unit tests and browser tests
  --no-e2e   skip the browser tests
  --no-voice skip the voice browser tests
EOF
}

run_web=1
run_e2e=1
run_voice=1
for arg in "$@"; do
    case $arg in
        --no-web) run_web=0 ;;
        --no-e2e) run_e2e=0 ;;
        --no-voice) run_voice=0 ;;
        -h | --help)
            usage
            exit 0
            ;;
        *)
            usage >&2
            die "unknown option: $arg"
            ;;
    esac
done

cd "$LC_ROOT" || exit 1
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
# Tests must never reach a real deployment's servers by accident.
unset DATABASE_URL REDIS_URL REDIS_PASSWORD SAVE_SCREENSHOTS
web_dir=$LC_ROOT/src/Web
t_start=$(now)

# ---------------------------------------------------------------- results
suite_names=() suite_status=() suite_passed=() suite_failed=() suite_secs=() suite_note=()

# record NAME STATUS(ok|FAILED|skipped) PASSED FAILED SECONDS [NOTE]
# PASSED/FAILED are '-' when the suite's tests could not be counted.
record() {
    suite_names+=("$1")
    suite_status+=("$2")
    suite_passed+=("$3")
    suite_failed+=("$4")
    suite_secs+=("$5")
    suite_note+=("${6:-}")
    if [[ $2 == FAILED ]]; then
        warn "$1 FAILED${6:+ ($6)}"
    fi
}

strip_ansi() { sed -E 's/\x1b\[[0-9;?]*[A-Za-z]//g' "$1"; }

# count_js_output LOG: print "PASSED FAILED" read from the closing lines of Vitest, Jest,
# node's test runner or Playwright; print nothing when none of them is recognised.
count_js_output() {
    local text line p f
    text=$(strip_ansi "$1")
    # Vitest: " Tests  2 failed | 40 passed (42)"   Jest: "Tests:  2 failed, 40 passed, 42 total"
    line=$(grep -E '^[[:space:]]*Tests:?[[:space:]]+.*[0-9]+ (passed|failed)' <<<"$text" | tail -n 1)
    if [[ -n $line ]]; then
        p=$(grep -oE '[0-9]+ passed' <<<"$line" | grep -oE '[0-9]+')
        f=$(grep -oE '[0-9]+ failed' <<<"$line" | grep -oE '[0-9]+')
        echo "${p:-0} ${f:-0}"
        return
    fi
    # node --test: "ℹ pass 12" / "# pass 12"
    if grep -qE '^(ℹ|#) pass [0-9]+' <<<"$text"; then
        p=$(grep -E '^(ℹ|#) pass [0-9]+' <<<"$text" | tail -n 1 | grep -oE '[0-9]+$')
        f=$(grep -E '^(ℹ|#) fail [0-9]+' <<<"$text" | tail -n 1 | grep -oE '[0-9]+$')
        echo "${p:-0} ${f:-0}"
        return
    fi
    # Playwright: "  12 passed (3.4s)", "  1 failed", "  1 flaky" (flaky = passed on retry)
    if grep -qE '^[[:space:]]+[0-9]+ (passed|failed|flaky)( \(.*\))?[[:space:]]*$' <<<"$text"; then
        p=0 f=0
        while read -r n what _; do
            case $what in
                passed | flaky) p=$((p + n)) ;;
                failed) f=$((f + n)) ;;
            esac
        done < <(grep -E '^[[:space:]]+[0-9]+ (passed|failed|flaky)( \(.*\))?[[:space:]]*$' <<<"$text")
        echo "$p $f"
    fi
}

# count_trx DIR: sum "PASSED FAILED" over the TRX files that dotnet test wrote into DIR.
count_trx() {
    local f counters p=0 fl=0 v found=0 attr
    for f in "$1"/*.trx; do
        [[ -f $f ]] || continue
        counters=$(grep -oE '<Counters [^>]*>' "$f" | head -n 1)
        [[ -n $counters ]] || continue
        found=1
        v=$(grep -oE ' passed="[0-9]+"' <<<"$counters" | grep -oE '[0-9]+')
        p=$((p + ${v:-0}))
        for attr in failed error timeout aborted; do
            v=$(grep -oE " $attr=\"[0-9]+\"" <<<"$counters" | grep -oE '[0-9]+')
            fl=$((fl + ${v:-0}))
        done
    done
    ((found)) && echo "$p $fl"
}

# run_logged LOG LIMIT DIR CMD...: run CMD in DIR with a time limit (sleep syntax: 10m), its
# output going to LOG and to the console. CMD runs in a session of its own, so that Ctrl-C on the script (which
# interrupts 'wait' at once) and the time limit can stop its whole process tree.
step_pgid='' watchdog=''
run_logged() {
    local log=$1 limit=$2 dir=$3 rc tail_pid
    shift 3
    : >"$log"
    (cd "$dir" && exec setsid "$@") </dev/null >"$log" 2>&1 &
    step_pgid=$!
    tail -n +1 -f --pid="$step_pgid" "$log" &
    tail_pid=$!
    # shellcheck disable=SC2016 # expanded by the inner bash
    setsid bash -c 'sleep "$1"; echo "timed out after $1: stopping $2" >&2
        kill -TERM -- "-$3"; sleep 30; kill -KILL -- "-$3"' _ "$limit" "$*" "$step_pgid" 2>/dev/null &
    watchdog=$!
    wait "$step_pgid"
    rc=$?
    step_pgid=''
    kill -TERM -- "-$watchdog" 2>/dev/null
    wait "$watchdog" 2>/dev/null
    watchdog=''
    wait "$tail_pid" 2>/dev/null
    return "$rc"
}

# stop_step: stop the step run_logged is running (on Ctrl-C or TERM), with all its children.
stop_step() {
    local pgid=$step_pgid i
    [[ -n $watchdog ]] && kill -TERM -- "-$watchdog" 2>/dev/null
    [[ -n $pgid ]] || return 0
    kill -TERM -- "-$pgid" 2>/dev/null || return 0
    for ((i = 0; i < 100; i++)); do
        kill -0 -- "-$pgid" 2>/dev/null || return 0
        sleep 0.2
    done
    kill -KILL -- "-$pgid" 2>/dev/null
}

# ---------------------------------------------------------------- cleanup
tmp=$(mktemp -d /tmp/lescopains-test.XXXXXX)
chmod 711 "$tmp" # the postgres user must be able to enter it
pg_bin=''
pg_dir=$tmp/postgres
redis_dir=$tmp/redis
cleaning=0
cleanup() {
    local rc=$?
    ((cleaning)) && return
    cleaning=1
    trap '' INT TERM
    stop_step
    stop_named 20 api
    stop_named 40 silo
    redis_stop "$redis_dir"
    [[ -n $pg_bin ]] && pg_stop "$pg_bin" "$pg_dir"
    rm -rf "$tmp"
    exit "$rc"
}
trap cleanup EXIT
trap 'warn "interrupted"; exit 130' INT
trap 'exit 143' TERM

# ---------------------------------------------------------------- prerequisites
require_dotnet
have_web=0
if ((run_web)); then
    if [[ -f $web_dir/package.json ]]; then
        have_web=1
        require_npm
    else
        warn "src/Web/package.json not found: skipping the web build, web unit and browser tests"
    fi
fi
t0=$(now)
if ((have_web && run_e2e)); then
    # The colour emoji font: the browser tests' screenshots show emoji as people see them.
    ensure_apt_packages curl postgresql redis-server janus chromium fonts-noto-color-emoji
else
    ensure_apt_packages curl postgresql redis-server janus
fi
export TEST_JANUS_BIN=${TEST_JANUS_BIN:-$(command -v janus)}
export TEST_JANUS_CONFIG=$LC_ROOT/scripts/lib/janus.sh
t_install=$(($(now) - t0))
export CHROMIUM_PATH=/usr/bin/chromium

# ---------------------------------------------------------------- throwaway servers
t0=$(now)
pg_bin=$(pg_bin_dir)
[[ -n $pg_bin ]] || die "no PostgreSQL server binaries under /usr/lib/postgresql"
pg_password=$(random_password 20)
pg_port=
pick_free_port pg_port
pg_init "$pg_bin" "$pg_dir" postgres "$pg_password" fast
pg_start "$pg_bin" "$pg_dir" "$pg_port" || die "the throwaway PostgreSQL did not start"
export TEST_DATABASE_URL="postgresql://postgres:$pg_password@127.0.0.1:$pg_port/postgres"
export TEST_POSTGRES_BIN=$pg_bin TEST_POSTGRES_DATA=$pg_dir TEST_POSTGRES_PORT=$pg_port
export TEST_PG_CTL=$LC_ROOT/scripts/lib/pg-ctl.sh
t_pg=$(($(now) - t0))

t0=$(now)
redis_port=
pick_free_port redis_port
redis_start "$redis_dir" "$redis_port" '' throwaway
export TEST_REDIS_URL="redis://127.0.0.1:$redis_port"
t_redis=$(($(now) - t0))
info "Throwaway PostgreSQL on 127.0.0.1:$pg_port (${t_pg}s), Redis on 127.0.0.1:$redis_port (${t_redis}s)"

# ---------------------------------------------------------------- web build and unit tests
web_built=0
if ((have_web)); then
    t0=$(now)
    if ! web_install; then
        record "web build" FAILED - - $(($(now) - t0)) "npm ci failed"
    else
        info "npm run build (src/Web)"
        if run_logged "$tmp/web-build.log" 10m "$web_dir" npm run build; then
            web_built=1
            record "web build" ok - - $(($(now) - t0))
        else
            record "web build" FAILED - - $(($(now) - t0)) "build failed or over the size budget"
        fi
    fi
    t0=$(now)
    if ! web_has_script test; then
        record "web unit" skipped - - 0 "no 'test' script in package.json"
    else
        info "npm test (src/Web)"
        run_logged "$tmp/web-unit.log" 5m "$web_dir" env CI="${CI:-true}" npm test
        rc=$?
        read -r p f < <(count_js_output "$tmp/web-unit.log"; echo)
        if ((rc == 0)); then
            record "web unit" ok "${p:--}" "${f:--}" $(($(now) - t0))
        else
            record "web unit" FAILED "${p:--}" "${f:--}" $(($(now) - t0)) "exit $rc"
        fi
    fi
elif ((run_web)); then
    record "web build" skipped - - 0 "no src/Web/package.json"
else
    record "web build" skipped - - 0 "--no-web"
fi

# ---------------------------------------------------------------- .NET build and tests
dotnet_built=0
t0=$(now)
if [[ ! -f $LC_ROOT/LesCopains.sln ]]; then
    record "dotnet build" FAILED - - 0 "LesCopains.sln not found"
else
    info "dotnet build LesCopains.sln -c Release"
    if run_logged "$tmp/dotnet-build.log" 15m "$LC_ROOT" dotnet build LesCopains.sln -c Release -nologo; then
        dotnet_built=1
        record "dotnet build" ok - - $(($(now) - t0))
    else
        record "dotnet build" FAILED - - $(($(now) - t0)) "compile errors above"
    fi
fi

t0=$(now)
if ((dotnet_built)); then
    info "dotnet test LesCopains.sln -c Release --no-build"
    mkdir -p "$tmp/trx"
    run_logged "$tmp/dotnet-test.log" 20m "$LC_ROOT" dotnet test LesCopains.sln -c Release --no-build -nologo -m:1 \
        --logger "console;verbosity=normal" --logger trx --results-directory "$tmp/trx"
    rc=$?
    read -r p f < <(count_trx "$tmp/trx"; echo)
    if ((rc == 0)); then
        record "dotnet test" ok "${p:--}" "${f:--}" $(($(now) - t0))
    else
        record "dotnet test" FAILED "${p:--}" "${f:--}" $(($(now) - t0)) "exit $rc"
    fi
else
    record "dotnet test" skipped - - 0 "the build failed"
fi

# ---------------------------------------------------------------- browser tests
run_e2e_suite() {
    # The browser tests run against one node (the silo and the Api in one process), as
    # ./scripts/run.sh runs LesCopains; the voice browser tests use a separate silo and Api.
    local node_dll=$LC_ROOT/src/Node/bin/Release/net10.0/LesCopains.Node.dll
    local silo_port gateway_port api_port admin_password jwt_secret rc p f t0
    t0=$(now)
    if ! web_has_script test:e2e; then
        record "e2e" skipped - - 0 "no 'test:e2e' script in package.json"
        return
    fi
    if ((!dotnet_built || !web_built)); then
        record "e2e" FAILED - - 0 "not run: the build failed"
        return
    fi
    pg_ensure_db "$pg_bin" "$pg_port" postgres "$pg_password" lescopains_e2e ||
        {
            record "e2e" FAILED - - 0 "could not create the database"
            return
        }
    pick_free_port silo_port
    pick_free_port gateway_port
    pick_free_port api_port
    admin_password=$(random_password 24)
    jwt_secret=$(random_secret 48)
    info "Starting a node (silo and Api, port $api_port) for the browser tests"
    start_process node "$tmp/logs/node.log" 0 "$LC_ROOT/src/Node" \
        DATABASE_URL="postgresql://postgres:$pg_password@127.0.0.1:$pg_port/lescopains_e2e" \
        REDIS_URL="$TEST_REDIS_URL" CLUSTER_ID=lescopains-e2e \
        ADMIN_PASSWORD="$admin_password" JWT_SECRET="$jwt_secret" \
        UPLOADS_DIR="$tmp/uploads" \
        REGISTER_RATE_LIMIT=1000 LOGIN_RATE_LIMIT=1000 \
        SILO_PORT="$silo_port" GATEWAY_PORT="$gateway_port" API_PORT="$api_port" \
        SILO_ADVERTISED_IP=127.0.0.1 BIND_ADDRESS=127.0.0.1 -- dotnet "$node_dll"
    # Every browser test registers its people from 127.0.0.1, and the web client signs each one in
    # right after: REGISTER_RATE_LIMIT and LOGIN_RATE_LIMIT lift the per-IP budgets (20 sign-ins a
    # minute by default, which two files of browser tests in a row can use up). The limits
    # themselves are tested in the .NET suite.
    if ! wait_for_http "http://127.0.0.1:$api_port/health" 180 "$(pid_of node)" node; then
        tail -n 60 "$tmp/logs/node.log" >&2
        record "e2e" FAILED - - $(($(now) - t0)) "the node did not become healthy"
        return
    fi
    info "npm run test:e2e (BASE_URL=http://127.0.0.1:$api_port)"
    run_logged "$tmp/e2e.log" 20m "$web_dir" \
        env BASE_URL="http://127.0.0.1:$api_port" CI="${CI:-true}" \
        E2E_DATABASE_URL="postgresql://postgres:$pg_password@127.0.0.1:$pg_port/lescopains_e2e" \
        E2E_LOG_DIR="$tmp/logs" E2E_UPLOADS_DIR="$tmp/uploads" E2E_PSQL="$pg_bin/psql" npm run test:e2e
    rc=$?
    read -r p f < <(count_js_output "$tmp/e2e.log"; echo)
    if ((rc == 0)); then
        record "e2e" ok "${p:--}" "${f:--}" $(($(now) - t0))
    else
        echo "----- last lines of the node log -----" >&2
        tail -n 60 "$tmp/logs/node.log" >&2
        record "e2e" FAILED "${p:--}" "${f:--}" $(($(now) - t0)) "exit $rc"
    fi
    stop_named 40 node
}
if ((!have_web)); then
    record "e2e" skipped - - 0 "no web client (or --no-web)"
elif ((!run_e2e)); then
    record "e2e" skipped - - 0 "--no-e2e"
else
    run_e2e_suite
fi

run_voice_suite() {
    local rc p f t0
    t0=$(now)
    if ! is_root; then
        record "voice e2e" skipped - - 0 "needs root (creates a network namespace)"
        return
    fi
    if ((!dotnet_built || !web_built)); then
        record "voice e2e" FAILED - - 0 "not run: the build failed"
        return
    fi
    info "scripts/voice-e2e.sh (network namespace, Janus, Chromium)"
    run_logged "$tmp/voice-e2e.log" 15m "$LC_ROOT" env CI="${CI:-true}" "$LC_ROOT/scripts/voice-e2e.sh"
    rc=$?
    read -r p f < <(count_js_output "$tmp/voice-e2e.log"; echo)
    if ((rc == 0)); then
        record "voice e2e" ok "${p:--}" "${f:--}" $(($(now) - t0))
    else
        record "voice e2e" FAILED "${p:--}" "${f:--}" $(($(now) - t0)) "exit $rc"
    fi
}
if ((!have_web || !run_e2e || !run_voice)); then
    record "voice e2e" skipped - - 0 "--no-web, --no-e2e or --no-voice"
else
    run_voice_suite
fi

# ---------------------------------------------------------------- failures
# The name and first lines of every failed test, gathered from the suites' logs, so that the end of
# the output (all a CI page may keep) says what failed and not only how many.
failure_digest() {
    local log
    for log in "$tmp/web-unit.log" "$tmp/e2e.log" "$tmp/voice-e2e.log"; do
        [[ -f $log ]] || continue
        # node --test (TAP): a top-level "not ok N - name" and the error line of its YAML block
        awk '/^not ok [0-9]+ /{on=1; print; next} on && /^  (\.\.\.|# Subtest)/{on=0}
             on && /^  (error|expected|actual):/' "$log" | head -n 40
    done
    if [[ -f $tmp/dotnet-test.log ]]; then
        # vstest console logger: "  Failed Namespace.Class.Method [12 ms]", "  Error Message:", ...
        awk '/^[[:space:]]+Failed [A-Za-z_]/{on=1; n=0} on && /^[[:space:]]+Stack Trace:/{on=0}
             on && n++ < 8' "$tmp/dotnet-test.log" | head -n 40
    fi
}
digest=$(failure_digest 2>/dev/null)
if [[ -n $digest ]]; then
    echo
    echo "Failed tests (first lines of each; the full output is above):"
    sed 's/^/  /' <<<"$digest"
fi

# ---------------------------------------------------------------- summary
total_passed=0
total_failed=0
any_failed=0
echo
echo "Summary (install ${t_install}s, PostgreSQL ${t_pg}s, Redis ${t_redis}s, total $(($(now) - t_start))s)"
for i in "${!suite_names[@]}"; do
    p=${suite_passed[$i]} f=${suite_failed[$i]} counts=''
    if [[ $p != - ]]; then
        total_passed=$((total_passed + p))
        total_failed=$((total_failed + f))
        counts="$p passed, $f failed"
    elif [[ ${suite_names[$i]} != *build ]] && [[ ${suite_status[$i]} != skipped ]]; then
        counts="not counted"
    fi
    if [[ ${suite_status[$i]} == FAILED ]]; then
        any_failed=1
        # A failure that no counted test shows (build error, crash, uncounted runner) still counts.
        [[ $p == - || $f == 0 ]] && total_failed=$((total_failed + 1))
    fi
    printf '  %-13s %-8s %-24s %5ss  %s\n' "${suite_names[$i]}" "${suite_status[$i]}" "$counts" \
        "${suite_secs[$i]}" "${suite_note[$i]}"
done
echo "$total_passed passed, $total_failed failed"
((any_failed == 0))

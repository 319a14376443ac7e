#!/usr/bin/env bash
# Does the cluster scale by adding a process? Every Api node (--scale api) or every silo
# (--scale silo) gets the same CPU budget (a cgroup CPU quota) standing for one machine, and the
# same load runs with K of them for each K: if adding one adds its budget's worth of capacity, the
# load a K carries at unloaded latency grows with K. Starts its own stack for each layout
# (./scripts/run.sh --separate, so no Api node is also a silo) and stops it afterwards; needs root
# (cgroups) and ports 3000-3099 free. Usage: bench/scaleout/run.sh [options], see --help.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)

scale=api
cpus=''
members=''
guilds=''
rates=''
nodes="1 2 3"
duration=10
senders=''
rounds=1
hub=/hubs/gateway
usage() {
    cat <<EOF
Usage: bench/scaleout/run.sh [options]
  --scale api|silo  what to add (default api). api: one silo, K Api nodes, one guild whose members
                  are spread over the K nodes (fan-out work). silo: K silos, one Api node, many
                  small guilds whose grains spread over the silos (send work: grain turns, commits).
  --cpus C        CPU budget of each capped process, in cores (default 0.15 api, 0.2 silo)
  --nodes "K..."  numbers of Api nodes or silos (default "$nodes")
  --members N     members (default 200 api, 100 silo), spread over the Api nodes in turn
  --guilds G      guilds the members are split into (default 1 api, 10 silo)
  --rates "R..."  total message rates, msg/s, one phase each on the same connections
                  (default "25 50 75 100 125 150 175 200" api, "250 500 750 1000 1500 2000" silo)
  --duration S    seconds of load per rate (default $duration)
  --senders N     sending members (default 10 api, 20 silo)
  --rounds N      times to run every K, K's order rotating (default $rounds)
  --hub PATH      hub endpoint (default $hub)
Prints one line per (K, rate) and the load tool's JSON line with the capped and the other
processes' CPU (capCpu, otherCpu) added.
EOF
}
while [[ $# -gt 0 ]]; do
    case $1 in
        --scale) scale=$2; shift 2 ;;
        --cpus) cpus=$2; shift 2 ;;
        --members) members=$2; shift 2 ;;
        --guilds) guilds=$2; shift 2 ;;
        --rates) rates=$2; shift 2 ;;
        --nodes) nodes=$2; shift 2 ;;
        --duration) duration=$2; shift 2 ;;
        --senders) senders=$2; shift 2 ;;
        --rounds) rounds=$2; shift 2 ;;
        --hub) hub=$2; shift 2 ;;
        -h | --help) usage; exit 0 ;;
        *) usage >&2; echo "unknown option: $1" >&2; exit 2 ;;
    esac
done

die() { echo "scaleout: $*" >&2; exit 1; }
[[ $(id -u) == 0 ]] || die "needs root to create cgroups"
case $scale in
    api) : "${cpus:=0.15}" "${members:=200}" "${guilds:=1}" "${rates:=25 50 75 100 125 150 175 200}" "${senders:=10}" ;;
    silo) : "${cpus:=0.2}" "${members:=100}" "${guilds:=10}" "${rates:=250 500 750 1000 1500 2000}" "${senders:=20}" ;;
    *) die "--scale is api or silo" ;;
esac
max_nodes=0
for k in $nodes; do if ((k > max_nodes)); then max_nodes=$k; fi; done
((max_nodes >= 1 && max_nodes <= 9)) || die "--nodes: numbers from 1 to 9"

# ---------------------------------------------------------------- the stack
port=3000
api_port() { echo $((port + 10 * $1)); }    # run.sh: Api node i on the Api port + 10*i
silo_port() { echo $((3001 + 100 * $1)); }  # run.sh --separate: silo i's HTTP port
pid_on_port() { ss -ltnpH "sport = :$1" | grep -o 'pid=[0-9]*' | head -1 | cut -d= -f2; }
stack_pid=''
stack_log=$root/data/logs/scaleout-stack.log
start_stack() {
    local silos=$1 apis=$2 i
    [[ -z $(pid_on_port "$port") ]] || die "port $port is in use: stop the running LesCopains first"
    mkdir -p "$root/data/logs"
    local build=(--no-build)
    [[ -f $root/src/Api/bin/Release/net10.0/LesCopains.Api.dll && -f $root/src/Silo/bin/Release/net10.0/LesCopains.Silo.dll ]] || build=()
    RATE_LIMIT_MAX=1000000 LOGIN_RATE_LIMIT=1000000 REGISTER_RATE_LIMIT=1000000 \
        setsid "$root/scripts/run.sh" "${build[@]}" --separate --silos "$silos" --apis "$apis" >"$stack_log" 2>&1 &
    stack_pid=$!
    for ((i = 0; i < 600; i++)); do
        grep -q 'LesCopains is running' "$stack_log" && return 0
        kill -0 "$stack_pid" 2>/dev/null || break
        sleep 1
    done
    tail -20 "$stack_log" >&2
    die "the stack did not start (log: $stack_log)"
}
stop_stack() {
    [[ -n $stack_pid ]] || return 0
    kill -TERM -- "-$stack_pid" 2>/dev/null || true
    wait "$stack_pid" 2>/dev/null || true
    stack_pid=''
}

# ---------------------------------------------------------------- CPU budgets
# cgroup v1 (cpu controller) or v2: one group per capped process, 10 ms periods (short periods keep
# a throttled process's stalls short; the default 100 ms would add up to 100 ms to a tail).
period=10000
quota=$(awk -v c="$cpus" -v p="$period" 'BEGIN { printf "%d", c * p }')
if [[ -d /sys/fs/cgroup/cpu && -f /sys/fs/cgroup/cpu/cgroup.procs ]]; then
    cg_root=/sys/fs/cgroup/cpu
    cg_limit() { echo "$period" >"$1/cpu.cfs_period_us"; echo "$quota" >"$1/cpu.cfs_quota_us"; }
else
    cg_root=/sys/fs/cgroup
    grep -qw cpu "$cg_root/cgroup.subtree_control" 2>/dev/null || echo +cpu >"$cg_root/cgroup.subtree_control"
    cg_limit() { echo "$quota $period" >"$1/cpu.max"; }
fi
groups=()
for ((i = 0; i < max_nodes; i++)); do
    g=$cg_root/lescopains-scaleout-$((i + 1))
    mkdir -p "$g"
    cg_limit "$g"
    groups+=("$g")
done
capped=()
cap() { local i; for ((i = 0; i < ${#capped[@]}; i++)); do echo "${capped[$i]}" >"${groups[$i]}/cgroup.procs"; done; }
uncap() { local p; for p in "${capped[@]}"; do echo "$p" >"$cg_root/cgroup.procs" 2>/dev/null || true; done; }
finish() {
    uncap
    stop_stack
    local g
    for g in "${groups[@]}"; do rmdir "$g" 2>/dev/null || true; done
}
trap finish EXIT

# ---------------------------------------------------------------- runs
tool=$root/bench/LesCopains.Bench/bin/Release/net10.0/LesCopains.Bench.dll
dotnet build "$root/bench/LesCopains.Bench" -c Release -nologo -v quiet >/dev/null || die "could not build the load tool"
urls_of() { local k=$1 i urls=''; for ((i = 0; i < k; i++)); do urls+="${urls:+,}http://127.0.0.1:$(api_port "$i")"; done; echo "$urls"; }

# One load tool: accounts and connections uncapped (password hashing is slow on purpose), then
# one phase per rate with the budgets on. Warm-up first, not reported: every process serves load
# once uncapped, so that no measured phase pays for the first compilation of the hot path.
measure() {
    local k=$1 urls=$2 others=("${@:3}") out rc=0
    # 30 s at the highest rate: a fresh process keeps recompiling its hot path (tiered JIT) for a
    # while, and a node that does that under its budget is slower than the others meanwhile.
    local top=0 r
    for r in $rates; do if ((r > top)); then top=$r; fi; done
    dotnet "$tool" --url "$urls" --hub "$hub" --members "$members" --guilds "$guilds" --rate "$top" \
        --duration 30 --senders "$senders" >/dev/null 2>&1 || die "the warm-up run failed"
    out=$(mktemp)
    local watch
    watch=$(IFS=,; echo "${capped[*]},${others[*]}")
    # The first phase (the lowest rate, as long as the others) is not reported either: right after the tool's
    # sign-ups and connections, a node that just took its share of them under its budget was
    # still slower than the others (measured: 0.15 core against 0.10 in that phase only).
    local low=$top
    for r in $rates; do if ((r < low)); then low=$r; fi; done
    dotnet "$tool" --url "$urls" --hub "$hub" --members "$members" --guilds "$guilds" --rate "$low,${rates// /,}" \
        --duration "$duration" --senders "$senders" --watch "${watch%,}" >"$out" 2>&1 &
    local tool_pid=$!
    until grep -q 'connections open' "$out" || ! kill -0 "$tool_pid" 2>/dev/null; do sleep 0.2; done
    cap
    wait "$tool_pid" || rc=$?
    uncap
    grep -q '^{' "$out" || { echo "K=$k: the load tool failed (exit $rc):" >&2; tail -5 "$out" >&2; }
    grep '^{' "$out" | tail -n +2 | node -e '
        const lines = require("fs").readFileSync(0, "utf8").trim().split("\n").filter(Boolean);
        const [budget, k, n, what] = [Number(process.argv[1]), Number(process.argv[2]), Number(process.argv[3]), process.argv[4]];
        const f = (x) => (x ?? NaN).toFixed(1);
        const c = (xs) => `[${xs.map((x) => x.toFixed(2))}]`;
        for (const line of lines) {
            const r = JSON.parse(line);
            const capCpu = r.watchedCores.slice(0, n), otherCpu = r.watchedCores.slice(n);
            const ok = r.deliveries === r.expected && r.failed === 0;
            console.log(`K=${k} ${what} rate=${r.Rate}: ${r.sendsPerSecond.toFixed(0)} sends/s, ${ok ? "all" : `${r.deliveries}/${r.expected}`} delivered, ${r.deliveriesPerSecond.toFixed(0)} deliveries/s, ack p50/p99 ${f(r.ackP50)}/${f(r.ackP99)}, end-to-end p50/p95/p99 ${f(r.e2eP50)}/${f(r.e2eP95)}/${f(r.e2eP99)} ms; capped ${c(capCpu)} others ${c(otherCpu)} tool ${(r.toolCpuSeconds / r.Duration).toFixed(2)}`);
            console.log(JSON.stringify({ ...r, scale: what, k, capCpu, otherCpu, cpuBudget: budget }));
        }
    ' "$cpus" "$k" "${#capped[@]}" "$scale"
    rm -f "$out"
}

read -r -a ks <<<"$nodes"
if [[ $scale == api ]]; then
    # One stack with every Api node; K = how many of them the members are spread over.
    start_stack 1 "$max_nodes"
    api_pids=()
    for ((i = 0; i < max_nodes; i++)); do api_pids+=("$(pid_on_port "$(api_port "$i")")"); done
    silo_pid=$(pid_on_port "$(silo_port 0)")
    echo "# $max_nodes Api nodes (pids ${api_pids[*]}), each capped at $cpus core; silo pid $silo_pid uncapped"
    for ((round = 0; round < rounds; round++)); do
        for ((j = 0; j < ${#ks[@]}; j++)); do
            k=${ks[$(((j + round) % ${#ks[@]}))]}
            capped=("${api_pids[@]}")
            measure "$k" "$(urls_of "$k")" "$silo_pid"
        done
    done
else
    # One stack per K: the grains go where the silos of the cluster are.
    for ((round = 0; round < rounds; round++)); do
        for ((j = 0; j < ${#ks[@]}; j++)); do
            k=${ks[$(((j + round) % ${#ks[@]}))]}
            start_stack "$k" 1
            capped=()
            for ((i = 0; i < k; i++)); do capped+=("$(pid_on_port "$(silo_port "$i")")"); done
            api_pid=$(pid_on_port "$port")
            echo "# $k silos (pids ${capped[*]}), each capped at $cpus core; Api pid $api_pid uncapped"
            measure "$k" "http://127.0.0.1:$port" "$api_pid"
            capped=()
            stop_stack
        done
    done
fi

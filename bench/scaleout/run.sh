#!/usr/bin/env bash
# Does the cluster scale by adding a process? Each Api node of a running stack gets the same CPU
# budget (a cgroup CPU quota), and the same load runs against the first K of them for each K:
# if adding a node adds its budget's worth of capacity, the rate each K carries grows with K.
# On one box this is how "add a machine" can be measured: the budget stands for the machine.
#
# Needs: a stack with several Api nodes, separate from the silo, and budgets that let the load tool in:
#   RATE_LIMIT_MAX=1000000 LOGIN_RATE_LIMIT=1000000 REGISTER_RATE_LIMIT=1000000 ./scripts/run.sh --separate --apis 3
# and root (to create the cgroups). Usage: bench/scaleout/run.sh [options], see --help.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)

cpus=0.25
members=200
rates="50 100 150 200"
nodes="1 2 3"
duration=15
senders=10
port=3000
rounds=1
hub=/hubs/gateway
usage() {
    cat <<EOF
Usage: bench/scaleout/run.sh [options]
  --cpus C        CPU budget of each Api node, in cores (default $cpus)
  --members N     members of the guild (default $members), spread over the nodes in turn
  --rates "R..."  total message rates, msg/s, one phase each on the same connections (default "$rates")
  --nodes "K..."  numbers of Api nodes to spread the members over (default "$nodes")
  --duration S    seconds of load per run (default $duration)
  --senders N     sending members (default $senders)
  --rounds N      times to run every K, K's order rotating (default $rounds)
  --port P        the first Api node's port (default $port); node i listens on P + 10*(i-1)
  --hub PATH      hub endpoint (default $hub)
Prints one line per (K, rate) and a JSON line (the load tool's, with the nodes' and the silo's CPU).
EOF
}
while [[ $# -gt 0 ]]; do
    case $1 in
        --cpus) cpus=$2; shift 2 ;;
        --members) members=$2; shift 2 ;;
        --rates) rates=$2; shift 2 ;;
        --nodes) nodes=$2; shift 2 ;;
        --duration) duration=$2; shift 2 ;;
        --senders) senders=$2; shift 2 ;;
        --rounds) rounds=$2; shift 2 ;;
        --port) port=$2; shift 2 ;;
        --hub) hub=$2; shift 2 ;;
        -h | --help) usage; exit 0 ;;
        *) usage >&2; echo "unknown option: $1" >&2; exit 2 ;;
    esac
done

die() { echo "scaleout: $*" >&2; exit 1; }
[[ $(id -u) == 0 ]] || die "needs root to create cgroups"

max_nodes=0
for k in $nodes; do ((k > max_nodes)) && max_nodes=$k; done

# The process listening on a port.
pid_on_port() { ss -ltnpH "sport = :$1" | grep -o 'pid=[0-9]*' | head -1 | cut -d= -f2; }
api_pids=()
for ((i = 0; i < max_nodes; i++)); do
    p=$(pid_on_port $((port + 10 * i)))
    [[ -n $p ]] || die "no Api node on port $((port + 10 * i)): start the stack with ./scripts/run.sh --separate --apis $max_nodes"
    tr '\0' ' ' <"/proc/$p/cmdline" | grep -q 'LesCopains\.Api\.dll' ||
        die "port $((port + 10 * i)) is not an Api node of its own (the node layout's first Api is also a silo: use --separate)"
    api_pids+=("$p")
done
silo_pid=$(pgrep -f 'LesCopains\.Silo\.dll' | head -1 || true)

# cgroup v1 (cpu controller) or v2: one group per Api node, 10 ms periods (short periods keep a
# throttled node's stalls short; the default 100 ms would add up to 100 ms to a tail).
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
release() {
    local g
    for g in "${groups[@]}"; do
        while read -r p; do echo "$p" >"$cg_root/cgroup.procs" 2>/dev/null || true; done <"$g/cgroup.procs"
        rmdir "$g" 2>/dev/null || true
    done
}
trap release EXIT
for ((i = 0; i < max_nodes; i++)); do
    g=$cg_root/lescopains-scaleout-$((i + 1))
    mkdir -p "$g"
    cg_limit "$g"
    groups+=("$g")
done
cap() { local i; for ((i = 0; i < max_nodes; i++)); do echo "${api_pids[$i]}" >"${groups[$i]}/cgroup.procs"; done; }
uncap() { local p; for p in "${api_pids[@]}"; do echo "$p" >"$cg_root/cgroup.procs"; done; }

tool=$root/bench/LesCopains.Bench/bin/Release/net10.0/LesCopains.Bench.dll
dotnet build "$root/bench/LesCopains.Bench" -c Release -nologo -v quiet >/dev/null || die "could not build the load tool"
watch=$(IFS=,; echo "${api_pids[*]}${silo_pid:+,$silo_pid}")
node_urls() { local k=$1 i urls=''; for ((i = 0; i < k; i++)); do urls+="${urls:+,}http://127.0.0.1:$((port + 10 * i))"; done; echo "$urls"; }

echo "# $max_nodes Api nodes (pids ${api_pids[*]}), each capped at $cpus core; silo pid ${silo_pid:-none} uncapped"

# Warm-up, not reported: every node serves load once uncapped, so that no measured run pays for a
# node's first compilation of the hot path (under a small budget that takes seconds).
echo "# warming up the $max_nodes nodes (uncapped, not reported)"
dotnet "$tool" --url "$(node_urls "$max_nodes")" --hub "$hub" --members "$members" --rate 100 --duration 10 --senders "$senders" >/dev/null 2>&1 ||
    die "the warm-up run failed"

# One load tool per K: accounts and connections once (uncapped: password hashing is slow on
# purpose), then one phase per rate with every node capped.
run_k() {
    local k=$1 out rc=0
    out=$(mktemp)
    dotnet "$tool" --url "$(node_urls "$k")" --hub "$hub" --members "$members" --rate "${rates// /,}" \
        --duration "$duration" --senders "$senders" --watch "$watch" >"$out" 2>&1 &
    local tool_pid=$!
    until grep -q 'connections open' "$out" || ! kill -0 "$tool_pid" 2>/dev/null; do sleep 0.2; done
    cap
    wait "$tool_pid" || rc=$?
    uncap
    grep -q '^{' "$out" || { echo "K=$k: the load tool failed:" >&2; tail -5 "$out" >&2; }
    grep '^{' "$out" | node -e '
        const lines = require("fs").readFileSync(0, "utf8").trim().split("\n").filter(Boolean);
        const [budget, k, apis] = [Number(process.argv[1]), Number(process.argv[2]), Number(process.argv[3])];
        const f = (x) => (x ?? NaN).toFixed(1);
        for (const line of lines) {
            const r = JSON.parse(line);
            const api = r.watchedCores.slice(0, apis), silo = r.watchedCores[apis];
            const ok = r.deliveries === r.expected && r.failed === 0;
            console.log(`K=${k} rate=${r.Rate}: ${ok ? "all" : `${r.deliveries}/${r.expected}`} delivered, ${r.deliveriesPerSecond.toFixed(0)} deliveries/s, ack p50 ${f(r.ackP50)}, end-to-end p50/p95/p99 ${f(r.e2eP50)}/${f(r.e2eP95)}/${f(r.e2eP99)} ms; Api nodes CPU [${api.map((c) => c.toFixed(2))}] silo ${(silo ?? NaN).toFixed(2)} tool ${(r.toolCpuSeconds / r.Duration).toFixed(2)}`);
            console.log(JSON.stringify({ ...r, apiCpu: api, siloCpu: silo, cpuBudget: budget }));
        }
    ' "$cpus" "$k" "$max_nodes"
    rm -f "$out"
    return 0
}

read -r -a ks <<<"$nodes"
for ((round = 0; round < rounds; round++)); do
    # Rotate which K goes first, so that a drift of the machine does not favour one.
    for ((j = 0; j < ${#ks[@]}; j++)); do
        run_k "${ks[$(((j + round) % ${#ks[@]}))]}"
    done
done

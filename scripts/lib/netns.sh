# shellcheck shell=bash
# A private network namespace for tests that carry real media (voice, screen share). Needs
# common.sh and root.
#
# Why: Janus never gathers ICE candidates on a loopback interface, and Chromium gathers on every
# interface of the machine, so a plain localhost run would send media over the machine's real
# addresses. Inside the namespace the only interfaces are `lo` and a veth pair carrying test
# addresses (LC_NETNS_SFU_IP on lctest0, LC_NETNS_PEER_IP on lctest1): every packet of the test
# stays in it, and deleting the namespace removes every interface and address it created.

LC_NETNS_SFU_IF=lctest0
LC_NETNS_PEER_IF=lctest1
LC_NETNS_SFU_IP=10.99.0.1
LC_NETNS_PEER_IP=10.99.0.2

# netns_up NAME: create namespace NAME with lo up and the veth pair addressed; idempotent (a
# namespace left by an interrupted run is completed, not duplicated).
netns_up() {
    local ns=$1
    is_root || die "network namespaces need root (run as root, or skip the voice tests)"
    require_cmd ip iproute2
    [[ $ns =~ ^[A-Za-z0-9_.-]+$ ]] || die "unexpected namespace name '$ns'"
    if ! ip netns list | grep -qE "^$ns( |$)"; then
        ip netns add "$ns" || die "could not create network namespace $ns"
    fi
    ip -n "$ns" link set lo up
    if ! ip -n "$ns" link show "$LC_NETNS_SFU_IF" >/dev/null 2>&1; then
        ip -n "$ns" link add "$LC_NETNS_SFU_IF" type veth peer name "$LC_NETNS_PEER_IF" ||
            die "could not create the veth pair in $ns"
    fi
    _netns_addr "$ns" "$LC_NETNS_SFU_IF" "$LC_NETNS_SFU_IP/24"
    _netns_addr "$ns" "$LC_NETNS_PEER_IF" "$LC_NETNS_PEER_IP/24"
    ip -n "$ns" link set "$LC_NETNS_SFU_IF" up
    ip -n "$ns" link set "$LC_NETNS_PEER_IF" up
    # IPv4 only: link-local IPv6 candidates would only add ICE pairs to try.
    ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 >/dev/null 2>&1 || true
}

_netns_addr() {
    ip -n "$1" -4 addr show dev "$2" | grep -q "inet ${3%/*}/" || ip -n "$1" addr add "$3" dev "$2"
}

# netns_check NAME: fail unless the namespace holds exactly lo and the veth pair, all up, and no
# default route (nothing can leave it).
netns_check() {
    local ns=$1 links
    links=$(ip -n "$ns" -o link show | awk -F': ' '{print $2}' | sed 's/@.*//' | sort | tr '\n' ' ')
    [[ $links == "lctest0 lctest1 lo " ]] || die "namespace $ns has unexpected interfaces: $links"
    if ip -n "$ns" route show default | grep -q .; then
        die "namespace $ns has a default route"
    fi
}

# netns_exec NAME CMD...: run CMD inside the namespace.
netns_exec() {
    local ns=$1
    shift
    ip netns exec "$ns" "$@"
}

# netns_down NAME: stop every process still inside the namespace (TERM, then KILL after 10 s)
# and delete it. Safe to call when it does not exist.
netns_down() {
    local ns=$1 pids i
    ip netns list | grep -qE "^$ns( |$)" || return 0
    pids=$(ip netns pids "$ns" 2>/dev/null | tr '\n' ' ')
    if [[ -n ${pids// /} ]]; then
        # shellcheck disable=SC2086 # a list of pids
        kill -TERM $pids 2>/dev/null
        for ((i = 0; i < 50; i++)); do
            [[ -z $(ip netns pids "$ns" 2>/dev/null) ]] && break
            sleep 0.2
        done
        pids=$(ip netns pids "$ns" 2>/dev/null | tr '\n' ' ')
        # shellcheck disable=SC2086
        [[ -n ${pids// /} ]] && kill -KILL $pids 2>/dev/null
    fi
    ip netns del "$ns" 2>/dev/null || warn "could not delete network namespace $ns"
}

# shellcheck shell=bash
# Shared helpers for scripts/run.sh and scripts/test.sh. Source it; do not run it.

LC_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
export LC_ROOT

if [[ -t 1 ]]; then
    _c_info=$'\033[1;34m' _c_warn=$'\033[1;33m' _c_err=$'\033[1;31m' _c_off=$'\033[0m'
else
    _c_info='' _c_warn='' _c_err='' _c_off=''
fi

info() { printf '%s==>%s %s\n' "$_c_info" "$_c_off" "$*"; }
warn() { printf '%swarning:%s %s\n' "$_c_warn" "$_c_off" "$*" >&2; }
die() {
    printf '%serror:%s %s\n' "$_c_err" "$_c_off" "$*" >&2
    exit 1
}

is_root() { [[ $(id -u) -eq 0 ]]; }

# Seconds since the epoch, for step timings.
now() { date +%s; }

# require_cmd NAME HINT: stop with a clear message when a tool is missing.
require_cmd() {
    command -v "$1" >/dev/null 2>&1 || die "'$1' was not found on PATH. $2"
}

require_dotnet() {
    require_cmd dotnet "Install the .NET 10 SDK (https://dotnet.microsoft.com/download, or Debian/Ubuntu package 'dotnet-sdk-10.0')."
}

require_npm() {
    require_cmd node "Install Node.js 20 or newer (it brings npm)."
    require_cmd npm "Install npm (it ships with Node.js 20)."
}

# Newest PostgreSQL server binaries installed by the Debian/Ubuntu packages, or empty.
pg_bin_dir() {
    local d best='' best_v=0 v
    for d in /usr/lib/postgresql/*/bin; do
        [[ -x $d/initdb && -x $d/pg_ctl ]] || continue
        v=${d#/usr/lib/postgresql/}
        v=${v%%/*}
        v=${v%%.*}
        [[ $v =~ ^[0-9]+$ ]] || continue
        if ((v > best_v)); then
            best_v=$v
            best=$d
        fi
    done
    printf '%s' "$best"
}

# Which of the apt packages a role needs are missing. Checks the installed
# programs rather than package names, so a PostgreSQL from another source counts.
_apt_missing() {
    local want missing=()
    for want in "$@"; do
        case $want in
            postgresql) [[ -n $(pg_bin_dir) ]] || missing+=(postgresql) ;;
            redis-server) command -v redis-server >/dev/null 2>&1 && command -v redis-cli >/dev/null 2>&1 || missing+=(redis-server) ;;
            chromium) [[ -x /usr/bin/chromium ]] || missing+=(chromium) ;;
            curl) command -v curl >/dev/null 2>&1 || missing+=(curl) ;;
            *) dpkg-query -W -f='${Status}' "$want" 2>/dev/null | grep -q 'install ok installed' || missing+=("$want") ;;
        esac
    done
    printf '%s\n' "${missing[@]}"
}

# ensure_apt_packages PKG...: install what is missing, with one 'apt-get update' first.
# Waits for another apt/dpkg run to finish instead of failing on its lock.
ensure_apt_packages() {
    local missing=() sudo=()
    mapfile -t missing < <(_apt_missing "$@")
    [[ ${#missing[@]} -eq 0 || -z ${missing[0]} ]] && return 0
    if ! command -v apt-get >/dev/null 2>&1; then
        die "missing: ${missing[*]}. This is not a Debian/Ubuntu system: install them with your package manager, or pass DATABASE_URL/REDIS_URL of existing servers."
    fi
    if ! is_root; then
        command -v sudo >/dev/null 2>&1 || die "missing: ${missing[*]}. Run as root, or install them: apt-get install ${missing[*]}"
        sudo=(sudo)
    fi
    info "Installing missing packages: ${missing[*]}"
    local t0
    t0=$(now)
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 update -qq ||
        die "apt-get update failed"
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 \
        install -y --no-install-recommends "${missing[@]}" >/dev/null ||
        die "apt-get install ${missing[*]} failed"
    info "Installed ${missing[*]} in $(($(now) - t0))s"
}

# port_in_use PORT: true when something accepts TCP connections on 127.0.0.1:PORT.
port_in_use() {
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# pick_free_port VAR: store in VAR a TCP port that nothing listens on, below the
# Linux ephemeral range, and never one this script already handed out.
_LC_PORTS_GIVEN=()
pick_free_port() {
    local p tries=0 x taken
    while ((tries < 200)); do
        tries=$((tries + 1))
        p=$((20000 + RANDOM % 12000))
        taken=0
        for x in "${_LC_PORTS_GIVEN[@]}"; do
            [[ $x == "$p" ]] && taken=1
        done
        ((taken)) && continue
        port_in_use "$p" && continue
        _LC_PORTS_GIVEN+=("$p")
        printf -v "$1" '%s' "$p"
        return 0
    done
    die "could not find a free TCP port"
}

# random_secret BYTES: base64 of BYTES random bytes, on one line.
random_secret() {
    head -c "$1" /dev/urandom | base64 -w0
}

# random_password LENGTH: letters and digits only, safe in URLs and env files.
random_password() {
    local out=''
    while ((${#out} < $1)); do
        out+=$(head -c 64 /dev/urandom | base64 -w0 | tr -dc 'A-Za-z0-9')
    done
    printf '%s' "${out:0:$1}"
}

# http_ok URL: true when URL answers 2xx.
http_ok() {
    curl -fsS -o /dev/null --max-time 3 "$1" 2>/dev/null
}

# wait_for_http URL TIMEOUT_SECONDS [PID] [NAME]: poll until URL answers 2xx.
# Gives up early when PID (the process that should serve it) has exited.
wait_for_http() {
    local url=$1 timeout=$2 pid=${3:-} name=${4:-$1} deadline
    deadline=$(($(now) + timeout))
    while :; do
        http_ok "$url" && return 0
        if [[ -n $pid ]] && ! kill -0 "$pid" 2>/dev/null; then
            warn "$name exited before $url answered"
            return 1
        fi
        if (($(now) >= deadline)); then
            warn "$name: $url did not answer within ${timeout}s"
            return 1
        fi
        sleep 0.5
    done
}

# ensure_secrets FILE: create FILE (mode 600) with the secrets the processes need,
# adding only the keys it lacks, so secrets are generated once and then kept.
ensure_secrets() {
    local file=$1 key
    mkdir -p "$(dirname "$file")"
    (
        umask 077
        touch "$file"
    )
    chmod 600 "$file"
    _secret_missing() { ! grep -q "^$1=" "$file"; }
    for key in JWT_SECRET MFA_SECRET_KEY ADMIN_PASSWORD PRIVATE_POSTGRES_PASSWORD PRIVATE_REDIS_PASSWORD SFU_WORKER_SECRET; do
        _secret_missing "$key" || continue
        info "Generated $key into $file"
        case $key in
            JWT_SECRET | MFA_SECRET_KEY) printf '%s=%s\n' "$key" "$(random_secret 48)" >>"$file" ;;
            SFU_WORKER_SECRET) printf 'SFU_WORKER_SECRET=%s\n' "$(random_password 40)" >>"$file" ;;
            *) printf '%s=%s\n' "$key" "$(random_password 24)" >>"$file" ;;
        esac
    done
}

# web_install: 'npm ci' in src/Web unless node_modules already matches package-lock.json.
web_install() {
    local web=$LC_ROOT/src/Web stamp lock_hash
    stamp=$web/node_modules/.lescopains-lock.sha256
    if [[ ! -f $web/package-lock.json ]]; then
        warn "src/Web/package-lock.json is missing: running 'npm install' (commit the lock file for reproducible builds)"
        (cd "$web" && npm install --no-audit --no-fund) || return 1
        return 0
    fi
    lock_hash=$(sha256sum "$web/package-lock.json" | cut -d' ' -f1)
    if [[ -f $stamp && $(cat "$stamp") == "$lock_hash" ]]; then
        info "src/Web/node_modules is up to date with package-lock.json"
        return 0
    fi
    info "npm ci (src/Web)"
    (cd "$web" && npm ci --no-audit --no-fund) || return 1
    mkdir -p "$web/node_modules"
    printf '%s\n' "$lock_hash" >"$stamp"
}

# web_has_script NAME: true when src/Web/package.json defines that npm script.
web_has_script() {
    node -e 'const s=require(process.argv[1]).scripts||{};process.exit(s[process.argv[2]]?0:1)' \
        "$LC_ROOT/src/Web/package.json" "$1"
}

# shellcheck shell=bash
# A private PostgreSQL server in a data directory of our own, never the system service.
# PostgreSQL refuses to run as root: when root, the server runs as the 'postgres' system
# user (created by the Debian package) through runuser. Needs common.sh.
# Unix sockets are switched off: everything talks TCP on 127.0.0.1.

# pg_as_owner CMD...: run CMD as the user that owns the server's files.
pg_as_owner() {
    if is_root; then
        (cd / && runuser -u postgres -- "$@")
    else
        (cd / && "$@")
    fi
}

# pg_prepare_dir DIR: create DIR for the server's files and make sure its owner can use it.
pg_prepare_dir() {
    local dir=$1 p part parts
    [[ $dir == /* ]] || die "pg_prepare_dir needs an absolute path, got '$dir'"
    mkdir -p "$dir"
    if is_root; then
        id postgres >/dev/null 2>&1 ||
            die "the 'postgres' system user does not exist; install the 'postgresql' package (it creates it)"
        chown postgres:postgres "$dir"
        chmod 700 "$dir"
        if ! runuser -u postgres -- test -w "$dir" -a -x "$dir"; then
            # Find the first directory from / down that the postgres user cannot enter.
            p=''
            IFS=/ read -ra parts <<<"${dir#/}"
            for part in "${parts[@]}"; do
                p+=/$part
                if ! runuser -u postgres -- test -x "$p"; then
                    die "PostgreSQL runs as the 'postgres' user (it refuses to run as root), and that user cannot enter '$p' (mode $(stat -c %a "$p")). Either give it access ('chmod o+x $p'), move the checkout to a directory others can enter (e.g. /opt or /srv), or pass DATABASE_URL of an existing server."
                fi
            done
            die "the 'postgres' user cannot write to '$dir'"
        fi
    else
        chmod 700 "$dir"
    fi
}

# pg_data_major DIR: the major version that initialised DIR, or empty.
pg_data_major() {
    if [[ -f $1/PG_VERSION ]]; then
        cat "$1/PG_VERSION"
    elif is_root && runuser -u postgres -- test -f "$1/PG_VERSION" 2>/dev/null; then
        runuser -u postgres -- cat "$1/PG_VERSION"
    fi
}

# pg_init BIN DIR SUPERUSER PASSWORD [fast]: initdb once; later calls keep the existing data.
# 'fast' turns durability off (fsync, full-page writes): for throwaway test servers only.
pg_init() {
    local bin=$1 dir=$2 user=$3 password=$4 mode=${5:-} major pwfile
    major=$(pg_data_major "$dir")
    if [[ -n $major ]]; then
        local bin_major
        bin_major=$("$bin/pg_ctl" --version | sed -E 's/.* ([0-9]+)(\.[0-9]+)*.*/\1/')
        if [[ $major != "$bin_major" ]]; then
            die "$dir holds a PostgreSQL $major cluster but the server found is $bin_major ($bin). Upgrade it with pg_upgrade (see docs/operations.md) or install PostgreSQL $major."
        fi
        return 0
    fi
    pg_prepare_dir "$dir"
    pwfile=$(mktemp)
    printf '%s\n' "$password" >"$pwfile"
    is_root && chown postgres "$pwfile"
    if ! pg_as_owner "$bin/initdb" -D "$dir" -U "$user" --pwfile="$pwfile" \
        --auth-host=scram-sha-256 --auth-local=peer -E UTF8 --locale=C.UTF-8 >"$dir.initdb.log" 2>&1; then
        rm -f "$pwfile"
        cat "$dir.initdb.log" >&2
        die "initdb failed for $dir"
    fi
    rm -f "$pwfile" "$dir.initdb.log"
    {
        printf '\n# Private server: TCP on loopback only, no Unix socket.\n'
        printf "listen_addresses = '127.0.0.1'\n"
        printf "unix_socket_directories = ''\n"
        printf 'max_connections = 200\n'
        if [[ $mode == fast ]]; then
            printf '# Throwaway test server: durability off for speed.\n'
            printf 'fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n'
        fi
    } | pg_as_owner tee -a "$dir/postgresql.conf" >/dev/null
}

# pg_is_running BIN DIR
pg_is_running() {
    pg_as_owner "$1/pg_ctl" -D "$2" status >/dev/null 2>&1
}

# pg_start BIN DIR PORT: start the server in DIR on 127.0.0.1:PORT and wait until it accepts.
pg_start() {
    local bin=$1 dir=$2 port=$3
    if pg_as_owner "$bin/pg_ctl" -D "$dir" -l "$dir/server.log" -o "-p $port" -w -t 60 start >/dev/null; then
        return 0
    fi
    warn "PostgreSQL did not start; the end of $dir/server.log:"
    pg_as_owner tail -n 20 "$dir/server.log" >&2 || true
    return 1
}

# pg_stop BIN DIR: fast shutdown (active sessions are disconnected), waits for it.
pg_stop() {
    local bin=$1 dir=$2
    pg_is_running "$bin" "$dir" || return 0
    pg_as_owner "$bin/pg_ctl" -D "$dir" -m fast -w -t 60 stop >/dev/null ||
        pg_as_owner "$bin/pg_ctl" -D "$dir" -m immediate -w -t 30 stop >/dev/null
}

# pg_sql BIN PORT USER PASSWORD DB SQL: run SQL, print unaligned tuples.
pg_sql() {
    PGPASSWORD=$4 PGCONNECT_TIMEOUT=5 "$1/psql" -X -q -h 127.0.0.1 -p "$2" -U "$3" -d "$5" \
        -v ON_ERROR_STOP=1 -tAc "$6"
}

# pg_ensure_db BIN PORT USER PASSWORD DBNAME: create the database when it does not exist.
pg_ensure_db() {
    local bin=$1 port=$2 user=$3 password=$4 db=$5
    [[ $db =~ ^[a-z_][a-z0-9_]*$ ]] || die "unexpected database name '$db'"
    if [[ $(pg_sql "$bin" "$port" "$user" "$password" postgres "SELECT 1 FROM pg_database WHERE datname = '$db'") != 1 ]]; then
        pg_sql "$bin" "$port" "$user" "$password" postgres "CREATE DATABASE $db" || return 1
        info "Created database $db"
    fi
}

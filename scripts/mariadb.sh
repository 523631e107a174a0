#!/usr/bin/env bash
# A throwaway MariaDB server (MySQL's protocol) for the seed import's tests and CI.
#
#   scripts/mariadb.sh install          install the server (Debian's `mariadb-server`) if it is missing
#   scripts/mariadb.sh start DIR        create (or restart) a server in DIR; prints its URL
#   scripts/mariadb.sh stop DIR         stop the server in DIR (nothing to do if it is stopped)
#   scripts/mariadb.sh url DIR          print the URL of the running server in DIR
#
# The URL is mysql://tms:tms@127.0.0.1:PORT/seed: user `tms` (password `tms`, every privilege,
# so that tests may create databases of their own) and an empty database `seed`. The server
# listens on 127.0.0.1 only, on a free port chosen at each start, and on a socket in DIR: it is
# for tests on this machine, never for data that matters. Its data, socket, log and port file
# live in DIR; remove DIR after `stop` to get rid of it. Only URLs go to standard output,
# everything else to standard error, so `url=$(scripts/mariadb.sh start "$dir")` works.
#
# mariadbd refuses to run as root: as root, the server runs as the system user `tmsmariadb`
# (created if missing), which then owns DIR.
set -euo pipefail

readonly NAME=mariadb.sh
# shellcheck source=scripts/lib/throwaway.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/throwaway.sh"

readonly SERVICE_USER=tmsmariadb
readonly DB_USER=tms
readonly DB_PASSWORD=tms
readonly DB_NAME=seed


usage() {
    sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 2
}

# The first of the named programs found in the system's directories or on PATH.
find_program() {
    local name dir
    for name in "$@"; do
        for dir in /usr/sbin /usr/bin /usr/local/sbin /usr/local/bin; do
            if [[ -x "$dir/$name" ]]; then
                printf '%s\n' "$dir/$name"
                return 0
            fi
        done
        if command -v "$name" >/dev/null 2>&1; then
            command -v "$name"
            return 0
        fi
    done
    return 1
}

server() { find_program mariadbd mysqld; }
installer() { find_program mariadb-install-db mysql_install_db; }
client() { find_program mariadb mysql; }
admin() { find_program mariadb-admin mysqladmin; }

need() {
    "$1" || die "MariaDB programs not found; run: $0 install"
}

cmd_install() {
    if server >/dev/null && installer >/dev/null && client >/dev/null && admin >/dev/null; then
        return 0
    fi
    say "installing MariaDB (Debian package mariadb-server)"
    command -v apt-get >/dev/null || die "no apt-get: install MariaDB some other way"
    as_root apt-get update -qq >&2
    # No service is started: policy-rc.d answers 101 ("action forbidden") while installing
    # when there is none already.
    local policy=/usr/sbin/policy-rc.d made_policy=""
    if [[ ! -e $policy ]]; then
        as_root sh -c "printf '#!/bin/sh\nexit 101\n' > $policy && chmod 755 $policy"
        made_policy=1
    fi
    as_root env DEBIAN_FRONTEND=noninteractive \
        apt-get install -y -qq --no-install-recommends mariadb-server mariadb-client >&2 ||
        { [[ -z $made_policy ]] || as_root rm -f "$policy"; die "installing mariadb-server failed"; }
    [[ -z $made_policy ]] || as_root rm -f "$policy"
    server >/dev/null || die "mariadb-server installed, but mariadbd is still not found"
    say "installed: $("$(server)" --version)"
}

socket_of() { printf '%s/run/mariadb.sock\n' "$1"; }

# Whether the server of DIR answers on its socket.
is_running() {
    local dir=$1
    [[ -S "$(socket_of "$dir")" ]] || return 1
    "$(admin)" --no-defaults --socket="$(socket_of "$dir")" -u root --connect-timeout=2 \
        ping >/dev/null 2>&1
}

url_of() {
    local dir=$1
    [[ -f "$dir/port" ]] || die "no server was started in $dir"
    printf 'mysql://%s:%s@127.0.0.1:%s/%s\n' "$DB_USER" "$DB_PASSWORD" "$(cat "$dir/port")" "$DB_NAME"
}

# Runs SQL as the server's root over its socket.
run_sql() {
    local dir=$1 sql=$2
    "$(client)" --no-defaults --socket="$(socket_of "$dir")" -u root -e "$sql"
}

cmd_start() {
    [[ $# -eq 1 ]] || usage
    local dir=$1 user port attempt pid
    need server >/dev/null
    need installer >/dev/null
    mkdir -p "$dir"
    dir=$(absolute "$dir")
    if is_running "$dir"; then
        say "already running"
        url_of "$dir"
        return 0
    fi
    user=$(server_user "$dir")
    own_dir "$dir" "$user"
    mkdir -p "$dir/run"
    [[ $(id -u) -ne 0 ]] || chown -R "$user:" "$dir"
    if [[ ! -d "$dir/data/mysql" ]]; then
        say "creating a server in $dir/data (server user $user)"
        as_server "$user" "$dir" "$(installer)" --no-defaults --datadir="$dir/data" \
            --auth-root-authentication-method=normal --skip-test-db >"$dir/install.log" 2>&1 ||
            { tail -n 20 "$dir/install.log" >&2; die "creating the server failed (log: $dir/install.log)"; }
    fi
    # Another process may take the port between choosing and binding it: choose again.
    for attempt in 1 2 3 4 5; do
        port=$(free_port)
        : >"$dir/log"
        [[ $(id -u) -ne 0 ]] || chown "$user:" "$dir/log"
        as_server "$user" "$dir" nohup "$(server)" --no-defaults --datadir="$dir/data" \
            --socket="$(socket_of "$dir")" --pid-file="$dir/run/mariadbd.pid" \
            --port="$port" --bind-address=127.0.0.1 --skip-name-resolve \
            --log-error="$dir/log" --innodb-buffer-pool-size=64M \
            --character-set-server=utf8mb4 --collation-server=utf8mb4_general_ci \
            </dev/null >/dev/null 2>&1 &
        for _ in $(seq 1 120); do
            is_running "$dir" && break
            sleep 0.5
        done
        if is_running "$dir"; then
            break
        fi
        if [[ $attempt -lt 5 ]] && grep -qi 'address already in use\|bind on TCP/IP port' "$dir/log"; then
            say "port $port was taken; trying another"
            continue
        fi
        tail -n 20 "$dir/log" >&2 || true
        die "the server did not start (log: $dir/log)"
    done
    printf '%s\n' "$port" >"$dir/port"
    run_sql "$dir" "CREATE DATABASE IF NOT EXISTS \`$DB_NAME\` CHARACTER SET utf8mb4;
        CREATE USER IF NOT EXISTS '$DB_USER'@'127.0.0.1' IDENTIFIED BY '$DB_PASSWORD';
        CREATE USER IF NOT EXISTS '$DB_USER'@'localhost' IDENTIFIED BY '$DB_PASSWORD';
        GRANT ALL PRIVILEGES ON *.* TO '$DB_USER'@'127.0.0.1' WITH GRANT OPTION;
        GRANT ALL PRIVILEGES ON *.* TO '$DB_USER'@'localhost' WITH GRANT OPTION;
        FLUSH PRIVILEGES;"
    pid=$(cat "$dir/run/mariadbd.pid" 2>/dev/null || echo '?')
    say "running on port $port (process $pid)"
    url_of "$dir"
}

cmd_stop() {
    [[ $# -eq 1 ]] || usage
    local dir=$1 pid
    if [[ ! -d "$dir/data" ]]; then
        say "no server in $dir"
        return 0
    fi
    dir=$(absolute "$dir")
    if ! is_running "$dir"; then
        say "not running"
        return 0
    fi
    pid=$(cat "$dir/run/mariadbd.pid" 2>/dev/null || true)
    "$(admin)" --no-defaults --socket="$(socket_of "$dir")" -u root shutdown >&2
    # Shut down once its process is gone.
    if [[ -n $pid ]]; then
        for _ in $(seq 1 120); do
            kill -0 "$pid" 2>/dev/null || return 0
            sleep 0.5
        done
        die "the server (process $pid) did not stop"
    fi
}

cmd_url() {
    [[ $# -eq 1 ]] || usage
    local dir
    dir=$(absolute "$1")
    is_running "$dir" || die "no server is running in $dir"
    url_of "$dir"
}

main() {
    [[ $# -ge 1 ]] || usage
    local cmd=$1
    shift
    case $cmd in
    install) [[ $# -eq 0 ]] || usage; cmd_install ;;
    start) cmd_start "$@" ;;
    stop) cmd_stop "$@" ;;
    url) cmd_url "$@" ;;
    *) usage ;;
    esac
}

main "$@"

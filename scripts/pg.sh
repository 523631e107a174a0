#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for tests and CI.
#
#   scripts/pg.sh install          install the server (Debian's `postgresql`) if it is missing
#   scripts/pg.sh start DIR        create (or restart) a cluster in DIR; prints its URL
#   scripts/pg.sh stop DIR         stop the cluster in DIR (nothing to do if it is stopped)
#   scripts/pg.sh url DIR          print the URL of the running cluster in DIR
#   scripts/pg.sh createdb DIR DB  create database DB in the running cluster; prints its URL
#   scripts/pg.sh bindir           print the directory of the server and client programs
#
# The URLs are postgres://USER@127.0.0.1:PORT/DATABASE. The cluster listens on 127.0.0.1 only,
# on a free port chosen at each start, with trust authentication (no password): it is for
# tests on this machine, never for data that matters. Its socket, log and port file live in
# DIR too; remove DIR after `stop` to get rid of it. Only URLs go to standard output,
# everything else to standard error, so `url=$(scripts/pg.sh start "$dir")` works.
#
# initdb and postgres refuse to run as root: as root, the server runs as the system user
# `tmspg` (created if missing), which then owns DIR. Set PG_BINDIR to use other binaries than
# the newest under /usr/lib/postgresql or those on PATH.
set -euo pipefail

readonly NAME=pg.sh
# shellcheck source=scripts/lib/throwaway.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/throwaway.sh"

readonly SERVICE_USER=tmspg


usage() {
    sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 2
}

# The directory holding initdb and pg_ctl: PG_BINDIR, else the newest Debian version under
# /usr/lib/postgresql (not on PATH there), else wherever PATH finds them.
find_bindir() {
    if [[ -n "${PG_BINDIR:-}" ]]; then
        [[ -x "$PG_BINDIR/initdb" && -x "$PG_BINDIR/pg_ctl" ]] ||
            die "PG_BINDIR=$PG_BINDIR has no initdb and pg_ctl"
        printf '%s\n' "$PG_BINDIR"
        return 0
    fi
    local dir best=""
    for dir in /usr/lib/postgresql/*/bin; do
        [[ -x "$dir/initdb" && -x "$dir/pg_ctl" && -x "$dir/postgres" ]] || continue
        best+="$dir"$'\n'
    done
    if [[ -n "$best" ]]; then
        printf '%s' "$best" | sort -V | tail -n 1
        return 0
    fi
    local initdb
    if initdb=$(command -v initdb) && command -v pg_ctl >/dev/null; then
        dirname "$initdb"
        return 0
    fi
    return 1
}

bindir() {
    find_bindir || die "PostgreSQL server programs not found; run: $0 install"
}

cmd_install() {
    if find_bindir >/dev/null; then
        return 0
    fi
    say "installing PostgreSQL (Debian package postgresql)"
    command -v apt-get >/dev/null || die "no apt-get: install the PostgreSQL server some other way"
    as_root apt-get update -qq >&2
    as_root env DEBIAN_FRONTEND=noninteractive \
        apt-get install -y -qq --no-install-recommends postgresql >&2
    local dir
    dir=$(find_bindir) || die "postgresql installed, but initdb and pg_ctl are still not found"
    say "installed: $("$dir/postgres" --version)"
}

is_running() {
    local dir=$1 user
    [[ -f "$dir/data/PG_VERSION" ]] || return 1
    user=$(server_user "$dir")
    as_server "$user" "$dir" "$(bindir)/pg_ctl" -D "$dir/data" status >/dev/null 2>&1
}

url_of() {
    local dir=$1 db=$2
    [[ -f "$dir/port" && -f "$dir/user" ]] || die "no cluster was started in $dir"
    printf 'postgres://%s@127.0.0.1:%s/%s\n' "$(cat "$dir/user")" "$(cat "$dir/port")" "$db"
}

init_cluster() {
    local dir=$1 user=$2 bin=$3
    # Byte order for text (as SQLite compares), Unicode character classes when the system has
    # a UTF-8 C locale: lower() and the full-text parser then know non-ASCII letters.
    local ctype=C locales
    locales=$(locale -a 2>/dev/null || true)
    if grep -qixE 'c\.utf-?8' <<<"$locales"; then
        ctype=C.UTF-8
    fi
    say "creating a cluster in $dir/data (server user $user, LC_CTYPE $ctype)"
    as_server "$user" "$dir" "$bin/initdb" -D "$dir/data" -U "$user" --auth=trust \
        --encoding=UTF8 --locale=C --lc-ctype="$ctype" >&2
    cat >>"$dir/data/postgresql.conf" <<EOF

# scripts/pg.sh: a test cluster on a small machine.
listen_addresses = '127.0.0.1'
unix_socket_directories = '$dir/run'
max_connections = 200
shared_buffers = 256MB
timezone = 'UTC'
log_timezone = 'UTC'
EOF
    printf '%s\n' "$user" >"$dir/user"
}

cmd_start() {
    [[ $# -eq 1 ]] || usage
    local dir=$1 bin user port attempt
    bin=$(bindir)
    mkdir -p "$dir"
    dir=$(absolute "$dir")
    if is_running "$dir"; then
        say "already running"
        url_of "$dir" tms
        return 0
    fi
    user=$(server_user "$dir")
    own_dir "$dir" "$user"
    mkdir -p "$dir/run"
    if [[ ! -f "$dir/data/PG_VERSION" ]]; then
        init_cluster "$dir" "$user" "$bin"
    fi
    if [[ $(id -u) -eq 0 ]]; then
        chown -R "$user:" "$dir"
    fi
    # Another process may take the port between choosing and binding it: choose again.
    for attempt in 1 2 3 4 5; do
        port=$(free_port)
        : >"$dir/log"
        [[ $(id -u) -ne 0 ]] || chown "$user:" "$dir/log"
        if as_server "$user" "$dir" "$bin/pg_ctl" -D "$dir/data" -l "$dir/log" -w -t 60 \
            -o "-p $port" start >&2; then
            break
        fi
        if [[ $attempt -lt 5 ]] && grep -q 'could not bind\|Address already in use' "$dir/log"; then
            say "port $port was taken; trying another"
            continue
        fi
        tail -n 20 "$dir/log" >&2 || true
        die "the server did not start (log: $dir/log)"
    done
    printf '%s\n' "$port" >"$dir/port"
    local exists
    exists=$("$bin/psql" -X -q -h 127.0.0.1 -p "$port" -U "$user" -d postgres -tAc \
        "SELECT count(*) FROM pg_database WHERE datname = 'tms'")
    if [[ $exists == 0 ]]; then
        "$bin/createdb" -h 127.0.0.1 -p "$port" -U "$user" tms
    fi
    say "running on port $port"
    url_of "$dir" tms
}

cmd_stop() {
    [[ $# -eq 1 ]] || usage
    local dir=$1 user
    if [[ ! -f "$dir/data/PG_VERSION" ]]; then
        say "no cluster in $dir"
        return 0
    fi
    dir=$(absolute "$dir")
    if ! is_running "$dir"; then
        say "not running"
        return 0
    fi
    user=$(server_user "$dir")
    as_server "$user" "$dir" "$(bindir)/pg_ctl" -D "$dir/data" -m fast -w -t 60 stop >&2
}

cmd_url() {
    [[ $# -eq 1 ]] || usage
    local dir
    dir=$(absolute "$1")
    is_running "$dir" || die "no cluster is running in $dir"
    url_of "$dir" tms
}

cmd_createdb() {
    [[ $# -eq 2 ]] || usage
    local dir name=$2
    [[ $name =~ ^[A-Za-z_][A-Za-z0-9_]{0,62}$ ]] ||
        die "database names here are letters, digits and _ (at most 63): $name"
    dir=$(absolute "$1")
    is_running "$dir" || die "no cluster is running in $dir"
    "$(bindir)/createdb" -h 127.0.0.1 -p "$(cat "$dir/port")" -U "$(cat "$dir/user")" "$name"
    url_of "$dir" "$name"
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
    createdb) cmd_createdb "$@" ;;
    bindir) [[ $# -eq 0 ]] || usage; bindir ;;
    *) usage ;;
    esac
}

main "$@"

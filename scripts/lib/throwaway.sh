# Shared by scripts/pg.sh and scripts/mariadb.sh: a throwaway database server of a test, run in
# a directory of its own as an unprivileged user. Sourced, not run. The sourcing script sets
# NAME (its name in messages) and SERVICE_USER (the system user its server runs as under root).

say() { printf '%s: %s\n' "$NAME" "$*" >&2; }
die() {
    say "$*"
    exit 1
}

# Runs a command as root: directly, or through sudo.
as_root() {
    if [[ $(id -u) -eq 0 ]]; then
        "$@"
    elif command -v sudo >/dev/null; then
        sudo "$@"
    else
        die "need root (or sudo) to run: $*"
    fi
}

# DIR as an absolute path (it must exist).
absolute() {
    [[ -d "$1" ]] || die "no such directory: $1"
    (cd "$1" && pwd -P)
}

# The user the server of DIR runs as: the owner of its data directory, else (a new server) the
# current user, or SERVICE_USER for root.
server_user() {
    local dir=$1
    if [[ -d "$dir/data" ]]; then
        stat -c %U "$dir/data"
    elif [[ $(id -u) -eq 0 ]]; then
        printf '%s\n' "$SERVICE_USER"
    else
        id -un
    fi
}

# Runs a command as the server's user USER, from DIR (the user may not be able to enter the
# current directory).
as_server() {
    local user=$1 dir=$2
    shift 2
    if [[ $user == "$(id -un)" ]]; then
        (cd "$dir" && "$@")
    elif [[ $(id -u) -eq 0 ]]; then
        (cd "$dir" && runuser -u "$user" -- "$@")
    else
        die "the server in $dir belongs to $user; run this as $user or root"
    fi
}

ensure_service_user() {
    if ! id -u "$SERVICE_USER" >/dev/null 2>&1; then
        say "creating system user $SERVICE_USER"
        useradd --system --user-group --no-create-home --home-dir /nonexistent \
            --shell /usr/sbin/nologin "$SERVICE_USER"
    fi
}

# Makes DIR (absolute) the server user's: under root, the service user is created if missing
# and must be able to write to DIR.
own_dir() {
    local dir=$1 user=$2
    if [[ $(id -u) -eq 0 && $user == "$SERVICE_USER" ]]; then
        ensure_service_user
        chown -R "$SERVICE_USER:" "$dir"
        runuser -u "$SERVICE_USER" -- test -w "$dir" ||
            die "$SERVICE_USER cannot write to $dir (is a parent directory closed to others?)"
    fi
}

# A TCP port on 127.0.0.1 that nothing listens on (outside the kernel's ephemeral range).
free_port() {
    local port tries
    for tries in $(seq 1 200); do
        port=$((15000 + (RANDOM * 32768 + RANDOM + tries) % 17000))
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
            printf '%s\n' "$port"
            return 0
        fi
    done
    die "no free port found"
}

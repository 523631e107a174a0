#!/usr/bin/env bash
# A real SMTP server for the notification tests (scripts/smtp_sink.py on aiosmtpd).
#
#   scripts/smtp-sink.sh install           install aiosmtpd into target/smtp-sink-venv (once)
#   scripts/smtp-sink.sh serve --dir DIR   run the sink: prints smtp://127.0.0.1:PORT, then
#                                          writes each message received to DIR as JSON
#                                          (--auth USER:PASSWORD to require a login)
#
# The tests that send email run when TMS_TEST_SMTP names this script, and start a sink of
# their own for each test; without it they are skipped with a note. .ci/run installs it and
# sets TMS_TEST_SMTP.
set -euo pipefail

readonly AIOSMTPD_VERSION=1.4.6
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
venv="${CARGO_TARGET_DIR:-$repo/target}/smtp-sink-venv"

installed() {
    "$venv/bin/python" -c 'import aiosmtpd, sys; sys.exit(aiosmtpd.__version__ != sys.argv[1])' \
        "$AIOSMTPD_VERSION" 2>/dev/null
}

case "${1:-}" in
install)
    if ! installed; then
        echo "smtp-sink.sh: installing aiosmtpd $AIOSMTPD_VERSION into $venv" >&2
        python3 -m venv "$venv"
        "$venv/bin/pip" install --quiet --disable-pip-version-check "aiosmtpd==$AIOSMTPD_VERSION"
    fi
    ;;
serve)
    shift
    installed || { echo "smtp-sink.sh: not installed; run: $0 install" >&2; exit 1; }
    exec "$venv/bin/python" "$repo/scripts/smtp_sink.py" "$@"
    ;;
*)
    sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 2
    ;;
esac

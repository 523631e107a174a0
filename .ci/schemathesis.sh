#!/usr/bin/env bash
# API fuzzing against our own contract: schemathesis reads the running server's /openapi.json,
# generates valid and invalid requests for every operation, and fails on any 5xx, any status
# code, content type or body the document does not declare, valid data refused, invalid data
# accepted, a 405 without `Allow`, and the rest of its checks (all on: see .ci/schemathesis.toml).
#
# One run per role, each with that role's bearer token, on a fresh demo database: requester,
# agent, then admin. Tokens are taken before any fuzzing, and after each run the script checks
# that the run's token still works, so a run cannot quietly turn into 401s all the way.
#   - The admin runs last: its calls can end other sessions (deactivating a user or changing
#     their role or password ends that user's sessions). Its own session survives its run: the
#     server keeps the session that changed its own account, and refuses to deactivate or
#     demote the last SysAdmin (409).
#   - `/logout` is left out of the role runs, as it ends the very session the run is using.
#     It gets a run of its own, before the admin's, with the token of an account signed up for
#     that purpose. `/users/me/password` stays in: a change needs the current password, which
#     the fuzzer does not know, and a change would end only the caller's *other* sessions.
#   - `/api/v1/admin/users/{id}` (read, change, deactivate an account) is left out of the admin's
#     run: once that run has created another SysAdmin, it may rightly demote or deactivate the
#     admin whose token it uses, and the rest of the run would be 401s. It gets a run of its
#     own, last but one, with the token of a second SysAdmin made for that purpose, whose
#     session that run may end the same way (not checked, as for the logout run).
#   - `/api/v1/events` is left out of the role runs too: with a valid token it is a stream that
#     never ends (the API suite tests it, tests/api/live.rs); the anonymous run checks its 401.
# Then one run without a token: every authenticated route must answer its documented 401.
#
# Usage: .ci/schemathesis.sh  (from anywhere; builds tms-server, installs schemathesis under
# target/). SCHEMATHESIS_MAX_EXAMPLES overrides the number of examples per operation;
# SCHEMATHESIS_DATABASE_URL (an empty PostgreSQL database) runs the server on PostgreSQL
# instead of a SQLite file.
set -euo pipefail
cd "$(dirname "$0")/.."

ST_VERSION=4.32.5
MAX_EXAMPLES="${SCHEMATHESIS_MAX_EXAMPLES:-25}"
VENV=target/schemathesis-venv
PASSWORD='Hello123.'

started=$(date +%s)

if ! "$VENV/bin/schemathesis" --version 2>/dev/null | grep -q "version $ST_VERSION\$"; then
  echo "--- installing schemathesis $ST_VERSION into $VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$ST_VERSION"
fi

cargo build --quiet -p tms-server
server_bin="${CARGO_TARGET_DIR:-target}/debug/tms-server"

work=$(mktemp -d)
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

if [ -n "${SCHEMATHESIS_DATABASE_URL:-}" ]; then
  db_args=(--database-url "$SCHEMATHESIS_DATABASE_URL")
  echo "--- schemathesis on PostgreSQL"
else
  db_args=(--db "$work/tms.db")
  echo "--- schemathesis on SQLite"
fi
"$server_bin" seed-demo "${db_args[@]}" >/dev/null
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
TMS_LOG=warn "$server_bin" serve "${db_args[@]}" --bind "127.0.0.1:$port" >"$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 100); do
  curl -fsS "$base/healthz" >/dev/null 2>&1 && break
  sleep 0.1
done
curl -fsS "$base/healthz" >/dev/null

token_of() { python3 -c 'import json, sys; print(json.load(sys.stdin)["access_token"])'; }
login() {
  curl -fsS --data-urlencode "username=$1" --data-urlencode "password=$PASSWORD" "$base/login" | token_of
}
# Every token is taken before any fuzzing: fuzzing /login trips the failed-login slowing for
# this client address, after which even a right password gets 429 for a while.
requester=$(login jane.doe@example.com)
agent=$(login john.smith@example.com)
admin=$(login admin@example.com)
throwaway=$(curl -fsS -H 'Content-Type: application/json' \
  -d "{\"username\":\"fuzz-session\",\"email\":\"fuzz-session@example.com\",\"password\":\"$PASSWORD\"}" \
  "$base/signup" | token_of)
curl -fsS -o /dev/null -H "Authorization: Bearer $admin" -H 'Content-Type: application/json' \
  -d "{\"username\":\"fuzz-admin\",\"email\":\"fuzz-admin@example.com\",\"password\":\"$PASSWORD\",\"role\":\"SysAdmin\"}" \
  "$base/api/v1/admin/users/"
second_admin=$(login fuzz-admin@example.com)

st="$PWD/$VENV/bin/schemathesis"
config="$PWD/.ci/schemathesis.toml"
status=0
fuzz() {
  local name=$1
  shift
  echo "--- schemathesis: $name"
  # Run from the scratch directory: schemathesis keeps its cache in ./.schemathesis.
  if ! (cd "$work" && "$st" --config-file "$config" run "$base/openapi.json" \
    --max-examples "$MAX_EXAMPLES" --seed 1 --no-color "$@"); then
    status=1
  fi
}
# Fails the step if `token` no longer authenticates after the run named `name`.
still_valid() {
  if ! curl -fsS -o /dev/null -H "Authorization: Bearer $2" "$base/users/me"; then
    echo "the $1 token stopped working during its run; the run was not meaningful" >&2
    status=1
  fi
}
endless=(--exclude-path /logout --exclude-path /api/v1/events)
fuzz requester -H "Authorization: Bearer $requester" "${endless[@]}"
still_valid requester "$requester"
fuzz agent -H "Authorization: Bearer $agent" "${endless[@]}"
still_valid agent "$agent"
fuzz logout -H "Authorization: Bearer $throwaway" --include-path /logout
fuzz admin -H "Authorization: Bearer $admin" "${endless[@]}" --exclude-path '/api/v1/admin/users/{id}'
still_valid admin "$admin"
fuzz accounts -H "Authorization: Bearer $second_admin" --include-path '/api/v1/admin/users/{id}'
fuzz anonymous

if grep -q 'panicked' "$work/server.log"; then
  echo "the server panicked during fuzzing:" >&2
  grep -A5 'panicked' "$work/server.log" >&2
  status=1
fi
echo "--- schemathesis: $(($(date +%s) - started)) s"
exit $status

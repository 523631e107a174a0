#!/usr/bin/env bash
# Checks the deployment files in deploy/ with the real tools where this machine has them, and
# that both binaries install with `cargo install` as the README says:
#   - tms-server.service: `systemd-analyze verify` (the unit's ExecStart pointed at the built
#     binary), and the sandboxing options the README promises;
#   - nginx-tls.conf: `nginx -t` inside a minimal nginx.conf, with a throwaway self-signed
#     certificate (nginx-light from Debian's packages, installed if missing);
#   - compose.yaml: parsed, the services, the health-gated start and the database URL;
#   - Dockerfile: two stages, the last running as a non-root user, with a HEALTHCHECK that calls
#     `tms-server healthcheck` (tested against a real server in tests/api/healthcheck.rs);
#   - `cargo install --path tms-server` and `--path tms-tui` into a temporary root, and the
#     installed binaries run.
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
target="${CARGO_TARGET_DIR:-$PWD/target}"

echo "--- cargo install of both binaries"
CARGO_TARGET_DIR="$target" cargo install --quiet --locked --debug --path tms-server --root "$work/root"
CARGO_TARGET_DIR="$target" cargo install --quiet --locked --debug --path tms-tui --root "$work/root"
"$work/root/bin/tms-server" --version
"$work/root/bin/tms" --version

echo "--- systemd unit"
for opt in NoNewPrivileges=yes ProtectSystem=strict StateDirectory=tms DynamicUser=yes; do
  grep -qx "$opt" deploy/tms-server.service || { echo "tms-server.service lacks $opt" >&2; exit 1; }
done
if command -v systemd-analyze >/dev/null 2>&1; then
  sed "s|^ExecStart=/usr/local/bin/tms-server|ExecStart=$work/root/bin/tms-server|" \
    deploy/tms-server.service > "$work/tms-server.service"
  out=$(systemd-analyze verify --man=no "$work/tms-server.service" 2>&1 || true)
  # Outside a booted systemd only the unit's own lines matter.
  if echo "$out" | grep -F "tms-server.service" | grep -v "Failed to prepare filename"; then
    echo "systemd-analyze verify found problems in tms-server.service" >&2
    exit 1
  fi
  echo "systemd-analyze verify: ok"
else
  echo "NOTICE: systemd-analyze is not installed; the unit is not verified"
fi

echo "--- nginx TLS proxy"
if ! command -v nginx >/dev/null 2>&1 && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  (apt-get update -qq && apt-get install -y -qq nginx-light) >/dev/null 2>&1 || true
fi
if command -v nginx >/dev/null 2>&1; then
  mkdir -p "$work/nginx/logs" "$work/ssl"
  openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=helpdesk.example.org \
    -keyout "$work/ssl/privkey.pem" -out "$work/ssl/fullchain.pem" >/dev/null 2>&1
  sed "s|/etc/ssl/tms/|$work/ssl/|" deploy/nginx-tls.conf > "$work/nginx/tms.conf"
  cat > "$work/nginx/nginx.conf" <<CONF
pid $work/nginx/nginx.pid;
error_log $work/nginx/logs/error.log;
events {}
http {
    access_log off;
    include $work/nginx/tms.conf;
}
CONF
  nginx -t -q -p "$work/nginx" -c "$work/nginx/nginx.conf"
  echo "nginx -t: ok"
else
  echo "NOTICE: nginx is not installed; the proxy configuration is not checked"
fi

echo "--- compose file and Dockerfile"
python3 - <<'PY'
import re, sys, yaml
c = yaml.safe_load(open("deploy/compose.yaml"))
services = c["services"]
assert set(services) == {"db", "tms"}, services
assert services["db"]["healthcheck"]["test"], "the database has a health check"
assert services["tms"]["depends_on"]["db"]["condition"] == "service_healthy"
env = services["tms"]["environment"]
assert env["TMS_DATABASE_URL"].startswith("postgres://") and "@db:5432/" in env["TMS_DATABASE_URL"]
assert services["tms"]["build"]["dockerfile"] == "deploy/Dockerfile"

lines = [l.strip() for l in open("deploy/Dockerfile") if l.strip() and not l.startswith("#")]
froms = [i for i, l in enumerate(lines) if l.startswith("FROM ")]
assert len(froms) >= 2, "a multi-stage build"
last = lines[froms[-1]:]
users = [l.split()[1] for l in last if l.startswith("USER ")]
assert users and users[-1] not in ("root", "0"), "the image runs as a non-root user"
text = "\n".join(last)
assert re.search(r'HEALTHCHECK .*tms-server", "healthcheck"', text, re.S), "a health check"
assert any(l.startswith("COPY --from=") for l in last), "only the binary comes over"
print("compose.yaml and Dockerfile: ok")
PY

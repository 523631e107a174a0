#!/usr/bin/env bash
# The API reference page in a real browser: starts tms-server on a free local port, loads
# /docs in headless Chromium (Debian's package, installed if missing) and checks that every
# operation of /openapi.json (each path and method) is rendered on the page, and that the
# page's Content-Security-Policy blocked nothing it loads. Lists what is missing or blocked
# and exits 1 if anything is. Uses the debug build (`cargo build -p tms-server`).
set -euo pipefail
cd "$(dirname "$0")/.."

browser=""
for name in chromium chromium-browser; do
  if command -v "$name" >/dev/null 2>&1; then browser=$name; break; fi
done
if [ -z "$browser" ]; then
  echo "--- installing chromium"
  (apt-get update -qq && apt-get install -y -qq chromium) >/dev/null
  browser=chromium
fi

cargo build -q -p tms-server
target_dir=$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
server="$target_dir/debug/tms-server"

tmp=$(mktemp -d)
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT

# A port nothing listens on now (the kernel's pick, released at once).
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
base="http://127.0.0.1:$port"

"$server" serve --db "$tmp/docs.db" --bind "127.0.0.1:$port" >"$tmp/server.log" 2>&1 &
server_pid=$!

ready=""
for _ in $(seq 1 100); do
  if ! kill -0 "$server_pid" 2>/dev/null; then break; fi
  if python3 -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=2)' "$base/healthz" 2>/dev/null; then
    ready=1
    break
  fi
  sleep 0.2
done
if [ -z "$ready" ]; then
  echo "docs-check: tms-server did not start on $base" >&2
  cat "$tmp/server.log" >&2
  exit 1
fi

python3 -c 'import sys, urllib.request; sys.stdout.buffer.write(urllib.request.urlopen(sys.argv[1], timeout=10).read())' \
  "$base/openapi.json" >"$tmp/openapi.json"

browser_args=(--headless=new --disable-gpu --no-first-run --no-default-browser-check
  --disable-extensions --disable-dev-shm-usage --user-data-dir="$tmp/profile"
  --enable-logging=stderr --v=0 --virtual-time-budget=10000 --dump-dom)
if [ "$(id -u)" = 0 ]; then browser_args+=(--no-sandbox); fi

# The page renders after its scripts fetch the document: try a few times before failing.
for attempt in 1 2 3; do
  "$browser" "${browser_args[@]}" "$base/docs" >"$tmp/dom.html" 2>"$tmp/browser.log" || true
  if grep -q 'opblock-summary-path' "$tmp/dom.html"; then break; fi
  echo "docs-check: attempt $attempt rendered no operation, trying again" >&2
  sleep 1
done

status=0
python3 - "$tmp/openapi.json" "$tmp/dom.html" <<'EOF' || status=$?
import json
import sys
from html.parser import HTMLParser

METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}

with open(sys.argv[1]) as f:
    doc = json.load(f)
expected = {
    (method, path)
    for path, item in doc["paths"].items()
    for method in item
    if method in METHODS
}


class Operations(HTMLParser):
    """Swagger UI renders each operation as a block of class `opblock opblock-<method>`
    whose summary holds the path in a `data-path` attribute."""

    def __init__(self):
        super().__init__()
        self.method = None
        self.found = set()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        classes = (attrs.get("class") or "").split()
        if "opblock" in classes:
            for c in classes:
                if c.startswith("opblock-") and c[len("opblock-"):] in METHODS:
                    self.method = c[len("opblock-"):]
        if "data-path" in attrs and self.method:
            self.found.add((self.method, attrs["data-path"]))


with open(sys.argv[2], encoding="utf-8") as f:
    parser = Operations()
    parser.feed(f.read())

missing = sorted(expected - parser.found, key=lambda o: (o[1], o[0]))
if not expected:
    print("docs-check: /openapi.json lists no operation", file=sys.stderr)
    sys.exit(1)
if missing:
    print(f"docs-check: {len(missing)} of {len(expected)} operations missing from /docs:", file=sys.stderr)
    for method, path in missing:
        print(f"  {method.upper()} {path}", file=sys.stderr)
    sys.exit(1)
print(f"docs-check: all {len(expected)} operations of /openapi.json are rendered on /docs")
EOF
if [ "$status" != 0 ]; then
  echo "docs-check: the browser's last lines:" >&2
  tail -n 20 "$tmp/browser.log" >&2 || true
  exit "$status"
fi
# The browser logs the page's console, where a Content-Security-Policy refusal shows.
if grep -i 'content security policy' "$tmp/browser.log" >&2; then
  echo "docs-check: the page's Content-Security-Policy blocked something (above)" >&2
  exit 1
fi
echo "docs-check: no Content-Security-Policy violation logged"

#!/usr/bin/env bash
# Checks the REST door against its own OpenAPI document with schemathesis:
# starts the release binary on a throw-away embedded store and a free port,
# creates a write token with `vitrine token create`, and lets schemathesis call
# every operation (bounded examples, positive and negative data). It fails on any
# 5xx, any status the document does not list, and any answer whose content type
# or body breaks its schema. Run by scripts/test.sh after the release build.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${VITRINE_BIN:-target/release/vitrine}
[ -x "$bin" ] || { echo "no $bin: run scripts/build.sh first" >&2; exit 1; }
[ -x tools/venv/bin/st ] || { echo "no schemathesis: run scripts/setup.sh --with-tests" >&2; exit 1; }
dir=$(mktemp -d /tmp/vitrine-api.XXXXXX)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
unset DATABASE_URL
export VITRINE_DATA_DIR=$dir VITRINE_BIND=127.0.0.1:$port VITRINE_RUN_WORKER=false
"$bin" serve >"$dir/server.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true; wait $pid 2>/dev/null || true; rm -rf "$dir"' EXIT
for _ in $(seq 100); do
  curl -fs "http://127.0.0.1:$port/healthz" >/dev/null && break
  sleep 0.2
done
token=$("$bin" token create "schemathesis" --scope write 2>/dev/null)
# Seed one product, so operations on existing products are reached too.
curl -fs -H "Authorization: Bearer $token" -H 'content-type: application/json' \
  -d '{"name":"Schemathesis chair"}' "http://127.0.0.1:$port/api/v1/products" >/dev/null
status=0
tools/venv/bin/st run "http://127.0.0.1:$port/api/v1/openapi.json" \
  --header "Authorization: Bearer $token" \
  --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance \
  --max-examples "${API_CHECK_EXAMPLES:-30}" --seed 1 --workers 1 \
  --phases examples,coverage,fuzzing \
  --report-dir "$dir/report" || status=$?
if [ $status -ne 0 ]; then
  echo "--- server log (last 40 lines)" >&2
  tail -n 40 "$dir/server.log" >&2
fi
exit $status

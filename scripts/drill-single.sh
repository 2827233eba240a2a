#!/usr/bin/env bash
# The fault drill of one instance (loopback only, release build): `serve` with
# its worker, and the store it uses as its own process (a second `serve`'s
# embedded S3, on the same SQLite database so its ticket gate sees the
# images), so the store can die on its own. Uploads go through `vitrine
# upload`, as a script or a shop's sync would send them.
#   1. load: 20 uploaders x 50 photos at once; all Ready; throughput, peak RSS;
#   2. the instance killed (kill -9) mid-processing and started again: all Ready,
#      and how long recovery took (a job's lease is 30 s);
#   3. the store down as PUTs start and back 2.5 s later, with 2-second tickets
#      (so the retried PUTs find them expired and renew them); the same command
#      again finishes whatever failed; all Ready;
#   4. the store killed during processing and back 5 s later: all Ready;
# then: no image pending, processing or failed, and `vitrine reconcile` clean.
#   scripts/drill-single.sh        (DRILL_UPLOADERS=20, DRILL_PHOTOS=50)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
UPLOADERS=${DRILL_UPLOADERS:-20}
PHOTOS=${DRILL_PHOTOS:-50}
BIN=$ROOT/target/release/vitrine
WORK=$ROOT/target/drill-single

scripts/setup.sh
scripts/build.sh
rm -rf "$WORK" && mkdir -p "$WORK"
t0=$(date +%s.%N)
say() { echo "[drill $(python3 -c "import time; print(f'{time.time() - $t0:6.1f}s')")] $*"; }
fail() { echo "[drill] FAILED: $*"; tail -5 "$WORK"/*.log; exit 1; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
trap 'kill "${store_pid:-}" "${app_pid:-}" 2>/dev/null || true; wait 2>/dev/null || true' EXIT

export DATABASE_URL="sqlite://$WORK/vitrine.db" VITRINE_SITE_ROOT=$ROOT/target/site
export VITRINE_ADMIN_EMAIL=drill@example.com VITRINE_ADMIN_PASSWORD=drill-password-1234
export VITRINE_METRICS_TOKEN=drill-metrics
STORE_PORT=$(free_port) APP_PORT=$(free_port)
STORE=http://127.0.0.1:$STORE_PORT APP=http://127.0.0.1:$APP_PORT

ready_url() { for _ in $(seq 1 120); do curl -sf "$1/healthz" >/dev/null && return 0; sleep 0.25; done; fail "$1 never answered"; }
start_store() {
  VITRINE_DATA_DIR=$WORK/store VITRINE_BIND=127.0.0.1:$STORE_PORT VITRINE_RUN_WORKER=false \
    "$BIN" serve >>"$WORK/store.log" 2>&1 &
  store_pid=$!
  ready_url "$STORE"
}
start_app() { # extra env...
  env "$@" VITRINE_DATA_DIR="$WORK/app" VITRINE_BIND="127.0.0.1:$APP_PORT" S3_ENDPOINT="$STORE" \
    S3_ACCESS_KEY_ID="${KEY%%:*}" S3_SECRET_ACCESS_KEY="${KEY#*:}" "$BIN" serve >>"$WORK/app.log" 2>&1 &
  app_pid=$!
  ready_url "$APP"
}
start_store
KEY=$(cat "$WORK/store/s3-credentials")
start_app
export VITRINE_TOKEN
VITRINE_TOKEN=$(VITRINE_DATA_DIR=$WORK/app "$BIN" token create drill 2>/dev/null | grep -o 'vit_[A-Za-z0-9_-]*' | head -1)

# Photos: the bench set cycled, each copy with bytes of its own after the image's end.
mapfile -t src < <(ls "$ROOT"/../shared/bench-photos/*.{jpg,png} 2>/dev/null | sort)
photos() { # dir count tag
  mkdir -p "$1"
  for i in $(seq 1 "$2"); do
    local f=${src[$(((RANDOM + i) % ${#src[@]}))]}
    local to="$1/$(printf %03d "$i")-$(basename "$f")"
    cp "$f" "$to" && printf '%s-%04d' "$3" "$i" >>"$to"
  done
}
product() {
  curl -sf -X POST "$APP/api/v1/products" -H "Authorization: Bearer $VITRINE_TOKEN" -H 'Content-Type: application/json' \
    -d "{\"name\":\"$1\"}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["slug"])'
}
# Counts of each status over the named products, as "ready=N pending=N ...".
statuses() {
  python3 - "$APP" "$VITRINE_TOKEN" "$@" <<'PY'
import collections, json, sys, urllib.request
app, token, products = sys.argv[1], sys.argv[2], sys.argv[3:]
count = collections.Counter()
for p in products:
    req = urllib.request.Request(f"{app}/api/v1/products/{p}/images", headers={"Authorization": f"Bearer {token}"})
    count.update(i["status"] for i in json.load(urllib.request.urlopen(req))["images"])
print(" ".join(f"{k}={v}" for k, v in sorted(count.items())))
PY
}
ready_of() { statuses "$@" | grep -o 'ready=[0-9]*' | cut -d= -f2 || echo 0; }
wait_ready() { # expected deadline products...
  local want=$1 deadline=$2; shift 2
  for _ in $(seq 1 $((deadline * 2))); do [ "$(ready_of "$@")" = "$want" ] && return 0; sleep 0.5; done
  fail "after ${deadline}s: $(statuses "$@") (want ready=$want)"
}
upload() { "$BIN" upload --server "$APP" --product "$1" --json "$2" >"$3.json" 2>"$3.log" || true; }
uploaded() { # summaries (--json) of one or more runs
  python3 -c 'import json,sys; print(sum(json.loads(l)["uploaded"] for f in sys.argv[1:] for l in open(f) if l.strip()))' "$@"
}

say "1. load: $UPLOADERS uploaders x $PHOTOS photos"
loads=()
for u in $(seq 1 "$UPLOADERS"); do photos "$WORK/load/$u" "$PHOTOS" "load$u"; loads+=("$(product "Load $u")"); done
bytes=$(du -sb "$WORK/load" | cut -f1)
start=$(date +%s.%N)
uploaders=()
for u in $(seq 1 "$UPLOADERS"); do
  upload "${loads[$((u - 1))]}" "$WORK/load/$u" "$WORK/load$u" &
  uploaders+=($!)
done
wait "${uploaders[@]}"
up_secs=$(python3 -c "import time; print(f'{time.time() - $start:.1f}')")
n=$(uploaded "$WORK"/load*.json)
[ "$n" = $((UPLOADERS * PHOTOS)) ] || fail "only $n uploaded"
wait_ready "$n" 1200 "${loads[@]}"
all_secs=$(python3 -c "import time; print(f'{time.time() - $start:.1f}')")
rss=$(grep VmHWM "/proc/$app_pid/status" | awk '{print int($2 / 1024)}')
say "$n photos ($((bytes / 1000000)) MB) stored in ${up_secs}s ($(python3 -c "print(f'{$bytes / 1e6 / $up_secs:.0f} MB/s, {$n / $up_secs:.0f} photos/s')")), all Ready after ${all_secs}s ($(python3 -c "print(f'{$n / $all_secs:.1f}')") images/s); serve's peak RSS ${rss} MB"

say "2. kill -9 mid-processing"
photos "$WORK/kill" 20 kill && p2=$(product "Killed")
upload "$p2" "$WORK/kill" "$WORK/kill"
for _ in $(seq 1 240); do [ "$(ready_of "$p2")" -ge 1 ] && break; sleep 0.25; done
before=$(statuses "$p2")
kill -9 "$app_pid"; wait "$app_pid" 2>/dev/null || true
killed=$(date +%s.%N); say "killed with $before"
start_app
wait_ready 20 120 "$p2"
say "all 20 Ready $(python3 -c "import time; print(f'{time.time() - $killed:.1f}')")s after the kill"

say "3. the store down as PUTs start, tickets of 2 s"
kill "$app_pid"; wait "$app_pid" 2>/dev/null || true
start_app VITRINE_PRESIGN_TTL_SECS=2
photos "$WORK/puts" 30 puts && p3=$(product "Store down")
kill -9 "$store_pid"; wait "$store_pid" 2>/dev/null || true; say "store killed"
upload "$p3" "$WORK/puts" "$WORK/puts" &
first_run=$!
sleep 2.5; start_store; say "store back"
wait "$first_run"
renewed=$(curl -sf -H "Authorization: Bearer $VITRINE_METRICS_TOKEN" "$APP/metrics" |
  python3 -c 'import sys; print(sum(int(float(l.split()[-1])) for l in sys.stdin if l.startswith("vitrine_http_requests_total") and "/renew" in l))')
say "first run: $(uploaded "$WORK/puts.json") of 30 uploaded, ${renewed:-0} tickets renewed"
upload "$p3" "$WORK/puts" "$WORK/puts-again"
say "the same command again: $(uploaded "$WORK/puts-again.json") more uploaded"
wait_ready 30 300 "$p3"

say "4. the store killed during processing"
photos "$WORK/proc" 20 proc && p4=$(product "Store down while processing")
upload "$p4" "$WORK/proc" "$WORK/proc"
for _ in $(seq 1 240); do [ "$(ready_of "$p4")" -ge 1 ] && break; sleep 0.25; done
before=$(statuses "$p4")
kill -9 "$store_pid"; wait "$store_pid" 2>/dev/null || true; say "store killed with $before"
sleep 5; start_store; say "store back"
wait_ready 20 300 "$p4"

left=$(statuses "${loads[@]}" "$p2" "$p3" "$p4")
[[ "$left" =~ ^ready=[0-9]+$ ]] || fail "left: $left"
S3_ENDPOINT=$STORE S3_ACCESS_KEY_ID=${KEY%%:*} S3_SECRET_ACCESS_KEY=${KEY#*:} VITRINE_DATA_DIR=$WORK/app \
  "$BIN" reconcile >"$WORK/reconcile.txt" 2>&1 || fail "reconcile: $(cat "$WORK/reconcile.txt")"
grep -q "reconcile --fix" "$WORK/reconcile.txt" && fail "reconcile found differences: $(cat "$WORK/reconcile.txt")"
say "done: $left, reconcile clean; logs in $WORK"

#!/usr/bin/env bash
# The topology drill (loopback only, bounded in time): PostgreSQL, the
# three-node Garage cluster (scripts/cluster.sh), two `vitrine serve`
# instances without workers and two `vitrine worker` processes. Ten uploaders
# send 30 photos each through the presigned flow (`vitrine upload`), spread
# over both instances. During the uploads one Garage node is killed (and
# restarted after them); once a third is ready one worker is killed with
# kill -9. Checked: every accepted image Ready,
# each with one variant per width and format (processed once in effect),
# `vitrine reconcile` clean. Printed: throughput and what each fault cost.
#   scripts/cluster.sh drill        (DRILL_UPLOADERS=10, DRILL_PHOTOS=30)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
UPLOADERS=${DRILL_UPLOADERS:-10}
PHOTOS=${DRILL_PHOTOS:-30}
DEADLINE_SECS=${DRILL_DEADLINE_SECS:-900}
BIN=$ROOT/target/release/vitrine
WORK=$ROOT/target/drill
PG_PORT=${DRILL_PG_PORT:-39432}

scripts/setup.sh --with-tests   # PostgreSQL among the rest
scripts/build.sh
rm -rf "$WORK" && mkdir -p "$WORK"
t0=$(date +%s.%N)
since() { python3 -c "import time; print(f'{time.time() - $t0:6.1f}s')"; }
say() { echo "[drill $(since)] $*"; }
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  scripts/cluster.sh down || true
  scripts/pg.sh stop "$WORK/pg" >/dev/null 2>&1 || true
}
trap cleanup EXIT

say "cluster"
scripts/cluster.sh down >/dev/null 2>&1 || true
rm -rf "$ROOT/target/cluster"
eval "$(scripts/cluster.sh up | sed 's/^/export /')"
say "PostgreSQL"
scripts/pg.sh start "$WORK/pg" "$PG_PORT" >/dev/null
export DATABASE_URL="postgres://postgres@127.0.0.1:$PG_PORT/postgres"
export VITRINE_ADMIN_EMAIL=drill@example.com VITRINE_ADMIN_PASSWORD=drill-password-1234
export VITRINE_METRICS_TOKEN=drill-metrics VITRINE_SITE_ROOT=$ROOT/target/site
"$BIN" migrate >"$WORK/migrate.log" 2>&1

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
start() { # name, command, extra env... (its pid in $last_pid; no subshell, so cleanup knows it)
  local name=$1 cmd=$2; shift 2
  env "$@" VITRINE_DATA_DIR="$WORK/$name" "$BIN" "$cmd" >>"$WORK/$name.log" 2>&1 &
  last_pid=$!
  pids+=("$last_pid")
}
servers=()
for s in 1 2; do
  port=$(free_port)
  start "serve$s" serve VITRINE_BIND="127.0.0.1:$port" VITRINE_RUN_WORKER=false
  servers+=("http://127.0.0.1:$port")
done
worker_pid=()
for w in 1 2; do
  start "worker$w" worker VITRINE_METRICS_BIND="127.0.0.1:$(free_port)"
  worker_pid+=("$last_pid")
done
for url in "${servers[@]}"; do
  for _ in $(seq 1 120); do curl -sf "$url/readyz" >/dev/null && break; sleep 0.5; done
  curl -sf "$url/readyz" >/dev/null || { echo "serve at $url never got ready:"; tail -20 "$WORK"/serve*.log; exit 1; }
done
export VITRINE_TOKEN
VITRINE_TOKEN=$("$BIN" token create drill 2>/dev/null | grep -o 'vit_[A-Za-z0-9_-]*' | head -1)
say "2 serve (${servers[*]}), 2 workers, token ready"

# Photos: the bench set cycled, each copy with bytes of its own (one byte after
# the image's end), so no uploader's file is a duplicate of another's.
mapfile -t src < <(ls "$ROOT"/../shared/bench-photos/*.{jpg,png} 2>/dev/null | sort)
products=()
for u in $(seq 1 "$UPLOADERS"); do
  dir="$WORK/photos/$u"; mkdir -p "$dir"
  for i in $(seq 1 "$PHOTOS"); do
    f=${src[$(((u * PHOTOS + i) % ${#src[@]}))]}
    cp "$f" "$dir/$(printf %02d "$i")-$(basename "$f")"
    printf '%04d' "$((u * 1000 + i))" >>"$dir/$(printf %02d "$i")-$(basename "$f")"
  done
  slug=$(curl -sf -X POST "${servers[0]}/api/v1/products" -H "Authorization: Bearer $VITRINE_TOKEN" \
    -H 'Content-Type: application/json' -d "{\"name\":\"Drill $u\"}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["slug"])')
  products+=("$slug")
done
bytes=$(du -sb "$WORK/photos" | cut -f1)

say "load: $UPLOADERS uploaders x $PHOTOS photos ($((bytes / 1000000)) MB)"
up_start=$(date +%s.%N)
uploaders=()
for u in $(seq 1 "$UPLOADERS"); do
  server=${servers[$((u % 2))]}
  (
    "$BIN" upload --server "$server" --product "${products[$((u - 1))]}" --json "$WORK/photos/$u" \
      >"$WORK/upload$u.json" 2>"$WORK/upload$u.log"
    status=$?
    date +%s.%N >"$WORK/upload$u.end"
    exit $status
  ) &
  uploaders+=($!)
done

# Ready images over time, from the first upload until every accepted one is ready.
ready_count() { # over every product, in one process (the poll runs each second)
  python3 - "${servers[0]}" "$VITRINE_TOKEN" "${products[@]}" <<'PY'
import json, sys, urllib.request
server, token, products = sys.argv[1], sys.argv[2], sys.argv[3:]
def ready(p):
    req = urllib.request.Request(f"{server}/api/v1/products/{p}/images", headers={"Authorization": f"Bearer {token}"})
    return sum(i["status"] == "ready" for i in json.load(urllib.request.urlopen(req))["images"])
print(sum(map(ready, products)))
PY
}
timeline="$WORK/ready.tsv"
expected=$((UPLOADERS * PHOTOS))
at() { python3 -c "import time; print(f'{time.time() - $up_start:.1f}')"; }
(
  while :; do
    n=$(ready_count)
    echo -e "$(at)\t$n" >>"$timeline"
    [ -f "$WORK/accepted" ] && [ "$n" -ge "$(cat "$WORK/accepted")" ] && break
    sleep 1
  done
) &
poller=$!

# Faults, while the load runs: a Garage node dies during the uploads and comes
# back when they are done; a worker dies once a third of the images are ready.
sleep 3
node_down=$(at); say "fault: Garage node 3 killed (kill -9) during the uploads"
scripts/cluster.sh kill-node 3

failed=0
for p in "${uploaders[@]}"; do wait "$p" || failed=$((failed + 1)); done
up_secs=$(python3 -c "print(max(float(open(f'$WORK/upload{u}.end').read()) for u in range(1, $UPLOADERS + 1)) - $up_start)")
accepted=$(cat "$WORK"/upload*.json | python3 -c 'import json,sys; print(sum(json.loads(l)["uploaded"] for l in sys.stdin if l.strip()))')
echo "$accepted" >"$WORK/accepted"
say "uploads done in $(printf %.1f "$up_secs")s with node 3 down: $accepted of $expected accepted, $failed uploaders reported failures, $(python3 -c "print(f'{$bytes / 1e6 / $up_secs:.1f} MB/s, {$accepted / $up_secs:.1f} photos/s')")"
node_up=$(at); say "Garage node 3 restarted"; scripts/cluster.sh start-node 3

while [ "$(tail -1 "$timeline" | cut -f2)" -lt $((accepted / 3)) ]; do sleep 0.5; done
worker_down=$(at); say "fault: worker 1 killed (kill -9) with $(tail -1 "$timeline" | cut -f2) images ready"
kill -9 "${worker_pid[0]}"

# Every accepted image must become Ready (the dead worker's jobs come back after their lease).
for _ in $(seq 1 "$DEADLINE_SECS"); do kill -0 "$poller" 2>/dev/null || break; sleep 1; done
if kill -0 "$poller" 2>/dev/null; then
  kill "$poller"; echo "[drill] FAILED: only $(tail -1 "$timeline" | cut -f2) of $accepted images ready"; exit 1
fi
all_secs=$(tail -1 "$timeline" | cut -f1)
say "all $accepted images ready ${all_secs}s after the first upload ($(python3 -c "print(f'{$accepted / $all_secs:.1f}')") images/s, upload to last variant)"

# Processed once in effect: one variant per (format, width) of each image, none failed.
python3 - "$accepted" "${servers[0]}" "$VITRINE_TOKEN" "${products[@]}" <<'EOF'
import json, sys, urllib.request
accepted, server, token, products = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4:]
images = 0
for p in products:
    req = urllib.request.Request(f"{server}/api/v1/products/{p}/images", headers={"Authorization": f"Bearer {token}"})
    for img in json.load(urllib.request.urlopen(req))["images"]:
        images += 1
        pairs = [(v["format"], v["width"]) for v in img["variants"]]
        assert img["status"] == "ready", img
        assert pairs and len(pairs) == len(set(pairs)), f"duplicate variants on {img['id']}: {pairs}"
assert images == accepted, (images, accepted)
print(f"[drill] checked: {images} images ready, each with one variant per format and width")
EOF

# The store and the database agree both ways.
"$BIN" reconcile >"$WORK/reconcile.txt" 2>&1 || { cat "$WORK/reconcile.txt"; echo "[drill] FAILED: reconcile"; exit 1; }
if grep -q "reconcile --fix" "$WORK/reconcile.txt"; then cat "$WORK/reconcile.txt"; echo "[drill] FAILED: reconcile found differences"; exit 1; fi
say "reconcile clean: $(paste -sd';' "$WORK/reconcile.txt")"

# What each fault cost: processing rate before, during and after each fault.
python3 - "$timeline" "$node_up" "$worker_down" <<'EOF'
import sys
rows = [tuple(map(float, l.split())) for l in open(sys.argv[1])]
node_up, worker_down = map(float, sys.argv[2:])
def rate(a, b):
    inside = [r for r in rows if a <= r[0] <= b]
    if len(inside) < 2: return "n/a"
    return f"{(inside[-1][1] - inside[0][1]) / (inside[-1][0] - inside[0][0]):.1f} images/s"
end = rows[-1][0]
print(f"[drill] newly ready images per second: two workers {rate(node_up, worker_down)}; "
      f"one worker after the kill {rate(worker_down, end)}")
gaps = [(b[0] - a[0], a[0]) for a, b in zip(rows, rows[1:]) if b[1] == a[1] and a[1] > 0]
longest = max(gaps, default=(0, 0))
print(f"[drill] longest stretch without a newly ready image: {longest[0]:.1f}s (from {longest[1]:.1f}s)")
EOF
grep -h "If-None-Match" "$WORK"/serve*.log | head -1 | sed 's/^/[drill] serve said: /' || true
say "done (uploads ${up_secs%.*}s, all ready ${all_secs%.*}s after the first upload); logs in $WORK"

#!/usr/bin/env bash
# A real distributed S3 for Vitrine on loopback: three Garage nodes
# (garage 2.5.0 from crates.io, built here once), replication factor 3,
# with a key, a bucket and the CORS rule the browser's PUTs need.
#   scripts/cluster.sh up      start the cluster (idempotent); prints the S3_* settings
#   scripts/cluster.sh env     print the S3_* settings of a running cluster
#   scripts/cluster.sh down    stop the nodes (data stays in target/cluster)
#   scripts/cluster.sh drill   the topology drill (scripts/drill.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
GARAGE_VERSION=2.5.0
GARAGE=$ROOT/tools/garage/bin/garage
DIR=${CLUSTER_DIR:-$ROOT/target/cluster}
# Node i (1..3) listens on S3 $BASE+10i, RPC $BASE+10i+1, admin $BASE+10i+3.
BASE=${CLUSTER_PORT:-39000}
BUCKET=vitrine
REGION=garage
s3_port() { echo $((BASE + 10 * $1)); }

install_garage() {
  if [ -x "$GARAGE" ] && "$GARAGE" --version 2>/dev/null | grep -q "$GARAGE_VERSION"; then return; fi
  echo "[cluster] building garage $GARAGE_VERSION from crates.io (once; about 25 minutes on 2 cores)"
  cargo install garage --version "$GARAGE_VERSION" --locked --root "$ROOT/tools/garage"
}

config() { # node
  local i=$1 p=$((BASE + 10 * $1))
  mkdir -p "$DIR/node$i"
  cat >"$DIR/node$i.toml" <<EOF
metadata_dir = "$DIR/node$i/meta"
data_dir = "$DIR/node$i/data"
replication_factor = 3
rpc_bind_addr = "127.0.0.1:$((p + 1))"
rpc_public_addr = "127.0.0.1:$((p + 1))"
rpc_secret = "$(cat "$DIR/rpc_secret")"

[s3_api]
s3_region = "$REGION"
api_bind_addr = "127.0.0.1:$p"
root_domain = ".s3.localhost"

[admin]
api_bind_addr = "127.0.0.1:$((p + 3))"
EOF
}

g() { "$GARAGE" -c "$DIR/node1.toml" "$@"; }

running() { [ -f "$DIR/node$1.pid" ] && kill -0 "$(cat "$DIR/node$1.pid")" 2>/dev/null; }

start_node() { # node
  running "$1" && return
  "$GARAGE" -c "$DIR/node$1.toml" server >>"$DIR/node$1.log" 2>&1 &
  echo $! >"$DIR/node$1.pid"
}

stop_node() { # node [signal]
  if running "$1"; then kill "-${2:-TERM}" "$(cat "$DIR/node$1.pid")" 2>/dev/null || true; fi
  rm -f "$DIR/node$1.pid"
}

wait_for() { # what, command...
  local what=$1; shift
  for _ in $(seq 1 120); do "$@" >/dev/null 2>&1 && return; sleep 0.5; done
  echo "[cluster] gave up waiting for $what" >&2; exit 1
}

up() {
  install_garage
  mkdir -p "$DIR"
  [ -f "$DIR/rpc_secret" ] || openssl rand -hex 32 >"$DIR/rpc_secret"
  for i in 1 2 3; do config "$i"; start_node "$i"; done
  wait_for "node 1" g status
  for i in 2 3; do
    local id; id=$("$GARAGE" -c "$DIR/node$i.toml" node id -q 2>/dev/null)
    g node connect "$id" >/dev/null
  done
  if ! g layout show 2>/dev/null | grep -q "Current cluster layout version: [1-9]"; then
    for i in 1 2 3; do
      local id; id=$("$GARAGE" -c "$DIR/node$i.toml" node id -q 2>/dev/null)
      g layout assign -z "dc$i" -c 1G "${id%@*}" >/dev/null
    done
    g layout apply --version 1 >/dev/null
  fi
  wait_for "the layout" g bucket list
  if [ ! -f "$DIR/key" ]; then
    g key create vitrine >"$DIR/key.txt"
    awk '/Key ID:/ {print $3} /Secret key:/ {print $3}' "$DIR/key.txt" | paste -sd: >"$DIR/key"
  fi
  g bucket info "$BUCKET" >/dev/null 2>&1 || g bucket create "$BUCKET" >/dev/null
  g bucket allow --read --write --owner "$BUCKET" --key vitrine >/dev/null
  cors
  env_out
}

# The browser PUTs straight to the cluster from the app's origin. (Signed
# here: curl 7.88's --aws-sigv4 signs `?cors` wrongly.)
cors() {
  python3 - "http://127.0.0.1:$(s3_port 1)" "$BUCKET" "$REGION" "$DIR/key" <<'PY'
import base64, datetime, hashlib, hmac, sys, urllib.request
endpoint, bucket, region, keyfile = sys.argv[1:]
key, secret = open(keyfile).read().strip().split(":")
body = (b"<CORSConfiguration><CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod>PUT</AllowedMethod>"
        b"<AllowedMethod>GET</AllowedMethod><AllowedHeader>*</AllowedHeader><ExposeHeader>ETag</ExposeHeader>"
        b"<MaxAgeSeconds>3600</MaxAgeSeconds></CORSRule></CORSConfiguration>")
now = datetime.datetime.now(datetime.timezone.utc)
amz_date, day = now.strftime("%Y%m%dT%H%M%SZ"), now.strftime("%Y%m%d")
host = endpoint.split("://")[1]
payload = hashlib.sha256(body).hexdigest()
headers = {"content-md5": base64.b64encode(hashlib.md5(body).digest()).decode(), "host": host,
           "x-amz-content-sha256": payload, "x-amz-date": amz_date}
signed = ";".join(sorted(headers))
canonical = "\n".join(["PUT", f"/{bucket}", "cors=", *[f"{k}:{headers[k]}" for k in sorted(headers)], "", signed, payload])
scope = f"{day}/{region}/s3/aws4_request"
to_sign = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope, hashlib.sha256(canonical.encode()).hexdigest()])
k = ("AWS4" + secret).encode()
for part in (day, region, "s3", "aws4_request"):
    k = hmac.new(k, part.encode(), hashlib.sha256).digest()
signature = hmac.new(k, to_sign.encode(), hashlib.sha256).hexdigest()
headers["authorization"] = f"AWS4-HMAC-SHA256 Credential={key}/{scope}, SignedHeaders={signed}, Signature={signature}"
del headers["host"]
urllib.request.urlopen(urllib.request.Request(f"{endpoint}/{bucket}?cors", data=body, method="PUT", headers=headers))
PY
}

env_out() {
  local key secret
  IFS=: read -r key secret <"$DIR/key"
  echo "S3_ENDPOINT=http://127.0.0.1:$(s3_port 1)"
  echo "S3_BUCKET=$BUCKET"
  echo "S3_REGION=$REGION"
  echo "S3_ACCESS_KEY_ID=$key"
  echo "S3_SECRET_ACCESS_KEY=$secret"
}

down() {
  for i in 1 2 3; do stop_node "$i"; done
  # Nodes whose pid files went missing (a removed cluster directory).
  pkill -f "garage -c $DIR/node" 2>/dev/null || true
}

case "${1:-up}" in
  up) up ;;
  env) env_out ;;
  down) down ;;
  start-node) config "$2"; start_node "$2" ;;
  kill-node) stop_node "$2" KILL ;;
  drill) exec "$ROOT/scripts/drill.sh" ;;
  *) echo "usage: $0 up|env|down|drill" >&2; exit 2 ;;
esac

#!/usr/bin/env bash
# The processing benchmark: Vitrine's pipeline and sharp doing the same job on the
# same photos in the same run; speed, peak RSS, bytes and DSSIM. Nothing here is a test.
#   scripts/bench-processing.sh [PHOTO_DIR]        (BENCH_ROUNDS=5 by default)
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
photos=$(realpath "${1:-../shared/bench-photos}")
out=$(mktemp -d /tmp/vitrine-bench.XXXXXX)
trap 'rm -rf "$out"' EXIT
command -v cmake >/dev/null && command -v nasm >/dev/null && pkg-config --exists dav1d 2>/dev/null || scripts/setup.sh
(cd bench/sharp && [ -d node_modules/sharp ] || npm install --no-audit --no-fund)

cargo bench --no-default-features --features imaging --bench pipeline --no-run 2>/dev/null
bench=(cargo bench --no-default-features --features imaging --bench pipeline --quiet --)

rounds=${BENCH_ROUNDS:-5}
echo "== speed: $rounds rounds, the three engines one after another in each (order rotated);"
echo "   this machine's speed drifts by 10-20 % over minutes, so ratios are taken within a round"
"${bench[@]}" run "$photos" >/dev/null   # warm the page cache and the binary
engines=(sharp sharp-once vitrine)
for r in $(seq 1 "$rounds"); do
  for k in 0 1 2; do
    e=${engines[$(( (k + r) % 3 ))]}
    case $e in
      sharp) node bench/sharp/bench.mjs default "$photos" "$out/sharp" ;;
      sharp-once) node bench/sharp/bench.mjs decode-once "$photos" ;;
      vitrine) "${bench[@]}" run "$photos" "$out/vitrine" ;;
    esac > "$out/$e.$r.json"
  done
  cat "$out"/*."$r".json
done

python3 - "$out" "$rounds" <<'PY'
import json, sys, statistics as st
d, rounds = sys.argv[1], int(sys.argv[2])
runs = {e: [json.load(open(f"{d}/{e}.{r}.json")) for r in range(1, rounds + 1)] for e in ("sharp", "sharp-once", "vitrine")}
ips = {e: [x["images_per_sec"] for x in v] for e, v in runs.items()}
vs_default = [v / s for v, s in zip(ips["vitrine"], ips["sharp"])]
vs_once = [v / s for v, s in zip(ips["vitrine"], ips["sharp-once"])]
print("median images/s: " + ", ".join(f"{e} {st.median(x):.2f}" for e, x in ips.items()))
print(f"vitrine / sharp default:    median {st.median(vs_default):.2f}x  (rounds: {' '.join(f'{x:.2f}' for x in vs_default)})")
print(f"vitrine / sharp decode-once: median {st.median(vs_once):.2f}x  (rounds: {' '.join(f'{x:.2f}' for x in vs_once)})")
print("peak RSS (max over rounds): " + ", ".join(f"{e} {max(x['peak_rss_mb'] for x in v):.0f} MB" for e, v in runs.items()))
v, s = runs["vitrine"][0], runs["sharp"][0]
for w in (320, 800, 1600):
    print(f"bytes w{w}: vitrine {v[f'bytes_w{w}']}, sharp {s[f'bytes_w{w}']} ({100*(v[f'bytes_w{w}']/s[f'bytes_w{w}']-1):+.1f}%)")
PY

echo "== quality (DSSIM against a full-resolution Lanczos3 reference; lower is better)"
"${bench[@]}" quality "$photos" "$out/vitrine" "$out/sharp" > "$out/quality.jsonl"
python3 - "$out/quality.jsonl" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
for w in (320, 800, 1600):
    r = [x for x in rows if x["width"] == w and "dssim_1" in x]
    a = sum(x["dssim_0"] for x in r) / len(r); b = sum(x["dssim_1"] for x in r) / len(r)
    worse = sum(1 for x in r if x["dssim_0"] > x["dssim_1"])
    print(f"w{w}: mean DSSIM vitrine {a:.5f}, sharp {b:.5f}; vitrine worse on {worse}/{len(r)} photos")
PY

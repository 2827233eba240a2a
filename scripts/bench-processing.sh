#!/usr/bin/env bash
# The processing benchmark: Vitrine's pipeline and sharp doing the same job on the
# same photos in the same run; speed, peak RSS, bytes and DSSIM. Nothing here is a test.
#   scripts/bench-processing.sh [PHOTO_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
photos=$(realpath "${1:-../shared/bench-photos}")
out=$(mktemp -d /tmp/vitrine-bench.XXXXXX)
trap 'rm -rf "$out"' EXIT
command -v cmake >/dev/null && command -v nasm >/dev/null || scripts/setup.sh
(cd bench/sharp && [ -d node_modules/sharp ] || npm install --no-audit --no-fund)

cargo bench --no-default-features --features imaging --bench pipeline --no-run 2>/dev/null
bench=(cargo bench --no-default-features --features imaging --bench pipeline --quiet --)

echo "== speed (each runs alone; 22 photos, 2 files at a time)"
"${bench[@]}" run "$photos" >/dev/null   # warm the page cache
node bench/sharp/bench.mjs default "$photos" "$out/sharp" | tee "$out/sharp.json"
node bench/sharp/bench.mjs decode-once "$photos" | tee "$out/sharp-once.json"
"${bench[@]}" run "$photos" "$out/vitrine" | tee "$out/vitrine.json"

python3 - "$out" <<'PY'
import json, sys
d = sys.argv[1]
s, o, v = (json.load(open(f"{d}/{n}.json")) for n in ("sharp", "sharp-once", "vitrine"))
print(f"speed: vitrine {v['images_per_sec']:.2f} img/s, sharp default {s['images_per_sec']:.2f} ({v['images_per_sec']/s['images_per_sec']:.2f}x), "
      f"sharp decode-once {o['images_per_sec']:.2f} ({v['images_per_sec']/o['images_per_sec']:.2f}x)")
print(f"peak RSS: vitrine {v['peak_rss_mb']:.0f} MB, sharp default {s['peak_rss_mb']:.0f} MB, decode-once {o['peak_rss_mb']:.0f} MB")
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

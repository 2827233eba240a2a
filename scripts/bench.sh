#!/usr/bin/env bash
# Every benchmark in one command (benchmarks, not tests): bundle sizes, the
# visitors' pages and batch begin (scripts/bench-pages.sh), the browser
# uploader against curl (scripts/bench-uploader.sh) and processing against
# sharp (scripts/bench-processing.sh); each one's full output is kept, then one
# table of figure, target and ratio (ratio ≥ 1 meets the target). Ratios are
# taken within each benchmark's own run: this machine drifts 10–20 %.
#   scripts/bench.sh            (≈ 15 minutes after a release build)
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(mktemp -d /tmp/vitrine-bench-all.XXXXXX)
echo "== outputs in $out"
scripts/build.sh
echo "== visitors' pages and begin";   scripts/bench-pages.sh      2>&1 | tee "$out/pages.txt"
echo "== browser uploader";            scripts/bench-uploader.sh   2>&1 | tee "$out/uploader.txt"
echo "== processing";                  scripts/bench-processing.sh 2>&1 | tee "$out/processing.txt"

python3 - "$out" <<'PY'
import glob, gzip, os, re, sys
out = sys.argv[1]
text = lambda name: open(os.path.join(out, name), encoding="utf-8", errors="replace").read()
rows = []

def gz(path):
    return len(gzip.compress(open(path, "rb").read(), 9))

# Bundle: what an admin page loads, and what a visitor's page loads.
admin = sum(gz(p) for p in glob.glob("target/site/pkg/vitrine.*.wasm") + glob.glob("target/site/pkg/vitrine.*.js"))
visitor = sum(gz(p) for p in ("target/site/thumbhash.js", "target/site/gallery.js"))
if admin and visitor:
    rows.append(("admin WASM + JS, gzip", f"{admin / 1024:.0f} KB", "≤ 250 KB", 250 * 1024 / admin))
    rows.append(("visitor page script, gzip (no WASM)", f"{visitor / 1024:.1f} KB", "≤ 50 KB", 50 * 1024 / visitor))

# Pages and begin: the benches print markdown rows "| figure | now | target | ratio |".
for line in text("pages.txt").splitlines():
    cells = [c.strip() for c in line.strip().strip("|").split("|")]
    if len(cells) == 4 and cells[3] and re.match(r"^[\d.]+$", cells[3]):
        rows.append((cells[0], cells[1], cells[2], float(cells[3])))
    elif len(cells) == 5 and cells[4] and re.match(r"^[\d.]+$", cells[4]):
        rows.append((cells[0], f"{cells[1]} (worst {cells[2]})", cells[3], float(cells[4])))

m = re.search(r"app / curl: median ([\d.]+)x, worst round ([\d.]+)x", text("uploader.txt"))
if m:
    rows.append(("browser uploader / curl", f"{m[1]}× (worst {m[2]}×)", "≥ 0.8×", float(m[2]) / 0.8))

p = text("processing.txt")
for label, target, key in (("processing vs sharp default", 2.0, "sharp default"), ("processing vs sharp decode-once", 1.4, "sharp decode-once")):
    m = re.search(rf"vitrine / {key}:\s+median ([\d.]+)x\s+\(rounds: ([\d. ]+)\)", p)
    if m:
        worst = min(float(x) for x in m[2].split())
        rows.append((label, f"{m[1]}× (worst round {worst:.2f}×)", f"≥ {target}× every round", worst / target))
m = re.search(r"peak RSS \(max over rounds\): .*vitrine (\d+) MB", p)
if m:
    rows.append(("processing peak RSS", f"{m[1]} MB", "≤ 200 MB", 200 / float(m[1])))

print("\n| figure | now | target | ratio |\n|---|---|---|---|")
for figure, now, target, ratio in rows:
    print(f"| {figure} | {now} | {target} | {ratio:.2f} |")
PY

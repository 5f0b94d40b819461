"""`fashion-ai c2s check --quick` on a large manifest: how long the existence check of N rows takes.

The manifest: N rows of N/4 items, domains spelled "Shop" and "consumer", the first six rows pointing at
bundled sample photos and the rest at files that are not there (so every row is looked up and reported).
The clock covers the whole command in a fresh process, start-up included. Target at 100,000 rows: under
30 s.

    python bench/c2s_check.py [--rows 100000]
"""

import argparse
import csv
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET_S = 30


def write_manifest(path, rows):
    photos = sorted((ROOT / "data_samples" / "c2s_sample").glob("*/*/*.jpg"))[:6]
    with open(path, "w", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(["item_id", "domain", "path", "category"])
        for i in range(rows):
            out.writerow([f"item{i // 4}", "Shop" if i % 4 == 0 else "consumer",
                          photos[i] if i < len(photos) else f"photos/{i}.jpg", "top"])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        manifest = Path(tmp) / "big.csv"
        write_manifest(manifest, args.rows)
        start = time.perf_counter()
        proc = subprocess.run([sys.executable, "-m", "fashion_ai", "c2s", "check", "--quick", str(manifest)],
                              cwd=ROOT, capture_output=True, text=True)
        seconds = time.perf_counter() - start
    print(f"c2s check --quick on {args.rows:,} rows: {seconds:.1f} s (exit {proc.returncode}, "
          f"{len(proc.stdout.splitlines()):,} report lines)")
    print(json.dumps({"rows": args.rows, "seconds": round(seconds, 1), "target_s": TARGET_S,
                      "exit": proc.returncode}))


if __name__ == "__main__":
    main()

"""How long each Orange workflow takes to open and finish, as in a live class demo: cold (empty caches, the
first time on a laptop) and warm (opened again: embeddings and detections come from the kit's caches).

Each run is a fresh headless process (QT_QPA_PLATFORM=offscreen) timed from start to the moment every
signal and background task has settled, widget discovery included. The cold run starts with empty kit,
Orange and Inductor caches; the warm run reuses what the cold one left. The last line is one JSON object.
Targets: warm under 30 s and cold under 2 minutes for every workflow.

    python bench/workflows.py [--only 04_detect_and_retrieve.ows]
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

WORKFLOWS = sorted((Path(__file__).resolve().parents[1] / "orange_workflows").glob("*.ows"))
TARGETS = {"warm": 30.0, "cold": 120.0}
TIMEOUT = 600


def one(path):
    """Child process: open the workflow, let it settle, print seconds and widget errors as JSON."""
    start = time.perf_counter()
    from fashion_ai_widgets.headless import load_workflow, settle, widget_errors, widget_registry

    scheme, errors = load_workflow(path, widget_registry())
    settled = settle(scheme, TIMEOUT)
    seconds = time.perf_counter() - start
    print(json.dumps({"seconds": round(seconds, 1), "settled": settled,
                      "errors": [str(e) for e in errors] + [f"{k}: {v}" for k, v in widget_errors(scheme).items()]}))


def run(path, cache_root):
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", FASHION_AI_CACHE=str(cache_root / "kit"),
               XDG_CACHE_HOME=str(cache_root / "xdg-cache"), XDG_DATA_HOME=str(cache_root / "xdg-data"),
               TORCHINDUCTOR_CACHE_DIR=str(cache_root / "inductor"))
    out = subprocess.run([sys.executable, __file__, "--one", str(path)], env=env, capture_output=True,
                         text=True, timeout=TIMEOUT + 60)
    if out.returncode != 0:
        return {"seconds": None, "error": out.stderr.strip().splitlines()[-1:]}
    return json.loads(out.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", help="workflow file names to time (default: all)")
    parser.add_argument("--one", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        one(args.one)
        return
    results = {}
    for path in WORKFLOWS:
        if args.only and path.name not in args.only:
            continue
        with tempfile.TemporaryDirectory(prefix="fashion-ai-bench-") as root:
            cold = run(path, Path(root))
            warm = run(path, Path(root))
        results[path.name] = {"cold_s": cold.get("seconds"), "warm_s": warm.get("seconds"),
                              "problems": cold.get("errors", cold.get("error")) or None}
        print(f"{path.name}: cold {cold.get('seconds')} s, warm {warm.get('seconds')} s", file=sys.stderr)
    timed = [r for r in results.values() if r["cold_s"] is not None and r["warm_s"] is not None]
    worst = {kind: max((r[f"{kind}_s"] for r in timed), default=None) for kind in TARGETS}
    print(json.dumps({"workflows": results, "slowest_cold_s": worst["cold"], "slowest_warm_s": worst["warm"],
                      "targets_s": TARGETS, "cpu_threads": os.cpu_count()}))


if __name__ == "__main__":
    main()

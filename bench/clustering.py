"""Hierarchical clustering of N random 1280-d embeddings: the kit's path vs Orange's own.

Kit: `fashion_ai.clustering.linkage_matrix` (Ward on cosine geometry; blockwise float32 distances written
straight into scipy's condensed array) + a cut into N/10 clusters. Orange: what the Distances and
Hierarchical Clustering widgets run: `Orange.distance.Cosine` (the full N x N matrix), Ward linkage via
`Orange.clustering.hierarchical.dist_matrix_clustering` and a cut into N/10 clusters (`top_clusters`).

Each (path, N) runs in a fresh process on the same seeded data, so peak memory is that run's own: the rise
in resident memory over what the process held after the data was made. Prints one line per run and, last,
one JSON object. The 20k case needs several GB (Orange's path about three times the kit's).

    python bench/clustering.py [--sizes 1000 5000 20000] [--orange-max 20000]
"""

import argparse
import json
import resource
import subprocess
import sys
import time

DIM = 1280


def vectors(n):
    import numpy as np

    return np.random.default_rng(n).normal(size=(n, DIM)).astype(np.float32)


def rss_mb():
    """Current resident memory of this process (MB)."""
    with open("/proc/self/status") as fh:
        line = next(l for l in fh if l.startswith("VmRSS:"))
    return int(line.split()[1]) / 1024


def run_kit(x):
    from fashion_ai.clustering import cut_tree, linkage_matrix

    z = linkage_matrix(x, method="ward", metric="cosine")
    return len(set(cut_tree(z, n_clusters=len(x) // 10)))


def run_orange(x):
    from Orange.clustering import hierarchical
    from Orange.data import ContinuousVariable, Domain, Table
    from Orange.distance import Cosine

    table = Table.from_numpy(Domain([ContinuousVariable(f"n{i}") for i in range(x.shape[1])]), x)
    matrix = Cosine(table)
    root = hierarchical.dist_matrix_clustering(matrix, linkage=hierarchical.WARD)
    return len(hierarchical.top_clusters(root, len(x) // 10))


def one(path, n):
    """Child process: time one run, report seconds and peak memory rise as JSON."""
    import fashion_ai.clustering  # noqa: F401  (imports are not part of the timing)
    import Orange.clustering.hierarchical  # noqa: F401

    x = vectors(n)
    base = rss_mb()
    start = time.perf_counter()
    clusters = {"kit": run_kit, "orange": run_orange}[path](x)
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"path": path, "n": n, "seconds": round(seconds, 2), "peak_mb": round(peak - base),
                      "clusters": clusters}))


def measure(path, n):
    out = subprocess.run([sys.executable, __file__, "--one", path, str(n)], capture_output=True, text=True)
    if out.returncode != 0:
        return {"path": path, "n": n, "error": out.stderr.strip().splitlines()[-1:]}
    return json.loads(out.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 5000, 20000])
    parser.add_argument("--orange-max", type=int, default=20000, help="largest N to run Orange's path on")
    parser.add_argument("--one", nargs=2, metavar=("PATH", "N"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        one(args.one[0], int(args.one[1]))
        return
    results = {}
    for n in args.sizes:
        kit = measure("kit", n)
        orange = measure("orange", n) if n <= args.orange_max else None
        print(f"N={n}: kit {kit}, orange {orange}", file=sys.stderr)
        row = {"kit_s": kit.get("seconds"), "kit_peak_mb": kit.get("peak_mb")}
        if orange is not None:
            row.update(orange_s=orange.get("seconds"), orange_peak_mb=orange.get("peak_mb"))
            if kit.get("seconds") and orange.get("seconds"):
                row["speedup"] = round(orange["seconds"] / kit["seconds"], 2)
                row["memory_ratio"] = round(orange["peak_mb"] / max(kit["peak_mb"], 1), 2)
        results[str(n)] = row
    largest = results[str(max(args.sizes))]
    print(json.dumps({"dim": DIM, "linkage": "ward", "metric": "cosine", "sizes": results,
                      "largest_n": max(args.sizes), "largest_kit_s": largest["kit_s"],
                      "largest_speedup": largest.get("speedup")}))


if __name__ == "__main__":
    main()

"""Hierarchical clustering of N 1280-d embeddings: the kit's path vs Orange's own, computing the same tree.

The data: N vectors around N/20 seeded centres (embeddings come in groups of look-alike pictures).
Both sides run Ward linkage on the same distances, the euclidean distance between the rows scaled to unit
length (the kit's geometry for "Ward on cosine", `fashion_ai.clustering.linkage_matrix`):
- kit: `linkage_matrix(x, "ward", "cosine")` (blockwise float32 distances written straight into scipy's
  condensed array) and `cut_tree`;
- Orange: what the Distances and Hierarchical Clustering widgets run, on the unit rows: `Orange.distance.
  Euclidean` (the full N x N matrix), `hierarchical.dist_matrix_clustering` (Ward) and `top_clusters`.
The clock covers the tree and a cut into N/10 clusters. Agreement: the adjusted Rand index of the two
sides' clusters at cuts into 10, 100 and N/10 clusters (1 = the same partition).

Each (path, N) runs in a fresh process on the same seeded data, so peak memory is that run's own: the rise
in resident memory over what the process held after the data was made. Prints one line per run and, last,
one JSON object. Target at 20,000: faster and leaner than Orange's path, agreement >= 0.99.

    python bench/clustering.py [--sizes 1000 5000 20000] [--orange-max 20000]
"""

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

DIM = 1280
TARGET_AGREEMENT = 0.99


def vectors(n):
    """N seeded vectors in groups around N/20 centres."""
    import numpy as np

    rng = np.random.default_rng(n)
    centres = rng.normal(size=(max(n // 20, 2), DIM))
    return (centres[rng.integers(len(centres), size=n)] + 0.6 * rng.normal(size=(n, DIM))).astype(np.float32)


def cuts(n):
    return sorted({10, 100, n // 10})


def rss_mb():
    """Current resident memory of this process (MB)."""
    with open("/proc/self/status") as fh:
        line = next(l for l in fh if l.startswith("VmRSS:"))
    return int(line.split()[1]) / 1024


def run_kit(x):
    """The tree and the timed cut; returns a function cutting the tree into k clusters (labels)."""
    from fashion_ai.clustering import cut_tree, linkage_matrix

    z = linkage_matrix(x, method="ward", metric="cosine")
    cut_tree(z, n_clusters=len(x) // 10)
    return lambda k: cut_tree(z, n_clusters=k)


def run_orange(x):
    """Orange's widgets' path on the unit rows (the same distances as the kit's)."""
    import numpy as np
    from Orange.clustering import hierarchical
    from Orange.data import ContinuousVariable, Domain, Table
    from Orange.distance import Euclidean

    unit = x / np.linalg.norm(x, axis=1, keepdims=True)
    table = Table.from_numpy(Domain([ContinuousVariable(f"n{i}") for i in range(x.shape[1])]), unit)
    root = hierarchical.dist_matrix_clustering(Euclidean(table), linkage=hierarchical.WARD)
    hierarchical.top_clusters(root, len(x) // 10)

    def labels(k):
        out = np.zeros(len(x), int)
        for number, cluster in enumerate(hierarchical.top_clusters(root, k)):
            out[[leaf.value.index for leaf in hierarchical.leaves(cluster)]] = number
        return out

    return labels


def one(path, n, out_file):
    """Child process: time one run, report seconds and peak memory rise as JSON, save the labels of each cut."""
    import numpy as np

    import fashion_ai.clustering  # noqa: F401  (imports are not part of the timing)
    import Orange.clustering.hierarchical  # noqa: F401

    x = vectors(n)
    base = rss_mb()
    start = time.perf_counter()
    labels = {"kit": run_kit, "orange": run_orange}[path](x)
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    np.savez(out_file, **{str(k): labels(k) for k in cuts(n)})
    print(json.dumps({"path": path, "n": n, "seconds": round(seconds, 2), "peak_mb": round(peak - base)}))


def measure(path, n, folder):
    out_file = Path(folder) / f"{path}-{n}.npz"
    out = subprocess.run([sys.executable, __file__, "--one", path, str(n), str(out_file)],
                         capture_output=True, text=True)
    if out.returncode != 0:
        return {"path": path, "n": n, "error": out.stderr.strip().splitlines()[-1:]}
    return {**json.loads(out.stdout.strip().splitlines()[-1]), "labels": out_file}


def agreement(kit, orange, n):
    """Adjusted Rand index of the two sides' clusters at each cut."""
    import numpy as np
    from sklearn.metrics import adjusted_rand_score

    a, b = np.load(kit["labels"]), np.load(orange["labels"])
    return {str(k): round(float(adjusted_rand_score(a[str(k)], b[str(k)])), 4) for k in cuts(n)}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 5000, 20000])
    parser.add_argument("--orange-max", type=int, default=20000, help="largest N to run Orange's path on")
    parser.add_argument("--one", nargs=3, metavar=("PATH", "N", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        one(args.one[0], int(args.one[1]), args.one[2])
        return
    results = {}
    folder = tempfile.mkdtemp(prefix="fashion-ai-bench-")
    for n in args.sizes:
        kit = measure("kit", n, folder)
        orange = measure("orange", n, folder) if n <= args.orange_max else None
        row = {"kit_s": kit.get("seconds"), "kit_peak_mb": kit.get("peak_mb")}
        if orange is not None:
            row.update(orange_s=orange.get("seconds"), orange_peak_mb=orange.get("peak_mb"))
            if kit.get("seconds") and orange.get("seconds"):
                row["speedup"] = round(orange["seconds"] / kit["seconds"], 2)
                row["memory_ratio"] = round(orange["peak_mb"] / max(kit["peak_mb"], 1), 2)
                row["agreement_ari"] = agreement(kit, orange, n)
        print(f"N={n}: {row}", file=sys.stderr)
        results[str(n)] = row
    largest = results[str(max(args.sizes))]
    worst = min(largest.get("agreement_ari", {"-": None}).values(), default=None)
    print(json.dumps({"dim": DIM, "linkage": "ward", "distance": "euclidean between unit rows (cosine geometry)",
                      "sizes": results, "largest_n": max(args.sizes), "largest_kit_s": largest["kit_s"],
                      "largest_speedup": largest.get("speedup"), "largest_memory_ratio": largest.get("memory_ratio"),
                      "largest_worst_agreement": worst, "target_agreement": TARGET_AGREEMENT}))


if __name__ == "__main__":
    main()

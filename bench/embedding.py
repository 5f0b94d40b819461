"""Embedding real photos end to end: the kit's embedders against Orange's own local SqueezeNet embedder.

The same 2,000 real garment photos of the clothing set (../shared/data/clothing, JPEG at their own size), one
run, every cache empty. Each path is timed from the list of files to the vectors, decoding, resizing and
batching included, and for the compiled network its compile pause too (Inductor's disk cache starts empty):

- kit EfficientNet-Lite0, plain and compiled (`fashion-ai embed [--compile]`),
- kit SqueezeNet (the network Orange uses, with the kit's loading and batching),
- Orange's ImageEmbedder with its local SqueezeNet (what the Image Embedding widget runs offline).

Agreement: the cosine between the kit's SqueezeNet vectors and Orange's, photo by photo (same network, so
near 1). The last line is one JSON object; the target is a 5x end-to-end speed-up over Orange.

    python bench/embedding.py [--images 2000] [--clothing DIR]
"""

import argparse
import json
import os
import sys
import tempfile
import time

_TMP = tempfile.mkdtemp(prefix="fashion-ai-bench-")
for var in ("XDG_CACHE_HOME", "XDG_DATA_HOME", "XDG_CONFIG_HOME"):  # Orange's caches: empty, thrown away
    os.environ[var] = os.path.join(_TMP, var.lower())
os.environ["FASHION_AI_CACHE"] = os.path.join(_TMP, "kit-cache")
os.environ["TORCHINDUCTOR_CACHE_DIR"] = os.path.join(_TMP, "inductor")  # the compile pause timed is a first one

import numpy as np  # noqa: E402

from fashion_ai.datasets import clothing  # noqa: E402
from fashion_ai.embedding import EfficientNetLite0Embedder, SqueezeNetEmbedder, embed_paths  # noqa: E402

TARGET_SPEEDUP = 5.0


def time_kit(paths, embedder, compile_first=False):
    """(seconds from file list to vectors, vectors); with `compile_first` the compile pause counts."""
    start = time.perf_counter()
    if compile_first and not embedder.compile():
        return None, None
    result = embed_paths(paths, embedder, use_cache=False)
    return time.perf_counter() - start, result.full(len(paths))


def time_orange(paths):
    """Orange's local SqueezeNet embedder, the model loaded before the clock starts (as the kit's are)."""
    from orangecontrib.imageanalytics.image_embedder import ImageEmbedder

    embedder = ImageEmbedder(model="squeezenet")
    embedder._init_embedder()
    local = embedder._embedder
    local._cache.clear_cache()
    start = time.perf_counter()
    vectors = local.embedd_data(list(paths))
    seconds = time.perf_counter() - start
    local._cache.clear_cache()
    return seconds, np.array([v if v is not None else np.full(1000, np.nan) for v in vectors], dtype=np.float32)


def mean_cosine(a, b):
    """Mean cosine similarity of matching rows (rows with a missing vector left out)."""
    ok = np.isfinite(a).all(1) & np.isfinite(b).all(1)
    a, b = a[ok], b[ok]
    return float(np.mean((a * b).sum(1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1) + 1e-12)))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=2000, help="number of photos (default 2000)")
    parser.add_argument("--clothing", default=None, help="clothing-set folder (default ../shared/data/clothing)")
    args = parser.parse_args()
    root = clothing.full_set_dir(args.clothing)
    if root is None:
        sys.exit("the full clothing set is needed (../shared/data/clothing or --clothing DIR)")
    paths = list(clothing.read_table(root)["path"].sort_values())[:args.images]
    plain, compiled, squeezenet = EfficientNetLite0Embedder(), EfficientNetLite0Embedder(), SqueezeNetEmbedder()
    seconds = {}
    seconds["kit_squeezenet"], kit_squeeze = time_kit(paths, squeezenet)
    seconds["kit_plain"], _ = time_kit(paths, plain)
    seconds["kit_compiled"], _ = time_kit(paths, compiled, compile_first=True)
    seconds["orange"], orange_squeeze = time_orange(paths)
    rates = {name: len(paths) / s for name, s in seconds.items() if s}
    best_kit = max(("kit_plain", "kit_compiled"), key=lambda name: rates.get(name, 0))
    result = {
        "images": len(paths),
        "data": str(root),
        "orange_images_per_s": round(rates["orange"], 2),
        "kit_images_per_s": round(rates[best_kit], 2),
        "kit_best_path": best_kit,
        "end_to_end_speedup": round(rates[best_kit] / rates["orange"], 2),
        "kit_plain_images_per_s": round(rates["kit_plain"], 2),
        "kit_compiled_images_per_s": round(rates["kit_compiled"], 2) if "kit_compiled" in rates else None,
        "kit_squeezenet_images_per_s": round(rates["kit_squeezenet"], 2),
        "squeezenet_speedup": round(rates["kit_squeezenet"] / rates["orange"], 2),
        "squeezenet_agreement_cosine": round(mean_cosine(kit_squeeze, orange_squeeze), 4),
        "target_speedup": TARGET_SPEEDUP,
        "cpu_threads": os.cpu_count(),
    }
    met = "met" if result["end_to_end_speedup"] >= TARGET_SPEEDUP else "NOT met"
    print(f"{len(paths)} photos, file list to vectors: Orange SqueezeNet {result['orange_images_per_s']} img/s; "
          f"kit SqueezeNet {result['kit_squeezenet_images_per_s']}, EfficientNet-Lite0 plain "
          f"{result['kit_plain_images_per_s']}, compiled (pause included) {result['kit_compiled_images_per_s']}; "
          f"best kit path {result['end_to_end_speedup']}x Orange (target {TARGET_SPEEDUP}x: {met}); "
          f"kit vs Orange SqueezeNet cosine {result['squeezenet_agreement_cosine']}", file=sys.stderr)
    print(json.dumps(result))


if __name__ == "__main__":
    main()

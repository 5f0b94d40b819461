"""Speed and quality of the kit's EfficientNet-Lite0 embedder vs Orange's own local SqueezeNet embedder.

Same photos (the bundled consumer-to-shop sample set), one run, caches off on both sides (Orange's embedder
cache lives in a temporary folder and starts empty). Models are loaded before the clock starts; the kit's
network is also compiled before it (`fashion-ai embed --compile`; the seconds that took are reported), and
the plain network is timed too. Prints images/s of each, the speed-up, and the consumer-to-shop top-1 each
embedding reaches on the set; the last line is one JSON object.

    python bench/embedding.py [--repeats 2]
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
os.environ["TORCHINDUCTOR_CACHE_DIR"] = os.path.join(_TMP, "inductor")  # the compile time reported is a first one

import numpy as np  # noqa: E402

from fashion_ai.consumer_shop import sample_set  # noqa: E402
from fashion_ai.embedding import EfficientNetLite0Embedder, embed_paths  # noqa: E402
from fashion_ai.retrieval import retrieve  # noqa: E402


def time_kit(paths, model):
    start = time.perf_counter()
    result = embed_paths(paths, model, use_cache=False)
    return time.perf_counter() - start, result.full(len(paths))


def time_orange(paths):
    from orangecontrib.imageanalytics.image_embedder import ImageEmbedder

    embedder = ImageEmbedder(model="squeezenet")
    embedder._init_embedder()  # load SqueezeNet before the clock starts, as for the kit
    local = embedder._embedder
    local._cache.clear_cache()
    start = time.perf_counter()
    vectors = local.embedd_data(list(paths))
    seconds = time.perf_counter() - start
    local._cache.clear_cache()
    return seconds, np.array([v if v is not None else np.full(1000, np.nan) for v in vectors], dtype=np.float32)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=2, help="timed runs of each (the best one counts)")
    args = parser.parse_args()
    table = sample_set()
    paths = list(table["path"])
    plain, compiled = EfficientNetLite0Embedder(), EfficientNetLite0Embedder()
    start = time.perf_counter()
    is_compiled = compiled.compile()
    compile_seconds = time.perf_counter() - start
    kit_times, plain_times, orange_times = [], [], []
    for _ in range(args.repeats):  # interleaved, so a change in machine load hits all
        seconds, kit_vectors = time_kit(paths, compiled)
        kit_times.append(seconds)
        plain_times.append(time_kit(paths, plain)[0])
        seconds, orange_vectors = time_orange(paths)
        orange_times.append(seconds)
    kit_rate, orange_rate = len(paths) / min(kit_times), len(paths) / min(orange_times)
    result = {
        "images": len(paths),
        "kit_model": "efficientnet-lite0",
        "orange_model": "squeezenet (orange3-imageanalytics ImageEmbedder, local)",
        "kit_images_per_s": round(kit_rate, 2),
        "orange_images_per_s": round(orange_rate, 2),
        "speedup": round(kit_rate / orange_rate, 2),
        "kit_compiled": is_compiled,
        "kit_compile_seconds": round(compile_seconds, 1),
        "kit_plain_images_per_s": round(len(paths) / min(plain_times), 2),
        "kit_top1": retrieve(table, kit_vectors).accuracy()[1],
        "orange_top1": retrieve(table, orange_vectors).accuracy()[1],
        "cpu_threads": os.cpu_count(),
    }
    print(f"kit {result['kit_images_per_s']} img/s, Orange {result['orange_images_per_s']} img/s, "
          f"speed-up {result['speedup']}x; top-1 kit {result['kit_top1']:.3f}, Orange {result['orange_top1']:.3f}",
          file=sys.stderr)
    print(json.dumps(result))


if __name__ == "__main__":
    main()

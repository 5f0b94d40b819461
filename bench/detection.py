"""CPU speed of the kit's shipped, trained SSD against torchvision's SSDlite320-MobileNetV3 and SSD300-VGG16.

The kit's detector is the trained checkpoint the kit ships, so real boxes come out of it (their count is
printed). torchvision's two SSDs have no weights on an offline machine, so they run with random weights;
all three get 14 classes (ModaNet's 13 + background), the same real photos (the bundled clothing sample's
test photos), the same score threshold and the same maximum number of detections per picture, in the same
run; each resizes the photos to its own input size. Prints ms/image at batch 1 and batch 8 and the peers'
times as multiples of the kit's; the last line is one JSON object.
Target: the kit's detector under 50 ms/image at batch 1 on 2 cores.
"""

import argparse
import json
import statistics
import time

import torch

from fashion_ai.datasets.clothing import bundled_sample, load_split
from fashion_ai.detection.evaluate import to_tensor
from fashion_ai.detection.model import load_checkpoint
from fashion_ai.images import load_image
from fashion_ai.tv import torchvision

NUM_CLASSES = 14
SCORE = 0.3
MAX_DETECTIONS = 100


def peers():
    detection = torchvision.models.detection
    models = {
        "kit ssdlite-effnet (shipped)": load_checkpoint(score_thresh=SCORE)[0],
        "ssdlite320_mobilenet_v3_large": detection.ssdlite320_mobilenet_v3_large(
            weights=None, weights_backbone=None, num_classes=NUM_CLASSES, score_thresh=SCORE),
        "ssd300_vgg16": detection.ssd300_vgg16(
            weights=None, weights_backbone=None, num_classes=NUM_CLASSES, score_thresh=SCORE),
    }
    for model in models.values():
        model.detections_per_img = MAX_DETECTIONS
    return models


def boxes_found(model, pictures):
    """How many boxes over the score threshold the model returns on the pictures (one at a time)."""
    with torch.no_grad():
        return sum(len(model([p])[0]["boxes"]) for p in pictures)


def ms_per_image(model, pictures, batch, repeats):
    """Median over `repeats` timed runs of one batch (after one warm-up run), in ms per image."""
    inputs = pictures[:batch]
    with torch.no_grad():
        model(inputs)
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            model(inputs)
            times.append(time.perf_counter() - start)
    return 1000 * statistics.median(times) / batch


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    photos = load_split("test", bundled_sample())["path"][::6][:8]
    pictures = [to_tensor(load_image(p)) for p in photos]
    results = {}
    for name, model in peers().items():
        model.eval()
        results[name] = {f"batch{b}_ms": round(ms_per_image(model, pictures, b, args.repeats), 1) for b in (1, 8)}
        results[name]["boxes"] = boxes_found(model, pictures)
        print(f"{name:32s} batch 1: {results[name]['batch1_ms']:7.1f} ms/image   "
              f"batch 8: {results[name]['batch8_ms']:7.1f} ms/image   boxes on {len(pictures)} photos: "
              f"{results[name]['boxes']}", flush=True)
    kit = results["kit ssdlite-effnet (shipped)"]
    ratios = {f"{name} / kit, batch {b}": round(r[f"batch{b}_ms"] / kit[f"batch{b}_ms"], 2)
              for name, r in results.items() if r is not kit for b in (1, 8)}
    print(json.dumps({"threads": args.threads, "ms_per_image": results, "ratios": ratios,
                      "kit_under_50ms_batch1": kit["batch1_ms"] < 50}))


if __name__ == "__main__":
    main()

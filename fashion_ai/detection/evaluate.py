"""Detection and its scoring: run the SSD on pictures, then COCO-style AP with pycocotools.

Reported as in published detection tables: AP at IoU 0.5 per class, their mean (mAP@0.5), the COCO mean
over IoU 0.5:0.95, and AP@0.5 restricted to small objects (COCO's "small": under 32x32 pixels of area).
Classes with no ground truth in the set have no AP (None), and are left out of the means.
"""

import contextlib
import io

import numpy as np
import torch

from ..images import ImageLoadError, load_image

SMALL_AREA = 32 ** 2


def to_tensor(picture):
    """RGB PIL picture -> float CHW tensor in [0, 1], what the SSD models take."""
    return torch.from_numpy(np.asarray(picture.convert("RGB")).copy()).permute(2, 0, 1).float().div(255)


def detect(model, pictures, categories, score_threshold=0.3, batch_size=8, progress=None, cancelled=None):
    """Detections for each picture: a list (per picture) of {"class", "category_id", "score", "box"}.

    box is [x0, y0, x1, y1] in the picture's own pixels. progress(done, total) is called after each batch;
    cancelled() returning True stops early (the pictures done so far are returned).
    """
    device = next(model.parameters()).device
    model.eval()
    results = []
    for start in range(0, len(pictures), batch_size):
        if cancelled and cancelled():
            break
        batch = [to_tensor(p).to(device) for p in pictures[start:start + batch_size]]
        with torch.no_grad():
            outputs = model(batch)
        for out in outputs:
            keep = out["scores"] >= score_threshold
            results.append([
                {"class": categories[int(label) - 1], "category_id": int(label), "score": round(float(score), 4),
                 "box": [round(float(v), 1) for v in box]}
                for box, score, label in zip(out["boxes"][keep], out["scores"][keep], out["labels"][keep])])
        if progress:
            progress(len(results), len(pictures))
    return results


def coco_scores(ground_truth: dict, detections: list) -> dict:
    """AP figures of `detections` (COCO result records: image_id, category_id, bbox [x, y, w, h], score)
    against a COCO ground-truth dict. Keys: map50, map, small_map50, per_class_ap50, per_class_small_ap50,
    and pr50: per class with ground truth, (recall, precision) at IoU 0.5, the curve whose mean is its AP."""
    from pycocotools.coco import COCO
    from pycocotools.cocoeval import COCOeval

    with contextlib.redirect_stdout(io.StringIO()):  # pycocotools prints progress lines
        gt = COCO()
        gt.dataset = {"info": {}, **{k: ground_truth[k] for k in ("images", "annotations", "categories")}}
        gt.dataset["annotations"] = [{"iscrowd": 0, "area": a["bbox"][2] * a["bbox"][3], **a}
                                     for a in gt.dataset["annotations"]]
        gt.createIndex()
        names = {c["id"]: c["name"] for c in ground_truth["categories"]}
        if not detections:
            return _empty_scores(gt, names)
        dt = gt.loadRes(detections)
        run = COCOeval(gt, dt, "bbox")
        run.evaluate()
        run.accumulate()
        run.summarize()
    precision = run.eval["precision"]          # [IoU, recall, class, area range, max dets]
    cat_ids = run.params.catIds
    ap50 = {names[c]: _mean_valid(precision[0, :, k, 0, 2]) for k, c in enumerate(cat_ids)}
    small = {names[c]: _mean_valid(precision[0, :, k, 1, 2]) for k, c in enumerate(cat_ids)}
    return {
        "map50": _mean_of(ap50.values()), "map": _mean_of(
            _mean_valid(precision[:, :, k, 0, 2]) for k in range(len(cat_ids))),
        "small_map50": _mean_of(small.values()),
        "per_class_ap50": ap50, "per_class_small_ap50": small,
        "pr50": {names[c]: ([round(float(r), 2) for r in run.params.recThrs],   # plain lists: --json prints it
                            [round(float(p), 4) for p in precision[0, :, k, 0, 2]])
                 for k, c in enumerate(cat_ids) if ap50[names[c]] is not None},
    }


def _mean_valid(values):
    """Mean of a precision slice, ignoring pycocotools' -1 (no ground truth); None when nothing is valid."""
    values = np.asarray(values)
    valid = values[values > -1]
    return round(float(valid.mean()), 4) if valid.size else None


def _mean_of(values):
    values = [v for v in values if v is not None]
    return round(float(np.mean(values)), 4) if values else None


def _empty_scores(gt, names):
    """Scores when nothing was detected: 0 for every class that has ground truth."""
    present = {a["category_id"] for a in gt.dataset["annotations"]}
    small = {a["category_id"] for a in gt.dataset["annotations"] if a["area"] < SMALL_AREA}
    ap50 = {n: (0.0 if c in present else None) for c, n in names.items()}
    small_ap = {n: (0.0 if c in small else None) for c, n in names.items()}
    return {"map50": _mean_of(ap50.values()), "map": _mean_of(ap50.values()),
            "small_map50": _mean_of(small_ap.values()), "per_class_ap50": ap50, "per_class_small_ap50": small_ap,
            "pr50": {}}


def readable_pictures(paths):
    """(pictures, their positions in `paths`, [(path, reason)] of those that could not be read)."""
    pictures, kept, skipped = [], [], []
    for i, path in enumerate(paths):
        try:
            pictures.append(load_image(path))
            kept.append(i)
        except ImageLoadError as exc:
            skipped.append((exc.path, exc.reason))
    return pictures, kept, skipped


def restrict_classes(ground_truth: dict, names) -> dict:
    """The ground truth with only the categories named (their boxes included): detections of other classes
    then count for nothing, as when a benchmark scores a subset of classes (e.g. top, outer, pants, dress)."""
    known = {c["name"] for c in ground_truth["categories"]}
    unknown = sorted(set(names) - known)
    if unknown:
        raise ValueError(f"unknown class(es) {', '.join(unknown)}; the set has {', '.join(sorted(known))}")
    keep = {c["id"] for c in ground_truth["categories"] if c["name"] in names}
    return {**ground_truth, "categories": [c for c in ground_truth["categories"] if c["id"] in keep],
            "annotations": [a for a in ground_truth["annotations"] if a["category_id"] in keep]}


def evaluate_detector(model, dataset, ground_truth, batch_size=8, progress=None, categories=None):
    """Run `model` on a DetectionSet and score it against its COCO dict; unreadable pictures are skipped
    (and listed), their ground truth left out so they do not count as misses.

    `categories`: the detector's class names in its output order (its checkpoint's; default: the set's).
    Detections meet the ground truth by class name, so a file that numbers its categories differently
    scores the same; a class with boxes in the file that the detector does not know raises ValueError."""
    if categories is not None:
        boxed = {a["category_id"] for a in ground_truth["annotations"]}
        unknown = sorted(c["name"] for c in ground_truth["categories"]
                         if c["id"] in boxed and c["name"] not in categories)
        if unknown:
            raise ValueError(f"the annotations have boxes of {', '.join(unknown)}, which the detector does not "
                             f"know (its classes: {', '.join(categories)})")
    pictures, kept_rows, skipped = readable_pictures(dataset.paths)
    ids = [dataset.image_ids[i] for i in kept_rows]
    found = detect(model, pictures, categories or dataset.categories, score_threshold=0.01,
                   batch_size=batch_size, progress=progress)
    truth_id = {c["name"]: c["id"] for c in ground_truth["categories"]}   # classes meet by name, not by id
    records = [{"image_id": image_id, "category_id": truth_id[d["class"]], "score": d["score"],
                "bbox": [d["box"][0], d["box"][1], d["box"][2] - d["box"][0], d["box"][3] - d["box"][1]]}
               for image_id, dets in zip(ids, found) for d in dets if d["class"] in truth_id]
    kept = set(ids)
    gt = {**ground_truth, "images": [im for im in ground_truth["images"] if im["id"] in kept],
          "annotations": [a for a in ground_truth["annotations"] if a["image_id"] in kept]}
    scores = coco_scores(gt, records)
    return {**scores, "images": len(ids), "skipped": [f"{p}: {r}" for p, r in skipped]}


def ap_table(scores, ground_truth):
    """Per-class table (a pandas DataFrame) like the reference study's: objects, small objects, AP@0.5,
    small AP@0.5; classes with no garment in the set show blanks."""
    import pandas as pd

    names = {c["id"]: c["name"] for c in ground_truth["categories"]}
    counts = {n: 0 for n in names.values()}
    small = {n: 0 for n in names.values()}
    for a in ground_truth["annotations"]:
        counts[names[a["category_id"]]] += 1
        small[names[a["category_id"]]] += a.get("area", a["bbox"][2] * a["bbox"][3]) < SMALL_AREA
    rows = [{"class": n, "objects": counts[n], "small objects": small[n],
             "AP@0.5": scores["per_class_ap50"].get(n), "small AP@0.5": scores["per_class_small_ap50"].get(n)}
            for n in names.values()]
    rows.append({"class": "mean (mAP)", "objects": sum(counts.values()), "small objects": sum(small.values()),
                 "AP@0.5": scores["map50"], "small AP@0.5": scores["small_map50"]})
    return pd.DataFrame(rows).set_index("class")

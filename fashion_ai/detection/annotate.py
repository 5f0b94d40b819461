"""What to do with detections: draw them on the picture, cut each garment out for the embedder, tabulate.

Crops are what "detect, then retrieve" sends on: each detected garment becomes its own picture, embedded
and matched against shop photos like any consumer photo.
"""

import hashlib
from pathlib import Path

from PIL import ImageDraw

PALETTE = ["#e6194b", "#3cb44b", "#4363d8", "#f58231", "#911eb4", "#42d4f4", "#f032e6",
           "#bfef45", "#fabed4", "#469990", "#dcbeff", "#9a6324", "#800000"]


def draw_detections(picture, detections, width=None):
    """A copy of the picture with each detection's box and "class score" label drawn on it (ground-truth
    boxes without a score get the class alone)."""
    out = picture.convert("RGB").copy()
    draw = ImageDraw.Draw(out)
    width = width or max(2, round(max(out.size) / 200))
    for d in detections:
        colour = PALETTE[(d["category_id"] - 1) % len(PALETTE)]
        x0, y0, x1, y1 = d["box"]
        draw.rectangle([x0, y0, x1, y1], outline=colour, width=width)
        label = f"{d['class']} {d['score']:.2f}" if "score" in d else d["class"]
        tx, ty = x0, max(0, y0 - 12)
        draw.rectangle(draw.textbbox((tx, ty), label), fill=colour)
        draw.text((tx, ty), label, fill="white")
    return out


def crop_box(picture, box, margin=0.05):
    """The part of the picture inside `box` (x0, y0, x1, y1), widened by `margin` of its size each side."""
    x0, y0, x1, y1 = box
    dx, dy = (x1 - x0) * margin, (y1 - y0) * margin
    left, top = max(0, int(x0 - dx)), max(0, int(y0 - dy))
    right, bottom = min(picture.width, int(round(x1 + dx))), min(picture.height, int(round(y1 + dy)))
    return picture.crop((left, top, max(right, left + 1), max(bottom, top + 1)))


def crop_files(detections, folder, key):
    """The crop file of each detection, named by `key` (e.g. the source file's digest) and its box, so the
    same detection is written once however often it is asked for."""
    paths = []
    for d in detections:
        tag = hashlib.sha1(f"{key}{d['box']}".encode()).hexdigest()[:16]
        paths.append(Path(folder) / f"{d['class'].replace(' ', '_').replace('&', 'and')}-{tag}.png")
    return paths


def save_crops(picture, detections, folder, key):
    """Write each detection's crop as PNG in `folder` (see crop_files) and return the paths."""
    paths = crop_files(detections, folder, key)
    Path(folder).mkdir(parents=True, exist_ok=True)
    for d, path in zip(detections, paths):
        if not path.exists():
            crop_box(picture, d["box"]).save(path)
    return paths


def detections_frame(sources, detections):
    """One row per detection: image (source path), class, score, x0, y0, x1, y1."""
    import pandas as pd

    rows = [{"image": str(src), "class": d["class"], "score": d["score"],
             "x0": d["box"][0], "y0": d["box"][1], "x1": d["box"][2], "y1": d["box"][3]}
            for src, dets in zip(sources, detections) for d in dets]
    return pd.DataFrame(rows, columns=["image", "class", "score", "x0", "y0", "x1", "y1"])


def best_garment_crops(model, categories, table, folder, threshold=0.3):
    """The set table with each consumer photo replaced by a crop of its best detection (detect, then
    retrieve); photos with no detection above `threshold` keep the whole picture. Adds column "detected"."""
    from ..images import ImageLoadError, file_digest, load_image
    from .evaluate import detect

    out = table.copy()
    out["detected"] = ""
    for row in out.index[out["domain"] == "consumer"]:
        path = out.at[row, "path"]
        try:
            picture = load_image(path)
        except ImageLoadError:
            continue  # left as it is: the retrieval step skips and reports unreadable photos
        found = detect(model, [picture], categories, score_threshold=threshold)[0][:1]
        if found:
            out.at[row, "path"] = str(save_crops(picture, found, folder, file_digest(path))[0])
            out.at[row, "detected"] = found[0]["class"]
    return out

"""The detector on whole real photos of single garments (the clothing set): did it box the right garment?

Each photo of the clothing set shows one garment, so the photo's label says which ModaNet class a detector
should report (datasets.cutouts.CLOTHING_TO_MODANET). That gives a real-photo check needing no drawn boxes:
the best-scoring detection must be of that class.
"""

import pandas as pd

from ..datasets.cutouts import CLOTHING_TO_MODANET
from ..images import ImageLoadError, load_image
from .evaluate import detect


def detections_on_photos(model, categories, table, threshold=0.3):
    """(frame, pictures, detections) for the photos of a clothing-set table (columns path, label).

    The frame has one row per readable photo: path, label, expected (its ModaNet class), found (the best
    detection's class, "" when none scores `threshold`), score, and right (found == expected). Unreadable
    photos are left out (the frame's `attrs["skipped"]` lists them with the reason).
    """
    pictures, rows, skipped = [], [], []
    for path, label in zip(table["path"], table["label"]):
        try:
            pictures.append(load_image(path))
        except ImageLoadError as exc:
            skipped.append(f"{exc.path}: {exc.reason}")
            continue
        rows.append({"path": path, "label": label, "expected": CLOTHING_TO_MODANET.get(label, "")})
    found = detect(model, pictures, categories, score_threshold=threshold)
    for row, dets in zip(rows, found):
        best = dets[0] if dets else None   # detect() returns detections best first
        row.update(found=best["class"] if best else "", score=best["score"] if best else 0.0)
        row["right"] = row["found"] == row["expected"]
    frame = pd.DataFrame(rows, columns=["path", "label", "expected", "found", "score", "right"])
    frame.attrs["skipped"] = skipped
    return frame, pictures, found

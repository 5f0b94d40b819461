"""The detector on whole real photos of single garments (the clothing set): did it box the right garment?

Each photo of the clothing set shows one garment, so the photo's label says which ModaNet class a detector
should report (datasets.cutouts.CLOTHING_TO_MODANET). That gives a real-photo check needing no drawn boxes:
the best-scoring detection must be of that class.
"""

import pandas as pd

from ..datasets.cutouts import CLOTHING_TO_MODANET
from .evaluate import detect, readable_pictures


def detections_on_photos(model, categories, table, threshold=0.3):
    """(frame, pictures, detections) for the photos of a clothing-set table (columns path, label).

    The frame has one row per readable photo: path, label, expected (its ModaNet class), found (the best
    detection's class, "" when none scores `threshold`), score, and right (found == expected). Unreadable
    photos are left out (the frame's `attrs["skipped"]` lists them with the reason).
    """
    paths, labels = list(table["path"]), list(table["label"])
    pictures, kept, skipped = readable_pictures(paths)
    rows = [{"path": paths[i], "label": labels[i], "expected": CLOTHING_TO_MODANET.get(labels[i], "")}
            for i in kept]
    found = detect(model, pictures, categories, score_threshold=threshold)
    for row, dets in zip(rows, found):
        best = dets[0] if dets else None   # detect() returns detections best first
        row.update(found=best["class"] if best else "", score=best["score"] if best else 0.0)
        row["right"] = row["found"] == row["expected"]
    frame = pd.DataFrame(rows, columns=["path", "label", "expected", "found", "score", "right"])
    frame.attrs["skipped"] = [f"{path}: {reason}" for path, reason in skipped]
    return frame, pictures, found

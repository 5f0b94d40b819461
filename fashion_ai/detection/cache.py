"""Detections kept on disk by picture content and detector, the way embeddings are (`embedding.VectorCache`),
so a workflow opened a second time (a live class demo) shows its boxes and crops without running the
network: a picture is decoded only when its detections or one of its crops are missing."""

import json
from dataclasses import dataclass
from pathlib import Path

from ..images import ImageLoadError, file_digest, file_problem, load_image
from ..paths import atomic_write, cache_dir
from .annotate import crop_files, save_crops


class DetectionCache:
    """One JSON file per (picture content, detector file, lowest score kept) under the kit's cache folder."""

    def __init__(self, detector_digest, score_threshold, root=None):
        self.folder = Path(root or cache_dir()) / "detections" / f"{detector_digest[:16]}-{score_threshold:.2f}"

    def _file(self, digest):
        return self.folder / digest[:2] / f"{digest}.json"

    def get(self, digest):
        """The cached detections, or None (a damaged cache file counts as missing)."""
        try:
            return json.loads(self._file(digest).read_text())
        except (OSError, ValueError):
            return None

    def put(self, digest, detections):
        """Write atomically, so a crash never leaves half a file."""
        atomic_write(self._file(digest), lambda tmp: Path(tmp).write_text(json.dumps(detections)), suffix=".json")


@dataclass
class FileDetections:
    """A picture's detections (best first) and the crop file of each."""

    path: str
    detections: list
    crops: list


def detect_files(paths, score_threshold, checkpoint=None, crops_folder=None, progress=None, cancelled=None,
                 use_cache=True):
    """Detect garments in image files, in input order: ([FileDetections or None per path], problems).

    Unreadable files become None plus a "path: reason" problem, never an exception. `progress(done, total)`
    after each file; `cancelled()` returning True stops before the next file (the rest stay None). The
    detector is loaded only when some picture is not in the cache."""
    from .model import load_checkpoint, shipped_checkpoint

    checkpoint = Path(checkpoint or shipped_checkpoint())
    cache = DetectionCache(file_digest(checkpoint), score_threshold) if use_cache else None
    crops_folder = Path(crops_folder or cache_dir() / "detection_crops")
    detector = None  # loaded on the first cache miss

    def one(path):
        nonlocal detector
        reason = file_problem(path)
        if reason:  # checked by type first: reading a pipe or a device would never end
            raise ImageLoadError(path, reason)
        digest = file_digest(path)
        found = cache.get(digest) if cache else None
        crops = crop_files(found, crops_folder, digest) if found is not None else None
        if crops is None or not all(c.exists() for c in crops):
            picture = load_image(path)
            if found is None:
                detector = detector or load_checkpoint(checkpoint)
                found = _detect_one(detector, picture, score_threshold)
                if cache:
                    cache.put(digest, found)
            crops = save_crops(picture, found, crops_folder, digest)
        return FileDetections(str(path), found, [str(c) for c in crops])

    results, problems = [None] * len(paths), []
    for n, path in enumerate(paths):
        if cancelled and cancelled():
            break
        try:
            results[n] = one(path)
        except ImageLoadError as exc:
            problems.append(str(exc))
        except OSError as exc:
            problems.append(f"{path}: cannot be read ({exc.strerror or exc})")
        if progress:
            progress(n + 1, len(paths))
    return results, problems


def _detect_one(detector, picture, score_threshold):
    from .evaluate import detect

    model, checkpoint = detector
    return detect(model, [picture], checkpoint["categories"], score_threshold=score_threshold)[0]

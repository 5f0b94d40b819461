"""Probe products -> POP signals: the one loop that the `pop` command, the POP Signal widget, the notebooks
and the forecasting tasks share, so a probe is tagged, checked and scored the same way everywhere.

A probe is a row with an image `path` (may be blank when a technical sheet describes the product), optional
sheet columns (category, colour, ...) and an optional `release_date`. A probe that cannot be scored becomes a
`ProbeError` naming its row and file; the other probes go on."""

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..clothing_classifier import ClothingCheckpointError
from ..images import ImageLoadError, load_image
from .signal import DEFAULT_INTERVALS, DEFAULT_WINDOW
from .tags import classify_photos, probe_tags


class ProbeError(Exception):
    """A probe that cannot be scored: which row, which file, and why."""

    def __init__(self, row, path, reason):
        self.row, self.path, self.reason = row, path, reason
        where = f"probe row {row + 1}" + (f" ({path})" if path else "")
        super().__init__(f"{where}: {reason}")


@dataclass
class ProbeSignals:
    """One POP result per probe row (None where it failed) and the problems, in row order."""

    results: list
    problems: list = field(default_factory=list)

    def values(self, intervals) -> np.ndarray:
        """(probes, intervals) signal values, NaN rows for the probes that failed."""
        return np.array([r.values if r is not None else np.full(intervals, np.nan) for r in self.results],
                        float).reshape(-1, intervals)


def sheet_of(row: dict, sheet_columns) -> dict:
    """The technical sheet of one probe row: its non-blank sheet columns."""
    sheet = {}
    for column in sheet_columns:
        value = row.get(column)
        if isinstance(value, (list, tuple)) or not (pd.isna(value) or str(value).strip() == ""):
            sheet[column] = value
    return sheet


def probe_paths(probes: pd.DataFrame) -> list:
    """Each probe row's image path, "" where it has none."""
    if "path" not in probes:
        return [""] * len(probes)
    return ["" if pd.isna(path) else str(path).strip() for path in probes["path"]]


def tag_probes(probes: pd.DataFrame, sheet_columns=(), tags_from_image=True, classify=classify_photos):
    """{attribute: [tags]} per probe row (None where it failed) and the ProbeErrors. Cheap next to embedding a
    corpus, so callers can stop early when no probe can be tagged."""
    tags, problems = [], []
    for i, (row, path) in enumerate(zip(probes.to_dict("records"), probe_paths(probes))):
        try:
            image = load_image(path) if tags_from_image and path else None
            tags.append(probe_tags(image, sheet_of(row, sheet_columns), classify=classify))
        except (ImageLoadError, ClothingCheckpointError, ValueError) as exc:
            reason = exc.reason if isinstance(exc, ImageLoadError) else str(exc)
            problems.append(ProbeError(i, path, reason))
            tags.append(None)
    return tags, problems


def default_release(corpus: pd.DataFrame) -> pd.Timestamp:
    """The day after the corpus's last post: the release date when none is given."""
    return corpus["timestamp"].max().normalize() + pd.Timedelta(days=1)


def probe_signals(embedded, probes: pd.DataFrame, intervals=DEFAULT_INTERVALS, window=DEFAULT_WINDOW,
                  release=None, sheet_columns=(), tags=None, tags_from_image=True,
                  classify=classify_photos, progress=None) -> ProbeSignals:
    """POP signal of each probe row over an embedded corpus (`pop.signal.EmbeddedCorpus`).

    Release date: the row's `release_date`, else `release`, else the day after the last post. Tags: `tags`
    (from `tag_probes`) when given, else the image (classifier + colour) and the sheet columns; with
    `tags_from_image=False` the sheet alone. `progress(done, total)` is called after each probe."""
    probes = probes.reset_index(drop=True)
    problems = []
    if tags is None:
        tags, problems = tag_probes(probes, sheet_columns, tags_from_image, classify)
    paths = probe_paths(probes)
    readable = [p for p in paths if p]
    vectors = iter(embedded.embed_probes(readable)) if readable else iter(())
    fallback = pd.Timestamp(release) if release is not None else default_release(embedded.corpus)
    results = []
    for i, (path, tag_set) in enumerate(zip(paths, tags)):
        vector = next(vectors) if path else None
        when = probes["release_date"][i] if "release_date" in probes else pd.NaT
        result = None
        if tag_set is not None:
            try:
                result = embedded.signal(vector, tag_set, fallback if pd.isna(when) else when, intervals, window)
            except ValueError as exc:
                problems.append(ProbeError(i, path, str(exc)))
        results.append(result)
        if progress:
            progress(i + 1, len(probes))
    problems.sort(key=lambda problem: problem.row)
    return ProbeSignals(results, problems)

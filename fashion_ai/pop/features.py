"""Image features for POP: CNN embeddings (fashion_ai.embedding) reduced to a few dozen principal
components of the corpus, and a small "feature pack" file that stores them for a corpus.

A pack (`features-<model>.npz` beside a corpus CSV) holds each image's file digest and reduced vector plus
the reduction itself, so a class can run POP on the sample feed without running a CNN over 1,500 images;
images missing from the pack (or changed since) are embedded as usual.
"""

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..images import file_digest


@dataclass
class Reducer:
    """A PCA projection (mean + components) for one embedder's vectors."""

    model: str
    mean: np.ndarray
    components: np.ndarray

    @classmethod
    def fit(cls, model, vectors, dims):
        from sklearn.decomposition import PCA

        pca = PCA(n_components=min(dims, len(vectors) - 1), random_state=0).fit(vectors)
        return cls(model, pca.mean_.astype(np.float32), pca.components_.astype(np.float32))

    def transform(self, vectors) -> np.ndarray:
        return (np.asarray(vectors, np.float32) - self.mean) @ self.components.T


@dataclass
class Features:
    """Reduced vectors for a list of images: `vectors[i]` belongs to input row `kept[i]`."""

    reducer: Reducer
    vectors: np.ndarray
    kept: list
    skipped: list = field(default_factory=list)  # "path: reason" for images that could not be read
    pack: str = None  # the feature pack used, if any


def pack_path(corpus_folder, model) -> Path:
    """Where the feature pack of the corpus in `corpus_folder` for `model` lives."""
    return Path(corpus_folder) / f"features-{model}.npz"


def load_pack(path):
    """(reducer, {digest: vector}) from a feature pack file."""
    with np.load(path, allow_pickle=False) as pack:
        reducer = Reducer(str(pack["model"]), pack["mean"], pack["components"])
        known = dict(zip(pack["digests"].tolist(), pack["vectors"].astype(np.float32)))
    return reducer, known


def save_pack(path, reducer: Reducer, paths, vectors):
    """Write a feature pack for `paths` (their current file contents) and their reduced `vectors`."""
    np.savez_compressed(path, model=reducer.model, mean=reducer.mean, components=reducer.components,
                        digests=np.array([file_digest(p) for p in paths]),
                        vectors=np.asarray(vectors, np.float16))


def image_features(paths, model, dims=48, reducer=None, pack=None, progress=None, cancel=None,
                   show_bar=False) -> Features:
    """Reduced vectors of image files. With `pack` (a pack file for this `model`), its reducer and stored
    vectors are used and only the other images are embedded; else `reducer`, else a PCA fitted here."""
    from ..embedding import embed_paths

    paths = [str(p) for p in paths]
    known = {}
    if pack is not None and Path(pack).is_file():
        pack_reducer, known = load_pack(pack)
        if pack_reducer.model == model:
            reducer = pack_reducer
        else:
            known, pack = {}, None
    else:
        pack = None
    digests = [_digest_or_none(p) for p in paths]
    todo = [i for i, d in enumerate(digests) if d not in known]
    found = embed_paths([paths[i] for i in todo], model=model, progress=progress, cancel=cancel,
                        show_bar=show_bar)
    if len(found.kept) + len(found.skipped) < len(todo):
        raise InterruptedError("embedding was cancelled")
    if reducer is None:
        reducer = Reducer.fit(model, found.vectors, dims)
    fresh = dict(zip((todo[k] for k in found.kept), reducer.transform(found.vectors)))
    kept = [i for i in range(len(paths)) if digests[i] in known or i in fresh]
    vectors = np.zeros((len(kept), reducer.components.shape[0]), np.float32)
    for row, i in enumerate(kept):
        vectors[row] = known[digests[i]] if digests[i] in known else fresh[i]
    return Features(reducer, vectors, kept, [f"{s.path}: {s.reason}" for s in found.skipped],
                    str(pack) if pack else None)


def _digest_or_none(path):
    try:
        return file_digest(path)
    except OSError:
        return None

"""Fashion-MNIST (Zalando Research, MIT licence): 70,000 28x28 greyscale garments in 10 classes.

The full data is read from the standard IDX .gz files, found through the FASHION_MNIST_DIR environment
variable or the Debian package `dataset-fashion-mnist` (/usr/share/datasets/fashion-mnist). Where neither
is there, a small subset bundled in data_samples/fashion_mnist_subset/ (same file format) keeps the kit
working. Kit rule: anything the kit trains uses only the *train* split; every evaluation uses *test*.
"""

import gzip
import os
from pathlib import Path

import numpy as np

from ..paths import data_samples_dir

CLASSES = [
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
    "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
]
ENV_VAR = "FASHION_MNIST_DIR"
DEBIAN_DIR = Path("/usr/share/datasets/fashion-mnist")
SPLIT_PREFIX = {"train": "train", "test": "t10k"}
SUBSET_PER_CLASS = {"train": 300, "test": 100}


class FashionMNISTError(Exception):
    """Missing or malformed Fashion-MNIST files."""


def subset_dir() -> Path:
    return data_samples_dir() / "fashion_mnist_subset"


def find_full_dir():
    """The folder holding the full data (environment variable first, then the Debian path), or None."""
    candidates = [os.environ.get(ENV_VAR), DEBIAN_DIR]
    for folder in candidates:
        if folder and (Path(folder) / "t10k-labels-idx1-ubyte.gz").exists():
            return Path(folder)
    return None


def read_idx(path) -> np.ndarray:
    """Read one IDX file (gzip or raw) into a numpy array, checking its header."""
    path = Path(path)
    if not path.exists():
        raise FashionMNISTError(f"{path}: file not found")
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rb") as fh:
            data = fh.read()
    except (OSError, EOFError) as exc:
        raise FashionMNISTError(f"{path}: cannot be read as an IDX file ({exc})")
    if len(data) < 4 or data[0] != 0 or data[1] != 0 or data[2] != 0x08:
        raise FashionMNISTError(f"{path}: not an IDX file of unsigned bytes (bad header)")
    ndim = data[3]
    dims = [int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim)]
    offset = 4 + 4 * ndim
    expected = int(np.prod(dims))
    if len(data) - offset != expected:
        raise FashionMNISTError(
            f"{path}: holds {len(data) - offset} values but its header promises {expected} (truncated?)")
    return np.frombuffer(data, dtype=np.uint8, offset=offset).reshape(dims)


def write_idx(path, array: np.ndarray):
    """Write a uint8 array as a gzipped IDX file (used to build the bundled subset)."""
    array = np.ascontiguousarray(array, dtype=np.uint8)
    header = bytes([0, 0, 0x08, array.ndim]) + b"".join(int(d).to_bytes(4, "big") for d in array.shape)
    with gzip.GzipFile(path, "wb", mtime=0) as fh:
        fh.write(header + array.tobytes())


def load(split="train", source="auto"):
    """Images (N, 28, 28) uint8 and labels (N,) int64 of one split.

    source: "full" (the complete data, error if absent), "subset" (the bundled one) or "auto" (full when
    found, else the subset).
    """
    if split not in SPLIT_PREFIX:
        raise ValueError(f"split must be 'train' or 'test', not {split!r}")
    folder = _source_dir(source)
    prefix = SPLIT_PREFIX[split]
    images = read_idx(folder / f"{prefix}-images-idx3-ubyte.gz")
    labels = read_idx(folder / f"{prefix}-labels-idx1-ubyte.gz").astype(np.int64)
    if len(images) != len(labels):
        raise FashionMNISTError(f"{folder}: {len(images)} images but {len(labels)} labels in {split}")
    return images, labels


def source_name(source="auto") -> str:
    """Which data `load(source=...)` reads, in words (for reports)."""
    folder = _source_dir(source)
    return "bundled subset" if folder == subset_dir() else f"full data in {folder}"


def _source_dir(source) -> Path:
    if source not in ("auto", "full", "subset"):
        raise ValueError(f"source must be 'auto', 'full' or 'subset', not {source!r}")
    full = find_full_dir() if source != "subset" else None
    if source == "full" and full is None:
        raise FashionMNISTError(
            f"the full Fashion-MNIST was not found: set {ENV_VAR} to a folder with the IDX .gz files, "
            "or install the Debian package dataset-fashion-mnist")
    return full or subset_dir()


def subset_indices(labels: np.ndarray, per_class: int) -> np.ndarray:
    """The first `per_class` images of each class, in file order: the rule behind the bundled subset."""
    picks = [np.flatnonzero(labels == c)[:per_class] for c in range(len(CLASSES))]
    return np.sort(np.concatenate(picks))


def validation_split(labels: np.ndarray, size=5000, seed=0):
    """(fit indices, validation indices): `size` train images held out, the same number from each class,
    picked with `seed`; settings and the stopping epoch are chosen on them, never on the test split."""
    labels = np.asarray(labels)
    rng = np.random.default_rng(seed)
    per_class = size // len(CLASSES)
    held = np.concatenate([rng.permutation(np.flatnonzero(labels == c))[:per_class] for c in range(len(CLASSES))])
    keep = np.ones(len(labels), bool)
    keep[held] = False
    return np.flatnonzero(keep), np.sort(held)


def write_subset(out_dir):
    """Build the bundled subset from the full data (deterministic; see SUBSET_PER_CLASS)."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    for split, prefix in SPLIT_PREFIX.items():
        images, labels = load(split, source="full")
        keep = subset_indices(labels, SUBSET_PER_CLASS[split])
        write_idx(out_dir / f"{prefix}-images-idx3-ubyte.gz", images[keep])
        write_idx(out_dir / f"{prefix}-labels-idx1-ubyte.gz", labels[keep])
        np.savetxt(out_dir / f"{split}-source-indices.txt", keep, fmt="%d")

